/*
 * centre_repair.c — areas from published boundary files: "make_valid" in POST and PUT
 * /v1/areas, and `truce import scenario --make-valid` (its areas and --regions). An
 * invalid polygon is repaired with GEOS MakeValid (geo_make_valid) before the area is
 * parsed, so what is stored, logged and answered is the repaired shape; the caller is
 * told what was wrong and how the area changed.
 */
#include <math.h>
#include <string.h>

#include "service/centre_int.h"

/* {"repaired", "reason"?, "area_before_m2"?, "area_after_m2"?, "area_change_m2"?} (whole m²). */
static json_t *repair_json(const geo_repair *r) {
    if (!r->repaired) return json_pack("{s:b}", "repaired", 0);
    long long before = llround(r->area_before_m2), after = llround(r->area_after_m2);
    return json_pack("{s:b, s:s, s:I, s:I, s:I}", "repaired", 1, "reason", r->reason, "area_before_m2",
                     (json_int_t)before, "area_after_m2", (json_int_t)after, "area_change_m2",
                     (json_int_t)(after - before));
}

int centre__area_input(const json_t *feature, const geo_limits *lim, bool make_valid, json_t **use,
                       json_t **report, tr_err *err) {
    *use = *report = NULL;
    const json_t *mv = json_is_object(feature) ? json_object_get(feature, "make_valid") : NULL;
    if (mv && !json_is_boolean(mv)) return tr_fail(err, TR_EINVAL, "make_valid", "must be true or false");
    make_valid = make_valid || json_is_true(mv);
    if (!mv && !make_valid) {
        *use = json_incref((json_t *)feature);
        return TR_OK;
    }
    json_t *copy = json_copy((json_t *)feature);
    if (!copy) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_object_del(copy, "make_valid");
    const json_t *geom = json_object_get(copy, "geometry");
    if (make_valid && json_is_object(geom)) {
        json_t *fixed = NULL;
        geo_repair r;
        if (geo_make_valid(geom, lim, &fixed, &r, err)) {
            tr_err_prefix(err, "geometry");
            json_decref(copy);
            return err->code;
        }
        json_object_set_new(copy, "geometry", fixed);
        if (!(*report = repair_json(&r))) {
            json_decref(copy);
            return tr_fail(err, TR_ENOMEM, "", "out of memory");
        }
    }
    *use = copy;
    return TR_OK;
}
