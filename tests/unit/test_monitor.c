/*
 * test_monitor.c — unit tests of the monitoring engine (src/engines/monitor*.c):
 *  - type compatibility and configuration checks;
 *  - classification against a real attribution engine: violation, not_covered (excluded
 *    perpetrator, excluded place, excluded target, before the start, after the end,
 *    outside the zones, not a party), undetermined;
 *  - incidents: the distance/time limits and their widening with precision, type rules,
 *    a bridging report merging two incidents, 200 reports in 60 shuffled orders against
 *    a brute-force all-pairs oracle, manual split/merge, ambiguity, replay of regroup
 *    records in any order, attachment reasons;
 *  - grades: every rule, precedence, history (who, when, why), purity under permutation;
 *  - the bulletin: byte-identical output across runs and insertion orders in all four
 *    formats, the day boundary at the configured hour and offset, counts, escaping;
 *  - the real UCDP sample ingested as reports, checked against the oracle and shuffled.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/timeutil.h"
#include "domain/domain.h"
#include "domain/report.h"
#include "engines/attribution.h"
#include "engines/monitor.h"

/* ---- helpers ---- */

static int64_t T(const char *s) {
    int64_t t;
    if (tr_time_parse(s, &t)) fail_msg("bad test time %s", s);
    return t;
}

static json_t *parse_json(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j) fail_msg("bad test JSON (%s): %s", je.text, text);
    return j;
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static double rndu(void) {
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* A report as the tests describe it. */
typedef struct spec {
    int64_t id, t, received;
    double lon, lat;
    int tp, gp;
    tr_event_type ev;
    tr_sub_event_type sub;
    const char *perp, *party, *ref, *region;
    int fmin, fmax;          /* -1: unknown */
    mon_class cls;
} spec;

static spec S(int64_t id, const char *when, double lon, double lat, tr_sub_event_type sub) {
    spec s = {.id = id, .t = T(when), .lon = lon, .lat = lat, .tp = 1, .gp = 1, .sub = sub, .party = "SARC",
              .fmin = -1, .fmax = -1, .cls = MON_VIOLATION, .region = "Aleppo"};
    s.ev = sub == SUB_NONE ? EV_EXPLOSIONS : tr_sub_event_type_parent(sub);
    s.received = s.t + 3600;
    return s;
}

static tr_report to_report(const spec *s) {
    tr_report r;
    memset(&r, 0, sizeof r);
    r.id = s->id;
    r.occurred_at = s->t;
    r.received_at = s->received;
    r.lon = s->lon;
    r.lat = s->lat;
    r.time_precision = s->tp;
    r.geo_precision = s->gp;
    r.event_type = s->ev;
    r.sub_event_type = s->sub;
    r.alleged_perpetrator = (char *)s->perp;
    r.reporting_party = (char *)s->party;
    r.source_kind = SRC_PARTY;
    r.source_ref = (char *)s->ref;
    if (s->fmin >= 0) r.fatalities = (tr_range){true, s->fmin, s->fmax};
    return r;
}

static int64_t add_spec(mon_engine *m, const spec *s) {
    tr_report r = to_report(s);
    mon_classification c = {.cls = s->cls};
    snprintf(c.region, sizeof c.region, "%s", s->region ? s->region : "");
    snprintf(c.reason, sizeof c.reason, "test classification %s", mon_class_name(s->cls));
    int64_t inc = 0;
    tr_err err = {0};
    if (mon_engine_add(m, &r, &c, &inc, &err) != TR_OK) fail_msg("add %lld: %s", (long long)s->id, err.msg);
    return inc;
}

static int64_t inc_of(mon_engine *m, int64_t id) {
    int64_t inc = 0;
    assert_int_equal(mon_engine_incident_of(m, id, &inc), TR_OK);
    return inc;
}

/* Moves a point dx metres east and dy metres north (approximately). */
static void offset(double lon, double lat, double dx, double dy, double *olon, double *olat) {
    *olat = lat + dy / 110900.0;
    *olon = lon + dx / (111320.0 * cos(lat * M_PI / 180));
}

/* A point due north of (lon, lat) at exactly d metres geodesic (bisection). */
static double lat_at(double lon, double lat, double d) {
    double lo = lat, hi = lat + 2 * d / 100000.0;
    for (int i = 0; i < 100; i++) {
        double mid = (lo + hi) / 2;
        if (geo_distance_m(lon, lat, lon, mid) < d)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

/* ---- type rules and configuration ---- */

static void test_type_rules(void **state) {
    (void)state;
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_AIR_DRONE, EV_EXPLOSIONS, SUB_AIR_DRONE, true), MON_TYPE_SAME_SUB);
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_NONE, EV_EXPLOSIONS, SUB_SHELLING, true), MON_TYPE_SAME_EVENT);
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_NONE, EV_EXPLOSIONS, SUB_NONE, true), MON_TYPE_SAME_EVENT);
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_AIR_DRONE, EV_EXPLOSIONS, SUB_SHELLING, true), MON_TYPE_RELATED);
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_SHELLING, EV_EXPLOSIONS, SUB_AIR_DRONE, true), MON_TYPE_RELATED);
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_AIR_DRONE, EV_EXPLOSIONS, SUB_SHELLING, false), MON_TYPE_NONE);
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_AIR_DRONE, EV_VIOLENCE_CIVILIANS, SUB_ATTACK, true), MON_TYPE_RELATED);
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_AIR_DRONE, EV_BATTLES, SUB_ARMED_CLASH, true), MON_TYPE_NONE);
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_NONE, EV_VIOLENCE_CIVILIANS, SUB_ATTACK, true), MON_TYPE_NONE);
    assert_int_equal(mon_types_compatible(EV_EXPLOSIONS, SUB_GRENADE, EV_EXPLOSIONS, SUB_SUICIDE_BOMB, true), MON_TYPE_NONE);
    /* symmetric over the whole table */
    for (int ea = 0; ea < EV_COUNT; ea++)
        for (int sa = 0; sa < SUB_COUNT; sa++)
            for (int sb = 0; sb < SUB_COUNT; sb++) {
                int eb = sb ? (int)tr_sub_event_type_parent((tr_sub_event_type)sb) : ea;
                int ea2 = sa ? (int)tr_sub_event_type_parent((tr_sub_event_type)sa) : ea;
                assert_int_equal(mon_types_compatible(ea2, sa, eb, sb, true), mon_types_compatible(eb, sb, ea2, sa, true));
            }
}

static void test_config(void **state) {
    (void)state;
    mon_config c;
    tr_err err = {0};
    mon_config_default(&c);
    assert_int_equal(mon_config_check(&c, &err), TR_OK);
    c.radius_m[1] = 1000;
    assert_int_equal(mon_config_check(&c, &err), TR_EINVAL);
    assert_string_equal(err.field, "radius_m[1]");
    mon_config_default(&c);
    c.window_s[0] = 0;
    assert_int_equal(mon_config_check(&c, &err), TR_EINVAL);
    mon_config_default(&c);
    c.bulletin_end_hour = 0;
    assert_int_equal(mon_config_check(&c, &err), TR_EINVAL);
    assert_string_equal(err.field, "bulletin_end_hour");
    mon_config_default(&c);
    c.bulletin_utc_offset_min = 900;
    assert_int_equal(mon_config_check(&c, &err), TR_EINVAL);
    assert_null(mon_engine_new(&c));
    mon_engine *m = mon_engine_new(NULL);
    assert_non_null(m);
    assert_int_equal(mon_engine_config(m)->bulletin_utc_offset_min, 180);
    mon_engine_free(m);
}

/* ---- classification ---- */

static const geo_limits LIM = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};

static void add_area(attr_engine *e, int64_t id, double x0, double y0, double x1, double y1, const char *props) {
    char text[1024];
    snprintf(text, sizeof text,
             "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%g,%g],[%g,%g],[%g,%g],"
             "[%g,%g],[%g,%g]]]},\"properties\":{\"valid_from\":\"2015-01-01T00:00:00Z\",%s}}",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0, props);
    json_t *j = parse_json(text);
    tr_area a;
    tr_err err = {0};
    if (tr_area_parse(j, 0, &LIM, &a, &err)) fail_msg("area: %s %s", err.field, err.msg);
    json_decref(j);
    a.id = id;
    a.version = 1;
    a.created_by = strdup("admin");
    if (attr_engine_add_area(e, &a, &err)) fail_msg("add area: %s", err.msg);
}

static tr_agreement *make_agreement(int64_t id, const char *text) {
    json_t *j = parse_json(text);
    tr_agreement *a = calloc(1, sizeof *a);
    tr_err err = {0};
    if (tr_agreement_parse(j, a, &err)) fail_msg("agreement: %s %s", err.field, err.msg);
    json_decref(j);
    a->id = id;
    a->version = 1;
    return a;
}

/* The scenario of the classification tests; `known` holds copies for explanations. */
typedef struct world {
    attr_engine *e;
    tr_agreement *known[2];
} world;

