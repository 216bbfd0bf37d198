/*
 * centre_dc_probe.c — restricted objects cannot be located by probing (issue 11;
 * docs/deconfliction.md §13).
 *
 * - Privacy: a restricted site or movement (visibility a list of parties) gets a privacy
 *   record at creation — a margin (its own, or the centre's default) and a random secret —
 *   stored in dc_privacy and logged as privacy.set, which commits to the secret by its
 *   SHA-256 only. With a margin > 0 each of its engine volumes has a coarsened twin
 *   (geo_coarsen: grown by the margin, moved by the secret's offset, always containing
 *   the true footprint), built once when the volume enters the engine.
 * - Probes: a party that may not see an object is answered about it only against the
 *   coarsened twin. Each such answered conflict is a hit of the request's probe. Within
 *   the party's budget (conflicts answered about hidden objects per window, counted from
 *   the stored probes, so a restart changes nothing) they are answered; past it they are
 *   withheld, the answer says so, and the monitors are told (once per window). Every
 *   probe with hits, or withheld, is stored (dc_probe, dc_probe_hit), logged
 *   (conflict.probe) and notified to each hit's owner — also when the operation was
 *   refused and not stored.
 */
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_lists.h"
#include "service/centre_objects.h"

/* ---- privacy ---- */

bool centre__coarsened(const tr_vis *vis, const tr_privacy *p) {
    return !vis->is_public && p->set && p->margin_m > 0;
}

void centre__privacy_draw(centre *c, const tr_vis *vis, tr_privacy *p) {
    if (vis->is_public) return;
    if (!p->given) p->margin_m = c->privacy_margin_m;
    randombytes_buf(p->secret, sizeof p->secret);
    p->created_at = tr_time_now();
    p->set = true;
}

int centre__privacy_store_tx(centre *c, const tr_party *by, const char *about_type, int64_t about_id,
                             const tr_privacy *p, tr_err *err) {
    if (!p->set) return TR_OK;
    int rc = store_privacy_insert(c->store, about_type, about_id, p, err);
    if (rc) return rc;
    json_t *obj = centre_object_privacy(about_type, about_id, p);
    char ref[CENTRE_REF_MAX];
    centre_ref_privacy(about_type, about_id, ref);
    rc = obj ? centre__log(c, by->name, NULL, TR_ENTRY(PRIVACY_SET), ref, obj, NULL, err)
             : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    return rc;
}

int centre__coarse_volume(const dc_volume *v, const tr_privacy *p, dc_volume *out, geo_coarse *gc,
                          tr_err *err) {
    const dc_footprint *f = &v->foot;
    geo_footprint g =
        f->shape == DC_CIRCLE
            ? (geo_footprint){.is_disc = true, .lon = f->lon, .lat = f->lat, .radius_m = f->radius_m}
            : (geo_footprint){.xy = f->xy, .npos = f->npos, .ring_start = f->ring_start, .nrings = f->nrings};
    int rc = geo_coarsen(&g, p->margin_m, p->secret, gc, err);
    if (rc) return rc;
    *out = *v;
    const geo_footprint *o = &gc->foot;
    out->foot =
        o->is_disc ? (dc_footprint){.shape = DC_CIRCLE, .lon = o->lon, .lat = o->lat, .radius_m = o->radius_m}
                   : (dc_footprint){.shape = DC_POLYGON,
                                    .xy = o->xy,
                                    .npos = o->npos,
                                    .ring_start = o->ring_start,
                                    .nrings = o->nrings};
    return TR_OK;
}

int centre__dc_add_coarse(centre *c, const dc_volume *v, const tr_privacy *p, bool movement, size_t i,
                          bool held, tr_err *err) {
    dc_volume cv;
    geo_coarse gc;
    int rc = centre__coarse_volume(v, p, &cv, &gc, err);
    if (rc == TR_OK) {
        cv.id = CENTRE_DC_COARSE_ID(CENTRE_DC_OBJ(v->id), movement, i);
        cv.kind = movement ? CENTRE_DC_MOVEMENT_COARSE : CENTRE_DC_SITE_COARSE;
        rc = held ? dc_engine_insert_held(c->dc, &cv, err) : dc_engine_insert(c->dc, &cv, err);
    }
    geo_coarse_free(&gc);
    return rc;
}

int centre_dc_privacy_view(centre *c, const char *about_type, int64_t id, const tr_vis *vis, json_t *feature,
                           tr_err *err) {
    tr_privacy p = {0};
    int rc = vis->is_public ? TR_OK : store_privacy_get(c->store, about_type, id, &p, err);
    return rc == TR_OK ? centre__privacy_view(&p, feature) : rc;
}

int centre__privacy_view(const tr_privacy *p, json_t *feature) {
    json_t *props = json_object_get(feature, "properties");
    if (!p->set || !props) return TR_OK;
    return json_object_set_new(props, "privacy_margin_m", json_real(p->margin_m)) ? TR_ENOMEM : TR_OK;
}

/* ---- collecting and deciding ---- */

