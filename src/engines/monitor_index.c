/*
 * monitor_index.c — the monitoring engine's index (monitor_int.h): the "same event"
 * relation, the space-time grid that finds a report's candidates, union-find over
 * unpinned reports with the sets hung on component roots, and incident references.
 * The invariants are at the top of monitor.c.
 */
#include "engines/monitor_int.h"

/* ---- the relation ---- */

static double haversine_m(double lon1, double lat1, double lon2, double lat2) {
    const double r = 6371008.8, k = M_PI / 180;
    double dlat = (lat2 - lat1) * k, dlon = (lon2 - lon1) * k;
    double h = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * k) * cos(lat2 * k) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * r * asin(sqrt(h < 1 ? h : 1));
}

/* The relation of monitor.h (mon_related) on plain values; same_perp tells whether both
 * name the same perpetrator. The spherical distance settles all but the pairs within 1 %
 * of the limit, which the geodesic decides (the two differ by under 0.6 %). */
static mon_type_rule relate(const mon_config *c, int64_t ta, int64_t tb, int tpa, int tpb, double lona,
                            double lata, double lonb, double latb, int gpa, int gpb, tr_event_type ea,
                            tr_sub_event_type sa, tr_event_type eb, tr_sub_event_type sb, bool same_perp) {
    bool coarse_a = c->strict_coarse && (tpa | gpa) != 1, coarse_b = c->strict_coarse && (tpb | gpb) != 1;
    /* Two imprecise reports must agree as if precise; otherwise the tolerances add up. */
    bool both = coarse_a && coarse_b;
    int64_t w = both ? 2 * c->window_s[0] : c->window_s[tpa - 1] + c->window_s[tpb - 1];
    int64_t gap = ta > tb ? ta - tb : tb - ta;
    if (gap >= w) return MON_TYPE_NONE;
    mon_type_rule rule;
    if (coarse_a || coarse_b)
        rule = sa != SUB_NONE && sa == sb && same_perp ? MON_TYPE_EXACT : MON_TYPE_NONE;
    else
        rule = mon_types_compatible(ea, sa, eb, sb, c->related_types);
    if (rule == MON_TYPE_NONE) return rule;
    double r = both ? 2 * c->radius_m[0] : c->radius_m[gpa - 1] + c->radius_m[gpb - 1];
    double d = haversine_m(lona, lata, lonb, latb);
    if (d <= 0.99 * r) return rule;
    if (d >= 1.01 * r) return MON_TYPE_NONE;
    return geo_distance_m(lona, lata, lonb, latb) <= r ? rule : MON_TYPE_NONE;
}

mon_type_rule mon_related(const mon_config *c, const mon_point *a, const mon_point *b) {
    if (a->time_precision < 1 || a->time_precision > 3 || b->time_precision < 1 || b->time_precision > 3 ||
        a->geo_precision < 1 || a->geo_precision > 3 || b->geo_precision < 1 || b->geo_precision > 3)
        return MON_TYPE_NONE;
    bool same_perp = a->perpetrator && b->perpetrator && strcmp(a->perpetrator, b->perpetrator) == 0;
    return relate(c, a->t, b->t, a->time_precision, b->time_precision, a->lon, a->lat, b->lon, b->lat,
                  a->geo_precision, b->geo_precision, a->event_type, a->sub_event_type, b->event_type,
                  b->sub_event_type, same_perp);
}

mon_type_rule mon__related(const mon_engine *m, const mrep *a, const mrep *b) {
    return relate(&m->cfg, a->t, b->t, a->tp, b->tp, a->lon, a->lat, b->lon, b->lat, a->gp, b->gp,
                  (tr_event_type)a->ev, (tr_sub_event_type)a->sub, (tr_event_type)b->ev,
                  (tr_sub_event_type)b->sub, a->perp && a->perp == b->perp);
}

/* ---- the space-time grid ---- */

int64_t mon__floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int32_t cell_coord(double v, double size) {
    return (int32_t)floor(v / size);
}

