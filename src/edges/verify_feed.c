/*
 * verify_feed.c — pass 4 of `truce verify --db` for the incident change feed
 * (incident_feed, incident_feed_pass; docs/monitoring.md "The change feed", docs/verify.md).
 *
 * The feed's table is derived: what a downstream copy was shown is a function of the
 * incidents at each pass, and the incidents are a function of the logged reports, regroups,
 * responses and verdicts (and the clustering settings in force). So it is recomputed. The
 * passes recorded must be numbered 1, 2, … with log sizes that never decrease, each the
 * size of a log whose root is the rebuilt tree's root at that size, and forced lists in
 * their canonical form. Then the incidents are rebuilt entry by entry in log order (as the
 * server built them: centre_mon_add_stored and its siblings), each pass is replayed at its
 * log size with the server's own pass (centre_feed_pass) over a copy in memory, and must
 * change something (the server records only passes that do); the table must then be that
 * copy, row for row: ids, digests, seqs and retirements.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "edges/verify_db.h"
#include "service/centre_feed.h"
#include "service/centre_monitor.h"

#define DIFFS_SHOWN 10 /* rows that differ named one by one; the rest counted */

/* ---- the passes ---- */

typedef struct feed_pass {
    int64_t seq;
    uint64_t log_size;
    int64_t *forced; /* NULL: a reconciliation of every incident */
    size_t nforced;
} feed_pass;

typedef struct pass_list {
    feed_pass *p;
    size_t n;
    bool ok; /* every pass is well formed */
} pass_list;

static void passes_free(pass_list *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->p[i].forced);
    free(l->p);
    memset(l, 0, sizeof *l);
}

/* forced as a list of ids, ascending and distinct, in its canonical text; false if not. */
static bool parse_forced(const char *text, feed_pass *p) {
    json_t *a = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    size_t n = json_is_array(a) ? json_array_size(a) : 0;
    p->forced = n ? calloc(n, sizeof *p->forced) : NULL;
    bool ok = p->forced != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        json_t *v = json_array_get(a, i);
        p->forced[i] = json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
        ok = p->forced[i] > 0 && (i == 0 || p->forced[i] > p->forced[i - 1]);
    }
    json_decref(a);
    p->nforced = n;
    char *canon = ok ? centre_feed_forced_text(p->forced, n) : NULL;
    ok = canon && strcmp(canon, text) == 0;
    free(canon);
    return ok;
}

/* The pass of the row st holds (seq, log_size, log_root, forced), after prev. */
static bool check_pass(db_audit *a, const store_audit_row *row, const feed_pass *prev, feed_pass *p,
                       bool report) {
    p->seq = store_audit_int(row, 0);
    int64_t size = store_audit_int(row, 1);
    p->log_size = (uint64_t)(size < 0 ? 0 : size);
    size_t root_len = 0;
    const void *root = store_audit_blob(row, 2, &root_len);
    const char *forced = store_audit_text(row, 3);
    bool has_forced = !store_audit_null(row, 3);
    const char *why = NULL;
    tlog_hash want;
    tr_err e = {0};
    tlog_reader r = tlog_memstore_reader(a->mem);
    if (p->seq != (prev ? prev->seq + 1 : 1))
        why = "passes are not numbered 1, 2, … (one is missing, or added)";
    else if (size < 0 || p->log_size > a->next || (prev && p->log_size < prev->log_size))
        why = "its log_size is not a size of the log at or after the pass before";
    else if (has_forced && !parse_forced(forced ? forced : "", p))
        why = "forced is not a list of ids, ascending, in canonical form";
    else if (!root || root_len != sizeof want.b)
        why = "its log_root is not a 32-byte hash";
    else if (!a->broken && (tlog_root_at(&r, p->log_size, &want, &e) || memcmp(want.b, root, sizeof want.b)))
        why = "its log_root is not the root of the log at its log_size";
    if (why && report) FAIL(a, "incident_feed_pass %lld: %s", (long long)p->seq, why);
    return !why;
}

typedef struct pass_load {
    pass_list *l;
    size_t cap;
    bool report;
} pass_load;

