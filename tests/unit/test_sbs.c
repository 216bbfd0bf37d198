/*
 * test_sbs.c — unit tests of the SBS-1 BaseStation reader (src/edges/sbs.h): the lines
 * dump1090 serves on port 30003 (identification, airborne position, airborne velocity),
 * the lines to skip, malformed ones (named by field), and the tracker that joins a position
 * with the aircraft's latest velocity (no velocity yet, too old, a repeated time).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/timeutil.h"
#include "edges/sbs.h"

#define POS3(t, lat, lon)                                                                                    \
    "MSG,3,1,1,4ca2d6,1,2016/09/19," t ",2016/09/19," t ",,25000,,," lat "," lon ",,,0,,0,0\r"
#define VEL4(t) "MSG,4,1,1,4CA2D6,1,2016/09/19," t ",2016/09/19," t ",,,450,90.0,,,-640,,,,,0"

static void test_lines(void **state) {
    (void)state;
    sbs_msg m;
    tr_err err = {0};
    assert_int_equal(sbs_parse_line(POS3("10:00:00.137", "36.30000", "36.60035"), &m, &err), TR_OK);
    assert_int_equal(m.type, 3);
    assert_string_equal(m.hex, "4CA2D6");
    int64_t t;
    assert_int_equal(tr_time_parse_ms("2016-09-19T10:00:00.137Z", &t), 0);
    assert_true(m.at_ms == t);
    assert_true(m.has_pos && m.has_alt && !m.has_vel);
    assert_true(m.lat == 36.3 && m.lon == 36.60035 && m.alt_ft == 25000);
    assert_int_equal(sbs_parse_line(VEL4("10:00:00.637"), &m, &err), TR_OK);
    assert_true(m.has_vel && m.speed_kt == 450 && m.track_deg == 90 && m.vrate_fpm == -640);
    assert_int_equal(
        sbs_parse_line("MSG,1,1,1,4CA2D6,1,2016/09/19,10:00:00.1,2016/09/19,10:00:00.1,RFF401  ,,,,,,,,,,,0",
                       &m, &err),
        TR_OK);
    assert_string_equal(m.callsign, "RFF401");
    const char *skip[] = {
        "", "STA,,1,1,4CA2D6,1,2016/09/19,10:00:00.000,2016/09/19,10:00:00.000,AD",
        "MSG,5,1,1,4CA2D6,1,2016/09/19,10:00:00.1,2016/09/19,10:00:00.1,,25000,,,,,,,0,,0,0",
        "MSG,8,1,1,4CA2D6,1,2016/09/19,10:00:00.1,2016/09/19,10:00:00.1,,,,,,,,,,,,0"};
    for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
        assert_int_equal(sbs_parse_line(skip[i], &m, &err), TR_ENOTFOUND);
}

static void test_malformed(void **state) {
    (void)state;
    sbs_msg m;
    struct {
        const char *line, *field;
    } bad[] = {
        {POS3("10:00:01.000", "91.50000", "37.2"), "field 15"},
        {POS3("10:00:01.000", "36.3", "east"), "field 16"},
        {"MSG,3,1,1,71C201,1,2016/09/19,10:00:15.4", "line"},
        {"MSG,3,1,1,ZZZZZZ,1,2016/09/19,10:00:00.1,2016/09/19,10:00:00.1,,25000,,,36.3,36.6,,,0,,0,0",
         "field 5"},
        {"MSG,3,1,1,4CA2D6,1,19/09/2016,10:00:00.1,2016/09/19,10:00:00.1,,25000,,,36.3,36.6,,,0,,0,0",
         "field 7"},
        {"MSG,3,1,1,4CA2D6,1,2016/09/19,10:00:00.1,2016/09/19,10:00:00.1,,,,,36.3,36.6,,,0,,0,0", "field 12"},
        {"MSG,4,1,1,4CA2D6,1,2016/09/19,10:00:00.1,2016/09/19,10:00:00.1,,,,90,,,0,,,,,0", "field 13"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tr_err err = {0};
        assert_int_equal(sbs_parse_line(bad[i].line, &m, &err), TR_EINVAL);
        assert_string_equal(err.field, bad[i].field);
    }
}

static bool add(sbs_tracker *t, const char *line, tr_position *p, sbs_stats *st) {
    sbs_msg m;
    assert_int_equal(sbs_parse_line(line, &m, NULL), TR_OK);
    return sbs_tracker_add(t, &m, p, st);
}

static void test_tracker(void **state) {
    (void)state;
    sbs_tracker *t = sbs_tracker_new();
    sbs_stats st = {0};
    tr_position p;
    assert_false(add(t, POS3("10:00:00.137", "36.3", "36.6"), &p, &st)); /* no velocity yet */
    assert_int_equal(st.no_velocity, 1);
    assert_false(add(t, VEL4("10:00:00.637"), &p, &st));
    assert_true(add(t, POS3("10:00:01.137", "36.3", "36.61"), &p, &st));
    assert_string_equal(p.track, "4CA2D6");
    assert_true(fabs(p.vx - 450 * 1852.0 / 3600) < 1e-9 && fabs(p.vy) < 1e-9);
    assert_true(fabs(p.vz - (-640 * 0.3048 / 60)) < 1e-12);
    assert_true(fabs(p.alt_m - 25000 * 0.3048) < 1e-9);
    assert_false(add(t, POS3("10:00:01.137", "36.3", "36.61"), &p, &st)); /* not later */
    assert_int_equal(st.not_later, 1);
    assert_false(add(t, POS3("10:00:11.000", "36.3", "36.7"), &p, &st)); /* its velocity is 10.4 s old */
    assert_int_equal(st.no_velocity, 2);
    assert_int_equal(st.positions, 1);
    sbs_tracker_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_lines), cmocka_unit_test(test_malformed),
                                       cmocka_unit_test(test_tracker)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
