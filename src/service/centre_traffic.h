/*
 * centre_traffic.h — live tracks and tactical conflict alerts (issue 16, docs/traffic.md):
 * the write path of positions, stale sweeps, the picture, track histories, alerts, replay,
 * and the objects their log entries commit to.
 *
 * State. c->traffic holds the traffic engine (engines/traffic.h) and what the centre knows
 * of each track (its party, own id, callsign, visibility), under one rwlock: a batch or a
 * sweep takes it for writing after store_begin (lock order: the store's writer lock, then
 * this), readers for reading. The engine is exactly the committed state: a batch validates
 * everything first, then writes rows, runs detection, writes the alert changes, their log
 * entries and notices, and commits; if anything fails after detection began, the engine is
 * rebuilt from the store (tracks' last positions and the active alerts are all it keeps).
 *
 * Logged: every batch of positions (track.positions, ref track_batch/ID: an object that
 * commits to the positions by SHA-256), every sweep (track.stale), every alert change
 * (traffic.alert, ref traffic_alert/ID). Notices of kind "traffic" go to the parties
 * concerned in the same transaction, so SSE streams carry them as soon as it commits.
 *
 * Ownership: json_t ** results are new references; char ** results are malloc'd.
 */
#ifndef TRUCE_SERVICE_CENTRE_TRAFFIC_H
#define TRUCE_SERVICE_CENTRE_TRAFFIC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/track.h"
#include "engines/traffic.h"
#include "service/centre.h"
#include "service/centre_objects.h"
#include "store/store_traffic.h"

/* The party named in the log entries of what the centre does on its own (stale sweeps). */
#define CENTRE_SELF "centre"
#define CENTRE_TRACK_STALE_S 60.0 /* default: a track ends after this long without a position */
#define CENTRE_TRACK_FUTURE_S 60  /* positions may be at most this far ahead of the server's clock */
#define CENTRE_HISTORY_MAX 100000 /* most positions one history answer holds */

/* Sets the detection settings (`truce serve` options; tf_config_check's rules) and the
 * stale time (1..86400 s); batches from then on record them. TR_EINVAL naming the field. */
int centre_traffic_configure(centre *c, const tf_config *cfg, double stale_s, tr_err *err);
/* Starts / stops the thread that ends stale tracks (every period_ms). */
int centre_traffic_start(centre *c, unsigned period_ms, tr_err *err);
void centre_traffic_stop(centre *c);

/*
 * POST /v1/tracks: body as media (application/json: one position or an array;
 * application/x-ndjson or application/ndjson: NDJSON) from party by. Every position is
 * checked before anything is written (track.h, and: later than the track's last stored
 * position, at most CENTRE_TRACK_FUTURE_S ahead of now, visibility names parties); one bad
 * position rejects the batch, naming it ("[i].field"). The answer: {"batch", "accepted",
 * "tracks": [{"track", "id"}], "alerts" (changes this batch caused), "receipt"}. When the
 * batch is refused for its positions' times or visibility (TR_EINVAL), *out is set to
 * {"errors": [{"index", "field", "reason"}]}: each refused position (at most 100), for the
 * problem's body (or NULL when out of memory); else *out is left NULL on failure.
 */
int centre_tracks_post(centre *c, const tr_party *by, const char *body, size_t len, const char *media,
                       json_t **out, tr_err *err);
/* The same for positions already parsed (the feed commands); takes nothing from v. */
int centre_tracks_add(centre *c, const tr_party *by, const tr_position *v, size_t n, json_t **out,
                      tr_err *err);
/* Ends the live tracks without a position received in the stale time before now_ms (one
 * transaction, one track.stale entry); *ended receives how many. */
int centre_traffic_sweep(centre *c, int64_t now_ms, size_t *ended, tr_err *err);

