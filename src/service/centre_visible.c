/*
 * centre_visible.c — the one visibility function of each stored kind (issue 12, item 3;
 * centre_visible.h, docs/visibility.md "Who sees what"), used by every route that answers
 * such objects: the single GETs, the lists, the exports, the bulletins, the report targets
 * (POST /v1/reports), the conflict answers, the measures (aid, territory, separation) and
 * the notification history of incidents.
 *
 * A hidden object is answered exactly as a missing one by the callers. A storage failure
 * is returned (with err filled), never taken for "not visible".
 */
#include <string.h>

#include "service/centre_int.h"

const tr_party centre_public = {.role = ROLE_OBSERVER};

static bool is(const char *name, const tr_party *viewer) {
    return name && strcmp(name, viewer->name) == 0;
}

bool centre_area_visible(const tr_area *a, const tr_party *viewer) {
    return tr_area_visible(a, viewer); /* domain: the attribution engine needs it too */
}

bool centre_agreement_visible(const tr_agreement *a, const tr_party *viewer) {
    return tr_agreement_visible(a, viewer); /* domain: the attribution engine needs it too */
}

int centre_site_visible(centre *c, const tr_site *s, const tr_party *viewer, bool *yes, tr_err *err) {
    (void)c;
    (void)err;
    *yes = tr_vis_allows(&s->vis, s->owner, s->owner, viewer);
    return TR_OK;
}

int centre_movement_visible(centre *c, const tr_movement *m, const tr_party *viewer, bool *yes, tr_err *err) {
    *yes = tr_vis_allows(&m->vis, m->owner, m->owner, viewer);
    if (*yes || !viewer || viewer == &centre_public) return TR_OK; /* the public clears nothing */
    return store_clearance_has(c->store, m->id, viewer->name, yes, err);
}

int centre_checkpoint_visible(centre *c, const tr_checkpoint *k, const tr_party *viewer, bool *yes,
                              tr_err *err) {
    (void)c;
    (void)err;
    *yes = tr_checkpoint_allows(k, viewer);
    return TR_OK;
}

bool centre_operation_visible(const tr_operation *o, const tr_party *viewer) {
    (void)o;
    (void)viewer;
    return true; /* a decision (NOTES.md): operations stay visible to every party */
}

bool centre_report_visible(const char *reporting_party, const tr_party *viewer) {
    return !viewer || tr_party_is_privileged(viewer) || is(reporting_party, viewer);
}

bool centre_incident_visible(const tr_party *viewer) {
    (void)viewer;
    return true;
}

bool centre_mine_visible(const tr_party *viewer) {
    (void)viewer;
    return true; /* docs/mine-action.md: all mine action data is public */
}

bool centre_track_visible(const char *owner, const tr_vis *vis, const tr_party *viewer) {
    return tr_vis_allows(vis, owner, owner, viewer);
}

bool centre_message_visible(const tr_message *m, const tr_party *viewer) {
    if (!viewer || tr_party_is_privileged(viewer) || is(m->sender, viewer)) return true;
    if (is(m->via, viewer)) return true;
    return is(m->recipient, viewer) && (!m->via || m->forwarded_at);
}

const char *centre_notice_scope(const tr_party *viewer, bool inbox) {
    return !viewer || (!inbox && tr_party_is_privileged(viewer)) ? NULL : viewer->name;
}

bool centre_notice_visible(const char *addressee, const tr_party *viewer, bool inbox) {
    const char *scope = centre_notice_scope(viewer, inbox);
    return !scope || (addressee && strcmp(addressee, scope) == 0);
}

bool centre_record_visible(const char *party, const tr_party *viewer) {
    return !viewer || tr_party_is_privileged(viewer) || is(party, viewer);
}
