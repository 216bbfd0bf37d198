/*
 * test_domain.c — unit tests of the domain layer (src/domain): roles and names,
 * visibility, area features (every rule and the field each error names), who may
 * write which area, agreements and provisions, and the JSON helpers the parsers share.
 *
 * Inputs are small JSON texts written inline; each rejection is checked for its code
 * and its exact error field, since the HTTP edge hands that field to the client.
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

/* ---- helpers ---- */

static const geo_limits LIM = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};

#define SQUARE "{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[36.1,36],[36.1,36.1],[36,36.1],[36,36]]]}"
#define LINE "{\"type\":\"LineString\",\"coordinates\":[[36,36],[36.2,36.1]]}"

static json_t *parse(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (j == NULL) fail_msg("bad test JSON (%s): %s", je.text, text);
    return j;
}

static int64_t T(const char *s) {
    int64_t t;
    if (tr_time_parse(s, &t)) fail_msg("bad test time %s", s);
    return t;
}

/* A Feature with this geometry and these properties (JSON object bodies without braces). */
static json_t *feature(const char *geometry, const char *props) {
    size_t n = strlen(geometry) + strlen(props) + 64;
    char *buf = malloc(n);
    assert_non_null(buf);
    snprintf(buf, n, "{\"type\":\"Feature\",\"geometry\":%s,\"properties\":{%s}}", geometry, props);
    json_t *j = parse(buf);
    free(buf);
    return j;
}

/* Asserts that the feature text is rejected with TR_EINVAL at field. */
static void area_rejects_text(const char *text, int64_t expect_id, const char *field) {
    json_t *j = parse(text);
    tr_area a;
    tr_err err = {0};
    int rc = tr_area_parse(j, expect_id, &LIM, &a, &err);
    json_decref(j);
    if (rc != TR_EINVAL) fail_msg("%s: rc %d, expected TR_EINVAL (field %s)", text, rc, field);
    if (strcmp(err.field, field) != 0) fail_msg("%s: error field '%s' (%s), expected '%s'", text, err.field, err.msg, field);
    if (err.code != TR_EINVAL || err.msg[0] == '\0') fail_msg("%s: err not filled", text);
    /* A rejected parse leaves nothing to free. */
    assert_null(a.name);
    assert_null(a.shape);
    assert_null(a.geometry);
    assert_null(a.vis.parties);
}

static void area_rejects(const char *geometry, const char *props, const char *field) {
    json_t *j = feature(geometry, props);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    area_rejects_text(text, 0, field);
    free(text);
}

static void area_parse_ok(const char *geometry, const char *props, tr_area *out) {
    json_t *j = feature(geometry, props);
    tr_err err = {0};
    int rc = tr_area_parse(j, 0, &LIM, out, &err);
    json_decref(j);
    if (rc != TR_OK) fail_msg("{%s} rejected: %s: %s", props, err.field, err.msg);
}

static void agreement_rejects(const char *text, const char *field) {
    json_t *j = parse(text);
    tr_agreement a;
    tr_err err = {0};
    int rc = tr_agreement_parse(j, &a, &err);
    json_decref(j);
    if (rc != TR_EINVAL) fail_msg("%s: rc %d, expected TR_EINVAL (field %s)", text, rc, field);
    if (strcmp(err.field, field) != 0) fail_msg("%s: error field '%s' (%s), expected '%s'", text, err.field, err.msg, field);
    assert_null(a.name);
    assert_null(a.parties);
    assert_null(a.provisions);
    assert_null(a.zones);
}

static void agreement_ok(const char *text, tr_agreement *out) {
    json_t *j = parse(text);
    tr_err err = {0};
    int rc = tr_agreement_parse(j, out, &err);
    json_decref(j);
    if (rc != TR_OK) fail_msg("%s rejected: %s: %s", text, err.field, err.msg);
}

static tr_party party(const char *name, tr_role role) {
    tr_party p = {.id = 1, .role = role};
    snprintf(p.name, sizeof p.name, "%s", name);
    return p;
}

/* ---- roles, kinds, statuses ---- */

static void test_roles(void **state) {
    (void)state;
    static const char *const names[] = {"admin", "monitor", "guarantor", "belligerent", "observer",
                                        "humanitarian", "mine_action"};
    assert_int_equal(ROLE_COUNT, 7);
    for (int r = 0; r < ROLE_COUNT; r++) {
        tr_role got = ROLE_COUNT;
        assert_string_equal(tr_role_name((tr_role)r), names[r]);
        assert_int_equal(tr_role_parse(names[r], &got), 0);
        assert_int_equal(got, r);
    }
    static const char *const unknown[] = {"", "Admin", "ADMIN", "admin ", " admin", "root", "mine-action",
                                          "unknown", "adm", "administrator"};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
        tr_role got;
        assert_int_equal(tr_role_parse(unknown[i], &got), -1);
    }
    tr_role got;
    assert_int_equal(tr_role_parse(NULL, &got), -1);
    assert_string_equal(tr_role_name(ROLE_COUNT), "unknown");
    assert_string_equal(tr_role_name((tr_role)-1), "unknown");

    for (int r = 0; r < ROLE_COUNT; r++) {
        tr_party p = party("x", (tr_role)r);
        assert_int_equal(tr_party_is_privileged(&p), r == ROLE_ADMIN || r == ROLE_MONITOR);
    }
    assert_false(tr_party_is_privileged(NULL));
}

static void test_kinds_and_statuses(void **state) {
    (void)state;
    static const char *const kinds[] = {"control", "ceasefire_zone", "designated", "corridor", "no_strike", "region"};
    assert_int_equal(AREA_KIND_COUNT, 6);
    for (int k = 0; k < AREA_KIND_COUNT; k++) {
        tr_area_kind got = AREA_KIND_COUNT;
        assert_string_equal(tr_area_kind_name((tr_area_kind)k), kinds[k]);
        assert_int_equal(tr_area_kind_parse(kinds[k], &got), 0);
        assert_int_equal(got, k);
    }
    tr_area_kind k;
    assert_int_equal(tr_area_kind_parse("Control", &k), -1);
    assert_int_equal(tr_area_kind_parse("no-strike", &k), -1);
    assert_int_equal(tr_area_kind_parse("", &k), -1);
    assert_int_equal(tr_area_kind_parse(NULL, &k), -1);
    assert_string_equal(tr_area_kind_name(AREA_KIND_COUNT), "unknown");

    static const char *const st[] = {"pending", "in_progress", "done", "late", "disputed"};
    assert_int_equal(PROV_STATUS_COUNT, 5);
    for (int s = 0; s < PROV_STATUS_COUNT; s++) {
        tr_provision_status got = PROV_STATUS_COUNT;
        assert_string_equal(tr_provision_status_name((tr_provision_status)s), st[s]);
        assert_int_equal(tr_provision_status_parse(st[s], &got), 0);
        assert_int_equal(got, s);
    }
    tr_provision_status s;
    assert_int_equal(tr_provision_status_parse("in progress", &s), -1);
    assert_int_equal(tr_provision_status_parse("Done", &s), -1);
    assert_int_equal(tr_provision_status_parse(NULL, &s), -1);
    assert_string_equal(tr_provision_status_name(PROV_STATUS_COUNT), "unknown");
}

/* ---- names ---- */

static void test_name_check(void **state) {
    (void)state;
    char n64[TR_NAME_MAX + 1], n65[TR_NAME_MAX + 2];
    memset(n64, 'a', TR_NAME_MAX);
    n64[TR_NAME_MAX] = '\0';
    memset(n65, 'b', TR_NAME_MAX + 1);
    n65[TR_NAME_MAX + 1] = '\0';
    static const char *const good[] = {"a", "Z", "7", "SAA", "US-Coalition", "UN-OCHA", "Dar'a",
                                       "mine_action", "A & B (north).v2", "9th Division", "x-", "a  b"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        tr_err err = {0};
        if (tr_name_check(good[i], "name", &err) != TR_OK) fail_msg("'%s' rejected: %s", good[i], err.msg);
        assert_int_equal(err.code, TR_OK);
    }
    tr_err err = {0};
    assert_int_equal(tr_name_check(n64, "name", &err), TR_OK);

    const char *bad[] = {NULL, "", n65, " lead", "-x", "_x", ".x", "(x)", "'x", "&x", "a/b", "a\\b", "a\tb",
                         "a\nb", "a\"b", "a<b>", "a;b", "a,b", "a:b", "a@b", "a#b", "a%b", "a+b", "a*b",
                         "a=b", "a?b", "a!b", "a|b", "a~b", "a`b", "a$b", "a[b]", "a{b}",
                         "Al-Hasak\xc3\xa9h", "\xc3\x89tat", "a\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        tr_err e = {0};
        if (tr_name_check(bad[i], "parties[2]", &e) != TR_EINVAL)
            fail_msg("'%s' accepted", bad[i] ? bad[i] : "(null)");
        assert_int_equal(e.code, TR_EINVAL);
        assert_string_equal(e.field, "parties[2]");
        assert_true(e.msg[0] != '\0');
    }
    assert_int_equal(tr_name_check("a/b", "f", NULL), TR_EINVAL); /* err may be NULL */
}

