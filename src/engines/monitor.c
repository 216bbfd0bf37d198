/*
 * monitor.c — the monitoring engine: reports in memory, the space-time index, incidents
 * as connected components, manual regrouping, responses and verdicts, incident reads.
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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engines/monitor.h"
#include "geo/geo.h"

#define NONE32 UINT32_MAX

/* ---- small containers ---- */

typedef struct uvec {
    uint32_t *v;
    size_t n, cap;
} uvec;

static int uvec_push(uvec *u, uint32_t x) {
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 8;
        uint32_t *v = realloc(u->v, cap * sizeof *v);
        if (!v) return -1;
        u->v = v;
        u->cap = cap;
    }
    u->v[u->n++] = x;
    return 0;
}

static int cmp_u32(const void *x, const void *y) {
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

static void uvec_sort_unique(uvec *u) {
    if (u->n < 2) return;
    qsort(u->v, u->n, sizeof *u->v, cmp_u32);
    size_t k = 1;
    for (size_t i = 1; i < u->n; i++)
        if (u->v[i] != u->v[k - 1]) u->v[k++] = u->v[i];
    u->n = k;
}

static bool uvec_has_sorted(const uvec *u, uint32_t x) {
    return u->n && bsearch(&x, u->v, u->n, sizeof *u->v, cmp_u32) != NULL;
}

static uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* int64 -> uint32, open addressing; no removal. */
typedef struct imap_entry {
    int64_t key;
    uint32_t val;
    uint32_t used;
} imap_entry;

typedef struct imap {
    imap_entry *e;
    size_t cap, n;
} imap;

static imap_entry *imap_slot(const imap *m, int64_t key) {
    size_t mask = m->cap - 1, i = (size_t)mix64((uint64_t)key) & mask;
    while (m->e[i].used && m->e[i].key != key) i = (i + 1) & mask;
    return &m->e[i];
}

static int imap_reserve(imap *m, size_t extra) {
    if ((m->n + extra) * 2 <= m->cap) return 0;
    size_t cap = m->cap ? m->cap : 64;
    while ((m->n + extra) * 2 > cap) cap *= 2;
    imap old = *m;
    m->e = calloc(cap, sizeof *m->e);
    if (!m->e) {
        m->e = old.e;
        return -1;
    }
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.e[i].used) *imap_slot(m, old.e[i].key) = old.e[i];
    free(old.e);
    return 0;
}

static bool imap_get(const imap *m, int64_t key, uint32_t *val) {
    if (m->cap == 0) return false;
    imap_entry *e = imap_slot(m, key);
    if (!e->used) return false;
    *val = e->val;
    return true;
}

/* Sets key -> val; the caller reserved room. */
static void imap_set(imap *m, int64_t key, uint32_t val) {
    imap_entry *e = imap_slot(m, key);
    if (!e->used) m->n++;
    *e = (imap_entry){key, val, 1};
}

/* Interned strings: id 0 is NULL, others index strs[id - 1]. */
typedef struct interner {
    char **strs;
    size_t n, cap;
    uint32_t *table; /* ids, 0 empty */
    size_t tcap;
} interner;

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static uint32_t *intern_slot(const interner *in, const char *s) {
    size_t mask = in->tcap - 1, i = (size_t)hash_str(s) & mask;
    while (in->table[i] && strcmp(in->strs[in->table[i] - 1], s) != 0) i = (i + 1) & mask;
    return &in->table[i];
}

/* The id of s (adding it), 0 for NULL, NONE32 when out of memory. */
static uint32_t intern(interner *in, const char *s) {
    if (!s) return 0;
    if ((in->n + 1) * 2 > in->tcap) {
        size_t cap = in->tcap ? in->tcap * 2 : 256;
        uint32_t *t = calloc(cap, sizeof *t);
        if (!t) return NONE32;
        uint32_t *old = in->table;
        in->table = t;
        in->tcap = cap;
        for (size_t i = 0; i < in->n; i++) *intern_slot(in, in->strs[i]) = (uint32_t)(i + 1);
        free(old);
    }
    uint32_t *slot = intern_slot(in, s);
    if (*slot) return *slot;
    if (in->n == in->cap) {
        size_t cap = in->cap ? in->cap * 2 : 256;
        char **v = realloc(in->strs, cap * sizeof *v);
        if (!v) return NONE32;
        in->strs = v;
        in->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy) return NONE32;
    in->strs[in->n++] = copy;
    *slot = (uint32_t)in->n;
    return *slot;
}

static const char *istr(const interner *in, uint32_t id) {
    return id ? in->strs[id - 1] : NULL;
}

/* ---- the engine ---- */

typedef struct mrep {
    int64_t id, t, received;
    double lon, lat;
    uint32_t perp, party, srckey, region, reason; /* interned; 0 none */
    int32_t fmin, fmax, imin, imax;               /* -1 unknown */
    uint8_t tp, gp, ev, sub, cls;
} mrep;

/* A grid cell of one level (and, for imprecise levels, one sub-event type and
 * perpetrator): the head of a chain through cellnext[]. */
typedef struct cell {
    int64_t ct;
    uint64_t tag;   /* 0, or (sub-event type << 32 | perpetrator id) for imprecise levels */
    int32_t cx, cy;
    uint32_t head;
    uint8_t cls, used;
} cell;

typedef struct adjset {
    uint32_t *g;
    size_t n, cap;
} adjset;

typedef struct mgroup {
    uvec members;  /* may hold reports since re-pinned elsewhere: check group[] */
    uvec attached; /* representatives of components once attached: check on read */
    uint32_t decision;
} mgroup;

