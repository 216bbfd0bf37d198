/*
 * db_pg.c — db.h on PostgreSQL through libpq.
 *
 * Invariants:
 *  1. Statements are server-side prepared (named "t<n>") with `?` turned into `$n`;
 *     values go as text, blobs in binary (a text value bound to a bytea parameter goes in
 *     binary too, and a blob bound to a text parameter as text), results come as text.
 *  2. A statement streams its rows (single-row mode). libpq runs one query at a time, so
 *     before any other use of the connection the streaming statement is parked: its
 *     remaining rows (and its final result or error) are read into its queue, and its
 *     steps go on from there. Nested loops therefore work as on SQLite.
 *  3. The connection's generation counts reconnections; a statement prepared in an older
 *     generation is prepared again before it runs.
 *  4. After a connection loss (`lost`), the next call reconnects — unless a transaction
 *     was open, which then fails with TR_EDB_LOST until db_rollback/db_commit end it.
 *     A connection the server closed while idle is reconnected before its next use.
 *  5. DB_TX_WRITE takes the writers' advisory lock (key 7472756366) for the transaction:
 *     one truce writer at a time across processes, as BEGIN IMMEDIATE on SQLite.
 *  6. Every session runs with synchronous_commit on, UTC, shortest exact float output
 *     and the lock timeout set by db_set_timeout_ms; server notices are discarded.
 *  7. A COMMIT waits DB_PG_COMMIT_WAIT_MS at most (a synchronous standby that never
 *     confirms: a partition, a failover). Then it is cancelled; a COMMIT whose wait for the
 *     standby is cancelled has committed on this server only (PostgreSQL says so in a
 *     WARNING), so it fails with TR_EDB_LOST — never acknowledged — and the connection is
 *     made again, to whichever server then takes writes. A server that does not even
 *     answer the cancel within DB_PG_CANCEL_WAIT_MS is given up the same way.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/mem.h"
#include "base/timeutil.h"
#include "store/db_int.h"
#include "store/db_pg.h"

/* The longest a COMMIT may wait, for the synchronous standby included, and then for the
 * server to answer its cancel (invariant 7). */
#define DB_PG_COMMIT_WAIT_MS 15000
#define DB_PG_CANCEL_WAIT_MS 5000

#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

typedef struct pg_stmt pg_stmt;

typedef struct pg_db {
    db base;
    PGconn *conn;
    char *conninfo;
    unsigned gen;       /* generation: +1 per reconnection */
    unsigned next_name; /* statement names t1, t2, … */
    bool lost;          /* the connection failed; the next call reconnects */
    bool unconfirmed;   /* the server gave up waiting for a standby to confirm a commit */
    int timeout_ms;     /* lock_timeout */
    int64_t changes;    /* rows of the last statement that changed rows */
    pg_stmt *active;    /* the statement whose rows are streaming, or NULL */
} pg_db;

enum { ST_IDLE, ST_STREAMING, ST_ENDED };

struct pg_stmt {
    db_stmt base;
    char name[16];
    char *sql; /* in $n form */
    int nparams;
    Oid *ptypes; /* as the server inferred them */
    char **vals; /* owned, NULL for NULL */
    int *lens, *fmts;
    unsigned gen;
    int state;
    PGresult *row;    /* the current row (one tuple) */
    PGresult **queue; /* rows read ahead when parked */
    size_t qhead, qlen, qcap;
    int end_rc; /* the final result once ENDED */
    tr_err end_err;
    char **dec; /* decoded bytea of the current row, per column */
    size_t *declen;
    int ndec;
    bool bind_oom;
};

#define PG(d) ((pg_db *)(d))

/* ---- errors ---- */

static const struct {
    const char *state; /* SQLSTATE or its class (2 characters) */
    tr_code code;
} SQLSTATES[] = {
    {"08", TR_EDB_LOST},
    {"57P01", TR_EDB_SHUTDOWN},
    {"57P02", TR_EDB_SHUTDOWN},
    {"57P03", TR_EDB_SHUTDOWN},
    {"25006", TR_EDB_READONLY},
    {"40001", TR_EDB_RETRY},
    {"40P01", TR_EDB_RETRY},
    {"55P03", TR_EDB_RETRY},
    {"53300", TR_EDB_RETRY},
    {"23505", TR_ECONFLICT},
    {"53", TR_EIO},
};

