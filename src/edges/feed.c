/* feed.c — batches of positions from a feed into truce (feed.h). */
#include "edges/feed.h"

#include <curl/curl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "service/centre_traffic.h"

#define FEED_RETRIES 100

struct feed_sink {
    centre *c; /* --db */
    tr_party party;
    CURL *curl; /* --url */
    struct curl_slist *headers;
    char url[1024];
    feed_stats st;
};

/* ---- --db ---- */

int feed_sink_open_db(const char *db, const char *party, feed_sink **out, tr_err *err) {
    feed_sink *s = calloc(1, sizeof *s);
    if (!s) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    geo_limits lim = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};
    int rc = centre_open(db, &lim, &s->c, err);
    if (rc == TR_OK && store_party_get(s->c->store, party, &s->party, NULL) != TR_OK)
        rc = tr_fail(err, TR_EINVAL, "--as", "there is no active party named '%s'", party);
    if (rc == TR_OK && s->party.role == ROLE_OBSERVER)
        rc = tr_fail(err, TR_EINVAL, "--as", "'%s' is an observer: observers do not report tracks", party);
    if (rc) {
        feed_sink_close(s);
        return rc;
    }
    *out = s;
    return TR_OK;
}

/* ---- --url ---- */

typedef struct body {
    char *data;
    size_t len;
} body;

static size_t on_data(char *p, size_t size, size_t n, void *ctx) {
    body *b = ctx;
    size_t add = size * n;
    char *d = realloc(b->data, b->len + add + 1);
    if (!d) return 0;
    memcpy(d + b->len, p, add);
    b->len += add;
    d[b->len] = '\0';
    b->data = d;
    return add;
}

/* One request; *status and *answer (parsed JSON, may be NULL) out. */
static int request(feed_sink *s, const char *path, const char *post, size_t len, long *status,
                   json_t **answer, tr_err *err) {
    char url[1200];
    snprintf(url, sizeof url, "%s%s", s->url, path);
    body b = {0};
    curl_easy_setopt(s->curl, CURLOPT_URL, url);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(s->curl, CURLOPT_HTTPGET, post ? 0L : 1L);
    if (post) {
        curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, post);
        curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)len);
    }
    CURLcode cc = curl_easy_perform(s->curl);
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, status);
    *answer = b.data ? json_loads(b.data, 0, NULL) : NULL;
    free(b.data);
    if (cc != CURLE_OK) return tr_fail(err, TR_EIO, "--url", "%s failed: %s", url, curl_easy_strerror(cc));
    return TR_OK;
}

int feed_sink_open_url(const char *url, const char *token, const char *party, feed_sink **out, tr_err *err) {
    feed_sink *s = calloc(1, sizeof *s);
    if (!s) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    snprintf(s->url, sizeof s->url, "%s", url);
    size_t n = strlen(s->url);
    while (n > 0 && s->url[n - 1] == '/')
        s->url[--n] = '\0';
    char auth[256];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    int rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK && (s->curl = curl_easy_init())
                 ? TR_OK
                 : tr_fail(err, TR_EINTERNAL, "", "libcurl failed to start");
    s->headers =
        rc ? NULL : curl_slist_append(curl_slist_append(NULL, auth), "Content-Type: application/x-ndjson");
    if (s->curl) {
        curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
        curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(s->curl, CURLOPT_USERAGENT, "truce-feed/0.1");
        curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    }
    long status = 0;
    json_t *me = NULL;
    if (rc == TR_OK) rc = request(s, "/v1/me", NULL, 0, &status, &me, err);
    const char *name = json_string_value(json_object_get(me, "name"));
    if (rc == TR_OK && status != 200)
        rc = tr_fail(err, TR_EINVAL, "--token", "the server refused the token (%ld)", status);
    else if (rc == TR_OK && (!name || strcmp(name, party) != 0))
        rc = tr_fail(err, TR_EINVAL, "--as", "the token is %s's, not %s's", name ? name : "?", party);
    json_decref(me);
    if (rc) {
        feed_sink_close(s);
        return rc;
    }
    *out = s;
    return TR_OK;
}

/* A position as one NDJSON line of the API (the velocity as east, north, up). */
static json_t *wire(const tr_position *p) {
    char at[TR_TIME_BUFSZ];
    json_t *o = json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f}", "track", p->track, "at",
                          tr_time_format_ms(p->at_ms, at), "lon", p->lon, "lat", p->lat, "alt_m", p->alt_m,
                          "vx_mps", p->vx, "vy_mps", p->vy, "vz_mps", p->vz);
    if (o && p->callsign[0]) json_object_set_new(o, "callsign", json_string(p->callsign));
    if (o && p->has_vis) json_object_set_new(o, "visibility", tr_vis_to_json(&p->vis));
    return o;
}

