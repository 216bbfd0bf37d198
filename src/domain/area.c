/* area.c — parsing a GeoJSON Feature into an area version, and back. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/mem.h"
#include "base/names.h"
#include "base/timeutil.h"
#include "domain/domain.h"

static const char *const kind_names[] = {TR_AREA_KIND_MAP(TR_NAME_STR)};

TR_NAMES_DEFINE(tr_area_kind, tr_area_kind, kind_names, AREA_KIND_COUNT)

void tr_area_clear(tr_area *a) {
    TR_FREE(a->name, a->party, a->actor, a->description, a->names, a->geometry, a->created_by);
    geo_shape_free(a->shape);
    tr_vis_clear(&a->vis);
    memset(a, 0, sizeof *a);
}

static const char *const feature_keys[] = {"type", "geometry", "properties", "id", "bbox", NULL};
static const char *const property_keys[] = {"kind",       "name",     "party",      "actor",
                                            "valid_from", "valid_to", "visibility", "description",
                                            "width_m",    "names",    NULL};

#define AREA_MAX_NAMES 20

/* A language code: 2 or 3 lowercase ASCII letters (ISO 639). */
static bool lang_code(const char *k) {
    size_t n = strlen(k);
    if (n < 2 || n > 3) return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 'a' || k[i] > 'z') return false;
    return true;
}

/* properties.names: {"ar": "حلب", ...} into a->names (canonical JSON), or nothing. */
static int parse_names(const json_t *props, tr_area *a, tr_err *err) {
    const json_t *v = json_object_get(props, "names");
    if (!v || json_is_null(v)) return TR_OK;
    if (!json_is_object(v) || json_object_size(v) > AREA_MAX_NAMES)
        return tr_fail(err, TR_EINVAL, "properties.names",
                       "must be an object of at most %d names by language code, e.g. {\"ar\": \"حلب\"}",
                       AREA_MAX_NAMES);
    const char *k;
    const json_t *x;
    json_object_foreach((json_t *)v, k, x) {
        char f[64];
        snprintf(f, sizeof f, "properties.names.%.40s", k);
        const char *t = json_string_value(x);
        if (!lang_code(k))
            return tr_fail(err, TR_EINVAL, f, "is not a language code of 2 or 3 letters (ar, ru)");
        if (!t || !*t || strlen(t) > 200)
            return tr_fail(err, TR_EINVAL, f, "must be a name of 1 to 200 bytes");
        for (const char *p = t; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                return tr_fail(err, TR_EINVAL, f, "contains a control character");
    }
    if (json_object_size(v) && !(a->names = tr_json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS)))
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

/* Checks the owner fields against the kind's rule. */
static int check_owner(const tr_area *a, tr_err *err) {
    if (a->party && a->actor)
        return tr_fail(err, TR_EINVAL, "properties.actor",
                       "an area is owned by a party or by an actor, not both");
    if (a->party && tr_name_check(a->party, "properties.party", err)) return TR_EINVAL;
    if (a->actor && tr_name_check(a->actor, "properties.actor", err)) return TR_EINVAL;
    switch (a->kind) {
    case AREA_CONTROL:
        if (!a->party && !a->actor)
            return tr_fail(err, TR_EINVAL, "properties.party",
                           "a control area needs the controlling party or actor");
        break;
    case AREA_DESIGNATED:
        if (!a->actor)
            return tr_fail(err, TR_EINVAL, "properties.actor",
                           "a designated area needs the designated actor");
        break;
    case AREA_REGION:
        if (a->party || a->actor)
            return tr_fail(err, TR_EINVAL, a->party ? "properties.party" : "properties.actor",
                           "a region area has no owner");
        break;
    default:
        break;
    }
    return TR_OK;
}

/* RFC 7946 section 5: a bbox is 2n numbers, the n minima then the n maxima (n = 2 or 3). */
static int check_bbox(const json_t *b, tr_err *err) {
    if (b == NULL) return TR_OK;
    size_t n = json_array_size(b);
    if (!json_is_array(b) || (n != 4 && n != 6))
        return tr_fail(err, TR_EINVAL, "bbox",
                       "must be [west, south, east, north] (or with altitudes, 6 numbers)");
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(b, i);
        if (!json_is_number(v) || !isfinite(json_number_value(v)))
            return tr_fail(err, TR_EINVAL, "bbox", "holds a value that is not a finite number");
    }
    for (size_t i = 1; i < n / 2; i++) /* latitudes and altitudes; longitudes may cross 180 */
        if (json_number_value(json_array_get(b, i)) > json_number_value(json_array_get(b, i + n / 2)))
            return tr_fail(err, TR_EINVAL, "bbox", "a minimum is greater than its maximum");
    return TR_OK;
}

