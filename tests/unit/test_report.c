/*
 * test_report.c — unit tests of the report value (src/domain/report.c): ACLED's taxonomy,
 * the POST /v1/reports body (every rejection, checked for its code and exact field), the
 * JSON round trip, the store hook for names, the CSV splitter, and the four bulk formats
 * (NDJSON, plain CSV, ACLED, UCDP GED): errors name the column and the line, and the same
 * event gives the same value in every format. The real UCDP sample is parsed whole.
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
#include "domain/domain.h"
#include "domain/report.h"

/* ---- helpers ---- */

static int64_t T(const char *s) {
    int64_t t;
    if (tr_time_parse(s, &t)) fail_msg("bad test time %s", s);
    return t;
}

#define NOW "2017-06-01T00:00:00Z"

/* A valid body; EXTRA is spliced in before the closing brace (start it with a comma). */
#define BODY_START                                                                              \
    "{\"occurred_at\":\"2016-09-19T19:30:00Z\",\"time_precision\":1,"                           \
    "\"location\":{\"type\":\"Point\",\"coordinates\":[36.94775,36.1481]},\"geo_precision\":1," \
    "\"event_type\":\"Explosions/Remote violence\",\"sub_event_type\":\"Air/drone strike\","    \
    "\"source\":{\"kind\":\"humanitarian\",\"ref\":\"OCHA flash update 2016-09-20\"}"

static json_t *parse_json(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j) fail_msg("bad test JSON (%s): %s", je.text, text);
    return j;
}

/* Builds BODY_START + extra + "}" with the given keys removed. */
static json_t *body(const char *extra, const char *remove) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s%s}", BODY_START, extra ? extra : "");
    json_t *j = parse_json(buf);
    if (remove) json_object_del(j, remove);
    return j;
}

static void accepts(json_t *j, tr_report *r) {
    tr_err err = {0};
    int rc = tr_report_parse(j, T(NOW), r, &err);
    json_decref(j);
    if (rc != TR_OK) fail_msg("rejected at %s: %s", err.field, err.msg);
}

