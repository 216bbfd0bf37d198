/* centre_steps_bulletin.c — the bulletin's "Agreement steps" section (issue 6,
 * docs/humanitarian.md "The bulletin"): steps of public agreements that fall due in the
 * bulletin's window, that are overdue at its end, or that were done within it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_humanitarian.h"

/* The agreement id's name into name (cap bytes) and *pub whether the public may see it
 * (false when there is none); a storage failure is returned. */
static int public_name(centre *c, int64_t id, char *name, size_t cap, bool *pub, tr_err *err) {
    tr_agreement a;
    int rc = store_agreement_get(c->store, id, &a, err);
    *pub = false;
    if (rc) return rc == TR_ENOTFOUND ? TR_OK : rc;
    *pub = centre_agreement_visible(&a, &centre_public);
    snprintf(name, cap, "%s", a.name);
    tr_agreement_clear(&a);
    return TR_OK;
}

/* When the step was last made done at or before t (0 if it is not done at t). */
static int64_t done_at(const tr_step_event *ev, size_t n, int64_t step_id, int64_t t) {
    int64_t at = 0;
    for (size_t i = 0; i < n; i++)
        if (ev[i].step_id == step_id && ev[i].at <= t) at = ev[i].status == PROV_DONE ? ev[i].at : 0;
    return at;
}

/* due first, then late, then done */
static int rank(const char *what) {
    return strcmp(what, "due") == 0 ? 0 : strcmp(what, "late") == 0 ? 1 : 2;
}

static int cmp_step(const void *x, const void *y) {
    const mon_bulletin_step *a = x, *b = y;
    if (rank(a->what) != rank(b->what)) return rank(a->what) - rank(b->what);
    if (a->deadline != b->deadline) return a->deadline < b->deadline ? -1 : 1;
    return (a->step_id > b->step_id) - (a->step_id < b->step_id);
}

/* What the bulletin of [start, end) says of step s: "due", "late", "done" or NULL. */
static const char *classify(const tr_step *s, const tr_step_event *ev, size_t n, int64_t start, int64_t end,
                            int64_t *at) {
    *at = done_at(ev, n, s->id, end - 1);
    if (*at) return *at >= start ? "done" : NULL;
    if (s->deadline >= start && s->deadline < end) return "due";
    tr_provision_status st = tr_step_stored_status(ev, n, s->id, end - 1);
    if (s->deadline < start && (st == PROV_PENDING || st == PROV_IN_PROGRESS)) return "late";
    return NULL;
}

int centre__bulletin_steps(centre *c, mon_bulletin *b, tr_err *err) {
    tr_step *steps = NULL;
    tr_step_event *ev = NULL;
    size_t ns = 0, ne = 0;
    int rc = store_steps(c->store, 0, &steps, &ns, err);
    if (rc == TR_OK) rc = store_step_events(c->store, 0, &ev, &ne, err);
    if (rc == TR_OK && ns && !(b->steps = calloc(ns, sizeof *b->steps)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    int64_t last_ag = 0;
    bool pub = false;
    char name[201] = "";
    for (size_t i = 0; rc == TR_OK && i < ns; i++) {
        const tr_step *s = &steps[i];
        int64_t at;
        const char *what = classify(s, ev, ne, b->start, b->end, &at);
        if (!what) continue;
        if (s->agreement_id != last_ag) {
            if ((rc = public_name(c, s->agreement_id, name, sizeof name, &pub, err))) break;
            last_ag = s->agreement_id;
        }
        if (!pub) continue; /* the bulletin is for everyone: only public agreements */
        mon_bulletin_step *x = &b->steps[b->nsteps++];
        snprintf(x->what, sizeof x->what, "%s", what);
        x->step_id = s->id;
        snprintf(x->agreement, sizeof x->agreement, "%s", name);
        snprintf(x->title, sizeof x->title, "%s", s->title);
        snprintf(x->responsible, sizeof x->responsible, "%s", s->responsible);
        x->deadline = s->deadline;
        x->at = at;
    }
    if (rc == TR_OK && b->nsteps) qsort(b->steps, b->nsteps, sizeof *b->steps, cmp_step);
    tr_steps_free(steps, ns);
    tr_step_events_free(ev, ne);
    return rc;
}