/* GET /v1/tracks: a FeatureCollection of the tracks viewer may see, each a Point Feature
 * (properties: id, track, party, callsign, at, alt_m, the velocity in both forms). Without
 * has_at: the live tracks' last positions; with at_ms: each track's latest position no
 * older than the stale time before at_ms (from the store). bbox may be NULL. */
int centre_tracks_picture(centre *c, const tr_party *viewer, bool has_at, int64_t at_ms, const geo_box *bbox,
                          json_t **out, tr_err *err);
/* GET /v1/tracks/{id}/history: the positions in [from_ms, to_ms) viewer may see, as a
 * GeoJSON Feature (a LineString of [lon, lat, alt], properties.times in RFC 3339 ms;
 * a Point for one position, geometry null for none), or as KML (kml true: *kml set, a
 * gx:Track). TR_ENOTFOUND when the track is missing or none of it is visible to viewer;
 * TR_EINVAL (field "from") past CENTRE_HISTORY_MAX positions. */
int centre_track_history(centre *c, const tr_party *viewer, int64_t id, int64_t from_ms, int64_t to_ms,
                         bool kml, json_t **feature, char **kml_text, tr_err *err);
/* GET /v1/traffic/alerts: alert changes about viewer's tracks and objects (admin and
 * monitor: all), each as its notice would show it to viewer; active: the alerts in force
 * now, else the changes decided in [from_ms, to_ms). {"items": [...], "more"}: at most 10,000
 * items, "more" true when the window holds more (narrow it). */
int centre_traffic_alerts(centre *c, const tr_party *viewer, bool active, int64_t from_ms, int64_t to_ms,
                          json_t **out, tr_err *err);

/* `truce replay`: runs detection again over everything stored (objects and batches in
 * log order, each batch with its own settings) and calls fn for each alert change with
 * at_ms in [from_ms, to_ms), as the log object of traffic.alert shows it (without id).
 * *same is true when these are exactly the stored changes of that window, in order. */
int centre_traffic_replay(centre *c, int64_t from_ms, int64_t to_ms,
                          int (*fn)(const json_t *alert, void *ctx), void *ctx, size_t *n, bool *same,
                          tr_err *err);

/* ---- the logged objects (centre_traffic_objects.c; `truce verify` rebuilds them) ---- */
/* "track_batch/ID" (track.positions, track.stale), "traffic_alert/ID" (traffic.alert). */
void centre_ref_track_batch(int64_t id, char ref[CENTRE_REF_MAX]);
void centre_ref_traffic_alert(int64_t id, char ref[CENTRE_REF_MAX]);
/* A position as its batch's hash covers it: {"alt_m", "at", "callsign"?, "lat", "lon",
 * "track", "track_id", "visibility", "vx_mps", "vy_mps", "vz_mps"}. */
json_t *centre_object_position(const store_position *p);
/* The SHA-256 (hex) of the canonical bytes of the JSON array of the batch's positions,
 * computed incrementally: begin, add each in order, end. */
typedef struct centre_hash_state centre_hash_state;
centre_hash_state *centre_positions_hash_begin(void);
int centre_positions_hash_add(centre_hash_state *h, const store_position *p);
void centre_positions_hash_end(centre_hash_state *h, char hex[65]); /* frees h */
/* track.positions: {"config", "count", "id", "party", "positions_sha256", "received_at"};
 * track.stale: {"config", "count", "id", "party", "received_at", "tracks": [{"id", "last_at"}]}
 * (tracks as a JSON array given). config is the settings' body as stored (parsed). */
json_t *centre_object_track_batch(const store_track_batch *b, const char *config_body,
                                  const char *positions_sha256, const json_t *tracks);
/* traffic.alert: {"at", "batch", "change", "distance_m", "h_sep_m", "id"?, "kind", "level", "other", "part",
 * "reason", "time_to_cpa_s", "time_to_los_s" (null when none), "track", "v_sep_m"} (id omitted when 0). */
json_t *centre_object_traffic_alert(const store_traffic_alert *a);

#endif