static size_t cell_hash(uint8_t cls, uint64_t tag, int32_t cx, int32_t cy, int64_t ct) {
    uint64_t h = mix64(((uint64_t)(uint32_t)cx << 32) ^ (uint32_t)cy);
    return (size_t)mix64(h ^ (uint64_t)ct * 0x9E3779B97F4A7C15ull ^ mix64(tag) ^ cls);
}

static cell *cell_find(const mon_engine *m, uint8_t cls, uint64_t tag, int32_t cx, int32_t cy, int64_t ct) {
    size_t mask = m->capcells - 1, i = cell_hash(cls, tag, cx, cy, ct) & mask;
    while (m->cells[i].used) {
        cell *c = &m->cells[i];
        if (c->cx == cx && c->cy == cy && c->ct == ct && c->tag == tag && c->cls == cls) return c;
        i = (i + 1) & mask;
    }
    return &m->cells[i];
}

/* Room for one more cell and one more block. */
int mon__cells_reserve(mon_engine *m) {
    if (!m->blockfree.n && grow(&m->blocks, &m->capblocks, m->nblocks + 1, sizeof *m->blocks)) return -1;
    if ((m->ncells + 1) * 2 <= m->capcells) return 0;
    size_t cap = m->capcells ? m->capcells * 2 : 1024;
    cell *old = m->cells;
    size_t oldcap = m->capcells;
    m->cells = calloc(cap, sizeof *m->cells);
    if (!m->cells) {
        m->cells = old;
        return -1;
    }
    m->capcells = cap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].used) *cell_find(m, old[i].cls, old[i].tag, old[i].cx, old[i].cy, old[i].ct) = old[i];
    free(old);
    return 0;
}

/* The level of a report: its coarser precision, 0-based. */
static uint8_t level_of(const mrep *r) {
    return (uint8_t)((r->tp > r->gp ? r->tp : r->gp) - 1);
}

/* The tag of a report in a level's grid. With strict_coarse, whatever relates to an
 * imprecise report has its sub-event type and perpetrator, so imprecise levels are split by
 * them; 0 (in an imprecise level) marks a report that can relate to nothing there. */
static uint64_t tag_of(const mon_engine *m, const mrep *r, uint8_t cls) {
    if (cls == 0 || !m->cfg.strict_coarse || r->sub == SUB_NONE || r->perp == 0) return 0;
    return (uint64_t)r->sub << 32 | r->perp;
}

/* The cell of slot x (an empty slot of the table if it has none yet). */
static cell *cell_of(mon_engine *m, uint32_t x) {
    const mrep *r = &m->reps[x];
    uint8_t cls = level_of(r);
    return cell_find(m, cls, tag_of(m, r, cls), cell_coord(r->lon, m->cell_deg[cls]),
                     cell_coord(r->lat, m->cell_deg[cls]), mon__floor_div(r->t, m->tbucket[cls]));
}

/* The block of c that x belongs in, or NONE32. */
static uint32_t block_for(mon_engine *m, const cell *c, uint32_t x) {
    bool pinned = m->group[x] >= 0;
    uint32_t key = pinned ? (uint32_t)m->group[x] : mon__find(m, x);
    for (uint32_t b = c->bhead; b != NONE32; b = m->blocks[b].next) {
        const mblock *k = &m->blocks[b];
        if (k->pinned == pinned && (pinned ? k->key == key : mon__find(m, k->key) == key)) return b;
    }
    return NONE32;
}

/* Adds x to its block of c, or to a new one (room reserved by the caller). */
static void block_put(mon_engine *m, cell *c, uint32_t x) {
    m->cellnext[x] = NONE32;
    uint32_t b = block_for(m, c, x);
    if (b != NONE32) {
        m->cellnext[m->blocks[b].tail] = x;
        m->blocks[b].tail = x;
        return;
    }
    b = m->blockfree.n ? m->blockfree.v[--m->blockfree.n] : (uint32_t)m->nblocks++;
    bool pinned = m->group[x] >= 0;
    m->blocks[b] = (mblock){x, x, pinned ? (uint32_t)m->group[x] : x, c->bhead, pinned};
    c->bhead = b;
}

