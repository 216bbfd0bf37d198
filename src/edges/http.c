/*
 * http.c — libmicrohttpd glue: request life cycle, routing, auth, bodies, problems,
 * metrics and the access log.
 *
 * Life of a request (MHD calls on_request several times per request):
 *  1. first call: allocate the per-request state, match the route; if the declared
 *     Content-Length is over the limit, answer 413 at once without reading the body.
 *  2. body chunks: appended up to body_limit; beyond it the rest is discarded and
 *     the request is marked too large.
 *  3. last call: authenticate, check roles, query parameters, media type and JSON;
 *     run the handler; queue the response (problem+json on error).
 *  4. on_completed: count the status and latency, log one line, free the state.
 *
 * Streamed bodies (http_stream): MHD pulls them through stream_read as the socket
 * drains. A live stream (Server-Sent Events) with nothing to send parks its
 * connection (MHD_suspend_connection, so no thread and no polling is spent on it) in
 * srv->parked; http_server_wake resumes every parked connection, the heartbeat thread
 * does so every HTTP_HEARTBEAT_S (so idle streams send a keep-alive and dead clients
 * are noticed), and stop resumes them with srv->stopping set so they end.
 */
#include "edges/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "edges/http_door.h"
#include "edges/http_head.h"
#include "edges/http_stats.h"
#include "edges/static.h"

struct http_server {
    struct MHD_Daemon *d;
    http_door *door; /* accepts connections, reads first heads, keeps the deadlines */
    centre *c;
    http_options o;
    uint16_t port;
    char host[64];
    const http_route *routes; /* api_routes() */
    size_t nroutes;
    http_stats *stats; /* counters for /metrics (http_stats.h) */
    int inflight;
    /* parked live streams */
    pthread_mutex_t park_mu;
    pthread_cond_t park_cv;      /* signals the heartbeat thread to stop */
    struct stream_state *parked; /* list through ->next */
    uint64_t wake_gen;           /* counts wakes, so a wake between read and park is not lost */
    bool stopping;
    pthread_t heartbeat;
    bool heartbeat_started;
};

#define HTTP_HEARTBEAT_S 15

typedef struct stream_state {
    http_stream s;
    http_server *srv;
    struct MHD_Connection *conn;
    size_t *bytes;             /* the request's resp_bytes (valid while the request lives) */
    struct stream_state *next; /* in srv->parked */
} stream_state;

typedef struct req_state {
    http_req rq;
    void *conn_rec; /* the door's record of the connection (its socket context) */
    tr_err uri_err; /* what is wrong with the request target, if anything */
    bool called;    /* the access handler ran for this request */
    char *body;
    size_t len, cap;
    bool too_big;
    bool answered;
    tr_signature sig; /* the caller's verified signature over the body, if it sent one */
    int status;
    size_t resp_bytes;
    uint64_t t0;
} req_state;

const char *http_query(const http_req *rq, const char *name) {
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(const http_req *rq, const char *name) {
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

/* ---- routing ---- */

/* Matches path against pattern; on success stores captures (malloc'd) in params. */
static bool match(const char *pattern, const char *path, char **params) {
    int np = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *se = p[1] == '*' ? NULL : strchr(s, '/'); /* {*name}: the rest of the path */
            if (!se) se = s + strlen(s);
            if (se == s || np == HTTP_MAX_PARAMS || !pe) goto fail;
            params[np++] = strndup(s, (size_t)(se - s));
            p = pe + 1;
            s = se;
        } else if (*p++ != *s++) {
            goto fail;
        }
    }
    if (*p == '\0' && *s == '\0') return true;
fail:
    for (int i = 0; i < np; i++) {
        free(params[i]);
        params[i] = NULL;
    }
    return false;
}

/* Finds the route; when the path is known but not the method, fills allow with the
 * methods it takes ("GET, PUT"), which tells a 405 from a 404 (allow empty). */