static int parse_width(const json_t *props, const json_t *geom, tr_area *a, tr_err *err) {
    json_t *w = json_object_get(props, "width_m");
    const char *gtype = json_string_value(json_object_get(geom, "type"));
    bool line = gtype && strcmp(gtype, "LineString") == 0;
    if (w == NULL || json_is_null(w)) {
        if (line)
            return tr_fail(err, TR_EINVAL, "properties.width_m",
                           "a LineString area (corridor) needs width_m, its full width in metres");
        return TR_OK;
    }
    if (!json_is_number(w) || !isfinite(json_number_value(w)) || json_number_value(w) <= 0)
        return tr_fail(err, TR_EINVAL, "properties.width_m", "must be a positive number of metres");
    if (!line)
        return tr_fail(err, TR_EINVAL, "properties.width_m", "width_m applies only to a LineString geometry");
    a->width_m = json_number_value(w);
    return TR_OK;
}

static int parse_props(const json_t *props, tr_area *a, tr_err *err) {
    if (!json_is_object(props))
        return tr_fail(err, TR_EINVAL, "properties", "must be an object holding at least kind and name");
    if (tr_json_only_keys(props, property_keys, "properties", err)) return TR_EINVAL;
    json_t *k = json_object_get(props, "kind");
    if (!json_is_string(k))
        return tr_fail(
            err, TR_EINVAL, "properties.kind",
            "is required: one of control, ceasefire_zone, designated, corridor, no_strike, region");
    if (tr_area_kind_parse(json_string_value(k), &a->kind))
        return tr_fail(err, TR_EINVAL, "properties.kind",
                       "unknown kind '%.40s': use control, ceasefire_zone, designated, corridor, "
                       "no_strike or region",
                       json_string_value(k));
    if (tr_json_str(props, "name", "properties", 200, &a->name, err)) return TR_EINVAL;
    if (a->name == NULL || a->name[0] == '\0')
        return tr_fail(err, TR_EINVAL, "properties.name", "is required");
    if (tr_json_str(props, "party", "properties", TR_NAME_MAX, &a->party, err) ||
        tr_json_str(props, "actor", "properties", TR_NAME_MAX, &a->actor, err) ||
        tr_json_str(props, "description", "properties", 4000, &a->description, err))
        return TR_EINVAL;
    if (check_owner(a, err) || parse_names(props, a, err)) return err->code;
    if (tr_json_time(props, "valid_from", "properties", TR_TIME_MIN, &a->valid_from, err) ||
        tr_json_time(props, "valid_to", "properties", TR_TIME_OPEN, &a->valid_to, err))
        return TR_EINVAL;
    if (a->valid_from == TR_TIME_MIN)
        return tr_fail(err, TR_EINVAL, "properties.valid_from", "is required (RFC 3339 time)");
    if (a->valid_to <= a->valid_from)
        return tr_fail(err, TR_EINVAL, "properties.valid_to", "must be later than valid_from");
    return tr_vis_parse(json_object_get(props, "visibility"), "properties.visibility", &a->vis, err);
}

