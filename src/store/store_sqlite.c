/*
 * store_sqlite.c — the store's connections, migrations and transactions, over db.h: an
 * SQLite file (the embedded default) or a PostgreSQL database (issue 13).
 *
 * How the invariants of store.h are kept:
 *  1. One pthread mutex (writer) is held from store_begin to store_commit/rollback,
 *     and the transaction is DB_TX_WRITE (BEGIN IMMEDIATE on SQLite; on PostgreSQL the
 *     writers' advisory lock), so a check made inside the transaction still holds at COMMIT.
 *  2. store_rollback rolls back; functions never commit on their own.
 *  3. SQLite: journal_mode=WAL with synchronous=FULL; PostgreSQL: synchronous_commit on.
 *     COMMIT returns once the write is on disk — with group commit on (store_group.c,
 *     SQLite only) the writer connection commits with synchronous=NORMAL and the commit
 *     waits, outside the writer lock, for the one fdatasync of the WAL that covers it.
 *  4. area_version rows are only ever INSERTed, and UPDATEd in effective_to alone.
 *  5. schema_version(version, name, applied_at) lists applied migrations (db_migrate).
 *
 * Each thread has its own connection (a thread-local pointer); all connections are
 * also kept in a list so store_close can close them. Prepared statements are cached per
 * connection by db_prep, keyed by the SQL text's address (static constants).
 */
#include "store/store.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_group.h"
#include "store/store_int.h"

int store__conn_open(store *s, conn **out, tr_err *err) {
    char shown[512];
    db_uri_redact(s->path, shown, sizeof shown);
    if (store__open_fault())
        return tr_fail(err, TR_EUNAVAIL, "--db",
                       "cannot open database '%s': disk I/O error (injected by TRUCE_FAULT)", shown);
    conn *c = calloc(1, sizeof *c);
    if (!c) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    tr_err e = {0};
    int rc = db_open(s->path, &c->db, &e);
    if (rc) {
        free(c);
        if (strncmp(e.msg, "cannot ", 7) == 0) {
            if (err) *err = e;
            return rc;
        }
        return tr_fail(err, rc, "--db", "cannot open database '%s': %s", shown, e.msg);
    }
    pthread_mutex_lock(&s->conns_mu);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->conns_mu);
    *out = c;
    return TR_OK;
}

static void close_conn(conn *c) {
    db_close(c->db);
    free(c);
}

/* Thread exit: nothing; connections are closed by store_close (threads of a pool
 * outlive requests). */
static void conn_destructor(void *p) {
    (void)p;
}

static conn *my_conn(store *s, tr_err *err) {
    conn *c = pthread_getspecific(s->key);
    if (c) return c;
    if (store__conn_open(s, &c, err)) return NULL;
    pthread_setspecific(s->key, c);
    return c;
}

db *store__db(store *s, tr_err *err) {
    conn *c = my_conn(s, err);
    return c ? c->db : NULL;
}

db_stmt *store__prep(store *s, const char *sql, tr_err *err) {
    conn *c = my_conn(s, err);
    if (!c) return NULL;
    tr_err e = {0};
    db_stmt *st = db_prep(c->db, sql, &e);
    if (!st) {
        char what[96];
        snprintf(what, sizeof what, "preparing '%.64s%s'", sql, strlen(sql) > 64 ? "…" : "");
        store__fail_with(err, &e, what);
    }
    return st;
}

db_stmt *store__prep2(store *s, const char *sqlite_sql, const char *pg_sql, tr_err *err) {
    db *d = store__db(s, err);
    return d ? store__prep(s, db_kind_of(d) == DB_PG ? pg_sql : sqlite_sql, err) : NULL;
}

static _Thread_local int64_t last_id;

int64_t store__last_id(void) {
    return last_id;
}

const void *store__col_blob(db_stmt *st, int i) {
    size_t n;
    return db_col_blob(st, i, &n);
}

int store__col_bytes(db_stmt *st, int i) {
    size_t n;
    db_col_blob(st, i, &n);
    return (int)n;
}

int64_t store__changes(db_stmt *st) {
    return db_changes(db_of(st));
}

