/*
 * centre.h — the centre's use cases, shared by every edge (HTTP API, CLI, importers).
 *
 * A centre is the store plus the in-memory engines kept in step with it. Every write
 * follows one path: parse and validate the input completely (no lock held), then in
 * one store transaction check what needs the store (referenced parties, actors and
 * areas exist; version matches), write, commit, and only then publish the new values
 * to the engines. A write that fails at any step leaves store and engines unchanged.
 *
 * Permissions (who may write what) are checked here, from the caller's party.
 * Reads that the API serves straight from the store are in the HTTP handlers.
 *
 * Ownership: json_t **out results are new references for the caller.
 */
#ifndef TRUCE_SERVICE_CENTRE_H
#define TRUCE_SERVICE_CENTRE_H

#include <jansson.h>
#include <stdio.h>

#include "domain/domain.h"
#include "engines/attribution.h"
#include "store/store.h"

typedef struct centre {
    store *store;
    attr_engine *attr;
    geo_limits limits;
} centre;

/* Opens the store at db_path (migrating it) and loads every area version and
 * agreement into the engines. */
int centre_open(const char *db_path, const geo_limits *limits, centre **out, tr_err *err);
void centre_close(centre *c);

#define CENTRE_TOKEN_LEN 49 /* "truce_" + 43 base64url characters */

/* Creates a party and writes its new API token (NUL-terminated) into token; only the
 * token's SHA-256 is stored. */
int centre_party_add(centre *c, const char *name, const char *role, const char *full_name,
                     char token[CENTRE_TOKEN_LEN + 1], tr_err *err);
/* The party holding this token; TR_EAUTH if none or revoked. */
int centre_authenticate(centre *c, const char *token, tr_party *out, tr_err *err);
/* Registers an actor (a group without an account). Admin and monitor only. */
int centre_actor_add(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);

int centre_area_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err);
/* A new version of area id; expect_version 0 skips the version check. */
int centre_area_update(centre *c, const tr_party *by, int64_t id, int expect_version,
                       const json_t *feature, json_t **out, tr_err *err);
int centre_agreement_create(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);

/* Loads a scenario file (scenarios/README.md) in one transaction: parties (their new
 * tokens are written to tokens as "name<TAB>role<TAB>token" lines), actors, areas with
 * their versions, agreements. If regions_path is given, that GeoJSON FeatureCollection
 * replaces the scenario's region areas (name from the first of the properties
 * ADM1_EN, name, NAME_1 present). Nothing is imported if any part is invalid; err
 * names the scenario element at fault. */
int centre_import_scenario(centre *c, const char *path, const char *regions_path, FILE *tokens,
                           tr_err *err);

#endif
