/*
 * centre_feed.h — the incident change feed as a function of the incidents (docs/monitoring.md
 * "The change feed"): the passes that bring a table of what downstream copies were shown
 * (incident_feed) in step with the monitoring engine, over any table — the store's (the
 * server, centre_feed.c) or a copy in memory (`truce verify --db`, verify_feed.c, which
 * replays the passes recorded in incident_feed_pass against the incidents it rebuilds from
 * the log, and so recomputes the whole table).
 *
 * Ownership: a centre_feed_snap's arrays belong to the caller (free ids and digests).
 * Concurrency: the engine is the caller's to serialise (the server holds c->mon_mu).
 */
#ifndef TRUCE_SERVICE_CENTRE_FEED_H
#define TRUCE_SERVICE_CENTRE_FEED_H

#include <stdbool.h>
#include <stdint.h>

#include "engines/monitor.h"
#include "store/store.h"

#define CENTRE_FEED_BATCH 512 /* rows and incidents a pass reads at a time */

/* The table a pass reads and writes. */
typedef struct centre_feed_table {
    /* Up to limit rows with id > after, by id, into rows; *n how many. */
    int (*page)(void *ctx, int64_t after, size_t limit, store_feed_row *rows, size_t *n, tr_err *err);
    /* Writes r, inserted or replaced. A pass writes ids in increasing order, each no
     * greater than the last id it read, so a page never needs what was written. */
    int (*put)(void *ctx, const store_feed_row *r, tr_err *err);
    void *ctx;
} centre_feed_table;

/* The live incidents and their digests as a reconciliation saw them, by id. */
typedef struct centre_feed_snap {
    int64_t *ids;
    unsigned char (*digests)[STORE_FEED_DIGEST];
    size_t n, cap;
} centre_feed_snap;

/* Appends (id, d) to snap (NULL: nothing); TR_OK or TR_ENOMEM. */
int centre_feed_snap_add(centre_feed_snap *snap, int64_t id, const unsigned char d[STORE_FEED_DIGEST]);

/* The digest of incident id as a downstream copy holds it: BLAKE2b-128 of its rows in the
 * three export formats and its member report ids. TR_OK or TR_ENOMEM. */
int centre_feed_digest(mon_engine *m, int64_t id, unsigned char d[STORE_FEED_DIGEST]);

/*
 * One pass at seq over t. With forced NULL, a reconciliation of every incident: a live
 * incident the table lacks, holds retired or holds with another digest is written live
 * with its digest; a live row whose id is no incident now is retired to the incident its
 * report is in (keeping its digest). With forced, only the ids forced[0..nforced)
 * (ascending), each written as it is now whatever the table holds: live with its digest,
 * or retired to the incident its report is in (keeping the table's digest, else zeros).
 * Every row written gets seq; *changed says whether one was. snap (may be NULL) gets every
 * live incident with its digest (reconciliations only).
 */
int centre_feed_pass(mon_engine *m, const centre_feed_table *t, int64_t seq, const int64_t *forced,
                     size_t nforced, centre_feed_snap *snap, bool *changed, tr_err *err);

/* forced[0..n) as incident_feed_pass.forced holds it (a compact JSON array, malloc'd), or
 * NULL when out of memory. */
char *centre_feed_forced_text(const int64_t *forced, size_t n);

#endif
