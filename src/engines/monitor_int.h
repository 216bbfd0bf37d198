/*
 * monitor_int.h — what the monitoring engine's files share (not for other modules):
 * small containers, the engine's struct, and the functions one file of the engine
 * calls in another (prefix mon__).
 *
 *   monitor.c          the engine's life cycle, adding reports, lists and windows,
 *                      responses and verdicts (the API of monitor.h)
 *   monitor_index.c    the "same event" relation, the space-time grid, union-find and
 *                      the sets hung on component roots, incident references
 *   monitor_regroup.c  manual split and merge (pinned groups)
 *   monitor_read.c     reading an incident: members and why, summary, grade, regroups
 *
 * The invariants are stated at the top of monitor.c.
 */
#ifndef TRUCE_ENGINES_MONITOR_INT_H
#define TRUCE_ENGINES_MONITOR_INT_H

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

static inline int uvec_push(uvec *u, uint32_t x) {
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

static inline int cmp_u32(const void *x, const void *y) {
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

static inline void uvec_sort_unique(uvec *u) {
    if (u->n < 2) return;
    qsort(u->v, u->n, sizeof *u->v, cmp_u32);
    size_t k = 1;
    for (size_t i = 1; i < u->n; i++)
        if (u->v[i] != u->v[k - 1]) u->v[k++] = u->v[i];
    u->n = k;
}

static inline bool uvec_has_sorted(const uvec *u, uint32_t x) {
    return u->n && bsearch(&x, u->v, u->n, sizeof *u->v, cmp_u32) != NULL;
}

static inline uint64_t mix64(uint64_t x) {
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

static inline imap_entry *imap_slot(const imap *m, int64_t key) {
    size_t mask = m->cap - 1, i = (size_t)mix64((uint64_t)key) & mask;
    while (m->e[i].used && m->e[i].key != key)
        i = (i + 1) & mask;
    return &m->e[i];
}

static inline int imap_reserve(imap *m, size_t extra) {
    if ((m->n + extra) * 2 <= m->cap) return 0;
    size_t cap = m->cap ? m->cap : 64;
    while ((m->n + extra) * 2 > cap)
        cap *= 2;
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

static inline bool imap_get(const imap *m, int64_t key, uint32_t *val) {
    if (m->cap == 0) return false;
    imap_entry *e = imap_slot(m, key);
    if (!e->used) return false;
    *val = e->val;
    return true;
}

/* Sets key -> val; the caller reserved room. */
static inline void imap_set(imap *m, int64_t key, uint32_t val) {
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

static inline uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static inline uint32_t *intern_slot(const interner *in, const char *s) {
    size_t mask = in->tcap - 1, i = (size_t)hash_str(s) & mask;
    while (in->table[i] && strcmp(in->strs[in->table[i] - 1], s) != 0)
        i = (i + 1) & mask;
    return &in->table[i];
}

/* The id of s (adding it), 0 for NULL, NONE32 when out of memory. */
static inline uint32_t intern(interner *in, const char *s) {
    if (!s) return 0;
    if ((in->n + 1) * 2 > in->tcap) {
        size_t cap = in->tcap ? in->tcap * 2 : 256;
        uint32_t *t = calloc(cap, sizeof *t);
        if (!t) return NONE32;
        uint32_t *old = in->table;
        in->table = t;
        in->tcap = cap;
        for (size_t i = 0; i < in->n; i++)
            *intern_slot(in, in->strs[i]) = (uint32_t)(i + 1);
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

static inline const char *istr(const interner *in, uint32_t id) {
    return id ? in->strs[id - 1] : NULL;
}

/* ---- the engine ---- */

typedef struct mrep {
    int64_t id, t, received;
    double lon, lat;
    int64_t target;                               /* a site (> 0) or movement (< 0, negated) it is about; 0 */
    uint32_t perp, party, srckey, region, reason; /* interned; 0 none */
    int32_t fmin, fmax, imin, imax;               /* -1 unknown */
    uint8_t tp, gp, ev, sub, cls, skind;          /* skind: tr_source_kind */
} mrep;

/* A grid cell of one level (and, for imprecise levels, one sub-event type and
 * perpetrator): a list of blocks. */
typedef struct cell {
    int64_t ct;
    uint64_t tag; /* 0, or (sub-event type << 32 | perpetrator id) for imprecise levels */
    int32_t cx, cy;
    uint32_t bhead; /* first block, NONE32 when none */
    uint8_t cls, used;
} cell;

/* A block: reports of one cell that are all in one component (unpinned ones), or all
 * pinned into one group. A search needs one related report per block: relating to one
 * member of a component relates to the component (invariant 6 in monitor.c). */
typedef struct mblock {
    uint32_t head, tail; /* members, chained through cellnext[] */
    uint32_t key;        /* unpinned: a member; pinned: the group label */
    uint32_t next;       /* the cell's next block, NONE32 at the end */
    bool pinned;
} mblock;

typedef struct adjset {
    uint32_t *g;
    size_t n, cap;
} adjset;

typedef struct mgroup {
    uvec members;  /* may hold reports since re-pinned elsewhere: check group[] */
    uvec attached; /* representatives of components once attached: check on read */
    uint32_t decision;
    uint32_t sum;  /* its incident's summary in sums[], NONE32 */
} mgroup;

/* An incident as the engine sees it: a group's, or a component's of its own. */
typedef struct iref {
    bool group;
    uint32_t key; /* group label or component root */
} iref;

typedef struct perp_tally {
    uint32_t name, count; /* interned perpetrator, reports naming it */
} perp_tally;

#define MON_SUM_KEEP 32 /* incidents of fewer reports are summed up again on each read */

/* An incident's summary (monitor_sum.c): what a read needs without a pass over its reports. */
typedef struct isum {
    iref key;
    bool kept;                    /* held in the engine's sums[] (else freed after one read) */
    uvec members;                 /* slots, by report id */
    uint32_t rep, clsrep;         /* the representative report; the one that sets the class */
    tr_range fatalities, injured; /* lowest min .. highest max */
    int64_t first_received, last_received;
    int64_t id_all, id_firm; /* smallest report id; among pinned and precise reports */
    perp_tally *perps;       /* in order of first appearance */
    size_t nperps, capperps;
    uint32_t by_kind[SRC_COUNT]; /* reports per source kind */
    int64_t targets[32];         /* sites (> 0) and movements (< 0, negated), first ones */
    size_t ntargets;
    uvec resp, verd;    /* indexes into responses[] / verdicts[], by seq */
    mon_grader *grader; /* the grade, replayed so far */
} isum;

typedef struct anchored {
    uint32_t anchor; /* report slot */
    uint32_t next;   /* next item with the same anchor, NONE32 at the end */
} anchored;

struct mon_engine {
    mon_config cfg;
    double cell_deg[3];  /* grid cell size per level, degrees */
    int64_t tbucket[3];  /* time bucket per level, seconds */
    size_t cls_count[3]; /* reports per level */

    mrep *reps;
    uint32_t *parent, *usize, *ring, *cellnext;
    int64_t *minid;
    int32_t *group, *adjslot, *matchslot, *followslot; /* see "sets hung on component roots" */
    size_t n, cap;

    imap by_id; /* report id -> slot */
    interner names;
    cell *cells;
    size_t ncells, capcells;
    mblock *blocks; /* pool; free ones listed in blockfree */
    size_t nblocks, capblocks;
    uvec blockfree;
    isum **sums; /* incident summaries kept up to date (monitor_sum.c); NULL: free */
    size_t nsums, capsums;
    uvec sumfree;    /* free indexes of sums[] */
    uint32_t *sumof; /* per slot: the index in sums[] of the summary keyed by that root, NONE32 */
    imap occurred_days, received_days; /* UTC day -> index into days[] */
    uvec *days;
    size_t ndays, capdays;

    adjset *adjs; /* pool; free slots listed in adjfree */
    size_t nadjs, capadjs;
    uvec adjfree;

    mgroup *groups;
    size_t ngroups, capgroups;
    imap pending; /* report id not yet added -> group label */

    mon_response *responses;
    anchored *resp_links;
    size_t nresponses, capresponses;
    imap resp_head; /* anchor slot -> first response */
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

/* Grows *pp (an array of elem-byte items with *cap slots) to hold need items. */
static inline int grow(void *pp, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *p = realloc(*(void **)pp, n * elem);
    if (!p) return -1;
    *(void **)pp = p;
    *cap = n;
    return 0;
}

/* Called for related pairs (x, y) by mon__for_each_related; non-zero stops. */
typedef int (*related_fn)(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx);

/* ---- monitor_index.c: the relation, the grid, components and incident references ---- */
mon_type_rule mon__related(const mon_engine *m, const mrep *a, const mrep *b);
int64_t mon__floor_div(int64_t a, int64_t b);
int mon__cells_reserve(mon_engine *m);
void mon__grid_insert(mon_engine *m, uint32_t x);
/* For each block (of the cells x's reach covers) holding a report related to x, calls fn
 * once with one such report; skips the blocks of x's own component, and pinned blocks when
 * x is pinned (nothing to link there). Enough for whatever acts per component or group. */
int mon__for_each_related(mon_engine *m, uint32_t x, related_fn fn, void *ctx);
/* Calls fn for every indexed report related to x (every member of every block). */
int mon__for_each_related_all(mon_engine *m, uint32_t x, related_fn fn, void *ctx);
/* Re-sorts the cells holding slots[] into blocks by their current components and groups
 * (after a regroup dissolved components). TR_OK or TR_ENOMEM. */
int mon__grid_regroup(mon_engine *m, const uvec *slots);
uint32_t mon__find(mon_engine *m, uint32_t x);
bool mon__is_coarse(const mon_engine *m, uint32_t x);
adjset *mon__set_of(const mon_engine *m, const int32_t *slots, uint32_t root);
void mon__set_release(mon_engine *m, int32_t *slots, uint32_t root);
int mon__label_add(mon_engine *m, uint32_t root, uint32_t g);
int mon__match_add(mon_engine *m, uint32_t croot, uint32_t proot);
int mon__link_related(mon_engine *m, uint32_t x, uint32_t y, mon_type_rule rule, void *ctx);
bool mon__ref_eq(iref a, iref b);
size_t mon__coarse_targets(mon_engine *m, uint32_t root, iref *out, size_t cap);
iref mon__ref_of(mon_engine *m, uint32_t x);
int mon__push_ring(mon_engine *m, uint32_t root, uvec *out);
int mon__members_of(mon_engine *m, iref r, uvec *out);
int64_t mon__ref_id(mon_engine *m, iref r);
bool mon__slot_of(const mon_engine *m, int64_t id, uint32_t *slot);

/* ---- monitor.c ---- */
void mon__regroup_free(mon_regroup *g);
int mon__sort_slots(const mon_engine *m, uint32_t *v, size_t n);
int mon__cmp_i64(const void *x, const void *y);
int mon__check_text(const char *s, const char *field, size_t max, bool required, tr_err *err);

/* ---- monitor_sum.c ---- */
/* The summary of incident r: the kept one, or one built now (kept when large; a small one
 * is the caller's: pass it to mon__sum_done). NULL and *rc = TR_ENOMEM when out of memory. */
isum *mon__sum_get(mon_engine *m, iref r, int *rc);
void mon__sum_done(isum *s);
/* Report x has joined incident r and changed nothing else: r's kept summary takes it. */
void mon__sum_joined(mon_engine *m, iref r, uint32_t x);
/* A response or verdict (index into its array) was anchored at slot anchor. */
void mon__sum_act(mon_engine *m, uint32_t anchor, bool verdict, uint32_t index);
void mon__sum_forget(mon_engine *m, iref r);
void mon__sum_forget_all(mon_engine *m);
void mon__sum_free_all(mon_engine *m);
int64_t mon__sum_id(const isum *s);
const isum *mon__sum_kept(const mon_engine *m, iref r);
const mon_regroup *mon__pinned_by(const mon_engine *m, uint32_t x);

/* ---- monitor_regroup.c ---- */
int mon__regroup(mon_engine *m, const mon_regroup *rec, uint32_t decision);
int mon__cmp_id(const void *x, const void *y);

#endif
