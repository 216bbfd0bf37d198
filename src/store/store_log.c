/*
 * store_log.c — the verifiable log's tables: entries, tree nodes, checkpoints, meta.
 *
 * The tree's frontier lives in struct store (s->tree). store_begin calls
 * store__log_sync, which compares the frontier's size with the entries committed (by
 * this or another process) and reloads it from log_node when they differ; appends inside
 * the transaction advance it, and store_rollback restores the copy taken at begin. So the
 * tree always matches the committed tables, and a checkpoint signed inside a transaction
 * signs exactly what the database holds.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

static const char SQL_LOG_SIZE[] = "SELECT coalesce(max(idx) + 1, 0) FROM log_entry";

int store_log_size(store *s, uint64_t *size, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_LOG_SIZE, err);
    if (!st) return TR_EIO;
    int rc = store__step(st) == STORE_ROW ? TR_OK : store__fail(err, -1, "reading table log_entry");
    if (rc == TR_OK) *size = (uint64_t)db_col_int(st, 0);
    db_reset(st);
    return rc;
}

static const char SQL_NODE_GET[] = "SELECT hash FROM log_node WHERE level = ? AND idx = ?";

static int read_nodes(void *ctx, const tlog_node *nodes, size_t n, tlog_hash *hashes, tr_err *err) {
    store *s = ctx;
    for (size_t i = 0; i < n; i++) {
        db_stmt *st = store__prep(s, SQL_NODE_GET, err);
        if (!st) return TR_EIO;
        db_bind_int(st, 1, nodes[i].level);
        db_bind_int(st, 2, (int64_t)nodes[i].index);
        int rc = store__one(st, store__step(st), "reading table log_node", err);
        if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
        int ok = rc == TR_OK && store__col_bytes(st, 0) == TLOG_HASH_SIZE;
        if (ok) memcpy(hashes[i].b, store__col_blob(st, 0), TLOG_HASH_SIZE);
        db_reset(st);
        if (!ok)
            return tr_fail(err, TR_ENOTFOUND, "", "log node (%d, %llu) is missing", nodes[i].level,
                           (unsigned long long)nodes[i].index);
    }
    return TR_OK;
}

int store__log_leaf(store *s, uint64_t index, tlog_hash *leaf, tr_err *err) {
    tlog_node n = {.level = 0, .index = index};
    tr_err e = {0};
    int rc = read_nodes(s, &n, 1, leaf, &e);
    if (rc && rc != TR_ENOTFOUND && err) *err = e;
    return rc;
}

tlog_reader store_log_reader(store *s) {
    return (tlog_reader){s, read_nodes};
}

int store__log_sync(store *s, tr_err *err) {
    uint64_t n;
    if (store_log_size(s, &n, err)) return TR_EIO;
    if (n == s->tree.size) return TR_OK;
    tlog_reader r = store_log_reader(s);
    tlog_tree t;
    tlog_tree_init(&t);
    int rc = tlog_tree_load(&t, n, &r, err);
    if (rc == TR_OK) s->tree = t;
    return rc;
}

const tlog_tree *store_log_tree(store *s) {
    return &s->tree;
}

static const char SQL_ENTRY_PUT[] =
    "INSERT INTO log_entry(idx, entry, party, at, type, ref, object, submission) VALUES (?,?,?,?,?,?,?,?)";
/* An append stores 1 to 63 nodes (one per level its leaf completes): up to NODES_PER
 * statement at a time, one round trip each on PostgreSQL rather than one per node. */
#define NODES_PER 4
static const char *const SQL_NODES_PUT[NODES_PER + 1] = {
    NULL,
    "INSERT INTO log_node(level, idx, hash) VALUES (?,?,?)",
    "INSERT INTO log_node(level, idx, hash) VALUES (?,?,?),(?,?,?)",
    "INSERT INTO log_node(level, idx, hash) VALUES (?,?,?),(?,?,?),(?,?,?)",
    "INSERT INTO log_node(level, idx, hash) VALUES (?,?,?),(?,?,?),(?,?,?),(?,?,?)",
};

/* Stores nodes[0..n) in statements of up to NODES_PER rows. */
static int put_nodes(store *s, const tlog_node_hash *nodes, size_t n, tr_err *err) {
    for (size_t i = 0; i < n; i += NODES_PER) {
        size_t k = n - i < NODES_PER ? n - i : NODES_PER;
        db_stmt *st = store__prep(s, SQL_NODES_PUT[k], err);
        if (!st) return TR_EIO;
        for (size_t j = 0; j < k; j++) {
            const tlog_node_hash *x = &nodes[i + j];
            db_bind_int(st, (int)(3 * j + 1), x->node.level);
            db_bind_int(st, (int)(3 * j + 2), (int64_t)x->node.index);
            db_bind_blob(st, (int)(3 * j + 3), x->hash.b, TLOG_HASH_SIZE);
        }
        if (store__step_done(s, st, "storing a log node", err)) return TR_EIO;
    }
    return TR_OK;
}

