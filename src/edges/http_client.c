/*
 * http_client.c — libcurl for the edges that call other servers (http_client.h).
 */
#include "edges/http_client.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_LIMIT ((size_t)64 << 20)

static size_t on_data(char *p, size_t size, size_t n, void *ctx) {
    http_body *b = ctx;
    size_t add = size * n;
    if (b->len + add + 1 > BODY_LIMIT) return 0;
    if (b->len + add + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + add + 1)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) return 0;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, add);
    b->len += add;
    b->data[b->len] = 0;
    return add;
}

int http_client_open(http_client *h, const char *url, const char *token, unsigned timeout_ms,
                     const char *field, tr_err *err) {
    memset(h, 0, sizeof *h);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    if (n >= sizeof h->base || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return tr_fail(err, TR_EINVAL, field, "'%s' is not an http:// or https:// URL", url);
    memcpy(h->base, url, n);
    h->base[n] = '\0';
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(h->curl = curl_easy_init()))
        return tr_fail(err, TR_EINTERNAL, "", "libcurl failed to start");
    if (token) {
        char auth[1024];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h->headers = curl_slist_append(NULL, auth);
        sodium_memzero(auth, sizeof auth);
    }
    long total = timeout_ms ? (long)timeout_ms : 60000L;
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, total);
    curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, total < 2000 ? total : 2000L);
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "truce/0.1");
    curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    return TR_OK;
}

void http_client_close(http_client *h) {
    curl_slist_free_all(h->headers);
    h->headers = NULL;
    if (h->curl) {
        curl_easy_cleanup(h->curl);
        curl_global_cleanup();
        h->curl = NULL;
    }
}

int http_client_send(http_client *h, const char *method, const char *path, const char *body, size_t len,
                     const char *content_type, long *status, http_body *b, tr_err *err) {
    char url[2048], ctype[128];
    snprintf(url, sizeof url, "%s%s", h->base, path);
    memset(b, 0, sizeof *b);
    *status = 0;
    struct curl_slist *hdrs = NULL;
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, b);
    if (body) {
        snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
        for (struct curl_slist *x = h->headers; x; x = x->next)
            hdrs = curl_slist_append(hdrs, x->data);
        hdrs = curl_slist_append(hdrs, ctype);
        curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, method);
    CURLcode cc = curl_easy_perform(h->curl);
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
    curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, NULL);
    if (body) {
        curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
        curl_slist_free_all(hdrs);
    }
    if (cc == CURLE_OK && !b->data && !(b->data = (uint8_t *)strdup("")))
        return tr_fail(err, TR_ENOMEM, path, "out of memory");
    if (cc == CURLE_OK) return TR_OK;
    free(b->data);
    b->data = NULL;
    return tr_fail(err, TR_EIO, path, "%s %s failed: %s", method, url, curl_easy_strerror(cc));
}

int http_client_get(http_client *h, const char *path, http_body *b, tr_err *err) {
    long status = 0;
    int rc = http_client_send(h, "GET", path, NULL, 0, NULL, &status, b, err);
    if (rc || status == 200) return rc;
    json_t *problem = json_loadb((const char *)b->data, b->len, 0, NULL);
    const char *detail = json_string_value(json_object_get(problem, "detail"));
    tr_fail(err, TR_EIO, path, "GET %s%s answered %ld%s%s%s", h->base, path, status, detail ? ": " : "",
            detail ? detail : "", status == 401 ? " (pass an API token with --token)" : "");
    json_decref(problem);
    free(b->data);
    b->data = NULL;
    return TR_EIO;
}