/* Puts slot x in its cell (room reserved by the caller). */
void mon__grid_insert(mon_engine *m, uint32_t x) {
    const mrep *r = &m->reps[x];
    uint8_t cls = level_of(r);
    uint64_t tag = tag_of(m, r, cls);
    int32_t cx = cell_coord(r->lon, m->cell_deg[cls]), cy = cell_coord(r->lat, m->cell_deg[cls]);
    int64_t ct = mon__floor_div(r->t, m->tbucket[cls]);
    cell *c = cell_find(m, cls, tag, cx, cy, ct);
    if (!c->used) {
        *c = (cell){ct, tag, cx, cy, NONE32, cls, 1};
        m->ncells++;
    }
    block_put(m, c, x);
    m->cls_count[cls]++;
}

int mon__grid_regroup(mon_engine *m, const uvec *slots) {
    uvec cells = {0}, members = {0};
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < slots->n; i++)
        rc = uvec_push(&cells, (uint32_t)(cell_of(m, slots->v[i]) - m->cells)) ? TR_ENOMEM : TR_OK;
    uvec_sort_unique(&cells);
    for (size_t i = 0; rc == TR_OK && i < cells.n; i++) {
        cell *c = &m->cells[cells.v[i]];
        members.n = 0;
        for (uint32_t b = c->bhead; rc == TR_OK && b != NONE32; b = m->blocks[b].next)
            for (uint32_t y = m->blocks[b].head; rc == TR_OK && y != NONE32; y = m->cellnext[y])
                rc = uvec_push(&members, y) ? TR_ENOMEM : TR_OK;
        if (rc == TR_OK &&
            grow(&m->blockfree.v, &m->blockfree.cap, m->blockfree.n + members.n, sizeof(uint32_t)))
            rc = TR_ENOMEM;
        for (uint32_t b = c->bhead; rc == TR_OK && b != NONE32; b = m->blocks[b].next)
            m->blockfree.v[m->blockfree.n++] = b; /* room for every member: as many blocks at most */
        if (rc == TR_OK) c->bhead = NONE32;
        for (size_t k = 0; rc == TR_OK && k < members.n; k++)
            block_put(m, c, members.v[k]);
    }
    free(cells.v);
    free(members.v);
    return rc;
}

/* Joins block b into block into (unpinned blocks of one component now). */
static void block_join(mon_engine *m, uint32_t into, uint32_t b) {
    m->cellnext[m->blocks[into].tail] = m->blocks[b].head;
    m->blocks[into].tail = m->blocks[b].tail;
    (void)uvec_push(&m->blockfree, b); /* a lost block only wastes memory */
}

typedef struct scan {
    mon_engine *m;
    uint32_t x;
    bool all; /* every related member, not one per block */
    related_fn fn;
    void *ctx;
} scan;

/* Calls fn for the related members of the chain from y (the first only unless s->all);
 * *hit tells whether one was found. */
static int scan_chain(scan *s, uint32_t y, bool *hit) {
    mon_engine *m = s->m;
    const mrep *a = &m->reps[s->x];
    for (; y != NONE32; y = m->cellnext[y]) {
        if (y == s->x) continue;
        m->stats.candidates++;
        mon_type_rule rule = mon__related(m, a, &m->reps[y]);
        if (rule == MON_TYPE_NONE) continue;
        m->stats.related++;
        *hit = true;
        int rc = s->fn(m, s->x, y, rule, s->ctx);
        if (rc || !s->all) return rc;
    }
    return 0;
}

/* Scans the blocks of cell c. Unpinned blocks whose components have become one are joined
 * on the way; a joined block is scanned only if its component had no related report yet. */
