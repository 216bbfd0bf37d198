/*
 * err.h — the error value every truce layer returns.
 *
 * A function that can fail returns an int: 0 (TR_OK) on success, else one of the
 * tr_code values, and fills the caller's tr_err with the offending field and a
 * sentence saying what is wrong. tr_err lives on the caller's stack: nothing to
 * free. At the HTTP edge the code picks the status and the field and message become
 * an RFC 9457 problem body, so messages are written for the person who sent the data.
 *
 * TR_EDB_*: the database cannot serve now but may soon (store/db.h): the connection was
 * lost, the server is shutting down or restarting, it is read-only (a standby, a failover
 * in progress), or the transaction lost a serialisation race. All answer 503 with
 * Retry-After (slug "unavailable"); the codes stay distinct so the store can retry the
 * last kind itself.
 */
#ifndef TRUCE_BASE_ERR_H
#define TRUCE_BASE_ERR_H

/* X(code, http status, problem slug) */
#define TR_CODE_MAP(X)                              \
    X(TR_OK, 200, "ok")                             \
    X(TR_EINVAL, 400, "invalid-input")              \
    X(TR_EAUTH, 401, "unauthenticated")             \
    X(TR_EFORBIDDEN, 403, "forbidden")              \
    X(TR_ENOTFOUND, 404, "not-found")               \
    X(TR_EMETHOD, 405, "method-not-allowed")        \
    X(TR_ECONFLICT, 409, "conflict")                \
    X(TR_ETOOBIG, 413, "body-too-large")            \
    X(TR_EMEDIA, 415, "unsupported-media-type")     \
    X(TR_EBUDGET, 429, "probe-budget-exhausted")    \
    X(TR_EIO, 500, "storage-error")                 \
    X(TR_ENOMEM, 500, "out-of-memory")              \
    X(TR_EINTERNAL, 500, "internal-error")          \
    X(TR_EUNAVAIL, 503, "unavailable")              \
    X(TR_EDB_LOST, 503, "unavailable")              \
    X(TR_EDB_SHUTDOWN, 503, "unavailable")          \
    X(TR_EDB_READONLY, 503, "unavailable")          \
    X(TR_EDB_RETRY, 503, "unavailable")             \
    X(TR_ETIMEOUT, 408, "request-timeout")          \
    X(TR_EURI, 414, "uri-too-long")                 \
    X(TR_EHEADERS, 431, "headers-too-large")        \
    X(TR_EBUSY, 429, "too-many-connections")        \
    X(TR_EVERSION, 505, "http-version-not-supported")

typedef enum {
#define TR_ENUM(c, s, n) c,
    TR_CODE_MAP(TR_ENUM)
#undef TR_ENUM
} tr_code;

typedef struct tr_err {
    tr_code code;     /* TR_OK when nothing failed */
    char field[128];  /* JSON path or option of the offending input, "" if none */
    char msg[384];    /* one sentence for the sender of the input */
} tr_err;

/* Records an error in e (which may be NULL) and returns code, so callers write
 * `return tr_fail(err, TR_EINVAL, "properties.kind", "unknown kind '%s'", k);`. */
int tr_fail(tr_err *e, tr_code code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prefixes e->field with a parent path: "coordinates[0]" -> "geometry.coordinates[0]". */
void tr_err_prefix(tr_err *e, const char *parent);

int tr_code_http_status(tr_code code);
const char *tr_code_slug(tr_code code);

#endif
