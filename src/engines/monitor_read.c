/*
 * monitor_read.c — reading an incident from the monitoring engine (monitor_int.h): its
 * members and why each was attached, the representative report, casualty ranges,
 * class, grade and history, responses, verdicts, regroups and ambiguity.
 */
#include "base/mem.h"
#include "engines/monitor_int.h"

/* ---- why a report is in the incident ---- */

#define PARTNER_TRIES 256 /* members tried in id order before searching the grid */

typedef struct lowest_link {
    iref inc;
    uint32_t partner;
    mon_type_rule rule;
} lowest_link;

/* Keeps the lowest-id related report that is in the incident. */
static int consider(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx) {
    lowest_link *b = ctx;
    (void)x;
    if (!mon__ref_eq(mon__ref_of(m, y), b->inc)) return 0;
    if (b->partner == NONE32 || m->reps[y].id < m->reps[b->partner].id) {
        b->partner = y;
        b->rule = rule;
    }
    return 0;
}

/* The lowest-id member related to x: the members in id order first (in a dense incident
 * the first ones relate), then, if PARTNER_TRIES of them did not, the grid around x. */
static lowest_link partner_of(mon_engine *m, const isum *s, iref inc, uint32_t x) {
    lowest_link b = {inc, NONE32, MON_TYPE_NONE};
    const mrep *a = &m->reps[x];
    size_t tries = 0;
    for (size_t i = 0; i < s->members.n && tries < PARTNER_TRIES; i++) {
        uint32_t y = s->members.v[i];
        if (y == x) continue;
        tries++;
        mon_type_rule rule = mon__related(m, a, &m->reps[y]);
        if (rule != MON_TYPE_NONE) return (lowest_link){inc, y, rule};
    }
    if (tries == PARTNER_TRIES) mon__for_each_related_all(m, x, consider, &b);
    return b;
}

