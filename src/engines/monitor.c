/*
 * monitor.c — the monitoring engine: reports in memory, the space-time index, incidents
 * as connected components, manual regrouping, responses and verdicts, incident reads.
 * This file: life cycle, adding reports, lists and windows, responses and verdicts; the
 * rest is in monitor_index.c, monitor_regroup.c and monitor_read.c (monitor_int.h).
 *
 * Invariants (checked by tests/unit/test_monitor.c):
 *  1. reps[] only grows; a report's slot (its index) never changes. Report ids are unique.
 *  2. "Related" (mon_related) is symmetric and depends only on the two reports and the
 *     configuration. Every report is in one grid cell of its level L = max(time precision,
 *     geo precision); a report of level L has radius <= radius(L) and window <= window(L)
 *     (the tolerances widen with precision), so a query that covers radius(x) + radius(L)
 *     and window(x) + window(L) around x in each level's grid finds every related report.
 *     Imprecise levels are further split by (sub-event type, perpetrator), which any report
 *     related to an imprecise one shares (tag_of).
 *  3. group[x] >= 0 marks a report a monitor pinned; its label comes from the last
 *     regroup that named it. Unpinned reports form union-find sets (parent[], ring[] is a
 *     circular list of each set's members, minid[] its smallest report id at the root):
 *     the connected components of "related" restricted to unpinned reports. A pinned
 *     report is always a singleton set.
 *  4. adj(root) is the set of group labels of pinned reports related to a member of the
 *     component. One label: the component belongs to that group's incident (and is listed,
 *     perhaps among stale entries, in groups[g].attached). Two or more: its own incident,
 *     flagged ambiguous. None: its own incident.
 *  5. Hence incidents are a function of the set of reports and the ordered regroup list:
 *     union-find reaches the same components whatever the insertion order, and a regroup
 *     dissolves and rebuilds only the components it touches.
 */
#include "base/mem.h"
#include "engines/monitor_int.h"

mon_engine *mon_engine_new(const mon_config *cfg) {
    mon_config c;
    if (cfg)
        c = *cfg;
    else
        mon_config_default(&c);
    if (mon_config_check(&c, NULL) != TR_OK) return NULL;
    mon_engine *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->cfg = c;
    /* A cell spans the reach of a precise report's query into its level, so such a query
     * (the common case) touches about two cells per axis. */
    for (int i = 0; i < 3; i++) {
        m->cell_deg[i] = 2 * (c.radius_m[i] + c.radius_m[0]) / 111319.0;
        m->tbucket[i] = 2 * (c.window_s[i] + c.window_s[0]);
    }
    return m;
}

void mon__regroup_free(mon_regroup *g) {
    free(g->by);
    free(g->why);
    free(g->ids);
}

void mon_regroup_clear(mon_regroup *g) {
    mon__regroup_free(g);
    memset(g, 0, sizeof *g);
}

void mon_engine_free(mon_engine *m) {
    if (!m) return;
    TR_FREE(m->reps, m->parent, m->usize, m->ring, m->cellnext, m->minid, m->group, m->adjslot, m->matchslot,
            m->followslot, m->by_id.e);
    for (size_t i = 0; i < m->names.n; i++)
        free(m->names.strs[i]);
    TR_FREE(m->names.strs, m->names.table, m->cells, m->blocks, m->blockfree.v);
    mon__sum_free_all(m);
    free(m->sumof);
    free(m->occurred_days.e);
    free(m->received_days.e);
    for (size_t i = 0; i < m->ndays; i++)
        free(m->days[i].v);
    free(m->days);
    for (size_t i = 0; i < m->nadjs; i++)
        free(m->adjs[i].g);
    free(m->adjs);
    free(m->adjfree.v);
    for (size_t i = 0; i < m->ngroups; i++) {
        free(m->groups[i].members.v);
        free(m->groups[i].attached.v);
    }
    free(m->groups);
    free(m->pending.e);
    for (size_t i = 0; i < m->nresponses; i++) {
        free(m->responses[i].party);
        free(m->responses[i].text);
    }
    free(m->responses);
    free(m->resp_links);
    free(m->resp_head.e);
    for (size_t i = 0; i < m->nverdicts; i++) {
        free(m->verdicts[i].monitor);
        free(m->verdicts[i].reason);
    }
    free(m->verdicts);
    free(m->verd_links);
    free(m->verd_head.e);
    for (size_t i = 0; i < m->nregroups; i++)
        mon__regroup_free(&m->regroups[i]);
    free(m->regroups);
    free(m->by_id_sorted);
    attr_result_clear(&m->scratch);
    free(m);
}

