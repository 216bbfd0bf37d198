/*
 * store_sqlite.c — the store on an embedded SQLite file.
 *
 * How the invariants of store.h are kept:
 *  1. One pthread mutex (writer) is held from store_begin to store_commit/rollback,
 *     and the transaction is BEGIN IMMEDIATE, so SQLite's own write lock is taken at
 *     once: a check made inside the transaction still holds at COMMIT.
 *  2. store_rollback issues ROLLBACK; functions never commit on their own.
 *  3. journal_mode=WAL with synchronous=FULL: COMMIT returns after the WAL is fsync'd;
 *     with group commit on (store_group.c) a connection commits with synchronous=NORMAL
 *     and the commit waits, outside the writer lock, for the flush that covers it.
 *  4. area_version rows are only ever INSERTed, and UPDATEd in effective_to alone.
 *  5. schema_version(version, name, applied_at) lists applied migrations.
 *
 * Each thread has its own connection (a thread-local pointer); all connections are
 * also kept in a list so store_close can finalize and close them. Prepared statements
 * are cached per connection, keyed by the SQL text's address (the SQL strings are
 * static constants in this file).
 */
#include "store/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "store/migrations.h"
#include "store/store_group.h"
#include "store/store_int.h"

static int open_conn(store *s, conn **out, tr_err *err) {
    if (store__open_fault())
        return tr_fail(err, TR_EUNAVAIL, "--db",
                       "cannot open database '%s': disk I/O error (injected by TRUCE_FAULT)", s->path);
    conn *c = calloc(1, sizeof *c);
    if (!c) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = sqlite3_open_v2(s->path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        tr_fail(err, TR_EIO, "--db", "cannot open database '%s': %s", s->path,
                c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close(c->db);
        free(c);
        return TR_EIO;
    }
    sqlite3_busy_timeout(c->db, 10000);
    char *msg = NULL;
    rc = sqlite3_exec(c->db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      "PRAGMA temp_store=MEMORY;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        tr_fail(err, TR_EIO, "--db", "cannot use '%s' as a database: %s", s->path, msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_close(c->db);
        free(c);
        return TR_EIO;
    }
    c->owner = pthread_self();
    pthread_mutex_lock(&s->conns_mu);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->conns_mu);
    *out = c;
    return TR_OK;
}

static void close_conn(conn *c) {
    for (size_t i = 0; i < c->ncap; i++)
        if (c->cache[i].sql) sqlite3_finalize(c->cache[i].st);
    free(c->cache);
    sqlite3_close(c->db);
    free(c);
}

/* Thread exit: close this thread's connection and unlink it. */
static void conn_destructor(void *p) {
    (void)p; /* connections are closed by store_close; threads of a pool outlive requests */
}

static conn *my_conn(store *s, tr_err *err) {
    conn *c = pthread_getspecific(s->key);
    if (c) return c;
    if (open_conn(s, &c, err)) return NULL;
    pthread_setspecific(s->key, c);
    return c;
}

/* A cached prepared statement for sql on this thread's connection, reset and with
 * bindings cleared. */
static size_t slot_of(const stmt_slot *t, size_t cap, const char *sql) {
    size_t i = ((uintptr_t)sql >> 3) * 0x9E3779B97F4A7C15ull >> 7;
    for (i &= cap - 1; t[i].sql && t[i].sql != sql; i = (i + 1) & (cap - 1)) {
    }
    return i;
}

/* Makes room for one more statement (load at most one half). */
static int cache_grow(conn *c) {
    if ((c->ncache + 1) * 2 <= c->ncap) return TR_OK;
    size_t cap = c->ncap ? c->ncap * 2 : 128;
    stmt_slot *t = calloc(cap, sizeof *t);
    if (!t) return TR_ENOMEM;
    for (size_t i = 0; i < c->ncap; i++)
        if (c->cache[i].sql) t[slot_of(t, cap, c->cache[i].sql)] = c->cache[i];
    free(c->cache);
    c->cache = t;
    c->ncap = cap;
    return TR_OK;
}

sqlite3_stmt *store__prep(store *s, const char *sql, tr_err *err) {
    conn *c = my_conn(s, err);
    if (!c) return NULL;
    if (c->ncap) {
        stmt_slot *hit = &c->cache[slot_of(c->cache, c->ncap, sql)];
        if (hit->sql) {
            sqlite3_reset(hit->st);
            sqlite3_clear_bindings(hit->st);
            return hit->st;
        }
    }
    if (cache_grow(c)) {
        tr_fail(err, TR_ENOMEM, "", "out of memory");
        return NULL;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        store__db_fail(err, c->db, "preparing a statement");
        return NULL;
    }
    c->cache[slot_of(c->cache, c->ncap, sql)] = (stmt_slot){sql, st};
    c->ncache++;
    return st;
}