/* ---- visibility ---- */

static void vis_rejects(const char *text, const char *field) {
    json_t *j = parse(text);
    tr_vis v;
    tr_err err = {0};
    int rc = tr_vis_parse(j, "properties.visibility", &v, &err);
    json_decref(j);
    if (rc != TR_EINVAL) fail_msg("visibility %s: rc %d, expected TR_EINVAL", text, rc);
    if (strcmp(err.field, field) != 0) fail_msg("visibility %s: field '%s', expected '%s'", text, err.field, field);
    assert_null(v.parties);
    assert_int_equal(v.nparties, 0);
}

static void test_vis_parse(void **state) {
    (void)state;
    tr_vis v;
    tr_err err = {0};
    assert_int_equal(tr_vis_parse(NULL, "visibility", &v, &err), TR_OK);
    assert_true(v.is_public);
    assert_null(v.parties);

    json_t *j = json_null();
    assert_int_equal(tr_vis_parse(j, "visibility", &v, &err), TR_OK);
    assert_true(v.is_public);
    json_decref(j);

    j = json_string("public");
    assert_int_equal(tr_vis_parse(j, "visibility", &v, &err), TR_OK);
    assert_true(v.is_public);
    assert_int_equal(v.nparties, 0);
    json_decref(j);

    j = parse("[\"SAA\", \"Russia\", \"UN-OCHA\"]");
    assert_int_equal(tr_vis_parse(j, "visibility", &v, &err), TR_OK);
    json_decref(j);
    assert_false(v.is_public);
    assert_int_equal(v.nparties, 3);
    assert_string_equal(v.parties[0], "SAA");
    assert_string_equal(v.parties[1], "Russia");
    assert_string_equal(v.parties[2], "UN-OCHA");
    /* JSON and text forms round-trip. */
    char *text = tr_vis_to_text(&v);
    assert_string_equal(text, "[\"SAA\",\"Russia\",\"UN-OCHA\"]");
    tr_vis back;
    assert_int_equal(tr_vis_from_text(text, &back), TR_OK);
    assert_false(back.is_public);
    assert_int_equal(back.nparties, 3);
    assert_string_equal(back.parties[2], "UN-OCHA");
    free(text);
    tr_vis_clear(&back);
    tr_vis_clear(&v);
    assert_null(v.parties);
    assert_int_equal(v.nparties, 0);

    /* An empty list: restricted to owner, creator and privileged parties. */
    j = parse("[]");
    assert_int_equal(tr_vis_parse(j, "visibility", &v, &err), TR_OK);
    json_decref(j);
    assert_false(v.is_public);
    assert_int_equal(v.nparties, 0);
    text = tr_vis_to_text(&v);
    assert_string_equal(text, "[]");
    free(text);
    tr_vis_clear(&v);

    j = json_string("public");
    assert_int_equal(tr_vis_parse(j, "v", &v, &err), TR_OK);
    json_decref(j);
    text = tr_vis_to_text(&v);
    assert_string_equal(text, "\"public\"");
    free(text);
    assert_int_equal(tr_vis_from_text(NULL, &v), TR_OK);
    assert_true(v.is_public);
    assert_int_equal(tr_vis_from_text("[\"A\"]", &v), TR_OK);
    assert_false(v.is_public);
    assert_int_equal(v.nparties, 1);
    tr_vis_clear(&v);
    assert_int_equal(tr_vis_from_text("\"private\"", &v), TR_EINVAL);
    assert_int_equal(tr_vis_from_text("[\"A\",\"A\"]", &v), TR_EINVAL);

    vis_rejects("\"private\"", "properties.visibility");
    vis_rejects("\"Public\"", "properties.visibility");
    vis_rejects("\"\"", "properties.visibility");
    vis_rejects("true", "properties.visibility");
    vis_rejects("3", "properties.visibility");
    vis_rejects("{}", "properties.visibility");
    vis_rejects("{\"parties\":[\"SAA\"]}", "properties.visibility");
    vis_rejects("[\"SAA\", \"SAA\"]", "properties.visibility[1]");
    vis_rejects("[\"SAA\", \"Russia\", \"SAA\"]", "properties.visibility[2]");
    vis_rejects("[1]", "properties.visibility[0]");
    vis_rejects("[\"SAA\", null]", "properties.visibility[1]");
    vis_rejects("[\"SAA\", [\"Russia\"]]", "properties.visibility[1]");
    vis_rejects("[\"\"]", "properties.visibility[0]");
    vis_rejects("[\"a/b\"]", "properties.visibility[0]");
    vis_rejects("[\"public\", \"-x\"]", "properties.visibility[1]");

    /* At most 256 parties. */
    json_t *many = json_array();
    for (int i = 0; i < 257; i++) {
        char n[16];
        snprintf(n, sizeof n, "P%d", i);
        json_array_append_new(many, json_string(n));
    }
    assert_int_equal(tr_vis_parse(many, "visibility", &v, &err), TR_EINVAL);
    assert_string_equal(err.field, "visibility");
    json_array_remove(many, 256);
    assert_int_equal(tr_vis_parse(many, "visibility", &v, &err), TR_OK);
    assert_int_equal(v.nparties, 256);
    tr_vis_clear(&v);
    json_decref(many);
}

/* Stored visibility text that is not JSON must not read as "public": a damaged row
 * fails closed (only a NULL text means public). */
static void test_vis_from_text_fails_closed(void **state) {
    (void)state;
    static const char *const damaged[] = {"[\"A\"", "", "[\"A\",]", "pub"};
    for (size_t i = 0; i < sizeof damaged / sizeof *damaged; i++) {
        tr_vis v;
        int rc = tr_vis_from_text(damaged[i], &v);
        if (rc == TR_OK) {
            bool pub = v.is_public;
            tr_vis_clear(&v);
            fail_msg("damaged visibility text '%s' was accepted (as %s)", damaged[i], pub ? "public" : "a list");
        }
    }
}

static void test_vis_allows(void **state) {
    (void)state;
    tr_vis pub = {.is_public = true}, none = {0}, listed;
    json_t *j = parse("[\"Russia\", \"UN-OCHA\"]");
    assert_int_equal(tr_vis_parse(j, "v", &listed, NULL), TR_OK);
    json_decref(j);

    tr_party admin = party("admin", ROLE_ADMIN), jmc = party("JMC", ROLE_MONITOR),
             russia = party("Russia", ROLE_GUARANTOR), ocha = party("UN-OCHA", ROLE_HUMANITARIAN),
             saa = party("SAA", ROLE_BELLIGERENT), turkey = party("Turkey", ROLE_GUARANTOR),
             kaz = party("Kazakhstan", ROLE_OBSERVER), imac = party("IMAC", ROLE_MINE_ACTION),
             rus = party("Russ", ROLE_GUARANTOR);

    /* The system (NULL) sees everything. */
    assert_true(tr_vis_allows(&none, NULL, NULL, NULL));
    assert_true(tr_vis_allows(&listed, "SAA", "SAA", NULL));
    /* Public: everyone. */
    const tr_party *all[] = {&admin, &jmc, &russia, &ocha, &saa, &turkey, &kaz, &imac};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        assert_true(tr_vis_allows(&pub, NULL, NULL, all[i]));
        assert_true(tr_vis_allows(&pub, "SAA", "admin", all[i]));
    }
    /* Privileged roles see restricted objects of others. */
    assert_true(tr_vis_allows(&none, "SAA", "SAA", &admin));
    assert_true(tr_vis_allows(&none, "SAA", "SAA", &jmc));
    assert_true(tr_vis_allows(&listed, NULL, NULL, &jmc));
    /* Listed parties. */
    assert_true(tr_vis_allows(&listed, "SAA", "admin", &russia));
    assert_true(tr_vis_allows(&listed, "SAA", "admin", &ocha));
    assert_false(tr_vis_allows(&listed, "SAA", "admin", &turkey));
    assert_false(tr_vis_allows(&listed, "SAA", "admin", &kaz));
    assert_false(tr_vis_allows(&listed, "SAA", "admin", &rus)); /* a prefix is not a match */
    /* Owner and creator. */
    assert_true(tr_vis_allows(&listed, "SAA", "admin", &saa));
    assert_true(tr_vis_allows(&none, "SAA", NULL, &saa));
    assert_true(tr_vis_allows(&none, NULL, "SAA", &saa));
    assert_true(tr_vis_allows(&none, "ISIS", "SAA", &saa));
    assert_false(tr_vis_allows(&none, "Turkey", "admin", &saa));
    assert_false(tr_vis_allows(&none, NULL, NULL, &saa));
    assert_false(tr_vis_allows(&none, NULL, NULL, &russia));
    assert_false(tr_vis_allows(&none, "SA", "SAAB", &saa));
    tr_vis_clear(&listed);
}

