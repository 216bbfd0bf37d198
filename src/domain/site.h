/*
 * site.h — deconfliction objects (issue 4): protected sites and declared operations.
 *
 * Layer 2 of DESIGN.md: parsing, validation and the JSON shapes; no I/O.
 *
 * A site is a GeoJSON Feature: geometry a Point with properties.radius_m (metres,
 * (0, TR_SITE_MAX_RADIUS_M]) or a Polygon; properties kind (hospital, school,
 * aid_warehouse, un_facility, forces_position, other), name, valid_from (default: the
 * time of the request, filled in when the centre records it; tr_site_parse leaves
 * TR_TIME_MIN), valid_to (default open), visibility ("public" or a list of party names;
 * default "public"), privacy_margin_m (restricted sites only, below). The owner is the
 * submitting party.
 *
 * An operation is {"kind": air|artillery|ground, "volumes": [Volume4D, ...],
 * "reject_on_conflict": bool}; the owner is the submitting party; its state is
 * "planned" when created. Operations are visible to every party of the centre: safety of
 * flight needs every party to know where the others fly.
 *
 * Ownership: values own their memory; free with tr_site_clear / tr_operation_clear
 * (safe on zeroed values). json_t results are new references.
 */
#ifndef TRUCE_DOMAIN_SITE_H
#define TRUCE_DOMAIN_SITE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/domain.h"
#include "domain/volume.h"
#include "geo/coarsen.h"

#define TR_SITE_MAX_RADIUS_M 50000.0
#define TR_OPERATION_MAX_VOLUMES 100

/*
 * The privacy of a restricted site or movement (one whose visibility is a list of
 * parties; docs/deconfliction.md §13): a party that may not see it is answered about it
 * only against its footprint grown by margin_m and moved by an offset drawn from secret
 * (geo/coarsen.h). properties.privacy_margin_m (metres, [0, TR_PRIVACY_MAX_MARGIN_M];
 * 0: exact warnings) is accepted on restricted objects only; without it the centre's
 * default applies. The centre draws the secret at creation and stores both apart from
 * the object (dc_privacy), logged as privacy.set.
 */
#define TR_PRIVACY_SECRET_LEN GEO_SECRET_LEN
#define TR_PRIVACY_MAX_MARGIN_M GEO_COARSEN_MAX_MARGIN_M

typedef struct tr_privacy {
    bool given; /* parsed: the Feature named properties.privacy_margin_m */
    bool set;   /* margin_m and secret hold the object's privacy record */
    double margin_m;
    uint8_t secret[TR_PRIVACY_SECRET_LEN];
    int64_t created_at;
} tr_privacy;

typedef struct tr_site {
    int64_t id;
    char *owner;          /* party name */
    char *kind;           /* one of the kinds above */
    char *name;
    int64_t valid_from, valid_to; /* valid_to TR_TIME_OPEN when open */
    tr_vis vis;
    char *geometry;       /* GeoJSON geometry as submitted (compact dump) */
    bool is_point;
    double lon, lat, radius_m; /* Point sites */
    int64_t created_at;
    tr_privacy priv; /* restricted sites (not part of the Feature) */
} tr_site;

/* Parses a site Feature (shape validated with lim). */
int tr_site_parse(const json_t *feature, const geo_limits *lim, tr_site *out, tr_err *err);
/* The site as GET /v1/sites/{id} answers it (and as logged: site.create). */
json_t *tr_site_to_feature(const tr_site *s);
/* True for a site visible to some parties only: a list not including viewer
 * (privileged viewers and the owner see everything). */
bool tr_site_restricted_for(const tr_site *s, const tr_party *viewer);
void tr_site_clear(tr_site *s);