static void world_init(world *w) {
    w->e = attr_engine_new();
    add_area(w->e, 1, 36.5, 35.6, 38.5, 36.8, "\"kind\":\"region\",\"name\":\"Aleppo\"");
    add_area(w->e, 2, 38.5, 35.5, 40.0, 36.7, "\"kind\":\"region\",\"name\":\"Ar-Raqqa\"");
    add_area(w->e, 3, 36.9, 36.0, 37.3, 36.4, "\"kind\":\"control\",\"name\":\"Aleppo west\",\"party\":\"SAA\"");
    add_area(w->e, 4, 38.8, 35.8, 39.2, 36.1, "\"kind\":\"designated\",\"name\":\"Raqqa city\",\"actor\":\"ISIS\"");
    add_area(w->e, 5, 36.4, 35.6, 36.9, 36.1, "\"kind\":\"ceasefire_zone\",\"name\":\"Idlib zone\"");
    const char *coh = "{\"name\":\"Cessation of Hostilities\",\"start\":\"2016-02-27T00:00:00Z\",\"end\":"
                      "\"2016-09-12T16:00:00Z\",\"parties\":[\"SAA\",\"Opposition\",\"Russia\",\"US-Coalition\"],"
                      "\"excluded_actors\":[\"ISIS\",\"Nusra\"]}";
    const char *dec = "{\"name\":\"December ceasefire\",\"start\":\"2016-12-30T00:00:00Z\",\"parties\":[\"SAA\","
                      "\"Opposition\",\"Russia\",\"Turkey\"],\"excluded_actors\":[\"ISIS\",\"Nusra\"],\"zones\":[5]}";
    tr_err err = {0};
    w->known[0] = make_agreement(10, coh);
    w->known[1] = make_agreement(11, dec);
    tr_agreement *a = make_agreement(10, coh), *b = make_agreement(11, dec);
    if (attr_engine_add_agreement(w->e, a, &err) || attr_engine_add_agreement(w->e, b, &err)) fail_msg("%s", err.msg);
    free(a);
    free(b);
}

static void world_free(world *w) {
    attr_engine_free(w->e);
    for (int i = 0; i < 2; i++) {
        tr_agreement_clear(w->known[i]);
        free(w->known[i]);
    }
}

/* Classifies a report of `sub` by perp at (lon, lat, when), target actor optional. */
static mon_classification classify(world *w, const char *when, double lon, double lat, const char *perp,
                                   const char *target_actor) {
    spec s = S(1, when, lon, lat, SUB_AIR_DRONE);
    s.perp = perp;
    tr_report r = to_report(&s);
    if (target_actor) r.target = (tr_target){.present = true, .kind = TARGET_ACTOR, .name = (char *)target_actor, .facility = FAC_OTHER};
    attr_result res = {0};
    assert_int_equal(attr_engine_query(w->e, lon, lat, r.occurred_at, NULL, &res), TR_OK);
    mon_classification c;
    mon_classify(&r, &res, (const tr_agreement *const *)w->known, 2, &c);
    attr_result_clear(&res);
    return c;
}

static void expect_class(mon_classification c, mon_class cls, int64_t agreement, const char *needle) {
    if (c.cls != cls) fail_msg("class %s, expected %s (%s)", mon_class_name(c.cls), mon_class_name(cls), c.reason);
    assert_int_equal(c.agreement_id, agreement);
    if (!strstr(c.reason, needle)) fail_msg("reason '%s' lacks '%s'", c.reason, needle);
}

static void test_classify(void **state) {
    (void)state;
    world w;
    world_init(&w);
    mon_classification c = classify(&w, "2016-04-01T10:00:00Z", 37.1, 36.2, "SAA", NULL);
    expect_class(c, MON_VIOLATION, 10,
                 "Agreement 'Cessation of Hostilities' (id 10), in force since 2016-02-27T00:00:00Z, applies here and "
                 "binds SAA, one of its parties.");
    assert_string_equal(c.region, "Aleppo");
    assert_string_equal(c.controller, "SAA");
    /* not covered: the perpetrator is an excluded actor */
    c = classify(&w, "2016-04-01T10:00:00Z", 37.1, 36.2, "ISIS", NULL);
    expect_class(c, MON_NOT_COVERED, 10, "ISIS is excluded from agreement 'Cessation of Hostilities'");
    /* not covered: the place is a designated area of an excluded actor */
    c = classify(&w, "2016-04-01T10:00:00Z", 39.0, 35.9, "Russia", NULL);
    expect_class(c, MON_NOT_COVERED, 10, "The place lies in 'Raqqa city', a designated area of ISIS, an actor excluded");
    assert_string_equal(c.region, "Ar-Raqqa");
    /* not covered: the target is excluded */
    c = classify(&w, "2016-04-01T10:00:00Z", 37.1, 36.2, "SAA", "Nusra");
    expect_class(c, MON_NOT_COVERED, 10, "The target, Nusra, is excluded");
    /* not covered: before the start, after the end, outside the zones */
    c = classify(&w, "2016-02-01T10:00:00Z", 37.1, 36.2, "SAA", NULL);
    expect_class(c, MON_NOT_COVERED, 10, "only started on 2016-02-27T00:00:00Z");
    c = classify(&w, "2016-10-01T10:00:00Z", 37.1, 36.2, "SAA", NULL);
    expect_class(c, MON_NOT_COVERED, 10, "had ended on 2016-09-12T16:00:00Z");
    c = classify(&w, "2017-01-15T10:00:00Z", 37.1, 36.2, "SAA", NULL);
    expect_class(c, MON_NOT_COVERED, 11, "does not apply at this place (outside its zones)");
    /* in the zone, the December agreement binds the opposition */
    c = classify(&w, "2017-01-15T10:00:00Z", 36.6, 35.9, "Opposition", NULL);
    expect_class(c, MON_VIOLATION, 11, "Agreement 'December ceasefire' (id 11)");
    /* not a party */
    c = classify(&w, "2016-04-01T10:00:00Z", 37.1, 36.2, "SDF", NULL);
    expect_class(c, MON_NOT_COVERED, 10, "SDF is not a party to agreement 'Cessation of Hostilities'");
    /* undetermined: no perpetrator named */
    c = classify(&w, "2016-04-01T10:00:00Z", 37.1, 36.2, NULL, NULL);
    expect_class(c, MON_UNDETERMINED, 10, "The alleged perpetrator is not known");
    /* without the known list, the reason is generic */
    spec s = S(1, "2016-02-01T10:00:00Z", 37.1, 36.2, SUB_AIR_DRONE);
    s.perp = "SAA";
    tr_report r = to_report(&s);
    attr_result res = {0};
    attr_engine_query(w.e, r.lon, r.lat, r.occurred_at, NULL, &res);
    mon_classify(&r, &res, NULL, 0, &c);
    expect_class(c, MON_NOT_COVERED, 0, "No agreement was in force at this place and time.");
    attr_result_clear(&res);
    /* the engine's intake path gives the same answer and stores the region */
    mon_engine *m = mon_engine_new(NULL);
    s = S(7, "2016-04-01T10:00:00Z", 37.1, 36.2, SUB_AIR_DRONE);
    s.perp = "SAA";
    r = to_report(&s);
    mon_classification got;
    int64_t inc;
    tr_err err = {0};
    assert_int_equal(mon_engine_ingest(m, w.e, &r, &got, &inc, &err), TR_OK);
    assert_int_equal(got.cls, MON_VIOLATION);
    assert_int_equal(inc, 7);
    mon_incident in;
    assert_int_equal(mon_engine_incident(m, 7, true, &in, &err), TR_OK);
    assert_string_equal(in.region, "Aleppo");
    assert_int_equal(in.cls, MON_VIOLATION);
    assert_non_null(strstr(in.cls_reason, "report 7: Agreement 'Cessation of Hostilities'"));
    mon_incident_clear(&in);
    mon_engine_free(m);
    world_free(&w);
}

/* ---- incidents ---- */

static void test_limits_and_widening(void **state) {
    (void)state;
    mon_engine *m = mon_engine_new(NULL);
    double lon = 37.0, lat = 36.0, x, y;
    spec a = S(1, "2016-05-01T10:00:00Z", lon, lat, SUB_AIR_DRONE);
    a.perp = "SAA";
    assert_int_equal(add_spec(m, &a), 1);
    /* 3,990 m north: within 2 + 2 km; 4,010 m: not */
    spec b = S(2, "2016-05-01T11:00:00Z", lon, lat_at(lon, lat, 3990), SUB_AIR_DRONE);
    b.perp = "Russia";
    assert_int_equal(add_spec(m, &b), 1);
    /* 4,010 m south of report 1 (so about 8 km from report 2): too far at precision 1 ... */
    double south = lat - (lat_at(lon, lat, 4010) - lat);
    spec c = S(3, "2016-05-01T11:00:00Z", lon, south, SUB_AIR_DRONE);
    c.perp = "SAA";
    assert_int_equal(add_spec(m, &c), 3);
    /* ... but a report there with geo precision 2 is within 2 + 5 km of report 1. It also
       matches report 3, a separate incident, so it stands apart, flagged ambiguous. */
    spec d = c;
    d.id = 4;
    d.gp = 2;
    assert_int_equal(add_spec(m, &d), 4);
    mon_incident in;
    tr_err err = {0};
    assert_int_equal(mon_engine_incident(m, 4, false, &in, &err), TR_OK);
    assert_int_equal(in.nambiguous, 2);
    assert_int_equal(in.ambiguous_with[0], 1);
    assert_int_equal(in.ambiguous_with[1], 3);
    mon_incident_clear(&in);
    /* Without report 3 the imprecise report joins report 1's incident. */
    mon_engine *m2 = mon_engine_new(NULL);
    add_spec(m2, &a);
    add_spec(m2, &b);
    assert_int_equal(add_spec(m2, &d), 1);
    assert_int_equal(mon_engine_incident(m2, 4, true, &in, &err), TR_OK);
    assert_int_equal(in.id, 1);
    assert_int_equal(in.nmembers, 3);
    assert_int_equal(in.members[2].rule, MON_TYPE_EXACT);
    assert_int_equal(in.members[2].partner_id, 1);
    mon_incident_clear(&in);
    mon_engine_free(m2);
    /* Imprecise reports cannot bridge two incidents: 3 stays apart from 1. */
    assert_int_equal(inc_of(m, 3), 3);
    /* time: 30 h later at the same place is beyond 12 + 12 h ... */
    offset(lon, lat, 50000, 0, &x, &y); /* a fresh place 50 km east */
    spec e = S(5, "2016-05-01T00:00:00Z", x, y, SUB_SHELLING);
    spec f = S(6, "2016-05-02T06:00:00Z", x, y, SUB_SHELLING);
    e.perp = f.perp = "SAA";
    assert_int_equal(add_spec(m, &e), 5);
    assert_int_equal(add_spec(m, &f), 6);
    /* ... while a report precise only to the week, 60 h after report 5, is within
       12 h + 3.5 days of it (and of 6, so here it stands apart; alone with 5 it joins) */
    spec g = S(7, "2016-05-03T12:00:00Z", x, y, SUB_SHELLING);
    g.tp = 2;
    g.perp = "SAA";
    assert_int_equal(add_spec(m, &g), 7); /* matches 5 and 6: ambiguous */
    mon_engine *m3 = mon_engine_new(NULL);
    add_spec(m3, &e);
    assert_int_equal(add_spec(m3, &g), 5);
    /* two imprecise reports of the same event cluster with each other */
    spec g2 = g;
    g2.id = 8;
    g2.gp = 3;
    assert_int_equal(add_spec(m3, &g2), 5);
    mon_engine_free(m3);
    /* one second under the time limit joins; exactly at it does not (dates a day apart) */
    offset(lon, lat, 100000, 0, &x, &y);
    spec h = S(8, "2016-06-01T00:00:00Z", x, y, SUB_GRENADE), i = h;
    i.id = 9;
    i.t += 24 * 3600 - 1;
    spec k = h;
    k.id = 10;
    k.t -= 24 * 3600;
    assert_int_equal(add_spec(m, &h), 8);
    assert_int_equal(add_spec(m, &i), 8);
    assert_int_equal(add_spec(m, &k), 10);
    mon_engine_free(m);
}