int tr_area_parse(const json_t *feature, int64_t expect_id, const geo_limits *lim, tr_area *out,
                  tr_err *err) {
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    if (tr_json_feature(feature, feature_keys, err)) goto out;
    if (check_bbox(json_object_get(feature, "bbox"), err)) goto out;
    json_t *id = json_object_get(feature, "id");
    if (id && !(expect_id > 0 && json_is_integer(id) && json_integer_value(id) == expect_id)) {
        tr_fail(err, TR_EINVAL, "id",
                expect_id ? "must be the id in the URL or absent"
                          : "is assigned by the server; leave it out");
        goto out;
    }
    json_t *props = json_object_get(feature, "properties");
    json_t *geom = json_object_get(feature, "geometry");
    if (parse_props(props, out, err)) goto out;
    if (!json_is_object(geom)) {
        tr_fail(err, TR_EINVAL, "geometry", "must be a GeoJSON geometry object");
        goto out;
    }
    if (parse_width(props, geom, out, err)) goto out;
    rc = geo_shape_from_geojson(geom, out->width_m, lim, &out->shape, err);
    if (rc != TR_OK) {
        tr_err_prefix(err, "geometry");
        goto out;
    }
    out->geometry = tr_json_dumps(geom, JSON_COMPACT);
    out->area_m2 = geo_shape_area_m2(out->shape);
    out->effective_to = out->valid_to;
    rc = out->geometry ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
out:
    if (rc != TR_OK) tr_area_clear(out);
    return rc;
}

json_t *tr_area_to_feature(const tr_area *a) {
    json_t *props = json_object();
    json_object_set_new(props, "id", json_integer(a->id));
    json_object_set_new(props, "version", json_integer(a->version));
    json_object_set_new(props, "kind", json_string(tr_area_kind_name(a->kind)));
    json_object_set_new(props, "name", json_string(a->name));
    if (a->party) json_object_set_new(props, "party", json_string(a->party));
    if (a->actor) json_object_set_new(props, "actor", json_string(a->actor));
    json_object_set_new(props, "valid_from", tr_json_time_value(a->valid_from));
    json_object_set_new(props, "valid_to", tr_json_time_value(a->valid_to));
    json_object_set_new(props, "effective_to", tr_json_time_value(a->effective_to));
    json_object_set_new(props, "visibility", tr_vis_to_json(&a->vis));
    if (a->width_m > 0) json_object_set_new(props, "width_m", json_real(a->width_m));
    if (a->description) json_object_set_new(props, "description", json_string(a->description));
    if (a->names) json_object_set_new(props, "names", json_loads(a->names, 0, NULL));
    json_object_set_new(props, "area_m2", json_integer((json_int_t)llround(a->area_m2)));
    if (a->created_by) json_object_set_new(props, "created_by", json_string(a->created_by));
    json_object_set_new(props, "created_at", tr_json_time_value(a->created_at));
    json_t *f = json_object();
    json_object_set_new(f, "type", json_string("Feature"));
    json_object_set_new(f, "id", json_integer(a->id));
    json_object_set_new(f, "geometry", json_loads(a->geometry, 0, NULL));
    json_object_set_new(f, "properties", props);
    return f;
}

int tr_area_build_shape(tr_area *a, tr_err *err) {
    static const geo_limits trusted = {SIZE_MAX, 1e9};
    json_t *g = json_loads(a->geometry ? a->geometry : "", 0, NULL);
    int rc =
        g ? geo_shape_from_geojson(g, a->width_m, &trusted, &a->shape, err)
          : tr_fail(err, TR_EIO, "geometry", "stored geometry of area %lld is not JSON", (long long)a->id);
    json_decref(g);
    return rc;
}

bool tr_area_visible(const tr_area *a, const tr_party *viewer) {
    return tr_vis_allows(&a->vis, a->party, a->created_by, viewer);
}

int tr_area_may_write(const tr_party *by, const tr_area *a, const tr_area *prev, tr_err *err) {
    if (tr_party_is_privileged(by)) return TR_OK;
    if (by->role == ROLE_OBSERVER)
        return tr_fail(err, TR_EFORBIDDEN, "", "observers may read areas but not write them");
    if (a->kind == AREA_REGION || a->kind == AREA_DESIGNATED)
        return tr_fail(err, TR_EFORBIDDEN, "properties.kind",
                       "only admin and monitor parties may write %s areas", tr_area_kind_name(a->kind));
    if (a->actor || !a->party || strcmp(a->party, by->name) != 0)
        return tr_fail(err, TR_EFORBIDDEN, "properties.party",
                       "a %s party may write only areas it owns: set party to \"%s\"", tr_role_name(by->role),
                       by->name);
    if (prev && !(prev->party && strcmp(prev->party, by->name) == 0) &&
        !(prev->created_by && strcmp(prev->created_by, by->name) == 0))
        return tr_fail(err, TR_EFORBIDDEN, "", "area %lld belongs to another party", (long long)prev->id);
    return TR_OK;
}