/*
 * A movement (convoy or evacuation) is a GeoJSON Feature: geometry a LineString route;
 * properties kind (convoy, evacuation), width_m (the corridor's full width, metres),
 * time_start and time_end (required, start < end), status (planned, notified, en_route,
 * arrived, aborted, incident; default planned), name (optional), visibility,
 * privacy_margin_m (restricted movements only), a manifest (cargo, organisations,
 * vehicles, personnel: below), and an
 * optional schedule: up to TR_MOVEMENT_MAX_SCHEDULE points [{"position": [lon, lat],
 * "at": RFC3339}], each inside the route's footprint, in route order, at strictly
 * increasing times within [time_start, time_end].
 *
 * With a schedule the movement is a sequence of legs: leg k runs from P_k to P_k+1
 * along the route during [T_k, T_k+1], where P = (route start, schedule positions,
 * route end) and T = (time_start, schedule times, time_end); legs of zero duration are
 * dropped. Without one it is one leg: the whole route over the whole window.
 */
#define TR_MOVEMENT_MAX_SCHEDULE 100

typedef struct tr_sched_point {
    double lon, lat;
    int64_t at;
} tr_sched_point;

/* One leg: its time window and its part of the route (a GeoJSON LineString, or a
 * Point when the movement stands still). */
typedef struct tr_movement_leg {
    int64_t t_start, t_end;
    json_t *geometry;
} tr_movement_leg;

typedef struct tr_movement {
    int64_t id;
    char *owner;
    char *kind;
    char *name;           /* or NULL */
    char *status;
    int64_t time_start, time_end;
    double width_m;
    tr_vis vis;
    char *geometry;       /* the LineString as submitted (compact dump) */
    tr_sched_point *sched;
    size_t nsched;
    char *manifest; /* cargo, organisations, vehicles, personnel as canonical JSON, or NULL */
    int64_t created_at;
    tr_privacy priv; /* restricted movements (not part of the Feature) */
} tr_movement;

int tr_movement_parse(const json_t *feature, const geo_limits *lim, tr_movement *out, tr_err *err);
/* GET /v1/movements/{id}, and the logged object of movement.create. */
json_t *tr_movement_to_feature(const tr_movement *m);
/* The movement's footprint (the route buffered to width_m) as a GeoJSON Polygon. */
int tr_movement_footprint(const tr_movement *m, const geo_limits *lim, json_t **out, tr_err *err);
/* Parses properties.schedule (NULL or null: none) against the route and its footprint
 * (the route buffered to width_m), into m->sched. */
int tr_movement_schedule_parse(const json_t *arr, const json_t *route_geom, const geo_shape *footprint,
                               int64_t t0, int64_t t1, tr_movement *m, tr_err *err);
/* [{"position": [lon, lat], "at": time}, ...] */
json_t *tr_movement_schedule_json(const tr_movement *m);
/* The movement's legs (see above); free with tr_movement_legs_free. */
int tr_movement_legs(const tr_movement *m, tr_movement_leg **legs, size_t *n, tr_err *err);
void tr_movement_legs_free(tr_movement_leg *legs, size_t n);
void tr_movement_clear(tr_movement *m);

/*
 * A convoy's manifest (manifest.c, issue 18): the optional movement properties
 *   cargo          [{"kind": food|medical|nutrition|shelter|non_food_items|
 *                   water_sanitation|education|fuel|other, "tonnes": 0..100000,
 *                   "description"?: text}] (at most 50)
 *   organisations  ["WFP", "SARC", ...] (at most 50 distinct names of 1..200 bytes)
 *   vehicles       0..10000 trucks and cars
 *   personnel      0..100000 people.
 */
#define TR_CARGO_MAX_TONNES 100000
#define TR_MANIFEST_MAX_ITEMS 50
#define TR_MANIFEST_MAX_VEHICLES 10000
#define TR_MANIFEST_MAX_PERSONNEL 100000
/* Reads them from props into *out (canonical JSON, malloc'd; NULL when none is given).
 * TR_EINVAL names the property ("properties.cargo[1].tonnes"). */
