/*
 * domain.h — the centre's core values and their rules: parties and roles, visibility,
 * areas over time, agreements and provisions.
 *
 * Layer 2 of DESIGN.md: no I/O. Parsing functions take the JSON a client sent,
 * validate all of it, and fill a value that owns its memory (free with the matching
 * *_clear). Rules that need the store (does this party exist?) are checked by the
 * caller after parsing; everything checkable from the value alone is checked here.
 * Error fields are JSON paths from the body's root ("properties.valid_from").
 */
#ifndef TRUCE_DOMAIN_H
#define TRUCE_DOMAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/names.h"
#include "domain/kinds.h"
#include "geo/geo.h"

/* ---- parties and roles ---- */

#define TR_ROLE_MAP(X)                 \
    X(ROLE_ADMIN, "admin")             \
    X(ROLE_MONITOR, "monitor")         \
    X(ROLE_GUARANTOR, "guarantor")     \
    X(ROLE_BELLIGERENT, "belligerent") \
    X(ROLE_OBSERVER, "observer")       \
    X(ROLE_HUMANITARIAN, "humanitarian") \
    X(ROLE_MINE_ACTION, "mine_action")

typedef enum {
#define TR_ROLE_ENUM(e, s) e,
    TR_ROLE_MAP(TR_ROLE_ENUM)
#undef TR_ROLE_ENUM
    ROLE_COUNT
} tr_role;

#define ROLE_BIT(r) (1u << (r))
#define ROLES_ALL ((1u << ROLE_COUNT) - 1)
#define ROLES_PRIVILEGED (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_MONITOR))

const char *tr_role_name(tr_role r);
int tr_role_parse(const char *s, tr_role *out); /* 0, or -1 if unknown */

#define TR_NAME_MAX 64

/* A party's Ed25519 signature over the exact bytes of a request body it submitted,
 * checked against its registered key before the write (docs/tlog.md). */
typedef struct tr_signature {
    char body_sha256[65]; /* hex SHA-256 of the body */
    char signature[89];   /* base64 of the 64-byte signature */
    const void *body;     /* the signed bytes (borrowed from the request) */
    size_t body_len;
} tr_signature;

typedef struct tr_party {
    int64_t id;
    char name[TR_NAME_MAX + 1];
    tr_role role;
    const tr_signature *sig; /* the current submission's verified signature, or NULL */
} tr_party;

/* Names of parties and actors: 1..64 characters of letters, digits, space and
 * "-_.()'&", starting with a letter or digit. Returns 0 or TR_EINVAL on field. */
int tr_name_check(const char *name, const char *field, tr_err *err);

/* True for admin and monitor, who read everything. */
bool tr_party_is_privileged(const tr_party *p);

/* ---- visibility ---- */

/* Who may read an object besides admin, monitor and its owner/creator. */
typedef struct tr_vis {
    bool is_public;
    char **parties; /* names (owned); NULL when public */
    size_t nparties;
} tr_vis;

/* Parses "public" or a list of party names at `field`. An absent value (NULL)
 * means "public". */
int tr_vis_parse(const json_t *v, const char *field, tr_vis *out, tr_err *err);
/* Builds a tr_vis from its stored JSON text. */
int tr_vis_from_text(const char *text, tr_vis *out);
json_t *tr_vis_to_json(const tr_vis *v); /* new reference */
char *tr_vis_to_text(const tr_vis *v);   /* malloc'd JSON text */
void tr_vis_clear(tr_vis *v);
/* True if viewer (NULL = the system itself) may read an object with this
 * visibility owned by owner and created by creator (either may be NULL). */
bool tr_vis_allows(const tr_vis *v, const char *owner, const char *creator, const tr_party *viewer);

/* ---- areas ---- */

#define TR_AREA_KIND_MAP(X)                    \
    X(AREA_CONTROL, "control")                 \
    X(AREA_CEASEFIRE_ZONE, "ceasefire_zone")   \
    X(AREA_DESIGNATED, "designated")           \
    X(AREA_CORRIDOR, "corridor")               \
    X(AREA_NO_STRIKE, "no_strike")             \
    X(AREA_REGION, "region")

/* tr_area_kind_name, tr_area_kind_parse (base/names.h) */
TR_NAMES_ENUM(tr_area_kind, tr_area_kind, TR_AREA_KIND_MAP, AREA_KIND_COUNT)

/* One version of an area, as submitted and as stored. */
typedef struct tr_area {
    int64_t id;            /* area id, stable across versions (0 before insert) */
    int version;           /* 1, 2, ... (0 before insert) */
    tr_area_kind kind;
    char *name;
    char *party;           /* owning party's name, or NULL */
    char *actor;           /* owning actor's name, or NULL */
    int64_t valid_from;
    int64_t valid_to;      /* TR_TIME_OPEN when open */
    int64_t effective_to;  /* min(valid_to, next version's valid_from) */
    tr_vis vis;
    double width_m;        /* corridors; 0 otherwise */
    char *description;     /* or NULL */
    char *names;           /* its name in other languages, {"ar": ..., "ru": ...} as canonical
                              JSON (properties.names), or NULL */
    char *geometry;        /* GeoJSON geometry text as submitted (compact dump) */
    geo_shape *shape;      /* validated footprint */
    double area_m2;        /* geodesic area of the footprint */
    char *created_by;      /* party name */
    int64_t created_at;
} tr_area;

