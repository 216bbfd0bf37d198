/*
 * traffic.h — the tactical conflict engine: live tracks, their projection, and alerts
 * (issue 16, docs/traffic.md).
 *
 * Layer 3 of DESIGN.md: in memory, deterministic, no I/O and no clock. The engine is given
 * positions one at a time (tf_engine_update) and answers the alert changes each one
 * causes; the same sequence of calls always gives the same answers, whatever the index
 * does (tf_config.brute_force evaluates every pair instead and answers identically: the
 * benchmark's baseline, and a test).
 *
 * What is an alert. On a position of track A at time t0 the engine projects every track
 * straight ahead from its last position (in a local metric frame around A: east and north
 * metres from WGS 84 radii of curvature at A's latitude) and, for each track B of another
 * party whose last position is no older than t0 - max_age_s and no newer than
 * t0 + max_ahead_s, finds the times t in [0, lookahead_s] when both the horizontal
 * distance is below horizontal_m and the vertical distance below vertical_m (a loss of
 * separation, LoS). If there is one, time_to_los is its start (0: inside now) and the
 * level follows it: 3 when <= level_s[2], 2 when <= level_s[1], 1 when <= level_s[0].
 * Objects (operation volumes, protected sites, no-strike areas) are parts: a footprint
 * (a geodesic disc, or rings read even-odd, edges straight in lon/lat), an altitude band
 * and a time window; a track "enters" one at the first t in [0, lookahead_s] when its
 * projected point is inside the footprint, its altitude in the band and t0 + t in the
 * window. Sites and areas count only below low_altitude_m. Objects of the track's own
 * party never alert.
 *
 * Hysteresis. An alert rises at once (raised, escalated); it falls only when the test
 * with the outer thresholds (separations x (1 + hyst_factor), look-ahead and level
 * thresholds + hyst_s, object altitude bands widened by vertical_m x hyst_factor, discs
 * by hyst_factor of their radius) says so: lowered to the outer level, or cleared when the
 * outer test finds nothing. An alert also clears when either track ends
 * (tf_engine_end: stale), when the other track's data is too old, or when its object is
 * gone. Each alert is evaluated again on every position of its track (both tracks for a
 * pair), also when the index no longer offers the pair.
 *
 * Determinism: the answer of one update is sorted (kind, other id) and does not depend
 * on the order in which candidates were found.
 *
 * Threads: none of these functions locks; the caller serialises writers against readers.
 * Ownership: the engine copies what it is given; tf_alerts arrays belong to the caller
 * (tf_alerts_free).
 */
#ifndef TRUCE_ENGINES_TRAFFIC_H
#define TRUCE_ENGINES_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct tf_config {
    double horizontal_m;   /* separation minima: 9,260 m (5 NM) */
    double vertical_m;     /* and 304.8 m (1,000 ft exactly: aircraft 1,000 ft apart are at
                              the minimum, not inside it) */
    double lookahead_s;    /* projection horizon: 120 s */
    double level_s[3];     /* levels 1, 2, 3 at time to LoS <= 120, 60, 30 s */
    double max_age_s;      /* a track's last position counts this long (data time): 60 s */
    double max_ahead_s;    /* ... and may be this much newer than the asking one: 5 s */
    double low_altitude_m; /* sites and no-strike areas alert below this altitude: 1,500 m */
    double hyst_factor;    /* outer separations x (1 + this): 0.1 */
    double hyst_s;         /* outer time thresholds + this: 10 s */
    bool brute_force;      /* no index: every pair is evaluated (benchmark baseline) */
} tf_config;

/* The defaults above. */
tf_config tf_config_default(void);
/* TR_EINVAL naming the field (horizontal_m, level_s, ...) unless the values are usable:
 * separations > 0, 0 < level_s[2] < level_s[1] < level_s[0] <= lookahead_s <= 3600, ages
 * >= 0, hysteresis >= 0. */
int tf_config_check(const tf_config *c, tr_err *err);

typedef enum tf_kind {
    TF_TRAFFIC = 0,   /* another party's track */
    TF_OPERATION = 1, /* another party's active operation volume */
    TF_SITE = 2,      /* a protected site, below low_altitude_m */
    TF_AREA = 3,      /* a no-strike area, below low_altitude_m */
} tf_kind;
#define TF_KIND_COUNT 4
const char *tf_kind_name(tf_kind k); /* "traffic", "operation", "site", "area" */

typedef enum tf_change { TF_RAISED = 0, TF_ESCALATED, TF_LOWERED, TF_CLEARED } tf_change;
const char *tf_change_name(tf_change c); /* "raised", "escalated", "lowered", "cleared" */

typedef enum tf_reason { TF_PREDICTED = 0, TF_SEPARATED, TF_STALE, TF_GONE } tf_reason;
const char *tf_reason_name(tf_reason r); /* "predicted", "separated", "stale", "gone" */

/* One position given to the engine. */
typedef struct tf_pos {
    int64_t track;   /* the track's id (> 0) */
    int32_t party;   /* its party, any integer key: only equality matters */
    int64_t at_ms;   /* position time */
    int64_t recv_ms; /* when it was received (only tf_engine_stale reads it) */
    double lon, lat, alt;
    double vx, vy, vz; /* m/s east, north, up */
} tf_pos;