static int scan_cell(scan *s, cell *c) {
    mon_engine *m = s->m;
    bool px = m->group[s->x] >= 0;
    uint32_t roots[16], firsts[16];
    bool hits[16];
    size_t nseen = 0;
    for (uint32_t *link = &c->bhead, b; (b = *link) != NONE32;) {
        mblock *k = &m->blocks[b];
        uint32_t head = k->head;
        bool hit = false, skip = !s->all && k->pinned && px;
        size_t slot = 16; /* where this block's component is recorded; 16: not recorded */
        if (!k->pinned) {
            uint32_t r = mon__find(m, k->key);
            size_t i = 0;
            while (i < nseen && roots[i] != r)
                i++;
            if (i < nseen) { /* a component met before in this cell: join, and scan unless it was found */
                *link = k->next;
                block_join(m, firsts[i], b);
                int rc = hits[i] && !s->all ? 0 : scan_chain(s, head, &hits[i]);
                if (rc) return rc;
                continue;
            }
            skip = !s->all && !px && r == mon__find(m, s->x);
            if (nseen < 16) {
                slot = nseen++;
                roots[slot] = r;
                firsts[slot] = b;
                hits[slot] = skip;
            }
        }
        int rc = skip ? 0 : scan_chain(s, head, &hit);
        if (rc) return rc;
        if (slot < 16) hits[slot] |= hit;
        link = &m->blocks[b].next;
    }
    return 0;
}

static int for_each(mon_engine *m, uint32_t x, bool all, related_fn fn, void *ctx) {
    const mrep *a = &m->reps[x];
    scan s = {m, x, all, fn, ctx};
    m->stats.queries++;
    for (uint8_t cls = 0; cls < 3; cls++) {
        if (m->cls_count[cls] == 0) continue;
        uint64_t tag = tag_of(m, a, cls);
        if (cls > 0 && m->cfg.strict_coarse && tag == 0) continue; /* x can relate to none there */
        double r = m->cfg.radius_m[a->gp - 1] + m->cfg.radius_m[cls];
        double dlat = r / 110570.0; /* a degree of latitude is at least 110.57 km */
        double maxlat = fmin(89.999, fmax(fabs(a->lat - dlat), fabs(a->lat + dlat)));
        double dlon = fmin(180.0, r / (111319.0 * cos(maxlat * M_PI / 180)));
        double size = m->cell_deg[cls];
        int32_t x0 = cell_coord(a->lon - dlon, size), x1 = cell_coord(a->lon + dlon, size);
        int32_t y0 = cell_coord(a->lat - dlat, size), y1 = cell_coord(a->lat + dlat, size);
        int64_t w = m->cfg.window_s[a->tp - 1] + m->cfg.window_s[cls];
        int64_t t0 = mon__floor_div(a->t - w, m->tbucket[cls]),
                t1 = mon__floor_div(a->t + w, m->tbucket[cls]);
        for (int32_t cx = x0; cx <= x1; cx++)
            for (int32_t cy = y0; cy <= y1; cy++)
                for (int64_t ct = t0; ct <= t1; ct++) {
                    cell *c = cell_find(m, cls, tag, cx, cy, ct);
                    m->stats.cells++;
                    int rc = c->used ? scan_cell(&s, c) : 0;
                    if (rc) return rc;
                }
    }
    return 0;
}

/* Visits only the cells that can hold a related report (invariant 2). */
int mon__for_each_related(mon_engine *m, uint32_t x, related_fn fn, void *ctx) {
    return for_each(m, x, false, fn, ctx);
}

int mon__for_each_related_all(mon_engine *m, uint32_t x, related_fn fn, void *ctx) {
    return for_each(m, x, true, fn, ctx);
}

/* ---- union-mon__find, adjacency, groups ---- */

uint32_t mon__find(mon_engine *m, uint32_t x) {
    while (m->parent[x] != x) {
        m->parent[x] = m->parent[m->parent[x]];
        x = m->parent[x];
    }
    return x;
}

/* Whether report x is imprecise (invariant 4): with strict_coarse, a report with time or
 * geo precision 2 or 3. Components never mix precise and imprecise reports. */
bool mon__is_coarse(const mon_engine *m, uint32_t x) {
    return m->cfg.strict_coarse && level_of(&m->reps[x]) > 0;
}

