/*
 * monitor_read.c — reading an incident from the monitoring engine (monitor_int.h): its
 * members and why each was attached, the representative report, casualty ranges,
 * class, grade and history, responses, verdicts, regroups and ambiguity.
 */
#include "engines/monitor_int.h"

/* ---- reading an incident ---- */

/* The decision that pinned x, or NULL. */
static const mon_regroup *pinned_by(const mon_engine *m, uint32_t x) {
    return m->group[x] >= 0 ? &m->regroups[m->groups[m->group[x]].decision] : NULL;
}

/* For a report a merge brought in from the other side: the time it joined. */
static bool merged_in(const mon_regroup *g, int64_t id) {
    if (g->split || g->nids == 0) return false;
    int64_t lo1 = g->ids[0], lo2 = g->nfirst < g->nids ? g->ids[g->nfirst] : INT64_MAX;
    bool first_continues = lo1 < lo2;
    bool in_first = bsearch(&id, g->ids, g->nfirst, sizeof id, mon__cmp_id) != NULL;
    return in_first != first_continues;
}

typedef struct best_link {
    mon_engine *m;
    iref inc;
    uint32_t partner;
    double dist;
    int64_t gap;
    mon_type_rule rule;
} best_link;

static int consider(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx) {
    best_link *b = ctx;
    if (!mon__ref_eq(mon__ref_of(m, y), b->inc)) return 0;
    const mrep *a = &m->reps[x], *c = &m->reps[y];
    double d = geo_distance_m(a->lon, a->lat, c->lon, c->lat);
    int64_t gap = a->t > c->t ? a->t - c->t : c->t - a->t;
    bool better = b->partner == NONE32 || d < b->dist || (d == b->dist && gap < b->gap) ||
                  (d == b->dist && gap == b->gap && c->id < m->reps[b->partner].id);
    if (better) {
        b->partner = y;
        b->dist = d;
        b->gap = gap;
        b->rule = rule;
    }
    return 0;
}

