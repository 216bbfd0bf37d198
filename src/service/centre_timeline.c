/* centre_timeline.c — GET /v1/agreements/{id}/timeline: an agreement's steps as they
 * stood at a time, their history, and the implementation scores (docs/humanitarian.md,
 * "Scores"). Read-only: derived from the step and step_event rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_humanitarian.h"
#include "service/centre_int.h"
#include "service/centre_measures.h"

typedef struct timeline {
    const tr_agreement *a;
    const tr_step *steps;
    size_t nsteps;
    const tr_step_event *ev;
    size_t nev;
    int64_t at;
    tr_provision_status *stored; /* per step, at `at` */
    int sum, groups;             /* scores summed over the groups that have one */
} timeline;

static json_t *step_json(const timeline *t, size_t i) {
    const tr_step *s = &t->steps[i];
    json_t *o = tr_step_to_json(s);
    json_t *hist = json_array(), *blocked = json_array();
    for (size_t k = 0; k < t->nev; k++)
        if (t->ev[k].step_id == s->id && t->ev[k].at <= t->at) {
            json_t *e = tr_step_event_to_json(&t->ev[k]);
            json_object_del(e, "step_id");
            json_array_append_new(hist, e);
        }
    for (size_t j = 0; j < s->ndeps; j++)
        if (tr_step_stored_status(t->ev, t->nev, s->deps[j], t->at) != PROV_DONE)
            json_array_append_new(blocked, json_integer(s->deps[j]));
    json_object_set_new(
        o, "status", json_string(tr_provision_status_name(tr_step_status(t->stored[i], s->deadline, t->at))));
    json_object_set_new(o, "blocked_by", blocked);
    json_object_set_new(o, "history", hist);
    return o;
}

/* The score of the steps of provision seq (0: steps under no provision); -1 if none. */
static int group_score(const timeline *t, int seq, json_t *ids) {
    tr_provision_status *st = calloc(t->nsteps + 1, sizeof *st);
    size_t n = 0;
    for (size_t i = 0; st && i < t->nsteps; i++)
        if (t->steps[i].provision == seq) {
            st[n++] = t->stored[i];
            json_array_append_new(ids, json_integer(t->steps[i].id));
        }
    int score = st ? tr_step_score(st, n) : -1;
    free(st);
    return score;
}

/* A provision without steps is scored from its own recorded status. */
static int provision_own_score(tr_provision_status s) {
    return s == PROV_DONE ? 3 : s == PROV_IN_PROGRESS || s == PROV_DISPUTED ? 1 : 0;
}

static json_t *provisions_json(timeline *t) {
    json_t *list = json_array();
    for (size_t i = 0; i < t->a->nprovisions; i++) {
        const tr_provision *p = &t->a->provisions[i];
        json_t *ids = json_array();
        int score = group_score(t, p->seq, ids);
        const char *from = "steps";
        if (score < 0) {
            score = provision_own_score(p->status);
            from = "provision_status";
        }
        t->sum += score;
        t->groups++;
        json_array_append_new(list, json_pack("{s:i, s:s, s:o, s:o, s:s, s:o, s:i, s:s}", "seq", p->seq,
                                              "text", p->text, "responsible",
                                              p->responsible ? json_string(p->responsible) : json_null(),
                                              "deadline", tr_json_time_value(p->deadline), "status",
                                              tr_provision_status_name(p->status), "steps", ids, "score",
                                              score, "score_from", from));
    }
    return list;
}

typedef struct by_deadline {
    int64_t deadline, id;
    size_t i;
} by_deadline;

static int cmp_deadline(const void *x, const void *y) {
    const by_deadline *a = x, *b = y;
    if (a->deadline != b->deadline) return a->deadline < b->deadline ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static json_t *timeline_json(timeline *t) {
    json_t *counts = json_object();
    for (int k = 0; k < PROV_STATUS_COUNT; k++)
        json_object_set_new(counts, tr_provision_status_name((tr_provision_status)k), json_integer(0));
    by_deadline *idx = calloc(t->nsteps + 1, sizeof *idx);
    for (size_t i = 0; idx && i < t->nsteps; i++)
        idx[i] = (by_deadline){t->steps[i].deadline, t->steps[i].id, i};
    if (idx && t->nsteps) qsort(idx, t->nsteps, sizeof *idx, cmp_deadline);
    json_t *steps = json_array();
    for (size_t k = 0; idx && k < t->nsteps; k++) {
        json_t *s = step_json(t, idx[k].i);
        const char *st = json_string_value(json_object_get(s, "status"));
        json_object_set_new(counts, st, json_integer(json_integer_value(json_object_get(counts, st)) + 1));
        json_array_append_new(steps, s);
    }
    free(idx);
    json_t *prov = provisions_json(t);
    json_t *other_ids = json_array();
    int other = group_score(t, 0, other_ids);
    if (other >= 0) {
        t->sum += other;
        t->groups++;
    }
    json_t *o = json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:o}", "agreement_id",
                          (json_int_t)t->a->id, "name", t->a->name, "at", tr_json_time_value(t->at), "counts",
                          counts, "provisions", prov, "steps", steps, "other_steps", "steps", other_ids,
                          "score", other >= 0 ? json_integer(other) : json_null(), "score",
                          t->groups ? json_integer(t->sum / t->groups) : json_null());
    json_object_set_new(o, "percent",
                        t->groups ? json_integer((json_int_t)lround(100.0 * t->sum / (3.0 * t->groups)))
                                  : json_null());
    return o;
}

int centre_timeline(centre *c, const tr_party *viewer, int64_t agreement_id, int64_t at, json_t **out,
                    tr_err *err) {
    tr_agreement a;
    int rc = store_agreement_get(c->store, agreement_id, &a, err);
    if (rc == TR_ENOTFOUND)
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no agreement %lld", (long long)agreement_id);
    if (rc) return rc; /* a storage failure is not a missing agreement */
    timeline t = {.a = &a, .at = at};
    tr_step *steps = NULL;
    tr_step_event *ev = NULL;
    size_t ns = 0, ne = 0;
    if (!centre_agreement_visible(&a, viewer))
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no agreement %lld", (long long)agreement_id);
    if (rc == TR_OK) rc = store_steps(c->store, agreement_id, &steps, &ns, err);
    if (rc == TR_OK) rc = store_step_events(c->store, agreement_id, &ev, &ne, err);
    if (rc == TR_OK) {
        t.steps = steps;
        t.nsteps = ns;
        t.ev = ev;
        t.nev = ne;
        t.stored = calloc(ns + 1, sizeof *t.stored);
        if (!t.stored) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
        for (size_t i = 0; t.stored && i < ns; i++)
            t.stored[i] = tr_step_stored_status(ev, ne, steps[i].id, at);
    }
    if (rc == TR_OK) *out = timeline_json(&t);
    if (rc == TR_OK) rc = centre__timeline_separation(c, viewer, &a, at, *out, err); /* issue 20 */
    free(t.stored);
    tr_steps_free(steps, ns);
    tr_step_events_free(ev, ne);
    tr_agreement_clear(&a);
    return rc;
}
