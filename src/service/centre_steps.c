/* centre_steps.c — an agreement's timeline (issue 6): steps with responsible party,
 * deadline and dependencies, status changes with history, and the implementation score
 * per provision and for the agreement (centre_humanitarian.h, docs/humanitarian.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_humanitarian.h"
#include "service/centre_int.h"
#include "service/centre_mine.h"
#include "service/centre_objects.h"

/* Agreement id as viewer may see it; else TR_ENOTFOUND. */
static int visible_agreement(centre *c, const tr_party *viewer, int64_t id, tr_agreement *a, tr_err *err) {
    int rc = store_agreement_get(c->store, id, a, err);
    if (rc == TR_OK) {
        if (centre_agreement_visible(a, viewer)) return TR_OK;
        tr_agreement_clear(a);
    } else if (rc != TR_ENOTFOUND) {
        return rc; /* a storage failure is not a missing agreement */
    }
    return tr_fail(err, TR_ENOTFOUND, "id", "there is no agreement %lld", (long long)id);
}

static const tr_step *find_step(const tr_step *v, size_t n, int64_t id) {
    for (size_t i = 0; i < n; i++)
        if (v[i].id == id) return &v[i];
    return NULL;
}

/* ---- adding steps ---- */

/* The checks that need the store: parties, provisions, dependencies on existing steps. */
static int step_refs(centre *c, const tr_agreement *a, const tr_step *v, size_t n, const tr_step *old,
                     size_t nold, tr_err *err) {
    char f[96];
    for (size_t i = 0; i < n; i++) {
        snprintf(f, sizeof f, "steps[%zu].responsible", i);
        if (centre__check_party(c, v[i].responsible, f, err)) return err->code;
        snprintf(f, sizeof f, "steps[%zu].provision", i);
        if (v[i].provision && (size_t)v[i].provision > a->nprovisions)
            return tr_fail(err, TR_EINVAL, f, "agreement %lld has no provision %d", (long long)a->id,
                           v[i].provision);
        snprintf(f, sizeof f, "steps[%zu].deadline", i);
        if (v[i].deadline != TR_TIME_OPEN && v[i].deadline < a->start)
            return tr_fail(err, TR_EINVAL, f, "is before the agreement starts");
        for (size_t j = 0; j < v[i].ndeps; j++) {
            snprintf(f, sizeof f, "steps[%zu].depends_on[%zu]", i, j);
            if (v[i].deps[j] > 0 && !find_step(old, nold, v[i].deps[j]))
                return tr_fail(err, TR_EINVAL, f, "agreement %lld has no step %lld", (long long)a->id,
                               (long long)v[i].deps[j]);
        }
    }
    return TR_OK;
}

/* A separation step's area must be one its author may see (issue 20). */
static int separation_refs(centre *c, const tr_party *by, const tr_step *v, size_t n, tr_err *err) {
    char f[96];
    for (size_t i = 0; i < n; i++) {
        if (!v[i].separation_area) continue;
        tr_area a;
        snprintf(f, sizeof f, "steps[%zu].separation.area", i);
        int rc = centre__area_at(c, by, v[i].separation_area, v[i].deadline, f, &a, err);
        if (rc) return rc;
        tr_area_clear(&a);
    }
    return TR_OK;
}

static int steps_insert(centre *c, const tr_party *by, int64_t agreement_id, tr_step *v, size_t n,
                        const size_t *order, json_t *answers, tr_err *err) {
    int64_t now = tr_time_now();
    for (size_t k = 0; k < n; k++) {
        tr_step *s = &v[order[k]];
        for (size_t j = 0; j < s->ndeps; j++) /* in-request keys: now stored, so they have ids */
            if (s->deps[j] < 0) s->deps[j] = v[-s->deps[j] - 1].id;
        s->agreement_id = agreement_id;
        s->created_by = strdup(by->name);
        s->created_at = now;
        int rc = s->created_by ? store_step_insert(c->store, s, err)
                               : tr_fail(err, TR_ENOMEM, "", "out of memory");
        if (rc) return rc;
        json_t *obj = centre_object_step(s);
        char ref[CENTRE_REF_MAX];
        centre_ref(TR_KIND_STEP, s->id, ref);
        rc = obj ? centre__log(c, by->name, by->sig, TR_ENTRY(STEP_CREATE), ref, obj, obj, err)
                 : tr_fail(err, TR_ENOMEM, "", "out of memory");
        if (rc) {
            json_decref(obj);
            return rc;
        }
        json_array_set_new(answers, order[k], obj);
    }
    return TR_OK;
}

static int steps_add_tx(centre *c, const tr_party *by, int64_t agreement_id, tr_step *v, size_t n,
                        const size_t *order, json_t **out, tr_err *err) {
    tr_agreement a;
    int rc = visible_agreement(c, by, agreement_id, &a, err);
    if (rc) return rc;
    tr_step *old = NULL;
    size_t nold = 0;
    rc = tr_agreement_may_write(by, err);
    if (rc == TR_OK) rc = store_steps(c->store, agreement_id, &old, &nold, err);
    if (rc == TR_OK) rc = step_refs(c, &a, v, n, old, nold, err);
    if (rc == TR_OK) rc = separation_refs(c, by, v, n, err);
    tr_steps_free(old, nold);
    tr_agreement_clear(&a);
    if (rc) return rc;
    json_t *answers = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(answers, json_null());
    rc = steps_insert(c, by, agreement_id, v, n, order, answers, err);
    if (rc == TR_OK && out)
        *out = json_pack("{s:I, s:O}", "agreement_id", (json_int_t)agreement_id, "steps", answers);
    json_decref(answers);
    return rc;
}

