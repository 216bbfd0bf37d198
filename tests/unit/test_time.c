/*
 * test_time.c — unit tests of the base layer (src/base): RFC 3339 parsing and
 * formatting in timeutil.c, and the error value of err.c.
 *
 * Parsing is checked against hand-computed instants and against glibc's timegm()
 * as an independent oracle; formatting against gmtime_r() over random instants in
 * years 1..9999, and both directions against each other.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/timeutil.h"

/* ---- helpers ---- */

#define T_2016_02_27 INT64_C(1456531200) /* 2016-02-27T00:00:00Z */
#define T_YEAR1 INT64_C(-62135596800)    /* 0001-01-01T00:00:00Z */
#define T_YEAR9999_END INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [lo, hi]. */
static int64_t rnd_range(int64_t lo, int64_t hi) {
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Asserts that s parses to want. */
static void expect_time(const char *s, int64_t want) {
    int64_t got = 12345;
    if (tr_time_parse(s, &got) != 0) fail_msg("'%s' was rejected", s);
    if (got != want) fail_msg("'%s' parsed to %lld, expected %lld", s, (long long)got, (long long)want);
}

/* Asserts that s is rejected. */
static void expect_reject(const char *s) {
    int64_t got = 0;
    if (tr_time_parse(s, &got) != -1)
        fail_msg("'%s' was accepted (as %lld), expected a rejection", s ? s : "(null)", (long long)got);
}

/* ---- parsing ---- */

/* tr_time_format writes its digits without printf (issue 19): the same text as gmtime +
 * strftime over years 1..9999, at the edges of days, months and years and at random. */
static void format_matches(int64_t t) {
    char got[TR_TIME_BUFSZ], want[64];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    assert_string_equal(tr_time_format(t, got), want);
}

static void test_format_digits(void **state) {
    (void)state;
    static const int64_t fixed[] = {-62135596800LL, -62135596799LL, -1,        0,         1,
                                    86399,          86400,          951782400, 951868799, 1474120800,
                                    253402300799LL};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        format_matches(fixed[i]);
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        format_matches(-62135596800LL + (int64_t)(x % 315537897600ull));
    }
}

static void test_parse_utc(void **state) {
    (void)state;
    expect_time("1970-01-01T00:00:00Z", 0);
    expect_time("1970-01-01T00:00:01Z", 1);
    expect_time("1969-12-31T23:59:59Z", -1);
    expect_time("2016-02-27T00:00:00Z", T_2016_02_27);
    expect_time("2016-02-26T22:00:00Z", T_2016_02_27 - 7200);
    expect_time("2016-12-22T20:00:00Z", INT64_C(1482436800));
    expect_time("2038-01-19T03:14:08Z", INT64_C(2147483648)); /* past 32-bit time_t */
    expect_time("2016-02-27T23:59:59Z", T_2016_02_27 + 86399);
}

static void test_parse_offsets(void **state) {
    (void)state;
    expect_time("2016-02-27T02:00:00+02:00", T_2016_02_27);
    expect_time("2016-02-27T00:00:00+02:00", T_2016_02_27 - 7200);
    expect_time("2016-02-26T18:30:00-05:30", T_2016_02_27);
    expect_time("2016-02-27T00:00:00-05:30", T_2016_02_27 + 5 * 3600 + 1800);
    expect_time("2016-02-27T00:00:00+00:00", T_2016_02_27);
    expect_time("2016-02-27T00:00:00-00:00", T_2016_02_27);
    expect_time("2016-02-27T00:00:00+23:59", T_2016_02_27 - 23 * 3600 - 59 * 60);
    expect_time("2016-02-27T00:00:00-23:59", T_2016_02_27 + 23 * 3600 + 59 * 60);
    /* An offset crossing a year boundary. */
    expect_time("2017-01-01T01:00:00+03:00", INT64_C(1483221600)); /* 2016-12-31T22:00:00Z */
    expect_reject("2016-02-27T00:00:00+24:00");
    expect_reject("2016-02-27T00:00:00+02:60");
    expect_reject("2016-02-27T00:00:00+0200");
    expect_reject("2016-02-27T00:00:00+02");
    expect_reject("2016-02-27T00:00:00+02:0");
    expect_reject("2016-02-27T00:00:00+2:00");
    expect_reject("2016-02-27T00:00:00+02:00Z");
    expect_reject("2016-02-27T00:00:00 +02:00");
    expect_reject("2016-02-27T00:00:00UTC");
}

