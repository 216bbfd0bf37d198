/*
 * centre_alerts.c — CAP alerts into the parties' notice feeds (docs/monitoring.md "CAP
 * alerts"). When a write makes an incident a corroborated or confirmed violation, the
 * parties concerned (its alleged perpetrators that are parties, and the parties that
 * reported it) get a notice of kind "alert" about ("incident", id) with the alert's
 * identifier, through centre__notice (stored and logged as notice.create).
 *
 * The grade is known only once the engine holds the committed write, so the notices are
 * written in a second transaction right after it (collect under c->mon_mu, publish after
 * releasing it: lock order). incident_alert keys each alert by its identifier, so an alert
 * is notified once whoever sees it first; `truce serve` sweeps every incident at start
 * (centre_alerts_sweep), which sends what a crash between the two transactions left out.
 * An alert is derived data (a function of the logged reports, acts and regroups), like the
 * incidents; but its row decides that the alert is notified once, so recording it is
 * logged (incident.alert, by "centre", dated at the row's created_at), and its notices
 * are, like every notice.
 */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_monitor.h"
#include "service/centre_objects.h"

#define SWEEP_BATCH 256

typedef struct alert {
    char identifier[96];
    int64_t incident_id, sent;
    mon_grade grade;
    char **names; /* alleged perpetrators */
    size_t nnames;
} alert;

static void alert_clear(alert *a) {
    for (size_t i = 0; i < a->nnames; i++)
        free(a->names[i]);
    free(a->names);
}

void centre__alerts_clear(centre_alerts *l) {
    for (size_t i = 0; i < l->n; i++)
        alert_clear(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Under c->mon_mu: adds the alert of incident id, if it has one. */
static void collect_one(centre *c, int64_t id, centre_alerts *l) {
    mon_incident inc;
    memset(&inc, 0, sizeof inc);
    if (mon_engine_incident_page(c->mon, id, false, 0, 0, &inc, NULL) != TR_OK || inc.id != id ||
        !mon_cap_applies(&inc)) {
        mon_incident_clear(&inc);
        return;
    }
    alert *v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (v) {
        l->v = v;
        alert *a = &v[l->n];
        memset(a, 0, sizeof *a);
        mon_cap_identifier(&inc, a->identifier, sizeof a->identifier);
        a->incident_id = inc.id;
        a->sent = mon_cap_sent(&inc);
        a->grade = inc.grade;
        a->names = calloc(inc.nperpetrators ? inc.nperpetrators : 1, sizeof *a->names);
        if (a->names) {
            for (size_t i = 0; i < inc.nperpetrators; i++)
                if ((a->names[a->nnames] = strdup(inc.perpetrators[i]))) a->nnames++;
            l->n++;
        } else {
            alert_clear(a);
        }
    }
    mon_incident_clear(&inc);
}

void centre__alerts_collect(centre *c, const int64_t *incidents, size_t n, centre_alerts *l) {
    int64_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids) return;
    for (size_t i = 0; i < n; i++) {
        int64_t cur = incidents[i];
        mon_engine_incident_of(c->mon, incidents[i], &cur);
        ids[i] = cur;
    }
    qsort(ids, n, sizeof *ids, cmp_i64);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || ids[i] != ids[i - 1]) collect_one(c, ids[i], l);
    free(ids);
}

/* The parties concerned by a: its alleged perpetrators that are parties (actors have no
 * account), who are called on to respond. The reporters are not notified: a monitor that
 * files thousands of reports would drown its feed in alerts about its own reports. */
static int concerned(centre *c, const alert *a, char (*out)[TR_NAME_MAX + 1], size_t cap, size_t *count,
                     tr_err *err) {
    size_t n = 0;
    *count = 0;
    for (size_t i = 0; i < a->nnames && n < cap; i++) {
        tr_party p;
        int rc = store_party_get(c->store, a->names[i], &p, err);
        if (rc == TR_ENOTFOUND) continue; /* an actor, or a name no party has */
        if (rc) return rc;
        bool seen = false;
        for (size_t k = 0; k < n; k++)
            seen |= strcmp(out[k], p.name) == 0;
        if (!seen) snprintf(out[n++], TR_NAME_MAX + 1, "%s", p.name);
    }
    *count = n;
    return TR_OK;
}

/* Inside the alert's transaction: logs incident.alert for the row just recorded. */
static int log_alert(centre *c, const store_alert_row *a, tr_err *err) {
    char ref[CENTRE_REF_MAX];
    centre_ref_alert(a->identifier, ref);
    json_t *o = centre_object_alert(a);
    int rc =
        o ? centre__log_at(c, a->created_at, CENTRE_SELF, NULL, TR_ENTRY(INCIDENT_ALERT), ref, o, NULL, err)
          : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(o);
    return rc;
}

static int publish_tx(centre *c, const centre_alerts *l, int64_t now, tr_err *err) {
    for (size_t i = 0; i < l->n; i++) {
        const alert *a = &l->v[i];
        bool inserted = false;
        int rc = store_alert_insert(c->store, a->identifier, a->incident_id, mon_grade_name(a->grade),
                                    a->sent, now, &inserted, err);
        if (rc) return rc;
        if (!inserted) continue;
        store_alert_row row = {a->identifier, mon_grade_name(a->grade), a->incident_id, a->sent, now};
        if ((rc = log_alert(c, &row, err))) return rc;
        char parties[64][TR_NAME_MAX + 1];
        size_t np;
        if ((rc = concerned(c, a, parties, 64, &np, err))) return rc;
        char cap[64];
        snprintf(cap, sizeof cap, "/v1/incidents/%lld/cap", (long long)a->incident_id);
        json_t *payload = json_pack("{s:s, s:I, s:s, s:s, s:o}", "identifier", a->identifier, "incident_id",
                                    (json_int_t)a->incident_id, "grade", mon_grade_name(a->grade), "cap", cap,
                                    "sent", tr_json_time_value(a->sent));
        for (size_t k = 0; rc == TR_OK && k < np; k++)
            rc = payload
                     ? centre__notice(c, parties[k], "alert", "incident", a->incident_id, payload,
                                           now, centre_notice_deadline(c, now, TR_TIME_MIN), NULL, err)
                     : tr_fail(err, TR_ENOMEM, "", "out of memory");
        json_decref(payload);
        if (rc) return rc;
    }
    return TR_OK;
}

void centre__alerts_publish(centre *c, centre_alerts *l) {
    if (l->n == 0) return;
    tr_err err = {0};
    int rc = store_begin(c->store, &err);
    if (rc == TR_OK) {
        rc = publish_tx(c, l, tr_time_now(), &err);
        if (rc == TR_OK)
            rc = store_commit(c->store, &err);
        else
            store_rollback(c->store);
    }
    if (rc)
        fprintf(stderr, "truce: alerts not sent (the next start sends them): %s%s%s\n", err.field,
                err.field[0] ? ": " : "", err.msg);
    centre__alerts_clear(l);
}

int centre_alerts_sweep(centre *c, tr_err *err) {
    int64_t after = 0, ids[SWEEP_BATCH];
    size_t n;
    do {
        centre_alerts l = {0};
        pthread_mutex_lock(&c->mon_mu);
        int rc = mon_engine_list(c->mon, after, SWEEP_BATCH, ids, &n);
        if (rc == TR_OK) centre__alerts_collect(c, ids, n, &l);
        pthread_mutex_unlock(&c->mon_mu);
        if (rc) return tr_fail(err, rc, "", "out of memory");
        centre__alerts_publish(c, &l);
        if (n) after = ids[n - 1];
    } while (n == SWEEP_BATCH);
    return TR_OK;
}