static const http_route *route_find(const http_server *srv, const char *method, const char *path,
                                    char **params, char *allow, size_t allow_len) {
    const http_route *routes = srv->routes;
    allow[0] = '\0';
    for (size_t i = 0; i < srv->nroutes; i++) {
        if (!match(routes[i].pattern, path, params)) continue;
        size_t n = strlen(allow);
        snprintf(allow + n, allow_len - n, "%s%s", n ? ", " : "", routes[i].method);
        if (strcmp(routes[i].method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
            return &routes[i];
        for (int k = 0; k < HTTP_MAX_PARAMS; k++) {
            free(params[k]);
            params[k] = NULL;
        }
    }
    return NULL;
}

/* ---- responses ---- */

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
    stream_state *ss = cls;
    http_server *srv = ss->srv;
    (void)pos;
    pthread_mutex_lock(&srv->park_mu);
    uint64_t gen = srv->wake_gen;
    bool stopping = srv->stopping;
    pthread_mutex_unlock(&srv->park_mu);
    if (stopping && ss->s.live) return MHD_CONTENT_READER_END_OF_STREAM;
    long n = ss->s.read(ss->s.ctx, buf, max);
    if (n > 0 && store_sync(srv->c->store, NULL)) /* sent only once what it read is durable */
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (n > 0) {
        *ss->bytes += (size_t)n;
        return n;
    }
    if (n == HTTP_STREAM_END) return MHD_CONTENT_READER_END_OF_STREAM;
    if (n != 0 || !ss->s.live) return MHD_CONTENT_READER_END_WITH_ERROR;
    pthread_mutex_lock(&srv->park_mu);
    if (srv->wake_gen == gen && !srv->stopping) { /* nothing new since read() looked: park */
        ss->next = srv->parked;
        srv->parked = ss;
        MHD_suspend_connection(ss->conn);
    }
    pthread_mutex_unlock(&srv->park_mu);
    return 0;
}

static void stream_free(void *cls) {
    stream_state *ss = cls;
    if (ss->s.free) ss->s.free(ss->s.ctx);
    free(ss);
}

void http_server_wake(http_server *srv) {
    pthread_mutex_lock(&srv->park_mu);
    srv->wake_gen++;
    for (stream_state *ss = srv->parked, *next; ss; ss = next) {
        next = ss->next;
        ss->next = NULL;
        MHD_resume_connection(ss->conn);
    }
    srv->parked = NULL;
    pthread_mutex_unlock(&srv->park_mu);
}

static void wake_cb(void *ctx) {
    http_server_wake(ctx);
}

static void *heartbeat_main(void *arg) {
    http_server *srv = arg;
    pthread_mutex_lock(&srv->park_mu);
    while (!srv->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += HTTP_HEARTBEAT_S;
        pthread_cond_timedwait(&srv->park_cv, &srv->park_mu, &ts);
        if (srv->stopping) break;
        pthread_mutex_unlock(&srv->park_mu);
        http_server_wake(srv);
        pthread_mutex_lock(&srv->park_mu);
    }
    pthread_mutex_unlock(&srv->park_mu);
    return NULL;
}

static void add_common_headers(struct MHD_Response *r, int status, const char *ctype, const http_resp *rs,
                               const char *allow) {
    MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer realm=\"truce\"");
    if (status == 503) MHD_add_response_header(r, "Retry-After", "1"); /* try again: as http_head.c */
    if (rs && rs->etag[0]) MHD_add_response_header(r, "ETag", rs->etag);
    if (rs && rs->location[0]) MHD_add_response_header(r, "Location", rs->location);
    if (rs && rs->disposition[0]) MHD_add_response_header(r, "Content-Disposition", rs->disposition);
    if (allow && allow[0]) MHD_add_response_header(r, "Allow", allow);
}

static int queue(req_state *st, int status, const char *ctype, char *buf, size_t len, const http_resp *rs,
                 const char *allow) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(buf);
        return MHD_NO;
    }
    add_common_headers(r, status, ctype, rs, allow);
    int ret = MHD_queue_response(st->rq.conn, (unsigned)status, r);
    MHD_destroy_response(r);
    st->status = status;
    st->resp_bytes = len;
    st->answered = true;
    return ret;
}

