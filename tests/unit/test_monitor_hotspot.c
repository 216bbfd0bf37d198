/*
 * test_monitor_hotspot.c — the monitoring engine at a hot spot (issue 11, item 7):
 *  - thousands of reports at one place and time: adding one more tests a handful of
 *    candidates (one per grid block), not one per report; the incident pages its reports
 *    in id order with a cursor; each report's partner is the lowest-id related member;
 *  - the summaries the engine keeps up to date as reports, responses and verdicts arrive
 *    read exactly like summaries rebuilt from scratch, through random additions near and
 *    far, imprecise reports, late arrivals, responses, verdicts, merges and splits.
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
#include "domain/report.h"
#include "engines/monitor.h"

#define T0 1458554400 /* 2016-03-21T10:00:00Z */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}

static const char *const PERPS[] = {"SAA", "Opposition", "Russia"};
static const char *const REFS[] = {NULL, "Aleppo council", "SOHR", "aleppo council ", "White Helmets"};
static const tr_sub_event_type SUBS[] = {SUB_SHELLING, SUB_AIR_DRONE, SUB_ARMED_CLASH};

/* Adds report id at (lon, lat, t), received at `received`. */
static int64_t add(mon_engine *m, int64_t id, double lon, double lat, int64_t t, int64_t received, int prec,
                   tr_sub_event_type sub, const char *perp, const char *ref, int fatal) {
    tr_report r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.occurred_at = t;
    r.received_at = received;
    r.lon = lon;
    r.lat = lat;
    r.time_precision = r.geo_precision = prec;
    r.sub_event_type = sub;
    r.event_type = tr_sub_event_type_parent(sub);
    r.alleged_perpetrator = (char *)perp;
    r.reporting_party = "JMC";
    r.source_kind = ref ? SRC_MEDIA : SRC_PARTY;
    r.source_ref = (char *)ref;
    r.target = (tr_target){.present = id % 7 == 0, .kind = TARGET_SITE, .object_id = id % 3 + 1};
    if (fatal >= 0) r.fatalities = (tr_range){true, fatal, fatal + 2};
    mon_classification c = {.cls = id % 5 ? MON_VIOLATION : MON_UNDETERMINED};
    snprintf(c.region, sizeof c.region, "Aleppo");
    snprintf(c.reason, sizeof c.reason, "test %lld", (long long)id);
    int64_t inc = 0;
    tr_err err = {0};
    if (mon_engine_add(m, &r, &c, &inc, &err) != TR_OK) fail_msg("add %lld: %s", (long long)id, err.msg);
    return inc;
}

static void test_dense_spot_is_indexed(void **state) {
    (void)state;
    mon_engine *m = mon_engine_new(NULL);
    const int n = 3000;
    for (int i = 1; i <= n; i++) {
        mon_stats before, after;
        mon_engine_stats(m, &before);
        assert_int_equal(add(m, i, 37.16, 36.2, T0, T0 + i, 1, SUB_SHELLING, "SAA", REFS[i % 5], i % 9), 1);
        mon_engine_stats(m, &after);
        if (i > 10) assert_true(after.candidates - before.candidates <= 4); /* not one per report held */
    }
    mon_incident in;
    tr_err err = {0};
    assert_int_equal(mon_engine_incident_page(m, 1, true, 0, 50, &in, &err), TR_OK);
    assert_int_equal(in.nreports, n);
    assert_int_equal(in.nmembers, 50);
    assert_int_equal(in.members[0].report_id, 1);
    assert_int_equal(in.members[0].partner_id, 2);
    for (int i = 1; i < 50; i++) {
        assert_int_equal(in.members[i].report_id, i + 1);
        assert_int_equal(in.members[i].partner_id, 1); /* the lowest-id related member */
    }
    assert_int_equal(in.next_after, 50);
    assert_int_equal(in.nsources, 4); /* "Aleppo council" and "aleppo council " are one */
    assert_int_equal(in.by_source_kind[SRC_PARTY] + in.by_source_kind[SRC_MEDIA], n);
    assert_true(in.fatalities.known && in.fatalities.min == 0 && in.fatalities.max == 10);
    assert_int_equal(in.ntargets, 3);
    mon_incident_clear(&in);
    assert_int_equal(mon_engine_incident_page(m, 1, false, n - 10, 50, &in, &err), TR_OK);
    assert_int_equal(in.nmembers, 10);
    assert_int_equal(in.next_after, 0);
    mon_incident_clear(&in);
    mon_engine_free(m);
}