/* One alert change. For TF_TRAFFIC `other` is the other track; for objects the object's
 * id and `part` the part (an operation's volume) the track enters first. The figures are
 * those of the evaluation that decided it (for a cleared alert: of the outer test): times
 * in seconds from at_ms, separations at the closest approach (horizontal CPA within the
 * look-ahead; objects: 0), distance the horizontal distance now (to the object's
 * footprint, 0 inside). -1 stands for "none": no LoS or entry (t_los), nothing measured
 * (every figure of an alert cleared because a track is stale or an object gone). */
typedef struct tf_alert {
    tf_kind kind;
    tf_change change;
    tf_reason reason;
    int level; /* 1..3; 0 when cleared */
    int64_t track, other;
    int32_t part;
    int64_t at_ms;       /* the position time that decided it */
    double t_los, t_cpa; /* -1 when there is no LoS / entry */
    double h_sep, v_sep, distance;
} tf_alert;

typedef struct tf_alerts {
    tf_alert *v;
    size_t n, cap;
} tf_alerts;
void tf_alerts_free(tf_alerts *a);

/* A part of an object. Rings are lon/lat pairs, each ring closed or not (the engine closes
 * it), read even-odd; a circle has nrings 0. */
typedef struct tf_part {
    bool circle;
    double lon, lat, radius_m; /* circle */
    const double *xy;          /* rings, borrowed by tf_engine_object_put (copied) */
    const uint32_t *starts;    /* nrings + 1 offsets in positions */
    size_t nrings;
    double alt_lo, alt_hi;  /* closed band (use +-INFINITY for ground objects) */
    int64_t t_start, t_end; /* half-open window in seconds */
} tf_part;

typedef struct tf_engine tf_engine;

tf_engine *tf_engine_new(const tf_config *c); /* NULL when out of memory or c is unusable */
void tf_engine_free(tf_engine *e);
/* Replaces the configuration (active alerts keep their levels; the new thresholds apply
 * from the next evaluation). TR_EINVAL as tf_config_check. */
int tf_engine_configure(tf_engine *e, const tf_config *c, tr_err *err);

/*
 * Takes a position of track p->track and appends to out the alert changes it causes (those
 * of its pairs and of its objects). The track becomes live. TR_EINVAL when the position
 * is not later than the track's last, or p->track <= 0 (nothing changes then);
 * TR_ENOMEM.
 */
int tf_engine_update(tf_engine *e, const tf_pos *p, tf_alerts *out, tr_err *err);
/* Ends a live track (stale): it leaves the picture and the index, and each of its alerts
 * is cleared (reason TF_STALE, at_ms = at_ms given). TR_ENOTFOUND when not live. */
int tf_engine_end(tf_engine *e, int64_t track, int64_t at_ms, tf_alerts *out, tr_err *err);
/* The live tracks whose last position was received before recv_before_ms, ascending
 * (*ids malloc'd, NULL when none). */
int tf_engine_stale(const tf_engine *e, int64_t recv_before_ms, int64_t **ids, size_t *n);

/* A track's last state. */
typedef struct tf_track_state {
    tf_pos pos;
    bool live;
    int max_level; /* the highest level among its active alerts, 0 if none */
} tf_track_state;
/* TR_ENOTFOUND when the engine never saw the track. */
int tf_engine_track(const tf_engine *e, int64_t track, tf_track_state *out);
/* Calls fn for every live track in id order; a non-zero return stops and is returned. */
int tf_engine_each_live(const tf_engine *e, int (*fn)(const tf_track_state *t, void *ctx), void *ctx);
/* Calls fn for every active alert (each pair once, from its lower track id) in (track,
 * kind, other) order, with the level; figures are not kept (zero). */
int tf_engine_each_alert(const tf_engine *e, int (*fn)(const tf_alert *a, void *ctx), void *ctx);
size_t tf_engine_live_count(const tf_engine *e);

/* Restoring a saved state (start-up, or following another instance's writes) without
 * evaluating anything: a track's last position (live or ended) and an alert's level (the
 * tracks must be restored first; level 0 forgets the alert, and is TR_OK for tracks the
 * engine never saw). */
int tf_engine_restore_track(tf_engine *e, const tf_pos *p, bool live, tr_err *err);
int tf_engine_restore_alert(tf_engine *e, tf_kind kind, int64_t track, int64_t other, int level, tr_err *err);
/* Forgets every track and alert (objects stay). */
void tf_engine_reset_tracks(tf_engine *e);

/* Objects. put adds or replaces (kind, id) with its parts; area_version appends a part to
 * an area and first cuts the windows of its earlier parts at the new part's t_start (the
 * store's rule for area versions); remove forgets it (its alerts clear at their track's
 * next evaluation, reason TF_GONE). kind is TF_OPERATION, TF_SITE or TF_AREA. */
int tf_engine_object_put(tf_engine *e, tf_kind kind, int64_t id, int32_t owner, const tf_part *parts,
                         size_t n, tr_err *err);
int tf_engine_area_version(tf_engine *e, int64_t id, int32_t owner, const tf_part *part, tr_err *err);
void tf_engine_object_remove(tf_engine *e, tf_kind kind, int64_t id);
/* Cuts an area's parts at t (a later version of it that is no longer of a kind that alerts). */
void tf_engine_area_cut(tf_engine *e, int64_t id, int64_t t);

/* Counters since creation (the benchmark reports them). */
typedef struct tf_stats {
    uint64_t updates, candidates, pair_tests, object_tests;
} tf_stats;
void tf_engine_stats(const tf_engine *e, tf_stats *out);

#endif