static void test_parse_fraction(void **state) {
    (void)state;
    expect_time("2016-02-27T00:00:00.0Z", T_2016_02_27);
    expect_time("2016-02-27T00:00:00.999Z", T_2016_02_27); /* truncated, not rounded */
    expect_time("2016-02-27T00:00:59.999999999Z", T_2016_02_27 + 59);
    expect_time("2016-02-27T02:00:00.5+02:00", T_2016_02_27);
    expect_time("2016-02-27T00:00:00.123456789012345678901234567890Z", T_2016_02_27);
    expect_reject("2016-02-27T00:00:00.Z");
    expect_reject("2016-02-27T00:00:00.");
    expect_reject("2016-02-27T00:00:00,5Z");
    expect_reject("2016-02-27T00:00:00.5");
    expect_reject("2016-02-27T00:00:00..5Z");
    expect_reject("2016-02-27T00:00:00.5.5Z");
    expect_reject("2016-02-27T00:00.5Z");
}

static void test_parse_date_only(void **state) {
    (void)state;
    expect_time("2016-02-27", T_2016_02_27);
    expect_time("1970-01-01", 0);
    expect_time("1969-12-31", -86400);
    expect_reject("2016-02-27Z");
    expect_reject("2016-02-27+02:00");
    expect_reject("2016-02-27T");
    expect_reject("2016-02-27 ");
    expect_reject("2016-02");
    expect_reject("2016");
}

static void test_parse_leap_years(void **state) {
    (void)state;
    expect_time("2016-02-29", T_2016_02_27 + 2 * 86400);
    expect_time("2016-02-29T12:00:00Z", T_2016_02_27 + 2 * 86400 + 43200);
    expect_time("2016-03-01", T_2016_02_27 + 3 * 86400);
    expect_time("2000-02-29", INT64_C(951782400)); /* divisible by 400: leap */
    expect_time("2400-02-29", INT64_C(13574563200));
    expect_reject("2017-02-29");
    expect_reject("2017-02-29T00:00:00Z");
    expect_reject("1900-02-29"); /* divisible by 100, not 400: common */
    expect_reject("2100-02-29");
    expect_reject("2016-02-30");
    expect_time("2017-02-28", INT64_C(1488240000));
}

static void test_parse_field_bounds(void **state) {
    (void)state;
    /* Months. */
    expect_reject("2016-00-10");
    expect_reject("2016-13-10");
    expect_reject("2016-99-10");
    expect_time("2016-12-31", INT64_C(1483142400));
    expect_time("2016-01-01", INT64_C(1451606400));
    /* Days per month. */
    static const int dm[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++) {
        char ok[48], bad[48];
        snprintf(ok, sizeof ok, "2016-%02d-%02d", m, dm[m - 1]);
        snprintf(bad, sizeof bad, "2016-%02d-%02d", m, dm[m - 1] + 1);
        int64_t t;
        if (tr_time_parse(ok, &t) != 0) fail_msg("'%s' was rejected", ok);
        expect_reject(bad);
    }
    expect_reject("2016-01-00");
    expect_reject("2016-04-31");
    expect_reject("2016-06-31");
    expect_reject("2016-09-31");
    expect_reject("2016-11-31");
    expect_reject("2016-01-32");
    /* Hours, minutes, seconds. */
    expect_time("2016-02-27T23:59:59Z", T_2016_02_27 + 86399);
    expect_reject("2016-02-27T24:00:00Z");
    expect_reject("2016-02-27T25:00:00Z");
    expect_reject("2016-02-27T00:60:00Z");
    expect_reject("2016-02-27T00:99:00Z");
    expect_reject("2016-02-27T00:00:61Z");
    /* A leap second (RFC 3339 allows :60) folds into the next second. */
    expect_time("2016-12-31T23:59:60Z", INT64_C(1483228800));
}

