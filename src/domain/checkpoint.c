/* checkpoint.c — checkpoints on convoy routes (see checkpoint.h). */
#include "domain/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/mem.h"
#include "geo/geo.h"

static const char *const DAYS[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", NULL};

void tr_checkpoint_clear(tr_checkpoint *k) {
    TR_FREE(k->owner, k->party, k->name, k->hours);
    tr_vis_clear(&k->vis);
    memset(k, 0, sizeof *k);
}

/* "HH:MM" (00:00..24:00) as minutes of the day, or -1. */
static int minutes(const json_t *v) {
    const char *s = json_string_value(v);
    unsigned h, m;
    char tail;
    if (!s || strlen(s) != 5 || s[2] != ':' || sscanf(s, "%2u:%2u%c", &h, &m, &tail) != 2) return -1;
    if (m > 59 || h > 24 || (h == 24 && m != 0)) return -1;
    return (int)(h * 60 + m);
}

static int day_list(const json_t *days, const char *path, tr_err *err) {
    if (!json_is_array(days) || json_array_size(days) == 0 || json_array_size(days) > 7)
        return tr_fail(err, TR_EINVAL, path,
                       "must be a list of 1 to 7 days of mon, tue, wed, thu, fri, sat, sun");
    unsigned seen = 0;
    size_t i;
    json_t *d;
    json_array_foreach(days, i, d) {
        const char *s = json_string_value(d);
        size_t k = 0;
        while (s && DAYS[k] && strcmp(DAYS[k], s) != 0)
            k++;
        if (!s || !DAYS[k] || (seen & (1u << k)))
            return tr_fail(err, TR_EINVAL, path,
                           "item %zu must be a day not listed before: mon, tue, wed, thu, fri, "
                           "sat or sun",
                           i);
        seen |= 1u << k;
    }
    return TR_OK;
}

/* One {"days", "open", "close"} at path. */
static int hours_item(const json_t *h, const char *path, tr_err *err) {
    static const char *const keys[] = {"days", "open", "close", NULL};
    char p[64];
    if (!json_is_object(h)) return tr_fail(err, TR_EINVAL, path, "must be an object {days, open, close}");
    if (tr_json_only_keys(h, keys, path, err)) return TR_EINVAL;
    if (day_list(json_object_get(h, "days"), tr_path(p, sizeof p, path, "days"), err)) return TR_EINVAL;
    int open = minutes(json_object_get(h, "open")), close = minutes(json_object_get(h, "close"));
    if (open < 0)
        return tr_fail(err, TR_EINVAL, tr_path(p, sizeof p, path, "open"), "must be a time HH:MM (UTC)");
    if (close < 0)
        return tr_fail(err, TR_EINVAL, tr_path(p, sizeof p, path, "close"), "must be a time HH:MM (UTC)");
    if (close <= open)
        return tr_fail(err, TR_EINVAL, tr_path(p, sizeof p, path, "close"), "must be later than open");
    return TR_OK;
}

static int hours_prop(const json_t *v, tr_checkpoint *out, tr_err *err) {
    if (!v || json_is_null(v)) return TR_OK;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > TR_CHECKPOINT_MAX_HOURS)
        return tr_fail(err, TR_EINVAL, "properties.opening_hours",
                       "must be a list of 1 to %d {days, open, close}", TR_CHECKPOINT_MAX_HOURS);
    size_t i;
    json_t *h;
    json_array_foreach(v, i, h) {
        char path[64];
        snprintf(path, sizeof path, "properties.opening_hours[%zu]", i);
        if (hours_item(h, path, err)) return TR_EINVAL;
    }
    out->hours = tr_json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    return out->hours ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

static int props(const json_t *p, tr_checkpoint *out, tr_err *err) {
    static const char *const keys[] = {"name", "controlled_by", "opening_hours", "visibility", NULL};
    if (!json_is_object(p)) return tr_fail(err, TR_EINVAL, "properties", "must be an object");
    if (tr_json_only_keys(p, keys, "properties", err)) return TR_EINVAL;
    if (tr_json_str(p, "name", "properties", 200, &out->name, err)) return TR_EINVAL;
    if (!out->name || !out->name[0]) return tr_fail(err, TR_EINVAL, "properties.name", "is required");
    if (tr_json_str(p, "controlled_by", "properties", 64, &out->party, err)) return TR_EINVAL;
    if (out->party && tr_name_check(out->party, "properties.controlled_by", err)) return TR_EINVAL;
    if (hours_prop(json_object_get(p, "opening_hours"), out, err)) return TR_EINVAL;
    return tr_vis_parse(json_object_get(p, "visibility"), "properties.visibility", &out->vis, err);
}

int tr_checkpoint_parse(const json_t *feature, tr_checkpoint *out, tr_err *err) {
    static const char *const keys[] = {"type", "geometry", "properties", NULL};
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    if (tr_json_feature(feature, keys, err)) goto out;
    if (props(json_object_get(feature, "properties"), out, err)) goto out;
    const json_t *geom = json_object_get(feature, "geometry");
    const char *gt = json_string_value(json_object_get(geom, "type"));
    if (!gt || strcmp(gt, "Point") != 0) {
        tr_fail(err, TR_EINVAL, "geometry", "must be a GeoJSON Point");
        goto out;
    }
    if (geo_point_from_geojson(geom, &out->lon, &out->lat, err)) {
        tr_err_prefix(err, "geometry");
        goto out;
    }
    rc = TR_OK;
out:
    if (rc) tr_checkpoint_clear(out);
    return rc;
}

json_t *tr_checkpoint_to_feature(const tr_checkpoint *k) {
    json_t *hours = k->hours ? json_loads(k->hours, 0, NULL) : json_null();
    return json_pack("{s:s, s:{s:s, s:[f, f]}, s:{s:I, s:s, s:s, s:s, s:o, s:o, s:o}}", "type", "Feature",
                     "geometry", "type", "Point", "coordinates", k->lon, k->lat, "properties", "id",
                     (json_int_t)k->id, "name", k->name, "owner", k->owner, "controlled_by", k->party,
                     "opening_hours", hours ? hours : json_null(), "visibility", tr_vis_to_json(&k->vis),
                     "created_at", tr_json_time_value(k->created_at));
}

bool tr_checkpoint_allows(const tr_checkpoint *k, const tr_party *viewer) {
    return tr_vis_allows(&k->vis, k->party, k->owner, viewer);
}

bool tr_checkpoint_allows_name(const tr_checkpoint *k, const char *name) {
    tr_party p = {.role = ROLE_OBSERVER};
    snprintf(p.name, sizeof p.name, "%s", name);
    return tr_vis_allows(&k->vis, k->party, k->owner, &p);
}
