/* centre_corridor.c — humanitarian corridors (issue 6): opening windows, suspensions,
 * resumptions and daily crossing counts on `corridor` areas, through the write path of
 * centre_write.c (centre_humanitarian.h). */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_humanitarian.h"
#include "service/centre_int.h"
#include "service/centre_objects.h"

/* The current version of corridor area_id as viewer may see it; else TR_ENOTFOUND. */
static int corridor_area(centre *c, const tr_party *viewer, int64_t area_id, tr_area *a, tr_err *err) {
    int rc = store_area_get(c->store, area_id, 0, a, err);
    if (rc == TR_OK) {
        if (a->kind == AREA_CORRIDOR && centre_area_visible(a, viewer)) return TR_OK;
        tr_area_clear(a);
    } else if (rc != TR_ENOTFOUND) {
        return rc; /* a storage failure is not a missing corridor */
    }
    return tr_fail(err, TR_ENOTFOUND, "id", "there is no corridor %lld", (long long)area_id);
}

static int may_manage(const tr_party *by, const tr_area *a, tr_err *err) {
    if (tr_party_is_privileged(by) || by->role == ROLE_GUARANTOR) return TR_OK;
    if ((a->party && strcmp(a->party, by->name) == 0) ||
        (a->created_by && strcmp(a->created_by, by->name) == 0))
        return TR_OK;
    return tr_fail(
        err, TR_EFORBIDDEN, "",
        "only the corridor's owner or creator, admin, monitor and guarantors open, suspend or resume it");
}

static int corridor_event_tx(centre *c, const tr_party *by, tr_corridor_event *e, json_t **out, tr_err *err) {
    tr_area a;
    int rc = corridor_area(c, by, e->area_id, &a, err);
    if (rc) return rc;
    if (e->kind != CORRIDOR_CROSSING) rc = may_manage(by, &a, err);
    tr_corridor_event *ev = NULL;
    size_t n = 0;
    if (rc == TR_OK) rc = store_corridor_events(c->store, e->area_id, &ev, &n, err);
    if (rc == TR_OK) rc = tr_corridor_check(ev, n, e, a.valid_from, a.valid_to, err);
    tr_corridor_events_free(ev, n);
    tr_area_clear(&a);
    if (rc) return rc;
    e->party = strdup(by->name);
    e->created_at = tr_time_now();
    if (!e->party) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if ((rc = store_corridor_event_insert(c->store, e, err))) return rc;
    json_t *obj = centre_object_corridor_event(e);
    char ref[CENTRE_REF_MAX], type[48];
    centre_ref(TR_KIND_CORRIDOR_EVENT, e->id, ref);
    snprintf(type, sizeof type, "corridor.%s", tr_corridor_event_kind_name(e->kind));
    rc = obj ? centre__log(c, by->name, by->sig, type, ref, obj, obj, err)
             : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK && out)
        *out = obj;
    else
        json_decref(obj);
    return rc;
}

int centre_corridor_event(centre *c, const tr_party *by, int64_t area_id, tr_corridor_event_kind kind,
                          const json_t *body, json_t **out, tr_err *err) {
    tr_corridor_event e;
    int rc = tr_corridor_event_parse(body, kind, tr_time_now(), &e, err);
    if (rc) return rc;
    e.area_id = area_id;
    centre_pending p = {0};
    if ((rc = store_begin(c->store, err)) == TR_OK)
        rc = centre__finish(c, &p, corridor_event_tx(c, by, &e, out, err), out, err);
    tr_corridor_event_clear(&e);
    return rc;
}

int centre_corridor_get(centre *c, const tr_party *viewer, int64_t area_id, int64_t at, json_t **out,
                        tr_err *err) {
    tr_area a;
    int rc = corridor_area(c, viewer, area_id, &a, err);
    if (rc) return rc;
    tr_corridor_event *ev = NULL;
    size_t n = 0;
    if ((rc = store_corridor_events(c->store, area_id, &ev, &n, err)) == TR_OK) {
        json_t *o = tr_corridor_view(ev, n, at);
        json_object_set_new(o, "area_id", json_integer(a.id));
        json_object_set_new(o, "name", json_string(a.name));
        json_object_set_new(o, "party", a.party ? json_string(a.party) : json_null());
        json_object_set_new(o, "width_m", json_real(a.width_m));
        json_object_set_new(o, "valid_from", tr_json_time_value(a.valid_from));
        json_object_set_new(o, "valid_to", tr_json_time_value(a.valid_to));
        *out = o;
    }
    tr_corridor_events_free(ev, n);
    tr_area_clear(&a);
    return rc;
}
