/*
 * monitor_regroup.c — manual split and merge in the monitoring engine (monitor_int.h):
 * pinned groups, dissolving and re-clustering the components a decision touches, and
 * the records the store keeps (mon_regroup). Invariants 3-5 at the top of monitor.c.
 */
#include "base/mem.h"
#include "engines/monitor_int.h"

/* ---- manual regrouping ---- */

static int new_group(mon_engine *m, uint32_t decision, uint32_t *g) {
    if (grow(&m->groups, &m->capgroups, m->ngroups + 1, sizeof *m->groups)) return TR_ENOMEM;
    memset(&m->groups[m->ngroups], 0, sizeof m->groups[m->ngroups]);
    m->groups[m->ngroups].decision = decision;
    m->groups[m->ngroups].sum = NONE32;
    *g = (uint32_t)m->ngroups++;
    return TR_OK;
}

static int collect_root(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx) {
    (void)x;
    (void)rule;
    if (m->group[y] >= 0) return 0;
    return uvec_push(ctx, mon__find(m, y)) ? TR_ENOMEM : 0;
}

/* Re-derives, for the component of *ctx, what a mon__related report y contributes: a group
 * label, or (for an imprecise component) a match with y's precise component. */
static int relabel(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx) {
    (void)x;
    (void)rule;
    uint32_t root = *(uint32_t *)ctx;
    if (m->group[y] >= 0) return mon__label_add(m, root, (uint32_t)m->group[y]);
    if (mon__is_coarse(m, root) && !mon__is_coarse(m, y)) return mon__match_add(m, root, mon__find(m, y));
    return 0;
}

static void reset_slot(mon_engine *m, uint32_t u) {
    mon__set_release(m, m->adjslot, u);
    mon__set_release(m, m->matchslot, u);
    mon__set_release(m, m->followslot, u);
    m->parent[u] = m->ring[u] = u;
    m->usize[u] = 1;
    m->minid[u] = m->reps[u].id;
}

/* Applies record rec (already stored at index decision): pins its reports, dissolves the
 * components it cut, re-clusters their unpinned rest, and re-derives the labels and
 * matches of every component next to a pinned or re-clustered report (invariant 5). */
int mon__regroup(mon_engine *m, const mon_regroup *rec, uint32_t decision) {
    mon__sum_forget_all(m); /* incidents change shape around every report it names */
    uint32_t g1, g2;
    int rc = new_group(m, decision, &g1);
    g2 = g1;
    if (rc == TR_OK && rec->split) rc = new_group(m, decision, &g2);
    uvec touched = {0}, roots = {0}, around = {0};
    for (size_t i = 0; rc == TR_OK && i < rec->nids; i++) {
        uint32_t x, g = i < rec->nfirst ? g1 : g2;
        if (!mon__slot_of(m, rec->ids[i], &x)) {
            rc = imap_reserve(&m->pending, 1) ? TR_ENOMEM : TR_OK;
            if (rc == TR_OK) imap_set(&m->pending, rec->ids[i], g);
            continue;
        }
        if (m->group[x] < 0 && uvec_push(&roots, mon__find(m, x))) rc = TR_ENOMEM;
        if (rc == TR_OK && (uvec_push(&touched, x) || uvec_push(&m->groups[g].members, x))) rc = TR_ENOMEM;
        m->group[x] = (int32_t)g;
    }
    /* Dissolve the components that lost members, then rebuild their unpinned rest. */
    uvec_sort_unique(&roots);
    size_t npinned = touched.n;
    for (size_t i = 0; rc == TR_OK && i < roots.n; i++)
        rc = mon__push_ring(m, roots.v[i], &touched);
    for (size_t i = npinned; rc == TR_OK && i < touched.n; i++)
        reset_slot(m, touched.v[i]);
    if (rc == TR_OK) rc = mon__grid_regroup(m, &touched); /* their blocks held the old components */
    for (size_t i = npinned; rc == TR_OK && i < touched.n; i++)
        if (m->group[touched.v[i]] < 0) rc = mon__for_each_related(m, touched.v[i], mon__link_related, NULL);
    /* Every component next to a pinned or re-clustered report re-derives its labels and
     * matches from scratch (stale matches name dissolved components). */
    for (size_t i = 0; rc == TR_OK && i < touched.n; i++) {
        if (m->group[touched.v[i]] < 0 && uvec_push(&around, mon__find(m, touched.v[i]))) rc = TR_ENOMEM;
        if (rc == TR_OK) rc = mon__for_each_related(m, touched.v[i], collect_root, &around);
    }
    for (size_t i = 0; rc == TR_OK && i < around.n; i++)
        around.v[i] = mon__find(m, around.v[i]);
    uvec_sort_unique(&around);
    uvec ring = {0};
    for (size_t i = 0; rc == TR_OK && i < around.n; i++) {
        uint32_t root = around.v[i];
        mon__set_release(m, m->adjslot, root);
        mon__set_release(m, m->matchslot, root);
        ring.n = 0;
        rc = mon__push_ring(m, root, &ring);
        for (size_t k = 0; rc == TR_OK && k < ring.n; k++)
            rc = mon__for_each_related(m, ring.v[k], relabel, &root);
    }
    TR_FREE(ring.v, touched.v, roots.v, around.v);
    return rc;
}

