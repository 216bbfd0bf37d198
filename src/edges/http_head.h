/*
 * http_head.h — the checks of an HTTP/1.x request head that the edge makes itself, before
 * and besides libmicrohttpd, and the RFC 9457 problems it answers with.
 *
 * The front door (http_door.c) reads the head of each new connection's first request
 * (peeking, so libmicrohttpd later reads the same bytes) and answers what would otherwise
 * get libmicrohttpd's own text/html refusals: a request line over its limit (414), a head
 * over its limit (431), a malformed line or header, a missing Host (400), a Content-Length
 * that is not a number (400) or beyond any body (413), an HTTP version other than 1.0 and
 * 1.1 (505). http.c applies the target check and the limits to later requests on a kept-
 * alive connection, which libmicrohttpd reads on its own.
 *
 * Pure functions (no I/O); the returned buffers are malloc'd and freed by the caller.
 */
#ifndef TRUCE_EDGES_HTTP_HEAD_H
#define TRUCE_EDGES_HTTP_HEAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define HTTP_MAX_LINE 8192  /* bytes of a request line (method, target, version) */
#define HTTP_MAX_HEAD 32768 /* bytes of the request line and the header fields together */

typedef enum {
    HEAD_MORE, /* not complete yet, and within the limits: read more */
    HEAD_OK,   /* complete and acceptable */
    HEAD_BAD   /* refused: err says why (its code picks the status) */
} http_head_verdict;

/*
 * Checks the first n bytes received on a connection. Empty lines before the request line
 * are skipped (RFC 9112 2.2). HEAD_OK sets *head_len to the length of the head, blank line
 * included. HEAD_BAD fills err: TR_EURI (request line over HTTP_MAX_LINE), TR_EHEADERS
 * (head over HTTP_MAX_HEAD), TR_EVERSION, TR_ETOOBIG (a Content-Length no body can have),
 * or TR_EINVAL naming "path", a query parameter, "Host", "Content-Length" or a header.
 */
http_head_verdict http_head_check(const char *buf, size_t n, size_t *head_len, tr_err *err);

/*
 * Checks a request target as sent (percent-encoded, len bytes): no control character
 * (U+0000-U+001F, U+007F) and no space, raw or percent-encoded, in the path or the query.
 * TR_OK, or TR_EINVAL naming "path" or the query parameter (its name decoded, or "query"
 * when the name itself is bad).
 */
int http_target_check(const char *target, size_t len, tr_err *err);

/* The problem object for err (new reference): type, title, status, detail, field (when
 * err names one), reason, and instance when given; extra's members are added. */
json_t *http_problem_json(const tr_err *err, const char *instance, const json_t *extra);

/*
 * A complete HTTP/1.1 response carrying the problem for err as application/problem+json,
 * with "Connection: close" and, for 429 and 503, "Retry-After: 1" (malloc'd, *len bytes;
 * NULL when out of memory). For answers written straight to a socket.
 */
char *http_problem_response(const tr_err *err, const char *instance, size_t *len);

#endif