static void describe_gap(char *buf, size_t cap, int64_t s) {
    if (s < 3600)
        snprintf(buf, cap, "%lld min", (long long)(s / 60));
    else if (s < 2 * 86400)
        snprintf(buf, cap, "%lld h %02lld min", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else
        snprintf(buf, cap, "%lld days %lld h", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

static void explain_member(mon_engine *m, const isum *s, iref inc, uint32_t x, mon_member *out) {
    const mon_regroup *g = mon__pinned_by(m, x);
    char when[TR_TIME_BUFSZ];
    if (g) {
        snprintf(out->why, sizeof out->why, "placed here by %s's %s on %s: %.120s", g->by,
                 g->split ? "split" : "merge", tr_time_format(g->at, when), g->why);
        return;
    }
    lowest_link b = partner_of(m, s, inc, x);
    if (b.partner == NONE32) {
        snprintf(out->why, sizeof out->why,
                 s->members.n == 1 ? "the only report" : "no related report in the incident");
        return;
    }
    const mrep *a = &m->reps[x], *p = &m->reps[b.partner];
    char gap[48];
    out->partner_id = p->id;
    out->distance_m = (int64_t)llround(geo_distance_m(a->lon, a->lat, p->lon, p->lat));
    out->gap_s = a->t > p->t ? a->t - p->t : p->t - a->t;
    out->rule = b.rule;
    describe_gap(gap, sizeof gap, out->gap_s);
    snprintf(out->why, sizeof out->why,
             "related to report %lld: %lld m apart (limit %lld m), %s apart (limit %lld h), %s",
             (long long)p->id, (long long)out->distance_m,
             (long long)llround(m->cfg.radius_m[a->gp - 1] + m->cfg.radius_m[p->gp - 1]), gap,
             (long long)((m->cfg.window_s[a->tp - 1] + m->cfg.window_s[p->tp - 1]) / 3600),
             mon_type_rule_name(b.rule));
}

/* ---- reading an incident ---- */

static char *dup_or_null(const char *s) {
    return s ? strdup(s) : NULL;
}

void mon_incident_clear(mon_incident *inc) {
    TR_FREE(inc->members, inc->targets, inc->region, inc->perpetrator);
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
    const char *text;
    size_t count;
} tally;

static int cmp_tally(const void *x, const void *y) {
    const tally *a = x, *b = y;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    return strcmp(a->text, b->text);
}

/* Perpetrators named, by count then name; the most named is the incident's. */
static int perpetrators(mon_engine *m, const isum *s, mon_incident *out) {
    size_t nt = s->nperps;
    tally *t = calloc(nt ? nt : 1, sizeof *t);
    out->perpetrators = calloc(nt ? nt : 1, sizeof *out->perpetrators);
    int rc = t && out->perpetrators ? TR_OK : TR_ENOMEM;
    for (size_t i = 0; rc == TR_OK && i < nt; i++)
        t[i] = (tally){istr(&m->names, s->perps[i].name), s->perps[i].count};
    if (rc == TR_OK && nt > 1) qsort(t, nt, sizeof *t, cmp_tally);
    for (size_t i = 0; rc == TR_OK && i < nt; i++)
        if (!(out->perpetrators[out->nperpetrators++] = strdup(t[i].text))) rc = TR_ENOMEM;
    free(t);
    if (rc == TR_OK && nt && !(out->perpetrator = strdup(out->perpetrators[0]))) rc = TR_ENOMEM;
    return rc;
}

/* Summary fields: representative, class, perpetrators, casualties, received times, sources. */
static int summarize(mon_engine *m, const isum *s, mon_incident *out) {
    const mrep *rep = &m->reps[s->rep], *cls_rep = &m->reps[s->clsrep];
    out->nreports = s->members.n;
    out->fatalities = s->fatalities;
    out->injured = s->injured;
    out->first_received_at = s->first_received;
    out->last_received_at = s->last_received;
    out->nsources = mon_grader_sources(s->grader);
    for (int k = 0; k < SRC_COUNT; k++)
        out->by_source_kind[k] = s->by_kind[k];
    if (s->ntargets) {
        if (!(out->targets = malloc(s->ntargets * sizeof *out->targets))) return TR_ENOMEM;
        memcpy(out->targets, s->targets, s->ntargets * sizeof *s->targets);
        out->ntargets = s->ntargets;
    }
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
    return perpetrators(m, s, out);
}

/* Copies the responses and verdicts and the grade with its history. */
static int acts_and_grade(mon_engine *m, const isum *s, mon_incident *out) {
    out->responses = calloc(s->resp.n ? s->resp.n : 1, sizeof *out->responses);
    out->verdicts = calloc(s->verd.n ? s->verd.n : 1, sizeof *out->verdicts);
    if (!out->responses || !out->verdicts) return TR_ENOMEM;
    for (size_t i = 0; i < s->resp.n; i++) {
        const mon_response *p = &m->responses[s->resp.v[i]];
        out->responses[i] = (mon_response){p->seq, strdup(p->party), p->kind, dup_or_null(p->text), p->at};
        if (!out->responses[out->nresponses++].party) return TR_ENOMEM;
    }
    for (size_t i = 0; i < s->verd.n; i++) {
        const mon_verdict *p = &m->verdicts[s->verd.v[i]];
        out->verdicts[i] = (mon_verdict){p->seq, strdup(p->monitor), p->kind, dup_or_null(p->reason), p->at};
        if (!out->verdicts[out->nverdicts++].monitor) return TR_ENOMEM;
    }
    mon_grade_result res;
    if (mon_grader_copy_result(s->grader, &res)) return TR_ENOMEM;
    out->grade = res.grade;
    memcpy(out->grade_reason, res.reason, sizeof out->grade_reason);
    out->history = res.history;
    out->nhistory = res.nhistory;
    return TR_OK;
}

/* Whether report id is a member (s->members is by id). */
static bool has_member(const mon_engine *m, const isum *s, int64_t id) {
    size_t lo = 0, hi = s->members.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t v = m->reps[s->members.v[mid]].id;
        if (v == id) return true;
        if (v < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The regroup records that name a member, in order. */
static int gather_regroups(mon_engine *m, const isum *s, mon_incident *out) {
    for (size_t i = 0; i < m->nregroups; i++) {
        const mon_regroup *g = &m->regroups[i];
        bool touches = false;
        for (size_t k = 0; !touches && k < g->nids; k++)
            touches = has_member(m, s, g->ids[k]);
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

/* The page of members: ids above after, at most limit. */
static int page(mon_engine *m, const isum *s, iref inc, bool links, int64_t after, size_t limit,
                mon_incident *out) {
    size_t lo = 0, hi = s->members.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->reps[s->members.v[mid]].id <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = s->members.n - lo < limit ? s->members.n - lo : limit;
    out->members = calloc(n ? n : 1, sizeof *out->members);
    if (!out->members) return TR_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = s->members.v[lo + i];
        const mrep *r = &m->reps[x];
        out->members[i].report_id = r->id;
        out->members[i].occurred_at = r->t;
        out->members[i].received_at = r->received;
        if (links) explain_member(m, s, inc, x, &out->members[i]);
    }
    out->nmembers = n;
    out->next_after = n && lo + n < s->members.n ? out->members[n - 1].report_id : 0;
    return TR_OK;
}

static int build(mon_engine *m, uint32_t x, bool links, int64_t after, size_t limit, mon_incident *out) {
    iref inc = mon__ref_of(m, x);
    int rc;
    isum *s = mon__sum_get(m, inc, &rc);
    if (!s) return rc;
    out->id = mon__ref_id(m, inc);
    rc = summarize(m, s, out);
    if (rc == TR_OK) rc = page(m, s, inc, links, after, limit, out);
    if (rc == TR_OK) rc = acts_and_grade(m, s, out);
    if (rc == TR_OK && m->nregroups) rc = gather_regroups(m, s, out);
    if (rc == TR_OK && !inc.group) rc = ambiguity(m, inc.key, out);
    mon__sum_done(s);
    return rc;
}

int mon_engine_incident_page(mon_engine *m, int64_t id, bool links, int64_t after, size_t limit,
                             mon_incident *out, tr_err *err) {
    uint32_t x;
    memset(out, 0, sizeof *out);
    if (!mon__slot_of(m, id, &x))
        return tr_fail(err, TR_ENOTFOUND, "id", "no incident holds report %lld", (long long)id);
    int rc = build(m, x, links, after, limit, out);
    if (rc != TR_OK) {
        mon_incident_clear(out);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    return TR_OK;
}

int mon_engine_incident(mon_engine *m, int64_t id, bool links, mon_incident *out, tr_err *err) {
    return mon_engine_incident_page(m, id, links, 0, SIZE_MAX, out, err);
}