/* The incident holding id, as JSON text, read through a page. */
static char *read_json(mon_engine *m, int64_t id, int64_t after, size_t limit) {
    mon_incident in;
    tr_err err = {0};
    int64_t cur = 0;
    assert_int_equal(mon_engine_incident_of(m, id, &cur), TR_OK);
    if (mon_engine_incident_page(m, cur, true, after, limit, &in, &err) != TR_OK)
        fail_msg("read: %s", err.msg);
    json_t *j = mon_incident_to_json(&in);
    json_object_set_new(j, "next_after", json_integer(in.next_after));
    json_object_set_new(j, "targets", json_integer((json_int_t)in.ntargets));
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(j);
    mon_incident_clear(&in);
    return s;
}

/* Kept summaries read as rebuilt ones, for a few incidents. */
static void check_kept(mon_engine *m, int64_t nreports) {
    int64_t ids[6] = {1, 2, 0, 0, 0, 0};
    for (int i = 2; i < 6; i++)
        ids[i] = 1 + (int64_t)(rnd() % (uint64_t)nreports);
    char *kept[6];
    for (int i = 0; i < 6; i++)
        kept[i] = read_json(m, ids[i], i == 1 ? 5 : 0, i == 1 ? 20 : 100);
    mon_engine_drop_summaries(m);
    for (int i = 0; i < 6; i++) {
        char *fresh = read_json(m, ids[i], i == 1 ? 5 : 0, i == 1 ? 20 : 100);
        if (strcmp(kept[i], fresh) != 0)
            fail_msg("report %lld: kept summary\n%.2000s\ndiffers from rebuilt\n%.2000s", (long long)ids[i],
                     kept[i], fresh);
        free(fresh);
        free(kept[i]);
    }
}

/* One random act on the engine at time *now: mostly a report at or near the spot. */
static void random_step(mon_engine *m, int64_t *n, int64_t *now) {
    uint64_t k = rnd() % 100;
    tr_err err = {0};
    *now += 1 + (int64_t)(rnd() % 60);
    int64_t some = *n ? 1 + (int64_t)(rnd() % (uint64_t)*n) : 0, cur = 0;
    if (k < 80 || *n < 5) {
        double far = rnd() % 10 == 0 ? 0.2 * (double)(rnd() % 5) : 0;
        double lon = 37.16 + far + 0.004 * (double)(rnd() % 100) / 100,
               lat = 36.2 + 0.004 * (double)(rnd() % 100) / 100;
        int prec = rnd() % 8 == 0 ? 2 : 1;
        int64_t received = rnd() % 20 == 0 ? *now - 5000 : *now; /* some arrive late: out of replay order */
        add(m, ++*n, lon, lat, T0 + (int64_t)(rnd() % 7200), received, prec, SUBS[rnd() % 3],
            PERPS[rnd() % 3], REFS[rnd() % 5], rnd() % 3 ? (int)(rnd() % 20) : -1);
    } else if (k < 90) {
        mon_engine_incident_of(m, some, &cur);
        mon_engine_respond(m, cur, PERPS[rnd() % 3], (mon_response_kind)(rnd() % 3), "a response", *now,
                           &err);
    } else if (k < 96) {
        static const char *const why[] = {"seen", NULL};
        mon_verdict_kind v = (mon_verdict_kind)(rnd() % 3);
        mon_engine_incident_of(m, some, &cur);
        mon_engine_verdict(m, cur, "JMC", v, v == MON_REJECT ? "no crater" : why[rnd() % 2], *now, &err);
    } else if (k < 98) {
        int64_t other = 1 + (int64_t)(rnd() % (uint64_t)*n), a = 0, b = 0;
        mon_engine_incident_of(m, some, &a);
        mon_engine_incident_of(m, other, &b);
        if (a != b) assert_int_equal(mon_engine_merge(m, a, b, "JMC", "one event", *now, NULL, &err), TR_OK);
    } else {
        mon_incident in;
        mon_engine_incident_of(m, some, &cur);
        assert_int_equal(mon_engine_incident(m, cur, false, &in, &err), TR_OK);
        if (in.nmembers >= 2) {
            int64_t side = in.members[in.nmembers - 1].report_id;
            assert_int_equal(mon_engine_split(m, cur, &side, 1, "JMC", "two events", *now, NULL, &err),
                             TR_OK);
        }
        mon_incident_clear(&in);
    }
}

static void test_kept_summaries_read_as_rebuilt(void **state) {
    (void)state;
    for (int round = 0; round < 2; round++) {
        mon_engine *m = mon_engine_new(NULL);
        int64_t n = 0, now = T0 + 86400;
        for (int step = 1; step <= 1200; step++) {
            random_step(m, &n, &now);
            if (step % 25 == 0) check_kept(m, n);
        }
        check_kept(m, n);
        mon_engine_free(m);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_spot_is_indexed),
        cmocka_unit_test(test_kept_summaries_read_as_rebuilt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