int tr_manifest_parse(const json_t *props, char **out, tr_err *err);
/* Copies a manifest's members into props (NULL: nothing). TR_EIO if it is not JSON. */
int tr_manifest_to_props(const char *manifest, json_t *props);
/* The tonnes of every cargo item summed (0 without a manifest). */
double tr_manifest_tonnes(const char *manifest);

typedef struct tr_operation {
    int64_t id;
    char *owner;
    int64_t owner_id;     /* the owner's party id (not stored; the engine's owner key) */
    char *kind;           /* air, artillery, ground */
    char *state;          /* planned */
    tr_volume *volumes;
    size_t nvolumes;
    bool reject_on_conflict; /* request only, not stored */
    int64_t created_at;
} tr_operation;

/*
 * States (issue 12, item 1): an operation's state and a movement's status as enums with
 * their transition tables (dc_states.c), as agreement steps have theirs (step.c). The
 * objects and the store keep the names; these parse them and decide.
 *
 *  - operation: planned -> active | cancelled; active -> ended | cancelled. Ended and
 *    cancelled are final: the operation leaves the engine.
 *  - movement: from planned, notified, en_route or incident to any other status but
 *    planned; arrived and aborted are final: the movement leaves the engine. Positions
 *    are reported while en_route.
 */
#define TR_OPERATION_STATE_MAP(X)  \
    X(OP_PLANNED, "planned")       \
    X(OP_ACTIVE, "active")         \
    X(OP_ENDED, "ended")           \
    X(OP_CANCELLED, "cancelled")

typedef enum {
#define TR_OP_STATE_ENUM(e, s) e,
    TR_OPERATION_STATE_MAP(TR_OP_STATE_ENUM)
#undef TR_OP_STATE_ENUM
    OP_STATE_COUNT
} tr_operation_state;

#define TR_MOVEMENT_STATUS_MAP(X)  \
    X(MOV_PLANNED, "planned")      \
    X(MOV_NOTIFIED, "notified")    \
    X(MOV_EN_ROUTE, "en_route")    \
    X(MOV_ARRIVED, "arrived")      \
    X(MOV_ABORTED, "aborted")      \
    X(MOV_INCIDENT, "incident")

typedef enum {
#define TR_MOV_STATUS_ENUM(e, s) e,
    TR_MOVEMENT_STATUS_MAP(TR_MOV_STATUS_ENUM)
#undef TR_MOV_STATUS_ENUM
    MOV_STATUS_COUNT
} tr_movement_status;

const char *tr_operation_state_name(tr_operation_state s);
/* 0, or -1 when s (NULL allowed) names no state. */
int tr_operation_state_parse(const char *s, tr_operation_state *out);
/* May an operation go from `from` to `to` (the transition table above)? */
bool tr_operation_state_may(tr_operation_state from, tr_operation_state to);
bool tr_operation_state_final(tr_operation_state s);

const char *tr_movement_status_name(tr_movement_status s);
int tr_movement_status_parse(const char *s, tr_movement_status *out);
bool tr_movement_status_may(tr_movement_status from, tr_movement_status to);
bool tr_movement_status_final(tr_movement_status s);

/* Parses a POST /v1/operations body. flags as tr_volume_parse (TR_VOLUME_TRUSTED for
 * stored operations). */
int tr_operation_parse(const json_t *body, unsigned flags, tr_operation *out, tr_err *err);
/* {"id", "owner", "kind", "state", "volumes", "created_at"}: GET /v1/operations/{id},
 * and the logged object of operation.create. */
json_t *tr_operation_to_json(const tr_operation *o);
/* The volumes: the JSON array of Volume4D (new reference). */
json_t *tr_operation_volumes_json(const tr_operation *o);
/* The volumes as stored: that array as compact text (malloc'd). */
char *tr_operation_volumes_text(const tr_operation *o);
void tr_operation_clear(tr_operation *o);

/* True for the kinds tr_site_parse / tr_movement_parse accept (list filters). */
bool tr_site_kind_known(const char *kind);
bool tr_movement_kind_known(const char *kind);

#endif
