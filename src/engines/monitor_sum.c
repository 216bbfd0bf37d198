/*
 * monitor_sum.c — incident summaries (monitor_int.h, isum): what reading an incident needs
 * that would otherwise take a pass over all its reports — its members in report-id order,
 * the representative report, class, casualty ranges, perpetrators, sources, targets, the
 * responses and verdicts, and the grade with its history (a mon_grader).
 *
 * A summary is built from the incident's members (O(n log n)) and kept for incidents of
 * MON_SUM_KEEP reports or more, keyed by the incident's key (its component root or its group).
 * A kept summary is brought up to date in O(log n) when a report merely joins the incident
 * (mon_engine_add tells, invariant 7 in monitor.c) or a response or verdict arrives in
 * replay order; any other change to an incident forgets its summary (mon__sum_forget), and
 * a regroup forgets them all. Summaries are kept only for incidents keyed by a group or by a
 * precise component: whether an imprecise component stands apart can change without a
 * report of it being touched, so its summary could outlive its truth.
 */
#include "base/mem.h"
#include "engines/monitor_int.h"

#define SUM_TARGETS 32 /* objects remembered per incident */

/* ---- where a kept summary hangs ---- */

static bool keepable(const mon_engine *m, iref r) {
    return r.group || !mon__is_coarse(m, r.key);
}

static uint32_t *holder(mon_engine *m, iref r) {
    return r.group ? &m->groups[r.key].sum : &m->sumof[r.key];
}

static void sum_free(isum *s) {
    if (!s) return;
    TR_FREE(s->members.v, s->perps, s->resp.v, s->verd.v);
    mon_grader_free(s->grader);
    free(s);
}

void mon__sum_forget(mon_engine *m, iref r) {
    uint32_t *h = holder(m, r);
    if (*h == NONE32) return;
    sum_free(m->sums[*h]);
    m->sums[*h] = NULL;
    (void)uvec_push(&m->sumfree, *h); /* a lost index only wastes a pointer */
    *h = NONE32;
}

void mon__sum_forget_all(mon_engine *m) {
    for (size_t i = 0; i < m->nsums; i++) {
        isum *s = m->sums[i];
        if (!s) continue;
        *holder(m, s->key) = NONE32;
        sum_free(s);
        m->sums[i] = NULL;
    }
    m->nsums = 0;
    m->sumfree.n = 0;
}

void mon_engine_drop_summaries(mon_engine *m) {
    mon__sum_forget_all(m);
}

void mon__sum_free_all(mon_engine *m) {
    mon__sum_forget_all(m);
    free(m->sums);
    free(m->sumfree.v);
}

/* ---- taking a report into the aggregates ---- */

/* Representative: best precision sum, then time precision, then earliest occurred_at, then
 * lowest id. */
static bool better_rep(const mrep *a, const mrep *b) {
    int sa = a->tp + a->gp, sb = b->tp + b->gp;
    if (sa != sb) return sa < sb;
    if (a->tp != b->tp) return a->tp < b->tp;
    if (a->t != b->t) return a->t < b->t;
    return a->id < b->id;
}

/* Violation beats undetermined beats not_covered; ties: lowest id. */
static bool better_cls(const mrep *a, const mrep *b) {
    static const int rank[MON_CLASS_COUNT] = {
        [MON_VIOLATION] = 0, [MON_UNDETERMINED] = 1, [MON_NOT_COVERED] = 2};
    return rank[a->cls] != rank[b->cls] ? rank[a->cls] < rank[b->cls] : a->id < b->id;
}

static void widen(tr_range *r, int32_t lo, int32_t hi) {
    if (lo < 0) return;
    if (!r->known || lo < r->min) r->min = lo;
    if (!r->known || hi > r->max) r->max = hi;
    r->known = true;
}

static int count_perp(isum *s, uint32_t name) {
    for (size_t i = 0; i < s->nperps; i++)
        if (s->perps[i].name == name) {
            s->perps[i].count++;
            return TR_OK;
        }
    if (grow(&s->perps, &s->capperps, s->nperps + 1, sizeof *s->perps)) return TR_ENOMEM;
    s->perps[s->nperps++] = (perp_tally){name, 1};
    return TR_OK;
}

static void note_target(isum *s, int64_t target) {
    if (!target || s->ntargets == SUM_TARGETS) return;
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i] == target) return;
    s->targets[s->ntargets++] = target;
}