tr_code db_pg_sqlstate_code(const char *state) {
    if (!state) return TR_EIO;
    for (size_t i = 0; i < sizeof SQLSTATES / sizeof *SQLSTATES; i++)
        if (strncmp(state, SQLSTATES[i].state, strlen(SQLSTATES[i].state)) == 0) return SQLSTATES[i].code;
    return TR_EIO;
}

/* Fills err from res (or the connection's message) and marks a lost connection. */
static int pg_fail(pg_db *d, const PGresult *res, tr_err *err) {
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg || !*msg) msg = PQerrorMessage(d->conn);
    bool bad = PQstatus(d->conn) == CONNECTION_BAD;
    if (bad) d->lost = true;
    tr_code code = state ? db_pg_sqlstate_code(state) : bad ? TR_EDB_LOST : TR_EIO;
    char m[320];
    snprintf(m, sizeof m, "%s", msg && *msg ? msg : "connection lost");
    m[strcspn(m, "\n")] = '\0';
    return tr_fail(err, code, "", "database%s%s: %s", state ? " " : "", state ? state : "", m);
}

/* ---- the session ---- */

/* Server notices are discarded, but one: a COMMIT whose wait for the synchronous standby
 * was cancelled (invariant 7) has committed on this server only. */
static void pg_notice(void *arg, const PGresult *res) {
    const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    if (detail && strstr(detail, "committed locally")) ((pg_db *)arg)->unconfirmed = true;
}

static int pg_session(pg_db *d, tr_err *err) {
    char sql[256];
    snprintf(sql, sizeof sql,
             "SET synchronous_commit = on; SET TimeZone = 'UTC'; SET extra_float_digits = 1;"
             " SET client_min_messages = warning; SET bytea_output = 'hex'; SET lock_timeout = %d",
             d->timeout_ms);
    PGresult *res = PQexec(d->conn, sql);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? TR_OK : pg_fail(d, res, err);
    PQclear(res);
    return rc;
}

/* The code of a failed connection attempt (libpq gives no SQLSTATE then). */
static tr_code connect_code(const char *msg) {
    if (strstr(msg, "starting up") || strstr(msg, "shutting down") || strstr(msg, "recovery mode"))
        return TR_EDB_SHUTDOWN;
    if (strstr(msg, "does not exist") || strstr(msg, "authentication") || strstr(msg, "password") ||
        strstr(msg, "invalid"))
        return TR_EIO;
    return TR_EDB_LOST;
}

static int pg_connect_fail(pg_db *d, tr_err *err) {
    char m[480], who[256];
    snprintf(m, sizeof m, "%s", PQerrorMessage(d->conn)); /* one line per host tried: joined */
    for (char *nl; (nl = strchr(m, '\n'));)
        *nl = nl[1] ? ' ' : '\0';
    db_uri_redact(d->conninfo, who, sizeof who);
    return tr_fail(err, connect_code(m), "--db", "cannot connect to PostgreSQL %s: %s", who, m);
}

/* True when the server has, as far as we can tell, closed an idle connection (it was
 * terminated: a restart, a failover, an administrator). A poll without waiting: no round
 * trip. An idle connection that is not LISTENing has nothing to read unless the server is
 * saying goodbye; its FATAL message can arrive in one read and the end of the stream in
 * the next, so the connection would still look good after one PQconsumeInput. Anything
 * readable therefore counts as closed: the cost of being wrong is one reconnection. */
static bool closed_while_idle(pg_db *d) {
    struct pollfd p = {.fd = PQsocket(d->conn), .events = POLLIN};
    if (p.fd < 0 || poll(&p, 1, 0) != 1) return false;
    PQconsumeInput(d->conn);
    return true;
}

/* Reconnects after a loss (db.h "Connection loss"). Outside a transaction, a connection
 * the server closed while it was idle is made again before it is used, so that the first
 * request after a failover or a restart is not answered 503 for a loss that happened
 * between requests. */
static int pg_ready(pg_db *d, tr_err *err) {
    bool idle = !d->base.in_tx && !d->active;
    if (!d->lost && PQstatus(d->conn) == CONNECTION_OK && !(idle && closed_while_idle(d))) return TR_OK;
    d->lost = true;
    if (d->base.in_tx)
        return tr_fail(err, TR_EDB_LOST, "",
                       "database: the connection was lost inside a transaction, which is rolled back");
    PQreset(d->conn);
    if (PQstatus(d->conn) != CONNECTION_OK) return pg_connect_fail(d, err);
    d->gen++;
    d->active = NULL;
    d->lost = false;
    return pg_session(d, err);
}