/* Queues a file of the dashboard (static.c built the response and its headers). */
static int queue_static(req_state *st, struct MHD_Response *r, size_t size) {
    int ret = MHD_queue_response(st->rq.conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    st->status = MHD_HTTP_OK;
    st->resp_bytes = size;
    st->answered = true;
    return ret;
}

/* Answers with an RFC 9457 problem built from err (allow: the Allow header of a 405). */
static int queue_problem_with(req_state *st, const tr_err *err, const char *allow, json_t *extra) {
    json_t *p = http_problem_json(err, st->rq.path, extra);
    char *body = p ? tr_json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    if (!body) return MHD_NO;
    return queue(st, tr_code_http_status(err->code), "application/problem+json", body, strlen(body), NULL,
                 allow);
}

static int queue_problem(req_state *st, const tr_err *err, const char *allow) {
    return queue_problem_with(st, err, allow, NULL);
}

/* Queues rs's stream; the stream then belongs to MHD (stream_free). */
static int queue_stream(req_state *st, http_resp *rs) {
    stream_state *ss = calloc(1, sizeof *ss);
    if (!ss) {
        if (rs->stream.free) rs->stream.free(rs->stream.ctx);
        return MHD_NO;
    }
    ss->s = rs->stream;
    ss->srv = st->rq.srv;
    ss->conn = st->rq.conn;
    ss->bytes = &st->resp_bytes;
    memset(&rs->stream, 0, sizeof rs->stream);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, ss, stream_free);
    if (!r) {
        stream_free(ss);
        return MHD_NO;
    }
    int status = rs->status ? rs->status : 200;
    add_common_headers(r, status, rs->content_type ? rs->content_type : "application/octet-stream", rs, NULL);
    if (ss->s.live) MHD_add_response_header(r, "X-Accel-Buffering", "no");
    int ret = MHD_queue_response(st->rq.conn, (unsigned)status, r);
    MHD_destroy_response(r);
    st->status = status;
    st->answered = true;
    return ret;
}

static int queue_resp(req_state *st, http_resp *rs) {
    if (rs->stream.read) return queue_stream(st, rs);
    char *buf;
    size_t len;
    if (rs->json) {
        /* Reals as the shortest decimal that reads back as the same double, as the log's
         * canonical bytes print them: a party can hash the object it was answered and match it
         * with the log (docs/tlog.md, "Entries"). */
        buf = tr_json_dumps(rs->json, JSON_COMPACT | JSON_ENCODE_ANY);
        len = strlen(buf);
    } else {
        buf = rs->text ? rs->text : strdup("");
        len = rs->text ? rs->text_len : 0;
        rs->text = NULL;
    }
    const char *ctype = rs->content_type ? rs->content_type : "application/json";
    return queue(st, rs->status ? rs->status : 200, ctype, buf, len, rs, NULL);
}

/* ---- the checks before a handler ---- */

static int authenticate(req_state *st, tr_err *err) {
    const char *h = http_header(&st->rq, "Authorization");
    if (!h) return tr_fail(err, TR_EAUTH, "Authorization", "send the header 'Authorization: Bearer <token>'");
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return tr_fail(err, TR_EAUTH, "Authorization",
                       "use the Bearer scheme: 'Authorization: Bearer <token>'");
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    if (centre_authenticate(st->rq.c, tok, &st->rq.party, err)) return TR_EAUTH;
    st->rq.authed = true;
    if (!(st->rq.route->roles & ROLE_BIT(st->rq.party.role)))
        return tr_fail(err, TR_EFORBIDDEN, "", "a %s party may not %s %s", tr_role_name(st->rq.party.role),
                       st->rq.method, st->rq.route->pattern);
    return TR_OK;
}

typedef struct query_check {
    const char *allowed;
    const char *bad;      /* a parameter the route does not take */
    const char *twice;    /* a parameter given more than once (each takes one value) */
    const char *seen[16]; /* the parameters seen so far */
    size_t nseen;
} query_check;