/* Everything but the member list and the grade. */
static int take(const mon_engine *m, isum *s, uint32_t x) {
    const mrep *r = &m->reps[x];
    if (s->rep == NONE32 || better_rep(r, &m->reps[s->rep])) s->rep = x;
    if (s->clsrep == NONE32 || better_cls(r, &m->reps[s->clsrep])) s->clsrep = x;
    widen(&s->fatalities, r->fmin, r->fmax);
    widen(&s->injured, r->imin, r->imax);
    if (r->received < s->first_received) s->first_received = r->received;
    if (r->received > s->last_received) s->last_received = r->received;
    if (r->id < s->id_all) s->id_all = r->id;
    if ((m->group[x] >= 0 || !mon__is_coarse(m, x)) && r->id < s->id_firm) s->id_firm = r->id;
    if (r->skind < SRC_COUNT) s->by_kind[r->skind]++;
    note_target(s, r->target);
    return r->perp ? count_perp(s, r->perp) : TR_OK;
}

/* ---- the grade's events ---- */

/* The decision that pinned x, or NULL. */
const mon_regroup *mon__pinned_by(const mon_engine *m, uint32_t x) {
    return m->group[x] >= 0 ? &m->regroups[m->groups[m->group[x]].decision] : NULL;
}

/* For a report a merge brought in from the other side: whether it joined then. */
static bool merged_in(const mon_regroup *g, int64_t id) {
    if (g->split || g->nids == 0) return false;
    int64_t lo1 = g->ids[0], lo2 = g->nfirst < g->nids ? g->ids[g->nfirst] : INT64_MAX;
    bool first_continues = lo1 < lo2;
    bool in_first = bsearch(&id, g->ids, g->nfirst, sizeof id, mon__cmp_id) != NULL;
    return in_first != first_continues;
}

/* What grading reads of member x; note receives the join note (cap bytes). */
static mon_grade_report grade_report(const mon_engine *m, uint32_t x, char *note, size_t cap) {
    const mrep *r = &m->reps[x];
    mon_grade_report gr = {r->id,
                           r->received,
                           istr(&m->names, r->party),
                           NULL,
                           istr(&m->names, r->srckey),
                           istr(&m->names, r->perp)};
    const mon_regroup *g = mon__pinned_by(m, x);
    if (g && merged_in(g, r->id) && g->at > r->received) {
        snprintf(note, cap, "merged in by %s: %.200s", g->by, g->why);
        gr.joined_at = g->at;
        gr.joined_by = g->by;
        gr.join_note = note;
    }
    return gr;
}

typedef struct gevent {
    int64_t at, key;
    int order;      /* 0 report, 1 response, 2 verdict */
    uint32_t index; /* slot, or index into responses / verdicts */
} gevent;

static int cmp_gevent(const void *x, const void *y) {
    const gevent *a = x, *b = y;
    if (a->at != b->at) return a->at < b->at ? -1 : 1;
    if (a->order != b->order) return a->order < b->order ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
}

static int apply(const mon_engine *m, isum *s, const gevent *e) {
    char note[320];
    if (e->order == 0) {
        mon_grade_report gr = grade_report(m, e->index, note, sizeof note);
        return mon_grader_report(s->grader, &gr);
    }
    return e->order == 1 ? mon_grader_response(s->grader, &m->responses[e->index])
                         : mon_grader_verdict(s->grader, &m->verdicts[e->index]);
}

/* Collects the responses and verdicts anchored at the members, in seq order. */
static int gather_acts(mon_engine *m, isum *s) {
    for (size_t i = 0; i < s->members.n; i++) {
        uint32_t k, x = s->members.v[i];
        for (bool ok = imap_get(&m->resp_head, x, &k); ok && k != NONE32; k = m->resp_links[k].next)
            if (uvec_push(&s->resp, k)) return TR_ENOMEM;
        for (bool ok = imap_get(&m->verd_head, x, &k); ok && k != NONE32; k = m->verd_links[k].next)
            if (uvec_push(&s->verd, k)) return TR_ENOMEM;
    }
    uvec_sort_unique(&s->resp); /* indexes follow seq */
    uvec_sort_unique(&s->verd);
    return TR_OK;
}

/* Replays every event of the incident into a new grader. */
static int grade_all(mon_engine *m, isum *s) {
    size_t n = s->members.n + s->resp.n + s->verd.n;
    gevent *ev = malloc((n ? n : 1) * sizeof *ev);
    if (!ev || !(s->grader = mon_grader_new())) {
        free(ev);
        return TR_ENOMEM;
    }
    size_t k = 0;
    char note[320];
    for (size_t i = 0; i < s->members.n; i++) {
        mon_grade_report gr = grade_report(m, s->members.v[i], note, sizeof note);
        ev[k++] = (gevent){gr.joined_at, gr.id, 0, s->members.v[i]};
    }
    for (size_t i = 0; i < s->resp.n; i++)
        ev[k++] = (gevent){m->responses[s->resp.v[i]].at, m->responses[s->resp.v[i]].seq, 1, s->resp.v[i]};
    for (size_t i = 0; i < s->verd.n; i++)
        ev[k++] = (gevent){m->verdicts[s->verd.v[i]].at, m->verdicts[s->verd.v[i]].seq, 2, s->verd.v[i]};
    qsort(ev, k, sizeof *ev, cmp_gevent);
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < k; i++)
        rc = apply(m, s, &ev[i]);
    free(ev);
    return rc;
}