/* ---- statements: results ---- */

static void free_row(pg_stmt *s) {
    for (int i = 0; i < s->ndec; i++)
        free(s->dec[i]);
    free(s->dec);
    free(s->declen);
    s->dec = NULL;
    s->declen = NULL;
    s->ndec = 0;
    PQclear(s->row);
    s->row = NULL;
}

static int queue_push(pg_stmt *s, PGresult *r) {
    if (s->qlen == s->qcap) {
        size_t cap = s->qcap ? s->qcap * 2 : 64;
        PGresult **q = realloc(s->queue, cap * sizeof *q);
        if (!q) return TR_ENOMEM;
        s->queue = q;
        s->qcap = cap;
    }
    s->queue[s->qlen++] = r;
    return TR_OK;
}

/* Records a statement's final result (res is consumed) and reads the connection idle. */
static void finish(pg_stmt *s, PGresult *res) {
    pg_db *d = PG(s->base.d);
    ExecStatusType t = PQresultStatus(res);
    s->end_rc = TR_OK;
    if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
        const char *n = PQcmdTuples(res);
        if (n && *n) d->changes = strtoll(n, NULL, 10);
    } else {
        s->end_rc = pg_fail(d, res, &s->end_err);
    }
    PQclear(res);
    while ((res = PQgetResult(d->conn)))
        PQclear(res);
    s->state = ST_ENDED;
    if (d->active == s) d->active = NULL;
}

/* The next result of a streaming statement: a row (kept in s->row) or its end. */
static int stream_next(pg_stmt *s, bool *row) {
    pg_db *d = PG(s->base.d);
    PGresult *res = PQgetResult(d->conn);
    if (!res) res = PQmakeEmptyPGresult(d->conn, PGRES_FATAL_ERROR);
    if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
        s->row = res;
        *row = true;
        return TR_OK;
    }
    finish(s, res);
    return TR_OK;
}

/* Reads the streaming statement's remaining rows into its queue (invariant 2). */
static void park(pg_db *d) {
    pg_stmt *s = d->active;
    if (!s) return;
    PGresult *res;
    while (s->state == ST_STREAMING && (res = PQgetResult(d->conn))) {
        if (PQresultStatus(res) == PGRES_SINGLE_TUPLE && queue_push(s, res) == TR_OK) continue;
        if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) { /* no memory: the scan fails, not shortens */
            PQclear(res);
            res = PQmakeEmptyPGresult(d->conn, PGRES_FATAL_ERROR);
        }
        finish(s, res);
    }
    if (s->state == ST_STREAMING) finish(s, PQmakeEmptyPGresult(d->conn, PGRES_FATAL_ERROR));
    d->active = NULL;
}

/* Anything streaming is parked and the connection is up (reconnected if need be). */
static int pg_claim(pg_db *d, tr_err *err) {
    park(d);
    return pg_ready(d, err);
}

/* ---- statements: preparing ---- */

static int describe(pg_db *d, pg_stmt *s, tr_err *err) {
    PGresult *res = PQprepare(d->conn, s->name, s->sql, 0, NULL);
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? TR_OK : pg_fail(d, res, err);
    PQclear(res);
    if (rc) return rc;
    res = PQdescribePrepared(d->conn, s->name);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        rc = pg_fail(d, res, err);
        PQclear(res);
        return rc;
    }
    for (int i = 0; i < s->nparams && i < PQnparams(res); i++)
        s->ptypes[i] = PQparamtype(res, i);
    PQclear(res);
    s->gen = d->gen;
    return TR_OK;
}

static void pg_reset(db_stmt *st, bool clear);

static void pg_finalize(db_stmt *st) {
    pg_stmt *s = (pg_stmt *)st;
    pg_db *d = PG(st->d);
    pg_reset(st, true);
    free(s->queue);
    if (!st->cached && !d->lost && s->gen == d->gen && PQstatus(d->conn) == CONNECTION_OK) {
        park(d);
        char sql[32];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
        PQclear(PQexec(d->conn, sql));
    }
    TR_FREE(s->vals, s->lens, s->fmts, s->ptypes, s->sql, s);
}

