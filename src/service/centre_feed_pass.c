/*
 * centre_feed_pass.c — the change feed's passes over any table (see centre_feed.h): one
 * walk over the live incidents and the table, both in id order, or over a list of forced
 * ids. Shared by the server (centre_feed.c) and `truce verify --db` (verify_feed.c), so
 * the table verify recomputes is the one the server's rules make.
 */
#include "service/centre_feed.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "engines/monitor_export.h"

int centre_feed_digest(mon_engine *m, int64_t id, unsigned char d[STORE_FEED_DIGEST]) {
    mon_incident inc;
    memset(&inc, 0, sizeof inc);
    if (mon_engine_incident(m, id, false, &inc, NULL)) return TR_ENOMEM;
    mon_text t = {0};
    for (int f = MON_EXPORT_GEOJSON; f <= MON_EXPORT_ACLED; f++)
        mon_export_row((mon_export_format)f, &inc, true, &t);
    for (size_t i = 0; i < inc.nmembers; i++)
        mon_text_printf(&t, ",%lld", (long long)inc.members[i].report_id);
    int rc = t.failed ? TR_ENOMEM : TR_OK;
    if (rc == TR_OK) crypto_generichash(d, STORE_FEED_DIGEST, (const unsigned char *)t.p, t.len, NULL, 0);
    free(t.p);
    mon_incident_clear(&inc);
    return rc;
}

int centre_feed_snap_add(centre_feed_snap *snap, int64_t id, const unsigned char d[STORE_FEED_DIGEST]) {
    if (!snap) return TR_OK;
    if (snap->n == snap->cap) {
        size_t cap = snap->cap ? 2 * snap->cap : 1024;
        int64_t *ids = realloc(snap->ids, cap * sizeof *ids);
        if (ids) snap->ids = ids;
        unsigned char(*dig)[STORE_FEED_DIGEST] = realloc(snap->digests, cap * sizeof *dig);
        if (dig) snap->digests = dig;
        if (!ids || !dig) return TR_ENOMEM;
        snap->cap = cap;
    }
    snap->ids[snap->n] = id;
    memcpy(snap->digests[snap->n++], d, STORE_FEED_DIGEST);
    return TR_OK;
}

char *centre_feed_forced_text(const int64_t *forced, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_integer(forced[i]))) {
            json_decref(a);
            a = NULL;
        }
    char *s = a ? tr_json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

/* ---- a reconciliation: the live incidents and the table, merged by id ---- */

/* The next row of the engine side (live incident ids) and of the table, paged. */
typedef struct side {
    int64_t ids[CENTRE_FEED_BATCH];
    store_feed_row rows[CENTRE_FEED_BATCH];
    size_t n, i;
    int64_t after;
    bool done;
} side;

static int next_engine(mon_engine *m, side *e, tr_err *err) {
    if (e->i < e->n || e->done) return TR_OK;
    e->i = 0;
    if (mon_engine_list(m, e->after, CENTRE_FEED_BATCH, e->ids, &e->n))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (e->n) e->after = e->ids[e->n - 1];
    e->done = e->n == 0;
    return TR_OK;
}

static int next_table(const centre_feed_table *tb, side *t, tr_err *err) {
    if (t->i < t->n || t->done) return TR_OK;
    t->i = 0;
    int rc = tb->page(tb->ctx, t->after, CENTRE_FEED_BATCH, t->rows, &t->n, err);
    if (t->n) t->after = t->rows[t->n - 1].id;
    t->done = t->n == 0;
    return rc;
}

/* One step of the merge: an engine id not in the table (new), a live table row not in the
 * engine (retired), or both (changed when the digest differs). */
static int reconcile_step(mon_engine *m, const centre_feed_table *tb, side *e, side *t, int64_t seq,
                          centre_feed_snap *snap, bool *changed, tr_err *err) {
    bool has_e = e->i < e->n, has_t = t->i < t->n;
    int64_t eid = has_e ? e->ids[e->i] : 0;
    const store_feed_row *row = has_t ? &t->rows[t->i] : NULL;
    store_feed_row put = {.seq = seq};
    bool write = false;
    if (has_e && (!row || eid <= row->id)) {
        put.id = eid;
        if (centre_feed_digest(m, eid, put.digest) || centre_feed_snap_add(snap, eid, put.digest))
            return tr_fail(err, TR_ENOMEM, "", "out of memory");
        write = !row || row->id != eid || row->retired || memcmp(row->digest, put.digest, STORE_FEED_DIGEST);
        if (row && row->id == eid) t->i++;
        e->i++;
    } else {
        put = *row;
        t->i++;
        if (!row->retired) { /* gone: its report is in another incident now */
            put.seq = seq;
            put.retired = true;
            write = mon_engine_incident_of(m, row->id, &put.retired_to) == TR_OK;
        }
    }
    if (write) *changed = true;
    return write ? tb->put(tb->ctx, &put, err) : TR_OK;
}

static int reconcile(mon_engine *m, const centre_feed_table *tb, int64_t seq, centre_feed_snap *snap,
                     bool *changed, tr_err *err) {
    side *e = calloc(1, sizeof *e), *t = calloc(1, sizeof *t);
    int rc = e && t ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    while (rc == TR_OK) {
        if ((rc = next_engine(m, e, err)) || (rc = next_table(tb, t, err))) break;
        if (e->i >= e->n && t->i >= t->n) break;
        rc = reconcile_step(m, tb, e, t, seq, snap, changed, err);
    }
    free(e);
    free(t);
    return rc;
}

/* ---- forced ids ---- */

/* Writes id as it is now, whatever the table holds (centre_feed.h). */
static int force_one(mon_engine *m, const centre_feed_table *tb, int64_t id, int64_t seq, bool *changed,
                     tr_err *err) {
    store_feed_row row, put = {.id = id, .seq = seq};
    size_t got = 0;
    int rc = tb->page(tb->ctx, id - 1, 1, &row, &got, err);
    if (rc) return rc;
    bool had = got == 1 && row.id == id;
    int64_t cur = 0;
    if (mon_engine_incident_of(m, id, &cur) != TR_OK) return TR_OK; /* no report of that id */
    if (cur == id) {
        if (centre_feed_digest(m, id, put.digest)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    } else {
        if (had) memcpy(put.digest, row.digest, STORE_FEED_DIGEST);
        put.retired = true;
        put.retired_to = cur;
    }
    *changed = true;
    return tb->put(tb->ctx, &put, err);
}

int centre_feed_pass(mon_engine *m, const centre_feed_table *t, int64_t seq, const int64_t *forced,
                     size_t nforced, centre_feed_snap *snap, bool *changed, tr_err *err) {
    *changed = false;
    if (!forced) return reconcile(m, t, seq, snap, changed, err);
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < nforced; i++)
        rc = force_one(m, t, forced[i], seq, changed, err);
    return rc;
}
