/*
 * traffic_int.h — private to the traffic engine's files (traffic.c: tracks, alerts,
 * decisions; traffic_geom.c: the exact tests; traffic_grid.c: the uniform grid) and its
 * unit test.
 */
#ifndef TRUCE_ENGINES_TRAFFIC_INT_H
#define TRUCE_ENGINES_TRAFFIC_INT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "engines/traffic.h"

/* ---- the local metric frame (traffic_geom.c) ---- */

/* Metres per degree of longitude and of latitude at latitude lat (WGS 84 radii of
 * curvature N cos(lat) and M). */
typedef struct tf_frame {
    double kx, ky;
} tf_frame;
tf_frame tf_frame_at(double lat);
/* sqrt(x^2 + y^2): the frames' values (metres, m/s) never come near overflow, and libm's
 * hypot costs several times more — it was 40 % of the brute force's time. */
static inline double tf_len(double x, double y) {
    return sqrt(x * x + y * y);
}
/* lon2 - lon1 in (-180, 180]. */
double tf_dlon(double lon2, double lon1);

/* Where a test found a loss of separation (or an entry): its start and the figures. */
typedef struct tf_hit {
    bool hit;
    double t_los; /* start of the first interval, >= 0 */
    double t_cpa, h_sep, v_sep;
} tf_hit;

/*
 * Relative motion of B seen from A: position r (east, north metres), velocity v, vertical
 * offset dz and rate dvz. Finds the first t in [0, T] with |r + v t| < H and
 * |dz + dvz t| < V; t_cpa is the horizontal CPA clamped to [0, T], h_sep and v_sep the
 * separations then (set whether or not there is a hit).
 */
void tf_pair_test(double rx, double ry, double vx, double vy, double dz, double dvz, double H, double V,
                  double T, tf_hit *out);

/* A part as the engine keeps it: its copy of the rings and its box. */
typedef struct tf_part_rec {
    tf_part p; /* p.xy and p.starts point into the owned arrays below */
    double *xy;
    uint32_t *starts;
    double box[4];   /* minlon, minlat, maxlon, maxlat */
    uint32_t object; /* the owning object's slot */
    bool live;
} tf_part_rec;

/* A track's projected path: starts at (lon, lat, alt) at t = 0, moves at (vx, vy, vz). */
typedef struct tf_path {
    double lon, lat, alt, vx, vy, vz;
    double t0_s; /* the position's time, seconds (for windows) */
    tf_frame f;
} tf_path;

/*
 * The first t in [0, T] when the path is inside the part (footprint, band [alt_lo - dv,
 * alt_hi + dv] clipped above at ceiling, window), a circle's radius grown by the factor
 * grow; distance receives the horizontal distance from the path's start to the footprint
 * (0 inside).
 */
void tf_part_test(const tf_part_rec *pr, const tf_path *path, double T, double dv, double ceiling,
                  double grow, tf_hit *out, double *distance);
/* Even-odd containment of (x, y) in the rings (lon/lat, planar). */
bool tf_rings_cover(const double *xy, const uint32_t *starts, size_t nrings, double x, double y);

/* ---- the grid (traffic_grid.c) ---- */

/* A range of cells: columns cx0..cx1 (taken modulo the number of columns), rows cy0..cy1. */
typedef struct tf_cells {
    int32_t cx0, cx1, cy0, cy1;
} tf_cells;

typedef struct tf_grid tf_grid;
tf_grid *tf_grid_new(double cell_deg);
void tf_grid_free(tf_grid *g);
/* The cells a lon/lat box covers (lon may run past +-180). */
tf_cells tf_grid_cells(const tf_grid *g, const double box[4]);
bool tf_cells_equal(tf_cells a, tf_cells b);
int tf_grid_add(tf_grid *g, tf_cells c, uint32_t slot); /* TR_OK or TR_ENOMEM */
void tf_grid_del(tf_grid *g, tf_cells c, uint32_t slot);
/* Calls fn for each slot in the cells (a slot may come once per cell it is in). */
void tf_grid_query(const tf_grid *g, tf_cells c, void (*fn)(uint32_t slot, void *ctx), void *ctx);

/* Metres to degrees, conservatively (never less than the true angle): of latitude, and of
 * longitude at latitudes up to |lat_max|. */
double tf_m_to_dlat(double m);
double tf_m_to_dlon(double m, double lat_max);

/* ---- the engine's records (traffic.c, traffic_eval.c) ---- */

/* An id -> slot map (open addressing; key 0 is empty). */
typedef struct tf_idmap {
    int64_t *keys;
    uint32_t *vals;
    size_t cap, used;
} tf_idmap;
int tf_idmap_put(tf_idmap *m, int64_t key, uint32_t val); /* TR_OK or TR_ENOMEM */
bool tf_idmap_get(const tf_idmap *m, int64_t key, uint32_t *val);
void tf_idmap_free(tf_idmap *m);

/* One active alert, in the list of each of its tracks (a pair: in both). */
typedef struct tf_act {
    int64_t other;
    uint8_t kind;
    uint8_t level;
} tf_act;

typedef struct tf_track {
    tf_pos pos;
    bool seen; /* a position was given (pos is set) */
    bool live;
    bool in_grid;
    tf_cells cells; /* where it is in the grid */
    double box[4];  /* its swept box (see traffic.c) */
    tf_act *act;
    uint32_t nact, cap;
    uint32_t mark; /* the update that last looked at it */
} tf_track;

typedef struct tf_object {
    tf_kind kind;
    int64_t id;
    int32_t owner;
    bool live;
    uint32_t *parts; /* slots in tf_engine.parts */
    uint32_t nparts, cap;
    uint32_t mark;
} tf_object;

struct tf_engine {
    tf_config cfg;
    tf_track *tracks;
    uint32_t ntracks, captracks;
    tf_idmap tmap; /* track id -> slot */
    size_t nlive;
    tf_object *objs;
    uint32_t nobjs, capobjs;
    tf_idmap omap; /* TF_OBJ_KEY(kind, id) -> slot */
    tf_part_rec *parts;
    uint32_t nparts, capparts;
    uint32_t *free_parts;
    uint32_t nfree, capfree;
    tf_grid *tgrid; /* tracks' swept boxes */
    tf_grid *ogrid; /* live parts' boxes */
    uint32_t gen;   /* update counter for marks */
    tf_stats stats;
};

#define TF_OBJ_KEY(kind, id) ((int64_t)(((uint64_t)(kind) + 1) << 58 | ((uint64_t)(id) & ((1ull << 58) - 1))))

/* traffic.c: a track's active alert of (kind, other), or NULL; set (level 0: remove). */
tf_act *tf__act_find(tf_track *t, tf_kind kind, int64_t other);
int tf__act_set(tf_track *t, tf_kind kind, int64_t other, int level);
int tf__push(tf_alerts *out, const tf_alert *a);
/* traffic_eval.c: every evaluation one update of track slot s needs (its pairs, its
 * objects), appending the changes to out. */
int tf__evaluate(tf_engine *e, uint32_t s, tf_alerts *out);
/* traffic_eval.c: the level for a time to LoS with thresholds + margin (0: none). */
int tf__level(const tf_config *c, double t, double margin);
/* traffic_objects.c */
void tf__objects_free(tf_engine *e);

#endif
