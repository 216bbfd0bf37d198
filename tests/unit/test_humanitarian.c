/*
 * test_humanitarian.c — unit tests of src/domain/{step,corridor_event,message}.c: step
 * dependencies (keys, cycles, topological order), derived lateness, status transitions,
 * the implementation score, corridor event rules and the corridor's derived state.
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
#include "domain/humanitarian.h"

static json_t *parse(const char *text) {
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j) fail_msg("bad test JSON: %s: %s", e.text, text);
    return j;
}

static int64_t T(const char *s) {
    int64_t t = 0;
    assert_int_equal(tr_time_parse(s, &t), 0);
    return t;
}

/* Parses a steps body; returns the code and leaves err's field for the caller. */
static int steps(const char *text, tr_step **v, size_t *n, size_t **order, tr_err *err) {
    json_t *j = parse(text);
    memset(err, 0, sizeof *err);
    int rc = tr_steps_parse(j, v, n, order, err);
    json_decref(j);
    return rc;
}

static void test_steps_order_follows_dependencies(void **state) {
    (void)state;
    tr_step *v;
    size_t n, *order;
    tr_err err;
    /* c depends on b (a key), b on a (a key) and on stored step 7; listed out of order. */
    assert_int_equal(
        steps("{\"steps\":[{\"key\":\"c\",\"title\":\"C\",\"responsible\":\"SAA\",\"depends_on\":[\"b\"]},"
              "{\"key\":\"b\",\"title\":\"B\",\"responsible\":\"SAA\",\"depends_on\":[\"a\",7]},"
              "{\"key\":\"a\",\"title\":\"A\",\"responsible\":\"Russia\",\"provision\":2,"
              "\"deadline\":\"2016-12-15T00:00:00Z\"}]}",
              &v, &n, &order, &err),
        TR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(order[0], 2); /* a */
    assert_int_equal(order[1], 1); /* b */
    assert_int_equal(order[2], 0); /* c */
    assert_int_equal(v[1].ndeps, 2);
    assert_int_equal(v[1].deps[0], -3); /* steps[2] of this request */
    assert_int_equal(v[1].deps[1], 7);  /* a stored step */
    assert_int_equal(v[2].provision, 2);
    assert_int_equal(v[2].deadline, T("2016-12-15T00:00:00Z"));
    assert_int_equal(v[0].deadline, TR_TIME_OPEN);
    tr_steps_free(v, n);
    free(order);
}

static void test_steps_errors_name_the_field(void **state) {
    (void)state;
    static const struct {
        const char *body, *field;
    } cases[] = {
        {"{\"steps\":[{\"key\":\"a\",\"title\":\"A\",\"responsible\":\"S\",\"depends_on\":[\"b\"]},"
         "{\"key\":\"b\",\"title\":\"B\",\"responsible\":\"S\",\"depends_on\":[\"a\"]}]}",
         "steps[0].depends_on"},
        {"{\"steps\":[{\"title\":\"A\",\"responsible\":\"S\"},{\"key\":\"b\",\"title\":\"B\",\"responsible\":"
         "\"S\","
         "\"depends_on\":[\"c\"]},{\"key\":\"c\",\"title\":\"C\",\"responsible\":\"S\",\"depends_on\":[\"d\"]"
         "},"
         "{\"key\":\"d\",\"title\":\"D\",\"responsible\":\"S\",\"depends_on\":[\"b\"]}]}",
         "steps[1].depends_on"},
        {"{\"steps\":[{\"key\":\"a\",\"title\":\"A\",\"responsible\":\"S\",\"depends_on\":[\"a\"]}]}",
         "steps[0].depends_on[0]"},
        {"{\"steps\":[{\"title\":\"A\",\"responsible\":\"S\",\"depends_on\":[\"x\"]}]}",
         "steps[0].depends_on[0]"},
        {"{\"steps\":[{\"title\":\"A\",\"responsible\":\"S\",\"depends_on\":[3,3]}]}",
         "steps[0].depends_on[1]"},
        {"{\"steps\":[{\"title\":\"A\",\"responsible\":\"S\",\"depends_on\":[0]}]}",
         "steps[0].depends_on[0]"},
        {"{\"steps\":[{\"key\":\"a\",\"title\":\"A\",\"responsible\":\"S\"},{\"key\":\"a\",\"title\":\"B\","
         "\"responsible\":\"S\"}]}",
         "steps[1].key"},
        {"{\"steps\":[{\"title\":\"\",\"responsible\":\"S\"}]}", "steps[0].title"},
        {"{\"steps\":[{\"title\":\"A\"}]}", "steps[0].responsible"},
        {"{\"steps\":[{\"title\":\"A\",\"responsible\":\"S\",\"provision\":0}]}", "steps[0].provision"},
        {"{\"steps\":[{\"title\":\"A\",\"responsible\":\"S\",\"deadline\":\"later\"}]}", "steps[0].deadline"},
        {"{\"steps\":[]}", "steps"},
        {"{\"steps\":[],\"x\":1}", "x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tr_step *v = NULL;
        size_t n = 0, *order = NULL;
        tr_err err;
        assert_int_equal(steps(cases[i].body, &v, &n, &order, &err), TR_EINVAL);
        if (strcmp(err.field, cases[i].field) != 0)
            fail_msg("case %zu: field %s, want %s", i, err.field, cases[i].field);
        assert_null(v);
        assert_null(order);
    }
}

static void test_status_lateness_and_transitions(void **state) {
    (void)state;
    tr_step_event ev[3] = {
        {.seq = 1, .step_id = 5, .status = PROV_IN_PROGRESS, .at = T("2016-12-15T12:00:00Z")},
        {.seq = 2, .step_id = 6, .status = PROV_DONE, .at = T("2016-12-15T13:00:00Z")},
        {.seq = 3, .step_id = 5, .status = PROV_DONE, .at = T("2016-12-16T08:00:00Z")},
    };
    assert_int_equal(tr_step_stored_status(ev, 3, 5, T("2016-12-15T00:00:00Z")), PROV_PENDING);
    assert_int_equal(tr_step_stored_status(ev, 3, 5, T("2016-12-15T12:00:00Z")), PROV_IN_PROGRESS);
    assert_int_equal(tr_step_stored_status(ev, 3, 5, T("2016-12-17T00:00:00Z")), PROV_DONE);
    int64_t deadline = T("2016-12-16T00:00:00Z");
    assert_int_equal(tr_step_status(PROV_IN_PROGRESS, deadline, deadline - 1), PROV_IN_PROGRESS);
    assert_int_equal(tr_step_status(PROV_IN_PROGRESS, deadline, deadline), PROV_LATE);
    assert_int_equal(tr_step_status(PROV_PENDING, deadline, deadline + 1), PROV_LATE);
    assert_int_equal(tr_step_status(PROV_DONE, deadline, deadline + 1), PROV_DONE);
    assert_int_equal(tr_step_status(PROV_DISPUTED, deadline, deadline + 1), PROV_DISPUTED);
    assert_int_equal(tr_step_status(PROV_PENDING, TR_TIME_OPEN, TR_TIME_OPEN - 1), PROV_PENDING);
    tr_err err = {0};
    assert_int_equal(tr_step_transition(PROV_PENDING, PROV_DONE, true, &err), TR_OK);
    assert_int_equal(tr_step_transition(PROV_PENDING, PROV_DONE, false, &err), TR_ECONFLICT);
    assert_string_equal(err.field, "status");
    assert_int_equal(tr_step_transition(PROV_IN_PROGRESS, PROV_IN_PROGRESS, true, &err), TR_ECONFLICT);
    assert_int_equal(tr_step_transition(PROV_DONE, PROV_PENDING, true, &err), TR_ECONFLICT);
    assert_int_equal(tr_step_transition(PROV_DONE, PROV_DISPUTED, true, &err), TR_OK);
    assert_int_equal(tr_step_transition(PROV_DISPUTED, PROV_DONE, true, &err), TR_OK);
    assert_int_equal(tr_step_transition(PROV_DISPUTED, PROV_DONE, false, &err), TR_ECONFLICT);
}

static void test_score(void **state) {
    (void)state;
    tr_provision_status none[1] = {PROV_PENDING};
    assert_int_equal(tr_step_score(none, 0), -1);
    tr_provision_status a[4] = {PROV_PENDING, PROV_PENDING, PROV_PENDING, PROV_PENDING};
    assert_int_equal(tr_step_score(a, 4), 0); /* not begun */
    a[0] = PROV_IN_PROGRESS;
    assert_int_equal(tr_step_score(a, 4), 1); /* minimal: begun */
    a[0] = PROV_DONE;
    assert_int_equal(tr_step_score(a, 4), 1); /* one of four done */
    a[1] = PROV_DONE;
    assert_int_equal(tr_step_score(a, 4), 2); /* half done: intermediate */
    a[2] = a[3] = PROV_DONE;
    assert_int_equal(tr_step_score(a, 4), 3); /* full */
    a[3] = PROV_DISPUTED;
    assert_int_equal(tr_step_score(a, 4), 2); /* a disputed step is not done */
    tr_provision_status d[1] = {PROV_DISPUTED};
    assert_int_equal(tr_step_score(d, 1), 1);
}

static void test_step_event_parse(void **state) {
    (void)state;
    int64_t now = T("2016-12-20T00:00:00Z");
    static const struct {
        const char *body, *field;
    } bad[] = {
        {"{\"status\":\"late\"}", "status"},
        {"{\"status\":\"soon\"}", "status"},
        {"{\"status\":\"disputed\"}", "reason"},
        {"{\"status\":\"done\",\"at\":\"2016-12-21T00:00:00Z\"}", "at"},
        {"{\"status\":\"done\",\"evidence\":[{\"url\":\"file:///etc\",\"sha256\":\"" /* bad scheme */
         "0000000000000000000000000000000000000000000000000000000000000000\"}]}",
         "evidence[0].url"},
        {"{\"status\":\"done\",\"evidence\":[{\"url\":\"https://a\",\"sha256\":\"00\"}]}",
         "evidence[0].sha256"},
        {"{\"status\":\"done\",\"x\":1}", "x"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = parse(bad[i].body);
        tr_step_event e;
        tr_err err = {0};
        assert_int_equal(tr_step_event_parse(j, now, &e, &err), TR_EINVAL);
        if (strcmp(err.field, bad[i].field) != 0)
            fail_msg("case %zu: field %s, want %s", i, err.field, bad[i].field);
        json_decref(j);
    }
    json_t *j = parse("{\"status\":\"done\",\"evidence\":[{\"url\":\"https://a/b\",\"sha256\":"
                      "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}]}");
    tr_step_event e;
    tr_err err = {0};
    assert_int_equal(tr_step_event_parse(j, now, &e, &err), TR_OK);
    assert_int_equal(e.at, now);
    assert_non_null(strstr(e.evidence, "https://a/b"));
    tr_step_event_clear(&e);
    json_decref(j);
}

/* ---- corridors ---- */

static tr_corridor_event ev_of(tr_corridor_event_kind k, int64_t id, int64_t from, int64_t to,
                               int64_t count) {
    return (tr_corridor_event){.id = id, .kind = k, .party = "P", .from = from, .to = to, .count = count};
}

static void test_corridor_rules(void **state) {
    (void)state;
    int64_t d15 = T("2016-12-15"), d23 = T("2016-12-23");
    tr_corridor_event ev[3] = {
        ev_of(CORRIDOR_OPENING, 1, d15, d23, -1),
        ev_of(CORRIDOR_SUSPENSION, 2, T("2016-12-16T09:00:00Z"), TR_TIME_OPEN, -1),
        ev_of(CORRIDOR_RESUMPTION, 3, T("2016-12-18T20:00:00Z"), TR_TIME_OPEN, -1),
    };
    int64_t vf = T("2016-12-15"), vt = T("2016-12-24");
    tr_err err = {0};
    tr_corridor_event e = ev_of(CORRIDOR_OPENING, 4, T("2016-12-22"), T("2016-12-24"), -1);
    assert_int_equal(tr_corridor_check(ev, 3, &e, vf, vt, &err), TR_ECONFLICT); /* overlaps opening 1 */
    e = ev_of(CORRIDOR_OPENING, 4, d23, T("2016-12-25"), -1);
    assert_int_equal(tr_corridor_check(ev, 3, &e, vf, vt, &err), TR_EINVAL); /* past the validity */
    assert_string_equal(err.field, "to");
    e = ev_of(CORRIDOR_OPENING, 4, d23, vt, -1);
    assert_int_equal(tr_corridor_check(ev, 3, &e, vf, vt, &err), TR_OK); /* adjacent: half-open intervals */
    e = ev_of(CORRIDOR_RESUMPTION, 4, T("2016-12-19"), TR_TIME_OPEN, -1);
    assert_int_equal(tr_corridor_check(ev, 3, &e, vf, vt, &err), TR_ECONFLICT); /* not suspended */
    assert_int_equal(tr_corridor_check(ev, 2, &e, vf, vt, &err), TR_OK);        /* while suspended */
    e = ev_of(CORRIDOR_SUSPENSION, 4, T("2016-12-19"), TR_TIME_OPEN, -1);
    assert_int_equal(tr_corridor_check(ev, 2, &e, vf, vt, &err), TR_ECONFLICT); /* already suspended */
    assert_int_equal(tr_corridor_check(ev, 3, &e, vf, vt, &err), TR_OK);
    e = ev_of(CORRIDOR_CROSSING, 4, T("2016-12-14"), TR_TIME_OPEN, 10);
    assert_int_equal(tr_corridor_check(ev, 3, &e, vf, vt, &err), TR_EINVAL);
    assert_string_equal(err.field, "date");
    e = ev_of(CORRIDOR_CROSSING, 4, T("2016-12-22"), TR_TIME_OPEN, 10);
    assert_int_equal(tr_corridor_check(ev, 3, &e, vf, vt, &err), TR_OK);
}

static void test_corridor_view(void **state) {
    (void)state;
    int64_t d15 = T("2016-12-15"), d23 = T("2016-12-23"), d16 = T("2016-12-16");
    tr_corridor_event ev[5] = {
        ev_of(CORRIDOR_OPENING, 1, d15, d23, -1),
        ev_of(CORRIDOR_CROSSING, 2, d16, TR_TIME_OPEN, 8000),
        ev_of(CORRIDOR_CROSSING, 3, d16, TR_TIME_OPEN, 6000),
        ev_of(CORRIDOR_CROSSING, 4, d15, TR_TIME_OPEN, 3000),
        ev_of(CORRIDOR_SUSPENSION, 5, T("2016-12-16T09:00:00Z"), TR_TIME_OPEN, -1),
    };
    ev[1].source_kind = ev[2].source_kind = ev[3].source_kind = "party";
    json_t *v = tr_corridor_view(ev, 5, T("2016-12-15T12:00:00Z"));
    assert_string_equal(json_string_value(json_object_get(v, "status")), "open");
    json_t *days = json_object_get(json_object_get(v, "crossings"), "days");
    assert_int_equal(json_array_size(days), 2);
    json_t *d = json_array_get(days, 1); /* 16 December: two reports kept apart */
    assert_int_equal(json_integer_value(json_object_get(d, "low")), 6000);
    assert_int_equal(json_integer_value(json_object_get(d, "high")), 8000);
    assert_int_equal(json_array_size(json_object_get(d, "reports")), 2);
    json_t *tot = json_object_get(json_object_get(v, "crossings"), "totals");
    assert_int_equal(json_integer_value(json_object_get(tot, "low")), 9000);
    assert_int_equal(json_integer_value(json_object_get(tot, "high")), 11000);
    json_decref(v);
    v = tr_corridor_view(ev, 5, T("2016-12-17"));
    assert_string_equal(json_string_value(json_object_get(v, "status")), "suspended");
    json_decref(v);
    v = tr_corridor_view(ev, 5, T("2016-12-14"));
    assert_string_equal(json_string_value(json_object_get(v, "status")), "closed");
    assert_string_equal(json_string_value(json_object_get(v, "next_opening")), "2016-12-15T00:00:00Z");
    json_decref(v);
}

static void test_corridor_event_parse(void **state) {
    (void)state;
    int64_t now = T("2016-12-20T00:00:00Z");
    static const struct {
        tr_corridor_event_kind k;
        const char *body, *field;
    } bad[] = {
        {CORRIDOR_CROSSING, "{\"date\":\"2016-12-16\",\"count\":-1,\"source\":{\"kind\":\"party\"}}",
         "count"},
        {CORRIDOR_CROSSING, "{\"date\":\"2016-12-16\",\"count\":1.5,\"source\":{\"kind\":\"party\"}}",
         "count"},
        {CORRIDOR_CROSSING, "{\"date\":\"2016-12-32\",\"count\":1,\"source\":{\"kind\":\"party\"}}", "date"},
        {CORRIDOR_CROSSING, "{\"date\":\"2016-12-21\",\"count\":1,\"source\":{\"kind\":\"party\"}}", "date"},
        {CORRIDOR_CROSSING, "{\"date\":\"2016-12-16\",\"count\":1,\"source\":{\"kind\":\"x\"}}",
         "source.kind"},
        {CORRIDOR_OPENING, "{\"from\":\"2016-12-16\",\"to\":\"2016-12-16\"}", "to"},
        {CORRIDOR_SUSPENSION, "{\"reason\":\"\"}", "reason"},
        {CORRIDOR_RESUMPTION, "{\"at\":\"2016-12-21\"}", "at"},
        {CORRIDOR_RESUMPTION, "{\"from\":\"2016-12-19\"}", "from"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = parse(bad[i].body);
        tr_corridor_event e;
        tr_err err = {0};
        assert_int_equal(tr_corridor_event_parse(j, bad[i].k, now, &e, &err), TR_EINVAL);
        if (strcmp(err.field, bad[i].field) != 0)
            fail_msg("case %zu: field %s, want %s", i, err.field, bad[i].field);
        json_decref(j);
    }
}

static void test_message_parse(void **state) {
    (void)state;
    tr_message m;
    tr_err err = {0};
    json_t *j = parse("{\"to\":\"SAA\",\"via\":\"Turkey\",\"kind\":\"request\",\"text\":\"t\"}");
    assert_int_equal(tr_message_parse(j, "Opposition", &m, &err), TR_OK);
    json_t *chain = tr_message_chain(&m);
    assert_int_equal(json_array_size(chain), 1); /* not forwarded yet */
    json_decref(chain);
    m.forwarded_at = 1;
    chain = tr_message_chain(&m);
    assert_int_equal(json_array_size(chain), 2);
    json_decref(chain);
    tr_message_clear(&m);
    assert_int_equal(tr_message_parse(j, "SAA", &m, &err), TR_EINVAL); /* to itself */
    assert_string_equal(err.field, "to");
    assert_int_equal(tr_message_parse(j, "Turkey", &m, &err), TR_EINVAL); /* mediator = sender */
    assert_string_equal(err.field, "via");
    json_decref(j);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_order_follows_dependencies),
        cmocka_unit_test(test_steps_errors_name_the_field),
        cmocka_unit_test(test_status_lateness_and_transitions),
        cmocka_unit_test(test_score),
        cmocka_unit_test(test_step_event_parse),
        cmocka_unit_test(test_corridor_rules),
        cmocka_unit_test(test_corridor_view),
        cmocka_unit_test(test_corridor_event_parse),
        cmocka_unit_test(test_message_parse),
    };
    return cmocka_run_group_tests_name("humanitarian", tests, NULL, NULL);
}
