/*
 * test_follow_types.c — every log entry type the centre writes is followed by the other
 * instances' engines, or listed as changing none, with its reason (issue 14;
 * src/service/centre_follow.c). The types are verify's (every type the centre writes names
 * a state table verify checks, src/edges/verify_match.c) and log.rollback; a new type
 * without a rule here would leave another instance's engines behind until it restarts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "edges/verify.h"
#include "service/centre.h"

static void every_type_has_a_rule(void **state) {
    (void)state;
    size_t n = 0, applied = 0;
    for (const char *t; (t = verify_entry_type(n)); n++) {
        const char *why = NULL;
        int rule = centre_follow_rule(t, &why);
        if (rule < 0) fprintf(stderr, "entry type %s: no follow rule in centre_follow.c\n", t);
        assert_true(rule >= 0);
        if (rule == 0) {
            assert_non_null(why);
            assert_true(strlen(why) > 10);
        }
        applied += rule == 1;
    }
    assert_true(n > 40);
    assert_true(applied >= 16);
    const char *why;
    assert_int_equal(centre_follow_rule("log.rollback", &why), 0);
    assert_non_null(why);
}

static void the_engines_types_are_applied(void **state) {
    (void)state;
    static const char *const applied[] = {
        "area.create",      "area.version",      "agreement.create", "site.create",
        "operation.create", "operation.state",   "movement.create",  "movement.status",
        "report.create",    "incident.response", "incident.verdict", "incident.regroup",
        "setting.put",      "track.positions",   "track.stale",      "traffic.alert"};
    const char *why;
    for (size_t i = 0; i < sizeof applied / sizeof *applied; i++)
        assert_int_equal(centre_follow_rule(applied[i], &why), 1);
    assert_int_equal(centre_follow_rule("no.such", &why), -1);
    assert_null(why);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_has_a_rule),
        cmocka_unit_test(the_engines_types_are_applied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
