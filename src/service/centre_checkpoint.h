/*
 * centre_checkpoint.h — checkpoints (issue 12, item 5; docs/deconfliction.md §14): the
 * centre's write and read paths, the one visibility rule, the objects the log commits to,
 * and the part checkpoints take in a movement's notification and clearance.
 *
 * Ownership: *out answers are new references for the caller; features are appended to
 * caller-owned arrays. Refs are written into the caller's buffer.
 */
#ifndef TRUCE_SERVICE_CENTRE_CHECKPOINT_H
#define TRUCE_SERVICE_CENTRE_CHECKPOINT_H

#include "domain/checkpoint.h"
#include "service/centre.h"
#include "service/centre_objects.h"
#include "store/store_checkpoint.h"

/* POST /v1/checkpoints: the stored Feature with its receipt. controlled_by other than by
 * itself needs admin or monitor (403); it must name a party of the centre (400). */
int centre_checkpoint_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err);
/* GET /v1/checkpoints/{id}: a hidden one is TR_ENOTFOUND exactly as a missing one. */
int centre_checkpoint_get(centre *c, const tr_party *viewer, int64_t id, json_t **out, tr_err *err);
/* A page of GET /v1/checkpoints: at most limit visible Features after f->after into
 * features; *next the cursor of the next page, 0 on the last. */
int centre_checkpoint_list(centre *c, const tr_party *viewer, const store_checkpoint_filter *f, int limit,
                           json_t *features, int64_t *next, tr_err *err);

/* Inside a new movement's transaction (centre__movement_notify_tx): links m to the
 * checkpoints within its route's width that every party able to read m may see, logs the
 * links (movement.checkpoints), and appends to clearance (a JSON list of party names,
 * the parties whose acknowledgement clears m) each such checkpoint's controlling party
 * other than m's owner. */
int centre__movement_checkpoints_tx(centre *c, const tr_movement *m, json_t *clearance, tr_err *err);
/* Sets feature.properties.checkpoints: m's checkpoints that viewer may see, as Features. */
int centre_movement_checkpoints(centre *c, const tr_movement *m, const tr_party *viewer, json_t *feature,
                                tr_err *err);

/* checkpoint.create (ref "checkpoint/ID": centre_ref), the Feature as GET answers it. */
json_t *centre_object_checkpoint(const tr_checkpoint *k);
/* movement.checkpoints: "movement/ID/checkpoints", {"movement": ID, "checkpoints": [ids]}
 * (ids: a JSON list of integers, ascending; borrowed). */
void centre_ref_movement_checkpoints(int64_t movement_id, char ref[CENTRE_REF_MAX]);
json_t *centre_object_movement_checkpoints(int64_t movement_id, const json_t *ids);

#endif
