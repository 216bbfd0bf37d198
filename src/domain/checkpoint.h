/*
 * checkpoint.h — checkpoints (issue 12, item 5): manned crossing points on convoy routes.
 *
 * Layer 2 of DESIGN.md: parsing, validation and the JSON shape; no I/O.
 *
 * A checkpoint is a GeoJSON Feature: geometry a Point; properties name (1..200 bytes),
 * controlled_by (the party manning it; default the submitting party), opening_hours
 * (optional: a list of at most TR_CHECKPOINT_MAX_HOURS {"days": ["mon", ...], "open":
 * "HH:MM", "close": "HH:MM"} in UTC, open < close <= 24:00; absent or null: open at all
 * hours) and visibility ("public" or a list of party names, as sites). The owner is the
 * submitting party.
 *
 * Visibility (tr_checkpoint_allows): as a site's (domain.h tr_vis_allows), with both the
 * creating party and the controlling party seeing it always.
 *
 * Ownership: values own their memory; free with tr_checkpoint_clear (safe on zeroed
 * values). json_t results are new references.
 */
#ifndef TRUCE_DOMAIN_CHECKPOINT_H
#define TRUCE_DOMAIN_CHECKPOINT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/domain.h"

#define TR_CHECKPOINT_MAX_HOURS 14

typedef struct tr_checkpoint {
    int64_t id;
    char *owner; /* the creating party */
    char *party; /* the controlling party (properties.controlled_by) */
    char *name;
    double lon, lat;
    char *hours; /* opening_hours as canonical JSON text, or NULL: open at all hours */
    tr_vis vis;
    int64_t created_at;
} tr_checkpoint;

/* Parses a checkpoint Feature; party stays NULL when controlled_by is left out. */
int tr_checkpoint_parse(const json_t *feature, tr_checkpoint *out, tr_err *err);
/* The checkpoint as GET /v1/checkpoints/{id} answers it (and as logged: checkpoint.create). */
json_t *tr_checkpoint_to_feature(const tr_checkpoint *k);
/* Whether viewer (NULL: the system) may read k. */
bool tr_checkpoint_allows(const tr_checkpoint *k, const tr_party *viewer);
/* The same for a party known by name only, read as an observer (conservative: a
 * privileged party is not assumed to see more). */
bool tr_checkpoint_allows_name(const tr_checkpoint *k, const char *name);
void tr_checkpoint_clear(tr_checkpoint *k);

#endif