/* ---- areas ---- */

#define CTRL "\"kind\":\"control\",\"name\":\"Zone A\",\"party\":\"SAA\",\"valid_from\":\"2016-02-27T00:00:00Z\""

static void test_area_parse_ok(void **state) {
    (void)state;
    tr_area a;
    area_parse_ok(SQUARE, CTRL ",\"description\":\"held since 2015\",\"valid_to\":\"2017-01-01\","
                          "\"visibility\":[\"Russia\"]", &a);
    assert_int_equal(a.kind, AREA_CONTROL);
    assert_string_equal(a.name, "Zone A");
    assert_string_equal(a.party, "SAA");
    assert_null(a.actor);
    assert_string_equal(a.description, "held since 2015");
    assert_int_equal(a.valid_from, T("2016-02-27T00:00:00Z"));
    assert_int_equal(a.valid_to, T("2017-01-01"));
    assert_int_equal(a.effective_to, a.valid_to);
    assert_false(a.vis.is_public);
    assert_int_equal(a.vis.nparties, 1);
    assert_string_equal(a.vis.parties[0], "Russia");
    assert_int_equal(a.id, 0);
    assert_int_equal(a.version, 0);
    assert_null(a.created_by);
    assert_true(a.width_m == 0);
    assert_non_null(a.shape);
    assert_non_null(a.geometry);
    /* 0.1 x 0.1 degrees at 36 N: about 11.1 km x 9.0 km. */
    assert_true(a.area_m2 > 95e6 && a.area_m2 < 105e6);
    assert_true(geo_shape_covers(a.shape, 36.05, 36.05));
    assert_false(geo_shape_covers(a.shape, 36.15, 36.05));
    json_t *g = json_loads(a.geometry, 0, NULL);
    assert_non_null(g);
    assert_string_equal(json_string_value(json_object_get(g, "type")), "Polygon");
    json_decref(g);
    tr_area_clear(&a);
    assert_null(a.name);
    assert_null(a.shape);

    /* Open valid_to, public by default; an id equal to expect_id is allowed. */
    json_t *j = parse("{\"type\":\"Feature\",\"id\":42,\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}");
    tr_err err = {0};
    assert_int_equal(tr_area_parse(j, 42, &LIM, &a, &err), TR_OK);
    json_decref(j);
    assert_int_equal(a.valid_to, TR_TIME_OPEN);
    assert_int_equal(a.effective_to, TR_TIME_OPEN);
    assert_true(a.vis.is_public);
    assert_null(a.description);
    tr_area_clear(&a);

    /* bbox is allowed at the top level; null optional properties are as absent. */
    area_parse_ok(SQUARE, CTRL ",\"valid_to\":null,\"visibility\":null,\"description\":null,\"actor\":null", &a);
    assert_int_equal(a.valid_to, TR_TIME_OPEN);
    assert_true(a.vis.is_public);
    assert_null(a.actor);
    tr_area_clear(&a);
    j = parse("{\"type\":\"Feature\",\"bbox\":[36,36,36.1,36.1],\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}");
    assert_int_equal(tr_area_parse(j, 0, &LIM, &a, &err), TR_OK);
    json_decref(j);
    tr_area_clear(&a);

    /* Each kind with its owner rule. */
    area_parse_ok(SQUARE, "\"kind\":\"control\",\"name\":\"c\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\"", &a);
    assert_string_equal(a.actor, "ISIS");
    assert_null(a.party);
    tr_area_clear(&a);
    area_parse_ok(SQUARE, "\"kind\":\"designated\",\"name\":\"d\",\"actor\":\"Nusra\",\"valid_from\":\"2016-01-01\"", &a);
    assert_int_equal(a.kind, AREA_DESIGNATED);
    tr_area_clear(&a);
    area_parse_ok(SQUARE, "\"kind\":\"region\",\"name\":\"Aleppo\",\"valid_from\":\"2011-01-01\"", &a);
    assert_int_equal(a.kind, AREA_REGION);
    tr_area_clear(&a);
    area_parse_ok(SQUARE, "\"kind\":\"ceasefire_zone\",\"name\":\"z\",\"valid_from\":\"2016-01-01\"", &a);
    assert_int_equal(a.kind, AREA_CEASEFIRE_ZONE);
    assert_null(a.party);
    tr_area_clear(&a);
    area_parse_ok(SQUARE, "\"kind\":\"no_strike\",\"name\":\"n\",\"party\":\"SARC\",\"valid_from\":\"2016-01-01\"", &a);
    assert_int_equal(a.kind, AREA_NO_STRIKE);
    tr_area_clear(&a);

    /* A corridor: LineString with width_m. */
    area_parse_ok(LINE, "\"kind\":\"corridor\",\"name\":\"road\",\"party\":\"SARC\",\"width_m\":1000,"
                        "\"valid_from\":\"2016-01-01\",\"valid_to\":\"2016-01-02\"", &a);
    assert_int_equal(a.kind, AREA_CORRIDOR);
    assert_true(a.width_m == 1000);
    assert_non_null(a.shape);
    assert_true(geo_shape_covers(a.shape, 36.1, 36.05)); /* the line's midpoint */
    assert_false(geo_shape_covers(a.shape, 36.1, 36.1));
    assert_true(a.area_m2 > 15e6 && a.area_m2 < 25e6); /* ~20.8 km long x 1 km */
    tr_area_clear(&a);

    /* A MultiPolygon. */
    area_parse_ok("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[36,36],[36.1,36],[36.1,36.1],[36,36]]],"
                  "[[[37,36],[37.1,36],[37.1,36.1],[37,36]]]]}", CTRL, &a);
    assert_true(geo_shape_covers(a.shape, 37.08, 36.01));
    tr_area_clear(&a);

    /* Limits: exactly 200 characters of name, 4000 of description. */
    char props[8192], name[201], desc[4001];
    memset(name, 'n', 200);
    name[200] = '\0';
    memset(desc, 'd', 4000);
    desc[4000] = '\0';
    snprintf(props, sizeof props, "\"kind\":\"region\",\"name\":\"%s\",\"description\":\"%s\",\"valid_from\":\"2011-01-01\"", name, desc);
    json_t *big = feature(SQUARE, props);
    assert_int_equal(tr_area_parse(big, 0, &LIM, &a, &err), TR_OK);
    assert_int_equal(strlen(a.name), 200);
    assert_int_equal(strlen(a.description), 4000);
    tr_area_clear(&a);
    json_decref(big);
}