/* Runs a statement made by prep to its end; a RETURNING row's first column is kept. */
int store__step_done(store *s, db_stmt *st, const char *what, tr_err *err) {
    (void)s;
    int step = store__step(st);
    if (step == STORE_ROW) {
        last_id = db_col_int(st, 0);
        step = store__step(st);
    }
    return store__scan_end(st, step == STORE_ROW ? -1 : step, TR_OK, what, err);
}

/* ---- opening and migrations ---- */

int store_open(const char *path, store **out, tr_err *err) {
    store *s = calloc(1, sizeof *s);
    if (!s) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    s->path = strdup(path);
    /* Group commit flushes a SQLite WAL; on PostgreSQL every commit is flushed by the
     * server (synchronous_commit on), so its group has no flush and stays off. */
    s->group = store_group_new(db_uri_is_pg(path) ? NULL : store_group_flush_sqlite, s->path);
    s->follow = store__follow_new();
    if (!s->path || !s->group || !s->follow) {
        store__follow_free(s->follow);
        store_group_free(s->group);
        free(s->path);
        free(s);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    pthread_mutex_init(&s->writer, NULL);
    pthread_mutex_init(&s->conns_mu, NULL);
    pthread_key_create(&s->key, conn_destructor);
    tlog_tree_init(&s->tree);
    store__group_set_batch(s->group, store__batch_commit, s);
    conn *c = s->path ? my_conn(s, err) : NULL;
    if (!s->path) tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (!c || db_migrate(c->db, &s->schema_version, err)) {
        store_close(s);
        return err ? err->code : TR_EIO;
    }
    *out = s;
    return TR_OK;
}

void store_close(store *s) {
    if (!s) return;
    store_follower_stop(s);
    store__batch_commit(s); /* what no waiter committed yet (none should be left) */
    conn *c = s->conns;
    while (c) {
        conn *n = c->next;
        close_conn(c);
        c = n;
    }
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->writer);
    pthread_mutex_destroy(&s->conns_mu);
    store_group_free(s->group);
    store__follow_free(s->follow);
    free(s->path);
    free(s);
}

int store_schema_version(store *s) {
    return s->schema_version;
}

struct store_group *store__group(store *s) {
    return s->group;
}

/* ---- parties and actors ---- */

static const char SQL_PARTY_INSERT[] =
    "INSERT INTO party(name, role, full_name, token_hash, created_at) VALUES (?,?,?,?,?) RETURNING id";

int store_party_insert(store *s, const char *name, tr_role role, const char *full_name,
                       const char *token_hash, int64_t now, int64_t *id, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PARTY_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, tr_role_name(role));
    db_bind_text(st, 3, full_name);
    db_bind_text(st, 4, token_hash);
    db_bind_int(st, 5, now);
    int rc = store__step_done(s, st, "adding the party", err);
    if (rc == TR_ECONFLICT)
        return tr_fail(err, TR_ECONFLICT, "name", "a party named '%s' already exists", name);
    if (rc == TR_OK && id) *id = store__last_id();
    return rc;
}

static int read_party(db_stmt *st, tr_party *out) {
    memset(out, 0, sizeof *out);
    out->id = db_col_int(st, 0);
    snprintf(out->name, sizeof out->name, "%s", db_col_text(st, 1));
    return tr_role_parse(db_col_text(st, 2), &out->role) ? TR_EIO : TR_OK;
}

static const char SQL_PARTY_AUTH[] =
    "SELECT id, name, role FROM party WHERE token_hash = ? AND revoked_at IS NULL";

int store_party_auth(store *s, const char *token_hash, tr_party *out, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PARTY_AUTH, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, token_hash);
    int rc = store__one(st, store__step(st), "reading table party", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK)
        rc = read_party(st, out);
    else
        rc = TR_EAUTH;
    db_reset(st);
    if (rc == TR_EAUTH) return tr_fail(err, TR_EAUTH, "Authorization", "unknown or revoked token");
    return rc;
}

static const char SQL_PARTY_GET[] = "SELECT id, name, role FROM party WHERE name = ? AND revoked_at IS NULL";

int store_party_get(store *s, const char *name, tr_party *out, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PARTY_GET, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, name);
    int rc = store__one(st, store__step(st), "reading table party", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) rc = read_party(st, out);
    db_reset(st);
    if (rc == TR_ENOTFOUND)
        return tr_fail(err, TR_ENOTFOUND, "", "there is no active party named '%s'", name);
    return rc;
}

