/*
 * centre_settings.c — the settings a server runs with (the monitoring options of `truce
 * serve`, table setting) under the log (issue 11, docs/tlog.md "Entries"): each value the
 * store or the log does not hold yet is written and logged as setting.put by the operator,
 * so `truce verify` can check that the setting row holds the latest value logged, and a
 * restart with the same options changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_objects.h"

/* Inside the transaction: records name = value (logged) unless the store and the log
 * already hold exactly that. */
static int record_setting(centre *c, const char *name, const char *value, int64_t now, tr_err *err) {
    char *stored = NULL, ref[CENTRE_REF_MAX];
    uint64_t index;
    centre_ref_setting(name, ref);
    int rc = store_setting_get(c->store, name, &stored, err);
    bool same = rc == TR_OK && stored && strcmp(stored, value) == 0;
    free(stored);
    if (rc) return rc;
    if (same && (rc = store_log_index_of(c->store, TR_ENTRY(SETTING_PUT), ref, &index, err)) != TR_ENOTFOUND)
        return rc; /* recorded and logged already (TR_OK), or the store failed */
    rc = store_setting_put(c->store, name, value, now, err);
    store_setting_row x = {name, value, now};
    json_t *o = rc == TR_OK ? centre_object_setting(&x) : NULL;
    if (rc == TR_OK)
        rc = o ? centre__log_at(c, now, CENTRE_OPERATOR, NULL, TR_ENTRY(SETTING_PUT), ref, o, NULL, err)
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