static void test_area_parse_errors(void **state) {
    (void)state;
    /* The envelope. */
    area_rejects_text("[]", 0, "");
    area_rejects_text("\"Feature\"", 0, "");
    area_rejects_text("{\"type\":\"Feature\",\"geometry\":" SQUARE ",\"properties\":{" CTRL "},\"crs\":{}}", 0, "crs");
    area_rejects_text("{\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}", 0, "type");
    area_rejects_text("{\"type\":\"FeatureCollection\",\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}", 0, "type");
    area_rejects_text("{\"type\":\"feature\",\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}", 0, "type");
    area_rejects_text("{\"type\":1,\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}", 0, "type");
    /* id: assigned by the server, or equal to the URL's. */
    area_rejects_text("{\"type\":\"Feature\",\"id\":5,\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}", 0, "id");
    area_rejects_text("{\"type\":\"Feature\",\"id\":6,\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}", 5, "id");
    area_rejects_text("{\"type\":\"Feature\",\"id\":\"5\",\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}", 5, "id");
    area_rejects_text("{\"type\":\"Feature\",\"id\":5.0,\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}", 5, "id");
    area_rejects_text("{\"type\":\"Feature\",\"id\":null,\"geometry\":" SQUARE ",\"properties\":{" CTRL "}}", 5, "id");
    /* properties. */
    area_rejects_text("{\"type\":\"Feature\",\"geometry\":" SQUARE "}", 0, "properties");
    area_rejects_text("{\"type\":\"Feature\",\"geometry\":" SQUARE ",\"properties\":null}", 0, "properties");
    area_rejects_text("{\"type\":\"Feature\",\"geometry\":" SQUARE ",\"properties\":[]}", 0, "properties");
    area_rejects(SQUARE, CTRL ",\"color\":\"red\"", "properties.color");
    area_rejects(SQUARE, CTRL ",\"id\":3", "properties.id");
    area_rejects(SQUARE, CTRL ",\"Kind\":\"control\"", "properties.Kind");
    /* kind. */
    area_rejects(SQUARE, "\"name\":\"x\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"", "properties.kind");
    area_rejects(SQUARE, "\"kind\":\"zone\",\"name\":\"x\",\"valid_from\":\"2016-01-01\"", "properties.kind");
    area_rejects(SQUARE, "\"kind\":\"Control\",\"name\":\"x\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"", "properties.kind");
    area_rejects(SQUARE, "\"kind\":0,\"name\":\"x\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"", "properties.kind");
    area_rejects(SQUARE, "\"kind\":null,\"name\":\"x\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"", "properties.kind");
    /* name. */
    area_rejects(SQUARE, "\"kind\":\"region\",\"valid_from\":\"2016-01-01\"", "properties.name");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"\",\"valid_from\":\"2016-01-01\"", "properties.name");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":null,\"valid_from\":\"2016-01-01\"", "properties.name");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":7,\"valid_from\":\"2016-01-01\"", "properties.name");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"a\\u0000b\",\"valid_from\":\"2016-01-01\"", "properties.name");
    char props[1024], longname[202];
    memset(longname, 'n', 201);
    longname[201] = '\0';
    snprintf(props, sizeof props, "\"kind\":\"region\",\"name\":\"%s\",\"valid_from\":\"2016-01-01\"", longname);
    area_rejects(SQUARE, props, "properties.name");
    /* Owners. */
    area_rejects(SQUARE, "\"kind\":\"control\",\"name\":\"x\",\"party\":\"SAA\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\"",
                 "properties.actor");
    area_rejects(SQUARE, "\"kind\":\"no_strike\",\"name\":\"x\",\"party\":\"SARC\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\"",
                 "properties.actor");
    area_rejects(SQUARE, "\"kind\":\"control\",\"name\":\"x\",\"valid_from\":\"2016-01-01\"", "properties.party");
    area_rejects(SQUARE, "\"kind\":\"control\",\"name\":\"x\",\"party\":null,\"valid_from\":\"2016-01-01\"", "properties.party");
    area_rejects(SQUARE, "\"kind\":\"control\",\"name\":\"x\",\"party\":\"a/b\",\"valid_from\":\"2016-01-01\"", "properties.party");
    area_rejects(SQUARE, "\"kind\":\"control\",\"name\":\"x\",\"party\":\"\",\"valid_from\":\"2016-01-01\"", "properties.party");
    area_rejects(SQUARE, "\"kind\":\"control\",\"name\":\"x\",\"party\":5,\"valid_from\":\"2016-01-01\"", "properties.party");
    area_rejects(SQUARE, "\"kind\":\"control\",\"name\":\"x\",\"actor\":\"-ISIS\",\"valid_from\":\"2016-01-01\"", "properties.actor");
    snprintf(props, sizeof props, "\"kind\":\"control\",\"name\":\"x\",\"party\":\"%.65s\",\"valid_from\":\"2016-01-01\"", longname);
    area_rejects(SQUARE, props, "properties.party");
    area_rejects(SQUARE, "\"kind\":\"designated\",\"name\":\"x\",\"valid_from\":\"2016-01-01\"", "properties.actor");
    area_rejects(SQUARE, "\"kind\":\"designated\",\"name\":\"x\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"", "properties.actor");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"party\":\"SAA\",\"valid_from\":\"2016-01-01\"", "properties.party");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01\"", "properties.actor");
    /* Times. */
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\"", "properties.valid_from");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"valid_from\":null", "properties.valid_from");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"valid_from\":\"yesterday\"", "properties.valid_from");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"valid_from\":1456531200", "properties.valid_from");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"valid_from\":\"2017-02-29\"", "properties.valid_from");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"valid_from\":\"2016-01-01\",\"valid_to\":\"2016-01-01\"",
                 "properties.valid_to");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"valid_from\":\"2016-01-01T00:00:01Z\",\"valid_to\":\"2016-01-01\"",
                 "properties.valid_to");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"valid_from\":\"2016-01-01T02:00:00+02:00\",\"valid_to\":\"2016-01-01\"",
                 "properties.valid_to");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"valid_from\":\"2016-01-01\",\"valid_to\":\"never\"",
                 "properties.valid_to");
    area_rejects(SQUARE, "\"kind\":\"region\",\"name\":\"x\",\"valid_from\":\"2016-01-01\",\"valid_to\":false",
                 "properties.valid_to");
    /* Visibility and description. */
    area_rejects(SQUARE, CTRL ",\"visibility\":\"private\"", "properties.visibility");
    area_rejects(SQUARE, CTRL ",\"visibility\":[\"Russia\",\"Russia\"]", "properties.visibility[1]");
    area_rejects(SQUARE, CTRL ",\"description\":[]", "properties.description");
    /* width_m. */
    area_rejects(SQUARE, CTRL ",\"width_m\":100", "properties.width_m");
    area_rejects(LINE, "\"kind\":\"corridor\",\"name\":\"r\",\"party\":\"SARC\",\"valid_from\":\"2016-01-01\"", "properties.width_m");
    area_rejects(LINE, "\"kind\":\"corridor\",\"name\":\"r\",\"party\":\"SARC\",\"width_m\":null,\"valid_from\":\"2016-01-01\"",
                 "properties.width_m");
    area_rejects(LINE, "\"kind\":\"corridor\",\"name\":\"r\",\"party\":\"SARC\",\"width_m\":0,\"valid_from\":\"2016-01-01\"",
                 "properties.width_m");
    area_rejects(LINE, "\"kind\":\"corridor\",\"name\":\"r\",\"party\":\"SARC\",\"width_m\":-5,\"valid_from\":\"2016-01-01\"",
                 "properties.width_m");
    area_rejects(LINE, "\"kind\":\"corridor\",\"name\":\"r\",\"party\":\"SARC\",\"width_m\":\"100\",\"valid_from\":\"2016-01-01\"",
                 "properties.width_m");
    /* geometry: absent or not an object, then errors from the geo layer prefixed with "geometry.". */
    area_rejects_text("{\"type\":\"Feature\",\"properties\":{" CTRL "}}", 0, "geometry");
    area_rejects_text("{\"type\":\"Feature\",\"geometry\":null,\"properties\":{" CTRL "}}", 0, "geometry");
    area_rejects_text("{\"type\":\"Feature\",\"geometry\":[],\"properties\":{" CTRL "}}", 0, "geometry");
    area_rejects("{\"type\":\"Point\",\"coordinates\":[36,36]}", CTRL, "geometry.type");
    area_rejects("{\"type\":\"Polygonal\",\"coordinates\":[]}", CTRL, "geometry.type");
    area_rejects("{\"coordinates\":[[[36,36],[36.1,36],[36.1,36.1],[36,36]]]}", CTRL, "geometry.type");

    /* Geometry errors deep inside: the field starts with "geometry." and names a coordinate. */
    static const char *const bad_geoms[] = {
        "{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[36.1,36],[36.1,36.1],[36,36.1]]]}", /* not closed */
        "{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[36.1,36.1],[36.1,36],[36,36.1],[36,36]]]}", /* bow tie */
        "{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[200,36],[36.1,36.1],[36,36]]]}", /* lon out of range */
        "{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[36.1,36],[36,36]]]}", /* too few positions */
        "{\"type\":\"Polygon\",\"coordinates\":[[[36,36],[36.1,\"36\"],[36.1,36.1],[36,36]]]}",
        "{\"type\":\"Polygon\"}",
        "{\"type\":\"LineString\",\"coordinates\":[[36,36]]}",
    };
    for (size_t i = 0; i < sizeof bad_geoms / sizeof *bad_geoms; i++) {
        const char *props_i = strstr(bad_geoms[i], "LineString")
                                  ? "\"kind\":\"corridor\",\"name\":\"r\",\"party\":\"SARC\",\"width_m\":100,\"valid_from\":\"2016-01-01\""
                                  : CTRL;
        json_t *j = feature(bad_geoms[i], props_i);
        tr_area a;
        tr_err err = {0};
        assert_int_equal(tr_area_parse(j, 0, &LIM, &a, &err), TR_EINVAL);
        json_decref(j);
        if (strncmp(err.field, "geometry", 8) != 0 || (err.field[8] != '.' && err.field[8] != '\0'))
            fail_msg("%s: field '%s' lacks the geometry prefix", bad_geoms[i], err.field);
        assert_null(a.shape);
    }
    /* The vertex limit applies. */
    geo_limits tight = {4, GEO_DEFAULT_MAX_WIDTH_M};
    json_t *j = feature(SQUARE, CTRL);
    tr_area a;
    tr_err err = {0};
    assert_int_equal(tr_area_parse(j, 0, &tight, &a, &err), TR_EINVAL);
    assert_int_equal(strncmp(err.field, "geometry", 8), 0);
    json_decref(j);
    /* The corridor width limit applies. */
    j = feature(LINE, "\"kind\":\"corridor\",\"name\":\"r\",\"party\":\"SARC\",\"width_m\":200000,\"valid_from\":\"2016-01-01\"");
    assert_int_equal(tr_area_parse(j, 0, &LIM, &a, &err), TR_EINVAL);
    json_decref(j);
}