/* Asserts j is rejected with TR_EINVAL at field, the message containing needle. */
static void rejects(json_t *j, const char *field, const char *needle) {
    tr_report r;
    tr_err err = {0};
    int rc = tr_report_parse(j, T(NOW), &r, &err);
    json_decref(j);
    if (rc == TR_OK) {
        tr_report_clear(&r);
        fail_msg("accepted; expected an error at %s", field);
    }
    assert_int_equal(rc, TR_EINVAL);
    if (strcmp(err.field, field) != 0) fail_msg("error at '%s' (%s), expected '%s'", err.field, err.msg, field);
    if (needle && !strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
    /* a rejected parse leaves nothing to free */
    assert_null(r.alleged_perpetrator);
    assert_null(r.evidence);
}

static void rejects_extra(const char *extra, const char *field, const char *needle) {
    rejects(body(extra, NULL), field, needle);
}

/* ---- taxonomy ---- */

static void test_taxonomy(void **state) {
    (void)state;
    tr_event_type e;
    tr_sub_event_type s;
    assert_int_equal(tr_event_type_parse("Explosions/Remote violence", &e), 0);
    assert_int_equal(e, EV_EXPLOSIONS);
    assert_int_equal(tr_event_type_parse("explosions/remote violence", &e), -1);
    assert_int_equal(tr_sub_event_type_parse("Shelling/artillery/missile attack", &s), 0);
    assert_int_equal(tr_sub_event_type_parent(s), EV_EXPLOSIONS);
    assert_int_equal(tr_sub_event_type_parse("Remote explosive/landmine/IED", &s), 0);
    assert_int_equal(tr_sub_event_type_parse("Abduction/forced disappearance", &s), 0);
    assert_int_equal(tr_sub_event_type_parent(s), EV_VIOLENCE_CIVILIANS);
    assert_int_equal(tr_sub_event_type_parse("Non-violent transfer of territory", &s), 0);
    assert_int_equal(tr_sub_event_type_parent(s), EV_STRATEGIC);
    assert_string_equal(tr_sub_event_type_name(SUB_NONE), "");
    assert_int_equal(tr_sub_event_type_parent(SUB_NONE), EV_COUNT);
    /* every sub-event type names its parent and round-trips */
    int per_event[EV_COUNT] = {0};
    for (int i = 1; i < SUB_COUNT; i++) {
        tr_sub_event_type back;
        assert_int_equal(tr_sub_event_type_parse(tr_sub_event_type_name((tr_sub_event_type)i), &back), 0);
        assert_int_equal(back, i);
        per_event[tr_sub_event_type_parent((tr_sub_event_type)i)]++;
    }
    int expect[EV_COUNT] = {[EV_BATTLES] = 3, [EV_EXPLOSIONS] = 6, [EV_VIOLENCE_CIVILIANS] = 3,
                            [EV_PROTESTS] = 3, [EV_RIOTS] = 2, [EV_STRATEGIC] = 8};
    for (int i = 0; i < EV_COUNT; i++) assert_int_equal(per_event[i], expect[i]);
    tr_source_kind k;
    assert_int_equal(tr_source_kind_parse("humanitarian", &k), 0);
    assert_int_equal(tr_source_kind_parse("ngo", &k), -1);
    tr_facility f;
    assert_int_equal(tr_facility_parse("aid_convoy", &f), 0);
    assert_string_equal(tr_facility_name(f), "aid_convoy");
    tr_report_format fmt;
    assert_int_equal(tr_report_format_parse("acled", &fmt), 0);
    assert_int_equal(fmt, TR_FMT_ACLED);
    assert_int_equal(tr_report_format_parse("xlsx", &fmt), -1);
}

/* ---- the JSON body ---- */

static void test_parse_full(void **state) {
    (void)state;
    tr_report r;
    accepts(body(",\"alleged_perpetrator\":\"SAA\",\"target\":{\"kind\":\"facility\",\"facility\":\"aid_convoy\","
                 "\"name\":\"UN-SARC convoy\"},\"fatalities\":{\"min\":20,\"max\":21},\"injured\":{\"min\":0,\"max\":"
                 "5},\"weapon\":\"air-dropped munitions\",\"description\":\"Convoy struck at a warehouse.\","
                 "\"evidence\":[{\"url\":\"https://example.org/a.jpg\",\"sha256\":"
                 "\"ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789\"}],\"language\":\"en-GB\"",
                 NULL),
            &r);
    assert_int_equal(r.occurred_at, T("2016-09-19T19:30:00Z"));
    assert_int_equal(r.time_precision, 1);
    assert_true(r.lon == 36.94775 && r.lat == 36.1481);
    assert_int_equal(r.event_type, EV_EXPLOSIONS);
    assert_int_equal(r.sub_event_type, SUB_AIR_DRONE);
    assert_string_equal(r.alleged_perpetrator, "SAA");
    assert_int_equal(r.perpetrator_is, WHO_UNRESOLVED);
    assert_true(r.target.present);
    assert_int_equal(r.target.kind, TARGET_FACILITY);
    assert_int_equal(r.target.facility, FAC_AID_CONVOY);
    assert_string_equal(r.target.name, "UN-SARC convoy");
    assert_true(r.fatalities.known && r.fatalities.min == 20 && r.fatalities.max == 21);
    assert_true(r.injured.known && r.injured.max == 5);
    assert_int_equal(r.source_kind, SRC_HUMANITARIAN);
    assert_string_equal(r.source_ref, "OCHA flash update 2016-09-20");
    assert_int_equal(r.nevidence, 1);
    assert_string_equal(r.evidence[0].sha256, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    assert_string_equal(r.language, "en-GB");
    assert_null(r.reporting_party);
    tr_report_clear(&r);

    /* the minimum: optional fields absent or null */
    accepts(body(",\"sub_event_type\":null,\"alleged_perpetrator\":null,\"fatalities\":null,\"target\":null", NULL), &r);
    assert_int_equal(r.sub_event_type, SUB_NONE);
    assert_null(r.alleged_perpetrator);
    assert_false(r.fatalities.known);
    assert_false(r.target.present);
    tr_report_clear(&r);
}

static void test_parse_required(void **state) {
    (void)state;
    rejects(parse_json("[1]"), "", "JSON object");
    const char *required[] = {"occurred_at", "time_precision", "location", "geo_precision", "event_type", "source"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) rejects(body(NULL, required[i]), required[i], "required");
}

static void test_parse_unknown_fields(void **state) {
    (void)state;
    rejects_extra(",\"severity\":3", "severity", "unknown field");
    rejects_extra(",\"reporting_party\":\"SAA\"", "reporting_party", "unknown field");
    rejects_extra(",\"target\":{\"kind\":\"civilians\",\"count\":3}", "target.count", "unknown field");
    rejects_extra(",\"fatalities\":{\"min\":1,\"max\":2,\"best\":1}", "fatalities.best", "unknown field");
    rejects_extra(",\"evidence\":[{\"url\":\"https://a.b/c\",\"sha256\":\"" "0000000000000000000000000000000000000000000000000000000000000000\",\"size\":1}]",
                  "evidence[0].size", "unknown field");
    json_t *j = body(NULL, "source");
    json_object_set_new(j, "source", json_pack("{ssss}", "kind", "media", "url", "x"));
    rejects(j, "source.url", "unknown field");
}

static void test_parse_time(void **state) {
    (void)state;
    json_t *j = body(NULL, NULL);
    json_object_set_new(j, "occurred_at", json_integer(1474313400));
    rejects(j, "occurred_at", "RFC 3339");
    j = body(NULL, NULL);
    json_object_set_new(j, "occurred_at", json_string("19/09/2016"));
    rejects(j, "occurred_at", "not an RFC 3339 time");
    /* in the future: one day after "now" */
    j = body(NULL, NULL);
    json_object_set_new(j, "occurred_at", json_string("2017-06-02T00:00:00Z"));
    rejects(j, "occurred_at", "in the future");
    /* a few minutes of clock skew are allowed, more are not */
    tr_report r;
    j = body(NULL, NULL);
    json_object_set_new(j, "occurred_at", json_string("2017-06-01T00:04:00Z"));
    accepts(j, &r);
    tr_report_clear(&r);
    j = body(NULL, NULL);
    json_object_set_new(j, "occurred_at", json_string("2017-06-01T00:06:00Z"));
    rejects(j, "occurred_at", "in the future");
    const char *bad[] = {"0", "4", "\"1\"", "1.5", "-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char f[64];
        snprintf(f, sizeof f, "{\"v\":%s}", bad[i]);
        json_t *v = parse_json(f);
        j = body(NULL, NULL);
        json_object_set(j, "time_precision", json_object_get(v, "v"));
        rejects(j, "time_precision", "1, 2 or 3");
        j = body(NULL, NULL);
        json_object_set(j, "geo_precision", json_object_get(v, "v"));
        rejects(j, "geo_precision", "1, 2 or 3");
        json_decref(v);
    }
}

static void test_parse_location(void **state) {
    (void)state;
    struct {
        const char *loc, *field, *needle;
    } cases[] = {
        {"[36.9,36.1]", "location", "GeoJSON Point"},
        {"{\"type\":\"Polygon\",\"coordinates\":[]}", "location.type", "Point"},
        {"{\"type\":\"Point\",\"coordinates\":[200,36]}", "location.coordinates", NULL},
        {"{\"type\":\"Point\",\"coordinates\":[36,-91]}", "location.coordinates", NULL},
        {"{\"type\":\"Point\",\"coordinates\":[36]}", "location.coordinates", NULL},
        {"{\"type\":\"Point\"}", "location.coordinates", "missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *j = body(NULL, NULL), *loc = parse_json(cases[i].loc);
        json_object_set_new(j, "location", loc);
        tr_report r;
        tr_err err = {0};
        int rc = tr_report_parse(j, T(NOW), &r, &err);
        json_decref(j);
        assert_int_equal(rc, TR_EINVAL);
        if (strncmp(err.field, cases[i].field, strlen(cases[i].field)) != 0)
            fail_msg("case %zu: error at '%s' (%s), expected '%s...'", i, err.field, err.msg, cases[i].field);
        if (cases[i].needle) assert_non_null(strstr(err.msg, cases[i].needle));
    }
}

static void test_parse_types(void **state) {
    (void)state;
    json_t *j = body(NULL, NULL);
    json_object_set_new(j, "event_type", json_string("Airstrike"));
    rejects(j, "event_type", "unknown event type 'Airstrike'");
    j = body(NULL, NULL);
    json_object_set_new(j, "event_type", json_string("explosions/remote violence"));
    rejects(j, "event_type", "did you mean 'Explosions/Remote violence'");
    j = body(NULL, NULL);
    json_object_set_new(j, "event_type", json_integer(2));
    rejects(j, "event_type", "string");
    j = body(NULL, NULL);
    json_object_set_new(j, "sub_event_type", json_string("Armed clash"));
    rejects(j, "sub_event_type", "'Armed clash' is a sub-event type of 'Battles', not of 'Explosions/Remote violence'");
    j = body(NULL, NULL);
    json_object_set_new(j, "sub_event_type", json_string("Drone strike"));
    rejects(j, "sub_event_type", "'Air/drone strike'"); /* lists the valid ones */
    j = body(NULL, NULL);
    json_object_set_new(j, "sub_event_type", json_string("air/drone strike"));
    rejects(j, "sub_event_type", "did you mean 'Air/drone strike'");
    j = body(NULL, NULL);
    json_object_set_new(j, "sub_event_type", json_true());
    rejects(j, "sub_event_type", "string");
}

static void test_parse_perpetrator_target(void **state) {
    (void)state;
    rejects_extra(",\"alleged_perpetrator\":\"\"", "alleged_perpetrator", "empty");
    rejects_extra(",\"alleged_perpetrator\":\"SAA\\u0007\"", "alleged_perpetrator", "control");
    rejects_extra(",\"alleged_perpetrator\":7", "alleged_perpetrator", "string");
    char longname[400];
    memset(longname, 'x', 250);
    longname[250] = '\0';
    char extra[600];
    snprintf(extra, sizeof extra, ",\"alleged_perpetrator\":\"%s\"", longname);
    rejects_extra(extra, "alleged_perpetrator", "longer");
    rejects_extra(",\"target\":\"civilians\"", "target", "object");
    rejects_extra(",\"target\":{\"kind\":\"village\"}", "target.kind", "party, actor, civilians, facility");
    rejects_extra(",\"target\":{\"name\":\"SAA\"}", "target.kind", NULL);
    rejects_extra(",\"target\":{\"kind\":\"party\"}", "target.name", "required");
    rejects_extra(",\"target\":{\"kind\":\"actor\",\"name\":\"\"}", "target.name", "empty");
    rejects_extra(",\"target\":{\"kind\":\"facility\"}", "target.facility", "required");
    rejects_extra(",\"target\":{\"kind\":\"facility\",\"facility\":\"bakery\"}", "target.facility", "unknown facility");
    rejects_extra(",\"target\":{\"kind\":\"civilians\",\"facility\":\"school\"}", "target.facility", "only");
    tr_report r;
    accepts(body(",\"target\":{\"kind\":\"civilians\",\"name\":\"residents of Urum al-Kubra\"}", NULL), &r);
    assert_int_equal(r.target.kind, TARGET_CIVILIANS);
    tr_report_clear(&r);
}

static void test_parse_ranges(void **state) {
    (void)state;
    rejects_extra(",\"fatalities\":{\"min\":5,\"max\":3}", "fatalities", "min (5) is greater than max (3)");
    rejects_extra(",\"injured\":{\"min\":5,\"max\":3}", "injured", "min (5) is greater than max (3)");
    rejects_extra(",\"fatalities\":{\"min\":-1,\"max\":3}", "fatalities.min", "0 to");
    rejects_extra(",\"fatalities\":{\"min\":1}", "fatalities.max", "required");
    rejects_extra(",\"fatalities\":{\"min\":1.5,\"max\":3}", "fatalities.min", "integer");
    rejects_extra(",\"fatalities\":{\"min\":1,\"max\":2000000}", "fatalities.max", "0 to");
    rejects_extra(",\"fatalities\":4", "fatalities", "object");
    tr_report r;
    accepts(body(",\"fatalities\":{\"min\":0,\"max\":0}", NULL), &r);
    assert_true(r.fatalities.known && r.fatalities.max == 0);
    tr_report_clear(&r);
}

static void test_parse_text_source(void **state) {
    (void)state;
    char *big = malloc(TR_REPORT_MAX_DESCRIPTION + 100);
    memset(big, 'a', TR_REPORT_MAX_DESCRIPTION + 1);
    big[TR_REPORT_MAX_DESCRIPTION + 1] = '\0';
    json_t *j = body(NULL, NULL);
    json_object_set_new(j, "description", json_string(big));
    rejects(j, "description", "longer");
    big[TR_REPORT_MAX_TEXT + 1] = '\0';
    j = body(NULL, NULL);
    json_object_set_new(j, "weapon", json_string(big));
    rejects(j, "weapon", "longer");
    free(big);
    json_t *src[] = {json_string("media"), json_pack("{ss}", "ref", "x"), json_pack("{ss}", "kind", "ngo"),
                     json_pack("{ssss}", "kind", "media", "ref", ""), json_pack("{sssi}", "kind", "media", "ref", 3)};
    const char *fields[] = {"source", "source.kind", "source.kind", "source.ref", "source.ref"};
    for (size_t i = 0; i < 5; i++) {
        j = body(NULL, NULL);
        json_object_set_new(j, "source", src[i]);
        rejects(j, fields[i], NULL);
    }
}

static void test_parse_evidence(void **state) {
    (void)state;
    const char *H = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    char extra[1024];
    rejects_extra(",\"evidence\":{}", "evidence", "array");
    rejects_extra(",\"evidence\":[\"https://a.b\"]", "evidence[0]", "object");
    snprintf(extra, sizeof extra, ",\"evidence\":[{\"sha256\":\"%s\"}]", H);
    rejects_extra(extra, "evidence[0].url", "required");
    snprintf(extra, sizeof extra, ",\"evidence\":[{\"url\":\"ftp://a.b/c\",\"sha256\":\"%s\"}]", H);
    rejects_extra(extra, "evidence[0].url", "http");
    snprintf(extra, sizeof extra, ",\"evidence\":[{\"url\":\"https:///c\",\"sha256\":\"%s\"}]", H);
    rejects_extra(extra, "evidence[0].url", "host");
    snprintf(extra, sizeof extra, ",\"evidence\":[{\"url\":\"https://a.b/c d\",\"sha256\":\"%s\"}]", H);
    rejects_extra(extra, "evidence[0].url", "space");
    rejects_extra(",\"evidence\":[{\"url\":\"https://a.b/c\"}]", "evidence[0].sha256", "required");
    snprintf(extra, sizeof extra, ",\"evidence\":[{\"url\":\"https://a.b/c\",\"sha256\":\"%.63s\"}]", H);
    rejects_extra(extra, "evidence[0].sha256", "64 hexadecimal digits");
    snprintf(extra, sizeof extra, ",\"evidence\":[{\"url\":\"https://a.b/c\",\"sha256\":\"%s0\"}]", H);
    rejects_extra(extra, "evidence[0].sha256", "not 65");
    snprintf(extra, sizeof extra, ",\"evidence\":[{\"url\":\"https://a.b/c\",\"sha256\":\"%.10sg%.53s\"}]", H, H);
    rejects_extra(extra, "evidence[0].sha256", "character 11 ('g')");
    /* the second item is the bad one */
    snprintf(extra, sizeof extra,
             ",\"evidence\":[{\"url\":\"https://a.b/c\",\"sha256\":\"%s\"},{\"url\":\"https://a.b/d\",\"sha256\":\"xyz\"}]",
             H);
    rejects_extra(extra, "evidence[1].sha256", NULL);
    /* more than the limit */
    json_t *j = body(NULL, NULL), *a = json_array();
    for (int i = 0; i <= TR_REPORT_MAX_EVIDENCE; i++) json_array_append_new(a, json_pack("{ssss}", "url", "https://a.b", "sha256", H));
    json_object_set_new(j, "evidence", a);
    rejects(j, "evidence", "more than");
}

static void test_parse_language(void **state) {
    (void)state;
    const char *bad[] = {"english", "e", "en_GB", "123", "en-", "-en", "en--GB", "en-toolongsubtag"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = body(NULL, NULL);
        json_object_set_new(j, "language", json_string(bad[i]));
        rejects(j, "language", "BCP 47");
    }
    const char *good[] = {"ar", "en", "en-GB", "zh-Hant-TW", "ru", "es-419"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        json_t *j = body(NULL, NULL);
        json_object_set_new(j, "language", json_string(good[i]));
        tr_report r;
        accepts(j, &r);
        assert_string_equal(r.language, good[i]);
        tr_report_clear(&r);
    }
}

static void test_round_trip(void **state) {
    (void)state;
    tr_report r, back;
    accepts(body(",\"alleged_perpetrator\":\"SAA\",\"target\":{\"kind\":\"actor\",\"name\":\"Nusra\"},\"fatalities\":"
                 "{\"min\":1,\"max\":4},\"weapon\":\"barrel bomb\",\"description\":\"x\",\"evidence\":[{\"url\":"
                 "\"https://e.org/1\",\"sha256\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}],"
                 "\"language\":\"ar\"",
                 NULL),
            &r);
    r.id = 42;
    r.reporting_party = strdup("SARC");
    r.received_at = T("2016-09-20T08:00:00Z");
    json_t *j = tr_report_to_json(&r);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), 42);
    assert_string_equal(json_string_value(json_object_get(j, "reporting_party")), "SARC");
    json_object_del(j, "id");
    json_object_del(j, "reporting_party");
    json_object_del(j, "received_at");
    accepts(j, &back);
    json_t *a = tr_report_to_json(&back);
    r.id = 0;
    free(r.reporting_party);
    r.reporting_party = NULL;
    r.received_at = 0;
    json_t *b = tr_report_to_json(&r);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    tr_report_clear(&r);
    tr_report_clear(&back);
}

/* ---- the store hook ---- */

static int resolver(void *ctx, const char *name, tr_who *who, char *canon, size_t cap, tr_err *err) {
    (void)ctx;
    if (strcmp(name, "Broken Disk") == 0) return tr_fail(err, TR_EUNAVAIL, "", "reading table party: disk I/O error");
    if (strcmp(name, "SAA") == 0 || strcmp(name, "Opposition") == 0) {
        *who = WHO_PARTY;
        return 0;
    }
    if (strcmp(name, "Government of Syria") == 0) {
        *who = WHO_PARTY;
        snprintf(canon, cap, "SAA");
        return 0;
    }
    if (strcmp(name, "ISIS") == 0 || strcmp(name, "IS") == 0 || strcmp(name, "Nusra") == 0) {
        *who = WHO_ACTOR;
        if (strcmp(name, "IS") == 0) snprintf(canon, cap, "ISIS");
        return 0;
    }
    return TR_ENOTFOUND;
}

static void test_resolve(void **state) {
    (void)state;
    tr_report r;
    tr_err err = {0};
    accepts(body(",\"alleged_perpetrator\":\"Government of Syria\",\"target\":{\"kind\":\"actor\",\"name\":\"IS\"}", NULL), &r);
    assert_int_equal(tr_report_resolve(&r, resolver, NULL, &err), TR_OK);
    assert_string_equal(r.alleged_perpetrator, "SAA");
    assert_int_equal(r.perpetrator_is, WHO_PARTY);
    assert_string_equal(r.target.name, "ISIS");
    tr_report_clear(&r);

    accepts(body(",\"alleged_perpetrator\":\"Tiger Forces\"", NULL), &r);
    assert_int_equal(tr_report_resolve(&r, resolver, NULL, &err), TR_EINVAL);
    assert_string_equal(err.field, "alleged_perpetrator");
    assert_non_null(strstr(err.msg, "no party or actor is named 'Tiger Forces'"));
    tr_report_clear(&r);

    accepts(body(",\"target\":{\"kind\":\"party\",\"name\":\"Nusra\"}", NULL), &r);
    assert_int_equal(tr_report_resolve(&r, resolver, NULL, &err), TR_EINVAL);
    assert_string_equal(err.field, "target.kind");
    assert_non_null(strstr(err.msg, "'Nusra' is an actor, not a party"));
    /* a kind guessed by a CSV mapper is corrected instead */
    r.target.kind_guessed = true;
    assert_int_equal(tr_report_resolve(&r, resolver, NULL, &err), TR_OK);
    assert_int_equal(r.target.kind, TARGET_ACTOR);
    tr_report_clear(&r);

    accepts(body(",\"target\":{\"kind\":\"actor\",\"name\":\"Jaish al-Fatah\"}", NULL), &r);
    assert_int_equal(tr_report_resolve(&r, resolver, NULL, &err), TR_EINVAL);
    assert_string_equal(err.field, "target.name");
    tr_report_clear(&r);

    /* a lookup that fails is that failure, never an unknown name (also when omitting) */
    accepts(body(",\"alleged_perpetrator\":\"Broken Disk\"", NULL), &r);
    assert_int_equal(tr_report_resolve(&r, resolver, NULL, &err), TR_EUNAVAIL);
    assert_non_null(strstr(err.msg, "disk I/O error"));
    assert_int_equal(tr_report_resolve_omitting(&r, resolver, NULL, &err), TR_EUNAVAIL);
    assert_string_equal(r.alleged_perpetrator, "Broken Disk");
    tr_report_clear(&r);
}

/* ---- CSV records ---- */

static void test_csv_split(void **state) {
    (void)state;
    tr_csv_row row = {0};
    tr_err err = {0};
    const char *rec = "a,\"b,c\",\"say \"\"hi\"\"\",,\"\"\r\n";
    assert_int_equal(tr_csv_split(rec, strlen(rec), &row, &err), TR_OK);
    assert_int_equal(row.n, 5);
    assert_string_equal(row.fields[0], "a");
    assert_string_equal(row.fields[1], "b,c");
    assert_string_equal(row.fields[2], "say \"hi\"");
    assert_string_equal(row.fields[3], "");
    assert_string_equal(row.fields[4], "");
    rec = "x,\"multi\nline\",y";
    assert_int_equal(tr_csv_split(rec, strlen(rec), &row, &err), TR_OK);
    assert_int_equal(row.n, 3);
    assert_string_equal(row.fields[1], "multi\nline");
    rec = "x,y\"z";
    assert_int_equal(tr_csv_split(rec, strlen(rec), &row, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "unquoted field 2"));
    rec = "x,\"yz";
    assert_int_equal(tr_csv_split(rec, strlen(rec), &row, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "not closed"));
    rec = "\"x\"y,z";
    assert_int_equal(tr_csv_split(rec, strlen(rec), &row, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "follows the closing quote"));
    tr_csv_row_clear(&row);
    assert_true(tr_csv_record_complete("a,\"b\"\"c\",d\n", 12));
    assert_false(tr_csv_record_complete("a,\"b\n", 5));
}

static const char *PLAIN_HEADER =
    "occurred_at,time_precision,lon,lat,geo_precision,event_type,sub_event_type,alleged_perpetrator,target_kind,"
    "target_name,target_facility,fatalities_min,fatalities_max,injured_min,injured_max,weapon,description,source_kind,"
    "source_ref,evidence,language,external_id";

static void test_columns(void **state) {
    (void)state;
    tr_report_columns cols;
    tr_err err = {0};
    assert_int_equal(tr_report_columns_parse(TR_FMT_CSV, PLAIN_HEADER, strlen(PLAIN_HEADER), &cols, &err), TR_OK);
    assert_int_equal(cols.ncols, 22);
    const char *h = "occurred_at,time_precision,lon,lat,geo_precision,event_type,source_kind,colour";
    assert_int_equal(tr_report_columns_parse(TR_FMT_CSV, h, strlen(h), &cols, &err), TR_EINVAL);
    assert_string_equal(err.field, "colour");
    assert_non_null(strstr(err.msg, "line 1: unknown column"));
    h = "occurred_at,time_precision,lon,lat,geo_precision,event_type";
    assert_int_equal(tr_report_columns_parse(TR_FMT_CSV, h, strlen(h), &cols, &err), TR_EINVAL);
    assert_string_equal(err.field, "source_kind");
    h = "occurred_at,time_precision,lon,lat,lat,geo_precision,event_type,source_kind";
    assert_int_equal(tr_report_columns_parse(TR_FMT_CSV, h, strlen(h), &cols, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "twice"));
    /* ACLED: unknown columns are fine, missing needed ones are not; a BOM is skipped */
    h = "\xEF\xBB\xBF" "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,"
        "assoc_actor_1,inter1,actor2,latitude,longitude,geo_precision,source,notes,fatalities,tags";
    assert_int_equal(tr_report_columns_parse(TR_FMT_ACLED, h, strlen(h), &cols, &err), TR_OK);
    h = "event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,latitude,longitude,geo_precision";
    assert_int_equal(tr_report_columns_parse(TR_FMT_ACLED, h, strlen(h), &cols, &err), TR_EINVAL);
    assert_string_equal(err.field, "fatalities");
    assert_int_equal(tr_report_columns_parse(TR_FMT_NDJSON, h, strlen(h), &cols, &err), TR_EINVAL);
}

/* Parses one plain CSV row against PLAIN_HEADER. */
static int plain_row(const char *rec, long line, tr_report *r, tr_err *err) {
    tr_report_columns cols;
    if (tr_report_columns_parse(TR_FMT_CSV, PLAIN_HEADER, strlen(PLAIN_HEADER), &cols, err)) fail_msg("header");
    return tr_report_from_csv(&cols, rec, strlen(rec), line, T(NOW), r, err);
}

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_plain_csv(void **state) {
    (void)state;
    tr_report r;
    tr_err err = {0};
    const char *ok = "2016-09-19T19:30:00Z,1,36.94775,36.1481,1,Explosions/Remote violence,Air/drone strike,SAA,"
                     "facility,\"UN-SARC convoy, 31 trucks\",aid_convoy,20,21,,,,\"Struck at the \"\"warehouse\"\"\","
                     "humanitarian,OCHA flash update 2016-09-20,https://e.org/1 " H64 ",en,row-7";
    assert_int_equal(plain_row(ok, 2, &r, &err), TR_OK);
    assert_string_equal(r.target.name, "UN-SARC convoy, 31 trucks");
    assert_string_equal(r.description, "Struck at the \"warehouse\"");
    assert_int_equal(r.nevidence, 1);
    assert_string_equal(r.external_id, "row-7");
    assert_false(r.injured.known);
    tr_report_clear(&r);
    struct {
        const char *rec, *column, *needle;
    } bad[] = {
        {"2016-09-19T19:30:00Z,1,36.9,95,1,Battles,,,,,,,,,,,,media,,,,", "lat", "outside [-90, 90]"},
        {"2016-09-19T19:30:00Z,1,east,36.1,1,Battles,,,,,,,,,,,,media,,,,", "lon", "not a number"},
        {"2016-09-19T19:30:00Z,1,,36.1,1,Battles,,,,,,,,,,,,media,,,,", "lon", NULL},
        {"2016-09-19T19:30:00Z,1,36.9,36.1,1,Battles,,,,,,5,3,,,,,media,,,,", "fatalities_min", "greater"},
        {"2016-09-19T19:30:00Z,1,36.9,36.1,1,Battles,,,,,,5,,,,,,media,,,,", "fatalities_max", "required"},
        {"2016-09-19T19:30:00Z,4,36.9,36.1,1,Battles,,,,,,,,,,,,media,,,,", "time_precision", "1, 2 or 3"},
        {"2016-09-19T19:30:00Z,1,36.9,36.1,1,Battle,,,,,,,,,,,,media,,,,", "event_type", "unknown event type"},
        {"2016-09-19T19:30:00Z,1,36.9,36.1,1,Battles,Air/drone strike,,,,,,,,,,,media,,,,", "sub_event_type", "not of"},
        {"2018-01-01,1,36.9,36.1,1,Battles,,,,,,,,,,,,media,,,,", "occurred_at", "future"},
        {"2016-09-19T19:30:00Z,1,36.9,36.1,1,Battles,,,,,,,,,,,,,,,,", "source_kind", "required"},
        {"2016-09-19T19:30:00Z,1,36.9,36.1,1,Battles,,,,,,,,,,,,media,,https://e.org/1 abc,,", "evidence", "64"},
        {"2016-09-19T19:30:00Z,1,36.9,36.1,1,Battles,,,party,,,,,,,,,media,,,,", "target_name", "required"},
        {"2016-09-19T19:30:00Z,1,36.9,36.1,1,Battles,,,,,,,,,,,,media,,,klingon,", "language", "BCP 47"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&err, 0, sizeof err);
        int rc = plain_row(bad[i].rec, 10 + (long)i, &r, &err);
        if (rc == TR_OK) fail_msg("case %zu accepted", i);
        if (strcmp(err.field, bad[i].column) != 0) fail_msg("case %zu: column '%s' (%s), expected '%s'", i, err.field, err.msg, bad[i].column);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "line %ld: ", 10 + (long)i);
        if (strncmp(err.msg, prefix, strlen(prefix)) != 0) fail_msg("case %zu: message '%s' lacks the line", i, err.msg);
        if (bad[i].needle && !strstr(err.msg, bad[i].needle)) fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].needle);
    }
    /* wrong field count, stray quote, empty line, invalid UTF-8 */
    assert_int_equal(plain_row("2016-09-19,1,36.9", 4, &r, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "line 4: 3 fields where the header has 22"));
    assert_int_equal(plain_row("a\"b,1", 5, &r, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "line 5: a quote"));
    assert_int_equal(plain_row("", 6, &r, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "line 6: empty line"));
    assert_int_equal(plain_row("2016-09-19T19:30:00Z,1,36.9,36.1,1,Battles,,\xff\xfe,,,,,,,,,,media,,,,", 7, &r, &err),
                     TR_EINVAL);
    assert_non_null(strstr(err.msg, "line 7: ") && strstr(err.msg, "UTF-8"));
}

