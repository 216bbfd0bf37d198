/*
 * test_tz.c — IANA zones from TZif files (src/base/tz.c): offsets from the transitions,
 * from the POSIX footer after the last transition (far future), wall clock to UTC in a
 * gap and in an overlap, and refused names. The expected values are tzdata's (checked
 * against Python's zoneinfo on the same files).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/timeutil.h"
#include "base/tz.h"

static int64_t T(const char *s) {
    int64_t t;
    if (tr_time_parse(s, &t)) fail_msg("bad test time %s", s);
    return t;
}

/* The instant at which zone's wall clock reads the UTC-formatted local time s. */
static int64_t local_to_utc(const char *zone, const char *s) {
    tr_tz *z = NULL;
    tr_err err = {0};
    assert_int_equal(tr_tz_load(zone, "tz", &z, &err), TR_OK);
    int64_t t = tr_tz_to_utc(z, T(s));
    tr_tz_free(z);
    return t;
}

static int32_t offset(const char *zone, const char *s) {
    tr_tz *z = NULL;
    tr_err err = {0};
    assert_int_equal(tr_tz_load(zone, "tz", &z, &err), TR_OK);
    int32_t o = tr_tz_offset(z, T(s));
    tr_tz_free(z);
    return o;
}

static void test_offsets(void **state) {
    (void)state;
    assert_int_equal(offset("Asia/Damascus", "2016-09-19T12:00:00Z"), 3 * 3600);
    assert_int_equal(offset("Asia/Damascus", "2016-01-10T12:00:00Z"), 2 * 3600);
    assert_int_equal(offset("Europe/Berlin", "2016-07-01T00:00:00Z"), 2 * 3600);
    assert_int_equal(offset("Europe/Berlin", "2040-07-01T10:00:00Z"), 2 * 3600); /* footer rule */
    assert_int_equal(offset("Europe/Berlin", "2040-12-01T10:00:00Z"), 3600);
    assert_int_equal(offset("Australia/Sydney", "2041-01-01T00:00:00Z"), 11 * 3600); /* southern DST */
    assert_int_equal(offset("Asia/Kolkata", "2016-07-01T00:00:00Z"), 5 * 3600 + 1800);
    assert_int_equal(offset("UTC", "2016-07-01T00:00:00Z"), 0);
}

static void test_wall_clock_to_utc(void **state) {
    (void)state;
    assert_int_equal(local_to_utc("Asia/Damascus", "2016-09-19T00:00:00Z"), 1474232400);
    assert_int_equal(local_to_utc("Asia/Damascus", "2030-01-01T00:00:00Z"), 1893445200);
    /* gap (spring forward): the earlier offset's reading */
    assert_int_equal(local_to_utc("Europe/Berlin", "2016-03-27T02:30:00Z"), 1459042200);
    assert_int_equal(local_to_utc("Asia/Damascus", "2016-03-25T00:00:00Z"), 1458856800);
    /* overlap (fall back): the earlier instant */
    assert_int_equal(local_to_utc("Europe/Berlin", "2016-10-30T02:30:00Z"), 1477787400);
    assert_int_equal(local_to_utc("Europe/Berlin", "2040-07-01T12:00:00Z"), 2224749600);
}

static void test_bad_names(void **state) {
    (void)state;
    const char *bad[] = {"", "../etc/passwd", "/etc/localtime", "Asia/Nowhere", "Asia Damascus", "zone.tab"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tr_tz *z = NULL;
        tr_err err = {0};
        assert_int_equal(tr_tz_load(bad[i], "--bulletin-tz", &z, &err), TR_EINVAL);
        assert_string_equal(err.field, "--bulletin-tz");
        assert_null(z);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_wall_clock_to_utc),
        cmocka_unit_test(test_bad_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
