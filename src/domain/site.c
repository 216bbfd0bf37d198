/* site.c — protected sites and declared operations (see site.h). */
#include "domain/site.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/mem.h"
#include "base/timeutil.h"

static const char *const SITE_KINDS[] = {"hospital", "school", "aid_warehouse", "un_facility",
                                         "forces_position", "other", NULL};
static const char *const OP_KINDS[] = {"air", "artillery", "ground", NULL};

static bool in_list(const char *s, const char *const *list) {
    for (size_t i = 0; s && list[i]; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

void tr_site_clear(tr_site *s) {
    TR_FREE(s->owner, s->kind, s->name, s->geometry);
    tr_vis_clear(&s->vis);
    memset(s, 0, sizeof *s);
}

/* properties.privacy_margin_m, once visibility is parsed: restricted objects only. */
static int privacy_prop(const json_t *props, const tr_vis *vis, tr_privacy *out, tr_err *err) {
    const json_t *m = json_object_get(props, "privacy_margin_m");
    if (!m) return TR_OK;
    char lim[TR_REAL_BUFSZ];
    if (!json_is_number(m) || !(json_number_value(m) >= 0 && json_number_value(m) <= TR_PRIVACY_MAX_MARGIN_M))
        return tr_fail(err, TR_EINVAL, "properties.privacy_margin_m", "must be a number of metres in [0, %s]",
                       tr_real_format(TR_PRIVACY_MAX_MARGIN_M, lim));
    if (vis->is_public)
        return tr_fail(
            err, TR_EINVAL, "properties.privacy_margin_m",
            "applies only to restricted objects (visibility a list of parties): a public one is seen "
            "exactly by every party");
    out->given = true;
    out->margin_m = json_number_value(m);
    return TR_OK;
}

static int site_props(const json_t *props, tr_site *out, tr_err *err) {
    static const char *const keys[] = {"kind",     "name",       "radius_m",         "valid_from",
                                       "valid_to", "visibility", "privacy_margin_m", NULL};
    if (!json_is_object(props)) return tr_fail(err, TR_EINVAL, "properties", "must be an object");
    if (tr_json_only_keys(props, keys, "properties", err)) return TR_EINVAL;
    if (tr_json_str(props, "kind", "properties", 32, &out->kind, err)) return TR_EINVAL;
    if (!out->kind) return tr_fail(err, TR_EINVAL, "properties.kind", "is required");
    if (!in_list(out->kind, SITE_KINDS))
        return tr_fail(err, TR_EINVAL, "properties.kind",
                       "unknown kind '%.40s': use hospital, school, aid_warehouse, un_facility, forces_position "
                       "or other", out->kind);
    if (tr_json_str(props, "name", "properties", 200, &out->name, err)) return TR_EINVAL;
    if (!out->name || !out->name[0]) return tr_fail(err, TR_EINVAL, "properties.name", "is required");
    if (tr_json_time(props, "valid_from", "properties", TR_TIME_MIN, &out->valid_from, err) ||
        tr_json_time(props, "valid_to", "properties", TR_TIME_OPEN, &out->valid_to, err))
        return TR_EINVAL;
    if (out->valid_from != TR_TIME_MIN && out->valid_to <= out->valid_from)
        return tr_fail(err, TR_EINVAL, "properties.valid_to", "must be later than valid_from");
    if (tr_vis_parse(json_object_get(props, "visibility"), "properties.visibility", &out->vis, err))
        return TR_EINVAL;
    return privacy_prop(props, &out->vis, &out->priv, err);
}

int tr_site_parse(const json_t *feature, const geo_limits *lim, tr_site *out, tr_err *err) {
    static const char *const keys[] = {"type", "geometry", "properties", NULL};
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    if (tr_json_feature(feature, keys, err)) goto out;
    const json_t *props = json_object_get(feature, "properties");
    if (site_props(props, out, err)) goto out;
    const json_t *geom = json_object_get(feature, "geometry");
    const char *gt = json_string_value(json_object_get(geom, "type"));
    if (!json_is_object(geom) || !gt) {
        tr_fail(err, TR_EINVAL, "geometry", "must be a GeoJSON Point or Polygon");
        goto out;
    }
    const json_t *r = json_object_get(props, "radius_m");
    if (strcmp(gt, "Point") == 0) {
        out->is_point = true;
        if (geo_point_from_geojson(geom, &out->lon, &out->lat, err)) {
            tr_err_prefix(err, "geometry");
            goto out;
        }
        if (!r) {
            tr_fail(err, TR_EINVAL, "properties.radius_m", "is required for a Point site");
            goto out;
        }
        if (!json_is_number(r) || !isfinite(json_number_value(r)) || json_number_value(r) <= 0 ||
            json_number_value(r) > TR_SITE_MAX_RADIUS_M) {
            tr_fail(err, TR_EINVAL, "properties.radius_m", "must be a number of metres in (0, %g]",
                    TR_SITE_MAX_RADIUS_M);
            goto out;
        }
        out->radius_m = json_number_value(r);
    } else if (strcmp(gt, "Polygon") == 0) {
        if (r) {
            tr_fail(err, TR_EINVAL, "properties.radius_m", "applies to Point sites only");
            goto out;
        }
        geo_shape *shape = NULL;
        if (geo_shape_from_geojson(geom, 0, lim, &shape, err)) {
            tr_err_prefix(err, "geometry");
            goto out;
        }
        geo_shape_free(shape);
    } else {
        tr_fail(err, TR_EINVAL, "geometry.type", "must be \"Point\" (with properties.radius_m) or \"Polygon\"");
        goto out;
    }
    out->geometry = tr_json_dumps(geom, JSON_COMPACT);
    rc = out->geometry ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
out:
    if (rc) tr_site_clear(out);
    return rc;
}

json_t *tr_site_to_feature(const tr_site *s) {
    json_t *props = json_object();
    json_object_set_new(props, "id", json_integer(s->id));
    json_object_set_new(props, "kind", json_string(s->kind));
    json_object_set_new(props, "name", json_string(s->name));
    json_object_set_new(props, "owner", json_string(s->owner));
    if (s->is_point) json_object_set_new(props, "radius_m", json_real(s->radius_m));
    json_object_set_new(props, "valid_from", tr_json_time_value(s->valid_from));
    json_object_set_new(props, "valid_to", tr_json_time_value(s->valid_to));
    json_object_set_new(props, "visibility", tr_vis_to_json(&s->vis));
    json_object_set_new(props, "created_at", tr_json_time_value(s->created_at));
    json_t *geom = json_loads(s->geometry ? s->geometry : "null", JSON_DECODE_ANY, NULL);
    return json_pack("{s:s, s:o, s:o}", "type", "Feature", "geometry", geom ? geom : json_null(), "properties",
                     props);
}

bool tr_site_restricted_for(const tr_site *s, const tr_party *viewer) {
    return !tr_vis_allows(&s->vis, s->owner, s->owner, viewer);
}

void tr_operation_clear(tr_operation *o) {
    for (size_t i = 0; i < o->nvolumes; i++) tr_volume_clear(&o->volumes[i]);
    TR_FREE(o->volumes, o->owner, o->kind, o->state);
    memset(o, 0, sizeof *o);
}

int tr_operation_parse(const json_t *body, unsigned flags, tr_operation *out, tr_err *err) {
    static const char *const keys[] = {"kind", "volumes", "reject_on_conflict", NULL};
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    if (!json_is_object(body)) {
        tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
        goto out;
    }
    if (tr_json_only_keys(body, keys, "", err)) goto out;
    if (tr_json_str(body, "kind", "", 32, &out->kind, err)) goto out;
    if (!out->kind) {
        tr_fail(err, TR_EINVAL, "kind", "is required");
        goto out;
    }
    if (!in_list(out->kind, OP_KINDS)) {
        tr_fail(err, TR_EINVAL, "kind", "unknown kind '%.40s': use air, artillery or ground", out->kind);
        goto out;
    }
    const json_t *rej = json_object_get(body, "reject_on_conflict");
    if (rej && !json_is_boolean(rej)) {
        tr_fail(err, TR_EINVAL, "reject_on_conflict", "must be true or false");
        goto out;
    }
    out->reject_on_conflict = json_is_true(rej);
    const json_t *vols = json_object_get(body, "volumes");
    size_t n = json_array_size(vols);
    if (!json_is_array(vols) || n == 0 || n > TR_OPERATION_MAX_VOLUMES) {
        tr_fail(err, TR_EINVAL, "volumes", "must be a list of 1 to %d Volume4D objects", TR_OPERATION_MAX_VOLUMES);
        goto out;
    }
    out->volumes = calloc(n, sizeof *out->volumes);
    if (!out->volumes) {
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char path[32];
        snprintf(path, sizeof path, "volumes[%zu]", i);
        if ((rc = tr_volume_parse(json_array_get(vols, i), path, flags, &out->volumes[i], err))) goto out;
        out->nvolumes++;
    }
    out->state = strdup(tr_operation_state_name(OP_PLANNED));
    rc = out->state ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
out:
    if (rc) tr_operation_clear(out);
    return rc;
}

json_t *tr_operation_volumes_json(const tr_operation *o) {
    json_t *a = json_array();
    for (size_t i = 0; i < o->nvolumes; i++) json_array_append_new(a, tr_volume_to_json(&o->volumes[i]));
    return a;
}

json_t *tr_operation_to_json(const tr_operation *o) {
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id", (json_int_t)o->id, "owner", o->owner, "kind",
                     o->kind, "state", o->state, "volumes", tr_operation_volumes_json(o), "created_at",
                     tr_json_time_value(o->created_at));
}

char *tr_operation_volumes_text(const tr_operation *o) {
    json_t *a = tr_operation_volumes_json(o);
    char *s = tr_json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

static const char *const MOVEMENT_KINDS[] = {"convoy", "evacuation", NULL};

void tr_movement_clear(tr_movement *m) {
    TR_FREE(m->owner, m->kind, m->name, m->status, m->geometry, m->sched, m->manifest);
    tr_vis_clear(&m->vis);
    memset(m, 0, sizeof *m);
}

static int movement_props(const json_t *props, tr_movement *out, tr_err *err) {
    static const char *const keys[] = {
        "kind",       "name",     "width_m",          "time_start", "time_end",      "status",
        "visibility", "schedule", "privacy_margin_m", "cargo",      "organisations", "vehicles",
        "personnel",  NULL};
    if (!json_is_object(props)) return tr_fail(err, TR_EINVAL, "properties", "must be an object");
    if (tr_json_only_keys(props, keys, "properties", err)) return TR_EINVAL;
    if (tr_json_str(props, "kind", "properties", 32, &out->kind, err)) return TR_EINVAL;
    if (!out->kind) return tr_fail(err, TR_EINVAL, "properties.kind", "is required");
    if (!in_list(out->kind, MOVEMENT_KINDS))
        return tr_fail(err, TR_EINVAL, "properties.kind", "unknown kind '%.40s': use convoy or evacuation", out->kind);
    if (tr_json_str(props, "name", "properties", 200, &out->name, err)) return TR_EINVAL;
    if (tr_json_str(props, "status", "properties", 32, &out->status, err)) return TR_EINVAL;
    tr_movement_status st;
    if (!out->status && !(out->status = strdup(tr_movement_status_name(MOV_PLANNED))))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (tr_movement_status_parse(out->status, &st))
        return tr_fail(err, TR_EINVAL, "properties.status",
                       "unknown status '%.40s': use planned, notified, en_route, arrived, aborted or incident",
                       out->status);
    const json_t *w = json_object_get(props, "width_m");
    if (!w) return tr_fail(err, TR_EINVAL, "properties.width_m", "is required");
    if (!json_is_number(w) || !isfinite(json_number_value(w)) || json_number_value(w) <= 0)
        return tr_fail(err, TR_EINVAL, "properties.width_m", "must be a number of metres greater than 0");
    out->width_m = json_number_value(w);
    if (!json_object_get(props, "time_start")) return tr_fail(err, TR_EINVAL, "properties.time_start", "is required");
    if (!json_object_get(props, "time_end")) return tr_fail(err, TR_EINVAL, "properties.time_end", "is required");
    if (tr_json_time(props, "time_start", "properties", 0, &out->time_start, err) ||
        tr_json_time(props, "time_end", "properties", 0, &out->time_end, err))
        return TR_EINVAL;
    if (out->time_end <= out->time_start)
        return tr_fail(err, TR_EINVAL, "properties.time_end", "must be later than time_start");
    if (tr_manifest_parse(props, &out->manifest, err)) return err->code;
    if (tr_vis_parse(json_object_get(props, "visibility"), "properties.visibility", &out->vis, err))
        return TR_EINVAL;
    return privacy_prop(props, &out->vis, &out->priv, err);
}

int tr_movement_parse(const json_t *feature, const geo_limits *lim, tr_movement *out, tr_err *err) {
    static const char *const keys[] = {"type", "geometry", "properties", NULL};
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    if (tr_json_feature(feature, keys, err)) goto out;
    if (movement_props(json_object_get(feature, "properties"), out, err)) goto out;
    const json_t *geom = json_object_get(feature, "geometry");
    const char *gt = json_string_value(json_object_get(geom, "type"));
    if (!json_is_object(geom) || !gt || strcmp(gt, "LineString") != 0) {
        tr_fail(err, TR_EINVAL, "geometry.type", "must be \"LineString\" (the route)");
        goto out;
    }
    if (out->width_m > lim->max_width_m) {
        tr_fail(err, TR_EINVAL, "properties.width_m", "exceeds the limit of %g m", lim->max_width_m);
        goto out;
    }
    geo_shape *shape = NULL;
    if (geo_shape_from_geojson(geom, out->width_m, lim, &shape, err)) {
        tr_err_prefix(err, "geometry");
        goto out;
    }
    int src = tr_movement_schedule_parse(json_object_get(json_object_get(feature, "properties"), "schedule"), geom,
                                         shape, out->time_start, out->time_end, out, err);
    geo_shape_free(shape);
    if (src) goto out;
    out->geometry = tr_json_dumps(geom, JSON_COMPACT);
    rc = out->geometry ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
out:
    if (rc) tr_movement_clear(out);
    return rc;
}

json_t *tr_movement_to_feature(const tr_movement *m) {
    json_t *props = json_object();
    json_object_set_new(props, "id", json_integer(m->id));
    json_object_set_new(props, "kind", json_string(m->kind));
    if (m->name) json_object_set_new(props, "name", json_string(m->name));
    json_object_set_new(props, "owner", json_string(m->owner));
    json_object_set_new(props, "status", json_string(m->status));
    json_object_set_new(props, "width_m", json_real(m->width_m));
    json_object_set_new(props, "time_start", tr_json_time_value(m->time_start));
    json_object_set_new(props, "time_end", tr_json_time_value(m->time_end));
    json_object_set_new(props, "visibility", tr_vis_to_json(&m->vis));
    if (m->nsched) json_object_set_new(props, "schedule", tr_movement_schedule_json(m));
    tr_manifest_to_props(m->manifest, props);
    json_object_set_new(props, "created_at", tr_json_time_value(m->created_at));
    json_t *geom = json_loads(m->geometry ? m->geometry : "null", JSON_DECODE_ANY, NULL);
    return json_pack("{s:s, s:o, s:o}", "type", "Feature", "geometry", geom ? geom : json_null(), "properties",
                     props);
}

int tr_movement_footprint(const tr_movement *m, const geo_limits *lim, json_t **out, tr_err *err) {
    json_t *g = json_loads(m->geometry ? m->geometry : "", 0, NULL);
    geo_shape *shape = NULL;
    geo_limits wide = *lim;
    if (wide.max_width_m < m->width_m) wide.max_width_m = m->width_m; /* stored: already validated */
    int rc = g ? geo_shape_from_geojson(g, m->width_m, &wide, &shape, err) : tr_fail(err, TR_EIO, "", "unreadable route");
    json_decref(g);
    if (rc) return rc;
    *out = geo_shape_footprint_geojson(shape);
    geo_shape_free(shape);
    return *out ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

bool tr_site_kind_known(const char *kind) {
    return in_list(kind, SITE_KINDS);
}

bool tr_movement_kind_known(const char *kind) {
    return in_list(kind, MOVEMENT_KINDS);
}
