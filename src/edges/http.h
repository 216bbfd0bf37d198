/*
 * http.h — the HTTP/JSON edge: a libmicrohttpd server driven by one route table.
 *
 * A request is matched against the route table, api_routes() (method, path pattern, handler, roles,
 * query parameters allowed, flags). The edge does everything common before the
 * handler runs: 404/405 for unknown paths and methods; bearer-token authentication
 * (401) and the role check (403); rejection of unknown or repeated query parameters and
 * of control characters in the target (400); for bodies, the size limit (413), the media
 * type (415) and JSON parsing (400); an action route (ROUTE_ACTION) takes an empty body
 * as {}. Before that, the front door (http_door.h) limits
 * connections in all and per address (503, 429), gives each request a deadline for its
 * head and body that no trickle resets (408), and refuses malformed or over-long heads
 * (400, 414, 431, 505) — all as problem+json, never libmicrohttpd's own text/html.
 * Handlers see a parsed, authenticated request and fill a response; an error they
 * return becomes an RFC 9457 application/problem+json body naming the field.
 *
 * Each request is logged as one line on stderr and counted in /metrics by route and
 * status, with a latency histogram.
 *
 * Ownership: http_req and its fields belong to the edge and die with the request;
 * the handler puts new references/malloc'd buffers into http_resp, which the edge
 * frees after sending.
 */
#ifndef TRUCE_EDGES_HTTP_H
#define TRUCE_EDGES_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "service/centre.h"

#define HTTP_MAX_PARAMS 4

typedef struct http_server http_server;
typedef struct http_route http_route;

typedef struct http_req {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    const http_route *route;
    char *params[HTTP_MAX_PARAMS]; /* path captures in pattern order (owned by the edge) */
    json_t *json;                  /* the parsed body for ROUTE_BODY routes */
    const char *body;              /* the raw body for ROUTE_RAW routes (not NUL-terminated) */
    size_t body_len;
    const char *content_type;      /* its Content-Type header, or NULL */
    tr_party party;                /* the authenticated caller (when route->roles != 0) */
    bool authed;
    centre *c;
    http_server *srv;
} http_req;

/*
 * A streamed body (exports, Server-Sent Events): the edge calls read() whenever the
 * socket can take more, from the connection's own thread, and free() once at the end
 * (also when the client goes away). read() writes at most max bytes into buf and
 * answers how many (> 0), HTTP_STREAM_END when the body is complete, HTTP_STREAM_ERROR
 * to cut the connection, or 0 — only on a live stream — when it has nothing to send
 * now: the edge then parks the connection (no thread, no polling) until
 * http_server_wake() and calls read() again. A stream that reads the store must use
 * its own connection (store_reader_open), not the thread's shared one.
 */
#define HTTP_STREAM_END (-1)
#define HTTP_STREAM_ERROR (-2)

typedef struct http_stream {
    long (*read)(void *ctx, char *buf, size_t max);
    void (*free)(void *ctx);
    void *ctx;
    bool live; /* may answer 0 (Server-Sent Events); a live stream is never cached */
} http_stream;

typedef struct http_resp {
    int status;                /* default 200 */
    json_t *json;              /* body, or */
    char *text;                /* a malloc'd body of text_len bytes */
    size_t text_len;
    const char *content_type;  /* default application/json */
    char etag[40];
    char location[160];
    json_t *problem_extra;     /* on error: members added to the problem (e.g. "conflicts") */
    http_stream stream;        /* a streamed body when stream.read is set (then json and text are unused) */
    char disposition[160];     /* Content-Disposition, when set (downloads) */
} http_resp;

typedef int (*http_handler)(http_req *rq, http_resp *rs, tr_err *err);

enum {
    ROUTE_BODY = 1u << 0,     /* the request carries a JSON body */
    ROUTE_LOOPBACK = 1u << 1, /* open, but only to clients on loopback */
    ROUTE_RAW = 1u << 2,      /* a body of any media type (files), up to raw_body_limit */
    ROUTE_ACTION = 1u << 3,   /* with ROUTE_BODY: an action on an object (an acknowledgement, a
                                 state change); an empty body, with or without Content-Type,
                                 is the empty object {} */
    ROUTE_UNSHARED = 1u << 4, /* the answer reads nothing a shared write changes (a report): it
                                 waits only for the other writes to be durable (store.h C7) */
};

struct http_route {
    const char *method;
    const char *pattern;  /* "/v1/areas/{id}/history": {name} captures one segment,
                             {*name} (last) the rest of the path */
    http_handler fn;
    unsigned roles;       /* ROLE_BIT()s allowed; 0 = open without a token */
    const char *query;    /* query parameters allowed, comma-separated, or NULL */
    unsigned flags;
};

/* Every route of the API, all modules together, in match order (api.c). */
const http_route *api_routes(size_t *n);

typedef struct http_options {
    const char *listen;       /* "HOST:PORT", "[v6]:PORT"; port 0 picks a free port */
    unsigned threads;         /* worker threads */
    size_t body_limit;        /* bytes */
    size_t raw_body_limit;    /* bytes, for ROUTE_RAW routes (0: body_limit) */
    unsigned drain_seconds;   /* how long stop waits for in-flight requests */
    const char *web_root;     /* the dashboard's files (static.h), or NULL to serve none */
    unsigned deadline_s;      /* seconds a request has for its head and body (0: 30) */
    unsigned max_conns;       /* connections open at once (0: 4096; lowered to fit the
                                 open-file limit, whose soft value is raised to the hard one) */
    unsigned max_per_addr;    /* connections open at once from one address, IPv6 by /64 (0: 64) */
} http_options;

/* Parses "HOST:PORT" / "[V6]:PORT" ("localhost" is 127.0.0.1) into a socket address and
 * its host text (hn bytes). TR_EINVAL with field "--listen". (The witness server uses it too.) */
int http_parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sl, char *host, size_t hn,
                      tr_err *err);

/* Starts serving; prints "truce: listening on http://HOST:PORT" on stderr. */
int http_server_start(centre *c, const http_options *o, http_server **out, tr_err *err);
/* Stops accepting, waits for in-flight requests (up to drain_seconds), stops. */
void http_server_stop(http_server *s);
uint16_t http_server_port(const http_server *s);

/* Resumes every parked live stream (call after new data was committed); any thread. */
void http_server_wake(http_server *s);

/* Reads a query parameter (NULL if absent). */
const char *http_query(const http_req *rq, const char *name);
/* A request header (NULL if absent). */
const char *http_header(const http_req *rq, const char *name);
/* The Prometheus text exposition of the counters (malloc'd). */
char *http_metrics_text(http_server *s, size_t *len);

#endif