static void test_type_rules_in_engine(void **state) {
    (void)state;
    mon_config cfg;
    mon_config_default(&cfg);
    for (int related = 0; related < 2; related++) {
        cfg.related_types = related;
        mon_engine *m = mon_engine_new(&cfg);
        spec a = S(1, "2016-05-01T10:00:00Z", 37.0, 36.0, SUB_AIR_DRONE);
        spec b = S(2, "2016-05-01T10:30:00Z", 37.001, 36.0, SUB_SHELLING);
        spec c = S(3, "2016-05-01T10:30:00Z", 37.001, 36.001, SUB_ARMED_CLASH);
        spec d = S(4, "2016-05-01T10:40:00Z", 37.0, 36.001, SUB_NONE); /* Explosions, no sub-type */
        add_spec(m, &a);
        assert_int_equal(add_spec(m, &b), related ? 1 : 2);
        assert_int_equal(add_spec(m, &c), 3);
        assert_int_equal(add_spec(m, &d), 1);
        mon_incident in;
        tr_err err = {0};
        assert_int_equal(mon_engine_incident(m, 1, true, &in, &err), TR_OK);
        for (size_t i = 0; i < in.nmembers; i++)
            if (in.members[i].report_id == 4) {
                assert_int_equal(in.members[i].rule, MON_TYPE_SAME_EVENT);
                assert_non_null(strstr(in.members[i].why, "same_event_type"));
            }
        mon_incident_clear(&in);
        mon_engine_free(m);
    }
}

static void test_bridge_merges(void **state) {
    (void)state;
    mon_engine *m = mon_engine_new(NULL);
    double x, y;
    spec a = S(5, "2016-07-01T10:00:00Z", 37.0, 36.0, SUB_AIR_DRONE);
    offset(37.0, 36.0, 6000, 0, &x, &y);
    spec c = S(3, "2016-07-01T11:00:00Z", x, y, SUB_AIR_DRONE);
    assert_int_equal(add_spec(m, &a), 5);
    assert_int_equal(add_spec(m, &c), 3);
    offset(37.0, 36.0, 3000, 0, &x, &y);
    spec b = S(9, "2016-07-01T10:30:00Z", x, y, SUB_AIR_DRONE);
    assert_int_equal(add_spec(m, &b), 3); /* the smallest report id names the merged incident */
    assert_int_equal(inc_of(m, 5), 3);
    int64_t ids[8];
    size_t n;
    assert_int_equal(mon_engine_list(m, 0, 8, ids, &n), TR_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], 3);
    mon_incident in;
    tr_err err = {0};
    assert_int_equal(mon_engine_incident(m, 5, true, &in, &err), TR_OK); /* a retired id still finds it */
    assert_int_equal(in.id, 3);
    assert_int_equal(in.nmembers, 3);
    assert_int_equal(in.members[0].report_id, 3);
    assert_int_equal(in.members[1].report_id, 5);
    assert_int_equal(in.members[2].report_id, 9);
    /* every report links to the bridging one, about 3 km away */
    assert_int_equal(in.members[0].partner_id, 9);
    assert_int_equal(in.members[1].partner_id, 9);
    assert_true(in.members[0].distance_m > 2900 && in.members[0].distance_m < 3100);
    assert_non_null(strstr(in.members[1].why, "related to report 9:"));
    assert_non_null(strstr(in.members[1].why, "limit 4000 m"));
    json_t *j = mon_incident_to_json(&in);
    assert_int_equal(json_array_size(json_object_get(j, "reports")), 3);
    json_t *att = json_object_get(json_array_get(json_object_get(j, "reports"), 1), "attached");
    assert_int_equal(json_integer_value(json_object_get(att, "to")), 9);
    assert_string_equal(json_string_value(json_object_get(att, "rule")), "same_sub_event_type");
    json_decref(j);
    mon_incident_clear(&in);
    /* errors */
    assert_int_equal(mon_engine_add(m, &(tr_report){.id = 5}, NULL, NULL, &err), TR_ECONFLICT);
    assert_int_equal(mon_engine_add(m, &(tr_report){.id = 0}, NULL, NULL, &err), TR_EINVAL);
    assert_int_equal(mon_engine_incident(m, 77, false, &in, &err), TR_ENOTFOUND);
    mon_engine_free(m);
}

/* Imprecise reports link only on the same sub-event type and the same perpetrator. */
static void test_strict_coarse(void **state) {
    (void)state;
    mon_config cfg;
    mon_config_default(&cfg);
    mon_point a = {T("2016-05-01T10:00:00Z"), 37.0, 36.0, 1, 1, EV_EXPLOSIONS, SUB_AIR_DRONE, "SAA"};
    mon_point b = a;
    b.lon += 0.03; /* ~2.7 km */
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_SAME_SUB);
    b.perpetrator = "Russia"; /* precise reports may blame differently (contested) */
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_SAME_SUB);
    b.sub_event_type = SUB_SHELLING;
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_RELATED);
    /* b becomes imprecise in time: exact agreement is needed */
    b.time_precision = 2;
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_NONE);
    b.sub_event_type = SUB_AIR_DRONE;
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_NONE);
    b.perpetrator = "SAA";
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_EXACT);
    assert_int_equal(mon_related(&cfg, &b, &a), MON_TYPE_EXACT);
    b.perpetrator = NULL; /* an unnamed perpetrator agrees with nothing */
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_NONE);
    /* precise-imprecise: the tolerances add up (12 h + 3.5 days) ... */
    b.perpetrator = "SAA";
    b.t = a.t + 90 * 3600;
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_EXACT);
    /* ... but two imprecise reports must agree as if precise (under 24 h, 4 km) */
    mon_point c = b;
    c.t = b.t - 30 * 3600;
    c.lon = b.lon;
    assert_int_equal(mon_related(&cfg, &b, &c), MON_TYPE_NONE);
    c.t = b.t - 23 * 3600;
    assert_int_equal(mon_related(&cfg, &b, &c), MON_TYPE_EXACT);
    c.lon += 0.05; /* ~4.5 km */
    assert_int_equal(mon_related(&cfg, &b, &c), MON_TYPE_NONE);
    b.t = a.t;
    b.lon = a.lon + 0.03;
    /* with strict_coarse off, the loose rules apply at every precision */
    cfg.strict_coarse = false;
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_SAME_SUB);
    b.sub_event_type = SUB_NONE;
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_SAME_EVENT);
    /* bad precision codes relate nothing */
    b.geo_precision = 4;
    assert_int_equal(mon_related(&cfg, &a, &b), MON_TYPE_NONE);
    assert_string_equal(mon_type_rule_name(MON_TYPE_EXACT), "same_sub_event_type_and_perpetrator");
}

/* ---- order independence against a brute-force oracle ---- */

#define NREP 200

/* Events in a 63 km x 67 km box over 20 days, 1-5 reports each, mixed precision and
 * related types: enough overlap for merges and bridges, not one blob. */
static void make_reports(spec *out, size_t n) {
    static const tr_sub_event_type subs[] = {SUB_AIR_DRONE, SUB_SHELLING, SUB_ARMED_CLASH, SUB_ATTACK, SUB_NONE,
                                             SUB_CHEMICAL};
    static const char *parties[] = {"SARC", "SAA", "Opposition", "UN-OCHA"};
    static const char *perps[] = {"SAA", "Russia", "Opposition", NULL};
    rng_state = 0x5eed1234abcdull;
    size_t k = 0;
    int64_t base = T("2016-05-01T00:00:00Z");
    while (k < n) {
        double lon = 37.0 + rndu() * 0.7, lat = 35.6 + rndu() * 0.6;
        int64_t t = base + (int64_t)(rndu() * 20 * 86400);
        tr_sub_event_type sub = subs[rnd() % 6];
        size_t reports = 1 + rnd() % 5;
        for (size_t i = 0; i < reports && k < n; i++, k++) {
            spec *s = &out[k];
            memset(s, 0, sizeof *s);
            s->id = (int64_t)(1000 + k * 7 % 1999); /* ids unrelated to generation order */
            s->gp = rnd() % 100 < 75 ? 1 : rnd() % 100 < 70 ? 2 : 3;
            s->tp = rnd() % 100 < 75 ? 1 : rnd() % 100 < 70 ? 2 : 3;
            double jitter = s->gp == 1 ? 1500 : s->gp == 2 ? 7000 : 20000;
            offset(lon, lat, (rndu() - 0.5) * jitter, (rndu() - 0.5) * jitter, &s->lon, &s->lat);
            int64_t tj = s->tp == 1 ? 6 * 3600 : s->tp == 2 ? 2 * 86400 : 10 * 86400;
            s->t = t + (int64_t)((rndu() - 0.5) * (double)tj);
            s->sub = rnd() % 4 == 0 ? subs[rnd() % 6] : sub;
            s->ev = s->sub == SUB_NONE ? EV_EXPLOSIONS : tr_sub_event_type_parent(s->sub);
            s->party = parties[rnd() % 4];
            s->perp = perps[rnd() % 4];
            s->received = s->t + 3600;
            s->fmin = s->fmax = -1;
            s->cls = MON_VIOLATION;
            s->region = "Aleppo";
        }
    }
}

