/*
 * feed.h — sending positions from a feed (`truce feed sbs`, `truce feed file`) to truce,
 * in batches: into the database directly (--db, the centre's write path) or to a running
 * server (--url, POST /v1/tracks as NDJSON with a party token). A batch the centre rejects
 * for one position (its error names "[i]...", e.g. older than the track's last) is sent
 * again without it, so one stale line of a recording does not lose its neighbours.
 *
 * Ownership: feed_sink_close frees what open made; positions handed to feed_sink_send stay
 * the caller's.
 */
#ifndef TRUCE_EDGES_FEED_H
#define TRUCE_EDGES_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/track.h"
#include "service/centre.h"

typedef struct feed_stats {
    long batches, sent, dropped, alerts;
} feed_stats;

typedef struct feed_sink feed_sink;

/* Into database db as party (an active party, not an observer). */
int feed_sink_open_db(const char *db, const char *party, feed_sink **out, tr_err *err);
/* To the server at url with token, which must be party's (checked with GET /v1/me). */
int feed_sink_open_url(const char *url, const char *token, const char *party, feed_sink **out, tr_err *err);
/* Sends v[0..n) as one batch (compacted in place when positions are dropped). */
int feed_sink_send(feed_sink *s, tr_position *v, size_t n, tr_err *err);
const feed_stats *feed_sink_stats(const feed_sink *s);
void feed_sink_close(feed_sink *s);

/* Positions waiting to be sent: flushed when full or when the oldest waited flush_ms. */
typedef struct feed_batch {
    tr_position *v;
    size_t n, cap;
    int64_t first_ms; /* the clock when the oldest arrived */
} feed_batch;
#define FEED_BATCH_MAX 5000
/* Appends p (its vis copied from vis when given). */
int feed_batch_add(feed_batch *b, const tr_position *p, const tr_vis *vis, int64_t now_ms, tr_err *err);
/* Sends the batch when full, when force, or when it is older than flush_ms. */
int feed_batch_flush(feed_batch *b, feed_sink *s, int64_t now_ms, unsigned flush_ms, bool force, tr_err *err);
void feed_batch_free(feed_batch *b);

/* Connects to HOST:PORT over TCP; the socket, or -1 (err set). */
int feed_connect(const char *hostport, tr_err *err);

#endif