static int pg_prepare(db *base, const char *sql, db_stmt **out, tr_err *err) {
    pg_db *d = PG(base);
    int rc = pg_claim(d, err);
    if (rc) return rc;
    pg_stmt *s = calloc(1, sizeof *s);
    if (!s || db_pg_translate(sql, &s->sql, &s->nparams)) {
        free(s);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    s->base.d = base;
    snprintf(s->name, sizeof s->name, "t%u", ++d->next_name);
    size_t n = s->nparams ? (size_t)s->nparams : 1;
    s->vals = calloc(n, sizeof *s->vals);
    s->lens = calloc(n, sizeof *s->lens);
    s->fmts = calloc(n, sizeof *s->fmts);
    s->ptypes = calloc(n, sizeof *s->ptypes);
    if (!s->vals || !s->lens || !s->fmts || !s->ptypes) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = describe(d, s, err);
    if (rc) {
        s->gen = d->gen + 1; /* nothing to deallocate */
        base->ops->finalize(&s->base);
        return rc;
    }
    *out = &s->base;
    return TR_OK;
}

/* ---- statements: binds ---- */

static void clear_binds(pg_stmt *s) {
    for (int i = 0; s->vals && s->lens && s->fmts && i < s->nparams; i++) {
        free(s->vals[i]);
        s->vals[i] = NULL;
        s->lens[i] = s->fmts[i] = 0;
    }
}

static void pg_reset(db_stmt *st, bool clear) {
    pg_stmt *s = (pg_stmt *)st;
    pg_db *d = PG(st->d);
    if (d->active == s) park(d);
    free_row(s);
    for (size_t i = s->qhead; i < s->qlen; i++)
        PQclear(s->queue[i]);
    s->qhead = s->qlen = 0;
    s->state = ST_IDLE;
    s->bind_oom = false;
    if (clear) clear_binds(s);
}

/* Text of a double that reads back to the same value (PostgreSQL's spellings of the
 * non-finite ones). */
static void double_text(double v, char *buf, size_t n) {
    if (v != v)
        snprintf(buf, n, "NaN");
    else if (v > 1.7976931348623157e308)
        snprintf(buf, n, "Infinity");
    else if (v < -1.7976931348623157e308)
        snprintf(buf, n, "-Infinity");
    else
        snprintf(buf, n, "%.17g", v);
}

static void pg_bind(db_stmt *st, int i, db_type t, int64_t iv, double dv, const void *p, size_t n) {
    pg_stmt *s = (pg_stmt *)st;
    if (i < 1 || i > s->nparams) return; /* as SQLite: SQLITE_RANGE, ignored by callers */
    int k = i - 1;
    free(s->vals[k]);
    s->vals[k] = NULL;
    s->lens[k] = s->fmts[k] = 0;
    char num[40];
    if (t == DB_NULL) return;
    if (t == DB_INT || t == DB_FLOAT) {
        if (t == DB_INT)
            snprintf(num, sizeof num, "%lld", (long long)iv);
        else
            double_text(dv, num, sizeof num);
        p = num;
        n = strlen(num);
    }
    if (!(s->vals[k] = malloc(n + 1))) {
        s->bind_oom = true;
        return;
    }
    memcpy(s->vals[k], p, n);
    s->vals[k][n] = '\0';
    s->lens[k] = (int)n;
    /* Binary only for bytes going to a bytea parameter (invariant 1). */
    s->fmts[k] = s->ptypes[k] == OID_BYTEA && (t == DB_BLOB || t == DB_TEXT);
}

/* ---- statements: running ---- */

static int start(pg_stmt *s, tr_err *err) {
    pg_db *d = PG(s->base.d);
    int rc = pg_claim(d, err);
    if (rc == TR_OK && s->gen != d->gen) rc = describe(d, s, err);
    if (rc) return rc;
    if (!PQsendQueryPrepared(d->conn, s->name, s->nparams, (const char *const *)s->vals, s->lens, s->fmts, 0))
        return pg_fail(d, NULL, err);
    PQsetSingleRowMode(d->conn);
    s->state = ST_STREAMING;
    d->active = s;
    return TR_OK;
}

static int pg_step(db_stmt *st, bool *row, tr_err *err) {
    pg_stmt *s = (pg_stmt *)st;
    if (s->bind_oom) return tr_fail(err, TR_ENOMEM, "", "out of memory (binding a value)");
    free_row(s);
    if (s->state == ST_IDLE) {
        int rc = start(s, err);
        if (rc) {
            s->state = ST_ENDED;
            s->end_rc = TR_OK; /* reported now, not again */
            return rc;
        }
    }
    if (s->qhead < s->qlen) {
        s->row = s->queue[s->qhead++];
        *row = true;
        return TR_OK;
    }
    if (s->state == ST_STREAMING) stream_next(s, row);
    if (*row || s->state != ST_ENDED || s->end_rc == TR_OK) return TR_OK;
    int rc = s->end_rc;
    if (err) *err = s->end_err;
    s->end_rc = TR_OK; /* a failure is reported once */
    return rc;
}

/* Waits until the statement sent on d has its results, at most until the deadline (ms of
 * tr_clock_ns); cancels it once at the deadline and waits DB_PG_CANCEL_WAIT_MS more
 * for the server's answer (invariant 7). False when the server answered neither. */
static bool wait_results(pg_db *d, int64_t deadline) {
    bool cancelled = false;
    while (PQisBusy(d->conn)) {
        int64_t left = deadline - (int64_t)(tr_clock_ns() / 1000000);
        struct pollfd p = {.fd = PQsocket(d->conn), .events = POLLIN};
        int n = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (n < 0) continue; /* EINTR */
        if (n == 0) {
            if (cancelled) return false;
            PGcancel *c = PQgetCancel(d->conn);
            char msg[256];
            if (c) PQcancel(c, msg, sizeof msg);
            PQfreeCancel(c);
            cancelled = true;
            deadline = (int64_t)(tr_clock_ns() / 1000000) + DB_PG_CANCEL_WAIT_MS;
            continue;
        }
        if (!PQconsumeInput(d->conn)) return true; /* the loss shows in the results */
    }
    return true;
}

/* Runs sql; returns its last result (or NULL: the server answered nothing in time). A
 * COMMIT is bounded by DB_PG_COMMIT_WAIT_MS, anything else waits as long as it takes. */
static PGresult *run(pg_db *d, const char *sql) {
    if (strcmp(sql, "COMMIT") != 0) return PQexec(d->conn, sql);
    if (!PQsendQuery(d->conn, sql)) return PQmakeEmptyPGresult(d->conn, PGRES_FATAL_ERROR);
    if (!wait_results(d, (int64_t)(tr_clock_ns() / 1000000) + DB_PG_COMMIT_WAIT_MS)) return NULL;
    PGresult *last = NULL, *r;
    while ((r = PQgetResult(d->conn))) {
        PQclear(last);
        last = r;
    }
    return last ? last : PQmakeEmptyPGresult(d->conn, PGRES_FATAL_ERROR);
}

static int pg_exec(db *base, const char *sql, tr_err *err) {
    pg_db *d = PG(base);
    int rc = pg_claim(d, err);
    if (rc) return rc;
    d->unconfirmed = false;
    PGresult *res = run(d, sql);
    if (!res) { /* neither the COMMIT nor its cancel answered: the server is gone or cut off */
        d->lost = true;
        return tr_fail(
            err, TR_EDB_LOST, "",
            "database: the server answered neither the COMMIT nor its cancel within %d ms; the write"
            " is not acknowledged",
            DB_PG_COMMIT_WAIT_MS + DB_PG_CANCEL_WAIT_MS);
    }
    ExecStatusType t = PQresultStatus(res);
    if (t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK) {
        const char *n = PQcmdTuples(res);
        if (n && *n) d->changes = strtoll(n, NULL, 10);
    } else {
        rc = pg_fail(d, res, err);
    }
    PQclear(res);
    if (rc == TR_OK && d->unconfirmed) { /* invariant 7: not acknowledged, and this server is suspect */
        d->lost = true;
        rc = tr_fail(err, TR_EDB_LOST, "",
                     "database: no synchronous standby confirmed the commit within %d ms (a failover or a"
                     " partition?); it is not acknowledged",
                     DB_PG_COMMIT_WAIT_MS);
    }
    return rc;
}

/* ---- columns ---- */

static int pg_col_count(db_stmt *st) {
    pg_stmt *s = (pg_stmt *)st;
    return s->row ? PQnfields(s->row) : 0;
}

static const char *pg_col_name(db_stmt *st, int i) {
    pg_stmt *s = (pg_stmt *)st;
    return s->row ? PQfname(s->row, i) : NULL;
}

static bool is_null(pg_stmt *s, int i) {
    return !s->row || i < 0 || i >= PQnfields(s->row) || PQgetisnull(s->row, 0, i);
}

static db_type pg_col_type(db_stmt *st, int i) {
    pg_stmt *s = (pg_stmt *)st;
    if (is_null(s, i)) return DB_NULL;
    switch (PQftype(s->row, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        return DB_INT;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return DB_FLOAT;
    case OID_BYTEA:
        return DB_BLOB;
    default:
        return DB_TEXT;
    }
}

static int64_t pg_col_int(db_stmt *st, int i) {
    pg_stmt *s = (pg_stmt *)st;
    if (is_null(s, i)) return 0;
    const char *v = PQgetvalue(s->row, 0, i);
    if (PQftype(s->row, i) == OID_BOOL) return v[0] == 't';
    if (PQftype(s->row, i) == OID_FLOAT8 || PQftype(s->row, i) == OID_FLOAT4) return (int64_t)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

static double pg_col_double(db_stmt *st, int i) {
    pg_stmt *s = (pg_stmt *)st;
    return is_null(s, i) ? 0 : strtod(PQgetvalue(s->row, 0, i), NULL);
}

static int hexval(int c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* The bytes of a bytea column of the current row (decoded once, NUL-terminated). */
static const char *bytea(pg_stmt *s, int i, size_t *n) {
    if (!s->dec) {
        s->ndec = PQnfields(s->row);
        s->dec = calloc((size_t)s->ndec, sizeof *s->dec);
        s->declen = calloc((size_t)s->ndec, sizeof *s->declen);
        if (!s->dec || !s->declen) {
            free(s->dec);
            free(s->declen);
            s->dec = NULL;
            s->declen = NULL;
            s->ndec = 0;
            return NULL;
        }
    }
    if (!s->dec[i]) {
        const char *v = PQgetvalue(s->row, 0, i);
        size_t len = (size_t)PQgetlength(s->row, 0, i);
        if (len < 2 || v[0] != '\\' || v[1] != 'x' || !(s->dec[i] = malloc((len - 2) / 2 + 1))) return NULL;
        size_t k = 0;
        for (size_t j = 2; j + 1 < len; j += 2)
            s->dec[i][k++] = (char)(hexval(v[j]) << 4 | hexval(v[j + 1]));
        s->dec[i][k] = '\0';
        s->declen[i] = k;
    }
    *n = s->declen[i];
    return s->dec[i];
}

static const char *pg_col_text(db_stmt *st, int i) {
    pg_stmt *s = (pg_stmt *)st;
    size_t n;
    if (is_null(s, i)) return NULL;
    return PQftype(s->row, i) == OID_BYTEA ? bytea(s, i, &n) : PQgetvalue(s->row, 0, i);
}

static const void *pg_col_blob(db_stmt *st, int i, size_t *n) {
    pg_stmt *s = (pg_stmt *)st;
    *n = 0;
    if (is_null(s, i)) return NULL;
    if (PQftype(s->row, i) == OID_BYTEA) return bytea(s, i, n);
    *n = (size_t)PQgetlength(s->row, 0, i);
    return PQgetvalue(s->row, 0, i);
}

/* ---- the rest of the table ---- */

static int64_t pg_changes(db *d) {
    return PG(d)->changes;
}

static int pg_set_timeout(db *base, int ms, tr_err *err) {
    pg_db *d = PG(base);
    d->timeout_ms = ms;
    char sql[64];
    snprintf(sql, sizeof sql, "SET lock_timeout = %d", ms);
    return pg_exec(base, sql, err);
}

static const char *pg_begin_sql(db_tx mode) {
    static const char *const SQL[] = {
        [DB_TX_WRITE] = "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(7472756366)",
        [DB_TX_SERIAL] = "BEGIN ISOLATION LEVEL SERIALIZABLE",
        [DB_TX_SNAPSHOT] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    return SQL[mode];
}

static bool pg_cut(db *base) {
    pg_db *d = PG(base);
    park(d);
    int fd = PQsocket(d->conn);
    return fd >= 0 && shutdown(fd, SHUT_RDWR) == 0;
}

static bool pg_tx_lost(db *base) {
    return PG(base)->lost || PQstatus(PG(base)->conn) != CONNECTION_OK;
}

/* Drains the notifications libpq has read; true when there was one. */
static bool drain_notifies(pg_db *d) {
    bool got = false;
    PGnotify *n;
    while ((n = PQnotifies(d->conn))) {
        got = true;
        PQfreemem(n);
    }
    return got;
}

static int pg_wait_notify(db *base, int timeout_ms, bool *got, tr_err *err) {
    pg_db *d = PG(base);
    park(d);
    if (d->lost || PQstatus(d->conn) != CONNECTION_OK) {
        d->lost = true;
        return tr_fail(err, TR_EDB_LOST, "", "database: the listening connection was lost");
    }
    if (!PQconsumeInput(d->conn)) return pg_fail(d, NULL, err);
    if ((*got = drain_notifies(d))) return TR_OK;
    struct pollfd p = {.fd = PQsocket(d->conn), .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno != EINTR)
        return tr_fail(err, TR_EIO, "", "waiting for a notification: %s", strerror(errno));
    if (r > 0 && !PQconsumeInput(d->conn)) return pg_fail(d, NULL, err);
    *got = drain_notifies(d);
    return TR_OK;
}

static void pg_close(db *base) {
    pg_db *d = PG(base);
    park(d);
    d->lost = true; /* cached statements need no DEALLOCATE: the session ends */
    db__cache_free(base);
    PQfinish(d->conn);
    free(d->conninfo);
    free(d);
}

static const db_ops pg_ops = {
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .reset = pg_reset,
    .bind = pg_bind,
    .step = pg_step,
    .col_count = pg_col_count,
    .col_name = pg_col_name,
    .col_type = pg_col_type,
    .col_int = pg_col_int,
    .col_double = pg_col_double,
    .col_text = pg_col_text,
    .col_blob = pg_col_blob,
    .changes = pg_changes,
    .set_timeout = pg_set_timeout,
    .begin_sql = pg_begin_sql,
    .cut = pg_cut,
    .tx_lost = pg_tx_lost,
    .wait_notify = pg_wait_notify,
};

int db__pg_open(const char *conninfo, db **out, tr_err *err) {
    pg_db *d = calloc(1, sizeof *d);
    if (!d || !(d->conninfo = strdup(conninfo))) {
        free(d);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    d->base.ops = &pg_ops;
    d->base.kind = DB_PG;
    d->timeout_ms = 10000;
    d->conn = PQconnectdb(conninfo);
    int rc = PQstatus(d->conn) == CONNECTION_OK ? TR_OK : pg_connect_fail(d, err);
    if (rc == TR_OK) {
        PQsetNoticeReceiver(d->conn, pg_notice, d);
        rc = pg_session(d, err);
    }
    if (rc) {
        PQfinish(d->conn);
        free(d->conninfo);
        free(d);
        return rc;
    }
    *out = &d->base;
    return TR_OK;
}

/* ---- the dialect ---- */

int db_pg_translate(const char *sql, char **out, int *nparams) {
    size_t n = strlen(sql);
    char *o = malloc(n * 6 + 1); /* "?" becomes at most "$99999" */
    if (!o) return TR_ENOMEM;
    size_t k = 0;
    int np = 0;
    char quote = 0;
    for (size_t i = 0; i < n; i++) {
        char c = sql[i];
        if (quote) {
            o[k++] = c;
            if (c == quote)
                quote = 0;
            else if (quote == '\n' && c == '\n')
                quote = 0;
            continue;
        }
        if (c == '\'' || c == '"')
            quote = c;
        else if (c == '-' && sql[i + 1] == '-')
            quote = '\n';
        if (c == '?' && sql[i + 1] >= '1' && sql[i + 1] <= '9') { /* ?NNN: $NNN */
            int at = 0;
            while (sql[i + 1] >= '0' && sql[i + 1] <= '9' && at < 9999)
                at = at * 10 + (sql[++i] - '0');
            k += (size_t)sprintf(o + k, "$%d", at);
            if (at > np) np = at;
            continue;
        }
        if (c == '?' && np < 99999) {
            k += (size_t)sprintf(o + k, "$%d", ++np);
            continue;
        }
        o[k++] = c;
    }
    o[k] = '\0';
    *out = o;
    *nparams = np;
    return TR_OK;
}
