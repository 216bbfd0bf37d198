/* centre_kinds.c — the service layer's hooks per stored kind (centre_kinds.h). */
#include "service/centre_kinds.h"

#include "service/centre_int.h"
#include "service/centre_visible.h"
#include "store/store_checkpoint.h"

/* A visible hook by id for a kind read by GET into a T freed by CLEAR and judged by
 * VISIBLE(c, const T *, viewer, yes, err). */
#define VISIBLE_BY_ID(NAME, T, GET, VISIBLE, CLEAR)                                                          \
    static int NAME(centre *c, int64_t id, const tr_party *viewer, bool *yes, tr_err *err) {                 \
        T x_;                                                                                                \
        *yes = false;                                                                                        \
        int rc = GET(c->store, id, &x_, err);                                                                \
        if (rc == TR_OK) {                                                                                   \
            rc = VISIBLE(c, &x_, viewer, yes, err);                                                          \
            CLEAR(&x_);                                                                                      \
        }                                                                                                    \
        return rc == TR_ENOTFOUND ? TR_OK : rc;                                                              \
    }

VISIBLE_BY_ID(site_visible, tr_site, store_site_get, centre_site_visible, tr_site_clear)
VISIBLE_BY_ID(movement_visible, tr_movement, store_movement_get, centre_movement_visible, tr_movement_clear)
VISIBLE_BY_ID(checkpoint_visible, tr_checkpoint, store_checkpoint_get, centre_checkpoint_visible,
              tr_checkpoint_clear)

static int agreement_rule(centre *c, const tr_agreement *a, const tr_party *viewer, bool *yes, tr_err *err) {
    (void)c, (void)err;
    *yes = centre_agreement_visible(a, viewer);
    return TR_OK;
}
VISIBLE_BY_ID(agreement_visible, tr_agreement, store_agreement_get, agreement_rule, tr_agreement_clear)

static const centre_kind_hooks HOOKS[TR_KIND_COUNT] = {
    [TR_KIND_AGREEMENT] = {TR_KIND_AGREEMENT, agreement_visible},
    [TR_KIND_SITE] = {TR_KIND_SITE, site_visible},
    [TR_KIND_OPERATION] = {TR_KIND_OPERATION, NULL}, /* centre_operation_visible: every party */
    [TR_KIND_MOVEMENT] = {TR_KIND_MOVEMENT, movement_visible},
    [TR_KIND_CHECKPOINT] = {TR_KIND_CHECKPOINT, checkpoint_visible},
};

const centre_kind_hooks *centre_kind(tr_kind k) {
    static const centre_kind_hooks none = {TR_KIND_COUNT, NULL};
    return (int)k >= 0 && k < TR_KIND_COUNT ? &HOOKS[k] : &none;
}

int centre_kind_visible(centre *c, tr_kind k, int64_t id, const tr_party *viewer, bool *yes, tr_err *err) {
    const centre_kind_hooks *h = centre_kind(k);
    *yes = true;
    return h->visible ? h->visible(c, id, viewer, yes, err) : TR_OK;
}
