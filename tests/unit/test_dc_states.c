/* Unit tests: operation states and movement statuses (issue 12, item 1), and the parsing
 * and visibility of checkpoints (item 5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/checkpoint.h"
#include "domain/site.h"

static void test_operation_states(void **state) {
    (void)state;
    tr_operation_state s;
    for (int i = 0; i < OP_STATE_COUNT; i++) {
        assert_int_equal(tr_operation_state_parse(tr_operation_state_name((tr_operation_state)i), &s), 0);
        assert_int_equal(s, i);
    }
    assert_int_equal(tr_operation_state_parse("paused", &s), -1);
    assert_int_equal(tr_operation_state_parse(NULL, &s), -1);
    assert_true(tr_operation_state_may(OP_PLANNED, OP_ACTIVE));
    assert_true(tr_operation_state_may(OP_PLANNED, OP_CANCELLED));
    assert_false(tr_operation_state_may(OP_PLANNED, OP_ENDED));
    assert_true(tr_operation_state_may(OP_ACTIVE, OP_ENDED));
    assert_false(tr_operation_state_may(OP_ACTIVE, OP_PLANNED));
    assert_false(tr_operation_state_may(OP_ENDED, OP_ACTIVE));
    assert_false(tr_operation_state_may(OP_CANCELLED, OP_ACTIVE));
    assert_false(tr_operation_state_may(OP_STATE_COUNT, OP_ACTIVE));
    assert_true(tr_operation_state_final(OP_ENDED) && tr_operation_state_final(OP_CANCELLED));
    assert_false(tr_operation_state_final(OP_PLANNED) || tr_operation_state_final(OP_ACTIVE));
}

static void test_movement_statuses(void **state) {
    (void)state;
    tr_movement_status s;
    assert_int_equal(tr_movement_status_parse("en_route", &s), 0);
    assert_int_equal(s, MOV_EN_ROUTE);
    assert_string_equal(tr_movement_status_name(MOV_INCIDENT), "incident");
    assert_string_equal(tr_movement_status_name(MOV_STATUS_COUNT), "unknown");
    for (int from = 0; from < MOV_STATUS_COUNT; from++)
        for (int to = 0; to < MOV_STATUS_COUNT; to++) {
            bool final = from == MOV_ARRIVED || from == MOV_ABORTED;
            assert_int_equal(tr_movement_status_may(from, to), !final && to != from && to != MOV_PLANNED);
        }
    assert_true(tr_movement_status_final(MOV_ARRIVED) && tr_movement_status_final(MOV_ABORTED));
    assert_false(tr_movement_status_final(MOV_INCIDENT));
}

static int parse(const char *text, tr_checkpoint *k, tr_err *err) {
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    int rc = tr_checkpoint_parse(j, k, err);
    json_decref(j);
    return rc;
}

static void test_checkpoint_parse(void **state) {
    (void)state;
    tr_checkpoint k;
    tr_err err = {0};
    assert_int_equal(
        parse("{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [36.7, 36.2]},"
              " \"properties\": {\"name\": \"Bridge\", \"controlled_by\": \"SAA\", \"visibility\": [\"JMC\"],"
              " \"opening_hours\": [{\"open\": \"06:00\", \"close\": \"24:00\", \"days\": [\"sun\"]}]}}",
              &k, &err),
        TR_OK);
    assert_string_equal(k.hours, "[{\"close\":\"24:00\",\"days\":[\"sun\"],\"open\":\"06:00\"}]");
    tr_party saa = {.role = ROLE_BELLIGERENT}, jmc = {.role = ROLE_OBSERVER},
             opp = {.role = ROLE_BELLIGERENT};
    strcpy(saa.name, "SAA");
    strcpy(jmc.name, "JMC");
    strcpy(opp.name, "Opposition");
    assert_true(tr_checkpoint_allows(&k, &saa)); /* the controlling party */
    assert_true(tr_checkpoint_allows(&k, &jmc)); /* listed */
    assert_false(tr_checkpoint_allows(&k, &opp));
    assert_false(tr_checkpoint_allows_name(&k, "Opposition"));
    tr_checkpoint_clear(&k);
    static const char *const bad[][2] = {
        {"{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1, 2]}, "
         "\"properties\": {}}",
         "properties.name"},
        {"{\"type\": \"Feature\", \"geometry\": {\"type\": \"Polygon\", \"coordinates\": []}, "
         "\"properties\": "
         "{\"name\": \"x\"}}",
         "geometry"},
        {"{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1, 2]}, "
         "\"properties\": "
         "{\"name\": \"x\", \"opening_hours\": [{\"days\": [], \"open\": \"06:00\", \"close\": \"07:00\"}]}}",
         "properties.opening_hours[0].days"},
        {"{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [1, 2]}, "
         "\"properties\": "
         "{\"name\": \"x\", \"opening_hours\": [{\"days\": [\"mon\"], \"open\": \"24:01\", \"close\": "
         "\"07:00\"}]}}",
         "properties.opening_hours[0].open"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(parse(bad[i][0], &k, &err), TR_EINVAL);
        assert_string_equal(err.field, bad[i][1]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operation_states),
        cmocka_unit_test(test_movement_statuses),
        cmocka_unit_test(test_checkpoint_parse),
    };
    return cmocka_run_group_tests_name("dc_states", tests, NULL, NULL);
}