/* Drops the properties the server assigns, leaving what a client may send back. */
static void strip_server_props(json_t *f) {
    static const char *const drop[] = {"id", "version", "effective_to", "area_m2", "created_by", "created_at"};
    json_t *p = json_object_get(f, "properties");
    for (size_t i = 0; i < sizeof drop / sizeof *drop; i++) json_object_del(p, drop[i]);
}

static void test_area_feature_round_trip(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        {SQUARE, CTRL ",\"valid_to\":\"2016-12-22T20:00:00Z\",\"visibility\":[\"Russia\",\"UN-OCHA\"],"
                 "\"description\":\"d\\u00e9j\\u00e0 \\\"quoted\\\"\""},
        {SQUARE, "\"kind\":\"designated\",\"name\":\"ISIS area\",\"actor\":\"ISIS\",\"valid_from\":\"2016-01-01T00:00:00.5+03:00\""},
        {LINE, "\"kind\":\"corridor\",\"name\":\"road\",\"party\":\"SARC\",\"width_m\":1234.5,"
               "\"valid_from\":\"2016-12-15\",\"valid_to\":\"2016-12-23\",\"visibility\":[]"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[36.123456789012345,36],[36.2,36],[36.2,36.2],[36.123456789012345,36]],"
         "[[36.15,36.01],[36.18,36.01],[36.18,36.03],[36.15,36.01]]]}",
         "\"kind\":\"region\",\"name\":\"Dar'a\",\"valid_from\":\"0001-01-01\",\"valid_to\":\"9999-12-31T23:59:59Z\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tr_area a, b;
        area_parse_ok(cases[i][0], cases[i][1], &a);
        a.id = 7;
        a.version = 3;
        a.created_by = strdup("admin");
        a.created_at = T("2016-03-01T12:00:00Z");
        if (a.valid_to != TR_TIME_OPEN) a.effective_to = a.valid_to - 3600;
        json_t *f = tr_area_to_feature(&a);
        json_t *p = json_object_get(f, "properties");
        assert_string_equal(json_string_value(json_object_get(f, "type")), "Feature");
        assert_int_equal(json_integer_value(json_object_get(f, "id")), 7);
        assert_int_equal(json_integer_value(json_object_get(p, "id")), 7);
        assert_int_equal(json_integer_value(json_object_get(p, "version")), 3);
        assert_string_equal(json_string_value(json_object_get(p, "kind")), tr_area_kind_name(a.kind));
        assert_string_equal(json_string_value(json_object_get(p, "created_by")), "admin");
        assert_string_equal(json_string_value(json_object_get(p, "created_at")), "2016-03-01T12:00:00Z");
        assert_true(llabs(json_integer_value(json_object_get(p, "area_m2")) - llround(a.area_m2)) == 0);
        if (a.valid_to == TR_TIME_OPEN) {
            assert_true(json_is_null(json_object_get(p, "valid_to")));
            assert_true(json_is_null(json_object_get(p, "effective_to")));
        } else {
            char buf[TR_TIME_BUFSZ];
            assert_string_equal(json_string_value(json_object_get(p, "effective_to")), tr_time_format(a.effective_to, buf));
        }
        assert_int_equal(json_object_get(p, "party") != NULL, a.party != NULL);
        assert_int_equal(json_object_get(p, "actor") != NULL, a.actor != NULL);
        assert_int_equal(json_object_get(p, "width_m") != NULL, a.width_m > 0);

        strip_server_props(f);
        tr_err err = {0};
        int rc = tr_area_parse(f, 7, &LIM, &b, &err);
        if (rc != TR_OK) fail_msg("case %zu: own feature rejected: %s: %s", i, err.field, err.msg);
        assert_int_equal(b.kind, a.kind);
        assert_string_equal(b.name, a.name);
        assert_int_equal(b.party != NULL, a.party != NULL);
        if (a.party) assert_string_equal(b.party, a.party);
        assert_int_equal(b.actor != NULL, a.actor != NULL);
        if (a.actor) assert_string_equal(b.actor, a.actor);
        assert_int_equal(b.valid_from, a.valid_from);
        assert_int_equal(b.valid_to, a.valid_to);
        assert_int_equal(b.vis.is_public, a.vis.is_public);
        assert_int_equal(b.vis.nparties, a.vis.nparties);
        for (size_t k = 0; k < a.vis.nparties; k++) assert_string_equal(b.vis.parties[k], a.vis.parties[k]);
        assert_true(b.width_m == a.width_m);
        assert_int_equal(b.description != NULL, a.description != NULL);
        if (a.description) assert_string_equal(b.description, a.description);
        assert_string_equal(b.geometry, a.geometry); /* coordinates survive exactly */
        assert_true(b.area_m2 == a.area_m2);
        json_decref(f);
        tr_area_clear(&a);
        tr_area_clear(&b);
    }
}

static void test_area_build_shape(void **state) {
    (void)state;
    tr_area a;
    area_parse_ok(SQUARE, CTRL, &a);
    geo_shape_free(a.shape);
    a.shape = NULL;
    tr_err err = {0};
    assert_int_equal(tr_area_build_shape(&a, &err), TR_OK);
    assert_non_null(a.shape);
    assert_true(geo_shape_covers(a.shape, 36.05, 36.05));
    tr_area_clear(&a);

    tr_area bad = {.id = 9, .geometry = strdup("{not json")};
    assert_int_equal(tr_area_build_shape(&bad, &err), TR_EIO);
    assert_null(bad.shape);
    tr_area_clear(&bad);
}