static int load_pass(db_audit *a, const store_audit_row *r) {
    pass_load *x = a->pass;
    pass_list *l = x->l;
    if (l->n == x->cap) {
        feed_pass *p = realloc(l->p, (x->cap = x->cap ? 2 * x->cap : 16) * sizeof *p);
        if (!p) return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
        l->p = p;
    }
    feed_pass *p = &l->p[l->n];
    memset(p, 0, sizeof *p);
    if (!check_pass(a, r, l->n ? &l->p[l->n - 1] : NULL, p, x->report)) l->ok = false;
    l->n++;
    return TR_OK;
}

/* Reads incident_feed_pass in seq order (reporting malformed passes when report). */
static int load_passes(db_audit *a, pass_list *l, bool report) {
    pass_load x = {l, 0, report};
    l->ok = true;
    a->pass = &x;
    int rc = verify__scan(a, AUDIT_FEED_PASSES, load_pass, NULL);
    a->pass = NULL;
    return rc;
}

int verify__incident_feed_pass(db_audit *a, uint64_t *rows) {
    pass_list l = {0};
    int rc = load_passes(a, &l, true);
    *rows = l.n;
    passes_free(&l);
    return rc;
}

/* ---- the table recomputed, in memory ---- */

typedef struct mem_table {
    store_feed_row *rows; /* by id */
    size_t n;
    store_feed_row *added; /* new ids written by the pass under way, ascending */
    size_t nadded, capadded;
} mem_table;