/* ---- sets hung on component roots ----
 * Three kinds, in one pool, each reached through its own slot array:
 *   labels[root]   group labels of pinned reports mon__related to the component;
 *   matches[root]  (imprecise components) roots, as they were when recorded, of the
 *                  precise components mon__related to it; resolved through mon__find() on read;
 *   followers[root] (precise components) representatives of imprecise components that
 *                  matched it; a candidate list, checked on read. */

adjset *mon__set_of(const mon_engine *m, const int32_t *slots, uint32_t root) {
    return slots[root] >= 0 ? &m->adjs[slots[root]] : NULL;
}

void mon__set_release(mon_engine *m, int32_t *slots, uint32_t root) {
    int32_t s = slots[root];
    if (s < 0) return;
    m->adjs[s].n = 0;
    slots[root] = -1;
    (void)uvec_push(&m->adjfree, (uint32_t)s); /* a lost slot only wastes memory */
}

/* Adds v to the set of root (once when dedupe). 1 if added, 0 if already there, -1 when
 * out of memory. */
static int set_add(mon_engine *m, int32_t *slots, uint32_t root, uint32_t v, bool dedupe) {
    adjset *a = mon__set_of(m, slots, root);
    if (!a) {
        uint32_t s;
        if (m->adjfree.n) {
            s = m->adjfree.v[--m->adjfree.n];
        } else {
            if (grow(&m->adjs, &m->capadjs, m->nadjs + 1, sizeof *m->adjs)) return -1;
            s = (uint32_t)m->nadjs++;
            memset(&m->adjs[s], 0, sizeof m->adjs[s]);
        }
        slots[root] = (int32_t)s;
        a = &m->adjs[s];
    }
    for (size_t i = 0; dedupe && i < a->n; i++)
        if (a->g[i] == v) return 0;
    if (grow(&a->g, &a->cap, a->n + 1, sizeof *a->g)) return -1;
    a->g[a->n++] = v;
    return 1;
}

/* Adds group label g to the component of root; lists the component with the group when
 * g becomes its only label. */
int mon__label_add(mon_engine *m, uint32_t root, uint32_t g) {
    int r = set_add(m, m->adjslot, root, g, true);
    if (r < 0) return TR_ENOMEM;
    if (r == 1 && mon__set_of(m, m->adjslot, root)->n == 1 && uvec_push(&m->groups[g].attached, root))
        return TR_ENOMEM;
    return TR_OK;
}

/* Records that imprecise component croot matches precise component proot. */
int mon__match_add(mon_engine *m, uint32_t croot, uint32_t proot) {
    int r = set_add(m, m->matchslot, croot, proot, true);
    if (r < 0) return TR_ENOMEM;
    if (r == 1 && set_add(m, m->followslot, proot, croot, false) < 0) return TR_ENOMEM;
    return TR_OK;
}

/* Moves the set of rb to ra (dedupe as set_add). */
static int set_merge(mon_engine *m, int32_t *slots, uint32_t ra, uint32_t rb, bool dedupe, bool labels) {
    adjset *src = mon__set_of(m, slots, rb);
    if (!src || src->n == 0) {
        mon__set_release(m, slots, rb);
        return TR_OK;
    }
    size_t k = src->n;
    uint32_t *vals = malloc(k * sizeof *vals);
    if (!vals) return TR_ENOMEM;
    memcpy(vals, src->g, k * sizeof *vals);
    mon__set_release(m, slots, rb);
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < k; i++)
        rc = labels                                       ? mon__label_add(m, ra, vals[i])
             : set_add(m, slots, ra, vals[i], dedupe) < 0 ? TR_ENOMEM
                                                          : TR_OK;
    free(vals);
    return rc;
}

