/*
 * json_text.c — the shortest round-trip decimal of a double, and jansson's dump with it.
 *
 * Digits: the nearest 15-digit decimal of a normal double reads back as the double
 * whenever any decimal of at most 15 digits does (a double's round-trip interval is
 * narrower than half the spacing of 15-digit decimals), and then it is the shortest once
 * its trailing zeros go. Otherwise the nearest 16-digit decimal, or — for a power of two,
 * whose interval is narrower below than above — the next one up; 17 digits always read
 * back. Subnormals have fewer bits, so every length from 1 is tried. This equals the
 * output of David Gay's shortest mode (Python's repr, JavaScript's toString digits).
 *
 * The dump: jansson prints reals with 17 digits (JSON_REAL_PRECISION(17): exact), then
 * every real token outside strings is parsed back (the same double) and reprinted. A
 * text with no real is returned as jansson made it.
 */
#include "base/json_text.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The significant digits of |v| (no leading or trailing zeros) and the decimal exponent
 * of the first one: |v| = 0.DIGITS * 10^decpt. */
typedef struct decimal {
    char digits[20];
    int ndigits;
    int decpt;
} decimal;

/* Reads "d.ddde±X" (from %e, without sign) into d. */
static void decimal_from_e(const char *s, decimal *d) {
    const char *e = strchr(s, 'e');
    d->ndigits = 0;
    for (const char *p = s; p < e; p++)
        if (*p != '.') d->digits[d->ndigits++] = *p;
    while (d->ndigits > 1 && d->digits[d->ndigits - 1] == '0')
        d->ndigits--;
    d->digits[d->ndigits] = '\0';
    d->decpt = atoi(e + 1) + 1;
}

/* Raises the last of n digits of "d.ddd...e±X" by one (carrying); false if that overflows. */
static bool bump_last_digit(char *s) {
    char *e = strchr(s, 'e');
    for (char *p = e - 1; p >= s; p--) {
        if (*p == '.') continue;
        if (*p != '9') {
            (*p)++;
            return true;
        }
        *p = '0';
    }
    return false; /* 9.99..9 -> 10.0: the nearest was already the largest; leave it to 17 digits */
}

/* Fills d with the shortest decimal that reads back as |v| (v finite, not zero). */
static void shortest(double v, decimal *d) {
    static const int normal[] = {15, 16, 17};
    static const int subnormal[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    bool sub = v < 2.2250738585072014e-308;
    const int *p = sub ? subnormal : normal;
    size_t n = sub ? sizeof subnormal / sizeof *subnormal : sizeof normal / sizeof *normal;
    char s[40];
    int exp2;
    bool pow2 = frexp(v, &exp2) == 0.5;
    for (size_t i = 0; i < n; i++) {
        snprintf(s, sizeof s, "%.*e", p[i] - 1, v);
        if (strtod(s, NULL) == v) break;
        if (p[i] == 16 && pow2 && bump_last_digit(s) && strtod(s, NULL) == v) break;
    }
    decimal_from_e(s, d);
}

/* Python repr's layout of d into out: fixed for -4 < decpt <= 16, else scientific.
 * At most 1 + 17 digits + 5 zeros or "e-308" + '.' and 0: within TR_REAL_BUFSZ. */
static void layout(const decimal *d, bool neg, char out[TR_REAL_BUFSZ]) {
    char *o = out;
    int n = d->ndigits, k = d->decpt;
    if (neg) *o++ = '-';
    if (k > -4 && k <= 0) { /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (int z = 0; z < -k; z++)
            *o++ = '0';
        for (int i = 0; i < n; i++)
            *o++ = d->digits[i];
        *o = '\0';
    } else if (k > 0 && k <= 16) { /* ddd.ddd, ddd000.0 */
        for (int i = 0; i < (k > n ? k : n); i++) {
            if (i == k) *o++ = '.';
            *o++ = i < n ? d->digits[i] : '0';
        }
        if (k >= n) {
            *o++ = '.';
            *o++ = '0';
        }
        *o = '\0';
    } else {
        *o++ = d->digits[0];
        if (n > 1) *o++ = '.';
        for (int i = 1; i < n; i++)
            *o++ = d->digits[i];
        snprintf(o, 8, "e%c%02d", k - 1 < 0 ? '-' : '+', abs(k - 1) % 1000);
    }
}

const char *tr_real_format(double v, char buf[TR_REAL_BUFSZ]) {
    if (!isfinite(v)) return strcpy(buf, "null");
    if (v == 0) return strcpy(buf, signbit(v) ? "-0.0" : "0.0");
    decimal d;
    shortest(fabs(v), &d);
    layout(&d, v < 0, buf);
    return buf;
}

/* ---- the dump ---- */

typedef struct outbuf {
    char *b;
    size_t len, cap;
} outbuf;

static bool out_put(outbuf *o, const char *s, size_t n) {
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *b = realloc(o->b, cap);
        if (!b) return false;
        o->b = b;
        o->cap = cap;
    }
    memcpy(o->b + o->len, s, n);
    o->len += n;
    o->b[o->len] = '\0';
    return true;
}

/* The length of the number token at s, and whether it is a real ('.' or an exponent). */
static size_t number_token(const char *s, bool *real) {
    size_t n = 0;
    *real = false;
    while (s[n] && strchr("+-0123456789.eE", s[n])) {
        if (s[n] == '.' || s[n] == 'e' || s[n] == 'E') *real = true;
        n++;
    }
    return n;
}

/* Reprints the reals of jansson's text; NULL when out of memory. Takes raw. */
static char *reprint_reals(char *raw) {
    outbuf o = {0};
    size_t done = 0; /* raw[0, done) is in o (once o is used) */
    bool in_str = false;
    for (size_t i = 0; raw[i];) {
        char c = raw[i];
        if (in_str) {
            i += (c == '\\' && raw[i + 1]) ? 2 : 1;
            if (c == '"') in_str = false;
            continue;
        }
        if (c == '"') in_str = true;
        if (c != '-' && (c < '0' || c > '9')) {
            i++;
            continue;
        }
        bool real;
        size_t n = number_token(raw + i, &real);
        if (real) {
            char num[TR_REAL_BUFSZ];
            tr_real_format(strtod(raw + i, NULL), num);
            if (!out_put(&o, raw + done, i - done) || !out_put(&o, num, strlen(num))) {
                free(o.b);
                free(raw);
                return NULL;
            }
            done = i + n;
        }
        i += n;
    }
    if (!o.b) return raw;
    bool ok = out_put(&o, raw + done, strlen(raw + done));
    free(raw);
    if (!ok) free(o.b);
    return ok ? o.b : NULL;
}

char *tr_json_dumps(const json_t *j, size_t flags) {
    flags = (flags & ~(size_t)JSON_REAL_PRECISION(31)) | JSON_REAL_PRECISION(17);
    char *raw = json_dumps(j, flags);
    return raw ? reprint_reals(raw) : NULL;
}