static void test_parse_garbage(void **state) {
    (void)state;
    static const char *const bad[] = {
        "", " ", "hello", "now", "T", "Z", "0", "1456531200",
        "2016-2-27", "16-02-27", "2016/02/27", "2016.02.27", "20160227", "20160227T000000Z",
        "2016-02-27T00:00Z", "2016-02-27T00Z", "2016-02-27T0:00:00Z", "2016-02-27T00:0:00Z",
        "2016-02-27T00:00:0Z", "2016-02-27T00:00:00", "2016-02-27X00:00:00Z",
        "2016-02-27_00:00:00Z", "2016-0a-27", "201a-02-27", "2016-02-2a", "2016-02-27T0a:00:00Z",
        " 2016-02-27", "\t2016-02-27", "2016 -02-27", "2016--02-27", "2016-02--27",
        "２０１６-02-27", "2016-02-27T00:00:00Z\n", "2016-02-27\n", "2016-02-27\xff",
        "2016-02-27T00:00:00\xefZ", "2016-02-27T00:00:00+\xe2\x88\x92" "02:00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) expect_reject(bad[i]);
    expect_reject(NULL);
}

static void test_parse_trailing(void **state) {
    (void)state;
    expect_reject("2016-02-27T00:00:00Zx");
    expect_reject("2016-02-27T00:00:00ZZ");
    expect_reject("2016-02-27T00:00:00Z ");
    expect_reject("2016-02-27T00:00:00+02:00x");
    expect_reject("2016-02-27T00:00:00+02:00:00");
    expect_reject("2016-02-27T00:00:00+02:001");
    expect_reject("2016-02-270");
    expect_reject("2016-02-27T00:00:000Z");
    expect_reject("2016-02-27x");
    expect_reject("2016-02-27T00:00:00.5Zjunk");
}

static void test_parse_lowercase_and_space(void **state) {
    (void)state;
    expect_time("2016-02-27t00:00:00z", T_2016_02_27);
    expect_time("2016-02-27t02:00:00+02:00", T_2016_02_27);
    expect_time("2016-02-27T00:00:00z", T_2016_02_27);
    /* RFC 3339 section 5.6 lets applications use a space for the "T". */
    expect_time("2016-02-27 00:00:00Z", T_2016_02_27);
    expect_reject("2016-02-27x00:00:00Z");
    expect_reject("2016-02-27T00:00:00x");
}

static void test_parse_years(void **state) {
    (void)state;
    expect_reject("-0001-01-01");
    expect_reject("-2016-02-27T00:00:00Z");
    expect_reject("+2016-02-27T00:00:00Z");
    expect_reject("-001-01-01");
    expect_reject("12016-02-27");   /* five-digit years are not RFC 3339 */
    expect_reject("216-02-27");
    expect_time("0001-01-01", T_YEAR1);
    expect_time("0001-01-01T00:00:00Z", T_YEAR1);
    expect_time("0001-01-01T00:00:01Z", T_YEAR1 + 1);
    expect_time("9999-12-31T23:59:59Z", T_YEAR9999_END);
    expect_time("9999-12-31", T_YEAR9999_END - 86399);
    /* Only instants in years 0001..9999 UTC, after the offset is applied. */
    expect_reject("0000-01-01");
    expect_reject("0000-12-31T23:59:59Z");
    expect_reject("0001-01-01T00:00:00+00:01");
    expect_reject("0001-01-01T00:59:59+01:00");
    expect_time("0001-01-01T01:00:00+01:00", T_YEAR1);
    expect_time("0001-01-01T00:00:00-01:00", T_YEAR1 + 3600);
    expect_reject("9999-12-31T23:59:59-00:01");
    expect_reject("9999-12-31T23:00:00-01:00");
    expect_time("9999-12-31T23:59:59+00:01", T_YEAR9999_END - 60);
    expect_time("9999-12-31T22:59:59-01:00", T_YEAR9999_END);
    expect_time("1600-03-01", INT64_C(-11670912000));
    expect_time("1000-01-01T00:00:00Z", INT64_C(-30610224000));
}

/* Random calendar fields, formatted as text and parsed, against glibc's timegm(). */
static void test_parse_matches_timegm(void **state) {
    (void)state;
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 100000; i++) {
        int y = i % 10 == 0 ? (i % 20 == 0 ? 1 : 9999) : (int)rnd_range(1, 9999), m = (int)rnd_range(1, 12);
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int d = (int)rnd_range(1, dm[m - 1] + (m == 2 && leap));
        int h = (int)rnd_range(0, 23), mi = (int)rnd_range(0, 59), s = (int)rnd_range(0, 59);
        int oh = (int)rnd_range(0, 23), om = (int)rnd_range(0, 59), form = (int)rnd_range(0, 3);
        char text[64];
        struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d,
                        .tm_hour = h, .tm_min = mi, .tm_sec = s};
        int64_t want = (int64_t)timegm(&tm);
        switch (form) {
        case 0:
            snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, h, mi, s);
            break;
        case 1:
            snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d+%02d:%02d", y, m, d, h, mi, s, oh, om);
            want -= oh * 3600 + om * 60;
            break;
        case 2:
            snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03d-%02d:%02d", y, m, d, h, mi,
                     s, (int)rnd_range(0, 999), oh, om);
            want += oh * 3600 + om * 60;
            break;
        default:
            snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
            want -= h * 3600 + mi * 60 + s;
            break;
        }
        int64_t got;
        if (want < T_YEAR1 || want > T_YEAR9999_END) {
            /* The offset moves it out of years 1..9999 (UTC): rejected. */
            if (tr_time_parse(text, &got) == 0) fail_msg("'%s' (%lld) is outside years 1..9999 but was accepted", text, (long long)want);
            continue;
        }
        if (tr_time_parse(text, &got) != 0) fail_msg("'%s' was rejected", text);
        if (got != want) fail_msg("'%s' parsed to %lld, timegm says %lld", text, (long long)got, (long long)want);
    }
}