const mon_config *mon_engine_config(const mon_engine *m) {
    return &m->cfg;
}

size_t mon_engine_report_count(const mon_engine *m) {
    return m->n;
}

void mon_engine_stats(const mon_engine *m, mon_stats *out) {
    *out = m->stats;
    out->grid_cells = m->ncells;
}

/* ---- adding reports ---- */

static int reserve_slot(mon_engine *m) {
    size_t need = m->n + 1;
    if (need >= NONE32) return -1;
    if (need <= m->cap) return 0;
    size_t cap = m->cap ? m->cap * 2 : 1024;
    size_t c;
#define GROW(arr) (c = m->cap, grow(&m->arr, &c, cap, sizeof *m->arr))
    if (GROW(reps) || GROW(parent) || GROW(usize) || GROW(ring) || GROW(cellnext) || GROW(minid) ||
        GROW(group) || GROW(adjslot) || GROW(matchslot) || GROW(followslot) || GROW(by_id_sorted) ||
        GROW(sumof))
        return -1;
#undef GROW
    m->cap = cap;
    return 0;
}

/* Adds slot x to the per-day list of day in map (room reserved). */
static int day_push(mon_engine *m, imap *map, int64_t t, uint32_t x) {
    int64_t day = mon__floor_div(t, 86400);
    uint32_t d;
    if (!imap_get(map, day, &d)) {
        if (imap_reserve(map, 1) || grow(&m->days, &m->capdays, m->ndays + 1, sizeof *m->days)) return -1;
        d = (uint32_t)m->ndays++;
        memset(&m->days[d], 0, sizeof m->days[d]);
        imap_set(map, day, d);
    }
    return uvec_push(&m->days[d], x);
}