static bool allowed_arg(const char *allowed, const char *key) {
    size_t n = strlen(key);
    for (const char *a = allowed; a && *a;) {
        const char *e = strchr(a, ',');
        size_t m = e ? (size_t)(e - a) : strlen(a);
        if (m == n && strncmp(a, key, n) == 0) return true;
        a = e ? e + 1 : a + m;
    }
    return false;
}

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    query_check *q = cls;
    (void)kind;
    (void)value;
    if (!allowed_arg(q->allowed, key)) {
        q->bad = key;
        return MHD_NO;
    }
    for (size_t i = 0; i < q->nseen; i++)
        if (strcmp(q->seen[i], key) == 0) {
            q->twice = key;
            return MHD_NO;
        }
    if (q->nseen < sizeof q->seen / sizeof *q->seen) q->seen[q->nseen++] = key;
    return MHD_YES;
}

/* Every query parameter is one the route takes, given once. */
static int check_query(req_state *st, tr_err *err) {
    query_check q = {.allowed = st->rq.route->query};
    MHD_get_connection_values(st->rq.conn, MHD_GET_ARGUMENT_KIND, check_arg, &q);
    if (q.bad)
        return tr_fail(err, TR_EINVAL, q.bad, "unknown query parameter%s%s", q.allowed ? "; allowed: " : "",
                       q.allowed ? q.allowed : "");
    if (q.twice) return tr_fail(err, TR_EINVAL, q.twice, "is given more than once; give it once");
    return TR_OK;
}

/* True if the Content-Type's media type (before any ';' parameters) is one we read. */
static bool json_media_type(const char *ct) {
    static const char *const types[] = {"application/json", "application/geo+json"};
    if (!ct) return false;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strlen(types[i]) == n && strncasecmp(ct, types[i], n) == 0) return true;
    return false;
}

static size_t body_limit(const http_server *srv, const http_route *r) {
    return (r && (r->flags & ROUTE_RAW) && srv->o.raw_body_limit) ? srv->o.raw_body_limit : srv->o.body_limit;
}

static int parse_body(req_state *st, tr_err *err) {
    const char *ct = http_header(&st->rq, "Content-Type");
    if (st->len == 0 && (st->rq.route->flags & ROUTE_ACTION)) { /* curl -X POST .../ack: {} */
        st->rq.json = json_object();
        return st->rq.json ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (!json_media_type(ct))
        return tr_fail(err, TR_EMEDIA, "Content-Type", "send the body as application/json (got '%s')",
                       ct ? ct : "none");
    if (st->len == 0) return tr_fail(err, TR_EINVAL, "", "the request needs a JSON body");
    json_error_t je;
    st->rq.json = json_loadb(st->body, st->len, JSON_REJECT_DUPLICATES, &je);
    if (!st->rq.json)
        return tr_fail(err, TR_EINVAL, "", "malformed JSON at line %d, column %d: %s", je.line, je.column,
                       je.text);
    return TR_OK;
}

static bool client_is_loopback(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr) return false;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a)) return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

/* A signed submission: the Truce-Signature header is the caller's Ed25519 signature over
 * the exact body bytes, checked against its registered key; the write's log entry then
 * carries it (docs/tlog.md, "Signed submissions"). */
static int check_signature(req_state *st, tr_err *err) {
    const char *h = http_header(&st->rq, "Truce-Signature");
    if (!h) return TR_OK;
    if (!(st->rq.route->flags & (ROUTE_BODY | ROUTE_RAW)))
        return tr_fail(err, TR_EINVAL, "Truce-Signature", "only requests with a body are signed");
    if (centre_check_signature(st->rq.c, st->rq.party.name, h, st->body, st->len, &st->sig, err))
        return err->code;
    st->rq.party.sig = &st->sig;
    return TR_OK;
}

/* Truce-Min-Index: N (a receipt's index, from a write made through any instance): the
 * answer waits, up to HTTP_MIN_INDEX_WAIT_MS, until this instance's engines have applied
 * log entry N, else 503 (docs/operations.md "Several instances"). */
#define HTTP_MIN_INDEX_WAIT_MS 5000

static int wait_min_index(req_state *st, tr_err *err) {
    const char *h = http_header(&st->rq, "Truce-Min-Index");
    if (!h) return TR_OK;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(h, &end, 10);
    if (!*h || *h < '0' || *h > '9' || *end || errno || n > (unsigned long long)INT64_MAX)
        return tr_fail(err, TR_EINVAL, "Truce-Min-Index",
                       "must be a log index (a whole number >= 0), not '%.40s'", h);
    return store_wait_applied(st->rq.c->store, (uint64_t)n, HTTP_MIN_INDEX_WAIT_MS, "Truce-Min-Index", err);
}