typedef struct anchored {
    uint32_t anchor; /* report slot */
    uint32_t next;   /* next item with the same anchor, NONE32 at the end */
} anchored;

struct mon_engine {
    mon_config cfg;
    double cell_deg[3];   /* grid cell size per level, degrees */
    int64_t tbucket[3];   /* time bucket per level, seconds */
    size_t cls_count[3];  /* reports per level */

    mrep *reps;
    uint32_t *parent, *usize, *ring, *cellnext;
    int64_t *minid;
    int32_t *group, *adjslot, *matchslot, *followslot; /* see "sets hung on component roots" */
    size_t n, cap;

    imap by_id;          /* report id -> slot */
    interner names;
    cell *cells;
    size_t ncells, capcells;
    imap occurred_days, received_days; /* UTC day -> index into days[] */
    uvec *days;
    size_t ndays, capdays;

    adjset *adjs;        /* pool; free slots listed in adjfree */
    size_t nadjs, capadjs;
    uvec adjfree;

    mgroup *groups;
    size_t ngroups, capgroups;
    imap pending;        /* report id not yet added -> group label */

    mon_response *responses;
    anchored *resp_links;
    size_t nresponses, capresponses;
    imap resp_head;      /* anchor slot -> first response */
    mon_verdict *verdicts;
    anchored *verd_links;
    size_t nverdicts, capverdicts;
    imap verd_head;
    mon_regroup *regroups;
    size_t nregroups, capregroups;

    uint32_t *by_id_sorted; /* slots by report id, for listing */
    size_t nsorted;
    bool sorted_dirty;

    attr_result scratch;
    mon_stats stats;
};

static int grow(void *pp, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need) n *= 2;
    void *p = realloc(*(void **)pp, n * elem);
    if (!p) return -1;
    *(void **)pp = p;
    *cap = n;
    return 0;
}

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

static void regroup_free(mon_regroup *g) {
    free(g->by);
    free(g->why);
    free(g->ids);
}

void mon_regroup_clear(mon_regroup *g) {
    regroup_free(g);
    memset(g, 0, sizeof *g);
}