int store_log_append(store *s, store_log_entry *e, tlog_hash *leaf, tr_err *err) {
    tlog_hash_leaf(e->entry, e->entry_len, leaf);
    tlog_tree t = s->tree;
    tlog_node_hash nodes[63];
    size_t n;
    if (tlog_tree_append(&t, leaf, nodes, &n, err)) return TR_EINVAL;
    e->index = s->tree.size;
    db_stmt *st = store__prep(s, SQL_ENTRY_PUT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, (int64_t)e->index);
    db_bind_blob(st, 2, e->entry, (int)e->entry_len);
    db_bind_text(st, 3, e->party);
    db_bind_int(st, 4, e->at);
    db_bind_text(st, 5, e->type);
    db_bind_text(st, 6, e->ref);
    db_bind_blob(st, 7, e->object, (int)e->object_len);
    if (e->submission) db_bind_blob(st, 8, e->submission, (int)e->submission_len);
    if (store__step_done(s, st, "appending to the log", err)) return TR_EIO;
    if (put_nodes(s, nodes, n, err)) return TR_EIO;
    s->tree = t;
    s->last_leaf = *leaf;
    return TR_OK;
}

static const char SQL_ENTRIES[] = "SELECT idx, entry, party, at, type, ref, object, submission FROM "
                                  "log_entry WHERE idx >= ? AND idx < ? ORDER BY idx";

int store_log_entries(store *s, uint64_t from, uint64_t to, int (*fn)(const store_log_entry *e, void *ctx),
                      void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ENTRIES, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, (int64_t)from);
    db_bind_int(st, 2, (int64_t)to);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_log_entry e = {
            .index = (uint64_t)db_col_int(st, 0),
            .entry = store__col_blob(st, 1),
            .entry_len = (size_t)store__col_bytes(st, 1),
            .party = db_col_text(st, 2),
            .at = db_col_int(st, 3),
            .type = db_col_text(st, 4),
            .ref = db_col_text(st, 5),
            .object = store__col_blob(st, 6),
            .object_len = (size_t)store__col_bytes(st, 6),
            .submission = store__col_blob(st, 7),
            .submission_len = (size_t)store__col_bytes(st, 7),
        };
        rc = fn(&e, ctx);
    }
    return store__scan_end(st, step, rc, "reading table log_entry", err);
}

static const char SQL_CP_PUT[] = "INSERT INTO log_checkpoint(size, root, note, signed_at) VALUES (?,?,?,?)";

int store_log_checkpoint_put(store *s, uint64_t size, const tlog_hash *root, const char *note, int64_t at,
                             tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CP_PUT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, (int64_t)size);
    db_bind_blob(st, 2, root->b, TLOG_HASH_SIZE);
    db_bind_text(st, 3, note);
    db_bind_int(st, 4, at);
    return store__step_done(s, st, "storing the checkpoint", err);
}

static const char SQL_CP_LATEST[] = "SELECT size, root, note FROM log_checkpoint ORDER BY size DESC LIMIT 1";

int store_log_checkpoint_latest(store *s, uint64_t *size, tlog_hash *root, char **note, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CP_LATEST, err);
    if (!st) return TR_EIO;
    *size = 0;
    *note = NULL;
    tlog_hash_empty(root);
    int rc = store__one(st, store__step(st), "reading table log_checkpoint", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK && store__col_bytes(st, 1) == TLOG_HASH_SIZE) {
        *size = (uint64_t)db_col_int(st, 0);
        memcpy(root->b, store__col_blob(st, 1), TLOG_HASH_SIZE);
        *note = db_col_dup(st, 2);
    }
    db_reset(st);
    return TR_OK;
}

static const char SQL_CP_ALL[] = "SELECT size, root, note FROM log_checkpoint ORDER BY size";

int store_log_checkpoints(store *s,
                          int (*fn)(uint64_t size, const tlog_hash *root, const char *note, void *ctx),
                          void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CP_ALL, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        tlog_hash root;
        if (store__col_bytes(st, 1) != TLOG_HASH_SIZE) {
            rc = tr_fail(err, TR_EIO, "", "checkpoint %lld has a malformed root",
                         (long long)db_col_int(st, 0));
            break;
        }
        memcpy(root.b, store__col_blob(st, 1), TLOG_HASH_SIZE);
        rc = fn((uint64_t)db_col_int(st, 0), &root, db_col_text(st, 2), ctx);
    }
    return store__scan_end(st, step, rc, "reading table log_checkpoint", err);
}

static const char SQL_META_GET[] = "SELECT value FROM log_meta WHERE key = ?";
static const char SQL_META_PUT[] = "INSERT INTO log_meta(key, value) VALUES (?, ?)";

int store_log_meta_get(store *s, const char *key, char **value, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_META_GET, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, key);
    int rc = store__one(st, store__step(st), "reading table log_meta", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    *value = rc == TR_OK ? db_col_dup(st, 0) : NULL;
    db_reset(st);
    return TR_OK;
}

int store_log_meta_put(store *s, const char *key, const char *value, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_META_PUT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, key);
    db_bind_text(st, 2, value);
    return store__step_done(s, st, "storing log metadata", err);
}