static int dispatch(req_state *st) {
    tr_err err = {0};
    const http_route *r = st->rq.route;
    http_resp rs = {0};
    int rc;
    store_defer_durable(st->rq.c->store); /* one wait below, with the service's locks released */
    if (st->too_big) {
        rc = tr_fail(&err, TR_ETOOBIG, "", "the body is larger than the limit of %zu bytes",
                     body_limit(st->rq.srv, r));
    } else if ((r->flags & ROUTE_LOOPBACK) && !client_is_loopback(st->rq.conn)) {
        rc = tr_fail(&err, TR_EFORBIDDEN, "", "%s is served only to clients on loopback", r->pattern);
    } else if (r->roles && (rc = authenticate(st, &err))) {
    } else if ((rc = check_query(st, &err))) {
    } else if ((r->flags & ROUTE_BODY) && (rc = parse_body(st, &err))) {
    } else if ((r->flags & ROUTE_RAW) && st->len == 0 &&
               (rc = tr_fail(&err, TR_EINVAL, "", "the request needs a body"))) {
    } else if (r->roles && (rc = check_signature(st, &err))) {
    } else if ((rc = wait_min_index(st, &err))) {
    } else if ((rc = centre_engines_enter(st->rq.c, &err))) {
    } else {
        if (r->flags & ROUTE_RAW) {
            st->rq.body = st->body ? st->body : "";
            st->rq.body_len = st->len;
            st->rq.content_type = http_header(&st->rq, "Content-Type");
        }
        rc = r->fn(&st->rq, &rs, &err);
        centre_engines_leave(st->rq.c);
    }
    /* Group commit: answered only once every commit so far is durable (this request's own,
     * and any it may have read), so no answer depends on a write a crash could lose. */
    tr_err serr = {0};
    int synced = r->flags & ROUTE_UNSHARED ? store_sync_unshared(st->rq.c->store, &serr)
                                           : store_sync(st->rq.c->store, &serr);
    if (synced && rc == TR_OK) {
        rc = serr.code;
        err = serr;
    }
    int ret = rc == TR_OK ? queue_resp(st, &rs) : queue_problem_with(st, &err, NULL, rs.problem_extra);
    json_decref(rs.json);
    json_decref(rs.problem_extra);
    free(rs.text);
    if (rs.stream.free) rs.stream.free(rs.stream.ctx); /* a handler that failed after opening one */
    return ret;
}

/* ---- MHD callbacks ---- */

/* The door answered a connection itself: counted as unmatched, logged like a request. */
static void on_door_answer(void *cls, int status, const char *what) {
    http_server *srv = cls;
    http_stats_count(srv->stats, srv->nroutes, status, 0);
    char ts[TR_TIME_BUFSZ];
    fprintf(stderr, "%s - - %d 0 0.000ms - (%s)\n", tr_time_format(tr_time_now(), ts), status, what);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
    http_server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        door_conn_started(srv->door, conn, socket_context);
    else
        door_conn_closed(srv->door, *socket_context);
}

static void *conn_record(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* The request line arrived (libmicrohttpd calls this once per request, before it decodes
 * the target): the request's state starts here, with the checks of the raw target. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    http_server *srv = cls;
    req_state *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    __atomic_add_fetch(&srv->inflight, 1, __ATOMIC_SEQ_CST);
    st->t0 = tr_clock_ns();
    st->rq.conn = conn;
    st->rq.c = srv->c;
    st->rq.srv = srv;
    st->conn_rec = conn_record(conn);
    door_conn_request_began(srv->door, st->conn_rec);
    size_t n = strlen(uri);
    if (n > HTTP_MAX_LINE)
        tr_fail(&st->uri_err, TR_EURI, "", "the request target is longer than %d bytes", HTTP_MAX_LINE);
    else
        http_target_check(uri, n, &st->uri_err);
    return st;
}

