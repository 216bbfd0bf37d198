/*
 * track.h — positions of aircraft and other tracks, as a party reports them (issue 16,
 * docs/traffic.md).
 *
 * Layer 2 of DESIGN.md: no I/O. A position is one JSON object:
 *
 *   {"track": "RF-1234", "at": "2016-09-19T10:00:00.250Z", "lon": 37.1, "lat": 36.2,
 *    "alt_m": 3000, "vx_mps": 120.5, "vy_mps": -40, "vz_mps": 0,
 *    "callsign": "RFF123", "visibility": "public"}
 *
 * with the velocity either as east/north/up components (vx_mps, vy_mps, vz_mps) or as
 * ground speed, true track angle and vertical rate (ground_speed_mps, track_deg,
 * vertical_rate_mps) — one form or the other, all three members of it. Rules (each
 * failure names the member by its JSON path from the body's root):
 *  - track: the party's own id, 1..TR_TRACK_ID_MAX characters of letters, digits and
 *    "-_.:/" ; at: RFC 3339 with milliseconds kept (years 1..9999);
 *  - lon in [-180, 180], lat in [-90, 90], alt_m in [TR_TRACK_ALT_MIN_M, TR_TRACK_ALT_MAX_M]
 *    (WGS 84), all finite numbers;
 *  - horizontal speed at most TR_TRACK_MAX_SPEED_MPS, vertical at most
 *    TR_TRACK_MAX_VRATE_MPS; track_deg in [0, 360);
 *  - callsign optional, 1..TR_CALLSIGN_MAX printable ASCII characters;
 *  - visibility as for sites: "public" or a list of party names (absent: unchanged for a
 *    known track, public for a new one — the caller decides, see has_vis).
 * A batch is a JSON array of positions, or NDJSON (one object per line, blank lines
 * skipped), at most TR_TRACK_BATCH_MAX positions; within a batch a track's positions
 * must be in strictly increasing time.
 *
 * Ownership: a tr_position owns its visibility (tr_vis); free with tr_position_clear,
 * a batch with tr_positions_free.
 */
#ifndef TRUCE_DOMAIN_TRACK_H
#define TRUCE_DOMAIN_TRACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "domain/domain.h"

#define TR_TRACK_ID_MAX 64
#define TR_CALLSIGN_MAX 16
#define TR_TRACK_ALT_MIN_M (-1000.0)
#define TR_TRACK_ALT_MAX_M 30000.0
#define TR_TRACK_MAX_SPEED_MPS 1500.0
#define TR_TRACK_MAX_VRATE_MPS 300.0
#define TR_TRACK_BATCH_MAX 100000

typedef struct tr_position {
    char track[TR_TRACK_ID_MAX + 1]; /* the party's own id */
    int64_t at_ms;                   /* when the aircraft was there, ms since the epoch */
    double lon, lat, alt_m;
    double vx, vy, vz;                  /* m/s east, north, up (converted from the other form) */
    char callsign[TR_CALLSIGN_MAX + 1]; /* "" when none */
    bool has_vis;                       /* visibility given */
    tr_vis vis;
} tr_position;

/* Parses one position object found at `path` ("" for the root, "[3]" in a batch). */
int tr_position_parse(const json_t *v, const char *path, tr_position *out, tr_err *err);
void tr_position_clear(tr_position *p);

/*
 * Parses a request body: a position object, a JSON array of them (ndjson false), or
 * NDJSON (ndjson true). *out (malloc'd, free with tr_positions_free) receives *n
 * positions. Error fields are "[i].member" (i from 0, the position's index; NDJSON
 * messages also name the line). Also checks that each track's positions in the batch
 * increase strictly in time.
 */
int tr_positions_parse(const char *body, size_t len, bool ndjson, tr_position **out, size_t *n, tr_err *err);
void tr_positions_free(tr_position *v, size_t n);

/* Ground speed (m/s), true track angle in [0, 360) degrees, for a velocity. */
double tr_track_speed(double vx, double vy);
double tr_track_angle(double vx, double vy);

/* The position's members as a JSON object with the velocity in both forms (new ref):
 * {"alt_m", "at", "callsign"?, "ground_speed_mps", "lat", "lon", "track_deg",
 *  "vertical_rate_mps", "vx_mps", "vy_mps", "vz_mps"}. */
json_t *tr_position_to_json(const tr_position *p);

#endif