/* ---- formatting ---- */

static void test_format_known(void **state) {
    (void)state;
    char buf[TR_TIME_BUFSZ];
    assert_string_equal(tr_time_format(0, buf), "1970-01-01T00:00:00Z");
    assert_ptr_equal(tr_time_format(0, buf), buf);
    assert_string_equal(tr_time_format(-1, buf), "1969-12-31T23:59:59Z");
    assert_string_equal(tr_time_format(-86400, buf), "1969-12-31T00:00:00Z");
    assert_string_equal(tr_time_format(-86401, buf), "1969-12-30T23:59:59Z");
    assert_string_equal(tr_time_format(T_2016_02_27, buf), "2016-02-27T00:00:00Z");
    assert_string_equal(tr_time_format(T_2016_02_27 + 2 * 86400, buf), "2016-02-29T00:00:00Z");
    assert_string_equal(tr_time_format(INT64_C(1482436800), buf), "2016-12-22T20:00:00Z");
    assert_string_equal(tr_time_format(T_YEAR1, buf), "0001-01-01T00:00:00Z");
    assert_string_equal(tr_time_format(T_YEAR9999_END, buf), "9999-12-31T23:59:59Z");
    assert_string_equal(tr_time_format(INT64_C(951782400), buf), "2000-02-29T00:00:00Z");
}

/* 100 000 random instants in years 1..9999: format agrees with gmtime_r, parse(format(t)) == t. */
static void test_format_round_trip(void **state) {
    (void)state;
    char buf[TR_TIME_BUFSZ], want[96];
    for (int i = 0; i < 100000; i++) {
        int64_t t = rnd_range(T_YEAR1, T_YEAR9999_END);
        if (i < 4) t = (int64_t[]){T_YEAR1, T_YEAR9999_END, 0, -1}[i];
        tr_time_format(t, buf);
        time_t tt = (time_t)t;
        struct tm tm;
        assert_non_null(gmtime_r(&tt, &tm));
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        if (strcmp(buf, want) != 0) fail_msg("%lld formatted as %s, gmtime says %s", (long long)t, buf, want);
        int64_t back;
        if (tr_time_parse(buf, &back) != 0) fail_msg("own output '%s' was rejected", buf);
        if (back != t) fail_msg("%lld -> %s -> %lld", (long long)t, buf, (long long)back);
    }
}

/* Every day boundary across two 400-year cycles around the epoch round-trips. */
static void test_format_every_day(void **state) {
    (void)state;
    char buf[TR_TIME_BUFSZ];
    int64_t prev = INT64_MIN;
    for (int64_t day = -146097; day <= 146097; day++) {
        int64_t t = day * 86400 + 43199, back;
        tr_time_format(t, buf);
        buf[10] = '\0'; /* the date part alone */
        if (tr_time_parse(buf, &back) != 0) fail_msg("'%s' was rejected", buf);
        if (back != day * 86400) fail_msg("day %lld -> %s -> %lld", (long long)day, buf, (long long)back);
        assert_true(back > prev);
        prev = back;
    }
}

