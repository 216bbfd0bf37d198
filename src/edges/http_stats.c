/*
 * http_stats.c — the HTTP edge's counters and their Prometheus text (http_stats.h).
 */
#include "edges/http_stats.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Statuses counted individually; anything else is counted as the last slot. */
static const int counted_status[] = {200, 201, 204, 400, 401, 403, 404, 405, 408, 409,
                                     413, 414, 415, 429, 431, 500, 503, 505, 0};
#define NSTATUS (sizeof counted_status / sizeof *counted_status)
static const double latency_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                        0.05,   0.1,   0.25,   0.5,   1,    2.5};
#define NBUCKETS (sizeof latency_bounds / sizeof *latency_bounds)

typedef struct route_stats {
    uint64_t status[NSTATUS];
    uint64_t bucket[NBUCKETS + 1]; /* last: +Inf */
    uint64_t sum_us;
} route_stats;

struct http_stats {
    const http_route *routes;
    size_t nroutes;
    route_stats *stats; /* nroutes + 1 (unmatched) */
};

http_stats *http_stats_new(const http_route *routes, size_t nroutes) {
    http_stats *s = calloc(1, sizeof *s);
    if (s) s->stats = calloc(nroutes + 1, sizeof *s->stats);
    if (!s || !s->stats) {
        free(s);
        return NULL;
    }
    s->routes = routes;
    s->nroutes = nroutes;
    return s;
}

void http_stats_free(http_stats *s) {
    if (!s) return;
    free(s->stats);
    free(s);
}

void http_stats_count(http_stats *s, size_t route, int status, uint64_t ns) {
    route_stats *rsx = &s->stats[route];
    size_t si = NSTATUS - 1;
    for (size_t i = 0; i + 1 < NSTATUS; i++)
        if (counted_status[i] == status) si = i;
    __atomic_add_fetch(&rsx->status[si], 1, __ATOMIC_RELAXED);
    size_t b = 0;
    while (b < NBUCKETS && ns / 1e9 > latency_bounds[b])
        b++;
    __atomic_add_fetch(&rsx->bucket[b], 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&rsx->sum_us, ns / 1000, __ATOMIC_RELAXED);
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 8192;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) return;
        b->p = np;
        b->cap = cap;
    }
}

char *http_stats_text(http_stats *s, const http_stats_more *more, size_t *len) {
    sbuf b = {0};
    sb_printf(&b, "# HELP truce_http_requests_total HTTP requests answered, by route and status.\n"
                  "# TYPE truce_http_requests_total counter\n");
    for (size_t r = 0; r <= s->nroutes; r++) {
        const char *m = r < s->nroutes ? s->routes[r].method : "any";
        const char *p = r < s->nroutes ? s->routes[r].pattern : "unmatched";
        for (size_t i = 0; i < NSTATUS; i++) {
            uint64_t n = __atomic_load_n(&s->stats[r].status[i], __ATOMIC_RELAXED);
            if (!n) continue;
            char code[8];
            if (counted_status[i])
                snprintf(code, sizeof code, "%d", counted_status[i]);
            else
                snprintf(code, sizeof code, "other");
            sb_printf(&b, "truce_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n", m, p,
                      code, (unsigned long long)n);
        }
    }
    sb_printf(&b,
              "# HELP truce_http_request_duration_seconds Time from request start to response completion.\n"
              "# TYPE truce_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= s->nroutes; r++) {
        const char *m = r < s->nroutes ? s->routes[r].method : "any";
        const char *p = r < s->nroutes ? s->routes[r].pattern : "unmatched";
        uint64_t cum = 0;
        for (size_t i = 0; i <= NBUCKETS; i++)
            cum += __atomic_load_n(&s->stats[r].bucket[i], __ATOMIC_RELAXED);
        if (!cum) continue;
        uint64_t acc = 0;
        for (size_t i = 0; i <= NBUCKETS; i++) {
            acc += __atomic_load_n(&s->stats[r].bucket[i], __ATOMIC_RELAXED);
            char le[16];
            if (i < NBUCKETS)
                snprintf(le, sizeof le, "%g", latency_bounds[i]);
            else
                snprintf(le, sizeof le, "+Inf");
            sb_printf(
                &b, "truce_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"%s\"} %llu\n",
                m, p, le, (unsigned long long)acc);
        }
        sb_printf(&b, "truce_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n", m, p,
                  __atomic_load_n(&s->stats[r].sum_us, __ATOMIC_RELAXED) / 1e6);
        sb_printf(&b, "truce_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n", m, p,
                  (unsigned long long)cum);
    }
    sb_printf(&b,
              "# HELP truce_http_requests_in_flight Requests being served now.\n"
              "# TYPE truce_http_requests_in_flight gauge\ntruce_http_requests_in_flight %d\n",
              more->inflight);
    sb_printf(&b,
              "# HELP truce_area_versions Area versions held by the attribution engine.\n"
              "# TYPE truce_area_versions gauge\ntruce_area_versions %zu\n",
              more->area_versions);
    sb_printf(&b,
              "# HELP truce_store_commits_total Writes committed (each its own, or released into a shared "
              "transaction).\n"
              "# TYPE truce_store_commits_total counter\ntruce_store_commits_total %llu\n"
              "# HELP truce_store_flushes_total Flushes (fsyncs) that made commits durable; with group "
              "commit one covers every commit made while the previous one ran.\n"
              "# TYPE truce_store_flushes_total counter\ntruce_store_flushes_total %llu\n"
              "# HELP truce_store_transactions_total Database transactions COMMITted; with group commit "
              "the writes that ended while a flush ran share one.\n"
              "# TYPE truce_store_transactions_total counter\ntruce_store_transactions_total %llu\n",
              (unsigned long long)more->commits, (unsigned long long)more->flushes,
              (unsigned long long)more->transactions);
    *len = b.len;
    return b.p;
}