static int64_t oracle_find(int64_t *parent, int64_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
}

static mon_point point_of(const spec *s) {
    return (mon_point){s->t, s->lon, s->lat, s->tp, s->gp, s->ev, s->sub, s->perp};
}

/* All pairs through the relation (no index), with the documented tiers: precise reports
 * form components; imprecise ones form their own and join a precise component only when
 * they match exactly one. Gives each report's incident id (the smallest precise id, or the
 * smallest id of an imprecise component standing alone). What this checks is the grid (no
 * related pair missed), the union-find and the tiers, whatever the arrival order. */
static void oracle(const spec *s, size_t n, const mon_config *cfg, int64_t *out) {
    int64_t *parent = malloc(n * sizeof *parent), *minid = malloc(n * sizeof *minid);
    int64_t *match = malloc(n * sizeof *match); /* per imprecise root: -1 none, -2 several, else a precise root */
    bool *coarse = malloc(n * sizeof *coarse);
    for (size_t i = 0; i < n; i++) {
        parent[i] = (int64_t)i;
        coarse[i] = cfg->strict_coarse && (s[i].tp > 1 || s[i].gp > 1);
    }
    /* components within each tier */
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            mon_point a = point_of(&s[i]), b = point_of(&s[j]);
            if (coarse[i] == coarse[j] && mon_related(cfg, &a, &b) != MON_TYPE_NONE)
                parent[oracle_find(parent, (int64_t)i)] = oracle_find(parent, (int64_t)j);
        }
    for (size_t i = 0; i < n; i++) minid[i] = INT64_MAX, match[i] = -1;
    for (size_t i = 0; i < n; i++) {
        int64_t r = oracle_find(parent, (int64_t)i);
        if (s[i].id < minid[r]) minid[r] = s[i].id;
    }
    /* which precise components each imprecise component matches */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (!coarse[i] || coarse[j]) continue;
            mon_point a = point_of(&s[i]), b = point_of(&s[j]);
            if (mon_related(cfg, &a, &b) == MON_TYPE_NONE) continue;
            int64_t c = oracle_find(parent, (int64_t)i), p = oracle_find(parent, (int64_t)j);
            match[c] = match[c] == -1 || match[c] == p ? p : -2;
        }
    for (size_t i = 0; i < n; i++) {
        int64_t r = oracle_find(parent, (int64_t)i);
        out[i] = coarse[i] && match[r] >= 0 ? minid[match[r]] : minid[r];
    }
    free(parent);
    free(minid);
    free(match);
    free(coarse);
}

