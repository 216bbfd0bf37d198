/* centre_write.c — writing areas and agreements: the checks that need the store. */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_objects.h"

static int area_refs(centre *c, const tr_area *a, tr_err *err) {
    if (a->party && centre__check_party(c, a->party, "properties.party", err)) return err->code;
    if (a->actor && centre__check_actor(c, a->actor, "properties.actor", err)) return err->code;
    return centre__check_vis(c, &a->vis, "properties.visibility", err);
}

int centre__area_write_tx(centre *c, const tr_party *by, tr_area *a, int expect_version,
                          centre_pending *p, json_t **out, tr_err *err) {
    int rc = area_refs(c, a, err);
    if (rc) return rc;
    a->created_by = strdup(by->name);
    a->created_at = tr_time_now();
    if (a->id == 0) {
        if ((rc = tr_area_may_write(by, a, NULL, err))) return rc;
        rc = store_area_insert(c->store, a, err);
    } else {
        tr_area prev;
        if ((rc = store_area_get(c->store, a->id, 0, &prev, err))) return rc;
        if (!centre_area_visible(&prev, by))
            rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no area %lld", (long long)a->id);
        else
            rc = tr_area_may_write(by, a, &prev, err);
        tr_area_clear(&prev);
        if (rc == TR_OK) rc = store_area_add_version(c->store, a, expect_version, err);
    }
    if (rc) return rc;
    /* The logged object is the version as stored, without effective_to, which a later
     * version may still cut. */
    json_t *feature = centre_object_area(a);
    char ref[CENTRE_REF_MAX];
    centre_ref_area(a->id, a->version, ref);
    json_t *answer = out ? tr_area_to_feature(a) : NULL;
    rc = centre__log(c, by->name, by->sig, a->version == 1 ? TR_ENTRY(AREA_CREATE) : TR_ENTRY(AREA_VERSION),
                     ref, feature, answer, err);
    json_decref(feature);
    if (rc) {
        json_decref(answer);
        return rc;
    }
    if (out) *out = answer;
    return centre__pending_area(p, a) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

/* Parses outside the lock, then writes in one transaction. */
/* Parses outside the lock (repairing the geometry when the body asks: "make_valid"), then
 * writes in one transaction; the answer tells what a repair did ("repair"). */
static int area_write(centre *c, const tr_party *by, int64_t id, int expect_version,
                      const json_t *feature, json_t **out, tr_err *err) {
    json_t *use = NULL, *report = NULL;
    int rc = centre__area_input(feature, &c->limits, false, &use, &report, err);
    tr_area a;
    if (rc == TR_OK && (rc = tr_area_parse(use, id, &c->limits, &a, err)) == TR_OK) {
        a.id = id;
        centre_pending p = {0};
        if ((rc = store_begin(c->store, err)) == TR_OK)
            rc = centre__finish(c, &p, centre__area_write_tx(c, by, &a, expect_version, &p, out, err), out,
                                err);
        tr_area_clear(&a);
    }
    if (rc == TR_OK && report && out && *out) json_object_set(*out, "repair", report);
    json_decref(use);
    json_decref(report);
    return rc;
}

int centre_area_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err) {
    return area_write(c, by, 0, 0, feature, out, err);
}

int centre_area_update(centre *c, const tr_party *by, int64_t id, int expect_version,
                       const json_t *feature, json_t **out, tr_err *err) {
    return area_write(c, by, id, expect_version, feature, out, err);
}

static int agreement_refs(centre *c, const tr_party *by, const tr_agreement *a, tr_err *err) {
    char f[64];
    for (size_t i = 0; i < a->nparties; i++) {
        snprintf(f, sizeof f, "parties[%zu]", i);
        if (centre__check_party(c, a->parties[i], f, err)) return err->code;
    }
    for (size_t i = 0; i < a->nexcluded; i++) {
        snprintf(f, sizeof f, "excluded_actors[%zu]", i);
        if (centre__check_actor(c, a->excluded[i], f, err)) return err->code;
    }
    for (size_t i = 0; i < a->nzones; i++) {
        tr_area z;
        snprintf(f, sizeof f, "zones[%zu]", i);
        int rc = store_area_get(c->store, a->zones[i], 0, &z, err);
        if (rc && rc != TR_ENOTFOUND) return rc; /* a storage failure is not a missing area */
        bool seen = rc == TR_OK && centre_area_visible(&z, by);
        if (rc == TR_OK) tr_area_clear(&z);
        if (!seen) return tr_fail(err, TR_EINVAL, f, "there is no area %lld", (long long)a->zones[i]);
    }
    for (size_t i = 0; i < a->nprovisions; i++) {
        snprintf(f, sizeof f, "provisions[%zu].responsible", i);
        if (a->provisions[i].responsible && centre__check_party(c, a->provisions[i].responsible, f, err))
            return err->code;
    }
    return centre__check_vis(c, &a->vis, "visibility", err);
}

int centre__agreement_write_tx(centre *c, const tr_party *by, tr_agreement *a, centre_pending *p,
                               json_t **out, tr_err *err) {
    int rc = tr_agreement_may_write(by, err);
    if (rc == TR_OK) rc = agreement_refs(c, by, a, err);
    if (rc) return rc;
    a->created_by = strdup(by->name);
    a->created_at = tr_time_now();
    if ((rc = store_agreement_insert(c->store, a, err))) return rc;
    json_t *obj = centre_object_agreement(a);
    char ref[CENTRE_REF_MAX];
    centre_ref_agreement(a->id, a->version, ref);
    rc = centre__log(c, by->name, by->sig, TR_ENTRY(AGREEMENT_CREATE), ref, obj, obj, err);
    if (rc) {
        json_decref(obj);
        return rc;
    }
    if (out) *out = obj;
    else json_decref(obj);
    return centre__pending_agreement(p, a) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

int centre_agreement_create(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err) {
    tr_agreement a;
    int rc = tr_agreement_parse(body, &a, err);
    if (rc) return rc;
    centre_pending p = {0};
    if ((rc = store_begin(c->store, err)) == TR_OK)
        rc = centre__finish(c, &p, centre__agreement_write_tx(c, by, &a, &p, out, err), out, err);
    tr_agreement_clear(&a);
    return rc;
}