/*
 * Parses a GeoJSON Feature into a new area version: "type" must be "Feature";
 * "geometry" a Polygon or MultiPolygon, or a LineString when properties.width_m is
 * given; "properties" may hold only kind, name, party, actor, valid_from, valid_to,
 * visibility, description, width_m, names ({"ar": "حلب", "ru": "Алеппо"}: the name in
 * other languages, keyed by a language code of 2 or 3 letters, at most 20, 1..200 bytes
 * each). "id" is allowed only when equal to expect_id
 * (a PUT to /v1/areas/{id}); pass 0 for a new area. Rules: kind is known; name is
 * given; control areas have exactly one of party/actor, designated areas an actor,
 * regions neither; valid_from < valid_to. On success out is filled (created_by,
 * created_at, id, version left for the caller) and owns its memory.
 */
int tr_area_parse(const json_t *feature, int64_t expect_id, const geo_limits *lim,
                  tr_area *out, tr_err *err);

/* The stored version as a GeoJSON Feature with "id" and properties including
 * id, version, kind, name, party/actor, valid_from, valid_to (null when open),
 * effective_to, visibility, area_m2 (whole square metres), created_by, created_at
 * (new reference). */
json_t *tr_area_to_feature(const tr_area *a);

void tr_area_clear(tr_area *a);

/* Builds a->shape from a->geometry (stored, already validated text). */
int tr_area_build_shape(tr_area *a, tr_err *err);

/* True if viewer (NULL = the system) may read the area version: its visibility with the
 * area's party as owner and its creator. The one rule of the kind (service/centre_visible.h
 * centre_area_visible); the attribution engine, below the service layer, calls it here. */
bool tr_area_visible(const tr_area *a, const tr_party *viewer);
/* May party `by` create this area version (prev NULL) or replace version prev by it?
 * Admin and monitor may write any area. Guarantors, belligerents, humanitarian and
 * mine action parties may write only areas they own (party = themselves, no actor),
 * of any kind but region and designated, and change only areas they own or created.
 * Observers write none. TR_OK or TR_EFORBIDDEN with the reason. */
int tr_area_may_write(const tr_party *by, const tr_area *a, const tr_area *prev, tr_err *err);

/* ---- agreements ---- */

#define TR_PROVISION_STATUS_MAP(X)       \
    X(PROV_PENDING, "pending")           \
    X(PROV_IN_PROGRESS, "in_progress")   \
    X(PROV_DONE, "done")                 \
    X(PROV_LATE, "late")                 \
    X(PROV_DISPUTED, "disputed")

/* tr_provision_status_name, tr_provision_status_parse (base/names.h) */
TR_NAMES_ENUM(tr_provision_status, tr_provision_status, TR_PROVISION_STATUS_MAP, PROV_STATUS_COUNT)

typedef struct tr_provision {
    int64_t id;
    int seq;
    char *text;
    char *responsible;  /* party name or NULL */
    int64_t deadline;   /* TR_TIME_OPEN when none */
    tr_provision_status status;
} tr_provision;

typedef struct tr_agreement {
    int64_t id;
    int version;
    char *name;
    char *description;
    int64_t start, end;      /* end TR_TIME_OPEN when open */
    char **parties;          /* participating parties (names) */
    size_t nparties;
    char **excluded;         /* excluded actors (names) */
    size_t nexcluded;
    int64_t *zones;          /* area ids; nzones == 0 means everywhere */
    size_t nzones;
    tr_provision *provisions;
    size_t nprovisions;
    tr_vis vis;
    char *created_by;
    int64_t created_at;
} tr_agreement;

/* Parses the body of POST /v1/agreements: name, start, end, parties, excluded_actors,
 * zones, provisions, description, visibility; nothing else. Rules: start < end;
 * names valid and not repeated; provisions have text and a known status. */
int tr_agreement_parse(const json_t *body, tr_agreement *out, tr_err *err);

/* True if viewer (NULL = the system) may read the agreement: its visibility allows
 * it, or the viewer is one of its parties. */
bool tr_agreement_visible(const tr_agreement *a, const tr_party *viewer);

/* True if the agreement is in force at t (start <= t < end). */
bool tr_agreement_in_force(const tr_agreement *a, int64_t t);

json_t *tr_agreement_to_json(const tr_agreement *a); /* new reference */
void tr_agreement_clear(tr_agreement *a);

/* Agreements are recorded by admin, monitor and guarantor parties. */
int tr_agreement_may_write(const tr_party *by, tr_err *err);

/* ---- JSON helpers shared by the parsers ---- */

/* Checks a GeoJSON Feature's envelope: a JSON object with only the given members
 * (NULL-terminated) and "type": "Feature". TR_OK or TR_EINVAL naming the member. */
int tr_json_feature(const json_t *feature, const char *const *members, tr_err *err);
/* Fails with TR_EINVAL naming the first key of obj not in allowed (NULL-terminated). */
int tr_json_only_keys(const json_t *obj, const char *const *allowed, const char *path, tr_err *err);
/* Reads an optional RFC 3339 time at obj[key]; absent or null leaves *out = dflt. */
int tr_json_time(const json_t *obj, const char *key, const char *path, int64_t dflt,
                 int64_t *out, tr_err *err);
/* Reads an optional string; absent or null gives NULL; otherwise strdup'd into *out. */
int tr_json_str(const json_t *obj, const char *key, const char *path, size_t maxlen,
                char **out, tr_err *err);
/* Joins a path and a key: ("properties", "kind") -> "properties.kind". */
const char *tr_path(char *buf, size_t n, const char *path, const char *key);
/* A time as a JSON string, or null for TR_TIME_OPEN / TR_TIME_MIN. */
json_t *tr_json_time_value(int64_t t);

#endif