static enum MHD_Result head_bytes(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* The checks the door makes on a first request, for the later ones of a kept-alive
 * connection (libmicrohttpd reads those itself). */
static int check_request(req_state *st, tr_err *err) {
    if (st->uri_err.code) {
        *err = st->uri_err;
        return err->code;
    }
    size_t head = strlen(st->rq.method) + strlen(st->rq.path) + 12;
    MHD_get_connection_values(st->rq.conn, MHD_HEADER_KIND, head_bytes, &head);
    if (head > HTTP_MAX_HEAD)
        return tr_fail(err, TR_EHEADERS, "", "the request head is longer than %d bytes", HTTP_MAX_HEAD);
    return TR_OK;
}

/* The request is in (or answered early): its deadline stops. MHD_NO when the deadline cut
 * it already, so it is not served. */
static enum MHD_Result received(req_state *st) {
    return door_conn_request_received(st->rq.srv->door, st->conn_rec) ? MHD_YES : MHD_NO;
}

/* First call: match the route; answer at once what needs no body. */
static enum MHD_Result first_call(http_server *srv, req_state *st, const char *url, const char *method) {
    st->called = true;
    st->rq.method = method;
    st->rq.path = url;
    char allow[64];
    st->rq.route = route_find(srv, method, url, st->rq.params, allow, sizeof allow);
    tr_err err = {0};
    if (check_request(st, &err)) {
        st->rq.route = NULL;
        return received(st) && queue_problem(st, &err, NULL) == MHD_YES ? MHD_YES : MHD_NO;
    }
    if (!st->rq.route && !allow[0] && srv->o.web_root && static_path_eligible(method, url)) {
        size_t size = 0;
        struct MHD_Response *r = static_response(srv->o.web_root, url, &size);
        if (r) return received(st) ? (enum MHD_Result)queue_static(st, r, size) : MHD_NO;
    }
    if (!st->rq.route) {
        if (allow[0])
            tr_fail(&err, TR_EMETHOD, "", "%s is not allowed on %s (allowed: %s)", method, url, allow);
        else
            tr_fail(&err, TR_ENOTFOUND, "", "no such resource: %s", url);
        return received(st) && queue_problem(st, &err, allow) == MHD_YES ? MHD_YES : MHD_NO;
    }
    const char *cl = MHD_lookup_connection_value(st->rq.conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > body_limit(srv, st->rq.route)) {
        tr_fail(&err, TR_ETOOBIG, "", "the body is larger than the limit of %zu bytes",
                body_limit(srv, st->rq.route));
        return received(st) && queue_problem(st, &err, NULL) == MHD_YES ? MHD_YES : MHD_NO;
    }
    return MHD_YES;
}

/* Appends a chunk of the body (up to the limit; beyond, the body is dropped and marked). */
static enum MHD_Result take_body(http_server *srv, req_state *st, const char *data, size_t n) {
    if (st->answered || st->too_big) return MHD_YES;
    if (st->len + n > body_limit(srv, st->rq.route)) {
        st->too_big = true;
        free(st->body);
        st->body = NULL;
        st->len = 0;
        return MHD_YES;
    }
    if (st->len + n > st->cap) {
        size_t cap = st->cap ? st->cap : 4096;
        while (cap < st->len + n)
            cap *= 2;
        char *nb = realloc(st->body, cap);
        if (!nb) return MHD_NO;
        st->body = nb;
        st->cap = cap;
    }
    memcpy(st->body + st->len, data, n);
    st->len += n;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size,
                                  void **con_cls) {
    http_server *srv = cls;
    (void)version;
    (void)conn;
    req_state *st = *con_cls;
    if (st == NULL) return MHD_NO; /* on_uri ran out of memory */
    if (!st->called) return first_call(srv, st, url, method);
    if (*upload_size > 0) {
        enum MHD_Result r = take_body(srv, st, upload_data, *upload_size);
        *upload_size = 0;
        return r;
    }
    if (st->answered) return MHD_YES;
    if (received(st) != MHD_YES) return MHD_NO;
    return dispatch(st) == MHD_YES ? MHD_YES : MHD_NO;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    http_server *srv = cls;
    req_state *st = *con_cls;
    (void)conn;
    if (!st) return;
    uint64_t ns = tr_clock_ns() - st->t0;
    http_stats_count(srv->stats, st->rq.route ? (size_t)(st->rq.route - srv->routes) : srv->nroutes,
                     st->status, ns);
    char ts[TR_TIME_BUFSZ];
    fprintf(stderr, "%s %s %s %d %zu %.3fms %s%s\n", tr_time_format(tr_time_now(), ts),
            st->rq.method ? st->rq.method : "-", st->rq.path ? st->rq.path : "-", st->status, st->resp_bytes,
            ns / 1e6, st->rq.authed ? st->rq.party.name : "-",
            toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
    door_conn_request_done(srv->door, st->conn_rec);
    for (int i = 0; i < HTTP_MAX_PARAMS; i++)
        free(st->rq.params[i]);
    json_decref(st->rq.json);
    free(st->body);
    free(st);
    *con_cls = NULL;
    __atomic_sub_fetch(&srv->inflight, 1, __ATOMIC_SEQ_CST);
}

/* ---- metrics ---- */

char *http_metrics_text(http_server *s, size_t *len) {
    http_stats_more m = {__atomic_load_n(&s->inflight, __ATOMIC_RELAXED),
                         attr_engine_area_versions(s->c->attr), 0, 0, 0};
    store_commit_stats(s->c->store, &m.commits, &m.flushes, &m.transactions);
    return http_stats_text(s->stats, &m, len);
}

/* ---- start and stop ---- */

int http_parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sl, char *host, size_t hn,
                      tr_err *err) {
    const char *colon = strrchr(spec ? spec : "", ':');
    if (!colon) return tr_fail(err, TR_EINVAL, "--listen", "expected HOST:PORT, got '%s'", spec ? spec : "");
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1)
        return tr_fail(err, TR_EINVAL, "--listen", "bad port in '%s'", spec);
    size_t len = (size_t)(colon - spec);
    if (len >= 2 && spec[0] == '[' && spec[len - 1] == ']') {
        spec++;
        len -= 2;
    }
    if (len == 0 || len >= hn) return tr_fail(err, TR_EINVAL, "--listen", "bad host in '%s'", spec);
    memcpy(host, spec, len);
    host[len] = '\0';
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (strcmp(host, "localhost") == 0) snprintf(host, hn, "127.0.0.1");
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        *sl = sizeof *s4;
    } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        *sl = sizeof *s6;
    } else {
        return tr_fail(err, TR_EINVAL, "--listen", "'%s' is not an IP address", host);
    }
    return TR_OK;
}