static void describe_gap(char *buf, size_t cap, int64_t s) {
    if (s < 3600)
        snprintf(buf, cap, "%lld min", (long long)(s / 60));
    else if (s < 2 * 86400)
        snprintf(buf, cap, "%lld h %02lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else
        snprintf(buf, cap, "%lld days %lld h", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

static void explain_member(mon_engine *m, iref inc, uint32_t x, size_t nmembers, mon_member *out) {
    out->report_id = m->reps[x].id;
    const mon_regroup *g = pinned_by(m, x);
    char when[TR_TIME_BUFSZ];
    if (g) {
        snprintf(out->why, sizeof out->why, "placed here by %s's %s on %s: %.120s", g->by,
                 g->split ? "split" : "merge", tr_time_format(g->at, when), g->why);
        return;
    }
    best_link b = {m, inc, NONE32, 0, 0, MON_TYPE_NONE};
    mon__for_each_related_all(m, x, consider, &b);
    if (b.partner == NONE32) {
        snprintf(out->why, sizeof out->why,
                 nmembers == 1 ? "the only report" : "no mon__related report in the incident");
        return;
    }
    const mrep *p = &m->reps[b.partner];
    char gap[48];
    describe_gap(gap, sizeof gap, b.gap);
    out->partner_id = p->id;
    out->distance_m = (int64_t)llround(b.dist);
    out->gap_s = b.gap;
    out->rule = b.rule;
    const mrep *a = &m->reps[x];
    snprintf(out->why, sizeof out->why,
             "mon__related to report %lld: %lld m apart (limit %lld m), %s apart (limit %lld h), %s",
             (long long)p->id, (long long)out->distance_m,
             (long long)llround(m->cfg.radius_m[a->gp - 1] + m->cfg.radius_m[p->gp - 1]), gap,
             (long long)((m->cfg.window_s[a->tp - 1] + m->cfg.window_s[p->tp - 1]) / 3600),
             mon_type_rule_name(b.rule));
}

static char *dup_or_null(const char *s) {
    return s ? strdup(s) : NULL;
}

void mon_incident_clear(mon_incident *inc) {
    free(inc->members);
    free(inc->region);
    free(inc->perpetrator);
    for (size_t i = 0; i < inc->nperpetrators; i++)
        free(inc->perpetrators[i]);
    free(inc->perpetrators);
    free(inc->cls_reason);
    for (size_t i = 0; i < inc->nhistory; i++) {
        free(inc->history[i].by);
        free(inc->history[i].why);
    }
    free(inc->history);
    for (size_t i = 0; i < inc->nresponses; i++) {
        free(inc->responses[i].party);
        free(inc->responses[i].text);
    }
    free(inc->responses);
    for (size_t i = 0; i < inc->nverdicts; i++) {
        free(inc->verdicts[i].monitor);
        free(inc->verdicts[i].reason);
    }
    free(inc->verdicts);
    for (size_t i = 0; i < inc->nregroups; i++)
        mon__regroup_free(&inc->regroups[i]);
    free(inc->regroups);
    free(inc->ambiguous_with);
    memset(inc, 0, sizeof *inc);
}

typedef struct tally {
    uint32_t name;
    const char *text;
    size_t count;
} tally;

static int cmp_tally(const void *x, const void *y) {
    const tally *a = x, *b = y;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    return strcmp(a->text, b->text);
}

/* Representative (invariant-free choice): best precision sum, then time precision, then
 * earliest occurred_at, then lowest id. */
static bool better_rep(const mrep *a, const mrep *b) {
    int sa = a->tp + a->gp, sb = b->tp + b->gp;
    if (sa != sb) return sa < sb;
    if (a->tp != b->tp) return a->tp < b->tp;
    if (a->t != b->t) return a->t < b->t;
    return a->id < b->id;
}

static void widen(tr_range *r, int32_t lo, int32_t hi) {
    if (lo < 0) return;
    if (!r->known || lo < r->min) r->min = lo;
    if (!r->known || hi > r->max) r->max = hi;
    r->known = true;
}

/* Summary fields: representative, class, perpetrators, casualties, received times. */
static int summarize(mon_engine *m, const uvec *mem, mon_incident *out) {
    const mrep *rep = NULL, *cls_rep = NULL;
    tally *t = calloc(mem->n, sizeof *t);
    if (!t) return TR_ENOMEM;
    size_t nt = 0;
    out->first_received_at = INT64_MAX;
    out->last_received_at = INT64_MIN;
    out->cls = MON_NOT_COVERED;
    for (size_t i = 0; i < mem->n; i++) {
        const mrep *r = &m->reps[mem->v[i]];
        if (!rep || better_rep(r, rep)) rep = r;
        /* violation beats undetermined beats not_covered; ties: lowest id */
        static const int rank[MON_CLASS_COUNT] = {
            [MON_VIOLATION] = 0, [MON_UNDETERMINED] = 1, [MON_NOT_COVERED] = 2};
        if (!cls_rep || rank[r->cls] < rank[cls_rep->cls] || (r->cls == cls_rep->cls && r->id < cls_rep->id))
            cls_rep = r;
        widen(&out->fatalities, r->fmin, r->fmax);
        widen(&out->injured, r->imin, r->imax);
        if (r->received < out->first_received_at) out->first_received_at = r->received;
        if (r->received > out->last_received_at) out->last_received_at = r->received;
        if (!r->perp) continue;
        size_t k = 0;
        while (k < nt && t[k].name != r->perp)
            k++;
        if (k == nt) t[nt++] = (tally){r->perp, istr(&m->names, r->perp), 0};
        t[k].count++;
    }
    if (nt > 1) qsort(t, nt, sizeof *t, cmp_tally);
    int rc = TR_OK;
    out->perpetrators = calloc(nt ? nt : 1, sizeof *out->perpetrators);
    if (!out->perpetrators) rc = TR_ENOMEM;
    for (size_t i = 0; rc == TR_OK && i < nt; i++)
        if (!(out->perpetrators[out->nperpetrators++] = strdup(istr(&m->names, t[i].name)))) rc = TR_ENOMEM;
    free(t);
    if (rc != TR_OK) return rc;
    if (nt && !(out->perpetrator = strdup(out->perpetrators[0]))) return TR_ENOMEM;
    out->representative = rep->id;
    out->occurred_at = rep->t;
    out->time_precision = rep->tp;
    out->geo_precision = rep->gp;
    out->lon = rep->lon;
    out->lat = rep->lat;
    out->event_type = (tr_event_type)rep->ev;
    out->sub_event_type = (tr_sub_event_type)rep->sub;
    if (rep->region && !(out->region = strdup(istr(&m->names, rep->region)))) return TR_ENOMEM;
    out->cls = (mon_class)cls_rep->cls;
    const char *why = istr(&m->names, cls_rep->reason);
    size_t n = (why ? strlen(why) : 0) + 48;
    if (!(out->cls_reason = malloc(n))) return TR_ENOMEM;
    snprintf(out->cls_reason, n, "report %lld: %s", (long long)cls_rep->id, why ? why : "not classified");
    return TR_OK;
}

static int cmp_response(const void *x, const void *y) {
    const mon_response *a = x, *b = y;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_verdict(const void *x, const void *y) {
    const mon_verdict *a = x, *b = y;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Copies the responses and verdicts anchored at the members. */
static int gather_acts(mon_engine *m, const uvec *mem, mon_incident *out) {
    for (size_t i = 0; i < mem->n; i++) {
        uint32_t k;
        for (bool ok = imap_get(&m->resp_head, mem->v[i], &k); ok && k != NONE32; k = m->resp_links[k].next) {
            const mon_response *p = &m->responses[k];
            mon_response *v = realloc(out->responses, (out->nresponses + 1) * sizeof *v);
            if (!v) return TR_ENOMEM;
            out->responses = v;
            v[out->nresponses] =
                (mon_response){p->seq, strdup(p->party), p->kind, dup_or_null(p->text), p->at};
            if (!v[out->nresponses++].party) return TR_ENOMEM;
        }
        for (bool ok = imap_get(&m->verd_head, mem->v[i], &k); ok && k != NONE32; k = m->verd_links[k].next) {
            const mon_verdict *p = &m->verdicts[k];
            mon_verdict *v = realloc(out->verdicts, (out->nverdicts + 1) * sizeof *v);
            if (!v) return TR_ENOMEM;
            out->verdicts = v;
            v[out->nverdicts] =
                (mon_verdict){p->seq, strdup(p->monitor), p->kind, dup_or_null(p->reason), p->at};
            if (!v[out->nverdicts++].monitor) return TR_ENOMEM;
        }
    }
    if (out->nresponses) qsort(out->responses, out->nresponses, sizeof *out->responses, cmp_response);
    if (out->nverdicts) qsort(out->verdicts, out->nverdicts, sizeof *out->verdicts, cmp_verdict);
    return TR_OK;
}

/* The mon__regroup records that name a member, in order. */
static int gather_regroups(mon_engine *m, const uvec *sorted_slots, mon_incident *out) {
    for (size_t i = 0; i < m->nregroups; i++) {
        const mon_regroup *g = &m->regroups[i];
        bool touches = false;
        for (size_t k = 0; !touches && k < g->nids; k++) {
            uint32_t x;
            touches = mon__slot_of(m, g->ids[k], &x) && uvec_has_sorted(sorted_slots, x);
        }
        if (!touches) continue;
        mon_regroup *v = realloc(out->regroups, (out->nregroups + 1) * sizeof *v);
        if (!v) return TR_ENOMEM;
        out->regroups = v;
        mon_regroup *c = &v[out->nregroups++];
        *c = *g;
        c->by = strdup(g->by);
        c->why = strdup(g->why);
        c->ids = malloc(g->nids * sizeof *c->ids);
        if (!c->by || !c->why || !c->ids) return TR_ENOMEM;
        memcpy(c->ids, g->ids, g->nids * sizeof *c->ids);
    }
    return TR_OK;
}

static int grade_of(mon_engine *m, const uvec *mem, mon_incident *out) {
    mon_grade_report *gr = calloc(mem->n ? mem->n : 1, sizeof *gr);
    char **notes = calloc(mem->n ? mem->n : 1, sizeof *notes);
    int rc = gr && notes ? TR_OK : TR_ENOMEM;
    for (size_t i = 0; rc == TR_OK && i < mem->n; i++) {
        const mrep *r = &m->reps[mem->v[i]];
        gr[i] = (mon_grade_report){r->id,
                                   r->received,
                                   istr(&m->names, r->party),
                                   NULL,
                                   istr(&m->names, r->srckey),
                                   istr(&m->names, r->perp)};
        const mon_regroup *g = pinned_by(m, mem->v[i]);
        if (g && merged_in(g, r->id) && g->at > r->received) {
            size_t n = strlen(g->by) + strlen(g->why) + 48;
            if (!(notes[i] = malloc(n)))
                rc = TR_ENOMEM;
            else
                snprintf(notes[i], n, "merged in by %s: %s", g->by, g->why);
            gr[i].joined_at = g->at;
            gr[i].joined_by = g->by;
            gr[i].join_note = notes[i];
        }
    }
    mon_grade_result res;
    if (rc == TR_OK)
        rc = mon_grade_compute(gr, mem->n, out->responses, out->nresponses, out->verdicts, out->nverdicts,
                               TR_TIME_OPEN, &res);
    if (rc == TR_OK) {
        out->grade = res.grade;
        memcpy(out->grade_reason, res.reason, sizeof out->grade_reason);
        out->history = res.history;
        out->nhistory = res.nhistory;
    }
    for (size_t i = 0; notes && i < mem->n; i++)
        free(notes[i]);
    free(notes);
    free(gr);
    return rc;
}

/* The incidents a component stands apart from because it matches more than one. */
static int ambiguity(mon_engine *m, uint32_t root, mon_incident *out) {
    iref targets[64];
    size_t n;
    if (mon__is_coarse(m, root)) {
        n = mon__coarse_targets(m, root, targets, 64);
        if (n > 64) n = 64;
    } else {
        adjset *a = mon__set_of(m, m->adjslot, root);
        n = a ? (a->n < 64 ? a->n : 64) : 0;
        for (size_t i = 0; i < n; i++)
            targets[i] = (iref){true, a->g[i]};
    }
    if (n < 2) return TR_OK;
    if (!(out->ambiguous_with = malloc(n * sizeof *out->ambiguous_with))) return TR_ENOMEM;
    for (size_t i = 0; i < n; i++)
        out->ambiguous_with[out->nambiguous++] = mon__ref_id(m, targets[i]);
    qsort(out->ambiguous_with, out->nambiguous, sizeof *out->ambiguous_with, mon__cmp_id);
    return TR_OK;
}

static int build(mon_engine *m, uint32_t x, bool links, mon_incident *out) {
    iref inc = mon__ref_of(m, x);
    uvec mem = {0}, slots = {0};
    int rc = mon__members_of(m, inc, &mem);
    if (rc != TR_OK) return rc;
    if (mon__sort_slots(m, mem.v, mem.n)) {
        free(mem.v);
        return TR_ENOMEM;
    }
    out->id = mon__ref_id(m, inc);
    out->members = calloc(mem.n, sizeof *out->members);
    rc = out->members ? TR_OK : TR_ENOMEM;
    for (size_t i = 0; rc == TR_OK && i < mem.n; i++) {
        const mrep *r = &m->reps[mem.v[i]];
        out->members[i].report_id = r->id;
        out->members[i].occurred_at = r->t;
        out->members[i].received_at = r->received;
        if (links) explain_member(m, inc, mem.v[i], mem.n, &out->members[i]);
    }
    out->nmembers = mem.n;
    if (rc == TR_OK) rc = summarize(m, &mem, out);
    if (rc == TR_OK) rc = gather_acts(m, &mem, out);
    if (rc == TR_OK) rc = grade_of(m, &mem, out);
    if (rc == TR_OK && m->nregroups) {
        for (size_t i = 0; rc == TR_OK && i < mem.n; i++)
            rc = uvec_push(&slots, mem.v[i]);
        uvec_sort_unique(&slots);
        if (rc == TR_OK) rc = gather_regroups(m, &slots, out);
    }
    if (rc == TR_OK && !inc.group) rc = ambiguity(m, inc.key, out);
    free(mem.v);
    free(slots.v);
    return rc;
}

int mon_engine_incident(mon_engine *m, int64_t id, bool links, mon_incident *out, tr_err *err) {
    uint32_t x;
    memset(out, 0, sizeof *out);
    if (!mon__slot_of(m, id, &x))
        return tr_fail(err, TR_ENOTFOUND, "id", "no incident holds report %lld", (long long)id);
    int rc = build(m, x, links, out);
    if (rc != TR_OK) {
        mon_incident_clear(out);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    return TR_OK;
}