static int post(feed_sink *s, const tr_position *v, size_t n, json_t **answer, tr_err *err) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    for (size_t i = 0; f && i < n; i++) {
        json_t *o = wire(&v[i]);
        char *line = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
        if (line) fprintf(f, "%s\n", line);
        free(line);
        json_decref(o);
    }
    if (!f || fclose(f)) {
        free(buf);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    long status = 0;
    int rc = request(s, "/v1/tracks", buf, len, &status, answer, err);
    free(buf);
    if (rc || status == 201) return rc;
    const char *field = json_string_value(json_object_get(*answer, "field")); /* a problem: its errors stay */
    const char *detail = json_string_value(json_object_get(*answer, "detail"));
    rc = status == 400 ? TR_EINVAL : status == 401 || status == 403 ? TR_EAUTH : TR_EIO;
    return tr_fail(err, rc, field ? field : "", "%ld: %s", status,
                   detail ? detail : "the server refused the batch");
}

/* ---- sending ---- */

/* Drops the positions the refusal lists ("errors": [{"index"}], or the one err names);
 * returns how many. */
static size_t drop_refused(tr_position *v, size_t *n, const json_t *answer, const tr_err *err) {
    const char **why = calloc(*n ? *n : 1, sizeof *why); /* the reason of each refused one */
    size_t i, k = 0, dropped = 0;
    json_t *x;
    if (!why) return 0;
    json_array_foreach(json_object_get(answer, "errors"), i, x) {
        json_int_t j = json_integer_value(json_object_get(x, "index"));
        if (j >= 0 && (size_t)j < *n) why[j] = json_string_value(json_object_get(x, "reason"));
    }
    if (!json_array_size(json_object_get(answer, "errors")) && sscanf(err->field, "[%zu]", &i) == 1 && i < *n)
        why[i] = err->msg;
    for (i = 0; i < *n; i++) {
        if (!why[i]) {
            v[k++] = v[i];
            continue;
        }
        if (dropped++ < 5) fprintf(stderr, "truce feed: dropped a position of %s: %s\n", v[i].track, why[i]);
        tr_position_clear(&v[i]);
    }
    free(why);
    *n = k;
    return dropped;
}

int feed_sink_send(feed_sink *s, tr_position *v, size_t n, tr_err *err) {
    for (int tries = 0; n > 0; tries++) {
        json_t *answer = NULL;
        int rc = s->c ? centre_tracks_add(s->c, &s->party, v, n, &answer, err) : post(s, v, n, &answer, err);
        if (rc == TR_OK) {
            s->st.batches++;
            s->st.sent += (long)n;
            s->st.alerts += (long)json_integer_value(json_object_get(answer, "alerts"));
        }
        /* Positions refused ("[i].at: not later than..."): without them, once more. */
        size_t dropped =
            rc == TR_EINVAL && tries < FEED_RETRIES && err ? drop_refused(v, &n, answer, err) : 0;
        json_decref(answer);
        if (rc == TR_OK) return TR_OK;
        if (!dropped) return rc;
        s->st.dropped += (long)dropped;
    }
    return TR_OK;
}

const feed_stats *feed_sink_stats(const feed_sink *s) {
    return &s->st;
}

void feed_sink_close(feed_sink *s) {
    if (!s) return;
    centre_close(s->c);
    if (s->curl) {
        curl_slist_free_all(s->headers);
        curl_easy_cleanup(s->curl);
        curl_global_cleanup();
    }
    free(s);
}

/* ---- batches ---- */

int feed_batch_add(feed_batch *b, const tr_position *p, const tr_vis *vis, int64_t now_ms, tr_err *err) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        tr_position *v = realloc(b->v, cap * sizeof *v);
        if (!v) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        b->v = v;
        b->cap = cap;
    }
    tr_position *q = &b->v[b->n];
    *q = *p;
    q->has_vis = false;
    memset(&q->vis, 0, sizeof q->vis);
    if (vis) {
        char *text = tr_vis_to_text(vis);
        int rc = text && tr_vis_from_text(text, &q->vis) == TR_OK ? TR_OK : TR_ENOMEM;
        free(text);
        if (rc) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        q->has_vis = true;
    }
    if (b->n++ == 0) b->first_ms = now_ms;
    return TR_OK;
}

int feed_batch_flush(feed_batch *b, feed_sink *s, int64_t now_ms, unsigned flush_ms, bool force,
                     tr_err *err) {
    if (b->n == 0 || !(force || b->n >= FEED_BATCH_MAX || now_ms - b->first_ms >= flush_ms)) return TR_OK;
    int rc = feed_sink_send(s, b->v, b->n, err);
    for (size_t i = 0; i < b->n; i++)
        tr_position_clear(&b->v[i]);
    b->n = 0;
    return rc;
}

void feed_batch_free(feed_batch *b) {
    tr_positions_free(b->v, b->n);
    memset(b, 0, sizeof *b);
}

/* ---- the receiver's socket ---- */

int feed_connect(const char *hostport, tr_err *err) {
    char host[256];
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon == hostport || !colon[1] || (size_t)(colon - hostport) >= sizeof host) {
        tr_fail(err, TR_EINVAL, "--connect", "expected HOST:PORT, e.g. 127.0.0.1:30003");
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - hostport), hostport);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') { /* [::1]:30003 */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(host, colon + 1, &hints, &res);
    if (g) {
        tr_fail(err, TR_EINVAL, "--connect", "cannot resolve %s: %s", hostport, gai_strerror(g));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) tr_fail(err, TR_EIO, "--connect", "cannot connect to %s", hostport);
    return fd;
}