/* Raises the soft open-file limit to the hard one and fits the connection limit to it
 * (each connection is a descriptor; the database, the log and the web files need some). */
static void fit_fd_limit(door_limits *lim) {
    enum { RESERVE = 128 + 512 /* the door's refusals */ };
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)lim->max_conns + RESERVE) return;
    unsigned fit = rl.rlim_cur > RESERVE + 16 ? (unsigned)(rl.rlim_cur - RESERVE) : 16;
    fprintf(stderr,
            "truce: the open-file limit (%llu) allows %u connections: --max-connections lowered from %u\n",
            (unsigned long long)rl.rlim_cur, fit, lim->max_conns);
    lim->max_conns = fit;
}

static void server_free(http_server *s) {
    door_free(s->door);
    pthread_mutex_destroy(&s->park_mu);
    pthread_cond_destroy(&s->park_cv);
    http_stats_free(s->stats);
    free(s);
}

static struct MHD_Daemon *start_mhd(http_server *s) {
    const door_limits *lim = door_limits_of(s->door);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET;
    /* The door enforces the limits; libmicrohttpd's are a backstop. Its idle timeout only
     * ends stalled answers (a request's own time is the door's deadline). Its buffer holds
     * a head of HTTP_MAX_HEAD with room to spare, so later requests on a kept-alive
     * connection get the edge's own 414/431 (http_head.h). */
    unsigned idle = lim->deadline_s > 30 ? lim->deadline_s : 30;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_THREAD_POOL_SIZE,
                            (unsigned)(s->o.threads ? s->o.threads : 1), MHD_OPTION_NOTIFY_COMPLETED,
                            on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_CONNECTION_TIMEOUT, idle,
                            MHD_OPTION_CONNECTION_LIMIT, lim->max_conns + 64,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(4 * HTTP_MAX_HEAD), MHD_OPTION_END);
}

