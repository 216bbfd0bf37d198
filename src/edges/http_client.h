/*
 * http_client.h — the HTTP client of the edges that call other servers (libcurl):
 * `truce verify --url` and the receipt audit (verify_remote.c), and the witness client of
 * `truce serve` (witness_client.c).
 *
 * One client is one kept-alive libcurl handle for one base URL, used by one thread at a
 * time. Bodies are capped at 64 MiB.
 *
 * Ownership: http_client_open fills a caller-owned http_client that http_client_close
 * releases; an http_body's data is malloc'd, NUL terminated, freed by the caller with free().
 */
#ifndef TRUCE_EDGES_HTTP_CLIENT_H
#define TRUCE_EDGES_HTTP_CLIENT_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct http_client {
    CURL *curl;
    struct curl_slist *headers;
    char base[1024]; /* the URL without a trailing '/' */
} http_client;

typedef struct http_body {
    uint8_t *data; /* NUL terminated (not counted in len) */
    size_t len, cap;
} http_body;

/* Opens a client for base URL url (http:// or https://; TR_EINVAL naming field
 * otherwise), sending "Authorization: Bearer token" when token is not NULL. timeout_ms
 * bounds each request (0: 60 s), and connecting takes at most 2 s of it. */
int http_client_open(http_client *h, const char *url, const char *token, unsigned timeout_ms,
                     const char *field, tr_err *err);
void http_client_close(http_client *h);

/* GETs base + path into b; anything but a 200 is TR_EIO naming the path, with the
 * problem's detail when the server sent one. */
int http_client_get(http_client *h, const char *path, http_body *b, tr_err *err);

/* Sends method base + path with body (len bytes, content_type) and reads the answer into b
 * whatever its status (*status). TR_EIO only when no answer came (unreachable, timeout). */
int http_client_send(http_client *h, const char *method, const char *path, const char *body, size_t len,
                     const char *content_type, long *status, http_body *b, tr_err *err);

#endif
