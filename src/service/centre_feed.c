/*
 * centre_feed.c — the change feed of the incident export (docs/monitoring.md "The change
 * feed"): GET /v1/exports/incidents?format=geojson&changed_since=CURSOR answers what a
 * downstream copy of the export (HDX, a party's own database) must apply to be in step:
 * the incidents that changed or appeared (upserts: their export rows) and the ids that no
 * longer exist (retirements: where their reports are now, after a merge or a split).
 *
 * Incidents live in the monitoring engine, rebuilt from the logged reports at start, so
 * the feed keeps in the store (incident_feed) the digest of every incident id a
 * downstream was shown, and reconciles it with the engine when asked: one pass over the
 * incidents and the table, both in id order, under c->mon_mu inside one transaction.
 * Every difference gets the next seq; a cursor is a seq, and the answer holds the rows
 * whose seq is greater. A full GeoJSON export reconciles first and starts with its cursor;
 * rows it streams that differ from what the cursor's reconciliation saw (a change during
 * the download, or an incident created meanwhile) are touched at its end, so the next
 * feed carries them whatever happens to them in between.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/centre_int.h"
#include "service/centre_monitor.h"

#define FEED_BATCH 512

/* The digest of an incident as a downstream copy holds it: its rows in the three
 * export formats and its member report ids. Holding c->mon_mu. */
int centre__incident_digest(centre *c, int64_t id, unsigned char d[STORE_FEED_DIGEST]) {
    mon_incident inc;
    memset(&inc, 0, sizeof inc);
    if (mon_engine_incident(c->mon, id, false, &inc, NULL)) return TR_ENOMEM;
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

/* The next row of the engine side (live incident ids) and of the table, paged. */
typedef struct side {
    int64_t ids[FEED_BATCH];
    store_feed_row rows[FEED_BATCH];
    size_t n, i;
    int64_t after;
    bool done;
} side;

static int next_engine(centre *c, side *e) {
    if (e->i < e->n || e->done) return TR_OK;
    e->i = 0;
    if (mon_engine_list(c->mon, e->after, FEED_BATCH, e->ids, &e->n)) return TR_ENOMEM;
    if (e->n) e->after = e->ids[e->n - 1];
    e->done = e->n == 0;
    return TR_OK;
}

static int next_table(centre *c, side *t, tr_err *err) {
    if (t->i < t->n || t->done) return TR_OK;
    t->i = 0;
    int rc = store_feed_page(c->store, t->after, FEED_BATCH, t->rows, &t->n, err);
    if (t->n) t->after = t->rows[t->n - 1].id;
    t->done = t->n == 0;
    return rc;
}

int centre__feed_snap_add(centre_feed_snap *snap, int64_t id, const unsigned char d[STORE_FEED_DIGEST]) {
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

/* One step of the merge of both sides: an engine id not in the table (new), a live table
 * row not in the engine (retired), or both (changed when the digest differs). The live
 * incidents and their digests go to snap (when not NULL). */
static int reconcile_step(centre *c, side *e, side *t, int64_t seq, centre_feed_snap *snap, bool *changed,
                          tr_err *err) {
    bool has_e = e->i < e->n, has_t = t->i < t->n;
    int64_t eid = has_e ? e->ids[e->i] : 0;
    const store_feed_row *row = has_t ? &t->rows[t->i] : NULL;
    store_feed_row put = {.seq = seq};
    bool write = false;
    if (has_e && (!row || eid <= row->id)) {
        put.id = eid;
        if (centre__incident_digest(c, eid, put.digest) || centre__feed_snap_add(snap, eid, put.digest))
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
            write = mon_engine_incident_of(c->mon, row->id, &put.retired_to) == TR_OK;
        }
    }
    if (write) *changed = true;
    return write ? store_feed_put(c->store, &put, err) : TR_OK;
}

/* Inside the open transaction, holding c->mon_mu: brings incident_feed in step with the
 * engine; *seq is the cursor of the state now. */
static int reconcile(centre *c, int64_t *seq, centre_feed_snap *snap, tr_err *err) {
    int64_t last = 0;
    int rc = store_feed_seq(c->store, &last, err);
    side *e = calloc(1, sizeof *e), *t = calloc(1, sizeof *t);
    if (!e || !t) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    bool changed = false;
    while (rc == TR_OK) {
        if ((rc = next_engine(c, e)) || (rc = next_table(c, t, err))) {
            if (rc == TR_ENOMEM) tr_fail(err, rc, "", "out of memory");
            break;
        }
        if (e->i >= e->n && t->i >= t->n) break;
        rc = reconcile_step(c, e, t, last + 1, snap, &changed, err);
    }
    free(e);
    free(t);
    *seq = changed ? last + 1 : last;
    return rc;
}

int centre__feed_reconcile(centre *c, int64_t *seq, centre_feed_snap *snap, tr_err *err) {
    int rc = store_begin(c->store, err);
    if (rc) return rc;
    pthread_mutex_lock(&c->mon_mu);
    rc = reconcile(c, seq, snap, err);
    pthread_mutex_unlock(&c->mon_mu);
    if (rc) {
        store_rollback(c->store);
        return rc;
    }
    return store_commit(c->store, err);
}

int centre__feed_touch(centre *c, const int64_t *ids, const unsigned char (*digests)[STORE_FEED_DIGEST],
                       size_t n, tr_err *err) {
    if (n == 0) return TR_OK;
    int64_t last = 0;
    int rc = store_begin(c->store, err);
    if (rc == TR_OK) rc = store_feed_seq(c->store, &last, err);
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        store_feed_row r;
        size_t got = 0;
        rc = store_feed_page(c->store, ids[i] - 1, 1, &r, &got, err);
        if (rc == TR_OK && got == 1 && r.id == ids[i]) {
            rc = store_feed_bump(c->store, &ids[i], 1, last + 1, err);
        } else if (rc == TR_OK) { /* created during the download: recorded as it was shown */
            store_feed_row nr = {.id = ids[i], .seq = last + 1};
            memcpy(nr.digest, digests[i], STORE_FEED_DIGEST);
            rc = store_feed_put(c->store, &nr, err);
        }
    }
    if (rc) {
        store_rollback(c->store);
        return rc;
    }
    return store_commit(c->store, err);
}