/* The write matrix of tr_area_may_write. */
static void test_area_may_write(void **state) {
    (void)state;
    static const char *const names[ROLE_COUNT] = {"admin", "JMC", "Russia", "SAA", "Kazakhstan", "SARC", "IMAC"};
    for (int r = 0; r < ROLE_COUNT; r++) {
        tr_party by = party(names[r], (tr_role)r);
        bool priv = r == ROLE_ADMIN || r == ROLE_MONITOR;
        for (int k = 0; k < AREA_KIND_COUNT; k++) {
            bool kind_ok = k != AREA_REGION && k != AREA_DESIGNATED;
            /* Owned by the writer. */
            tr_area own = {.kind = (tr_area_kind)k, .party = (char *)names[r]};
            tr_err err = {0};
            int want = priv || (r != ROLE_OBSERVER && kind_ok) ? TR_OK : TR_EFORBIDDEN;
            int got = tr_area_may_write(&by, &own, NULL, &err);
            if (got != want) fail_msg("%s writing own %s: %d, expected %d", names[r], tr_area_kind_name(k), got, want);
            if (got == TR_EFORBIDDEN) {
                assert_int_equal(err.code, TR_EFORBIDDEN);
                assert_string_equal(err.field, r == ROLE_OBSERVER ? "" : "properties.kind");
            }
            /* Owned by another party. */
            tr_area other = {.kind = (tr_area_kind)k, .party = "Turkey"};
            want = priv ? TR_OK : TR_EFORBIDDEN;
            assert_int_equal(tr_area_may_write(&by, &other, NULL, &err), want);
            if (!priv && r != ROLE_OBSERVER && kind_ok) assert_string_equal(err.field, "properties.party");
            /* Owned by an actor, or by nobody. */
            tr_area actor = {.kind = (tr_area_kind)k, .actor = "ISIS"};
            assert_int_equal(tr_area_may_write(&by, &actor, NULL, &err), want);
            tr_area nobody = {.kind = (tr_area_kind)k};
            assert_int_equal(tr_area_may_write(&by, &nobody, NULL, &err), want);
            /* Both party = self and an actor (the parser forbids it, the rule does too). */
            tr_area both = {.kind = (tr_area_kind)k, .party = (char *)names[r], .actor = "ISIS"};
            assert_int_equal(tr_area_may_write(&by, &both, NULL, &err), want);
        }
        /* Replacing an earlier version: allowed when the writer owned or created it. */
        tr_area next = {.kind = AREA_NO_STRIKE, .party = (char *)names[r]};
        tr_area prev_own = {.id = 4, .kind = AREA_NO_STRIKE, .party = (char *)names[r], .created_by = "admin"};
        tr_area prev_created = {.id = 4, .kind = AREA_NO_STRIKE, .party = "Turkey", .created_by = (char *)names[r]};
        tr_area prev_other = {.id = 4, .kind = AREA_NO_STRIKE, .party = "Turkey", .created_by = "Turkey"};
        tr_area prev_actor = {.id = 4, .kind = AREA_CONTROL, .actor = "ISIS", .created_by = "admin"};
        tr_err err = {0};
        int ok_if = r == ROLE_OBSERVER ? TR_EFORBIDDEN : TR_OK;
        assert_int_equal(tr_area_may_write(&by, &next, &prev_own, &err), ok_if);
        assert_int_equal(tr_area_may_write(&by, &next, &prev_created, &err), ok_if);
        assert_int_equal(tr_area_may_write(&by, &next, &prev_other, &err), priv ? TR_OK : TR_EFORBIDDEN);
        assert_int_equal(tr_area_may_write(&by, &next, &prev_actor, &err), priv ? TR_OK : TR_EFORBIDDEN);
    }
}

/* ---- agreements ---- */

#define AG_FULL                                                                                      \
    "{\"name\":\"ISSG Cessation of Hostilities\",\"description\":\"nationwide\","                   \
    "\"start\":\"2016-02-26T22:00:00Z\",\"end\":\"2016-09-12T16:00:00Z\","                           \
    "\"parties\":[\"SAA\",\"Opposition\",\"Russia\"],\"excluded_actors\":[\"ISIS\",\"Nusra\"],"      \
    "\"zones\":[3,17],\"visibility\":[\"Russia\"],\"provisions\":["                                  \
    "{\"text\":\"Notify acceptance\",\"responsible\":\"Opposition\",\"deadline\":\"2016-02-26T10:00:00Z\",\"status\":\"done\"}," \
    "{\"text\":\"Cease attacks\"},"                                                                  \
    "{\"text\":\"Allow access\",\"responsible\":null,\"deadline\":null,\"status\":null}]}"

static void test_agreement_parse_ok(void **state) {
    (void)state;
    tr_agreement a;
    agreement_ok(AG_FULL, &a);
    assert_string_equal(a.name, "ISSG Cessation of Hostilities");
    assert_string_equal(a.description, "nationwide");
    assert_int_equal(a.start, T("2016-02-26T22:00:00Z"));
    assert_int_equal(a.end, T("2016-09-12T16:00:00Z"));
    assert_int_equal(a.nparties, 3);
    assert_string_equal(a.parties[0], "SAA");
    assert_string_equal(a.parties[2], "Russia");
    assert_int_equal(a.nexcluded, 2);
    assert_string_equal(a.excluded[1], "Nusra");
    assert_int_equal(a.nzones, 2);
    assert_int_equal(a.zones[0], 3);
    assert_int_equal(a.zones[1], 17);
    assert_false(a.vis.is_public);
    assert_int_equal(a.nprovisions, 3);
    assert_int_equal(a.provisions[0].seq, 1);
    assert_int_equal(a.provisions[2].seq, 3);
    assert_string_equal(a.provisions[0].text, "Notify acceptance");
    assert_string_equal(a.provisions[0].responsible, "Opposition");
    assert_int_equal(a.provisions[0].deadline, T("2016-02-26T10:00:00Z"));
    assert_int_equal(a.provisions[0].status, PROV_DONE);
    assert_null(a.provisions[1].responsible);
    assert_int_equal(a.provisions[1].deadline, TR_TIME_OPEN);
    assert_int_equal(a.provisions[1].status, PROV_PENDING);
    assert_int_equal(a.provisions[2].status, PROV_PENDING);

    assert_false(tr_agreement_in_force(&a, a.start - 1));
    assert_true(tr_agreement_in_force(&a, a.start));
    assert_true(tr_agreement_in_force(&a, a.end - 1));
    assert_false(tr_agreement_in_force(&a, a.end));
    tr_agreement_clear(&a);
    assert_null(a.name);
    assert_int_equal(a.nprovisions, 0);

    /* The least: a name and a start; open end, everywhere, public. */
    agreement_ok("{\"name\":\"x\",\"start\":\"2016-12-29T22:00:00Z\"}", &a);
    assert_int_equal(a.end, TR_TIME_OPEN);
    assert_int_equal(a.nzones, 0);
    assert_null(a.zones);
    assert_int_equal(a.nparties, 0);
    assert_int_equal(a.nprovisions, 0);
    assert_true(a.vis.is_public);
    assert_true(tr_agreement_in_force(&a, T("9999-01-01")));
    tr_agreement_clear(&a);
    agreement_ok("{\"name\":\"x\",\"start\":\"2016-12-29\",\"end\":null,\"zones\":null,\"parties\":[],\"provisions\":[]}", &a);
    assert_int_equal(a.end, TR_TIME_OPEN);
    assert_int_equal(a.nzones, 0);
    tr_agreement_clear(&a);

    tr_party admin = party("admin", ROLE_ADMIN);
    tr_err err = {0};
    for (int r = 0; r < ROLE_COUNT; r++) {
        admin.role = (tr_role)r;
        int want = r == ROLE_ADMIN || r == ROLE_MONITOR || r == ROLE_GUARANTOR ? TR_OK : TR_EFORBIDDEN;
        assert_int_equal(tr_agreement_may_write(&admin, &err), want);
    }
}

/* Who may read an agreement: its visibility, its creator, privileged roles, and the
 * parties to it. */
