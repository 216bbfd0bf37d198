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
 * incidents and the table, both in id order (centre_feed_pass.c), under c->mon_mu inside
 * one transaction. A pass that changes something gets the next seq and is recorded
 * (incident_feed_pass: the log's size and root then), so `truce verify --db` recomputes
 * the table; a cursor is a seq, and the answer holds the rows whose seq is greater. A full
 * GeoJSON export reconciles first and starts with its cursor; the ids it streams otherwise
 * than that reconciliation saw them (a change during the download, or an incident created
 * meanwhile) are written as they are at its end by a forced pass, so the next feed carries
 * them whatever happens to them in between.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/centre_feed.h"
#include "service/centre_int.h"
#include "service/centre_monitor.h"

#define FEED_BATCH 512

static int table_page(void *ctx, int64_t after, size_t limit, store_feed_row *rows, size_t *n, tr_err *err) {
    return store_feed_page(ctx, after, limit, rows, n, err);
}

static int table_put(void *ctx, const store_feed_row *r, tr_err *err) {
    return store_feed_put(ctx, r, err);
}

/* Inside the open transaction, holding c->mon_mu: a pass (centre_feed_pass) at the next
 * seq, recorded with the log's size and root when it changed something; *seq is the
 * cursor of the state now. */
static int run_pass(centre *c, const int64_t *forced, size_t nforced, int64_t *seq, centre_feed_snap *snap,
                    tr_err *err) {
    int64_t last = 0;
    bool changed = false;
    centre_feed_table tb = {table_page, table_put, c->store};
    int rc = store_feed_seq(c->store, &last, err);
    if (rc == TR_OK) rc = centre_feed_pass(c->mon, &tb, last + 1, forced, nforced, snap, &changed, err);
    char *text = NULL;
    if (rc == TR_OK && changed) {
        const tlog_tree *tree = store_log_tree(c->store);
        tlog_hash root;
        tlog_tree_root(tree, &root);
        if (forced && !(text = centre_feed_forced_text(forced, nforced)))
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
        if (rc == TR_OK) rc = store_feed_pass_put(c->store, last + 1, tree->size, &root, text, err);
    }
    free(text);
    *seq = changed ? last + 1 : last;
    return rc;
}

/* run_pass in its own transaction. */
static int pass_tx(centre *c, const int64_t *forced, size_t nforced, int64_t *seq, centre_feed_snap *snap,
                   tr_err *err) {
    int rc = store_begin(c->store, err);
    if (rc) return rc;
    pthread_mutex_lock(&c->mon_mu);
    rc = run_pass(c, forced, nforced, seq, snap, err);
    pthread_mutex_unlock(&c->mon_mu);
    if (rc) {
        store_rollback(c->store);
        return rc;
    }
    return store_commit(c->store, err);
}

int centre__feed_reconcile(centre *c, int64_t *seq, centre_feed_snap *snap, tr_err *err) {
    return pass_tx(c, NULL, 0, seq, snap, err);
}

int centre__feed_force(centre *c, const int64_t *ids, size_t n, tr_err *err) {
    int64_t seq;
    return n ? pass_tx(c, ids, n, &seq, NULL, err) : TR_OK;
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
    if (rc == TR_OK) rc = run_pass(c, NULL, 0, &seq, NULL, err);
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
