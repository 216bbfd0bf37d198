/*
 * store_traffic.h — the store's part for live tracks and tactical alerts (issue 16,
 * migration 0016, docs/traffic.md): tracks, batches of positions, stale sweeps, alert
 * changes and the detection settings. Part of the store interface (store.h's rules hold:
 * inserts only inside a transaction; rows are never updated or deleted).
 *
 * Ownership: rows handed to callbacks are borrowed until the callback returns; strings
 * returned through char ** are malloc'd for the caller.
 */
#ifndef TRUCE_STORE_TRAFFIC_H
#define TRUCE_STORE_TRAFFIC_H

#include "domain/track.h"
#include "store/store.h"

/* A stored position: the domain value (p.track is the party's own id, p.vis the
 * visibility in force from it on) and its rows' ids. */
typedef struct store_position {
    int64_t id, batch_id, track_id;
    tr_position p;
} store_position;

typedef struct store_track_batch {
    int64_t id;
    const char *kind; /* positions, stale */
    const char *party;
    int64_t received_ms;
    int64_t config_id;
    int64_t count;
} store_track_batch;

typedef struct store_traffic_alert {
    int64_t id, batch_id;
    const char *kind, *change, *reason;
    int level;
    int64_t track_id, other_id;
    int part;
    int64_t at_ms;
    double t_los, t_cpa; /* -1 when none (NULL in the row), as the four others */
    double h_sep, v_sep, distance;
} store_traffic_alert;

/* The id of (party, ext) — created when absent and create is set (*created then true);
 * TR_ENOTFOUND otherwise. */
int store_track_id(store *s, const char *party, const char *ext, bool create, int64_t now, int64_t *id,
                   bool *created, tr_err *err);
/* A track's party and own id (buffers of TR_NAME_MAX + 1 and TR_TRACK_ID_MAX + 1). */
int store_track_get(store *s, int64_t id, char *party, char *ext, tr_err *err);
/* The id of a config body, inserted when new. */
int store_traffic_config_id(store *s, const char *body, int64_t *id, tr_err *err);
/* The body of config id (malloc'd). */
int store_traffic_config_get(store *s, int64_t id, char **body, tr_err *err);
/* The body of the latest batch's settings (malloc'd), NULL when there is no batch yet. */
int store_traffic_config_latest(store *s, char **body, tr_err *err);

int store_track_batch_insert(store *s, store_track_batch *b, tr_err *err); /* sets b->id */
/* kind and party point into a buffer that lives until the next call on this thread. */
int store_track_batch_get(store *s, int64_t id, store_track_batch *out, tr_err *err);
int store_track_position_insert(store *s, store_position *sp, tr_err *err); /* sets sp->id */
int store_track_stale_insert(store *s, int64_t batch_id, int64_t track_id, int64_t last_ms, tr_err *err);
int store_traffic_alert_insert(store *s, store_traffic_alert *a, tr_err *err); /* sets a->id */

/* Calls fn for the positions of one batch, in id order. */
int store_batch_positions(store *s, int64_t batch_id, int (*fn)(const store_position *p, void *ctx),
                          void *ctx, tr_err *err);
/* Calls fn(track_id, last_ms) for the tracks one sweep ended, by track id. */
int store_batch_stale(store *s, int64_t batch_id, int (*fn)(int64_t track_id, int64_t last_ms, void *ctx),
                      void *ctx, tr_err *err);
/* Calls fn for one track's positions with at_ms in [from_ms, to_ms), oldest first, at most
 * limit of them; *more tells whether more follow. */
int store_track_positions(store *s, int64_t track_id, int64_t from_ms, int64_t to_ms, size_t limit,
                          int (*fn)(const store_position *p, void *ctx), void *ctx, bool *more, tr_err *err);
/* Calls fn for every track's latest position with at_ms in (min_ms, at_ms], by track id. */
int store_track_picture(store *s, int64_t min_ms, int64_t at_ms,
                        int (*fn)(const store_position *p, void *ctx), void *ctx, tr_err *err);
/* Start-up: calls fn for every track's last position, with received_ms of its batch and
 * whether a later sweep ended it, by track id. */
int store_track_last_each(store *s,
                          int (*fn)(const store_position *p, int64_t received_ms, bool ended, void *ctx),
                          void *ctx, tr_err *err);
/* Calls fn for alert changes in id order: all (from_ms > to_ms), or those with at_ms in
 * [from_ms, to_ms); or (active) only the latest change of each alert still active. */
int store_traffic_alert_each(store *s, bool active, int64_t from_ms, int64_t to_ms,
                             int (*fn)(const store_traffic_alert *a, void *ctx), void *ctx, tr_err *err);
/* The id of the change that raised alert a (its episode): the latest "raised" of its
 * kind and tracks (a pair's in either order) at or before a->id; 0 if none. */
int store_traffic_alert_episode(store *s, const store_traffic_alert *a, int64_t *episode, tr_err *err);
/* Calls fn for every batch in id order (verify). */
int store_track_batch_each(store *s, int (*fn)(const store_track_batch *b, void *ctx), void *ctx,
                           tr_err *err);

#endif