static void test_agreement_visible(void **state) {
    (void)state;
    tr_agreement a;
    agreement_ok("{\"name\":\"x\",\"start\":\"2016-01-01\",\"parties\":[\"SAA\",\"Opposition\"],"
                 "\"excluded_actors\":[\"ISIS\"],\"visibility\":[\"Russia\"]}", &a);
    a.created_by = strdup("Turkey");
    static const struct { const char *name; tr_role role; bool sees; } cases[] = {
        {"SAA", ROLE_BELLIGERENT, true},     {"Opposition", ROLE_BELLIGERENT, true},
        {"Russia", ROLE_GUARANTOR, true},    {"Turkey", ROLE_GUARANTOR, true},
        {"admin", ROLE_ADMIN, true},         {"JMC", ROLE_MONITOR, true},
        {"Iran", ROLE_GUARANTOR, false},     {"ISIS", ROLE_BELLIGERENT, false},
        {"SDF", ROLE_BELLIGERENT, false},    {"Kazakhstan", ROLE_OBSERVER, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tr_party p = party(cases[i].name, cases[i].role);
        if (tr_agreement_visible(&a, &p) != cases[i].sees)
            fail_msg("%s %s the agreement", cases[i].name, cases[i].sees ? "does not see" : "sees");
    }
    assert_true(tr_agreement_visible(&a, NULL));
    tr_agreement_clear(&a);
    agreement_ok("{\"name\":\"y\",\"start\":\"2016-01-01\"}", &a);
    tr_party iran = party("Iran", ROLE_GUARANTOR);
    assert_true(tr_agreement_visible(&a, &iran));
    tr_agreement_clear(&a);
}

static void test_agreement_parse_errors(void **state) {
    (void)state;
    agreement_rejects("[]", "");
    agreement_rejects("null", "");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"color\":1}", "color");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"id\":1}", "id");
    /* name */
    agreement_rejects("{\"start\":\"2016-01-01\"}", "name");
    agreement_rejects("{\"name\":\"\",\"start\":\"2016-01-01\"}", "name");
    agreement_rejects("{\"name\":null,\"start\":\"2016-01-01\"}", "name");
    agreement_rejects("{\"name\":3,\"start\":\"2016-01-01\"}", "name");
    agreement_rejects("{\"name\":\"a\\u0000b\",\"start\":\"2016-01-01\"}", "name");
    agreement_rejects("{\"name\":\"x\",\"description\":5,\"start\":\"2016-01-01\"}", "description");
    /* start and end */
    agreement_rejects("{\"name\":\"x\"}", "start");
    agreement_rejects("{\"name\":\"x\",\"start\":null}", "start");
    agreement_rejects("{\"name\":\"x\",\"start\":\"soon\"}", "start");
    agreement_rejects("{\"name\":\"x\",\"start\":20160101}", "start");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"end\":\"2016-01-01\"}", "end");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-02\",\"end\":\"2016-01-01\"}", "end");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01T02:00:00+02:00\",\"end\":\"2016-01-01\"}", "end");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"end\":\"2016-13-01\"}", "end");
    /* parties and excluded actors */
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"parties\":\"SAA\"}", "parties");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"parties\":[\"SAA\",\"SAA\"]}", "parties[1]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"parties\":[\"SAA\",7]}", "parties[1]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"parties\":[\"a/b\"]}", "parties[0]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"parties\":[\"\"]}", "parties[0]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"excluded_actors\":{}}", "excluded_actors");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"excluded_actors\":[\"ISIS\",\"Nusra\",\"ISIS\"]}",
                      "excluded_actors[2]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"parties\":[\"SAA\",\"ISIS\"],"
                      "\"excluded_actors\":[\"Nusra\",\"ISIS\"]}", "excluded_actors[1]");
    /* zones */
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"zones\":[]}", "zones");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"zones\":3}", "zones");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"zones\":\"everywhere\"}", "zones");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"zones\":[\"zone-a\"]}", "zones[0]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"zones\":[1,2.5]}", "zones[1]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"zones\":[0]}", "zones[0]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"zones\":[-4]}", "zones[0]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"zones\":[null]}", "zones[0]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"zones\":[4,5,4]}", "zones[2]");
    /* provisions */
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":{}}", "provisions");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[\"text\"]}", "provisions[0]");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"a\"},{\"text\":\"b\",\"seq\":2}]}",
                      "provisions[1].seq");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"status\":\"done\"}]}", "provisions[0].text");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"\"}]}", "provisions[0].text");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":1}]}", "provisions[0].text");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"a\",\"status\":\"finished\"}]}",
                      "provisions[0].status");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"a\",\"status\":2}]}",
                      "provisions[0].status");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"a\",\"status\":\"Done\"}]}",
                      "provisions[0].status");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"a\",\"deadline\":\"tomorrow\"}]}",
                      "provisions[0].deadline");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"a\",\"deadline\":5}]}",
                      "provisions[0].deadline");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"a\"},{\"text\":\"b\",\"responsible\":\"a/b\"}]}",
                      "provisions[1].responsible");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"provisions\":[{\"text\":\"a\",\"responsible\":[\"SAA\"]}]}",
                      "provisions[0].responsible");
    /* visibility */
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"visibility\":\"secret\"}", "visibility");
    agreement_rejects("{\"name\":\"x\",\"start\":\"2016-01-01\",\"visibility\":[\"SAA\",\"SAA\"]}", "visibility[1]");
}

/* Drops what the server assigns, as the store does before keeping the body. */
static void strip_agreement(json_t *j) {
    static const char *const drop[] = {"id", "version", "created_by", "created_at"};
    for (size_t i = 0; i < sizeof drop / sizeof *drop; i++) json_object_del(j, drop[i]);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(j, "provisions"), i, p) {
        json_object_del(p, "id");
        json_object_del(p, "seq");
    }
}

static void test_agreement_json_round_trip(void **state) {
    (void)state;
    static const char *const cases[] = {
        AG_FULL,
        "{\"name\":\"Open-ended\",\"start\":\"2016-12-29T22:00:00Z\"}",
        "{\"name\":\"x\",\"start\":\"2016-01-01\",\"end\":\"2016-02-01\",\"visibility\":[],\"parties\":[\"A\"],"
        "\"provisions\":[{\"text\":\"t\",\"status\":\"late\"},{\"text\":\"u\",\"status\":\"in_progress\"},"
        "{\"text\":\"v\",\"status\":\"disputed\",\"deadline\":\"2016-01-15T12:00:00Z\"}]}",
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        tr_agreement a, b;
        agreement_ok(cases[c], &a);
        a.id = 12;
        a.version = 1;
        a.created_by = strdup("Russia");
        a.created_at = T("2016-02-20");
        if (a.nprovisions) a.provisions[0].id = 99;
        json_t *j = tr_agreement_to_json(&a);
        assert_int_equal(json_integer_value(json_object_get(j, "id")), 12);
        assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
        assert_string_equal(json_string_value(json_object_get(j, "created_by")), "Russia");
        assert_string_equal(json_string_value(json_object_get(j, "created_at")), "2016-02-20T00:00:00Z");
        assert_int_equal(json_is_null(json_object_get(j, "end")), a.end == TR_TIME_OPEN);
        assert_int_equal(json_is_null(json_object_get(j, "zones")), a.nzones == 0);
        assert_int_equal(json_array_size(json_object_get(j, "provisions")), a.nprovisions);
        assert_true(json_is_array(json_object_get(j, "parties")));
        assert_true(json_is_array(json_object_get(j, "excluded_actors")));
        if (a.nprovisions) {
            json_t *p0 = json_array_get(json_object_get(j, "provisions"), 0);
            assert_int_equal(json_integer_value(json_object_get(p0, "id")), 99);
            assert_int_equal(json_integer_value(json_object_get(p0, "seq")), 1);
            assert_string_equal(json_string_value(json_object_get(p0, "status")),
                                tr_provision_status_name(a.provisions[0].status));
        }
        strip_agreement(j);
        tr_err err = {0};
        if (tr_agreement_parse(j, &b, &err)) fail_msg("case %zu: own JSON rejected: %s: %s", c, err.field, err.msg);
        json_decref(j);
        assert_string_equal(b.name, a.name);
        assert_int_equal(b.description != NULL, a.description != NULL);
        assert_int_equal(b.start, a.start);
        assert_int_equal(b.end, a.end);
        assert_int_equal(b.nparties, a.nparties);
        for (size_t i = 0; i < a.nparties; i++) assert_string_equal(b.parties[i], a.parties[i]);
        assert_int_equal(b.nexcluded, a.nexcluded);
        for (size_t i = 0; i < a.nexcluded; i++) assert_string_equal(b.excluded[i], a.excluded[i]);
        assert_int_equal(b.nzones, a.nzones);
        for (size_t i = 0; i < a.nzones; i++) assert_int_equal(b.zones[i], a.zones[i]);
        assert_int_equal(b.vis.is_public, a.vis.is_public);
        assert_int_equal(b.vis.nparties, a.vis.nparties);
        assert_int_equal(b.nprovisions, a.nprovisions);
        for (size_t i = 0; i < a.nprovisions; i++) {
            assert_string_equal(b.provisions[i].text, a.provisions[i].text);
            assert_int_equal(b.provisions[i].seq, a.provisions[i].seq);
            assert_int_equal(b.provisions[i].deadline, a.provisions[i].deadline);
            assert_int_equal(b.provisions[i].status, a.provisions[i].status);
            assert_int_equal(b.provisions[i].responsible != NULL, a.provisions[i].responsible != NULL);
        }
        tr_agreement_clear(&a);
        tr_agreement_clear(&b);
    }
}