static void shuffle(size_t *order, size_t n) {
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = rnd() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* Adds the reports in `order` to a fresh engine and returns each report's incident. */
static void partition(const spec *s, size_t n, const size_t *order, const mon_config *cfg, int64_t *out) {
    mon_engine *m = mon_engine_new(cfg);
    for (size_t i = 0; i < n; i++) add_spec(m, &s[order[i]]);
    for (size_t i = 0; i < n; i++) out[i] = inc_of(m, s[i].id);
    mon_engine_free(m);
}

static void test_order_independence(void **state) {
    (void)state;
    spec *s = malloc(NREP * sizeof *s);
    make_reports(s, NREP);
    mon_config cfg;
    mon_config_default(&cfg);
    int64_t expect[NREP], got[NREP];
    oracle(s, NREP, &cfg, expect);
    /* the data must exercise the engine: several multi-report incidents, not one blob */
    size_t incidents = 0, biggest = 0;
    for (size_t i = 0; i < NREP; i++) {
        size_t size = 0;
        for (size_t j = 0; j < NREP; j++) size += expect[j] == expect[i];
        if (expect[i] == s[i].id) incidents++;
        if (size > biggest) biggest = size;
    }
    print_message("    %d reports -> %zu incidents, largest %zu\n", NREP, incidents, biggest);
    assert_true(incidents > 30 && incidents < 150);
    assert_true(biggest >= 4 && biggest < NREP / 2);
    size_t order[NREP];
    for (size_t i = 0; i < NREP; i++) order[i] = i;
    rng_state = 42;
    for (int round = 0; round < 60; round++) {
        partition(s, NREP, order, &cfg, got);
        for (size_t i = 0; i < NREP; i++)
            if (got[i] != expect[i])
                fail_msg("order %d: report %lld in incident %lld, oracle says %lld", round, (long long)s[i].id,
                         (long long)got[i], (long long)expect[i]);
        shuffle(order, NREP);
    }
    /* the same with related types off */
    cfg.related_types = false;
    oracle(s, NREP, &cfg, expect);
    for (int round = 0; round < 10; round++) {
        shuffle(order, NREP);
        partition(s, NREP, order, &cfg, got);
        assert_memory_equal(got, expect, sizeof got);
    }
    free(s);
}

/* ---- manual regrouping ---- */

static void three_in_a_row(mon_engine *m) {
    double x, y;
    spec a = S(1, "2016-08-01T10:00:00Z", 37.0, 36.0, SUB_AIR_DRONE);
    add_spec(m, &a);
    offset(37.0, 36.0, 1000, 0, &x, &y);
    spec b = S(2, "2016-08-01T10:10:00Z", x, y, SUB_AIR_DRONE);
    b.party = "SAA";
    add_spec(m, &b);
    offset(37.0, 36.0, 3500, 0, &x, &y);
    spec c = S(3, "2016-08-01T10:20:00Z", x, y, SUB_AIR_DRONE);
    c.party = "UN-OCHA";
    add_spec(m, &c);
}

static void test_split_merge(void **state) {
    (void)state;
    mon_engine *m = mon_engine_new(NULL);
    tr_err err = {0};
    three_in_a_row(m);
    assert_int_equal(inc_of(m, 3), 1);
    /* split report 3 off */
    mon_regroup r1;
    int64_t three = 3;
    assert_int_equal(mon_engine_split(m, 1, &three, 1, "JMC", "different craters", T("2016-08-02T09:00:00Z"), &r1, &err),
                     TR_OK);
    assert_true(r1.split);
    assert_int_equal(r1.nids, 3);
    assert_int_equal(r1.nfirst, 1);
    assert_int_equal(r1.ids[0], 3);
    assert_int_equal(inc_of(m, 1), 1);
    assert_int_equal(inc_of(m, 2), 1);
    assert_int_equal(inc_of(m, 3), 3);
    /* a report near 3 only joins 3's incident */
    double x, y;
    offset(37.0, 36.0, 5000, 0, &x, &y);
    spec d = S(4, "2016-08-01T10:30:00Z", x, y, SUB_CHEMICAL);
    assert_int_equal(add_spec(m, &d), 3);
    /* a report matching both sides of the split (but not 4: "Attack" is not related to
       "Chemical weapon") stays apart, flagged ambiguous */
    offset(37.0, 36.0, 2200, 0, &x, &y);
    spec e = S(5, "2016-08-01T10:15:00Z", x, y, SUB_ATTACK);
    assert_int_equal(add_spec(m, &e), 5);
    mon_incident in;
    assert_int_equal(mon_engine_incident(m, 5, true, &in, &err), TR_OK);
    assert_int_equal(in.nambiguous, 2);
    assert_int_equal(in.ambiguous_with[0], 1);
    assert_int_equal(in.ambiguous_with[1], 3);
    mon_incident_clear(&in);
    assert_int_equal(mon_engine_incident(m, 3, true, &in, &err), TR_OK);
    assert_int_equal(in.nmembers, 2);
    assert_non_null(strstr(in.members[0].why, "placed here by JMC's split on 2016-08-02T09:00:00Z: different craters"));
    assert_int_equal(in.members[1].report_id, 4);
    assert_int_equal(in.members[1].partner_id, 3);
    assert_int_equal(in.nregroups, 1);
    mon_incident_clear(&in);
    /* merging 1 and 3 takes 4 along and resolves 5's ambiguity */
    mon_regroup r2;
    assert_int_equal(mon_engine_merge(m, 2, 4, "JMC", "one strike after all", T("2016-08-03T09:00:00Z"), &r2, &err), TR_OK);
    assert_false(r2.split);
    assert_int_equal(r2.nids, 4);
    for (int64_t id = 1; id <= 5; id++) assert_int_equal(inc_of(m, id), 1);
    /* errors */
    assert_int_equal(mon_engine_merge(m, 1, 5, "JMC", "again", 0, NULL, &err), TR_EINVAL);
    assert_int_equal(mon_engine_merge(m, 1, 99, "JMC", "x", 0, NULL, &err), TR_ENOTFOUND);
    assert_int_equal(mon_engine_merge(m, 1, 2, "JMC", "", 0, NULL, &err), TR_EINVAL);
    int64_t all[5] = {1, 2, 3, 4, 5}, foreign[2] = {1, 77}, twice[2] = {2, 2};
    assert_int_equal(mon_engine_split(m, 1, all, 5, "JMC", "x", 0, NULL, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "some but not all"));
    assert_int_equal(mon_engine_split(m, 1, foreign, 2, "JMC", "x", 0, NULL, &err), TR_EINVAL);
    assert_int_equal(mon_engine_split(m, 1, twice, 2, "JMC", "x", 0, NULL, &err), TR_EINVAL);
    assert_int_equal(mon_engine_split(m, 1, all, 0, "JMC", "x", 0, NULL, &err), TR_EINVAL);

    /* replay: records first (pending pins), then the reports in reverse order */
    for (int variant = 0; variant < 2; variant++) {
        mon_engine *m2 = mon_engine_new(NULL);
        if (variant == 0) {
            assert_int_equal(mon_engine_apply_regroup(m2, &r1, &err), TR_OK);
            assert_int_equal(mon_engine_apply_regroup(m2, &r2, &err), TR_OK);
        }
        spec all_specs[5];
        all_specs[0] = S(1, "2016-08-01T10:00:00Z", 37.0, 36.0, SUB_AIR_DRONE);
        offset(37.0, 36.0, 1000, 0, &x, &y);
        all_specs[1] = S(2, "2016-08-01T10:10:00Z", x, y, SUB_AIR_DRONE);
        offset(37.0, 36.0, 3500, 0, &x, &y);
        all_specs[2] = S(3, "2016-08-01T10:20:00Z", x, y, SUB_AIR_DRONE);
        all_specs[3] = d;
        all_specs[4] = e;
        for (int i = 4; i >= 0; i--) add_spec(m2, &all_specs[i]);
        if (variant == 1) {
            assert_int_equal(mon_engine_apply_regroup(m2, &r1, &err), TR_OK);
            /* between the two records the engine matches the live one at that time */
            assert_int_equal(inc_of(m2, 3), 3);
            assert_int_equal(inc_of(m2, 4), 3);
            assert_int_equal(inc_of(m2, 5), 5);
            assert_int_equal(mon_engine_apply_regroup(m2, &r2, &err), TR_OK);
        }
        for (int64_t id = 1; id <= 5; id++) assert_int_equal(inc_of(m2, id), 1);
        mon_engine_free(m2);
    }
    mon_regroup_clear(&r1);
    mon_regroup_clear(&r2);
    mon_engine_free(m);
}

/* Split and merge on the 200 reports, then replays with shuffled arrivals. */
static void test_regroup_replay_shuffled(void **state) {
    (void)state;
    spec *s = malloc(NREP * sizeof *s);
    make_reports(s, NREP);
    mon_engine *m = mon_engine_new(NULL);
    for (size_t i = 0; i < NREP; i++) add_spec(m, &s[i]);
    tr_err err = {0};
    /* split the largest incident in two halves, then merge two single-report incidents */
    int64_t ids[NREP];
    size_t n, best = 0;
    int64_t best_id = 0;
    assert_int_equal(mon_engine_list(m, 0, NREP, ids, &n), TR_OK);
    int64_t single[2];
    size_t nsingle = 0;
    for (size_t i = 0; i < n; i++) {
        mon_incident in;
        assert_int_equal(mon_engine_incident(m, ids[i], false, &in, &err), TR_OK);
        if (in.nmembers > best) best = in.nmembers, best_id = in.id;
        if (in.nmembers == 1 && nsingle < 2) single[nsingle++] = in.id;
        mon_incident_clear(&in);
    }
    assert_true(best >= 4 && nsingle == 2);
    mon_incident big;
    assert_int_equal(mon_engine_incident(m, best_id, false, &big, &err), TR_OK);
    int64_t half[NREP];
    for (size_t i = 0; i < big.nmembers / 2; i++) half[i] = big.members[big.nmembers - 1 - i].report_id;
    mon_regroup recs[2];
    assert_int_equal(mon_engine_split(m, best_id, half, big.nmembers / 2, "JMC", "two events", 1, &recs[0], &err), TR_OK);
    assert_int_equal(mon_engine_merge(m, single[0], single[1], "JMC", "same convoy", 2, &recs[1], &err), TR_OK);
    assert_int_equal(inc_of(m, single[1]), single[0] < single[1] ? single[0] : single[1]);
    mon_incident_clear(&big);
    int64_t live[NREP], got[NREP];
    for (size_t i = 0; i < NREP; i++) live[i] = inc_of(m, s[i].id);
    size_t order[NREP];
    for (size_t i = 0; i < NREP; i++) order[i] = i;
    rng_state = 7;
    for (int round = 0; round < 20; round++) {
        shuffle(order, NREP);
        mon_engine *m2 = mon_engine_new(NULL);
        /* records at the start, in the middle or at the end of the arrivals */
        size_t at = round % 3 == 0 ? 0 : round % 3 == 1 ? NREP / 2 : NREP;
        for (size_t i = 0; i <= NREP; i++) {
            if (i == at)
                for (int k = 0; k < 2; k++) assert_int_equal(mon_engine_apply_regroup(m2, &recs[k], &err), TR_OK);
            if (i < NREP) add_spec(m2, &s[order[i]]);
        }
        for (size_t i = 0; i < NREP; i++) got[i] = inc_of(m2, s[i].id);
        assert_memory_equal(got, live, sizeof got);
        mon_engine_free(m2);
    }
    mon_regroup_clear(&recs[0]);
    mon_regroup_clear(&recs[1]);
    mon_engine_free(m);
    free(s);
}

/* Random splits and merges interleaved with arrivals, against replays of the records
 * after every report has arrived, in shuffled orders: the incremental bookkeeping of
 * regroups (dissolving, re-clustering, labels, matches) must land where a replay does. */
static void test_regroup_random(void **state) {
    (void)state;
    spec *s = malloc(NREP * sizeof *s);
    make_reports(s, NREP);
    mon_engine *m = mon_engine_new(NULL);
    mon_regroup recs[40];
    size_t nrec = 0;
    tr_err err = {0};
    rng_state = 2024;
    for (size_t i = 0; i < NREP; i++) {
        add_spec(m, &s[i]);
        if (i % 10 != 9 || nrec == 40) continue;
        mon_incident in;
        int64_t pick = s[rnd() % (i + 1)].id;
        assert_int_equal(mon_engine_incident(m, pick, false, &in, &err), TR_OK);
        if (in.nmembers >= 2 && rnd() % 2) {
            int64_t side[NREP];
            size_t k = 0;
            for (size_t j = 0; j < in.nmembers; j++)
                if (rnd() % 2) side[k++] = in.members[j].report_id;
            if (k == 0) side[k++] = in.members[0].report_id;
            if (k == in.nmembers) k--;
            assert_int_equal(mon_engine_split(m, in.id, side, k, "JMC", "random split", (int64_t)i, &recs[nrec], &err), TR_OK);
            nrec++;
        } else {
            int64_t other = s[rnd() % (i + 1)].id;
            if (inc_of(m, other) != in.id) {
                assert_int_equal(mon_engine_merge(m, pick, other, "JMC", "random merge", (int64_t)i, &recs[nrec], &err),
                                 TR_OK);
                nrec++;
            }
        }
        mon_incident_clear(&in);
    }
    assert_true(nrec >= 10);
    int64_t live[NREP], got[NREP];
    for (size_t i = 0; i < NREP; i++) live[i] = inc_of(m, s[i].id);
    size_t order[NREP];
    for (size_t i = 0; i < NREP; i++) order[i] = i;
    for (int round = 0; round < 10; round++) {
        shuffle(order, NREP);
        mon_engine *m2 = mon_engine_new(NULL);
        for (size_t i = 0; i < NREP; i++) add_spec(m2, &s[order[i]]);
        for (size_t k = 0; k < nrec; k++) assert_int_equal(mon_engine_apply_regroup(m2, &recs[k], &err), TR_OK);
        for (size_t i = 0; i < NREP; i++) got[i] = inc_of(m2, s[i].id);
        for (size_t i = 0; i < NREP; i++)
            if (got[i] != live[i])
                fail_msg("round %d: report %lld in %lld on replay, %lld live", round, (long long)s[i].id,
                         (long long)got[i], (long long)live[i]);
        /* every report is listed exactly once across the incidents */
        int64_t ids[NREP];
        size_t n, total = 0;
        assert_int_equal(mon_engine_list(m2, 0, NREP, ids, &n), TR_OK);
        for (size_t k = 0; k < n; k++) {
            mon_incident in;
            assert_int_equal(mon_engine_incident(m2, ids[k], false, &in, &err), TR_OK);
            assert_int_equal(in.id, ids[k]);
            for (size_t j = 0; j < in.nmembers; j++) assert_int_equal(inc_of(m2, in.members[j].report_id), ids[k]);
            total += in.nmembers;
            mon_incident_clear(&in);
        }
        assert_int_equal(total, NREP);
        mon_engine_free(m2);
    }
    for (size_t k = 0; k < nrec; k++) mon_regroup_clear(&recs[k]);
    mon_engine_free(m);
    free(s);
}

/* ---- grades ---- */

static mon_grade grade_of(mon_engine *m, int64_t id, mon_incident *keep) {
    mon_incident in;
    tr_err err = {0};
    assert_int_equal(mon_engine_incident(m, id, false, &in, &err), TR_OK);
    mon_grade g = in.grade;
    if (keep)
        *keep = in;
    else
        mon_incident_clear(&in);
    return g;
}

/* Reports 1.. at one place, from parties/refs/perpetrators as given. */
static void add_source(mon_engine *m, int64_t id, const char *party, const char *ref, const char *perp) {
    spec s = S(id, "2016-09-19T19:30:00Z", 36.94775, 36.1481, SUB_AIR_DRONE);
    s.party = party;
    s.ref = ref;
    s.perp = perp;
    s.received = T("2016-09-20T00:00:00Z") + id * 60;
    add_spec(m, &s);
}

static void test_grades(void **state) {
    (void)state;
    tr_err err = {0};
    mon_engine *m = mon_engine_new(NULL);
    mon_incident in;
    add_source(m, 1, "SARC", NULL, "SAA");
    assert_int_equal(grade_of(m, 1, &in), MON_GRADE_SINGLE_SOURCE);
    assert_int_equal(in.nhistory, 1);
    assert_int_equal(in.history[0].from, MON_GRADE_NONE);
    assert_string_equal(in.history[0].by, "SARC");
    assert_string_equal(in.grade_reason, "one source (report 1)");
    mon_incident_clear(&in);
    /* the same party again, no reference: still one source */
    add_source(m, 2, "SARC", NULL, "SAA");
    assert_int_equal(grade_of(m, 1, NULL), MON_GRADE_SINGLE_SOURCE);
    /* another party: corroborated, and the history says who and when */
    add_source(m, 3, "UN-OCHA", NULL, "SAA");
    assert_int_equal(grade_of(m, 1, &in), MON_GRADE_CORROBORATED);
    assert_int_equal(in.nhistory, 2);
    assert_string_equal(in.history[1].by, "UN-OCHA");
    assert_int_equal(in.history[1].at, T("2016-09-20T00:03:00Z"));
    assert_int_equal(in.history[1].from, MON_GRADE_SINGLE_SOURCE);
    assert_int_equal(in.history[1].to, MON_GRADE_CORROBORATED);
    assert_non_null(strstr(in.history[1].why, "report 3 from UN-OCHA: 2 independent sources (reports 1, 3)"));
    mon_incident_clear(&in);
    /* a comment changes nothing; a denial by a party not named as perpetrator neither */
    assert_int_equal(mon_engine_respond(m, 2, "SAA", MON_COMMENT, "we will look", T("2016-09-20T06:00:00Z"), &err), TR_OK);
    assert_int_equal(mon_engine_respond(m, 2, "Opposition", MON_DENY, NULL, T("2016-09-20T06:30:00Z"), &err), TR_OK);
    assert_int_equal(grade_of(m, 1, NULL), MON_GRADE_CORROBORATED);
    /* the alleged perpetrator denies: contested */
    assert_int_equal(mon_engine_respond(m, 3, "SAA", MON_DENY, "no sorties there", T("2016-09-20T07:00:00Z"), &err), TR_OK);
    assert_int_equal(grade_of(m, 1, &in), MON_GRADE_CONTESTED);
    assert_string_equal(in.grade_reason, "SAA, named as the perpetrator, denied it");
    assert_int_equal(in.nresponses, 3);
    assert_string_equal(in.history[in.nhistory - 1].by, "SAA");
    mon_incident_clear(&in);
    /* it later accepts: confirmed (its latest stance counts) */
    assert_int_equal(mon_engine_respond(m, 1, "SAA", MON_ACCEPT, NULL, T("2016-09-21T07:00:00Z"), &err), TR_OK);
    assert_int_equal(grade_of(m, 1, &in), MON_GRADE_CONFIRMED);
    assert_string_equal(in.grade_reason, "SAA, named as the perpetrator, accepted it");
    mon_incident_clear(&in);
    /* a monitor rejects (a reason is required), then reopens */
    assert_int_equal(mon_engine_verdict(m, 1, "JMC", MON_REJECT, NULL, T("2016-09-22T00:00:00Z"), &err), TR_EINVAL);
    assert_string_equal(err.field, "reason");
    assert_int_equal(mon_engine_verdict(m, 1, "JMC", MON_REJECT, "imagery shows an older crater", T("2016-09-22T00:00:00Z"), &err),
                     TR_OK);
    assert_int_equal(grade_of(m, 1, &in), MON_GRADE_DISCOUNTED);
    assert_string_equal(in.grade_reason, "monitor JMC rejected it: imagery shows an older crater");
    assert_string_equal(in.history[in.nhistory - 1].by, "JMC");
    mon_incident_clear(&in);
    assert_int_equal(mon_engine_verdict(m, 1, "JMC", MON_REOPEN, NULL, T("2016-09-23T00:00:00Z"), &err), TR_OK);
    assert_int_equal(grade_of(m, 1, NULL), MON_GRADE_CONFIRMED);
    assert_int_equal(mon_engine_verdict(m, 1, "JMC", MON_CONFIRM, NULL, T("2016-09-24T00:00:00Z"), &err), TR_OK);
    assert_int_equal(grade_of(m, 1, &in), MON_GRADE_CONFIRMED);
    assert_string_equal(in.grade_reason, "monitor JMC confirmed it");
    /* history: single, corroborated, contested, confirmed, discounted, confirmed (reopen) */
    mon_grade expect[] = {MON_GRADE_SINGLE_SOURCE, MON_GRADE_CORROBORATED, MON_GRADE_CONTESTED, MON_GRADE_CONFIRMED,
                          MON_GRADE_DISCOUNTED, MON_GRADE_CONFIRMED};
    assert_int_equal(in.nhistory, 6);
    for (size_t i = 0; i < 6; i++) assert_int_equal(in.history[i].to, expect[i]);
    json_t *j = mon_incident_to_json(&in);
    json_t *h = json_object_get(j, "history");
    assert_true(json_is_null(json_object_get(json_array_get(h, 0), "from")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 4), "to")), "discounted");
    json_decref(j);
    mon_incident_clear(&in);
    /* errors */
    assert_int_equal(mon_engine_respond(m, 99, "SAA", MON_DENY, NULL, 0, &err), TR_ENOTFOUND);
    assert_int_equal(mon_engine_respond(m, 1, "", MON_DENY, NULL, 0, &err), TR_EINVAL);
    assert_int_equal(mon_engine_verdict(m, 1, NULL, MON_CONFIRM, NULL, 0, &err), TR_EINVAL);
    mon_engine_free(m);

    /* sources blaming different perpetrators: contested, both named */
    m = mon_engine_new(NULL);
    add_source(m, 1, "SARC", NULL, "SAA");
    add_source(m, 2, "Russia", NULL, "Opposition");
    add_source(m, 3, "UN-OCHA", NULL, "SAA");
    assert_int_equal(grade_of(m, 1, &in), MON_GRADE_CONTESTED);
    assert_string_equal(in.grade_reason, "reports blame different perpetrators: SAA (reports 1, 3); Opposition (report 2)");
    assert_string_equal(in.perpetrator, "SAA");
    assert_int_equal(in.nperpetrators, 2);
    mon_incident_clear(&in);
    mon_engine_free(m);

    /* independence: one party with two refs counts twice; two parties with one ref once */
    m = mon_engine_new(NULL);
    add_source(m, 1, "SARC", "SOHR 2016-09-19", NULL);
    add_source(m, 2, "SARC", "Reuters 2016-09-20", NULL);
    assert_int_equal(grade_of(m, 1, NULL), MON_GRADE_CORROBORATED);
    mon_engine_free(m);
    m = mon_engine_new(NULL);
    add_source(m, 1, "SARC", "SOHR 2016-09-19", NULL);
    add_source(m, 2, "UN-OCHA", " sohr 2016-09-19 ", NULL);
    assert_int_equal(grade_of(m, 1, &in), MON_GRADE_SINGLE_SOURCE);
    assert_string_equal(in.grade_reason, "one source (reports 1, 2)");
    mon_incident_clear(&in);
    mon_engine_free(m);
}

