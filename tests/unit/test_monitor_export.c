/*
 * test_monitor_export.c — the export rows and CAP alerts (src/engines/monitor_export.c,
 * monitor_cap.c) on hand-made incidents: exact bytes for each format, JSON escaping of
 * quotes and control characters, RFC 4180 quoting, formula neutralising, the shortest
 * reals that read back, unknown values, and which incidents have an alert.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/timeutil.h"
#include "engines/monitor_export.h"

static int64_t T(const char *s) {
    int64_t t;
    if (tr_time_parse(s, &t)) fail_msg("bad test time %s", s);
    return t;
}

static mon_incident sample(void) {
    mon_incident inc;
    memset(&inc, 0, sizeof inc);
    inc.id = 42;
    inc.occurred_at = T("2016-09-19T16:10:00Z");
    inc.time_precision = 1;
    inc.geo_precision = 2;
    inc.lon = 36.94;
    inc.lat = 0.1 + 0.2; /* 0.30000000000000004: needs 17 digits */
    tr_event_type_parse("Explosions/Remote violence", &inc.event_type);
    tr_sub_event_type_parse("Air/drone strike", &inc.sub_event_type);
    inc.region = "Aleppo, \"east\"";
    inc.perpetrator = "=SUM(A1)";
    inc.cls = MON_VIOLATION;
    inc.cls_reason = "report 42: line\none";
    inc.grade = MON_GRADE_CORROBORATED;
    snprintf(inc.grade_reason, sizeof inc.grade_reason, "2 independent sources");
    inc.fatalities = (tr_range){true, 18, 20};
    inc.nreports = 2;
    inc.first_received_at = T("2016-09-20T08:00:00Z");
    inc.last_received_at = T("2016-09-20T09:00:00Z");
    return inc;
}

static char *render(mon_export_format f, const mon_incident *inc) {
    mon_text t = {0};
    mon_export_head(f, &t);
    mon_export_row(f, inc, true, &t);
    mon_export_tail(f, &t);
    assert_false(t.failed);
    return t.p;
}

static void test_geojson_row(void **state) {
    (void)state;
    mon_incident inc = sample();
    char *s = render(MON_EXPORT_GEOJSON, &inc);
    assert_string_equal(
        s, "{\"type\":\"FeatureCollection\",\"features\":[\n"
           "{\"type\":\"Feature\",\"id\":42,\"geometry\":{\"type\":\"Point\",\"coordinates\":[36.94,0."
           "30000000000000004]},"
           "\"properties\":{\"id\":42,\"occurred_at\":\"2016-09-19T16:10:00Z\",\"time_precision\":1,"
           "\"geo_precision\":2,\"event_type\":\"Explosions/Remote violence\",\"sub_event_type\":\"Air/drone "
           "strike\","
           "\"alleged_perpetrator\":\"=SUM(A1)\",\"region\":\"Aleppo, "
           "\\\"east\\\"\",\"classification\":\"violation\","
           "\"grade\":\"corroborated\",\"reports\":2,\"fatalities_min\":18,\"fatalities_max\":20,\"injured_"
           "min\":null,"
           "\"injured_max\":null,\"first_received_at\":\"2016-09-20T08:00:00Z\","
           "\"last_received_at\":\"2016-09-20T09:00:00Z\"}}\n]}\n");
    free(s);
    /* a control character is escaped; a missing region is null */
    inc.region = NULL;
    inc.perpetrator = "a\tb";
    s = render(MON_EXPORT_GEOJSON, &inc);
    assert_non_null(strstr(s, "\"alleged_perpetrator\":\"a\\u0009b\",\"region\":null"));
    free(s);
}

static void test_hxl_row(void **state) {
    (void)state;
    mon_incident inc = sample();
    char *s = render(MON_EXPORT_HXL, &inc);
    const char *rows = strchr(strchr(s, '\n') + 1, '\n') + 1;
    assert_string_equal(
        rows, "42,2016-09-19T16:10:00Z,1,Explosions/Remote violence,Air/drone strike,\"'=SUM(A1)\","
              "\"Aleppo, \"\"east\"\"\",0.30000000000000004,36.94,2,18,20,,,violation,corroborated,2,"
              "2016-09-20T08:00:00Z\n");
    assert_memory_equal(strchr(s, '\n') + 1, "#event+code,#date+occurred,", 27);
    free(s);
}

