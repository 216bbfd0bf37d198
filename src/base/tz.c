/*
 * tz.c — a TZif (RFC 8536) reader and POSIX TZ footer rules (tz.h).
 */
#include "base/tz.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_FILE_MAX (1 << 20)

typedef struct tz_rule { /* Mm.w.d/time */
    int month, week, wday;
    int32_t time; /* seconds after local midnight */
} tz_rule;

struct tr_tz {
    char name[80];
    int64_t *at;  /* transition instants, ascending */
    int32_t *off; /* offset in force from at[i] */
    size_t n;
    int32_t first_off; /* before the first transition */
    bool has_footer, footer_dst;
    int32_t std_off, dst_off; /* footer offsets east of UTC */
    tz_rule start, end;       /* footer DST start (in std time) and end (in DST) */
};

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- POSIX TZ strings ---- */

static const char *skip_name(const char *s) {
    if (*s == '<') {
        const char *e = strchr(s, '>');
        return e ? e + 1 : NULL;
    }
    const char *p = s;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] as seconds (POSIX sign: positive west). */
static const char *parse_hms(const char *s, int32_t *out) {
    int sign = 1;
    if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
    int v[3] = {0, 0, 0}, k = 0;
    while (k < 3) {
        if (*s < '0' || *s > '9') return NULL;
        while (*s >= '0' && *s <= '9')
            v[k] = v[k] * 10 + (*s++ - '0');
        k++;
        if (*s != ':') break;
        s++;
    }
    *out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
    return s;
}

static const char *parse_rule(const char *s, tz_rule *r) {
    if (*s != 'M' || sscanf(s, "M%d.%d.%d", &r->month, &r->week, &r->wday) != 3) return NULL;
    if (r->month < 1 || r->month > 12 || r->week < 1 || r->week > 5 || r->wday < 0 || r->wday > 6)
        return NULL;
    s++;
    while ((*s >= '0' && *s <= '9') || *s == '.')
        s++;
    r->time = 7200;
    if (*s == '/') s = parse_hms(s + 1, &r->time);
    return s;
}

static void parse_footer(tr_tz *z, const char *s) {
    int32_t std, dst;
    if (!(s = skip_name(s)) || !(s = parse_hms(s, &std))) return;
    z->std_off = -std;
    z->has_footer = true;
    if (!*s) return;
    const char *after = skip_name(s);
    if (!after) {
        z->has_footer = false;
        return;
    }
    s = after;
    dst = std - 3600;
    if (*s && *s != ',' && !(s = parse_hms(s, &dst))) goto bad;
    if (*s != ',' || !(s = parse_rule(s + 1, &z->start)) || *s != ',' || !(s = parse_rule(s + 1, &z->end)) ||
        *s)
        goto bad;
    z->dst_off = -dst;
    z->footer_dst = true;
    return;
bad:
    z->has_footer = false; /* a rule this reader does not know: keep the last transition */
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int year_of(int64_t t) {
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int y = 1970 + (int)(days / 366);
    while (days_from_civil(y + 1, 1, 1) <= days)
        y++;
    while (days_from_civil(y, 1, 1) > days)
        y--;
    return y;
}

/* The wall-clock instant (local seconds) of rule r in year y. */
static int64_t rule_local(const tz_rule *r, int y) {
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first = days_from_civil(y, r->month, 1);
    int wday_first = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int d = 1 + (r->wday - wday_first + 7) % 7 + (r->week - 1) * 7;
    int len = mdays[r->month - 1] + (r->month == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    while (d > len)
        d -= 7;
    return (days_from_civil(y, r->month, d)) * 86400 + r->time;
}

static int32_t footer_offset(const tr_tz *z, int64_t t) {
    if (!z->footer_dst) return z->std_off;
    int y = year_of(t + z->std_off);
    int64_t start = rule_local(&z->start, y) - z->std_off, end = rule_local(&z->end, y) - z->dst_off;
    bool dst = start < end ? (t >= start && t < end) : (t < end || t >= start);
    return dst ? z->dst_off : z->std_off;
}

int32_t tr_tz_offset(const tr_tz *z, int64_t t) {
    if (z->n == 0 || t < z->at[0]) return z->n == 0 && z->has_footer ? footer_offset(z, t) : z->first_off;
    size_t lo = 0, hi = z->n; /* the last transition <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->at[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == z->n - 1 && z->has_footer) return footer_offset(z, t);
    return z->off[lo];
}

int64_t tr_tz_to_utc(const tr_tz *z, int64_t local) {
    /* The offsets in force a day either side bracket any transition near local. */
    int32_t a = tr_tz_offset(z, local - 86400), b = tr_tz_offset(z, local + 86400);
    int64_t ta = local - a, tb = local - b;
    bool okb = tr_tz_offset(z, tb) == b;
    if (tr_tz_offset(z, ta) == a) return okb && tb < ta ? tb : ta; /* an overlap: the earlier */
    return okb ? tb : ta;                                          /* a gap: the earlier offset's */
}

/* ---- loading ---- */

static bool safe_name(const char *s) {
    if (!s || !*s || strlen(s) >= 80 || s[0] == '/' || strstr(s, "..")) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '/' ||
              *p == '_' || *p == '-' || *p == '+'))
            return false;
    return true;
}