void centre__probe_init(centre_probe *pr, const tr_party *asker, const char *request) {
    memset(pr, 0, sizeof *pr);
    pr->asker = asker;
    pr->request = request;
    pr->hits = json_array();
}

void centre__probe_clear(centre_probe *pr) {
    json_decref(pr->hits);
    memset(pr, 0, sizeof *pr);
}

int centre__probe_hit(centre_probe *pr, json_t *entry, const char *type, int64_t id, const char *owner,
                      size_t vi, bool exact, json_t *band, tr_err *err) {
    json_t *h = json_pack("{s:o, s:s, s:I, s:s, s:I, s:b, s:o}", "entry", entry, "type", type, "id",
                          (json_int_t)id, "owner", owner, "volume", (json_int_t)vi, "exact", exact, "band",
                          band ? band : json_null());
    if (!h || !pr->hits || json_array_append_new(pr->hits, h))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

bool centre__probe_has(const centre_probe *pr, const char *type, int64_t id, size_t vi) {
    size_t i;
    json_t *h;
    json_array_foreach(pr->hits, i, h) {
        if (strcmp(json_string_value(json_object_get(h, "type")), type) == 0 &&
            json_integer_value(json_object_get(h, "id")) == id &&
            json_integer_value(json_object_get(h, "volume")) == (json_int_t)vi)
            return true;
    }
    return false;
}

int centre__probe_decide(centre *c, centre_probe *pr, json_t *conflicts, tr_err *err) {
    pr->decided = true;
    pr->asked_at = tr_time_now();
    if (tr_party_is_privileged(pr->asker)) return TR_OK; /* sees everything: nothing hidden */
    int rc =
        store_probe_answered(c->store, pr->asker->name, pr->asked_at - c->probe_window_s, &pr->used, err);
    if (rc) return rc;
    /* Past the budget, or past it with this answer: withheld, whatever this request hit (so
     * the withholding itself says nothing about hidden objects once the budget is spent). */
    int64_t k = (int64_t)json_array_size(pr->hits);
    pr->withheld = pr->used >= c->probe_budget || pr->used + k > c->probe_budget;
    if (!pr->withheld) {
        size_t i;
        json_t *h;
        json_array_foreach(pr->hits, i, h) {
            if (json_array_append(conflicts, json_object_get(h, "entry")))
                return tr_fail(err, TR_ENOMEM, "", "out of memory");
        }
        return TR_OK;
    }
    rc = store_probe_monitors_told(c->store, pr->asker->name, pr->asked_at - c->probe_window_s, &pr->told_at,
                                   err);
    if (rc == TR_OK && pr->told_at == 0) {
        pr->tell = true;
        pr->told_at = pr->asked_at;
    }
    return rc;
}

json_t *centre__probe_withheld(const centre *c, const centre_probe *pr) {
    if (!pr->withheld) return NULL;
    char reason[300];
    snprintf(
        reason, sizeof reason,
        "conflicts with objects this party may not see are withheld: at most %lld are answered per %lld s "
        "(%lld answered in the last %lld s); the monitors were told",
        (long long)c->probe_budget, (long long)c->probe_window_s, (long long)pr->used,
        (long long)c->probe_window_s);
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:o}", "what", "conflicts with restricted objects", "reason",
                     reason, "budget", (json_int_t)c->probe_budget, "window_s", (json_int_t)c->probe_window_s,
                     "answered_in_window", (json_int_t)pr->used, "monitors_notified_at",
                     tr_json_time_value(pr->told_at));
}

/* ---- recording ---- */

/* The notice to a hit's owner: who asked, when, with which volume, and what it met. */
static int owner_notice(centre *c, const centre_probe *pr, const json_t *h, const tr_operation *o,
                        int64_t operation_id, bool refused, tr_err *err) {
    size_t vi = (size_t)json_integer_value(json_object_get(h, "volume"));
    json_t *vol = vi < o->nvolumes ? tr_volume_to_json(&o->volumes[vi]) : json_null();
    json_t *payload = json_pack(
        "{s:I, s:s, s:o, s:s, s:o, s:b, s:b, s:{s:O, s:O}, s:I, s:o, s:O, s:O}", "probe_id",
        (json_int_t)pr->id, "asked_by", pr->asker->name, "asked_at", tr_json_time_value(pr->asked_at),
        "request", pr->request, "operation_id", operation_id > 0 ? json_integer(operation_id) : json_null(),
        "refused", refused, "answered", !pr->withheld, "about", "type", json_object_get(h, "type"), "id",
        json_object_get(h, "id"), "volume", (json_int_t)vi, "asking_volume", vol ? vol : json_null(),
        "conflict", json_object_get(h, "exact"), "distance_band", json_object_get(h, "band"));
    int rc = payload ? centre__notice(c, json_string_value(json_object_get(h, "owner")), "probe",
                                           json_string_value(json_object_get(h, "type")),
                                           json_integer_value(json_object_get(h, "id")), payload,
                                           pr->asked_at, centre_notice_deadline(c, pr->asked_at, TR_TIME_MIN), NULL, err)
                     : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(payload);
    return rc;
}

/* For a stored operation: the hits that meet the true footprint are conflicts, notified
 * to their owners as any other conflict is (exact band). */