static const char *ACLED_HEADER =
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,"
    "actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,"
    "latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp";

static int acled_row(const char *rec, long line, tr_report *r, tr_err *err) {
    tr_report_columns cols;
    if (tr_report_columns_parse(TR_FMT_ACLED, ACLED_HEADER, strlen(ACLED_HEADER), &cols, err)) fail_msg("header");
    return tr_report_from_acled(&cols, rec, strlen(rec), line, T(NOW), r, err);
}

static void test_acled_csv(void **state) {
    (void)state;
    tr_report r;
    tr_err err = {0};
    const char *row = "SYR1001,19 September 2016,2016,1,Political violence,Explosions/Remote violence,Air/drone strike,"
                      "Military Forces of Syria,,1,Civilians (Syria),,7,17,Civilian targeting,760,Middle East,Syria,"
                      "Aleppo,Jebel Saman,,Urum al Kubra,36.1481,36.94775,1,SOHR; OCHA,Other,\"Strike on a UN-SARC "
                      "aid convoy, 20 killed.\",20,,1618000000";
    assert_int_equal(acled_row(row, 2, &r, &err), TR_OK);
    assert_int_equal(r.occurred_at, T("2016-09-19"));
    assert_int_equal(r.sub_event_type, SUB_AIR_DRONE);
    assert_string_equal(r.alleged_perpetrator, "Military Forces of Syria");
    assert_int_equal(r.target.kind, TARGET_CIVILIANS);
    assert_false(r.target.kind_guessed);
    assert_true(r.fatalities.min == 20 && r.fatalities.max == 20);
    assert_int_equal(r.source_kind, SRC_MEDIA);
    assert_string_equal(r.source_ref, "SOHR; OCHA");
    assert_string_equal(r.external_id, "SYR1001");
    assert_true(r.lon == 36.94775 && r.lat == 36.1481);
    tr_report_clear(&r);
    /* an ISO date and a non-civilian target, whose kind the resolver decides */
    row = "SYR1002,2016-03-01,2016,2,Political violence,Battles,Armed clash,Military Forces of Syria,,1,"
          "Islamic State (Syria),,2,12,,760,Middle East,Syria,Homs,,,Tadmur,34.5624,38.28402,2,SOHR,,,3,,";
    assert_int_equal(acled_row(row, 3, &r, &err), TR_OK);
    assert_int_equal(r.target.kind, TARGET_ACTOR);
    assert_true(r.target.kind_guessed);
    assert_int_equal(r.time_precision, 2);
    tr_report_clear(&r);
    struct {
        const char *rec, *column, *needle;
    } bad[] = {
        {"X,Sept 19 2016,2016,1,,Battles,Armed clash,A,,,,,,,,,,,,,,,36,37,1,,,,0,,", "event_date", "not a date"},
        {"X,2016-09-19,2016,1,,Battles,Airstrike,A,,,,,,,,,,,,,,,36,37,1,,,,0,,", "sub_event_type", "unknown"},
        {"X,2016-09-19,2016,1,,Remote violence,Air/drone strike,A,,,,,,,,,,,,,,,36,37,1,,,,0,,", "event_type", "unknown"},
        {"X,2016-09-19,2016,1,,Battles,Armed clash,A,,,,,,,,,,,,,,,97,36,1,,,,0,,", "latitude", "outside"},
        {"X,2016-09-19,2016,1,,Battles,Armed clash,A,,,,,,,,,,,,,,,36,east,1,,,,0,,", "longitude", "not a number"},
        {"X,2016-09-19,2016,1,,Battles,Armed clash,A,,,,,,,,,,,,,,,36,37,1,,,,-2,,", "fatalities", NULL},
        {"X,2016-09-19,2016,5,,Battles,Armed clash,A,,,,,,,,,,,,,,,36,37,1,,,,0,,", "time_precision", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = acled_row(bad[i].rec, 20 + (long)i, &r, &err);
        if (rc == TR_OK) fail_msg("case %zu accepted", i);
        if (strcmp(err.field, bad[i].column) != 0) fail_msg("case %zu: column '%s' (%s), expected '%s'", i, err.field, err.msg, bad[i].column);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "line %ld: ", 20 + (long)i);
        assert_int_equal(strncmp(err.msg, prefix, strlen(prefix)), 0);
        if (bad[i].needle) assert_non_null(strstr(err.msg, bad[i].needle));
    }
}