int mon__cmp_id(const void *x, const void *y) {
    return mon__cmp_i64(x, y);
}

/* Stores a copy of rec and applies it. */
static int record_regroup(mon_engine *m, const mon_regroup *rec, tr_err *err) {
    if (grow(&m->regroups, &m->capregroups, m->nregroups + 1, sizeof *m->regroups))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    mon_regroup *c = &m->regroups[m->nregroups];
    *c = *rec;
    c->by = strdup(rec->by ? rec->by : "");
    c->why = strdup(rec->why ? rec->why : "");
    c->ids = malloc((rec->nids ? rec->nids : 1) * sizeof *c->ids);
    if (!c->by || !c->why || !c->ids) {
        mon__regroup_free(c);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    memcpy(c->ids, rec->ids, rec->nids * sizeof *c->ids);
    qsort(c->ids, c->nfirst, sizeof *c->ids, mon__cmp_id);
    qsort(c->ids + c->nfirst, c->nids - c->nfirst, sizeof *c->ids, mon__cmp_id);
    m->nregroups++;
    if (mon__regroup(m, c, (uint32_t)(m->nregroups - 1)) != TR_OK)
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

int mon_engine_apply_regroup(mon_engine *m, const mon_regroup *rec, tr_err *err) {
    if (!rec || rec->nids == 0 || rec->nfirst == 0 || rec->nfirst > rec->nids ||
        (rec->split && rec->nfirst == rec->nids))
        return tr_fail(err, TR_EINVAL, "ids", "a split or merge needs reports on each side");
    return record_regroup(m, rec, err);
}

/* The sorted report ids of the incident holding slot x into *ids. */
static int incident_ids(mon_engine *m, uint32_t x, int64_t **ids, size_t *n) {
    uvec mem = {0};
    int rc = mon__members_of(m, mon__ref_of(m, x), &mem);
    *ids = rc == TR_OK ? malloc((mem.n ? mem.n : 1) * sizeof **ids) : NULL;
    if (!*ids) {
        free(mem.v);
        return TR_ENOMEM;
    }
    for (size_t i = 0; i < mem.n; i++)
        (*ids)[i] = m->reps[mem.v[i]].id;
    qsort(*ids, mem.n, sizeof **ids, mon__cmp_id);
    *n = mem.n;
    free(mem.v);
    return TR_OK;
}

static int finish_record(mon_engine *m, mon_regroup *rec, mon_regroup *out, tr_err *err) {
    int rc = record_regroup(m, rec, err);
    if (rc == TR_OK && out) {
        *out = *rec;
        out->by = strdup(rec->by);
        out->why = strdup(rec->why);
        if (!out->by || !out->why) {
            mon_regroup_clear(out);
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
        }
        rec->ids = NULL; /* moved to out */
    }
    free(rec->ids);
    return rc;
}

int mon_engine_merge(mon_engine *m, int64_t a, int64_t b, const char *by, const char *why, int64_t at,
                     mon_regroup *rec, tr_err *err) {
    uint32_t xa, xb;
    if (rec) memset(rec, 0, sizeof *rec);
    if (!mon__slot_of(m, a, &xa))
        return tr_fail(err, TR_ENOTFOUND, "a", "no incident holds report %lld", (long long)a);
    if (!mon__slot_of(m, b, &xb))
        return tr_fail(err, TR_ENOTFOUND, "b", "no incident holds report %lld", (long long)b);
    if (mon__check_text(by, "by", TR_NAME_MAX, true, err) || mon__check_text(why, "why", 4000, true, err))
        return TR_EINVAL;
    if (mon__ref_eq(mon__ref_of(m, xa), mon__ref_of(m, xb)))
        return tr_fail(err, TR_EINVAL, "b", "reports %lld and %lld are already in one incident", (long long)a,
                       (long long)b);
    int64_t *ia, *ib;
    size_t na, nb;
    if (incident_ids(m, xa, &ia, &na)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (incident_ids(m, xb, &ib, &nb)) {
        free(ia);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    int64_t *all = realloc(ia, (na + nb) * sizeof *all);
    if (!all) {
        free(ia);
        free(ib);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    memcpy(all + na, ib, nb * sizeof *all);
    free(ib);
    mon_regroup r = {false, at, (char *)by, (char *)why, all, na + nb, na};
    return finish_record(m, &r, rec, err);
}

int mon_engine_split(mon_engine *m, int64_t incident_id, const int64_t *ids, size_t n, const char *by,
                     const char *why, int64_t at, mon_regroup *rec, tr_err *err) {
    uint32_t x;
    if (rec) memset(rec, 0, sizeof *rec);
    if (!mon__slot_of(m, incident_id, &x))
        return tr_fail(err, TR_ENOTFOUND, "id", "no incident holds report %lld", (long long)incident_id);
    if (mon__check_text(by, "by", TR_NAME_MAX, true, err) || mon__check_text(why, "why", 4000, true, err))
        return TR_EINVAL;
    int64_t *mem;
    size_t nmem;
    if (incident_ids(m, x, &mem, &nmem)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int64_t *side = malloc((nmem ? nmem : 1) * sizeof *side);
    bool *taken = calloc(nmem ? nmem : 1, sizeof *taken);
    int rc = side && taken ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t k = 0;
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        int64_t *hit = bsearch(&ids[i], mem, nmem, sizeof *mem, mon__cmp_id);
        if (!hit)
            rc = tr_fail(err, TR_EINVAL, "reports", "report %lld is not in incident %lld", (long long)ids[i],
                         (long long)mem[0]);
        else if (taken[hit - mem])
            rc = tr_fail(err, TR_EINVAL, "reports", "report %lld is listed twice", (long long)ids[i]);
        else
            taken[hit - mem] = true, side[k++] = ids[i];
    }
    if (rc == TR_OK && (k == 0 || k == nmem))
        rc = tr_fail(err, TR_EINVAL, "reports", "name some but not all of the incident's %zu reports", nmem);
    if (rc == TR_OK) {
        size_t j = k;
        for (size_t i = 0; i < nmem; i++)
            if (!taken[i]) side[j++] = mem[i];
        mon_regroup r = {true, at, (char *)by, (char *)why, side, nmem, k};
        side = NULL;
        rc = finish_record(m, &r, rec, err);
    }
    free(side);
    free(taken);
    free(mem);
    return rc;
}