static int exact_conflicts(centre *c, const centre_probe *pr, const tr_operation *o, tr_err *err) {
    json_t *list = json_array();
    size_t i;
    json_t *h;
    json_array_foreach(pr->hits, i, h) {
        if (!json_is_true(json_object_get(h, "exact"))) continue;
        const json_t *e = json_object_get(h, "entry");
        json_array_append_new(
            list,
            json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "type", json_object_get(h, "type"), "id",
                      json_object_get(h, "id"), "owner", json_object_get(h, "owner"), "distance_band",
                      json_object_get(h, "band"), "time_start", json_object_get(e, "time_start"), "time_end",
                      json_object_get(e, "time_end"), "volume", json_object_get(h, "volume")));
    }
    int rc = list ? centre__conflict_notices(c, o, list, pr->asked_at, err)
                  : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(list);
    return rc;
}

/* Past the budget, once per window: a notice to every monitor (to the admins if the
 * centre has no monitor). */
static int monitor_notices(centre *c, const centre_probe *pr, tr_err *err) {
    json_t *parties = NULL, *payload = NULL;
    int rc = centre_party_list_json(c->store, &parties, err);
    if (rc == TR_OK)
        payload = json_pack("{s:s, s:I, s:o, s:s, s:I, s:I, s:I}", "party", pr->asker->name, "probe_id",
                            (json_int_t)pr->id, "at", tr_json_time_value(pr->asked_at), "request",
                            pr->request, "budget", (json_int_t)c->probe_budget, "window_s",
                            (json_int_t)c->probe_window_s, "answered_in_window", (json_int_t)pr->used);
    if (rc == TR_OK && !payload) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    static const char *const roles[] = {"monitor", "admin"};
    size_t told = 0;
    for (size_t r = 0; rc == TR_OK && r < 2 && told == 0; r++) {
        size_t i;
        json_t *p;
        json_array_foreach(parties, i, p) {
            if (rc || strcmp(json_string_value(json_object_get(p, "role")), roles[r]) != 0 ||
                !json_is_null(json_object_get(p, "revoked_at")))
                continue;
            rc = centre__notice(c, json_string_value(json_object_get(p, "name")), "probe_budget",
                                     "party", pr->asker->id, payload, pr->asked_at,
                                     centre_notice_deadline(c, pr->asked_at, TR_TIME_MIN), NULL, err);
            told++;
        }
    }
    json_decref(payload);
    json_decref(parties);
    return rc;
}

/* pr's hits as store rows (pointers into pr->hits); NULL when out of memory. */
static store_probe_hit *hit_rows(const centre_probe *pr) {
    size_t n = json_array_size(pr->hits);
    store_probe_hit *rows = calloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; rows && i < n; i++) {
        const json_t *h = json_array_get(pr->hits, i);
        rows[i] = (store_probe_hit){
            json_string_value(json_object_get(h, "type")), json_integer_value(json_object_get(h, "id")),
            json_string_value(json_object_get(h, "owner")),
            (int)json_integer_value(json_object_get(h, "volume")), json_is_true(json_object_get(h, "exact"))};
    }
    return rows;
}

static int notify(centre *c, const centre_probe *pr, const tr_operation *o, int64_t operation_id,
                  bool refused, tr_err *err) {
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < json_array_size(pr->hits); i++)
        rc = owner_notice(c, pr, json_array_get(pr->hits, i), o, operation_id, refused, err);
    if (rc == TR_OK && operation_id > 0) rc = exact_conflicts(c, pr, o, err);
    if (rc == TR_OK && pr->tell) rc = monitor_notices(c, pr, err);
    return rc;
}

int centre__probe_record(centre *c, centre_probe *pr, const tr_operation *o, int64_t operation_id,
                         bool refused, tr_err *err) {
    size_t k = json_array_size(pr->hits);
    if (!pr->decided || (!pr->withheld && k == 0)) return TR_OK;
    char *vols = tr_operation_volumes_text(o);
    store_probe_hit *rows = hit_rows(pr);
    store_probe sp = {.party = pr->asker->name,
                      .asked_at = pr->asked_at,
                      .request = pr->request,
                      .operation_id = operation_id,
                      .volumes = vols,
                      .outcome = pr->withheld ? "withheld" : "answered",
                      .refused = refused,
                      .monitors_notified = pr->tell,
                      .hits = rows,
                      .nhits = k};
    int rc =
        vols && rows ? store_probe_insert(c->store, &sp, err) : tr_fail(err, TR_ENOMEM, "", "out of memory");
    pr->id = sp.id;
    if (rc == TR_OK) rc = notify(c, pr, o, operation_id, refused, err);
    json_t *obj = rc == TR_OK ? centre_object_probe(&sp) : NULL;
    if (rc == TR_OK && !obj) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        char ref[CENTRE_REF_MAX];
        centre_ref_probe(sp.id, ref);
        rc = centre__log(c, pr->asker->name, NULL, TR_ENTRY(CONFLICT_PROBE), ref, obj, NULL, err);
    }
    json_decref(obj);
    free(rows);
    free(vols);
    return rc;
}