/* ---- the feed's answer ---- */

typedef struct feed_out {
    centre *c;
    mon_text rows, retired;
    bool first_row, first_retired;
} feed_out;

/* Holding c->mon_mu: a row with seq > the cursor, as an upsert or a retirement. */
static int feed_row(const store_feed_row *r, void *ctx) {
    feed_out *o = ctx;
    mon_incident inc;
    memset(&inc, 0, sizeof inc);
    int64_t now = r->retired_to;
    if (r->retired) {
        mon_engine_incident_of(o->c->mon, r->id, &now); /* where its report is now */
        mon_text_printf(&o->retired, "%s{\"id\":%lld,\"replaced_by\":%lld}", o->first_retired ? "" : ",",
                        (long long)r->id, (long long)now);
        o->first_retired = false;
        return TR_OK;
    }
    if (mon_engine_incident(o->c->mon, r->id, false, &inc, NULL)) return TR_ENOMEM;
    mon_export_row(MON_EXPORT_GEOJSON, &inc, o->first_row, &o->rows);
    o->first_row = false;
    mon_incident_clear(&inc);
    return TR_OK;
}

static int parse_cursor(const char *s, int64_t last, int64_t *out, tr_err *err) {
    char *end;
    long long v = s && *s ? strtoll(s, &end, 10) : -1;
    if (!s || !*s || *end || v < 0 || v > last)
        return tr_fail(
            err, TR_EINVAL, "changed_since",
            "'%.40s' is not a cursor of this centre: use the \"cursor\" of an earlier export or feed "
            "(0: from the start)",
            s ? s : "");
    *out = v;
    return TR_OK;
}

int centre_incident_feed(centre *c, const char *format, const char *since, char **text, size_t *len,
                         tr_err *err) {
    if (!format || strcmp(format, "geojson") != 0)
        return tr_fail(err, TR_EINVAL, "format", "the change feed is GeoJSON: give format=geojson");
    int64_t last = 0, from = 0, seq = 0;
    int rc = store_begin(c->store, err);
    if (rc) return rc;
    pthread_mutex_lock(&c->mon_mu);
    feed_out o = {.c = c, .first_row = true, .first_retired = true};
    rc = store_feed_seq(c->store, &last, err);
    if (rc == TR_OK) rc = parse_cursor(since, last, &from, err);
    if (rc == TR_OK) rc = reconcile(c, &seq, NULL, err);
    if (rc == TR_OK && (rc = store_feed_since(c->store, from, feed_row, &o, err)) == TR_ENOMEM)
        tr_fail(err, TR_ENOMEM, "", "out of memory");
    pthread_mutex_unlock(&c->mon_mu);
    if (rc)
        store_rollback(c->store);
    else
        rc = store_commit(c->store, err);
    mon_text t = {0};
    if (rc == TR_OK) {
        static const char mid[] = "\n],\"retired\":[", end[] = "]}\n";
        mon_text_printf(&t,
                        "{\"type\":\"FeatureCollection\",\"changed_since\":\"%lld\",\"cursor\":\"%lld\","
                        "\"features\":[",
                        (long long)from, (long long)seq);
        mon_text_put(&t, o.rows.p ? o.rows.p : "", o.rows.len);
        mon_text_put(&t, mid, sizeof mid - 1);
        mon_text_put(&t, o.retired.p ? o.retired.p : "", o.retired.len);
        mon_text_put(&t, end, sizeof end - 1);
        if (t.failed || o.rows.failed || o.retired.failed) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    free(o.rows.p);
    free(o.retired.p);
    if (rc) {
        free(t.p);
        return rc;
    }
    *text = t.p;
    *len = t.len;
    return TR_OK;
}