/* Runs a statement made by prep to completion (no rows expected). */
int store__step_done(store *s, sqlite3_stmt *st, const char *what, tr_err *err) {
    int step = store__step(st);
    if (step == SQLITE_DONE) return store__scan_end(st, step, TR_OK, what, err);
    int rc = store__fail_code(err, sqlite3_db_handle(st), step, what);
    sqlite3_reset(st);
    return rc;
}

void store__bind_text(sqlite3_stmt *st, int i, const char *v) {
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

char *store__col_dup(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

/* ---- opening and migrations ---- */

static int exec(conn *c, const char *sql, tr_err *err) {
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK) return TR_OK;
    char what[64];
    snprintf(what, sizeof what, "%.40s%s", sql, strlen(sql) > 40 ? "..." : "");
    sqlite3_free(msg);
    return store__fail_code(err, c->db, rc, what);
}

static int current_schema(conn *c) {
    sqlite3_stmt *st;
    int v = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT max(version) FROM schema_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static bool applied(conn *c, int version) {
    sqlite3_stmt *st;
    bool yes = false;
    if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM schema_version WHERE version = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int(st, 1, version);
        yes = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
    }
    return yes;
}

/* Applies every migration not yet recorded, in order, each in its own transaction (the
 * check is inside it, so two processes opening one file apply each migration once). A
 * missing lower number is applied too: migrations are independent of later numbers. */
static int migrate(store *s, conn *c, tr_err *err) {
    if (exec(c,
             "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
             " name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
             err))
        return TR_EIO;
    for (const store_migration *m = store_migrations; m->version; m++) {
        if (applied(c, m->version)) continue;
        char rec[256];
        snprintf(rec, sizeof rec, "INSERT INTO schema_version VALUES (%d, '%s', %lld);", m->version, m->name,
                 (long long)tr_time_now());
        if (exec(c, "BEGIN IMMEDIATE", err)) return TR_EIO;
        if (applied(c, m->version)) {
            exec(c, "ROLLBACK", NULL);
            continue;
        }
        if (exec(c, m->sql, err) || exec(c, rec, err)) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err ? err->msg : "");
            exec(c, "ROLLBACK", NULL);
            return tr_fail(err, TR_EIO, "", "migration %s failed: %s", m->name, why);
        }
        if (exec(c, "COMMIT", err)) return TR_EIO;
    }
    s->schema_version = current_schema(c);
    return TR_OK;
}

