/*
 * http_stats.h — the HTTP edge's counters for GET /metrics: requests by route and status,
 * and a latency histogram by route, in the Prometheus text exposition format.
 *
 * Counting is lock-free (atomic adds) from any thread. Ownership: http_stats_new's value
 * is freed with http_stats_free; http_stats_text's text is malloc'd, the caller frees it.
 */
#ifndef TRUCE_EDGES_HTTP_STATS_H
#define TRUCE_EDGES_HTTP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "edges/http.h"

typedef struct http_stats http_stats;

/* Counters for routes[0..nroutes) and one more slot, nroutes, for unmatched requests and
 * the front door's own answers. NULL when out of memory. */
http_stats *http_stats_new(const http_route *routes, size_t nroutes);
void http_stats_free(http_stats *s);
/* Counts one answer of the route (nroutes: unmatched) with its status and duration. */
void http_stats_count(http_stats *s, size_t route, int status, uint64_t ns);
/* Gauges and counters from outside the HTTP edge. */
typedef struct http_stats_more {
    int inflight;              /* requests being served */
    size_t area_versions;      /* held by the attribution engine */
    uint64_t commits, flushes; /* the store's (group commit: flushes <= commits) */
    uint64_t transactions;     /* the store's COMMITs (shared transactions: <= commits) */
} http_stats_more;
/* The exposition, with the values of more. */
char *http_stats_text(http_stats *s, const http_stats_more *more, size_t *len);

#endif