int http_server_start(centre *c, const http_options *o, http_server **out, tr_err *err) {
    http_server *s = calloc(1, sizeof *s);
    if (!s) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    s->c = c;
    s->o = *o;
    s->routes = api_routes(&s->nroutes);
    s->stats = http_stats_new(s->routes, s->nroutes);
    pthread_mutex_init(&s->park_mu, NULL);
    pthread_cond_init(&s->park_cv, NULL);
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    door_limits lim = {o->deadline_s ? o->deadline_s : 30, o->max_conns ? o->max_conns : 4096,
                       o->max_per_addr ? o->max_per_addr : 64};
    fit_fd_limit(&lim);
    int rc = s->stats ? http_parse_listen(o->listen, &ss, &sl, s->host, sizeof s->host, err)
                      : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = door_open((struct sockaddr *)&ss, sl, &lim, on_door_answer, s, &s->door, err);
    if (rc == TR_OK && !(s->d = start_mhd(s))) rc = tr_fail(err, TR_EIO, "", "cannot start the HTTP server");
    if (rc == TR_OK && door_start(s->door, s->d, err)) {
        MHD_stop_daemon(s->d);
        rc = err->code;
    }
    if (rc) {
        if (rc == TR_EIO && strcmp(err->field, "--listen") == 0)
            tr_fail(err, TR_EIO, "--listen",
                    "cannot listen on %s (in use, or not an address of this machine)", o->listen);
        server_free(s);
        return rc;
    }
    s->heartbeat_started = pthread_create(&s->heartbeat, NULL, heartbeat_main, s) == 0;
    store_on_notices(c->store, wake_cb, s);
    s->port = door_port(s->door);
    if (getenv("TRUCE_FAULT")) /* tests aim their faults past start-up with these counts */
        fprintf(stderr, "truce: TRUCE_FAULT=%s; before serving: %llu steps, %llu commits, %llu opens\n",
                getenv("TRUCE_FAULT"), (unsigned long long)store_fault_seen(STORE_FAULT_STEP),
                (unsigned long long)store_fault_seen(STORE_FAULT_COMMIT),
                (unsigned long long)store_fault_seen(STORE_FAULT_OPEN));
    fprintf(stderr, "truce: listening on http://%s%s%s:%u\n", ss.ss_family == AF_INET6 ? "[" : "", s->host,
            ss.ss_family == AF_INET6 ? "]" : "", s->port);
    fprintf(stderr, "truce: up to %u connections, %u per address; a request has %u s for its head and body\n",
            lim.max_conns, lim.max_per_addr, lim.deadline_s);
    *out = s;
    return TR_OK;
}

uint16_t http_server_port(const http_server *s) {
    return s->port;
}

void http_server_stop(http_server *s) {
    if (!s) return;
    door_quiesce(s->door);
    store_on_notices(s->c->store, NULL, NULL);
    pthread_mutex_lock(&s->park_mu); /* live streams end; the heartbeat thread returns */
    s->stopping = true;
    pthread_cond_signal(&s->park_cv);
    pthread_mutex_unlock(&s->park_mu);
    if (s->heartbeat_started) pthread_join(s->heartbeat, NULL);
    http_server_wake(s);
    uint64_t deadline = tr_clock_ns() + (uint64_t)s->o.drain_seconds * 1000000000ull;
    /* In flight: requests being received or answered, and heads still arriving at the door. */
    while ((__atomic_load_n(&s->inflight, __ATOMIC_SEQ_CST) > 0 || door_reading(s->door) > 0) &&
           tr_clock_ns() < deadline)
        usleep(10000);
    http_server_wake(s); /* MHD must not stop with a connection still suspended */
    door_stop(s->door);
    MHD_stop_daemon(s->d);
    server_free(s);
}
