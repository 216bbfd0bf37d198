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
 * The dump walks the jansson value itself, with jansson's layout (JSON_COMPACT,
 * JSON_INDENT(n), JSON_SORT_KEYS, JSON_ENCODE_ANY, JSON_ESCAPE_SLASH), so a text without
 * reals is byte for byte what json_dumps makes, but for a control character in a string,
 * escaped \u00xx in lowercase as Python's json module does (jansson: uppercase).
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

/* The fast path, for the decimals most reals are (coordinates, tonnes, metres): the
 * fewest decimals k such that exactly one integer c makes c / 10^k read back as v. With
 * |c| < 2^53 and k <= 15 both c and 10^k are exact doubles, so the division is correctly
 * rounded: it gives what strtod gives for the decimal c·10^-k. false when no such k exists
 * in that range, or two integers would do (the slow path then picks the nearest). */
static bool short_decimal(double v, decimal *d) {
    static const double p10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    for (int k = 0; k < 16 && v * p10[k] < 9007199254740992.0; k++) {
        double n0 = round(v * p10[k]), hit = -1;
        int hits = 0;
        for (double c = n0 - 1; c <= n0 + 1; c++)
            if (c > 0 && c / p10[k] == v) hits++, hit = c;
        if (hits > 1) return false;
        if (hits == 0) continue;
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%.0f", hit);
        while (n > 1 && buf[n - 1] == '0')
            n--; /* only when k == 0: 1500 -> "15", decpt 4 */
        memcpy(d->digits, buf, (size_t)n);
        d->digits[n] = '\0';
        d->ndigits = n;
        d->decpt = (int)strlen(buf) - k;
        return true;
    }
    return false;
}

/* Fills d with the shortest decimal that reads back as |v| (v finite, not zero). */
static void shortest(double v, decimal *d) {
    if (v >= 2.2250738585072014e-308 && short_decimal(v, d)) return;
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

typedef struct writer {
    char *b;
    size_t len, cap;
    size_t flags;
    bool failed;
} writer;

static void put(writer *w, const char *s, size_t n) {
    if (w->failed) return;
    if (w->len + n + 1 > w->cap) {
        size_t cap = w->cap ? w->cap : 256;
        while (cap < w->len + n + 1)
            cap *= 2;
        char *b = realloc(w->b, cap);
        if (!b) {
            w->failed = true;
            return;
        }
        w->b = b;
        w->cap = cap;
    }
    memcpy(w->b + w->len, s, n);
    w->len += n;
    w->b[w->len] = '\0';
}

/* jansson's layout: with JSON_INDENT(n) a newline and depth * n spaces; else, where a
 * space may go (after a comma), one unless JSON_COMPACT. */
static void indent(writer *w, int depth, bool space) {
    size_t n = (w->flags & 0x1F) * (size_t)depth;
    if (w->flags & 0x1F) {
        put(w, "\n", 1);
        for (; n > 0; n -= n < 16 ? n : 16)
            put(w, "                ", n < 16 ? n : 16);
    } else if (space && !(w->flags & JSON_COMPACT)) {
        put(w, " ", 1);
    }
}

/* A string as JSON writes it: quotes, backslashes and control characters escaped
 * (\b \f \n \r \t, else \u00xx in lowercase, as Python's json module), UTF-8 as it is. */
static void put_string(writer *w, const char *s, size_t n) {
    put(w, "\"", 1);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && !(c == '/' && (w->flags & JSON_ESCAPE_SLASH))) continue;
        put(w, s + from, i - from);
        from = i + 1;
        const char *e = c == '"'    ? "\\\""
                        : c == '\\' ? "\\\\"
                        : c == '\b' ? "\\b"
                        : c == '\f' ? "\\f"
                        : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r"
                        : c == '\t' ? "\\t"
                        : c == '/'  ? "\\/"
                                    : NULL;
        char u[8];
        if (!e) snprintf(u, sizeof u, "\\u%04x", c);
        put(w, e ? e : u, strlen(e ? e : u));
    }
    put(w, s + from, n - from);
    put(w, "\"", 1);
}

static int cmp_key(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void put_value(writer *w, const json_t *j, int depth);

static void put_object(writer *w, const json_t *j, int depth) {
    size_t n = json_object_size(j), k = 0;
    const char **keys = n ? malloc(n * sizeof *keys) : NULL;
    if (n && !keys) {
        w->failed = true;
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v) keys[k++] = key;
    if (n > 1 && (w->flags & JSON_SORT_KEYS)) qsort(keys, n, sizeof *keys, cmp_key);
    put(w, "{", 1);
    if (n) indent(w, depth + 1, false);
    for (k = 0; k < n; k++) {
        put_string(w, keys[k], strlen(keys[k]));
        put(w, w->flags & JSON_COMPACT ? ":" : ": ", w->flags & JSON_COMPACT ? 1 : 2);
        put_value(w, json_object_get(j, keys[k]), depth + 1);
        if (k + 1 < n) put(w, ",", 1);
        indent(w, k + 1 < n ? depth + 1 : depth, k + 1 < n);
    }
    put(w, "}", 1);
    free(keys);
}

static void put_array(writer *w, const json_t *j, int depth) {
    size_t n = json_array_size(j);
    put(w, "[", 1);
    if (n) indent(w, depth + 1, false);
    for (size_t i = 0; i < n; i++) {
        put_value(w, json_array_get(j, i), depth + 1);
        if (i + 1 < n) put(w, ",", 1);
        indent(w, i + 1 < n ? depth + 1 : depth, i + 1 < n);
    }
    put(w, "]", 1);
}

static void put_value(writer *w, const json_t *j, int depth) {
    char b[TR_REAL_BUFSZ > 24 ? TR_REAL_BUFSZ : 24];
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        put_object(w, j, depth);
        break;
    case JSON_ARRAY:
        put_array(w, j, depth);
        break;
    case JSON_STRING:
        put_string(w, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER:
        snprintf(b, sizeof b, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        put(w, b, strlen(b));
        break;
    case JSON_REAL:
        tr_real_format(json_real_value(j), b);
        put(w, b, strlen(b));
        break;
    case JSON_TRUE:
        put(w, "true", 4);
        break;
    case JSON_FALSE:
        put(w, "false", 5);
        break;
    case JSON_NULL:
        put(w, "null", 4);
        break;
    }
}

char *tr_json_dumps(const json_t *j, size_t flags) {
    if (!j || (!(flags & JSON_ENCODE_ANY) && !json_is_object(j) && !json_is_array(j))) return NULL;
    writer w = {.flags = flags};
    put_value(&w, j, 0);
    if (w.failed) {
        free(w.b);
        return NULL;
    }
    return w.b;
}