/* ---- building, reading, keeping ---- */

static isum *sum_new(iref key) {
    isum *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->key = key;
    s->rep = s->clsrep = NONE32;
    s->first_received = INT64_MAX;
    s->last_received = INT64_MIN;
    s->id_all = s->id_firm = INT64_MAX;
    return s;
}

static int build(mon_engine *m, iref r, isum **out) {
    isum *s = sum_new(r);
    int rc = s ? mon__members_of(m, r, &s->members) : TR_ENOMEM;
    if (rc == TR_OK) rc = mon__sort_slots(m, s->members.v, s->members.n);
    for (size_t i = 0; rc == TR_OK && i < s->members.n; i++)
        rc = take(m, s, s->members.v[i]);
    if (rc == TR_OK) rc = gather_acts(m, s);
    if (rc == TR_OK) rc = grade_all(m, s);
    if (rc != TR_OK) {
        sum_free(s);
        return TR_ENOMEM;
    }
    *out = s;
    return TR_OK;
}

/* Keeps s under its key (best effort: when out of memory it stays a one-read summary). */
static void keep(mon_engine *m, isum *s) {
    uint32_t i;
    if (m->sumfree.n) {
        i = m->sumfree.v[--m->sumfree.n];
    } else {
        if (grow(&m->sums, &m->capsums, m->nsums + 1, sizeof *m->sums)) return;
        i = (uint32_t)m->nsums++;
    }
    m->sums[i] = s;
    s->kept = true;
    *holder(m, s->key) = i;
}

isum *mon__sum_get(mon_engine *m, iref r, int *rc) {
    uint32_t h = *holder(m, r);
    *rc = TR_OK;
    if (h != NONE32) return m->sums[h];
    isum *s = NULL;
    if ((*rc = build(m, r, &s)) != TR_OK) return NULL;
    if (s->members.n >= MON_SUM_KEEP && keepable(m, r)) keep(m, s);
    return s;
}

void mon__sum_done(isum *s) {
    if (s && !s->kept) sum_free(s);
}

/* Inserts slot x in the members by report id (almost always last). */
static int insert_member(mon_engine *m, isum *s, uint32_t x) {
    if (uvec_push(&s->members, x)) return TR_ENOMEM;
    size_t i = s->members.n - 1;
    int64_t id = m->reps[x].id;
    while (i > 0 && m->reps[s->members.v[i - 1]].id > id) {
        s->members.v[i] = s->members.v[i - 1];
        i--;
    }
    s->members.v[i] = x;
    return TR_OK;
}

void mon__sum_joined(mon_engine *m, iref r, uint32_t x) {
    uint32_t h = *holder(m, r);
    if (h == NONE32) return;
    isum *s = m->sums[h];
    char note[320];
    mon_grade_report gr = grade_report(m, x, note, sizeof note);
    if (!mon_grader_in_order(s->grader, gr.joined_at, 0, gr.id) || insert_member(m, s, x) || take(m, s, x) ||
        mon_grader_report(s->grader, &gr))
        mon__sum_forget(m, r);
}

void mon__sum_act(mon_engine *m, uint32_t anchor, bool verdict, uint32_t index) {
    iref r = mon__ref_of(m, anchor);
    uint32_t h = *holder(m, r);
    if (h == NONE32) return;
    isum *s = m->sums[h];
    bool ok;
    if (verdict) {
        const mon_verdict *v = &m->verdicts[index];
        ok = mon_grader_in_order(s->grader, v->at, 2, v->seq) && !uvec_push(&s->verd, index) &&
             mon_grader_verdict(s->grader, v) == TR_OK;
    } else {
        const mon_response *p = &m->responses[index];
        ok = mon_grader_in_order(s->grader, p->at, 1, p->seq) && !uvec_push(&s->resp, index) &&
             mon_grader_response(s->grader, p) == TR_OK;
    }
    if (!ok) mon__sum_forget(m, r);
}

/* The incident id from a summary: the smallest among pinned and precise members, or among
 * all when every member is imprecise. */
int64_t mon__sum_id(const isum *s) {
    return s->id_firm != INT64_MAX ? s->id_firm : s->id_all;
}

/* A kept summary of r, or NULL. */
const isum *mon__sum_kept(const mon_engine *m, iref r) {
    uint32_t h = r.group ? m->groups[r.key].sum : m->sumof[r.key];
    return h == NONE32 ? NULL : m->sums[h];
}