/* The pure function: same inputs in any order, same grade and history. */
static void test_grade_purity(void **state) {
    (void)state;
    mon_grade_report reps[4] = {
        {1, 100, "SARC", NULL, "party:SARC", "SAA"},
        {2, 200, "UN-OCHA", NULL, "party:UN-OCHA", "SAA"},
        {3, 200, "Russia", NULL, "party:Russia", "Opposition"},
        {4, 500, "JMC", "merged in by JMC: same event", "ref:x", NULL},
    };
    mon_response resp[3] = {{1, "SAA", MON_DENY, NULL, 300}, {2, "Opposition", MON_COMMENT, "no", 300},
                            {3, "SAA", MON_ACCEPT, NULL, 600}};
    mon_verdict verd[2] = {{1, "JMC", MON_REJECT, "staged", 700}, {2, "JMC", MON_REOPEN, NULL, 800}};
    mon_grade_result a, b;
    assert_int_equal(mon_grade_compute(reps, 4, resp, 3, verd, 2, TR_TIME_OPEN, &a), TR_OK);
    assert_int_equal(a.grade, MON_GRADE_CONFIRMED);
    mon_grade expect[] = {MON_GRADE_SINGLE_SOURCE, MON_GRADE_CORROBORATED, MON_GRADE_CONTESTED, MON_GRADE_CONFIRMED,
                          MON_GRADE_DISCOUNTED, MON_GRADE_CONFIRMED};
    assert_int_equal(a.nhistory, 6);
    for (size_t i = 0; i < 6; i++) assert_int_equal(a.history[i].to, expect[i]);
    /* ties at t=200: report 2 before report 3; each entry names who */
    assert_string_equal(a.history[1].by, "UN-OCHA");
    assert_string_equal(a.history[2].by, "Russia");
    assert_string_equal(a.history[3].by, "SAA");
    assert_int_equal(a.history[3].at, 600);
    /* as_of cuts the replay */
    mon_grade_result c;
    assert_int_equal(mon_grade_compute(reps, 4, resp, 3, verd, 2, 650, &c), TR_OK);
    assert_int_equal(c.grade, MON_GRADE_CONFIRMED);
    mon_grade_result_clear(&c);
    assert_int_equal(mon_grade_compute(reps, 4, resp, 3, verd, 2, 750, &c), TR_OK);
    assert_int_equal(c.grade, MON_GRADE_DISCOUNTED);
    mon_grade_result_clear(&c);
    /* permuted inputs */
    mon_grade_report reps2[4] = {reps[3], reps[1], reps[0], reps[2]};
    mon_response resp2[3] = {resp[2], resp[0], resp[1]};
    mon_verdict verd2[2] = {verd[1], verd[0]};
    assert_int_equal(mon_grade_compute(reps2, 4, resp2, 3, verd2, 2, TR_TIME_OPEN, &b), TR_OK);
    assert_int_equal(a.grade, b.grade);
    assert_string_equal(a.reason, b.reason);
    assert_int_equal(a.nhistory, b.nhistory);
    for (size_t i = 0; i < a.nhistory; i++) {
        assert_int_equal(a.history[i].at, b.history[i].at);
        assert_string_equal(a.history[i].by, b.history[i].by);
        assert_string_equal(a.history[i].why, b.history[i].why);
    }
    mon_grade_result_clear(&a);
    mon_grade_result_clear(&b);
    char key[64];
    assert_string_equal(mon_source_key("  SOHR Report ", "SARC", key, sizeof key), "sohr report");
    assert_string_equal(mon_source_key("  ", "SARC", key, sizeof key), "party:SARC");
    assert_string_equal(mon_source_key(NULL, "SARC", key, sizeof key), "party:SARC");
}

