/*
 * centre_visible.c — one visibility rule per kind of deconfliction object (issue 12,
 * item 3), used by every route that answers such objects: the single GETs, the lists,
 * the report targets (POST /v1/reports), and the notification history of incidents.
 *
 *  - site: its visibility (domain.h tr_vis_allows with the owner as creator);
 *  - movement: its visibility, or the viewer is a party whose clearance it needs (a
 *    party told to clear a convoy may read it, follow it and file a report about it).
 *
 * A hidden object is answered exactly as a missing one by the callers. A storage failure
 * is returned (with err filled), never taken for "not visible".
 */
#include "service/centre_int.h"

int centre_site_visible(centre *c, const tr_site *s, const tr_party *viewer, bool *yes, tr_err *err) {
    (void)c;
    (void)err;
    *yes = tr_vis_allows(&s->vis, s->owner, s->owner, viewer);
    return TR_OK;
}

int centre_movement_visible(centre *c, const tr_movement *m, const tr_party *viewer, bool *yes, tr_err *err) {
    *yes = tr_vis_allows(&m->vis, m->owner, m->owner, viewer);
    if (*yes || !viewer) return TR_OK;
    return store_clearance_has(c->store, m->id, viewer->name, yes, err);
}
