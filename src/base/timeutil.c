/* timeutil.c — RFC 3339 parsing and formatting without the C library's time zone state. */
#include "base/timeutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

/* Reads exactly n digits at *p; returns -1 if they are not all digits. */
static int digits(const char **p, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return v;
}

static int days_in_month(int y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

int tr_time_parse(const char *s, int64_t *out) {
    if (s == NULL) return -1;
    const char *p = s;
    int y = digits(&p, 4);
    if (y < 0 || *p++ != '-') return -1;
    int mo = digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-') return -1;
    int d = digits(&p, 2);
    if (d < 1 || d > days_in_month(y, mo)) return -1;
    int64_t t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
    if (y == 0) return -1;
    if (*p == '\0') {
        *out = t;
        return 0;
    }
    if (*p != 'T' && *p != 't' && *p != ' ') return -1;
    p++;
    int h = digits(&p, 2);
    if (h < 0 || h > 23 || *p++ != ':') return -1;
    int mi = digits(&p, 2);
    if (mi < 0 || mi > 59 || *p++ != ':') return -1;
    int se = digits(&p, 2);
    if (se < 0 || se > 60) return -1; /* a leap second is folded into the next */
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return -1;
        while (isdigit((unsigned char)*p)) p++;
    }
    t += h * 3600 + mi * 60 + se;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '+' ? 1 : -1;
        int oh = digits(&p, 2);
        if (oh < 0 || oh > 23 || *p++ != ':') return -1;
        int om = digits(&p, 2);
        if (om < 0 || om > 59) return -1;
        t -= sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p != '\0') return -1;
    /* Years 1..9999 after applying the offset, so every instant formats back. */
    if (t < days_from_civil(1, 1, 1) * 86400 || t >= days_from_civil(10000, 1, 1) * 86400) return -1;
    *out = t;
    return 0;
}

char *tr_time_format(int64_t t, char *buf) {
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(buf, TR_TIME_BUFSZ, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60));
        return buf;
    }
    /* the same text without printf (answers print thousands of times, issue 19) */
    int f[6] = {y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60)};
    static const char sep[6] = {'-', '-', 'T', ':', ':', 'Z'};
    char *p = buf;
    for (int i = 0; i < 4; i++)
        *p++ = (char)('0' + y / (i == 0 ? 1000 : i == 1 ? 100 : i == 2 ? 10 : 1) % 10);
    *p++ = sep[0];
    for (int k = 1; k < 6; k++) {
        *p++ = (char)('0' + f[k] / 10);
        *p++ = (char)('0' + f[k] % 10);
        *p++ = sep[k];
    }
    *p = '\0';
    return buf;
}

int64_t tr_time_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

uint64_t tr_clock_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int tr_time_parse_ms(const char *s, int64_t *out) {
    int64_t t;
    if (tr_time_parse(s, &t)) return -1;
    const char *p = strchr(s, 'T');
    if (!p) p = strchr(s, 't');
    if (!p) p = strchr(s, ' ');
    int64_t ms = 0;
    p = p ? strchr(p, '.') : NULL;
    if (p) {
        int n = 0;
        for (p++; isdigit((unsigned char)*p); p++, n++)
            if (n < 3) ms = ms * 10 + (*p - '0');
        for (; n < 3; n++)
            ms *= 10;
    }
    *out = t * 1000 + ms;
    return 0;
}

char *tr_time_format_ms(int64_t t_ms, char *buf) {
    int64_t s = t_ms / 1000, ms = t_ms % 1000;
    if (ms < 0) {
        ms += 1000;
        s--;
    }
    tr_time_format(s, buf);
    snprintf(buf + 19, TR_TIME_BUFSZ - 19, ".%03dZ", (int)ms);
    return buf;
}

int64_t tr_time_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
