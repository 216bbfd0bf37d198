/*
 * centre_settings.c — the settings a server runs with (the monitoring options of `truce
 * serve`, table setting) under the log (issue 11, docs/tlog.md "Entries"): each value the
 * store or the log does not hold yet is written and logged as setting.put by the operator,
 * so `truce verify` can check that the setting row holds the latest value logged, and a
 * restart with the same options changes nothing. The monitoring options are parsed here
 * (centre_mon_options), for `truce serve` and for the other instances on one database,
 * which follow a setting.put by rebuilding their monitoring engine with it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_monitor.h"
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

/* ---- the monitoring options as settings ---- */

const char *const CENTRE_MON_OPTS[CENTRE_NMON_OPTS] = {"--cluster-radius-m", "--cluster-window-s",
                                                       "--bulletin-hour", "--bulletin-tz"};

/* "+HH:MM" / "-HH:MM" into minutes east of UTC; false when zone is not such an offset. */
static bool utc_offset(const char *zone, int *minutes) {
    int hh, mm;
    char sign, extra;
    if (sscanf(zone, "%c%2d:%2d%c", &sign, &hh, &mm, &extra) != 3 || (sign != '+' && sign != '-') || mm >= 60)
        return false;
    *minutes = (sign == '-' ? -1 : 1) * (hh * 60 + mm);
    return true;
}

int centre_mon_options(const char *const *vals, mon_config *cfg, tr_tz **tz, tr_err *err) {
    mon_config_default(cfg);
    *tz = NULL;
    int rc = centre_mon_cluster_parse(vals[0], vals[1], cfg, err);
    if (rc) return rc;
    char *end;
    unsigned long hour = vals[2] && isdigit((unsigned char)vals[2][0]) ? strtoul(vals[2], &end, 10) : 0;
    if (hour == 0 || hour > 24 || *end)
        return tr_fail(err, TR_EINVAL, "--bulletin-hour",
                       "--bulletin-hour must be a whole number from 1 to 24");
    cfg->bulletin_end_hour = (int)hour;
    if (!vals[3] || !utc_offset(vals[3], &cfg->bulletin_utc_offset_min)) {
        if ((rc = tr_tz_load(vals[3] ? vals[3] : "", "--bulletin-tz", tz, err))) return rc;
        cfg->bulletin_tz = *tz;
    }
    if ((rc = mon_config_check(cfg, err))) {
        tr_tz_free(*tz);
        *tz = NULL;
    }
    return rc;
}

int centre__mon_settings_follow(centre *c, tr_err *err) {
    char *vals[CENTRE_NMON_OPTS] = {0};
    int rc = TR_OK;
    bool all = true;
    for (size_t k = 0; rc == TR_OK && k < CENTRE_NMON_OPTS; k++) {
        rc = store_setting_get(c->store, CENTRE_MON_OPTS[k], &vals[k], err);
        all = all && vals[k];
    }
    mon_config cfg;
    tr_tz *tz = NULL, **zones = NULL;
    if (rc == TR_OK && all) rc = centre_mon_options((const char *const *)vals, &cfg, &tz, err);
    if (rc == TR_OK && tz && !(zones = realloc(c->zones, (c->nzones + 1) * sizeof *zones))) {
        tr_tz_free(tz);
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (zones) {
        c->zones = zones;
        c->zones[c->nzones++] = tz;
    }
    if (rc == TR_OK && all) rc = centre_mon_configure(c, &cfg, err);
    for (size_t k = 0; k < CENTRE_NMON_OPTS; k++)
        free(vals[k]);
    return rc;
}