static const char SQL_PARTY_REVOKE[] =
    "UPDATE party SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL";

int store_party_revoke(store *s, const char *name, int64_t now, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PARTY_REVOKE, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, now);
    db_bind_text(st, 2, name);
    int rc = store__step_done(s, st, "revoking the party", err);
    if (rc == TR_OK && store__changes(st) == 0)
        return tr_fail(err, TR_ENOTFOUND, "NAME", "there is no active party named '%s'", name);
    return rc;
}

static const char SQL_PARTY_KEY_GET[] = "SELECT public_key FROM party WHERE name = ? AND revoked_at IS NULL";
static const char SQL_PARTY_KEY_SET[] =
    "UPDATE party SET public_key = ? WHERE name = ? AND revoked_at IS NULL";

int store_party_key_get(store *s, const char *name, char **public_key, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PARTY_KEY_GET, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, name);
    int rc = store__one(st, store__step(st), "reading table party", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    *public_key = rc == TR_OK ? db_col_dup(st, 0) : NULL;
    db_reset(st);
    return TR_OK;
}

int store_party_key_set(store *s, const char *name, const char *public_key, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PARTY_KEY_SET, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, public_key);
    db_bind_text(st, 2, name);
    int rc = store__step_done(s, st, "registering the key", err);
    if (rc == TR_OK && store__changes(st) == 0)
        return tr_fail(err, TR_ENOTFOUND, "", "there is no active party named '%s'", name);
    return rc;
}

static const char SQL_PARTY_LIST[] =
    "SELECT name, role, full_name, created_at, revoked_at FROM party ORDER BY name";

int store_party_list(store *s, int (*fn)(const store_party_row *p, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PARTY_LIST, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_party_row p = {.name = db_col_text(st, 0),
                             .role = db_col_text(st, 1),
                             .full_name = db_col_text(st, 2),
                             .created_at = db_col_int(st, 3),
                             .revoked = db_col_type(st, 4) != DB_NULL,
                             .revoked_at = db_col_int(st, 4)};
        rc = fn(&p, ctx);
    }
    return store__scan_end(st, step, rc, "reading table party", err);
}

static const char SQL_ACTOR_ENSURE[] = "INSERT INTO actor(name, full_name, created_at) VALUES (?,?,?)";

int store_actor_insert(store *s, const char *name, const char *full_name, int64_t now, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ACTOR_ENSURE, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, full_name);
    db_bind_int(st, 3, now);
    int rc = store__step_done(s, st, "recording the actor", err);
    if (rc == TR_ECONFLICT)
        return tr_fail(err, TR_ECONFLICT, "name", "an actor named '%s' already exists", name);
    return rc;
}

static const char SQL_ACTOR_EXISTS[] = "SELECT 1 FROM actor WHERE name = ?";

int store_actor_exists(store *s, const char *name, bool *exists, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ACTOR_EXISTS, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, name);
    int rc = store__one(st, store__step(st), "reading table actor", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    *exists = rc == TR_OK;
    db_reset(st);
    return TR_OK;
}

static const char SQL_ACTOR_FULL_NAME[] = "SELECT full_name FROM actor WHERE name = ?";

int store_actor_full_name(store *s, const char *name, bool *exists, char **full_name, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ACTOR_FULL_NAME, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, name);
    *full_name = NULL;
    int one = store__one(st, store__step(st), "reading table actor", err);
    if (one != TR_OK && one != TR_ENOTFOUND) return one;
    *exists = one == TR_OK;
    const char *f = *exists ? db_col_text(st, 0) : NULL;
    int rc = f && !(*full_name = strdup(f)) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
    db_reset(st);
    return rc;
}

static const char SQL_ACTOR_LIST[] = "SELECT name, full_name FROM actor ORDER BY name";

int store_actor_list(store *s, int (*fn)(const store_actor_row *a, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_ACTOR_LIST, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_actor_row a = {.name = db_col_text(st, 0), .full_name = db_col_text(st, 1)};
        rc = fn(&a, ctx);
    }
    return store__scan_end(st, step, rc, "reading table actor", err);
}