/* A merge at time T makes the grade change at T, by the monitor. */
static void test_merge_changes_grade(void **state) {
    (void)state;
    mon_engine *m = mon_engine_new(NULL);
    tr_err err = {0};
    spec a = S(1, "2016-09-19T10:00:00Z", 37.0, 36.0, SUB_AIR_DRONE), b = a;
    b.id = 2;
    b.lon += 0.2; /* 18 km away: a different incident */
    b.party = "UN-OCHA";
    add_spec(m, &a);
    add_spec(m, &b);
    assert_int_equal(grade_of(m, 1, NULL), MON_GRADE_SINGLE_SOURCE);
    assert_int_equal(mon_engine_merge(m, 1, 2, "JMC", "mislocated report", T("2016-09-21T00:00:00Z"), NULL, &err), TR_OK);
    mon_incident in;
    assert_int_equal(grade_of(m, 2, &in), MON_GRADE_CORROBORATED);
    assert_int_equal(in.history[1].at, T("2016-09-21T00:00:00Z"));
    assert_string_equal(in.history[1].by, "JMC");
    assert_non_null(strstr(in.history[1].why, "report 2 merged in by JMC: mislocated report"));
    mon_incident_clear(&in);
    mon_engine_free(m);
}

/* ---- the bulletin ---- */

static void render_all(mon_engine *m, const char *date, char *out[4], size_t len[4]) {
    mon_bulletin b;
    tr_err err = {0};
    assert_int_equal(mon_engine_bulletin(m, date, &b, &err), TR_OK);
    for (int f = 0; f < 4; f++)
        assert_int_equal(mon_bulletin_render(&b, (mon_format)f, MON_LANG_EN, &out[f], &len[f]), TR_OK);
    mon_bulletin_clear(&b);
}

/* A day of data around 2016-09-19 (local day at UTC+03:00 = 2016-09-18T21:00Z..19T21:00Z). */
static size_t bulletin_specs(spec *s) {
    size_t n = 0;
    /* today: two violations in Aleppo by SAA (one corroborated), one in Idleb by Opposition */
    s[n] = S(1, "2016-09-19T19:30:00Z", 36.94775, 36.1481, SUB_AIR_DRONE);
    s[n].perp = "SAA", s[n].fmin = 20, s[n].fmax = 21, n++;
    s[n] = S(2, "2016-09-19T19:45:00Z", 36.95, 36.15, SUB_AIR_DRONE);
    s[n].perp = "SAA", s[n].party = "UN-OCHA", s[n].fmin = 18, s[n].fmax = 25, n++;
    s[n] = S(3, "2016-09-19T08:00:00Z", 36.64, 35.93, SUB_SHELLING);
    s[n].perp = "Opposition", s[n].region = "Idleb <north> & co", s[n].fmin = 1, s[n].fmax = 1, n++;
    /* the last second of the window, and the first second of the next */
    s[n] = S(4, "2016-09-19T20:59:59Z", 37.5, 36.5, SUB_ARMED_CLASH);
    s[n].perp = "SAA", s[n].received = s[n].t, n++;
    s[n] = S(5, "2016-09-19T21:00:00Z", 38.0, 36.5, SUB_ARMED_CLASH);
    s[n].perp = "SAA", s[n].received = s[n].t, n++;
    /* not covered and undetermined incidents today */
    s[n] = S(6, "2016-09-19T12:00:00Z", 39.0, 35.9, SUB_AIR_DRONE);
    s[n].perp = "ISIS", s[n].cls = MON_NOT_COVERED, s[n].region = "Ar-Raqqa", n++;
    s[n] = S(7, "2016-09-19T12:00:00Z", 36.3, 33.5, SUB_SHELLING);
    s[n].cls = MON_UNDETERMINED, s[n].region = "Damascus", n++;
    /* the previous day: one violation in Aleppo */
    s[n] = S(8, "2016-09-18T10:00:00Z", 37.2, 36.2, SUB_SHELLING);
    s[n].perp = "SAA", s[n].fmin = 0, s[n].fmax = 2, n++;
    /* an old incident that gets a new report today (changed) */
    s[n] = S(9, "2016-09-10T10:00:00Z", 37.3, 36.3, SUB_ATTACK);
    s[n].perp = "SAA", s[n].received = T("2016-09-10T12:00:00Z"), n++;
    s[n] = S(10, "2016-09-10T11:00:00Z", 37.3001, 36.3, SUB_ATTACK);
    s[n].perp = "SAA", s[n].party = "UN-OCHA", s[n].received = T("2016-09-19T09:00:00Z"), n++;
    return n;
}

static mon_engine *bulletin_engine(const spec *s, size_t n, bool reverse, const mon_config *cfg) {
    mon_engine *m = mon_engine_new(cfg);
    for (size_t i = 0; i < n; i++) add_spec(m, &s[reverse ? n - 1 - i : i]);
    tr_err err = {0};
    /* the alleged perpetrator denies the old incident today */
    assert_int_equal(mon_engine_respond(m, 9, "SAA", MON_DENY, "not us", T("2016-09-19T10:00:00Z"), &err), TR_OK);
    return m;
}

static void test_bulletin(void **state) {
    (void)state;
    spec s[16];
    size_t n = bulletin_specs(s);
    mon_engine *m = bulletin_engine(s, n, false, NULL);
    mon_bulletin b;
    tr_err err = {0};
    assert_int_equal(mon_engine_bulletin(m, "2016-09-19", &b, &err), TR_OK);
    assert_int_equal(b.start, T("2016-09-18T21:00:00Z"));
    assert_int_equal(b.end, T("2016-09-19T21:00:00Z"));
    assert_int_equal(b.violations, 3); /* {1,2}, {3}, {4}; 5 belongs to the next day */
    assert_int_equal(b.violations_previous, 1);
    assert_int_equal(b.by_class[MON_VIOLATION], 3);
    assert_int_equal(b.by_class[MON_NOT_COVERED], 1);
    assert_int_equal(b.by_class[MON_UNDETERMINED], 1);
    assert_true(b.fatalities.known && b.fatalities.min == 19 && b.fatalities.max == 26);
    assert_int_equal(b.nregion, 2);
    assert_string_equal(b.by_region[0].key, "Aleppo");
    assert_int_equal(b.by_region[0].count, 2);
    assert_int_equal(b.by_region[0].previous, 1);
    assert_true(b.by_region[0].fatalities.min == 18 && b.by_region[0].fatalities.max == 25);
    assert_string_equal(b.by_party[0].key, "SAA");
    assert_int_equal(b.by_party[0].count, 2);
    assert_int_equal(b.grades[MON_GRADE_CORROBORATED], 1);
    assert_int_equal(b.grades[MON_GRADE_SINGLE_SOURCE], 2);
    /* new: incidents 1, 3, 4, 6, 7 (first received in the window); 5 was received after it */
    int64_t expect_new[] = {1, 3, 4, 6, 7};
    assert_int_equal(b.nnew, 5);
    for (size_t i = 0; i < 5; i++) assert_int_equal(b.new_incidents[i].incident_id, expect_new[i]);
    /* changed: the old incident 9, with a new report, a response and a grade change */
    assert_int_equal(b.nchanged, 1);
    assert_int_equal(b.changed_incidents[0].incident_id, 9);
    const mon_bulletin_line *ch = &b.changed_incidents[0];
    assert_int_equal(ch->nchanges, 3);
    assert_true(ch->changes[0].kind == MON_CHANGE_REPORTS && ch->changes[0].n == 1);
    assert_true(ch->changes[1].kind == MON_CHANGE_GRADE && ch->changes[1].from == MON_GRADE_SINGLE_SOURCE &&
                ch->changes[1].to == MON_GRADE_CONTESTED);
    assert_true(ch->changes[2].kind == MON_CHANGE_RESPONSE && ch->changes[2].to == MON_DENY);
    assert_string_equal(ch->changes[2].who, "SAA");
    mon_bulletin_clear(&b);
    /* the next day holds report 5 and compares with today */
    assert_int_equal(mon_engine_bulletin(m, "2016-09-20", &b, &err), TR_OK);
    assert_int_equal(b.violations, 1);
    assert_int_equal(b.violations_previous, 3);
    mon_bulletin_clear(&b);
    assert_int_equal(mon_engine_bulletin(m, "2016-9-20", &b, &err), TR_EINVAL);
    assert_int_equal(mon_engine_bulletin(m, "2016-02-30", &b, &err), TR_EINVAL);

    /* byte-identical: twice from one engine, and from an engine fed in reverse */
    char *one[4], *two[4], *three[4];
    size_t l1[4], l2[4], l3[4];
    render_all(m, "2016-09-19", one, l1);
    render_all(m, "2016-09-19", two, l2);
    mon_engine *r = bulletin_engine(s, n, true, NULL);
    render_all(r, "2016-09-19", three, l3);
    for (int f = 0; f < 4; f++) {
        assert_int_equal(l1[f], l2[f]);
        assert_int_equal(l1[f], l3[f]);
        assert_memory_equal(one[f], two[f], l1[f]);
        assert_memory_equal(one[f], three[f], l1[f]);
    }
    /* content checks per format */
    assert_non_null(strstr(one[MON_FMT_MD], "| Aleppo | 2 | 1 | +1 | 18\xE2\x80\x93" "25 | unknown |"));
    assert_non_null(strstr(one[MON_FMT_MD], "| Violations | 3 | 1 | +2 |"));
    assert_non_null(strstr(one[MON_FMT_MD], "| #9 | 2016-09-10T10:00:00Z | Aleppo | Attack | SAA |"));
    assert_non_null(strstr(one[MON_FMT_MD],
                           "new reports: 1; grade single source → contested; response from SAA: deny |"));
    assert_null(strstr(one[MON_FMT_MD], "Idleb <north>"));
    assert_non_null(strstr(one[MON_FMT_MD], "Idleb \\<north\\> & co"));
    assert_non_null(strstr(one[MON_FMT_HTML], "<td>Idleb &lt;north&gt; &amp; co</td>"));
    assert_null(strstr(one[MON_FMT_HTML], "<north>"));
    assert_non_null(strstr(one[MON_FMT_CSV], "region,Aleppo,2,1,1,18,25,,,Aleppo\n"));
    assert_non_null(strstr(one[MON_FMT_CSV], "window,start,,,,,,,,2016-09-18T21:00:00Z\n"));
    json_error_t je;
    json_t *j = json_loads(one[MON_FMT_JSON], 0, &je);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "violations"), "today")), 3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "window"), "utc_offset")), "+03:00");
    assert_int_equal(json_array_size(json_object_get(j, "new_incidents")), 5);
    json_decref(j);
    /* every CSV record has the header's 10 fields */
    tr_csv_row row = {0};
    char *save = NULL, *csv = strdup(one[MON_FMT_CSV]);
    for (char *line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        assert_int_equal(tr_csv_split(line, strlen(line), &row, &err), TR_OK);
        assert_int_equal(row.n, 10);
    }
    free(csv);
    tr_csv_row_clear(&row);
    for (int f = 0; f < 4; f++) free(one[f]), free(two[f]), free(three[f]);
    mon_engine_free(r);
    mon_engine_free(m);
}