static void test_acled_row(void **state) {
    (void)state;
    mon_incident inc = sample();
    char *s = render(MON_EXPORT_ACLED, &inc);
    const char *row = strchr(s, '\n') + 1;
    assert_string_equal(
        row, "TRUCE42,2016-09-19,2016,1,Political violence,Explosions/Remote violence,Air/drone strike,"
             "\"'=SUM(A1)\",,,,,,,,,,,\"Aleppo, \"\"east\"\"\",,,,0.30000000000000004,36.94,2,truce,,"
             "\"report 42: line\none\",18,truce incident 42; classification violation; grade "
             "corroborated; reports 2,1474362000\n");
    free(s);
    /* unknown counts are empty; violence against civilians sets civilian_targeting */
    tr_event_type_parse("Violence against civilians", &inc.event_type);
    inc.sub_event_type = SUB_NONE;
    inc.fatalities.known = false;
    s = render(MON_EXPORT_ACLED, &inc);
    assert_non_null(strstr(s, ",Civilian targeting,"));
    assert_non_null(strstr(s, "\",,truce incident 42"));
    free(s);
}

static void test_cap(void **state) {
    (void)state;
    mon_config cfg;
    mon_config_default(&cfg);
    mon_incident inc = sample();
    mon_grade_change h[2] = {
        {T("2016-09-20T08:00:00Z"), "JMC", MON_GRADE_NONE, MON_GRADE_SINGLE_SOURCE, "one"},
        {T("2016-09-20T09:00:00Z"), "JMC", MON_GRADE_SINGLE_SOURCE, MON_GRADE_CORROBORATED, "two"}};
    inc.history = h;
    inc.nhistory = 2;
    assert_true(mon_cap_applies(&inc));
    assert_int_equal(mon_cap_sent(&inc), T("2016-09-20T09:00:00Z"));
    mon_text t = {0};
    mon_cap_render(&inc, &cfg, "truce", &t);
    assert_false(t.failed);
    assert_non_null(strstr(t.p, "<identifier>truce-incident-42-corroborated-1474362000</identifier>"));
    assert_non_null(strstr(t.p, "<sent>2016-09-20T09:00:00+00:00</sent>"));
    assert_non_null(strstr(t.p, "<severity>Severe</severity>"));
    assert_non_null(strstr(t.p, "<certainty>Likely</certainty>"));
    assert_non_null(strstr(t.p, "<areaDesc>Aleppo, &quot;east&quot;</areaDesc>"));
    assert_non_null(strstr(t.p, "<circle>0.30000000000000004,36.94 5.0</circle>")); /* geo precision 2: 5 km */
    free(t.p);
    inc.grade = MON_GRADE_SINGLE_SOURCE;
    assert_false(mon_cap_applies(&inc));
    inc.grade = MON_GRADE_CONFIRMED;
    inc.cls = MON_NOT_COVERED;
    assert_false(mon_cap_applies(&inc));
}

static void test_formats(void **state) {
    (void)state;
    mon_export_format f;
    assert_int_equal(mon_export_format_parse("hxl", &f), 0);
    assert_int_equal(f, MON_EXPORT_HXL);
    assert_int_equal(mon_export_format_parse("HXL", &f), -1);
    assert_int_equal(mon_export_format_parse(NULL, &f), -1);
    assert_string_equal(mon_export_media_type(MON_EXPORT_GEOJSON), "application/geo+json");
    assert_string_equal(mon_export_file_name(MON_EXPORT_ACLED), "incidents-acled.csv");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geojson_row), cmocka_unit_test(test_hxl_row), cmocka_unit_test(test_acled_row),
        cmocka_unit_test(test_cap),         cmocka_unit_test(test_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