int store_open(const char *path, store **out, tr_err *err) {
    store *s = calloc(1, sizeof *s);
    if (!s) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    s->path = strdup(path);
    s->group = store_group_new(store_group_flush_sqlite, s->path);
    if (!s->path || !s->group) {
        store_group_free(s->group);
        free(s->path);
        free(s);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    pthread_mutex_init(&s->writer, NULL);
    pthread_mutex_init(&s->conns_mu, NULL);
    pthread_key_create(&s->key, conn_destructor);
    tlog_tree_init(&s->tree);
    conn *c = my_conn(s, err);
    if (!c || migrate(s, c, err)) {
        store_close(s);
        return err ? err->code : TR_EIO;
    }
    *out = s;
    return TR_OK;
}

void store_close(store *s) {
    if (!s) return;
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
    free(s->path);
    free(s);
}

int store_schema_version(store *s) {
    return s->schema_version;
}

struct store_group *store__group(store *s) {
    return s->group;
}

/* ---- transactions ---- */

/* With the writer lock held: every write runs on the one writer connection, whose page
 * cache stays warm from one transaction to the next (a connection of a thread that did
 * not write last would reread every page it needs); the thread's own connection is put
 * back by writer_leave. */
static conn *writer_enter(store *s, tr_err *err) {
    if (!s->wconn && open_conn(s, &s->wconn, err)) return NULL;
    s->wprev = pthread_getspecific(s->key);
    pthread_setspecific(s->key, s->wconn);
    bool normal = store__group_on(s->group); /* group commit: this commit waits for no fsync */
    if (normal != s->wconn->sync_normal &&
        exec(s->wconn, normal ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL", err))
        return NULL;
    s->wconn->sync_normal = normal;
    return s->wconn;
}

static void writer_leave(store *s) {
    pthread_setspecific(s->key, s->wprev);
    s->wprev = NULL;
    pthread_mutex_unlock(&s->writer);
}

int store_begin(store *s, tr_err *err) {
    pthread_mutex_lock(&s->writer);
    conn *c = writer_enter(s, err);
    if (!c || exec(c, "BEGIN IMMEDIATE", err)) {
        writer_leave(s);
        return TR_EIO;
    }
    if (store__log_sync(s, err)) {
        exec(c, "ROLLBACK", NULL);
        writer_leave(s);
        return TR_EIO;
    }
    s->saved = s->tree;
    s->tx_notices = false;
    return TR_OK;
}

void store_on_notices(store *s, void (*fn)(void *ctx), void *ctx) {
    pthread_mutex_lock(&s->writer);
    s->on_notices = fn;
    s->on_notices_ctx = ctx;
    pthread_mutex_unlock(&s->writer);
}

int store_commit_publish(store *s, int (*publish)(void *ctx, tr_err *err), void *ctx, tr_err *err) {
    conn *c = s->wconn;
    int rc = !c ? TR_EIO
             : store__commit_fault()
                 ? tr_fail(err, TR_EUNAVAIL, "", "committing: disk I/O error (injected by TRUCE_FAULT)")
                 : exec(c, "COMMIT", err);
    if (rc != TR_OK && c) exec(c, "ROLLBACK", NULL);
    if (rc != TR_OK) s->tree = s->saved;
    if (rc == TR_OK) store__group_committed(s->group);
    if (rc == TR_OK && publish) rc = publish(ctx, err);
    if (rc == TR_OK && s->tx_notices && s->on_notices) s->on_notices(s->on_notices_ctx);
    s->tx_notices = false;
    writer_leave(s);
    return rc == TR_OK ? store__group_after_commit(s->group, err) : rc;
}

int store_commit(store *s, tr_err *err) {
    return store_commit_publish(s, NULL, NULL, err);
}

void store_rollback(store *s) {
    exec(s->wconn, "ROLLBACK", NULL);
    s->tree = s->saved;
    s->tx_notices = false;
    writer_leave(s);
}

/* ---- parties and actors ---- */

static const char SQL_PARTY_INSERT[] =
    "INSERT INTO party(name, role, full_name, token_hash, created_at) VALUES (?,?,?,?,?)";

int store_party_insert(store *s, const char *name, tr_role role, const char *full_name,
                       const char *token_hash, int64_t now, int64_t *id, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_PARTY_INSERT, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, name);
    store__bind_text(st, 2, tr_role_name(role));
    store__bind_text(st, 3, full_name);
    store__bind_text(st, 4, token_hash);
    sqlite3_bind_int64(st, 5, now);
    int rc = store__step_done(s, st, "adding the party", err);
    if (rc == TR_ECONFLICT)
        return tr_fail(err, TR_ECONFLICT, "name", "a party named '%s' already exists", name);
    if (rc == TR_OK && id) *id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
    return rc;
}

static int read_party(sqlite3_stmt *st, tr_party *out) {
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(st, 1));
    return tr_role_parse((const char *)sqlite3_column_text(st, 2), &out->role) ? TR_EIO : TR_OK;
}

static const char SQL_PARTY_AUTH[] =
    "SELECT id, name, role FROM party WHERE token_hash = ? AND revoked_at IS NULL";

int store_party_auth(store *s, const char *token_hash, tr_party *out, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_PARTY_AUTH, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, token_hash);
    int rc = store__one(st, store__step(st), "reading table party", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK)
        rc = read_party(st, out);
    else
        rc = TR_EAUTH;
    sqlite3_reset(st);
    if (rc == TR_EAUTH) return tr_fail(err, TR_EAUTH, "Authorization", "unknown or revoked token");
    return rc;
}

static const char SQL_PARTY_GET[] = "SELECT id, name, role FROM party WHERE name = ? AND revoked_at IS NULL";

int store_party_get(store *s, const char *name, tr_party *out, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_PARTY_GET, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, name);
    int rc = store__one(st, store__step(st), "reading table party", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) rc = read_party(st, out);
    sqlite3_reset(st);
    if (rc == TR_ENOTFOUND)
        return tr_fail(err, TR_ENOTFOUND, "", "there is no active party named '%s'", name);
    return rc;
}

static const char SQL_PARTY_REVOKE[] =
    "UPDATE party SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL";

int store_party_revoke(store *s, const char *name, int64_t now, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_PARTY_REVOKE, err);
    if (!st) return TR_EIO;
    sqlite3_bind_int64(st, 1, now);
    store__bind_text(st, 2, name);
    int rc = store__step_done(s, st, "revoking the party", err);
    if (rc == TR_OK && sqlite3_changes(sqlite3_db_handle(st)) == 0)
        return tr_fail(err, TR_ENOTFOUND, "NAME", "there is no active party named '%s'", name);
    return rc;
}

static const char SQL_PARTY_KEY_GET[] = "SELECT public_key FROM party WHERE name = ? AND revoked_at IS NULL";
static const char SQL_PARTY_KEY_SET[] =
    "UPDATE party SET public_key = ? WHERE name = ? AND revoked_at IS NULL";