static void test_ndjson(void **state) {
    (void)state;
    tr_report r;
    tr_err err = {0};
    const char *line = BODY_START ",\"alleged_perpetrator\":\"SAA\"}";
    assert_int_equal(tr_report_from_ndjson(line, strlen(line), 1, T(NOW), &r, &err), TR_OK);
    assert_string_equal(r.alleged_perpetrator, "SAA");
    tr_report_clear(&r);
    const char *bad = "{\"occurred_at\":";
    assert_int_equal(tr_report_from_ndjson(bad, strlen(bad), 17, T(NOW), &r, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "line 17: not a JSON object"));
    bad = BODY_START ",\"geo_precision\":2}";
    assert_int_equal(tr_report_from_ndjson(bad, strlen(bad), 18, T(NOW), &r, &err), TR_EINVAL);
    assert_non_null(strstr(err.msg, "line 18:"));
    bad = BODY_START ",\"colour\":\"red\"}";
    assert_int_equal(tr_report_from_ndjson(bad, strlen(bad), 19, T(NOW), &r, &err), TR_EINVAL);
    assert_string_equal(err.field, "colour");
    assert_non_null(strstr(err.msg, "line 19: unknown field"));
}

/* The same event in JSON, plain CSV and ACLED gives the same value. */
static void test_formats_agree(void **state) {
    (void)state;
    tr_report a, b, c;
    tr_err err = {0};
    const char *line = "{\"occurred_at\":\"2016-04-22T00:00:00Z\",\"time_precision\":1,\"location\":{\"type\":\"Point\","
                       "\"coordinates\":[36.65095,35.44208]},\"geo_precision\":1,\"event_type\":\"Battles\","
                       "\"sub_event_type\":\"Armed clash\",\"alleged_perpetrator\":\"Opposition\",\"target\":{\"kind\":"
                       "\"actor\",\"name\":\"SAA\"},\"fatalities\":{\"min\":4,\"max\":4},\"description\":\"Clashes\","
                       "\"source\":{\"kind\":\"media\",\"ref\":\"SOHR\"}}";
    assert_int_equal(tr_report_from_ndjson(line, strlen(line), 1, T(NOW), &a, &err), TR_OK);
    assert_int_equal(plain_row("2016-04-22,1,36.65095,35.44208,1,Battles,Armed clash,Opposition,actor,SAA,,4,4,,,,"
                               "Clashes,media,SOHR,,,",
                               2, &b, &err),
                     TR_OK);
    assert_int_equal(acled_row("E1,22 April 2016,2016,1,,Battles,Armed clash,Opposition,,,SAA,,,,,,,,,,,,35.44208,"
                               "36.65095,1,SOHR,,Clashes,4,,",
                               2, &c, &err),
                     TR_OK);
    json_t *ja = tr_report_to_json(&a), *jb = tr_report_to_json(&b), *jc = tr_report_to_json(&c);
    json_object_del(jc, "external_id");
    assert_true(json_equal(ja, jb));
    assert_true(json_equal(ja, jc));
    json_decref(ja);
    json_decref(jb);
    json_decref(jc);
    tr_report_clear(&a);
    tr_report_clear(&b);
    tr_report_clear(&c);
}