/* Joins the components of a and b (of the same tier). */
static int unite(mon_engine *m, uint32_t a, uint32_t b) {
    uint32_t ra = mon__find(m, a), rb = mon__find(m, b);
    if (ra == rb) return TR_OK;
    if (m->usize[ra] < m->usize[rb]) {
        uint32_t t = ra;
        ra = rb;
        rb = t;
    }
    m->parent[rb] = ra;
    m->usize[ra] += m->usize[rb];
    uint32_t t = m->ring[ra];
    m->ring[ra] = m->ring[rb];
    m->ring[rb] = t;
    if (m->minid[rb] < m->minid[ra]) m->minid[ra] = m->minid[rb];
    int rc = set_merge(m, m->adjslot, ra, rb, true, true);
    if (rc == TR_OK) rc = set_merge(m, m->matchslot, ra, rb, true, false);
    if (rc == TR_OK) rc = set_merge(m, m->followslot, ra, rb, false, false);
    return rc;
}

/* Links x with a mon__related report y: the body of insertion and re-clustering. */
int mon__link_related(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx) {
    (void)rule;
    (void)ctx;
    bool px = m->group[x] >= 0, py = m->group[y] >= 0;
    if (px && py) return 0;
    if (px) return mon__label_add(m, mon__find(m, y), (uint32_t)m->group[x]);
    if (py) return mon__label_add(m, mon__find(m, x), (uint32_t)m->group[y]);
    bool cx = mon__is_coarse(m, x), cy = mon__is_coarse(m, y);
    if (cx == cy) return unite(m, x, y);
    return cx ? mon__match_add(m, mon__find(m, x), mon__find(m, y))
              : mon__match_add(m, mon__find(m, y), mon__find(m, x));
}

/* ---- incidents ---- */

bool mon__ref_eq(iref a, iref b) {
    return a.group == b.group && a.key == b.key;
}

/* The incident of a precise component: its group's when it has exactly one label. */
static iref ref_precise(mon_engine *m, uint32_t root) {
    adjset *a = mon__set_of(m, m->adjslot, root);
    if (a && a->n == 1) return (iref){true, a->g[0]};
    return (iref){false, root};
}

/* The distinct incidents an imprecise component matches, through labels and precise
 * components: up to cap of them into out (when out is not NULL); returns how many,
 * counting no further than cap + 1. */
size_t mon__coarse_targets(mon_engine *m, uint32_t root, iref *out, size_t cap) {
    iref seen[8];
    size_t n = 0, limit = cap + 1 < 8 ? cap + 1 : 8;
    adjset *l = mon__set_of(m, m->adjslot, root), *p = mon__set_of(m, m->matchslot, root);
    size_t nl = l ? l->n : 0, np = p ? p->n : 0;
    for (size_t i = 0; i < nl + np && n < limit; i++) {
        iref r = i < nl ? (iref){true, l->g[i]} : ref_precise(m, mon__find(m, p->g[i - nl]));
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = mon__ref_eq(seen[k], r);
        if (dup) continue;
        if (out && n < cap) out[n] = r;
        seen[n++] = r;
    }
    return n;
}

iref mon__ref_of(mon_engine *m, uint32_t x) {
    if (m->group[x] >= 0) return (iref){true, (uint32_t)m->group[x]};
    uint32_t root = mon__find(m, x);
    if (!mon__is_coarse(m, root)) return ref_precise(m, root);
    iref one;
    return mon__coarse_targets(m, root, &one, 1) == 1 ? one : (iref){false, root};
}

int mon__push_ring(mon_engine *m, uint32_t root, uvec *out) {
    uint32_t x = root;
    do {
        if (uvec_push(out, x)) return TR_ENOMEM;
        x = m->ring[x];
    } while (x != root);
    return TR_OK;
}

/* Adds to roots the imprecise components that follow precise root proot into inc. */
static int push_followers(mon_engine *m, uint32_t proot, iref inc, uvec *roots) {
    adjset *f = mon__set_of(m, m->followslot, proot);
    for (size_t i = 0; f && i < f->n; i++) {
        uint32_t c = mon__find(m, f->g[i]);
        if (m->group[c] < 0 && mon__is_coarse(m, c) && mon__ref_eq(mon__ref_of(m, c), inc) &&
            uvec_push(roots, c))
            return TR_ENOMEM;
    }
    return TR_OK;
}