static void test_clocks(void **state) {
    (void)state;
    int64_t now = tr_time_now();
    assert_true(now > INT64_C(1704067200)); /* after 2024-01-01 */
    assert_true(now < T_YEAR9999_END);
    uint64_t a = tr_clock_ns(), b = tr_clock_ns();
    assert_true(b >= a);
}

/* ---- err.h ---- */

static void test_err(void **state) {
    (void)state;
    tr_err e = {0};
    assert_int_equal(tr_fail(&e, TR_EINVAL, "properties.kind", "unknown kind '%s'", "x"), TR_EINVAL);
    assert_int_equal(e.code, TR_EINVAL);
    assert_string_equal(e.field, "properties.kind");
    assert_string_equal(e.msg, "unknown kind 'x'");
    assert_int_equal(tr_fail(NULL, TR_EAUTH, "f", "m"), TR_EAUTH);
    assert_int_equal(tr_fail(&e, TR_EIO, NULL, "disk"), TR_EIO);
    assert_string_equal(e.field, "");

    tr_fail(&e, TR_EINVAL, "coordinates[0]", "m");
    tr_err_prefix(&e, "geometry");
    assert_string_equal(e.field, "geometry.coordinates[0]");
    tr_fail(&e, TR_EINVAL, "[3].name", "m");
    tr_err_prefix(&e, "parties");
    assert_string_equal(e.field, "parties[3].name");
    tr_fail(&e, TR_EINVAL, "", "m");
    tr_err_prefix(&e, "geometry");
    assert_string_equal(e.field, "geometry");
    tr_err_prefix(&e, "");
    assert_string_equal(e.field, "geometry");
    tr_err_prefix(&e, NULL);
    assert_string_equal(e.field, "geometry");
    tr_err_prefix(NULL, "x"); /* no crash */

    /* A long field and prefix are truncated, never overflowed. */
    char longf[200];
    memset(longf, 'a', sizeof longf - 1);
    longf[sizeof longf - 1] = '\0';
    tr_fail(&e, TR_EINVAL, longf, "m");
    assert_int_equal(strlen(e.field), sizeof e.field - 1);
    tr_err_prefix(&e, longf);
    assert_int_equal(strlen(e.field), sizeof e.field - 1);
    char longm[1000];
    memset(longm, 'm', sizeof longm - 1);
    longm[sizeof longm - 1] = '\0';
    tr_fail(&e, TR_EINVAL, "f", "%s", longm);
    assert_int_equal(strlen(e.msg), sizeof e.msg - 1);

    assert_int_equal(tr_code_http_status(TR_OK), 200);
    assert_int_equal(tr_code_http_status(TR_EINVAL), 400);
    assert_int_equal(tr_code_http_status(TR_EAUTH), 401);
    assert_int_equal(tr_code_http_status(TR_EFORBIDDEN), 403);
    assert_int_equal(tr_code_http_status(TR_ENOTFOUND), 404);
    assert_int_equal(tr_code_http_status(TR_ECONFLICT), 409);
    assert_int_equal(tr_code_http_status(TR_EIO), 500);
    assert_int_equal(tr_code_http_status(TR_EUNAVAIL), 503);
    assert_int_equal(tr_code_http_status((tr_code)999), 500);
    assert_string_equal(tr_code_slug(TR_EINVAL), "invalid-input");
    assert_string_equal(tr_code_slug(TR_ECONFLICT), "conflict");
    assert_string_equal(tr_code_slug((tr_code)999), "internal-error");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_digits),
        cmocka_unit_test(test_parse_utc),
        cmocka_unit_test(test_parse_offsets),
        cmocka_unit_test(test_parse_fraction),
        cmocka_unit_test(test_parse_date_only),
        cmocka_unit_test(test_parse_leap_years),
        cmocka_unit_test(test_parse_field_bounds),
        cmocka_unit_test(test_parse_garbage),
        cmocka_unit_test(test_parse_trailing),
        cmocka_unit_test(test_parse_lowercase_and_space),
        cmocka_unit_test(test_parse_years),
        cmocka_unit_test(test_parse_matches_timegm),
        cmocka_unit_test(test_format_known),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_format_every_day),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_err),
    };
    return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