/* ---- the real UCDP sample ---- */

static char *shared_path(const char *rel) {
    const char *d = getenv("TRUCE_SHARED");
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", d ? d : "../shared", rel);
    return buf;
}

static void test_ucdp_sample(void **state) {
    (void)state;
    FILE *f = fopen(shared_path("data/conflict/ucdp_ged_syria_2016_2017_sample.csv"), "r");
    if (!f) {
        print_message("UCDP sample not found; set TRUCE_SHARED\n");
        skip();
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len = getline(&line, &cap, f);
    assert_true(len > 0);
    tr_report_columns cols;
    tr_err err = {0};
    assert_int_equal(tr_report_columns_parse(TR_FMT_UCDP, line, (size_t)len, &cols, &err), TR_OK);
    long n = 1, ok = 0, civilians = 0, convoy = 0;
    while ((len = getline(&line, &cap, f)) > 0) {
        n++;
        tr_report r;
        if (tr_report_from_ucdp(&cols, line, (size_t)len, n, T("2018-01-01T00:00:00Z"), &r, &err) != TR_OK)
            fail_msg("UCDP line %ld rejected at %s: %s", n, err.field, err.msg);
        ok++;
        assert_true(r.lon > 35.5 && r.lon < 42.5 && r.lat > 32.2 && r.lat < 37.4);
        assert_true(strncmp(r.external_id, "ucdp:", 5) == 0);
        if (r.target.kind == TARGET_CIVILIANS) civilians++;
        if (strcmp(r.external_id, "ucdp:301214") == 0) {
            convoy++;
            assert_int_equal(r.occurred_at, T("2016-09-19"));
            assert_int_equal(r.event_type, EV_VIOLENCE_CIVILIANS);
            assert_string_equal(r.alleged_perpetrator, "Government of Syria");
            assert_int_equal(r.geo_precision, 1);
        }
        tr_report_clear(&r);
    }
    free(line);
    fclose(f);
    assert_int_equal(ok, 119);
    assert_int_equal(convoy, 1);
    assert_true(civilians > 0);
    /* a bad UCDP row names its column */
    tr_report r;
    const char *bad = "1,2016,1,4,299,c,1,d,1,A,2,B,,1,SOHR,2016-01-01,h,SOHR,1,x,,,36.2,37.1,1,Syria,652,ME,1,1,"
                      "2016-01-01,2016-01-01,0,0,0,0,1,1,1";
    assert_int_equal(tr_report_from_ucdp(&cols, bad, strlen(bad), 9, T(NOW), &r, &err), TR_EINVAL);
    assert_string_equal(err.field, "type_of_violence");
    assert_non_null(strstr(err.msg, "line 9:"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taxonomy),
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_parse_required),
        cmocka_unit_test(test_parse_unknown_fields),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_parse_location),
        cmocka_unit_test(test_parse_types),
        cmocka_unit_test(test_parse_perpetrator_target),
        cmocka_unit_test(test_parse_ranges),
        cmocka_unit_test(test_parse_text_source),
        cmocka_unit_test(test_parse_evidence),
        cmocka_unit_test(test_parse_language),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_csv_split),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_plain_csv),
        cmocka_unit_test(test_acled_csv),
        cmocka_unit_test(test_ndjson),
        cmocka_unit_test(test_formats_agree),
        cmocka_unit_test(test_ucdp_sample),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