int centre_steps_add(centre *c, const tr_party *by, int64_t agreement_id, const json_t *body, json_t **out,
                     tr_err *err) {
    tr_step *v;
    size_t n, *order;
    int rc = tr_steps_parse(body, &v, &n, &order, err);
    if (rc) return rc;
    centre_pending p = {0};
    if ((rc = store_begin(c->store, err)) == TR_OK)
        rc = centre__finish(c, &p, steps_add_tx(c, by, agreement_id, v, n, order, out, err), out, err);
    tr_steps_free(v, n);
    free(order);
    return rc;
}

/* ---- status changes ---- */

static bool is_agreement_party(const tr_agreement *a, const char *name) {
    for (size_t i = 0; i < a->nparties; i++)
        if (strcmp(a->parties[i], name) == 0) return true;
    return false;
}

static int may_change(const tr_party *by, const tr_agreement *a, const tr_step *s, tr_provision_status to,
                      tr_err *err) {
    if (tr_party_is_privileged(by) || strcmp(s->responsible, by->name) == 0) return TR_OK;
    if (to == PROV_DISPUTED && (by->role == ROLE_GUARANTOR || is_agreement_party(a, by->name))) return TR_OK;
    return tr_fail(
        err, TR_EFORBIDDEN, "status",
        "only the responsible party (%s), admin and monitor change this step; the agreement's parties and "
        "guarantors may dispute it",
        s->responsible);
}

/* The step's stored status now and when it last changed, from the agreement's events. */
static tr_provision_status last_change(const tr_step_event *ev, size_t n, int64_t step_id, int64_t *at) {
    tr_provision_status st = PROV_PENDING;
    *at = TR_TIME_MIN;
    for (size_t i = 0; i < n; i++)
        if (ev[i].step_id == step_id) {
            st = ev[i].status;
            *at = ev[i].at;
        }
    return st;
}

static int step_status_tx(centre *c, const tr_party *by, const tr_agreement *a, const tr_step *steps,
                          size_t nsteps, tr_step_event *e, json_t **out, tr_err *err) {
    const tr_step *s = find_step(steps, nsteps, e->step_id);
    if (!s) return tr_fail(err, TR_ENOTFOUND, "id", "there is no step %lld", (long long)e->step_id);
    int rc = may_change(by, a, s, e->status, err);
    tr_step_event *ev = NULL;
    size_t n = 0;
    if (rc == TR_OK) rc = store_step_events(c->store, a->id, &ev, &n, err);
    int64_t last_at;
    tr_provision_status from = rc ? PROV_PENDING : last_change(ev, n, s->id, &last_at);
    char b[TR_TIME_BUFSZ];
    if (rc == TR_OK && e->at < last_at)
        rc = tr_fail(err, TR_EINVAL, "at", "is before the step's last change (%s)",
                     tr_time_format(last_at, b));
    bool deps_done = true;
    for (size_t j = 0; rc == TR_OK && j < s->ndeps; j++)
        if (tr_step_stored_status(ev, n, s->deps[j], e->at) != PROV_DONE) deps_done = false;
    if (rc == TR_OK) rc = tr_step_transition(from, e->status, deps_done, err);
    tr_step_events_free(ev, n);
    if (rc) return rc;
    e->party = strdup(by->name);
    e->created_at = tr_time_now();
    if ((rc = store_step_event_insert(c->store, e, err))) return rc;
    json_t *obj = centre_object_step_event(e);
    char ref[CENTRE_REF_MAX];
    centre_ref_step_event(e->seq, ref);
    rc = obj ? centre__log(c, by->name, by->sig, TR_ENTRY(STEP_STATUS), ref, obj, obj, err)
             : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK && out) {
        json_object_set_new(
            obj, "step_status",
            json_string(tr_provision_status_name(tr_step_status(e->status, s->deadline, e->at))));
        *out = obj;
    } else {
        json_decref(obj);
    }
    return rc;
}

int centre_step_status(centre *c, const tr_party *by, int64_t step_id, const json_t *body, json_t **out,
                       tr_err *err) {
    tr_step_event e;
    int rc = tr_step_event_parse(body, tr_time_now(), &e, err);
    if (rc) return rc;
    e.step_id = step_id;
    centre_pending p = {0};
    if ((rc = store_begin(c->store, err)) == TR_OK) {
        int64_t ag = 0;
        tr_agreement a = {0};
        tr_step *steps = NULL;
        size_t n = 0;
        rc = store_step_agreement(c->store, step_id, &ag, err);
        if (rc == TR_OK && visible_agreement(c, by, ag, &a, NULL))
            rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no step %lld", (long long)step_id);
        if (rc == TR_OK) rc = store_steps(c->store, ag, &steps, &n, err);
        if (rc == TR_OK) rc = step_status_tx(c, by, &a, steps, n, &e, out, err);
        rc = centre__finish(c, &p, rc, out, err);
        tr_steps_free(steps, n);
        tr_agreement_clear(&a);
    }
    tr_step_event_clear(&e);
    return rc;
}
