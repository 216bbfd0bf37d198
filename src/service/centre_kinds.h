/*
 * centre_kinds.h — the service layer's hooks per stored kind (issue 12, item 1), indexed
 * by tr_kind (domain/kinds.h holds the kinds' data: names, tables, entry types, routes).
 *
 * visible: whether a party may see object id of the kind. It reads the object through the
 * store and applies the kind's one rule (service/centre_visible.c, centre_checkpoint.c,
 * domain tr_agreement_visible). A missing object is TR_OK with *yes false (hidden answers
 * exactly as missing); a storage failure is returned with err filled, never taken for
 * "not visible". A kind whose hook is NULL is visible to every party (operations), and
 * kinds not listed yet (reports, hazards, ...) have none: wire their rule here when it
 * exists (issue 12, item 3).
 */
#ifndef TRUCE_SERVICE_CENTRE_KINDS_H
#define TRUCE_SERVICE_CENTRE_KINDS_H

#include "service/centre.h"

typedef int (*centre_visible_fn)(centre *c, int64_t id, const tr_party *viewer, bool *yes, tr_err *err);

typedef struct centre_kind_hooks {
    tr_kind kind;
    centre_visible_fn visible; /* NULL: every party sees it */
} centre_kind_hooks;

/* The hooks of kind k (never NULL: a kind without hooks has all of them NULL). */
const centre_kind_hooks *centre_kind(tr_kind k);
/* Whether viewer may see object id of kind k, through its visible hook (above). */
int centre_kind_visible(centre *c, tr_kind k, int64_t id, const tr_party *viewer, bool *yes, tr_err *err);

#endif