/* The component roots that make up incident r besides its pinned reports. */
static int component_roots(mon_engine *m, iref r, uvec *roots) {
    int rc = TR_OK;
    if (!r.group) {
        rc = uvec_push(roots, r.key) ? TR_ENOMEM : TR_OK;
        if (rc == TR_OK && !mon__is_coarse(m, r.key)) rc = push_followers(m, r.key, r, roots);
    } else {
        mgroup *g = &m->groups[r.key];
        for (size_t i = 0; rc == TR_OK && i < g->attached.n; i++) {
            uint32_t root = mon__find(m, g->attached.v[i]);
            if (m->group[root] >= 0 || !mon__ref_eq(mon__ref_of(m, root), r)) continue;
            rc = uvec_push(roots, root) ? TR_ENOMEM : TR_OK;
            if (rc == TR_OK && !mon__is_coarse(m, root)) rc = push_followers(m, root, r, roots);
        }
    }
    uvec_sort_unique(roots);
    return rc;
}

/* The slots of the incident's reports (unordered). */
int mon__members_of(mon_engine *m, iref r, uvec *out) {
    out->n = 0;
    uvec roots = {0};
    int rc = TR_OK;
    if (r.group) {
        mgroup *g = &m->groups[r.key];
        for (size_t i = 0; rc == TR_OK && i < g->members.n; i++)
            if (m->group[g->members.v[i]] == (int32_t)r.key && uvec_push(out, g->members.v[i]))
                rc = TR_ENOMEM;
    }
    if (rc == TR_OK) rc = component_roots(m, r, &roots);
    for (size_t i = 0; rc == TR_OK && i < roots.n; i++)
        rc = mon__push_ring(m, roots.v[i], out);
    /* Compact a group's attachment list now and then (stale entries cost only time). */
    if (rc == TR_OK && r.group && m->groups[r.key].attached.n > 2 * roots.n + 16) {
        mgroup *g = &m->groups[r.key];
        if (roots.n) memcpy(g->attached.v, roots.v, roots.n * sizeof *roots.v);
        g->attached.n = roots.n;
    }
    free(roots.v);
    return rc;
}

/* The incident id: the smallest id among its pinned and precise reports, or among its
 * reports when all are imprecise. */
int64_t mon__ref_id(mon_engine *m, iref r) {
    if (!r.group) return m->minid[r.key];
    const isum *s = mon__sum_kept(m, r);
    if (s) return mon__sum_id(s);
    mgroup *gr = &m->groups[r.key];
    if (gr->members.n + gr->attached.n >= MON_SUM_KEEP) { /* a large group: summed up once, then kept */
        int rc;
        isum *t = mon__sum_get(m, r, &rc);
        int64_t id = t ? mon__sum_id(t) : INT64_MAX;
        mon__sum_done(t);
        if (t) return id;
    }
    int64_t best = INT64_MAX;
    mgroup *g = &m->groups[r.key];
    for (size_t i = 0; i < g->members.n; i++) {
        uint32_t x = g->members.v[i];
        if (m->group[x] == (int32_t)r.key && m->reps[x].id < best) best = m->reps[x].id;
    }
    for (size_t i = 0; i < g->attached.n; i++) {
        uint32_t root = mon__find(m, g->attached.v[i]);
        if (m->group[root] < 0 && !mon__is_coarse(m, root) && m->minid[root] < best &&
            mon__ref_eq(mon__ref_of(m, root), r))
            best = m->minid[root];
    }
    return best;
}

bool mon__slot_of(const mon_engine *m, int64_t id, uint32_t *slot) {
    return id > 0 && imap_get(&m->by_id, id, slot);
}

int mon_engine_incident_of(mon_engine *m, int64_t report_id, int64_t *incident_id) {
    uint32_t x;
    if (!mon__slot_of(m, report_id, &x)) return TR_ENOTFOUND;
    *incident_id = mon__ref_id(m, mon__ref_of(m, x));
    return TR_OK;
}
