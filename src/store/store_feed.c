/*
 * store_feed.c — the incident change feed's tables (migration 0018, docs/monitoring.md
 * "The change feed"): per incident id the digest of what a downstream copy was last
 * shown, the pass (seq) at which it changed, and where a retired id went; and the passes.
 * Written only inside the writer's transaction, by centre_feed.c.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char SQL_FEED_PAGE[] =
    "SELECT id, digest, seq, retired_to FROM incident_feed WHERE id > ? ORDER BY id LIMIT ?";

static void read_row(db_stmt *st, store_feed_row *r) {
    memset(r, 0, sizeof *r);
    r->id = db_col_int(st, 0);
    const void *d = store__col_blob(st, 1);
    if (d && store__col_bytes(st, 1) == STORE_FEED_DIGEST) memcpy(r->digest, d, STORE_FEED_DIGEST);
    r->seq = db_col_int(st, 2);
    r->retired = db_col_type(st, 3) != DB_NULL;
    r->retired_to = db_col_int(st, 3);
}

int store_feed_page(store *s, int64_t after, size_t limit, store_feed_row *rows, size_t *n, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_FEED_PAGE, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, after);
    db_bind_int(st, 2, (int64_t)limit);
    int step = STORE_DONE;
    *n = 0;
    while (*n < limit && (step = store__step(st)) == STORE_ROW)
        read_row(st, &rows[(*n)++]);
    db_reset(st);
    if (step != STORE_ROW && step != STORE_DONE) return store__fail(err, -1, "reading table incident_feed");
    return TR_OK;
}

static const char SQL_FEED_PUT[] =
    "INSERT INTO incident_feed(id, digest, seq, retired_to) VALUES (?,?,?,?) ON CONFLICT (id) DO UPDATE"
    " SET digest = excluded.digest, seq = excluded.seq, retired_to = excluded.retired_to";

int store_feed_put(store *s, const store_feed_row *r, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_FEED_PUT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, r->id);
    db_bind_blob(st, 2, r->digest, STORE_FEED_DIGEST);
    db_bind_int(st, 3, r->seq);
    if (r->retired)
        db_bind_int(st, 4, r->retired_to);
    else
        db_bind_null(st, 4);
    return store__step_done(s, st, "recording the change feed", err);
}

static const char SQL_FEED_SEQ[] = "SELECT coalesce(max(seq), 0) FROM incident_feed_pass";

int store_feed_seq(store *s, int64_t *seq, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_FEED_SEQ, err);
    if (!st) return TR_EIO;
    int step = store__step(st);
    *seq = step == STORE_ROW ? db_col_int(st, 0) : 0;
    db_reset(st);
    return step == STORE_ROW ? TR_OK : store__fail(err, -1, "reading table incident_feed");
}

static const char SQL_FEED_SINCE[] =
    "SELECT id, digest, seq, retired_to FROM incident_feed WHERE seq > ? ORDER BY id";

int store_feed_since(store *s, int64_t since, int (*fn)(const store_feed_row *r, void *ctx), void *ctx,
                     tr_err *err) {
    db_stmt *st = store__prep(s, SQL_FEED_SINCE, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, since);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_feed_row r;
        read_row(st, &r);
        rc = fn(&r, ctx);
    }
    db_reset(st);
    if (rc == TR_OK && step != STORE_DONE) return store__fail(err, -1, "reading table incident_feed");
    return rc;
}

static const char SQL_FEED_PASS_PUT[] =
    "INSERT INTO incident_feed_pass(seq, log_size, log_root, forced) VALUES (?,?,?,?)";

int store_feed_pass_put(store *s, int64_t seq, uint64_t log_size, const tlog_hash *log_root,
                        const char *forced, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_FEED_PASS_PUT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, seq);
    db_bind_int(st, 2, (int64_t)log_size);
    db_bind_blob(st, 3, log_root->b, (int)sizeof log_root->b);
    db_bind_text(st, 4, forced);
    return store__step_done(s, st, "recording the change feed", err);
}
