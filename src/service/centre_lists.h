/*
 * centre_lists.h — the API's JSON of lists the store reads (issue 12): the store
 * returns domain values and rows (store.h), and their JSON is built here, above it,
 * in the shape and key order the API has always answered.
 *
 * Ownership: out-values (json_t **) are new references the caller releases; json_t
 * arguments are borrowed and what is appended to them is new. Every function returns
 * the store's code unchanged (a storage failure keeps its code), or TR_ENOMEM.
 */
#ifndef TRUCE_SERVICE_CENTRE_LISTS_H
#define TRUCE_SERVICE_CENTRE_LISTS_H

#include <jansson.h>

#include "store/store.h"

/* [{name, role, full_name, created_at, revoked_at}] ordered by name. */
int centre_party_list_json(store *s, json_t **out, tr_err *err);
/* [{name, full_name}] ordered by name. */
int centre_actor_list_json(store *s, json_t **out, tr_err *err);
/* Appends {party, notice, acked_at, ack_index} per party clearing movement_id, by name. */
int centre_clearance_json(store *s, int64_t movement_id, json_t *items, tr_err *err);
/* Appends {notice_id, party, kind, created_at, acked_at} per notice about message id. */
int centre_message_notices_json(store *s, int64_t id, json_t *items, tr_err *err);
/* Appends the page of areas f selects as Features (store_area_list; *next likewise). */
int centre_area_list_json(store *s, const store_area_filter *f, json_t *features, int64_t *next, tr_err *err);
/* Appends every version of area id that viewer may see (NULL: all) as Features, oldest first. */
int centre_area_history_json(store *s, int64_t id, const tr_party *viewer, json_t *features, tr_err *err);
/* Appends operations with id > after (at most limit) as JSON to items; *next is the
 * cursor of the next page or 0. */
int centre_operation_list_json(store *s, int64_t after, int limit, json_t *items, int64_t *next, tr_err *err);
/* Appends notices as JSON ({id, party, kind, about: {type, id}, payload, created_at,
 * deadline, acked_at, ack_index}) to items, as store_notice_list selects them (*next,
 * *more likewise). */
int centre_notice_list_json(store *s, const char *party, int64_t after, int64_t overdue_at, int limit,
                            json_t *items, int64_t *next, bool *more, tr_err *err);
/* Sets out's by_hazard, by_operator, by_day (land released by progress dated in
 * [from, to)), items (found and destroyed by type) and accidents (by kind, demining and
 * civilian always). */
int centre_mine_summary_json(store *s, int64_t from, int64_t to, json_t *out, tr_err *err);

#endif