/* ---- JSON helpers ---- */

static void test_json_only_keys(void **state) {
    (void)state;
    static const char *const allowed[] = {"a", "b", NULL};
    static const char *const none[] = {NULL};
    tr_err err = {0};
    json_t *o = parse("{\"a\":1,\"b\":2}");
    assert_int_equal(tr_json_only_keys(o, allowed, "", &err), TR_OK);
    assert_int_equal(tr_json_only_keys(o, none, "x", &err), TR_EINVAL);
    json_decref(o);
    o = parse("{}");
    assert_int_equal(tr_json_only_keys(o, none, "", &err), TR_OK);
    json_decref(o);
    o = parse("{\"a\":1,\"c\":2}");
    memset(&err, 0, sizeof err);
    assert_int_equal(tr_json_only_keys(o, allowed, "", &err), TR_EINVAL);
    assert_string_equal(err.field, "c");
    assert_non_null(strstr(err.msg, "'c'"));
    assert_int_equal(tr_json_only_keys(o, allowed, "properties", &err), TR_EINVAL);
    assert_string_equal(err.field, "properties.c");
    assert_int_equal(tr_json_only_keys(o, allowed, NULL, &err), TR_EINVAL);
    assert_string_equal(err.field, "c");
    json_decref(o);
    /* Case matters; a key that only starts like an allowed one is unknown. */
    o = parse("{\"A\":1}");
    assert_int_equal(tr_json_only_keys(o, allowed, "", &err), TR_EINVAL);
    json_decref(o);
    o = parse("{\"ab\":1}");
    assert_int_equal(tr_json_only_keys(o, allowed, "", &err), TR_EINVAL);
    assert_string_equal(err.field, "ab");
    json_decref(o);
    /* A huge key is reported truncated, never overflowing the field. */
    char key[1000];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    o = json_object();
    json_object_set_new(o, key, json_true());
    assert_int_equal(tr_json_only_keys(o, allowed, "properties", &err), TR_EINVAL);
    assert_true(strlen(err.field) < sizeof err.field);
    assert_int_equal(strncmp(err.field, "properties.kkk", 14), 0);
    json_decref(o);
}

static void test_json_time(void **state) {
    (void)state;
    tr_err err = {0};
    int64_t t = 1;
    json_t *o = parse("{\"at\":\"2016-02-27T02:00:00+02:00\",\"n\":null,\"num\":5,\"bad\":\"2016-02-30\","
                      "\"arr\":[\"2016-01-01\"]}");
    assert_int_equal(tr_json_time(o, "at", "", 0, &t, &err), TR_OK);
    assert_int_equal(t, T("2016-02-27"));
    assert_int_equal(tr_json_time(o, "missing", "", 77, &t, &err), TR_OK);
    assert_int_equal(t, 77);
    assert_int_equal(tr_json_time(o, "n", "", TR_TIME_OPEN, &t, &err), TR_OK);
    assert_int_equal(t, TR_TIME_OPEN);
    assert_int_equal(tr_json_time(o, "num", "properties", 0, &t, &err), TR_EINVAL);
    assert_string_equal(err.field, "properties.num");
    assert_int_equal(tr_json_time(o, "bad", "provisions[0]", 0, &t, &err), TR_EINVAL);
    assert_string_equal(err.field, "provisions[0].bad");
    assert_non_null(strstr(err.msg, "2016-02-30"));
    assert_int_equal(tr_json_time(o, "arr", "", 0, &t, &err), TR_EINVAL);
    assert_string_equal(err.field, "arr");
    json_decref(o);
    /* An overlong time string is quoted in the message only in part. */
    char s[600];
    memset(s, '9', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    o = json_pack("{ss}", "at", s);
    assert_int_equal(tr_json_time(o, "at", "", 0, &t, &err), TR_EINVAL);
    assert_true(strlen(err.msg) < 200);
    json_decref(o);

    json_t *v = tr_json_time_value(TR_TIME_OPEN);
    assert_true(json_is_null(v));
    json_decref(v);
    v = tr_json_time_value(TR_TIME_MIN);
    assert_true(json_is_null(v));
    json_decref(v);
    v = tr_json_time_value(0);
    assert_string_equal(json_string_value(v), "1970-01-01T00:00:00Z");
    json_decref(v);
    v = tr_json_time_value(T("2016-12-22T20:00:00Z"));
    assert_string_equal(json_string_value(v), "2016-12-22T20:00:00Z");
    json_decref(v);
}

static void test_json_str(void **state) {
    (void)state;
    tr_err err = {0};
    char *out = (char *)1;
    json_t *o = json_object();
    json_object_set_new(o, "s", json_string("hello"));
    json_object_set_new(o, "n", json_null());
    json_object_set_new(o, "i", json_integer(3));
    json_object_set_new(o, "nul", json_stringn("a\0b", 3));
    json_object_set_new(o, "nul0", json_stringn("\0", 1));
    json_object_set_new(o, "empty", json_string(""));
    json_object_set_new(o, "utf8", json_string("d\xc3\xa9j\xc3\xa0")); /* 6 bytes */

    assert_int_equal(tr_json_str(o, "s", "", 5, &out, &err), TR_OK);
    assert_string_equal(out, "hello");
    free(out);
    out = (char *)1;
    assert_int_equal(tr_json_str(o, "s", "props", 4, &out, &err), TR_EINVAL);
    assert_string_equal(err.field, "props.s");
    assert_null(out);
    out = (char *)1;
    assert_int_equal(tr_json_str(o, "missing", "", 5, &out, &err), TR_OK);
    assert_null(out);
    out = (char *)1;
    assert_int_equal(tr_json_str(o, "n", "", 5, &out, &err), TR_OK);
    assert_null(out);
    assert_int_equal(tr_json_str(o, "i", "", 5, &out, &err), TR_EINVAL);
    assert_string_equal(err.field, "i");
    assert_null(out);
    memset(&err, 0, sizeof err);
    assert_int_equal(tr_json_str(o, "nul", "", 100, &out, &err), TR_EINVAL);
    assert_string_equal(err.field, "nul");
    assert_non_null(strstr(err.msg, "NUL"));
    assert_null(out);
    assert_int_equal(tr_json_str(o, "nul0", "", 100, &out, &err), TR_EINVAL);
    assert_null(out);
    assert_int_equal(tr_json_str(o, "empty", "", 0, &out, &err), TR_OK);
    assert_string_equal(out, "");
    free(out);
    /* The limit is in bytes, not characters. */
    assert_int_equal(tr_json_str(o, "utf8", "", 5, &out, &err), TR_EINVAL);
    assert_int_equal(tr_json_str(o, "utf8", "", 6, &out, &err), TR_OK);
    assert_string_equal(out, "d\xc3\xa9j\xc3\xa0");
    free(out);
    json_decref(o);

    char buf[16];
    assert_string_equal(tr_path(buf, sizeof buf, "", "kind"), "kind");
    assert_string_equal(tr_path(buf, sizeof buf, NULL, "kind"), "kind");
    assert_string_equal(tr_path(buf, sizeof buf, "properties", "k"), "properties.k");
    assert_string_equal(tr_path(buf, sizeof buf, "properties", "kinds"), "properties.kind"); /* truncated */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_kinds_and_statuses),
        cmocka_unit_test(test_name_check),
        cmocka_unit_test(test_vis_parse),
        cmocka_unit_test(test_vis_from_text_fails_closed),
        cmocka_unit_test(test_vis_allows),
        cmocka_unit_test(test_area_parse_ok),
        cmocka_unit_test(test_area_parse_errors),
        cmocka_unit_test(test_area_feature_round_trip),
        cmocka_unit_test(test_area_build_shape),
        cmocka_unit_test(test_area_may_write),
        cmocka_unit_test(test_agreement_parse_ok),
        cmocka_unit_test(test_agreement_visible),
        cmocka_unit_test(test_agreement_parse_errors),
        cmocka_unit_test(test_agreement_json_round_trip),
        cmocka_unit_test(test_json_only_keys),
        cmocka_unit_test(test_json_time),
        cmocka_unit_test(test_json_str),
    };
    return cmocka_run_group_tests_name("domain", tests, NULL, NULL);
}