static void test_bulletin_day_boundary(void **state) {
    (void)state;
    mon_config cfg;
    mon_config_default(&cfg);
    cfg.bulletin_end_hour = 6;
    cfg.bulletin_utc_offset_min = 0;
    mon_engine *m = mon_engine_new(&cfg);
    const char *times[] = {"2016-09-18T05:59:59Z", "2016-09-18T06:00:00Z", "2016-09-19T05:59:59Z",
                           "2016-09-19T06:00:00Z"};
    for (int i = 0; i < 4; i++) {
        spec s = S(i + 1, times[i], 37.0 + i, 36.0, SUB_AIR_DRONE);
        s.perp = "SAA";
        add_spec(m, &s);
    }
    mon_bulletin b;
    tr_err err = {0};
    assert_int_equal(mon_engine_bulletin(m, "2016-09-19", &b, &err), TR_OK);
    assert_int_equal(b.start, T("2016-09-18T06:00:00Z"));
    assert_int_equal(b.end, T("2016-09-19T06:00:00Z"));
    assert_int_equal(b.violations, 2);          /* reports 2 and 3 */
    assert_int_equal(b.violations_previous, 1); /* report 1 */
    char *md;
    size_t len;
    assert_int_equal(mon_bulletin_render(&b, MON_FMT_MD, MON_LANG_EN, &md, &len), TR_OK);
    assert_non_null(strstr(md, "ending 06:00 on 2016-09-19 at UTC+00:00"));
    free(md);
    mon_bulletin_clear(&b);
    mon_engine_free(m);
    /* a negative offset: the local day 2016-09-19 at UTC-05:00 ends 2016-09-20T05:00Z */
    cfg.bulletin_end_hour = 24;
    cfg.bulletin_utc_offset_min = -300;
    m = mon_engine_new(&cfg);
    assert_int_equal(mon_engine_bulletin(m, "2016-09-19", &b, &err), TR_OK);
    assert_int_equal(b.end, T("2016-09-20T05:00:00Z"));
    assert_int_equal(b.violations, 0);
    char *html;
    assert_int_equal(mon_bulletin_render(&b, MON_FMT_HTML, MON_LANG_EN, &html, &len), TR_OK);
    assert_non_null(strstr(html, "UTC-05:00"));
    assert_non_null(strstr(html, "<p>None.</p>"));
    free(html);
    mon_bulletin_clear(&b);
    mon_engine_free(m);
}

/* ---- the real UCDP sample ---- */

static void test_ucdp_sample(void **state) {
    (void)state;
    const char *d = getenv("TRUCE_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/conflict/ucdp_ged_syria_2016_2017_sample.csv", d ? d : "../shared");
    FILE *f = fopen(path, "r");
    if (!f) {
        print_message("UCDP sample not found; set TRUCE_SHARED\n");
        skip();
    }
    world w;
    world_init(&w);
    tr_report *reps = calloc(200, sizeof *reps);
    spec *specs = calloc(200, sizeof *specs);
    char *line = NULL;
    size_t cap = 0, n = 0;
    ssize_t len = getline(&line, &cap, f);
    tr_report_columns cols;
    tr_err err = {0};
    assert_int_equal(tr_report_columns_parse(TR_FMT_UCDP, line, (size_t)len, &cols, &err), TR_OK);
    long lineno = 1;
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        tr_report *r = &reps[n];
        if (tr_report_from_ucdp(&cols, line, (size_t)len, lineno, T("2018-01-01T00:00:00Z"), r, &err))
            fail_msg("%s", err.msg);
        r->id = atoll(r->external_id + 5);
        r->reporting_party = strdup("UCDP");
        r->received_at = r->occurred_at + 86400;
        specs[n] = (spec){.id = r->id, .t = r->occurred_at, .lon = r->lon, .lat = r->lat, .tp = r->time_precision,
                          .gp = r->geo_precision, .ev = r->event_type, .sub = r->sub_event_type,
                          .perp = r->alleged_perpetrator};
        n++;
    }
    free(line);
    fclose(f);
    assert_int_equal(n, 119);
    mon_config cfg;
    mon_config_default(&cfg);
    int64_t expect[200], got[200];
    oracle(specs, n, &cfg, expect);
    size_t order[200];
    for (size_t i = 0; i < n; i++) order[i] = i;
    rng_state = 99;
    int64_t convoy = 0;
    for (int round = 0; round < 10; round++) {
        mon_engine *m = mon_engine_new(NULL);
        for (size_t i = 0; i < n; i++) {
            mon_classification c;
            if (mon_engine_ingest(m, w.e, &reps[order[i]], &c, NULL, &err)) fail_msg("%s", err.msg);
        }
        for (size_t i = 0; i < n; i++) got[i] = inc_of(m, reps[i].id);
        assert_memory_equal(got, expect, n * sizeof *got);
        if (round == 0) {
            size_t incidents = 0;
            for (size_t i = 0; i < n; i++) incidents += got[i] == reps[i].id;
            print_message("    UCDP sample: %zu events -> %zu incidents\n", n, incidents);
            assert_true(incidents < n && incidents > n / 4);
            /* the convoy attack of 2016-09-19: an incident in the Aleppo region, in its day's bulletin */
            mon_incident in;
            assert_int_equal(mon_engine_incident(m, 301214, true, &in, &err), TR_OK);
            convoy = in.id;
            assert_string_equal(in.region, "Aleppo");
            assert_true(in.fatalities.known && in.fatalities.max >= 21);
            mon_incident_clear(&in);
            mon_bulletin b;
            assert_int_equal(mon_engine_bulletin(m, "2016-09-20", &b, &err), TR_OK); /* received a day later */
            bool listed = false;
            for (size_t i = 0; i < b.nnew; i++) listed |= b.new_incidents[i].incident_id == convoy;
            for (size_t i = 0; i < b.nchanged; i++) listed |= b.changed_incidents[i].incident_id == convoy;
            assert_true(listed);
            mon_bulletin_clear(&b);
        }
        mon_engine_free(m);
        shuffle(order, n);
    }
    for (size_t i = 0; i < n; i++) tr_report_clear(&reps[i]);
    free(reps);
    free(specs);
    world_free(&w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_rules),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_limits_and_widening),
        cmocka_unit_test(test_type_rules_in_engine),
        cmocka_unit_test(test_bridge_merges),
        cmocka_unit_test(test_strict_coarse),
        cmocka_unit_test(test_order_independence),
        cmocka_unit_test(test_split_merge),
        cmocka_unit_test(test_regroup_replay_shuffled),
        cmocka_unit_test(test_regroup_random),
        cmocka_unit_test(test_grades),
        cmocka_unit_test(test_grade_purity),
        cmocka_unit_test(test_merge_changes_grade),
        cmocka_unit_test(test_bulletin),
        cmocka_unit_test(test_bulletin_day_boundary),
        cmocka_unit_test(test_ucdp_sample),
    };
    return cmocka_run_group_tests_name("monitor", tests, NULL, NULL);
}