static int32_t clamp_count(const tr_range *r, bool max) {
    if (!r->known) return -1;
    int64_t v = max ? r->max : r->min;
    return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

/* The incidents a new report touched, as they were when it met them (invariant 7). */
typedef struct joins {
    iref met[16];
    size_t n;
    bool many; /* more than met[] holds */
} joins;

static int note_and_link(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx) {
    joins *j = ctx;
    iref r = mon__ref_of(m, y);
    size_t i = 0;
    while (i < j->n && !mon__ref_eq(j->met[i], r))
        i++;
    if (i == j->n) {
        if (j->n < sizeof j->met / sizeof *j->met)
            j->met[j->n++] = r;
        else
            j->many = true;
    }
    return mon__link_related(m, x, y, rule, NULL);
}

/* Report x is in incident inc now: when it met that incident only, inc's summary takes it;
 * otherwise every incident it met changed shape and their summaries are forgotten. */
static void settle_summaries(mon_engine *m, uint32_t x, iref inc, const joins *j) {
    bool only = !j->many;
    for (size_t i = 0; only && i < j->n; i++)
        only = mon__ref_eq(j->met[i], inc);
    if (only) {
        mon__sum_joined(m, inc, x);
        return;
    }
    for (size_t i = 0; i < j->n; i++)
        mon__sum_forget(m, j->met[i]);
    mon__sum_forget(m, inc);
    if (j->many) mon__sum_forget_all(m);
}

/* A report the engine may take: a new positive id, and fields that were validated. */
static int check_new(const mon_engine *m, const tr_report *r, tr_err *err) {
    uint32_t x;
    if (r->id <= 0) return tr_fail(err, TR_EINVAL, "id", "a report needs a positive id");
    if (mon__slot_of(m, r->id, &x))
        return tr_fail(err, TR_ECONFLICT, "id", "report %lld is already held", (long long)r->id);
    if (r->time_precision < 1 || r->time_precision > 3 || r->geo_precision < 1 || r->geo_precision > 3 ||
        (unsigned)r->event_type >= EV_COUNT || (unsigned)r->sub_event_type >= SUB_COUNT)
        return tr_fail(err, TR_EINVAL, "", "report %lld was not validated", (long long)r->id);
    return TR_OK;
}

/* The compact form the engine keeps of r and its classification c (NULL: undetermined);
 * its names interned (NONE32 when out of memory). */
static mrep compact(mon_engine *m, const tr_report *r, const mon_classification *c) {
    char key[TR_REPORT_MAX_TEXT + 16];
    mon_source_key(r->source_ref, r->reporting_party, key, sizeof key);
    return (mrep){
        .id = r->id,
        .t = r->occurred_at,
        .received = r->received_at,
        .lon = r->lon,
        .lat = r->lat,
        .perp = intern(&m->names, r->alleged_perpetrator),
        .party = intern(&m->names, r->reporting_party),
        .srckey = intern(&m->names, key),
        .region = intern(&m->names, c && c->region[0] ? c->region : NULL),
        .reason = intern(&m->names, c ? c->reason : NULL),
        .fmin = clamp_count(&r->fatalities, false),
        .fmax = clamp_count(&r->fatalities, true),
        .imin = clamp_count(&r->injured, false),
        .imax = clamp_count(&r->injured, true),
        .tp = (uint8_t)r->time_precision,
        .gp = (uint8_t)r->geo_precision,
        .ev = (uint8_t)r->event_type,
        .sub = (uint8_t)r->sub_event_type,
        .cls = (uint8_t)(c ? c->cls : MON_UNDETERMINED),
        .skind = (uint8_t)r->source_kind,
        .target = !r->target.present                  ? 0
                  : r->target.kind == TARGET_SITE     ? r->target.object_id
                  : r->target.kind == TARGET_MOVEMENT ? -r->target.object_id
                                                      : 0,
    };
}

/* Room for one more report in every structure; false when out of memory. */
static bool reserve_one(mon_engine *m, const mrep *rep) {
    return rep->perp != NONE32 && rep->party != NONE32 && rep->srckey != NONE32 && rep->region != NONE32 &&
           rep->reason != NONE32 && !reserve_slot(m) && !imap_reserve(&m->by_id, 1) &&
           !mon__cells_reserve(m) && !imap_reserve(&m->occurred_days, 1) &&
           !imap_reserve(&m->received_days, 1);
}

/* Puts rep in slot x (the next one) as an incident of its own, in its pending regroup
 * (incident_regroup rows read before it) and in the id index. */
static int place(mon_engine *m, const mrep *rep, uint32_t x) {
    if (day_push(m, &m->occurred_days, rep->t, x) || day_push(m, &m->received_days, rep->received, x))
        return TR_ENOMEM;
    m->n++;
    m->reps[x] = *rep;
    m->parent[x] = m->ring[x] = x;
    m->usize[x] = 1;
    m->minid[x] = rep->id;
    m->adjslot[x] = m->matchslot[x] = m->followslot[x] = -1;
    m->sumof[x] = NONE32;
    uint32_t g = 0;
    m->group[x] = imap_get(&m->pending, rep->id, &g) ? (int32_t)g : -1;
    if (m->group[x] >= 0 && uvec_push(&m->groups[g].members, x)) return TR_ENOMEM;
    imap_set(&m->by_id, rep->id, x);
    if (m->nsorted && m->reps[m->by_id_sorted[m->nsorted - 1]].id > rep->id) m->sorted_dirty = true;
    m->by_id_sorted[m->nsorted++] = x;
    return TR_OK;
}

int mon_engine_add(mon_engine *m, const tr_report *r, const mon_classification *c, int64_t *incident_id,
                   tr_err *err) {
    int rc = check_new(m, r, err);
    if (rc) return rc;
    mrep rep = compact(m, r, c);
    if (!reserve_one(m, &rep)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    uint32_t x = (uint32_t)m->n;
    if (place(m, &rep, x)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    joins j = {0};
    if (mon__for_each_related(m, x, note_and_link, &j)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    mon__grid_insert(m, x);
    iref inc = mon__ref_of(m, x);
    settle_summaries(m, x, inc, &j);
    if (incident_id) *incident_id = mon__ref_id(m, inc);
    return TR_OK;
}

int mon_engine_ingest(mon_engine *m, attr_engine *ae, const tr_report *r, mon_classification *c,
                      int64_t *incident_id, tr_err *err) {
    mon_classification local;
    if (!c) c = &local;
    if (attr_engine_query(ae, r->lon, r->lat, r->occurred_at, NULL, &m->scratch) != TR_OK)
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    mon_classify(r, &m->scratch, NULL, 0, c);
    return mon_engine_add(m, r, c, incident_id, err);
}

/* ---- listing and windows ---- */

typedef struct slot_key {
    int64_t id;
    uint32_t slot;
} slot_key;

static int cmp_slot_key(const void *x, const void *y) {
    const slot_key *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Sorts slots by their report ids. */
int mon__sort_slots(const mon_engine *m, uint32_t *v, size_t n) {
    if (n < 2) return TR_OK;
    slot_key *k = malloc(n * sizeof *k);
    if (!k) return TR_ENOMEM;
    for (size_t i = 0; i < n; i++)
        k[i] = (slot_key){m->reps[v[i]].id, v[i]};
    qsort(k, n, sizeof *k, cmp_slot_key);
    for (size_t i = 0; i < n; i++)
        v[i] = k[i].slot;
    free(k);
    return TR_OK;
}

int mon_engine_list(mon_engine *m, int64_t after, size_t limit, int64_t *ids, size_t *n) {
    *n = 0;
    if (m->sorted_dirty) {
        if (mon__sort_slots(m, m->by_id_sorted, m->nsorted)) return TR_ENOMEM;
        m->sorted_dirty = false;
    }
    size_t lo = 0, hi = m->nsorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->reps[m->by_id_sorted[mid]].id <= after)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < m->nsorted && *n < limit; i++) {
        uint32_t x = m->by_id_sorted[i];
        if (mon__ref_id(m, mon__ref_of(m, x)) == m->reps[x].id) ids[(*n)++] = m->reps[x].id;
    }
    return TR_OK;
}

int mon__cmp_i64(const void *x, const void *y) {
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

typedef struct idset {
    int64_t *v;
    size_t n, cap;
} idset;

static int idset_push(idset *s, int64_t id) {
    if (grow(&s->v, &s->cap, s->n + 1, sizeof *s->v)) return TR_ENOMEM;
    s->v[s->n++] = id;
    return TR_OK;
}

/* Slots listed under the UTC days that [from, to) touches, filtered by time. */
static int window_slots(mon_engine *m, const imap *map, int64_t from, int64_t to, bool received, uvec *out) {
    if (from >= to) return TR_OK;
    for (int64_t day = mon__floor_div(from, 86400); day <= mon__floor_div(to - 1, 86400); day++) {
        uint32_t d;
        if (!imap_get(map, day, &d)) continue;
        for (size_t i = 0; i < m->days[d].n; i++) {
            uint32_t x = m->days[d].v[i];
            int64_t t = received ? m->reps[x].received : m->reps[x].t;
            if (t >= from && t < to && uvec_push(out, x)) return TR_ENOMEM;
        }
    }
    return TR_OK;
}

int mon_engine_incidents_between(mon_engine *m, int64_t from, int64_t to, mon_time_kind kind, int64_t **ids,
                                 size_t *n) {
    uvec slots = {0};
    idset out = {0};
    int rc = window_slots(m, kind == MON_BY_OCCURRED ? &m->occurred_days : &m->received_days, from, to,
                          kind == MON_BY_ACTIVITY, &slots);
    if (kind == MON_BY_ACTIVITY) {
        for (size_t i = 0; rc == TR_OK && i < m->nresponses; i++)
            if (m->responses[i].at >= from && m->responses[i].at < to)
                rc = uvec_push(&slots, m->resp_links[i].anchor);
        for (size_t i = 0; rc == TR_OK && i < m->nverdicts; i++)
            if (m->verdicts[i].at >= from && m->verdicts[i].at < to)
                rc = uvec_push(&slots, m->verd_links[i].anchor);
        for (size_t i = 0; rc == TR_OK && i < m->nregroups; i++) {
            const mon_regroup *g = &m->regroups[i];
            uint32_t x;
            for (size_t k = 0; rc == TR_OK && g->at >= from && g->at < to && k < g->nids; k++)
                if (mon__slot_of(m, g->ids[k], &x)) rc = uvec_push(&slots, x);
        }
    }
    /* Components are cheap to name by root; groups once each. */
    uvec groups = {0};
    for (size_t i = 0; rc == TR_OK && i < slots.n; i++) {
        iref r = mon__ref_of(m, slots.v[i]);
        rc = r.group ? uvec_push(&groups, r.key) : idset_push(&out, m->minid[r.key]);
    }
    uvec_sort_unique(&groups);
    for (size_t i = 0; rc == TR_OK && i < groups.n; i++)
        rc = idset_push(&out, mon__ref_id(m, (iref){true, groups.v[i]}));
    free(slots.v);
    free(groups.v);
    if (rc != TR_OK) {
        free(out.v);
        *ids = NULL;
        *n = 0;
        return TR_ENOMEM;
    }
    if (out.n > 1) qsort(out.v, out.n, sizeof *out.v, mon__cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < out.n; i++)
        if (k == 0 || out.v[i] != out.v[k - 1]) out.v[k++] = out.v[i];
    if (k == 0) {
        free(out.v);
        out.v = NULL;
    }
    *ids = out.v;
    *n = k;
    return TR_OK;
}

/* ---- responses and verdicts ---- */

int mon__check_text(const char *s, const char *field, size_t max, bool required, tr_err *err) {
    if (!s || !s[0]) return required ? tr_fail(err, TR_EINVAL, field, "is required") : TR_OK;
    if (strlen(s) > max) return tr_fail(err, TR_EINVAL, field, "is longer than %zu bytes", max);
    return TR_OK;
}

/* Appends item index i to the list of items anchored at slot x. */
static int anchor(imap *head, anchored *links, size_t i, uint32_t x) {
    if (imap_reserve(head, 1)) return TR_ENOMEM;
    uint32_t first;
    links[i].anchor = x;
    links[i].next = NONE32;
    if (!imap_get(head, x, &first)) {
        imap_set(head, x, (uint32_t)i);
        return TR_OK;
    }
    while (links[first].next != NONE32)
        first = links[first].next;
    links[first].next = (uint32_t)i;
    return TR_OK;
}

int mon_engine_respond(mon_engine *m, int64_t incident_id, const char *party, mon_response_kind kind,
                       const char *text, int64_t at, tr_err *err) {
    uint32_t x;
    if (!mon__slot_of(m, incident_id, &x))
        return tr_fail(err, TR_ENOTFOUND, "id", "no incident holds report %lld", (long long)incident_id);
    if (mon__check_text(party, "party", TR_NAME_MAX, true, err) ||
        mon__check_text(text, "text", 4000, false, err))
        return TR_EINVAL;
    if ((unsigned)kind >= MON_RESPONSE_COUNT)
        return tr_fail(err, TR_EINVAL, "response", "must be accept, deny or comment");
    size_t c1 = m->capresponses, c2 = m->capresponses;
    if (grow(&m->responses, &c1, m->nresponses + 1, sizeof *m->responses) ||
        grow(&m->resp_links, &c2, m->nresponses + 1, sizeof *m->resp_links))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    m->capresponses = c1 < c2 ? c1 : c2;
    mon_response *p = &m->responses[m->nresponses];
    *p = (mon_response){(int64_t)m->nresponses + 1, strdup(party), kind,
                        text && text[0] ? strdup(text) : NULL, at};
    if (!p->party || (text && text[0] && !p->text) ||
        anchor(&m->resp_head, m->resp_links, m->nresponses, x)) {
        free(p->party);
        free(p->text);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    m->nresponses++;
    mon__sum_act(m, x, false, (uint32_t)(m->nresponses - 1));
    return TR_OK;
}

int mon_engine_verdict(mon_engine *m, int64_t incident_id, const char *monitor, mon_verdict_kind kind,
                       const char *reason, int64_t at, tr_err *err) {
    uint32_t x;
    if (!mon__slot_of(m, incident_id, &x))
        return tr_fail(err, TR_ENOTFOUND, "id", "no incident holds report %lld", (long long)incident_id);
    if ((unsigned)kind >= MON_VERDICT_COUNT)
        return tr_fail(err, TR_EINVAL, "verdict", "must be confirm, reject or reopen");
    if (mon__check_text(monitor, "monitor", TR_NAME_MAX, true, err) ||
        mon__check_text(reason, "reason", 4000, kind == MON_REJECT, err))
        return TR_EINVAL;
    size_t c1 = m->capverdicts, c2 = m->capverdicts;
    if (grow(&m->verdicts, &c1, m->nverdicts + 1, sizeof *m->verdicts) ||
        grow(&m->verd_links, &c2, m->nverdicts + 1, sizeof *m->verd_links))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    m->capverdicts = c1 < c2 ? c1 : c2;
    mon_verdict *v = &m->verdicts[m->nverdicts];
    *v = (mon_verdict){(int64_t)m->nverdicts + 1, strdup(monitor), kind,
                       reason && reason[0] ? strdup(reason) : NULL, at};
    if (!v->monitor || (reason && reason[0] && !v->reason) ||
        anchor(&m->verd_head, m->verd_links, m->nverdicts, x)) {
        free(v->monitor);
        free(v->reason);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    m->nverdicts++;
    mon__sum_act(m, x, true, (uint32_t)(m->nverdicts - 1));
    return TR_OK;
}