static size_t lower_bound(const mem_table *t, int64_t id) {
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->rows[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int mem_page(void *ctx, int64_t after, size_t limit, store_feed_row *rows, size_t *n, tr_err *err) {
    (void)err;
    const mem_table *t = ctx;
    size_t i = after == INT64_MAX ? t->n : lower_bound(t, after + 1);
    for (*n = 0; *n < limit && i < t->n; i++)
        rows[(*n)++] = t->rows[i];
    return TR_OK;
}

static int mem_put(void *ctx, const store_feed_row *r, tr_err *err) {
    mem_table *t = ctx;
    size_t i = lower_bound(t, r->id);
    if (i < t->n && t->rows[i].id == r->id) {
        t->rows[i] = *r;
        return TR_OK;
    }
    if (t->nadded == t->capadded) {
        size_t cap = t->capadded ? 2 * t->capadded : 256;
        store_feed_row *p = realloc(t->added, cap * sizeof *p);
        if (!p) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        t->added = p;
        t->capadded = cap;
    }
    t->added[t->nadded++] = *r;
    return TR_OK;
}

/* After a pass: the ids it added join the table, in id order. */
static int mem_settle(mem_table *t, tr_err *err) {
    if (!t->nadded) return TR_OK;
    store_feed_row *all = malloc((t->n + t->nadded) * sizeof *all);
    if (!all) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t i = 0, j = 0, k = 0;
    while (i < t->n || j < t->nadded)
        all[k++] =
            j == t->nadded || (i < t->n && t->rows[i].id < t->added[j].id) ? t->rows[i++] : t->added[j++];
    free(t->rows);
    t->rows = all;
    t->n = k;
    t->nadded = 0;
    return TR_OK;
}

/* ---- the incidents rebuilt from the log, entry by entry ---- */

typedef struct replay replay;

/* A logged entry the incidents depend on. */
typedef struct item {
    uint64_t index;
    unsigned type; /* its row in ITEM_TYPES */
    int64_t id;    /* the report id, or the regroup's, response's or verdict's seq */
} item;

static int apply_report(replay *rp, const item *it);
static int apply_regroup(replay *rp, const item *it);
static int apply_act(replay *rp, const item *it);
static int apply_setting(replay *rp, const item *it);

/* The entries, by type and ref, and how each one's row goes into the engine. */
static const struct {
    tr_entry type;
    const char *prefix;
    int (*apply)(replay *rp, const item *it);
} ITEM_TYPES[] = {
    {TR_ENTRY_REPORT_CREATE, "report/", apply_report},
    {TR_ENTRY_INCIDENT_REGROUP, "regroup/", apply_regroup},
    {TR_ENTRY_INCIDENT_RESPONSE, "response/", apply_act},
    {TR_ENTRY_INCIDENT_VERDICT, "verdict/", apply_act},
    {TR_ENTRY_SETTING_PUT, "setting/--cluster-radius-m", apply_setting},
    {TR_ENTRY_SETTING_PUT, "setting/--cluster-window-s", apply_setting},
};
#define NITEM_TYPES (sizeof ITEM_TYPES / sizeof *ITEM_TYPES)

struct replay {
    db_audit *a;
    mon_engine *m;
    char *radius, *window; /* the clustering settings in force (NULL: the default) */
    item *items;
    size_t nitems, done;     /* items[0..done) are in the engine */
    store_regroup *regroups; /* by seq */
    size_t nregroups, capregroups;
    store_incident_act *acts[2]; /* responses, verdicts: by seq */
    size_t nacts[2], capacts[2];
    bool verdict; /* which acts the loader fills */
    tr_err e;     /* why the incidents cannot be rebuilt */
};

static int cmp_item(const void *x, const void *y) {
    const item *p = x, *q = y;
    return (p->index > q->index) - (p->index < q->index);
}

/* The entries the incidents depend on, in log order. */
static int collect_items(replay *rp) {
    db_audit *a = rp->a;
    if (!(rp->items = calloc(a->nlog ? a->nlog : 1, sizeof *rp->items)))
        return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    for (size_t k = 0; k < a->nlog; k++) {
        const logged *l = &a->log[k];
        for (size_t t = 0; t < NITEM_TYPES; t++) {
            size_t plen = strlen(ITEM_TYPES[t].prefix);
            bool setting = ITEM_TYPES[t].apply == apply_setting;
            if (strcmp(l->type, tr_entry_name(ITEM_TYPES[t].type)) != 0 ||
                strncmp(l->ref, ITEM_TYPES[t].prefix, plen) != 0 || (setting && l->ref[plen]))
                continue;
            rp->items[rp->nitems++] =
                (item){l->index, (unsigned)t, setting ? 0 : strtoll(l->ref + plen, NULL, 10)};
            break;
        }
    }
    qsort(rp->items, rp->nitems, sizeof *rp->items, cmp_item);
    return TR_OK;
}

/* Keeps a copy of each regroup and act (the store clears its own after the call). */
static int keep_regroup(store_regroup *g, void *ctx) {
    replay *rp = ctx;
    if (rp->nregroups == rp->capregroups) {
        size_t cap = rp->capregroups ? 2 * rp->capregroups : 64;
        store_regroup *p = realloc(rp->regroups, cap * sizeof *p);
        if (!p) return TR_ENOMEM;
        rp->regroups = p;
        rp->capregroups = cap;
    }
    rp->regroups[rp->nregroups++] = *g;
    memset(g, 0, sizeof *g);
    return TR_OK;
}

static int keep_act(store_incident_act *x, void *ctx) {
    replay *rp = ctx;
    int v = rp->verdict;
    if (rp->nacts[v] == rp->capacts[v]) {
        size_t cap = rp->capacts[v] ? 2 * rp->capacts[v] : 64;
        store_incident_act *p = realloc(rp->acts[v], cap * sizeof *p);
        if (!p) return TR_ENOMEM;
        rp->acts[v] = p;
        rp->capacts[v] = cap;
    }
    rp->acts[v][rp->nacts[v]++] = *x;
    memset(x, 0, sizeof *x);
    return TR_OK;
}

static int load_rows(replay *rp) {
    tr_err e = {0};
    int rc = store_regroup_each(rp->a->s, keep_regroup, rp, &e);
    for (int v = 0; rc == TR_OK && v < 2; v++) {
        rp->verdict = v;
        rc = store_incident_act_each(rp->a->s, v, keep_act, rp, &e);
    }
    if (rc == TR_ENOMEM) return tr_fail(&rp->a->err, TR_ENOMEM, "", "out of memory");
    if (rc) tr_fail(&rp->e, rc, "", "%s", e.msg); /* reported by their own tables' checks too */
    return TR_OK;
}

static void replay_free(replay *rp) {
    mon_engine_free(rp->m);
    free(rp->radius);
    free(rp->window);
    free(rp->items);
    for (size_t i = 0; i < rp->nregroups; i++)
        store_regroup_clear(&rp->regroups[i]);
    free(rp->regroups);
    for (int v = 0; v < 2; v++) {
        for (size_t i = 0; i < rp->nacts[v]; i++)
            store_incident_act_clear(&rp->acts[v][i]);
        free(rp->acts[v]);
    }
}

/* The value a setting.put entry logged (malloc'd), or NULL. */
static int entry_value(const store_log_entry *e, void *ctx) {
    json_t *o = json_loadb((const char *)e->object, e->object_len, 0, NULL);
    const char *v = json_string_value(json_object_get(o, "value"));
    *(char **)ctx = v ? strdup(v) : NULL;
    json_decref(o);
    return TR_OK;
}

/* A new engine with the clustering settings in force. */
static int new_engine(replay *rp) {
    mon_config cfg;
    mon_config_default(&cfg);
    mon_engine_free(rp->m);
    rp->m = NULL;
    if (centre_mon_cluster_parse(rp->radius, rp->window, &cfg, &rp->e) || mon_config_check(&cfg, &rp->e))
        return TR_EINVAL;
    if (!(rp->m = mon_engine_new(&cfg))) return tr_fail(&rp->e, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

/* The row of seq in base[0..n) (rows of size bytes, by seq, seq their first member), or NULL. */
_Static_assert(offsetof(store_regroup, seq) == 0 && offsetof(store_incident_act, seq) == 0, "seq first");
static const void *by_seq(const void *base, size_t n, size_t size, int64_t seq) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t s = *(const int64_t *)((const char *)base + mid * size);
        if (s == seq) return (const char *)base + mid * size;
        if (s < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int apply_report(replay *rp, const item *it) {
    store_report sr = {0};
    int rc = store_report_get(rp->a->s, it->id, &sr, &rp->e);
    if (rc == TR_OK) rc = centre_mon_add_stored(rp->m, &sr, NULL, &rp->e);
    store_report_clear(&sr);
    return rc;
}

static int apply_regroup(replay *rp, const item *it) {
    const store_regroup *g = by_seq(rp->regroups, rp->nregroups, sizeof *g, it->id);
    return g ? centre_mon_apply_regroup(rp->m, g, &rp->e)
             : tr_fail(&rp->e, TR_ENOTFOUND, "", "regroup %lld has no row", (long long)it->id);
}

static int apply_act(replay *rp, const item *it) {
    bool v = ITEM_TYPES[it->type].type == TR_ENTRY_INCIDENT_VERDICT;
    const store_incident_act *x = by_seq(rp->acts[v], rp->nacts[v], sizeof *x, it->id);
    return x ? centre_mon_apply_act(rp->m, v, x, &rp->e)
             : tr_fail(&rp->e, TR_ENOTFOUND, "", "%s %lld has no row", v ? "verdict" : "response",
                       (long long)it->id);
}

/* A clustering setting: when it changes, the engine is rebuilt with it from every row so
 * far, as centre_mon_configure does. */
static int apply_setting(replay *rp, const item *it) {
    char *value = NULL;
    store_log_entries(rp->a->s, it->index, it->index + 1, entry_value, &value, NULL);
    if (!value) return tr_fail(&rp->e, TR_EIO, "", "setting.put %llu holds no value", ULL(it->index));
    char **slot = strstr(ITEM_TYPES[it->type].prefix, "radius") ? &rp->radius : &rp->window;
    bool same = *slot && strcmp(*slot, value) == 0;
    free(*slot);
    *slot = value;
    if (same) return TR_OK;
    int rc = new_engine(rp);
    for (size_t i = 0; rc == TR_OK && i < rp->done; i++)
        if (ITEM_TYPES[rp->items[i].type].apply != apply_setting)
            rc = ITEM_TYPES[rp->items[i].type].apply(rp, &rp->items[i]);
    return rc;
}

/* The engine as it was when the log had size entries. */
static int advance(replay *rp, uint64_t size) {
    int rc = TR_OK;
    while (rc == TR_OK && rp->done < rp->nitems && rp->items[rp->done].index < size) {
        rc = ITEM_TYPES[rp->items[rp->done].type].apply(rp, &rp->items[rp->done]);
        rp->done++;
    }
    return rc;
}

/* ---- the table against its recomputation ---- */

typedef struct compare {
    db_audit *a;
    const mem_table *t;
    size_t i; /* the next recomputed row */
    uint64_t rows, diffs;
} compare;

static void differs(compare *c, int64_t id, const char *what) {
    if (c->diffs++ < DIFFS_SHOWN) FAIL(c->a, "incident_feed %lld: %s", (long long)id, what);
}

/* One stored row (st: id, digest, seq, retired_to) against the recomputed rows. */
static int compare_row(db_audit *a, const store_audit_row *r) {
    compare *c = a->pass;
    int64_t id = store_audit_int(r, 0);
    for (; c->i < c->t->n && c->t->rows[c->i].id < id; c->i++)
        differs(c, c->t->rows[c->i].id, "missing: a pass wrote it, and nothing removes a row");
    c->rows++;
    if (c->i == c->t->n || c->t->rows[c->i].id != id) {
        differs(c, id, "no pass writes it (its passes replayed against the incidents of the log)");
        return TR_OK;
    }
    const store_feed_row *w = &c->t->rows[c->i++];
    size_t n = 0;
    const void *d = store_audit_blob(r, 1, &n);
    bool retired = !store_audit_null(r, 3);
    if (!d || n != STORE_FEED_DIGEST || memcmp(d, w->digest, STORE_FEED_DIGEST))
        differs(c, id, "its digest is not that of the incident when its pass ran");
    else if (store_audit_int(r, 2) != w->seq)
        differs(c, id, "its seq is not the pass that last wrote it");
    else if (retired != w->retired || (retired && store_audit_int(r, 3) != w->retired_to))
        differs(c, id, "retired_to is not where its report was when its pass ran");
    return TR_OK;
}

static int compare_table(db_audit *a, const mem_table *t, uint64_t *rows) {
    compare c = {a, t, 0, 0, 0};
    a->pass = &c;
    int rc = verify__scan(a, AUDIT_FEED, compare_row, NULL);
    a->pass = NULL;
    if (rc) return rc;
    for (; c.i < t->n; c.i++)
        differs(&c, t->rows[c.i].id, "missing: a pass wrote it, and nothing removes a row");
    if (c.diffs > DIFFS_SHOWN)
        FAIL(a, "incident_feed: %llu more rows differ from the table its passes make",
             ULL(c.diffs - DIFFS_SHOWN));
    *rows = c.rows;
    return TR_OK;
}

/* Replays the passes over t; false (reported) when the table cannot be recomputed. */
static bool replay_passes(replay *rp, const pass_list *l, mem_table *t) {
    db_audit *a = rp->a;
    centre_feed_table tb = {mem_page, mem_put, t};
    if (new_engine(rp)) return false;
    for (size_t k = 0; k < l->n; k++) {
        const feed_pass *p = &l->p[k];
        bool changed = false;
        if (advance(rp, p->log_size) ||
            centre_feed_pass(rp->m, &tb, p->seq, p->forced, p->nforced, NULL, &changed, &rp->e) ||
            mem_settle(t, &rp->e))
            return false;
        if (!changed)
            FAIL(
                a,
                "incident_feed_pass %lld: replayed at log size %llu it changes nothing, and only a pass that "
                "changes a row is recorded",
                (long long)p->seq, ULL(p->log_size));
    }
    return true;
}

int verify__incident_feed(db_audit *a, uint64_t *rows) {
    pass_list l = {0};
    replay rp = {.a = a};
    mem_table t = {0};
    int rc = load_passes(a, &l, false);
    if (rc == TR_OK) rc = collect_items(&rp);
    if (rc == TR_OK) rc = load_rows(&rp);
    if (rc == TR_OK && !l.ok)
        FAIL(a, "incident_feed: not recomputed: incident_feed_pass is malformed (above)");
    else if (rc == TR_OK && (rp.e.code || !replay_passes(&rp, &l, &t)))
        FAIL(a, "incident_feed: not recomputed: the incidents of the log cannot be rebuilt: %s", rp.e.msg);
    else if (rc == TR_OK)
        rc = compare_table(a, &t, rows);
    if (rc == TR_OK && rp.e.code == TR_ENOMEM) rc = tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    free(t.rows);
    free(t.added);
    replay_free(&rp);
    passes_free(&l);
    return rc;
}
