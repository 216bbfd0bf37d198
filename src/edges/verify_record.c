/*
 * verify_record.c — pass 4 of `truce verify --db` for what the centre records on its own
 * besides notices (verify_notices.c): CAP alerts (incident_alert: each row the object of
 * its incident.alert entry) and settings (setting: each row the object of its latest
 * setting.put entry).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edges/verify_db.h"
#include "service/centre_objects.h"

/* A row named by a text key (table NAME), matched with its entry of type about ref (with
 * latest, the latest such entry: a value that is replaced). Takes obj. */
static void check_named(verify_pass *p, const char *table, const char *name, const char *ref,
                        const char *type, json_t *obj, bool latest) {
    char what[140], b1[96];
    snprintf(what, sizeof what, "%s %s", table, verify__clip(name, b1));
    if (latest)
        verify__match_latest(p->a, what, ref, type, obj);
    else
        verify__match_row(p->a, what, ref, type, obj);
    p->rows++;
}

static int check_alert(const store_alert_row *x, void *ctx) {
    char ref[CENTRE_REF_MAX];
    centre_ref_alert(x->identifier, ref);
    check_named(ctx, "incident_alert", x->identifier, ref, TR_ENTRY(INCIDENT_ALERT), centre_object_alert(x),
                false);
    return TR_OK;
}

int verify__incident_alert(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_alert_each(a->s, check_alert, &p, &e);
    return verify__end_pass(&p, "incident_alert", &e, rows);
}

static int check_setting(const store_setting_row *x, void *ctx) {
    char ref[CENTRE_REF_MAX];
    centre_ref_setting(x->name, ref);
    check_named(ctx, "setting", x->name, ref, TR_ENTRY(SETTING_PUT), centre_object_setting(x), true);
    return TR_OK;
}

static int count_setting(const store_setting_row *x, void *ctx) {
    (void)x;
    ((verify_pass *)ctx)->rows++;
    return TR_OK;
}

/* Whether the log holds a setting.put entry: every start of a server that logs settings
 * (issue 11) logs them, so a log without one was never served by such a binary. */
static bool settings_logged(const db_audit *a) {
    for (size_t k = 0; k < a->nlog; k++)
        if (strcmp(a->log[k].type, TR_ENTRY(SETTING_PUT)) == 0) return true;
    return false;
}

/* A setting holds the latest value the server ran with: its latest setting.put. A database
 * last served before settings were logged (no setting.put entry at all, as
 * tests/fixtures/log-v1.sql) has its settings noted as not under the log; its next start
 * logs them. */
int verify__setting(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    bool legacy = !settings_logged(a);
    store_setting_each(a->s, legacy ? count_setting : check_setting, &p, &e);
    verify__count(a, "setting", p.rows, &e);
    if (legacy && p.rows)
        fprintf(a->r->out,
                "note: %llu settings were recorded before settings were logged (no setting.put entry): they "
                "are not under the log until the server's next start logs them\n",
                ULL(p.rows));
    *rows = legacy ? 0 : p.rows;
    return TR_OK;
}