int store_party_key_get(store *s, const char *name, char **public_key, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_PARTY_KEY_GET, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, name);
    int rc = store__one(st, store__step(st), "reading table party", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    *public_key = rc == TR_OK ? store__col_dup(st, 0) : NULL;
    sqlite3_reset(st);
    return TR_OK;
}

int store_party_key_set(store *s, const char *name, const char *public_key, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_PARTY_KEY_SET, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, public_key);
    store__bind_text(st, 2, name);
    int rc = store__step_done(s, st, "registering the key", err);
    if (rc == TR_OK && sqlite3_changes(sqlite3_db_handle(st)) == 0)
        return tr_fail(err, TR_ENOTFOUND, "", "there is no active party named '%s'", name);
    return rc;
}

static const char SQL_PARTY_LIST[] =
    "SELECT name, role, full_name, created_at, revoked_at FROM party ORDER BY name";

int store_party_list(store *s, json_t **out, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_PARTY_LIST, err);
    if (!st) return TR_EIO;
    json_t *a = json_array();
    int rc;
    while ((rc = store__step(st)) == SQLITE_ROW) {
        json_t *p = json_object();
        json_object_set_new(p, "name", json_string((const char *)sqlite3_column_text(st, 0)));
        json_object_set_new(p, "role", json_string((const char *)sqlite3_column_text(st, 1)));
        const unsigned char *fn = sqlite3_column_text(st, 2);
        json_object_set_new(p, "full_name", fn ? json_string((const char *)fn) : json_null());
        json_object_set_new(p, "created_at", tr_json_time_value(sqlite3_column_int64(st, 3)));
        json_object_set_new(p, "revoked_at",
                            sqlite3_column_type(st, 4) == SQLITE_NULL
                                ? json_null()
                                : tr_json_time_value(sqlite3_column_int64(st, 4)));
        json_array_append_new(a, p);
    }
    if ((rc = store__scan_end(st, rc, TR_OK, "reading table party", err))) {
        json_decref(a);
        return rc;
    }
    *out = a;
    return TR_OK;
}

static const char SQL_ACTOR_ENSURE[] = "INSERT INTO actor(name, full_name, created_at) VALUES (?,?,?)";

int store_actor_insert(store *s, const char *name, const char *full_name, int64_t now, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_ACTOR_ENSURE, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, name);
    store__bind_text(st, 2, full_name);
    sqlite3_bind_int64(st, 3, now);
    int rc = store__step_done(s, st, "recording the actor", err);
    if (rc == TR_ECONFLICT)
        return tr_fail(err, TR_ECONFLICT, "name", "an actor named '%s' already exists", name);
    return rc;
}

static const char SQL_ACTOR_EXISTS[] = "SELECT 1 FROM actor WHERE name = ?";

int store_actor_exists(store *s, const char *name, bool *exists, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_ACTOR_EXISTS, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, name);
    int rc = store__one(st, store__step(st), "reading table actor", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    *exists = rc == TR_OK;
    sqlite3_reset(st);
    return TR_OK;
}

static const char SQL_ACTOR_FULL_NAME[] = "SELECT full_name FROM actor WHERE name = ?";

int store_actor_full_name(store *s, const char *name, bool *exists, char **full_name, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_ACTOR_FULL_NAME, err);
    if (!st) return TR_EIO;
    store__bind_text(st, 1, name);
    *full_name = NULL;
    int one = store__one(st, store__step(st), "reading table actor", err);
    if (one != TR_OK && one != TR_ENOTFOUND) return one;
    *exists = one == TR_OK;
    const char *f = *exists ? (const char *)sqlite3_column_text(st, 0) : NULL;
    int rc = f && !(*full_name = strdup(f)) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
    sqlite3_reset(st);
    return rc;
}

static const char SQL_ACTOR_LIST[] = "SELECT name, full_name FROM actor ORDER BY name";

int store_actor_list(store *s, json_t **out, tr_err *err) {
    sqlite3_stmt *st = store__prep(s, SQL_ACTOR_LIST, err);
    if (!st) return TR_EIO;
    json_t *a = json_array();
    int step;
    while ((step = store__step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string((const char *)sqlite3_column_text(st, 0)));
        const unsigned char *fn = sqlite3_column_text(st, 1);
        json_object_set_new(o, "full_name", fn ? json_string((const char *)fn) : json_null());
        json_array_append_new(a, o);
    }
    int rc = store__scan_end(st, step, TR_OK, "reading table actor", err);
    if (rc)
        json_decref(a);
    else
        *out = a;
    return rc;
}
