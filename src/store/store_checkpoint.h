/*
 * store_checkpoint.h — the store's part for checkpoints (issue 12, item 5, migration
 * 0021): checkpoint rows and the checkpoints of each movement. Part of the store
 * interface (store.h's rules hold: inserts only inside a transaction; rows are never
 * updated or deleted; a storage failure is TR_EUNAVAIL or TR_EIO, never a short list).
 *
 * Ownership: values handed to callbacks are borrowed until the callback returns (the
 * store clears them after); store_checkpoint_get fills a value the caller clears with
 * tr_checkpoint_clear.
 */
#ifndef TRUCE_STORE_CHECKPOINT_H
#define TRUCE_STORE_CHECKPOINT_H

#include "domain/checkpoint.h"
#include "geo/geo.h"
#include "store/store.h"

/* Which rows a scan visits, in id order: id > after, and with has_bbox those whose point
 * lies in the closed box. */
typedef struct store_checkpoint_filter {
    int64_t after;
    bool has_bbox;
    geo_box bbox;
} store_checkpoint_filter;

/* Inserts k (id set on success). */
int store_checkpoint_insert(store *s, tr_checkpoint *k, tr_err *err);
/* TR_ENOTFOUND naming "id" when there is none. */
int store_checkpoint_get(store *s, int64_t id, tr_checkpoint *out, tr_err *err);
/* Calls fn for every row f keeps until fn returns non-zero (returned as is). */
int store_checkpoint_scan(store *s, const store_checkpoint_filter *f, int (*fn)(tr_checkpoint *k, void *ctx),
                          void *ctx, tr_err *err);
/* Records that movement_id passes checkpoint_id. */
int store_checkpoint_link(store *s, int64_t movement_id, int64_t checkpoint_id, tr_err *err);
/* Calls fn for the links of movement_id (0: of every movement), by movement then checkpoint. */
int store_checkpoint_links(store *s, int64_t movement_id,
                           int (*fn)(int64_t movement_id, int64_t checkpoint_id, void *ctx), void *ctx,
                           tr_err *err);

#endif