void mon_engine_free(mon_engine *m) {
    if (!m) return;
    free(m->reps);
    free(m->parent);
    free(m->usize);
    free(m->ring);
    free(m->cellnext);
    free(m->minid);
    free(m->group);
    free(m->adjslot);
    free(m->matchslot);
    free(m->followslot);
    free(m->by_id.e);
    for (size_t i = 0; i < m->names.n; i++) free(m->names.strs[i]);
    free(m->names.strs);
    free(m->names.table);
    free(m->cells);
    free(m->occurred_days.e);
    free(m->received_days.e);
    for (size_t i = 0; i < m->ndays; i++) free(m->days[i].v);
    free(m->days);
    for (size_t i = 0; i < m->nadjs; i++) free(m->adjs[i].g);
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
    for (size_t i = 0; i < m->nregroups; i++) regroup_free(&m->regroups[i]);
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

static mon_type_rule related(const mon_engine *m, const mrep *a, const mrep *b) {
    return relate(&m->cfg, a->t, b->t, a->tp, b->tp, a->lon, a->lat, b->lon, b->lat, a->gp, b->gp,
                  (tr_event_type)a->ev, (tr_sub_event_type)a->sub, (tr_event_type)b->ev,
                  (tr_sub_event_type)b->sub, a->perp && a->perp == b->perp);
}

/* ---- the space-time grid ---- */

static int64_t floor_div(int64_t a, int64_t b) {
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

static int cells_reserve(mon_engine *m) {
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

/* Puts slot x in its cell (room reserved by the caller). */
static void grid_insert(mon_engine *m, uint32_t x) {
    const mrep *r = &m->reps[x];
    uint8_t cls = level_of(r);
    uint64_t tag = tag_of(m, r, cls);
    int32_t cx = cell_coord(r->lon, m->cell_deg[cls]), cy = cell_coord(r->lat, m->cell_deg[cls]);
    int64_t ct = floor_div(r->t, m->tbucket[cls]);
    cell *c = cell_find(m, cls, tag, cx, cy, ct);
    if (!c->used) {
        *c = (cell){ct, tag, cx, cy, NONE32, cls, 1};
        m->ncells++;
    }
    m->cellnext[x] = c->head;
    c->head = x;
    m->cls_count[cls]++;
}

typedef int (*related_fn)(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx);

/* Calls fn for every indexed report y != x related to x (invariant 2). Stops at and
 * returns fn's first non-zero value. Visits only the cells that can hold one. */
static int for_each_related(mon_engine *m, uint32_t x, related_fn fn, void *ctx) {
    const mrep *a = &m->reps[x];
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
        int64_t t0 = floor_div(a->t - w, m->tbucket[cls]), t1 = floor_div(a->t + w, m->tbucket[cls]);
        for (int32_t cx = x0; cx <= x1; cx++)
            for (int32_t cy = y0; cy <= y1; cy++)
                for (int64_t ct = t0; ct <= t1; ct++) {
                    const cell *c = cell_find(m, cls, tag, cx, cy, ct);
                    m->stats.cells++;
                    if (!c->used) continue;
                    for (uint32_t y = c->head; y != NONE32; y = m->cellnext[y]) {
                        if (y == x) continue;
                        m->stats.candidates++;
                        mon_type_rule rule = related(m, a, &m->reps[y]);
                        if (rule == MON_TYPE_NONE) continue;
                        m->stats.related++;
                        int rc = fn(m, x, y, rule, ctx);
                        if (rc) return rc;
                    }
                }
    }
    return 0;
}

/* ---- union-find, adjacency, groups ---- */

static uint32_t find(mon_engine *m, uint32_t x) {
    while (m->parent[x] != x) {
        m->parent[x] = m->parent[m->parent[x]];
        x = m->parent[x];
    }
    return x;
}

/* Whether report x is imprecise (invariant 4): with strict_coarse, a report with time or
 * geo precision 2 or 3. Components never mix precise and imprecise reports. */
static bool is_coarse(const mon_engine *m, uint32_t x) {
    return m->cfg.strict_coarse && level_of(&m->reps[x]) > 0;
}

/* ---- sets hung on component roots ----
 * Three kinds, in one pool, each reached through its own slot array:
 *   labels[root]   group labels of pinned reports related to the component;
 *   matches[root]  (imprecise components) roots, as they were when recorded, of the
 *                  precise components related to it; resolved through find() on read;
 *   followers[root] (precise components) representatives of imprecise components that
 *                  matched it; a candidate list, checked on read. */

static adjset *set_of(const mon_engine *m, const int32_t *slots, uint32_t root) {
    return slots[root] >= 0 ? &m->adjs[slots[root]] : NULL;
}

static void set_release(mon_engine *m, int32_t *slots, uint32_t root) {
    int32_t s = slots[root];
    if (s < 0) return;
    m->adjs[s].n = 0;
    slots[root] = -1;
    (void)uvec_push(&m->adjfree, (uint32_t)s); /* a lost slot only wastes memory */
}

/* Adds v to the set of root (once when dedupe). 1 if added, 0 if already there, -1 when
 * out of memory. */
static int set_add(mon_engine *m, int32_t *slots, uint32_t root, uint32_t v, bool dedupe) {
    adjset *a = set_of(m, slots, root);
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
static int label_add(mon_engine *m, uint32_t root, uint32_t g) {
    int r = set_add(m, m->adjslot, root, g, true);
    if (r < 0) return TR_ENOMEM;
    if (r == 1 && set_of(m, m->adjslot, root)->n == 1 && uvec_push(&m->groups[g].attached, root)) return TR_ENOMEM;
    return TR_OK;
}

/* Records that imprecise component croot matches precise component proot. */
static int match_add(mon_engine *m, uint32_t croot, uint32_t proot) {
    int r = set_add(m, m->matchslot, croot, proot, true);
    if (r < 0) return TR_ENOMEM;
    if (r == 1 && set_add(m, m->followslot, proot, croot, false) < 0) return TR_ENOMEM;
    return TR_OK;
}

/* Moves the set of rb to ra (dedupe as set_add). */
static int set_merge(mon_engine *m, int32_t *slots, uint32_t ra, uint32_t rb, bool dedupe, bool labels) {
    adjset *src = set_of(m, slots, rb);
    if (!src || src->n == 0) {
        set_release(m, slots, rb);
        return TR_OK;
    }
    size_t k = src->n;
    uint32_t *vals = malloc(k * sizeof *vals);
    if (!vals) return TR_ENOMEM;
    memcpy(vals, src->g, k * sizeof *vals);
    set_release(m, slots, rb);
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < k; i++)
        rc = labels ? label_add(m, ra, vals[i]) : set_add(m, slots, ra, vals[i], dedupe) < 0 ? TR_ENOMEM : TR_OK;
    free(vals);
    return rc;
}

/* Joins the components of a and b (of the same tier). */
static int unite(mon_engine *m, uint32_t a, uint32_t b) {
    uint32_t ra = find(m, a), rb = find(m, b);
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

/* Links x with a related report y: the body of insertion and re-clustering. */
static int link_related(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx) {
    (void)rule;
    (void)ctx;
    bool px = m->group[x] >= 0, py = m->group[y] >= 0;
    if (px && py) return 0;
    if (px) return label_add(m, find(m, y), (uint32_t)m->group[x]);
    if (py) return label_add(m, find(m, x), (uint32_t)m->group[y]);
    bool cx = is_coarse(m, x), cy = is_coarse(m, y);
    if (cx == cy) return unite(m, x, y);
    return cx ? match_add(m, find(m, x), find(m, y)) : match_add(m, find(m, y), find(m, x));
}

/* ---- incidents ---- */

/* An incident as the engine sees it: a group's, or a component's of its own. */
typedef struct iref {
    bool group;
    uint32_t key; /* group label or component root */
} iref;

static bool ref_eq(iref a, iref b) {
    return a.group == b.group && a.key == b.key;
}

/* The incident of a precise component: its group's when it has exactly one label. */
static iref ref_precise(mon_engine *m, uint32_t root) {
    adjset *a = set_of(m, m->adjslot, root);
    if (a && a->n == 1) return (iref){true, a->g[0]};
    return (iref){false, root};
}

/* The distinct incidents an imprecise component matches, through labels and precise
 * components: up to cap of them into out (when out is not NULL); returns how many,
 * counting no further than cap + 1. */
static size_t coarse_targets(mon_engine *m, uint32_t root, iref *out, size_t cap) {
    iref seen[8];
    size_t n = 0, limit = cap + 1 < 8 ? cap + 1 : 8;
    adjset *l = set_of(m, m->adjslot, root), *p = set_of(m, m->matchslot, root);
    size_t nl = l ? l->n : 0, np = p ? p->n : 0;
    for (size_t i = 0; i < nl + np && n < limit; i++) {
        iref r = i < nl ? (iref){true, l->g[i]} : ref_precise(m, find(m, p->g[i - nl]));
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++) dup = ref_eq(seen[k], r);
        if (dup) continue;
        if (out && n < cap) out[n] = r;
        seen[n++] = r;
    }
    return n;
}

static iref ref_of(mon_engine *m, uint32_t x) {
    if (m->group[x] >= 0) return (iref){true, (uint32_t)m->group[x]};
    uint32_t root = find(m, x);
    if (!is_coarse(m, root)) return ref_precise(m, root);
    iref one;
    return coarse_targets(m, root, &one, 1) == 1 ? one : (iref){false, root};
}

static int push_ring(mon_engine *m, uint32_t root, uvec *out) {
    uint32_t x = root;
    do {
        if (uvec_push(out, x)) return TR_ENOMEM;
        x = m->ring[x];
    } while (x != root);
    return TR_OK;
}

/* Adds to roots the imprecise components that follow precise root proot into inc. */
static int push_followers(mon_engine *m, uint32_t proot, iref inc, uvec *roots) {
    adjset *f = set_of(m, m->followslot, proot);
    for (size_t i = 0; f && i < f->n; i++) {
        uint32_t c = find(m, f->g[i]);
        if (m->group[c] < 0 && is_coarse(m, c) && ref_eq(ref_of(m, c), inc) && uvec_push(roots, c)) return TR_ENOMEM;
    }
    return TR_OK;
}

/* The component roots that make up incident r besides its pinned reports. */
static int component_roots(mon_engine *m, iref r, uvec *roots) {
    int rc = TR_OK;
    if (!r.group) {
        rc = uvec_push(roots, r.key) ? TR_ENOMEM : TR_OK;
        if (rc == TR_OK && !is_coarse(m, r.key)) rc = push_followers(m, r.key, r, roots);
    } else {
        mgroup *g = &m->groups[r.key];
        for (size_t i = 0; rc == TR_OK && i < g->attached.n; i++) {
            uint32_t root = find(m, g->attached.v[i]);
            if (m->group[root] >= 0 || !ref_eq(ref_of(m, root), r)) continue;
            rc = uvec_push(roots, root) ? TR_ENOMEM : TR_OK;
            if (rc == TR_OK && !is_coarse(m, root)) rc = push_followers(m, root, r, roots);
        }
    }
    uvec_sort_unique(roots);
    return rc;
}

/* The slots of the incident's reports (unordered). */
static int members_of(mon_engine *m, iref r, uvec *out) {
    out->n = 0;
    uvec roots = {0};
    int rc = TR_OK;
    if (r.group) {
        mgroup *g = &m->groups[r.key];
        for (size_t i = 0; rc == TR_OK && i < g->members.n; i++)
            if (m->group[g->members.v[i]] == (int32_t)r.key && uvec_push(out, g->members.v[i])) rc = TR_ENOMEM;
    }
    if (rc == TR_OK) rc = component_roots(m, r, &roots);
    for (size_t i = 0; rc == TR_OK && i < roots.n; i++) rc = push_ring(m, roots.v[i], out);
    /* Compact a group's attachment list now and then (stale entries cost only time). */
    if (rc == TR_OK && r.group && m->groups[r.key].attached.n > 2 * roots.n + 16) {
        mgroup *g = &m->groups[r.key];
        memcpy(g->attached.v, roots.v, roots.n * sizeof *roots.v);
        g->attached.n = roots.n;
    }
    free(roots.v);
    return rc;
}

/* The incident id: the smallest id among its pinned and precise reports, or among its
 * reports when all are imprecise. */
static int64_t ref_id(mon_engine *m, iref r) {
    if (!r.group) return m->minid[r.key];
    int64_t best = INT64_MAX;
    mgroup *g = &m->groups[r.key];
    for (size_t i = 0; i < g->members.n; i++) {
        uint32_t x = g->members.v[i];
        if (m->group[x] == (int32_t)r.key && m->reps[x].id < best) best = m->reps[x].id;
    }
    for (size_t i = 0; i < g->attached.n; i++) {
        uint32_t root = find(m, g->attached.v[i]);
        if (m->group[root] < 0 && !is_coarse(m, root) && m->minid[root] < best && ref_eq(ref_of(m, root), r))
            best = m->minid[root];
    }
    return best;
}

static bool slot_of(const mon_engine *m, int64_t id, uint32_t *slot) {
    return id > 0 && imap_get(&m->by_id, id, slot);
}

int mon_engine_incident_of(mon_engine *m, int64_t report_id, int64_t *incident_id) {
    uint32_t x;
    if (!slot_of(m, report_id, &x)) return TR_ENOTFOUND;
    *incident_id = ref_id(m, ref_of(m, x));
    return TR_OK;
}

/* ---- adding reports ---- */

static int reserve_slot(mon_engine *m) {
    size_t need = m->n + 1;
    if (need >= NONE32) return -1;
    if (need <= m->cap) return 0;
    size_t cap = m->cap ? m->cap * 2 : 1024;
    size_t c;
#define GROW(arr) (c = m->cap, grow(&m->arr, &c, cap, sizeof *m->arr))
    if (GROW(reps) || GROW(parent) || GROW(usize) || GROW(ring) || GROW(cellnext) || GROW(minid) || GROW(group) ||
        GROW(adjslot) || GROW(matchslot) || GROW(followslot) || GROW(by_id_sorted))
        return -1;
#undef GROW
    m->cap = cap;
    return 0;
}

/* Adds slot x to the per-day list of day in map (room reserved). */
static int day_push(mon_engine *m, imap *map, int64_t t, uint32_t x) {
    int64_t day = floor_div(t, 86400);
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

int mon_engine_add(mon_engine *m, const tr_report *r, const mon_classification *c, int64_t *incident_id,
                   tr_err *err) {
    uint32_t x;
    if (r->id <= 0) return tr_fail(err, TR_EINVAL, "id", "a report needs a positive id");
    if (slot_of(m, r->id, &x)) return tr_fail(err, TR_ECONFLICT, "id", "report %lld is already held", (long long)r->id);
    if (r->time_precision < 1 || r->time_precision > 3 || r->geo_precision < 1 || r->geo_precision > 3 ||
        (unsigned)r->event_type >= EV_COUNT || (unsigned)r->sub_event_type >= SUB_COUNT)
        return tr_fail(err, TR_EINVAL, "", "report %lld was not validated", (long long)r->id);
    char key[TR_REPORT_MAX_TEXT + 16];
    mon_source_key(r->source_ref, r->reporting_party, key, sizeof key);
    mrep rep = {
        .id = r->id, .t = r->occurred_at, .received = r->received_at, .lon = r->lon, .lat = r->lat,
        .perp = intern(&m->names, r->alleged_perpetrator), .party = intern(&m->names, r->reporting_party),
        .srckey = intern(&m->names, key), .region = intern(&m->names, c && c->region[0] ? c->region : NULL),
        .reason = intern(&m->names, c ? c->reason : NULL),
        .fmin = clamp_count(&r->fatalities, false), .fmax = clamp_count(&r->fatalities, true),
        .imin = clamp_count(&r->injured, false), .imax = clamp_count(&r->injured, true),
        .tp = (uint8_t)r->time_precision, .gp = (uint8_t)r->geo_precision, .ev = (uint8_t)r->event_type,
        .sub = (uint8_t)r->sub_event_type, .cls = (uint8_t)(c ? c->cls : MON_UNDETERMINED),
    };
    if (rep.perp == NONE32 || rep.party == NONE32 || rep.srckey == NONE32 || rep.region == NONE32 ||
        rep.reason == NONE32 || reserve_slot(m) || imap_reserve(&m->by_id, 1) || cells_reserve(m) ||
        imap_reserve(&m->occurred_days, 1) || imap_reserve(&m->received_days, 1))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    x = (uint32_t)m->n;
    if (day_push(m, &m->occurred_days, rep.t, x) || day_push(m, &m->received_days, rep.received, x))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    m->n++;
    m->reps[x] = rep;
    m->parent[x] = m->ring[x] = x;
    m->usize[x] = 1;
    m->minid[x] = rep.id;
    m->adjslot[x] = m->matchslot[x] = m->followslot[x] = -1;
    uint32_t g;
    m->group[x] = imap_get(&m->pending, rep.id, &g) ? (int32_t)g : -1;
    if (m->group[x] >= 0 && uvec_push(&m->groups[g].members, x)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    imap_set(&m->by_id, rep.id, x);
    if (m->nsorted && m->reps[m->by_id_sorted[m->nsorted - 1]].id > rep.id) m->sorted_dirty = true;
    m->by_id_sorted[m->nsorted++] = x;
    if (for_each_related(m, x, link_related, NULL)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    grid_insert(m, x);
    if (incident_id) *incident_id = ref_id(m, ref_of(m, x));
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
static int sort_slots(const mon_engine *m, uint32_t *v, size_t n) {
    if (n < 2) return TR_OK;
    slot_key *k = malloc(n * sizeof *k);
    if (!k) return TR_ENOMEM;
    for (size_t i = 0; i < n; i++) k[i] = (slot_key){m->reps[v[i]].id, v[i]};
    qsort(k, n, sizeof *k, cmp_slot_key);
    for (size_t i = 0; i < n; i++) v[i] = k[i].slot;
    free(k);
    return TR_OK;
}

int mon_engine_list(mon_engine *m, int64_t after, size_t limit, int64_t *ids, size_t *n) {
    *n = 0;
    if (m->sorted_dirty) {
        if (sort_slots(m, m->by_id_sorted, m->nsorted)) return TR_ENOMEM;
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
        if (ref_id(m, ref_of(m, x)) == m->reps[x].id) ids[(*n)++] = m->reps[x].id;
    }
    return TR_OK;
}

static int cmp_i64(const void *x, const void *y) {
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
    for (int64_t day = floor_div(from, 86400); day <= floor_div(to - 1, 86400); day++) {
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
            if (m->responses[i].at >= from && m->responses[i].at < to) rc = uvec_push(&slots, m->resp_links[i].anchor);
        for (size_t i = 0; rc == TR_OK && i < m->nverdicts; i++)
            if (m->verdicts[i].at >= from && m->verdicts[i].at < to) rc = uvec_push(&slots, m->verd_links[i].anchor);
        for (size_t i = 0; rc == TR_OK && i < m->nregroups; i++) {
            const mon_regroup *g = &m->regroups[i];
            uint32_t x;
            for (size_t k = 0; rc == TR_OK && g->at >= from && g->at < to && k < g->nids; k++)
                if (slot_of(m, g->ids[k], &x)) rc = uvec_push(&slots, x);
        }
    }
    /* Components are cheap to name by root; groups once each. */
    uvec groups = {0};
    for (size_t i = 0; rc == TR_OK && i < slots.n; i++) {
        iref r = ref_of(m, slots.v[i]);
        rc = r.group ? uvec_push(&groups, r.key) : idset_push(&out, m->minid[r.key]);
    }
    uvec_sort_unique(&groups);
    for (size_t i = 0; rc == TR_OK && i < groups.n; i++) rc = idset_push(&out, ref_id(m, (iref){true, groups.v[i]}));
    free(slots.v);
    free(groups.v);
    if (rc != TR_OK) {
        free(out.v);
        *ids = NULL;
        *n = 0;
        return TR_ENOMEM;
    }
    if (out.n > 1) qsort(out.v, out.n, sizeof *out.v, cmp_i64);
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

static int check_text(const char *s, const char *field, size_t max, bool required, tr_err *err) {
    if (!s || !s[0])
        return required ? tr_fail(err, TR_EINVAL, field, "is required") : TR_OK;
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
    while (links[first].next != NONE32) first = links[first].next;
    links[first].next = (uint32_t)i;
    return TR_OK;
}

int mon_engine_respond(mon_engine *m, int64_t incident_id, const char *party, mon_response_kind kind,
                       const char *text, int64_t at, tr_err *err) {
    uint32_t x;
    if (!slot_of(m, incident_id, &x))
        return tr_fail(err, TR_ENOTFOUND, "id", "no incident holds report %lld", (long long)incident_id);
    if (check_text(party, "party", TR_NAME_MAX, true, err) || check_text(text, "text", 4000, false, err))
        return TR_EINVAL;
    if ((unsigned)kind >= MON_RESPONSE_COUNT) return tr_fail(err, TR_EINVAL, "response", "must be accept, deny or comment");
    size_t c1 = m->capresponses, c2 = m->capresponses;
    if (grow(&m->responses, &c1, m->nresponses + 1, sizeof *m->responses) ||
        grow(&m->resp_links, &c2, m->nresponses + 1, sizeof *m->resp_links))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    m->capresponses = c1 < c2 ? c1 : c2;
    mon_response *p = &m->responses[m->nresponses];
    *p = (mon_response){(int64_t)m->nresponses + 1, strdup(party), kind, text && text[0] ? strdup(text) : NULL, at};
    if (!p->party || (text && text[0] && !p->text) || anchor(&m->resp_head, m->resp_links, m->nresponses, x)) {
        free(p->party);
        free(p->text);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    m->nresponses++;
    return TR_OK;
}

int mon_engine_verdict(mon_engine *m, int64_t incident_id, const char *monitor, mon_verdict_kind kind,
                       const char *reason, int64_t at, tr_err *err) {
    uint32_t x;
    if (!slot_of(m, incident_id, &x))
        return tr_fail(err, TR_ENOTFOUND, "id", "no incident holds report %lld", (long long)incident_id);
    if ((unsigned)kind >= MON_VERDICT_COUNT) return tr_fail(err, TR_EINVAL, "verdict", "must be confirm, reject or reopen");
    if (check_text(monitor, "monitor", TR_NAME_MAX, true, err) ||
        check_text(reason, "reason", 4000, kind == MON_REJECT, err))
        return TR_EINVAL;
    size_t c1 = m->capverdicts, c2 = m->capverdicts;
    if (grow(&m->verdicts, &c1, m->nverdicts + 1, sizeof *m->verdicts) ||
        grow(&m->verd_links, &c2, m->nverdicts + 1, sizeof *m->verd_links))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    m->capverdicts = c1 < c2 ? c1 : c2;
    mon_verdict *v = &m->verdicts[m->nverdicts];
    *v = (mon_verdict){(int64_t)m->nverdicts + 1, strdup(monitor), kind, reason && reason[0] ? strdup(reason) : NULL, at};
    if (!v->monitor || (reason && reason[0] && !v->reason) || anchor(&m->verd_head, m->verd_links, m->nverdicts, x)) {
        free(v->monitor);
        free(v->reason);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    m->nverdicts++;
    return TR_OK;
}

/* ---- manual regrouping ---- */

static int new_group(mon_engine *m, uint32_t decision, uint32_t *g) {
    if (grow(&m->groups, &m->capgroups, m->ngroups + 1, sizeof *m->groups)) return TR_ENOMEM;
    memset(&m->groups[m->ngroups], 0, sizeof m->groups[m->ngroups]);
    m->groups[m->ngroups].decision = decision;
    *g = (uint32_t)m->ngroups++;
    return TR_OK;
}

static int collect_root(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx) {
    (void)x;
    (void)rule;
    if (m->group[y] >= 0) return 0;
    return uvec_push(ctx, find(m, y)) ? TR_ENOMEM : 0;
}

/* Re-derives, for the component of *ctx, what a related report y contributes: a group
 * label, or (for an imprecise component) a match with y's precise component. */
static int relabel(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx) {
    (void)x;
    (void)rule;
    uint32_t root = *(uint32_t *)ctx;
    if (m->group[y] >= 0) return label_add(m, root, (uint32_t)m->group[y]);
    if (is_coarse(m, root) && !is_coarse(m, y)) return match_add(m, root, find(m, y));
    return 0;
}

static void reset_slot(mon_engine *m, uint32_t u) {
    set_release(m, m->adjslot, u);
    set_release(m, m->matchslot, u);
    set_release(m, m->followslot, u);
    m->parent[u] = m->ring[u] = u;
    m->usize[u] = 1;
    m->minid[u] = m->reps[u].id;
}

/* Applies record rec (already stored at index decision): pins its reports, dissolves the
 * components it cut, re-clusters their unpinned rest, and re-derives the labels and
 * matches of every component next to a pinned or re-clustered report (invariant 5). */
static int regroup(mon_engine *m, const mon_regroup *rec, uint32_t decision) {
    uint32_t g1, g2;
    int rc = new_group(m, decision, &g1);
    g2 = g1;
    if (rc == TR_OK && rec->split) rc = new_group(m, decision, &g2);
    uvec touched = {0}, roots = {0}, around = {0};
    for (size_t i = 0; rc == TR_OK && i < rec->nids; i++) {
        uint32_t x, g = i < rec->nfirst ? g1 : g2;
        if (!slot_of(m, rec->ids[i], &x)) {
            rc = imap_reserve(&m->pending, 1) ? TR_ENOMEM : TR_OK;
            if (rc == TR_OK) imap_set(&m->pending, rec->ids[i], g);
            continue;
        }
        if (m->group[x] < 0 && uvec_push(&roots, find(m, x))) rc = TR_ENOMEM;
        if (rc == TR_OK && (uvec_push(&touched, x) || uvec_push(&m->groups[g].members, x))) rc = TR_ENOMEM;
        m->group[x] = (int32_t)g;
    }
    /* Dissolve the components that lost members, then rebuild their unpinned rest. */
    uvec_sort_unique(&roots);
    size_t npinned = touched.n;
    for (size_t i = 0; rc == TR_OK && i < roots.n; i++) rc = push_ring(m, roots.v[i], &touched);
    for (size_t i = npinned; rc == TR_OK && i < touched.n; i++) reset_slot(m, touched.v[i]);
    for (size_t i = npinned; rc == TR_OK && i < touched.n; i++)
        if (m->group[touched.v[i]] < 0) rc = for_each_related(m, touched.v[i], link_related, NULL);
    /* Every component next to a pinned or re-clustered report re-derives its labels and
     * matches from scratch (stale matches name dissolved components). */
    for (size_t i = 0; rc == TR_OK && i < touched.n; i++) {
        if (m->group[touched.v[i]] < 0 && uvec_push(&around, find(m, touched.v[i]))) rc = TR_ENOMEM;
        if (rc == TR_OK) rc = for_each_related(m, touched.v[i], collect_root, &around);
    }
    for (size_t i = 0; rc == TR_OK && i < around.n; i++) around.v[i] = find(m, around.v[i]);
    uvec_sort_unique(&around);
    uvec ring = {0};
    for (size_t i = 0; rc == TR_OK && i < around.n; i++) {
        uint32_t root = around.v[i];
        set_release(m, m->adjslot, root);
        set_release(m, m->matchslot, root);
        ring.n = 0;
        rc = push_ring(m, root, &ring);
        for (size_t k = 0; rc == TR_OK && k < ring.n; k++) rc = for_each_related(m, ring.v[k], relabel, &root);
    }
    free(ring.v);
    free(touched.v);
    free(roots.v);
    free(around.v);
    return rc;
}

static int cmp_id(const void *x, const void *y) {
    return cmp_i64(x, y);
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
        regroup_free(c);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    memcpy(c->ids, rec->ids, rec->nids * sizeof *c->ids);
    qsort(c->ids, c->nfirst, sizeof *c->ids, cmp_id);
    qsort(c->ids + c->nfirst, c->nids - c->nfirst, sizeof *c->ids, cmp_id);
    m->nregroups++;
    if (regroup(m, c, (uint32_t)(m->nregroups - 1)) != TR_OK) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

int mon_engine_apply_regroup(mon_engine *m, const mon_regroup *rec, tr_err *err) {
    if (!rec || rec->nids == 0 || rec->nfirst == 0 || rec->nfirst > rec->nids || (rec->split && rec->nfirst == rec->nids))
        return tr_fail(err, TR_EINVAL, "ids", "a regroup record needs reports on each side");
    return record_regroup(m, rec, err);
}

/* The sorted report ids of the incident holding slot x into *ids. */
static int incident_ids(mon_engine *m, uint32_t x, int64_t **ids, size_t *n) {
    uvec mem = {0};
    int rc = members_of(m, ref_of(m, x), &mem);
    *ids = rc == TR_OK ? malloc((mem.n ? mem.n : 1) * sizeof **ids) : NULL;
    if (!*ids) {
        free(mem.v);
        return TR_ENOMEM;
    }
    for (size_t i = 0; i < mem.n; i++) (*ids)[i] = m->reps[mem.v[i]].id;
    qsort(*ids, mem.n, sizeof **ids, cmp_id);
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
    if (!slot_of(m, a, &xa)) return tr_fail(err, TR_ENOTFOUND, "a", "no incident holds report %lld", (long long)a);
    if (!slot_of(m, b, &xb)) return tr_fail(err, TR_ENOTFOUND, "b", "no incident holds report %lld", (long long)b);
    if (check_text(by, "by", TR_NAME_MAX, true, err) || check_text(why, "why", 4000, true, err)) return TR_EINVAL;
    if (ref_eq(ref_of(m, xa), ref_of(m, xb)))
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
    if (!slot_of(m, incident_id, &x))
        return tr_fail(err, TR_ENOTFOUND, "id", "no incident holds report %lld", (long long)incident_id);
    if (check_text(by, "by", TR_NAME_MAX, true, err) || check_text(why, "why", 4000, true, err)) return TR_EINVAL;
    int64_t *mem;
    size_t nmem;
    if (incident_ids(m, x, &mem, &nmem)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int64_t *side = malloc((nmem ? nmem : 1) * sizeof *side);
    bool *taken = calloc(nmem ? nmem : 1, sizeof *taken);
    int rc = side && taken ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t k = 0;
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        int64_t *hit = bsearch(&ids[i], mem, nmem, sizeof *mem, cmp_id);
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
    bool in_first = bsearch(&id, g->ids, g->nfirst, sizeof id, cmp_id) != NULL;
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
    if (!ref_eq(ref_of(m, y), b->inc)) return 0;
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
        snprintf(out->why, sizeof out->why, "placed here by %s's %s on %s: %.120s", g->by, g->split ? "split" : "merge",
                 tr_time_format(g->at, when), g->why);
        return;
    }
    best_link b = {m, inc, NONE32, 0, 0, MON_TYPE_NONE};
    for_each_related(m, x, consider, &b);
    if (b.partner == NONE32) {
        snprintf(out->why, sizeof out->why, nmembers == 1 ? "the only report" : "no related report in the incident");
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
             "related to report %lld: %lld m apart (limit %lld m), %s apart (limit %lld h), %s", (long long)p->id,
             (long long)out->distance_m, (long long)llround(m->cfg.radius_m[a->gp - 1] + m->cfg.radius_m[p->gp - 1]),
             gap, (long long)((m->cfg.window_s[a->tp - 1] + m->cfg.window_s[p->tp - 1]) / 3600),
             mon_type_rule_name(b.rule));
}

static char *dup_or_null(const char *s) {
    return s ? strdup(s) : NULL;
}

void mon_incident_clear(mon_incident *inc) {
    free(inc->members);
    free(inc->region);
    free(inc->perpetrator);
    for (size_t i = 0; i < inc->nperpetrators; i++) free(inc->perpetrators[i]);
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
    for (size_t i = 0; i < inc->nregroups; i++) regroup_free(&inc->regroups[i]);
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
        static const int rank[MON_CLASS_COUNT] = {[MON_VIOLATION] = 0, [MON_UNDETERMINED] = 1, [MON_NOT_COVERED] = 2};
        if (!cls_rep || rank[r->cls] < rank[cls_rep->cls] || (r->cls == cls_rep->cls && r->id < cls_rep->id))
            cls_rep = r;
        widen(&out->fatalities, r->fmin, r->fmax);
        widen(&out->injured, r->imin, r->imax);
        if (r->received < out->first_received_at) out->first_received_at = r->received;
        if (r->received > out->last_received_at) out->last_received_at = r->received;
        if (!r->perp) continue;
        size_t k = 0;
        while (k < nt && t[k].name != r->perp) k++;
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
            v[out->nresponses] = (mon_response){p->seq, strdup(p->party), p->kind, dup_or_null(p->text), p->at};
            if (!v[out->nresponses++].party) return TR_ENOMEM;
        }
        for (bool ok = imap_get(&m->verd_head, mem->v[i], &k); ok && k != NONE32; k = m->verd_links[k].next) {
            const mon_verdict *p = &m->verdicts[k];
            mon_verdict *v = realloc(out->verdicts, (out->nverdicts + 1) * sizeof *v);
            if (!v) return TR_ENOMEM;
            out->verdicts = v;
            v[out->nverdicts] = (mon_verdict){p->seq, strdup(p->monitor), p->kind, dup_or_null(p->reason), p->at};
            if (!v[out->nverdicts++].monitor) return TR_ENOMEM;
        }
    }
    if (out->nresponses) qsort(out->responses, out->nresponses, sizeof *out->responses, cmp_response);
    if (out->nverdicts) qsort(out->verdicts, out->nverdicts, sizeof *out->verdicts, cmp_verdict);
    return TR_OK;
}

/* The regroup records that name a member, in order. */
static int gather_regroups(mon_engine *m, const uvec *sorted_slots, mon_incident *out) {
    for (size_t i = 0; i < m->nregroups; i++) {
        const mon_regroup *g = &m->regroups[i];
        bool touches = false;
        for (size_t k = 0; !touches && k < g->nids; k++) {
            uint32_t x;
            touches = slot_of(m, g->ids[k], &x) && uvec_has_sorted(sorted_slots, x);
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
        gr[i] = (mon_grade_report){r->id, r->received, istr(&m->names, r->party), NULL,
                                   istr(&m->names, r->srckey), istr(&m->names, r->perp)};
        const mon_regroup *g = pinned_by(m, mem->v[i]);
        if (g && merged_in(g, r->id) && g->at > r->received) {
            size_t n = strlen(g->by) + strlen(g->why) + 48;
            if (!(notes[i] = malloc(n))) rc = TR_ENOMEM;
            else snprintf(notes[i], n, "merged in by %s: %s", g->by, g->why);
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
    for (size_t i = 0; notes && i < mem->n; i++) free(notes[i]);
    free(notes);
    free(gr);
    return rc;
}

/* The incidents a component stands apart from because it matches more than one. */
static int ambiguity(mon_engine *m, uint32_t root, mon_incident *out) {
    iref targets[64];
    size_t n;
    if (is_coarse(m, root)) {
        n = coarse_targets(m, root, targets, 64);
        if (n > 64) n = 64;
    } else {
        adjset *a = set_of(m, m->adjslot, root);
        n = a ? (a->n < 64 ? a->n : 64) : 0;
        for (size_t i = 0; i < n; i++) targets[i] = (iref){true, a->g[i]};
    }
    if (n < 2) return TR_OK;
    if (!(out->ambiguous_with = malloc(n * sizeof *out->ambiguous_with))) return TR_ENOMEM;
    for (size_t i = 0; i < n; i++) out->ambiguous_with[out->nambiguous++] = ref_id(m, targets[i]);
    qsort(out->ambiguous_with, out->nambiguous, sizeof *out->ambiguous_with, cmp_id);
    return TR_OK;
}

static int build(mon_engine *m, uint32_t x, bool links, mon_incident *out) {
    iref inc = ref_of(m, x);
    uvec mem = {0}, slots = {0};
    int rc = members_of(m, inc, &mem);
    if (rc != TR_OK) return rc;
    if (sort_slots(m, mem.v, mem.n)) {
        free(mem.v);
        return TR_ENOMEM;
    }
    out->id = ref_id(m, inc);
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
        for (size_t i = 0; rc == TR_OK && i < mem.n; i++) rc = uvec_push(&slots, mem.v[i]);
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
    if (!slot_of(m, id, &x)) return tr_fail(err, TR_ENOTFOUND, "id", "no incident holds report %lld", (long long)id);
    int rc = build(m, x, links, out);
    if (rc != TR_OK) {
        mon_incident_clear(out);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    return TR_OK;
}