static int parse(tr_tz *z, const unsigned char *b, size_t len) {
    if (len < 44 || memcmp(b, "TZif", 4) != 0) return -1;
    int version = b[4];
    const unsigned char *p = b;
    size_t tsize = 4;
    for (int pass = 0; pass < 2; pass++) {
        if ((size_t)(p - b) + 44 > len || memcmp(p, "TZif", 4) != 0) return -1;
        uint32_t isutc = be32(p + 20), isstd = be32(p + 24), leap = be32(p + 28), timecnt = be32(p + 32),
                 typecnt = be32(p + 36), charcnt = be32(p + 40);
        size_t body = timecnt * tsize + timecnt + typecnt * 6 + charcnt + leap * (tsize + 4) + isstd + isutc;
        if (typecnt == 0 || timecnt > 100000 || (size_t)(p - b) + 44 + body > len) return -1;
        if (pass == 0 && version >= '2') {
            p += 44 + body; /* skip the 32-bit data */
            tsize = 8;
            continue;
        }
        const unsigned char *times = p + 44, *idx = times + timecnt * tsize, *types = idx + timecnt;
        z->at = malloc((timecnt ? timecnt : 1) * sizeof *z->at);
        z->off = malloc((timecnt ? timecnt : 1) * sizeof *z->off);
        if (!z->at || !z->off) return -1;
        for (uint32_t i = 0; i < timecnt; i++) {
            if (idx[i] >= typecnt) return -1;
            z->at[i] = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
            z->off[i] = (int32_t)be32(types + 6 * idx[i]);
        }
        z->n = timecnt;
        /* before the first transition: the first non-DST type (RFC 8536 3.2), else type 0 */
        z->first_off = (int32_t)be32(types);
        for (uint32_t t = 0; t < typecnt; t++)
            if (!types[6 * t + 4]) {
                z->first_off = (int32_t)be32(types + 6 * t);
                break;
            }
        const unsigned char *end = p + 44 + body;
        if (tsize == 8 && (size_t)(end - b) < len && *end == '\n') {
            const unsigned char *nl = memchr(end + 1, '\n', len - (size_t)(end + 1 - b));
            if (nl && nl - end - 1 < 120) {
                char footer[128];
                memcpy(footer, end + 1, (size_t)(nl - end - 1));
                footer[nl - end - 1] = '\0';
                parse_footer(z, footer);
            }
        }
        return 0;
    }
    return -1;
}

int tr_tz_load(const char *name, const char *field, tr_tz **out, tr_err *err) {
    if (!safe_name(name))
        return tr_fail(err, TR_EINVAL, field, "'%.80s' is not an IANA time zone name", name ? name : "");
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    FILE *f = fopen(path, "rb");
    if (!f) return tr_fail(err, TR_EINVAL, field, "no time zone is named '%s' (no %s)", name, path);
    unsigned char *buf = malloc(TZ_FILE_MAX);
    size_t len = buf ? fread(buf, 1, TZ_FILE_MAX, f) : 0;
    fclose(f);
    tr_tz *z = calloc(1, sizeof *z);
    if (!buf || !z) {
        free(buf);
        free(z);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    snprintf(z->name, sizeof z->name, "%s", name);
    int rc = parse(z, buf, len);
    free(buf);
    if (rc) {
        tr_tz_free(z);
        return tr_fail(err, TR_EINVAL, field, "'%s' is not a time zone file (TZif)", path);
    }
    *out = z;
    return TR_OK;
}

void tr_tz_free(tr_tz *z) {
    if (!z) return;
    free(z->at);
    free(z->off);
    free(z);
}

const char *tr_tz_name(const tr_tz *z) {
    return z->name;
}
