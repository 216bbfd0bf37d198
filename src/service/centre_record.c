/*
 * centre_record.c — the log entries of what the centre records on its own rather than
 * at one party's request (issue 11, docs/tlog.md "Entries"):
 *
 *  - notice.create: every transaction that made notices (a conflict, a site or movement
 *    notified to a party, a message delivered, a CAP alert...) logs them, with the
 *    clearances that hang on them, in one entry appended just before it commits (the
 *    store calls back: store_on_notices_commit). So whoever writes a notice, through any
 *    path, gets it logged; the object is read back from the store as `truce verify`
 *    reads it, so the two cannot disagree.
 *  - incident.alert: a CAP alert recorded in incident_alert (it decides that the alert is
 *    notified once).
 *  - setting.put: a setting the server runs with (centre_settings_record).
 *
 * Their party is CENTRE_SELF ("centre"), or the operator for settings: the public entry
 * says that the centre recorded something, never to whom a notice went.
 */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_objects.h"

/* ---- notices ---- */

static int add_notice(const store_notice_row *n, void *ctx) {
    json_t *o = centre_object_notice(n);
    return !o || json_array_append_new(ctx, o) ? TR_ENOMEM : TR_OK;
}

static int add_clearance(const store_clearance_row *x, void *ctx) {
    json_t *o = centre_object_clearance(x);
    return !o || json_array_append_new(ctx, o) ? TR_ENOMEM : TR_OK;
}

static json_t *notices_object(store *s, int64_t first, int64_t last, tr_err *err) {
    json_t *notices = json_array(), *clearances = json_array();
    int rc = notices && clearances ? TR_OK : TR_ENOMEM;
    if (rc == TR_OK) rc = store_notice_each(s, first, last, add_notice, notices, err);
    if (rc == TR_OK) rc = store_clearance_each(s, first, last, add_clearance, clearances, err);
    json_t *o = NULL;
    if (rc == TR_OK) {
        o = centre_object_notices(notices, clearances); /* takes both */
    } else {
        json_decref(notices);
        json_decref(clearances);
    }
    if (!o && (rc == TR_OK || rc == TR_ENOMEM)) tr_fail(err, TR_ENOMEM, "", "out of memory");
    return o;
}

/* The store's hook: the notices ids first..last of the committing transaction. */
static int log_notices(void *ctx, int64_t first, int64_t last, tr_err *err) {
    centre *c = ctx;
    json_t *o = notices_object(c->store, first, last, err);
    if (!o) return err ? err->code : TR_ENOMEM;
    char ref[CENTRE_REF_MAX];
    centre_ref_notices(first, last, ref);
    int rc = centre__log(c, CENTRE_SELF, NULL, "notice.create", ref, o, NULL, err);
    json_decref(o);
    return rc;
}

void centre__record_notices(centre *c) {
    store_on_notices_commit(c->store, log_notices, c);
}

/* ---- CAP alerts ---- */

int centre__log_alert(centre *c, const store_alert_row *a, tr_err *err) {
    char ref[CENTRE_REF_MAX];
    centre_ref_alert(a->identifier, ref);
    json_t *o = centre_object_alert(a);
    int rc = o ? centre__log_at(c, a->created_at, CENTRE_SELF, NULL, "incident.alert", ref, o, NULL, err)
               : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(o);
    return rc;
}

/* ---- settings ---- */

/* Inside the transaction: records name = value (logged) unless the store and the log
 * already hold exactly that. */
static int record_setting(centre *c, const char *name, const char *value, int64_t now, tr_err *err) {
    char *stored = NULL, ref[CENTRE_REF_MAX];
    uint64_t index;
    tr_err ignored = {0};
    centre_ref_setting(name, ref);
    int rc = store_setting_get(c->store, name, &stored, err);
    bool same = rc == TR_OK && stored && strcmp(stored, value) == 0;
    free(stored);
    if (rc || (same && store_log_index_of(c->store, "setting.put", ref, &index, &ignored) == TR_OK))
        return rc;
    rc = store_setting_put(c->store, name, value, now, err);
    store_setting_row x = {name, value, now};
    json_t *o = rc == TR_OK ? centre_object_setting(&x) : NULL;
    if (rc == TR_OK)
        rc = o ? centre__log_at(c, now, CENTRE_OPERATOR, NULL, "setting.put", ref, o, NULL, err)
               : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(o);
    return rc;
}

int centre_settings_record(centre *c, const char *const *names, const char *const *values, size_t n,
                           tr_err *err) {
    int rc = store_begin(c->store, err);
    if (rc) return rc;
    int64_t now = tr_time_now();
    for (size_t k = 0; rc == TR_OK && k < n; k++)
        rc = record_setting(c, names[k], values[k], now, err);
    if (rc) {
        store_rollback(c->store);
        return rc;
    }
    return store_commit(c->store, err);
}
