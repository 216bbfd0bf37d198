/* mine.c — hazards, tasks, progress and accidents (see mine.h). */
#include "domain/mine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/mem.h"
#include "base/timeutil.h"

const char *const TR_MINE_DEVICES[] = {"AP mine", "AT mine", "UXO", "AXO", "IED", "cluster munition", NULL};
static const char *const HAZARD_KINDS[] = {"SHA", "CHA", NULL};
static const char *const HAZARD_STATUSES[] = {"open", "closed", "handed_over", NULL};
static const char *const TASK_KINDS[] = {"non_technical_survey", "technical_survey", "clearance", "eod_spot_task",
                                         NULL};
static const char *const TASK_STATUSES[] = {"planned", "active", "suspended", NULL};
static const char *const TASK_OUTCOMES[] = {"completed", "cancelled", NULL};
static const char *const ACCIDENT_KINDS[] = {"demining", "civilian", NULL};

static bool in_list(const char *s, const char *const *list) {
    for (size_t i = 0; s && list[i]; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

static void join(char *buf, size_t n, const char *const *list) {
    buf[0] = 0;
    for (size_t i = 0; list[i]; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", i ? ", " : "", list[i]);
    }
}

/* A required or optional string from a closed list. */
static int one_of(const json_t *obj, const char *key, const char *path, const char *const *list, const char *dflt,
                  char **out, tr_err *err) {
    char f[128], names[200];
    if (tr_json_str(obj, key, path, 64, out, err)) return TR_EINVAL;
    if (!*out) {
        if (!dflt) return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "is required");
        *out = strdup(dflt);
        return *out ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (in_list(*out, list)) return TR_OK;
    join(names, sizeof names, list);
    return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "unknown value '%.40s': use one of %s", *out,
                   names);
}

/* A whole number in [0, max]; absent or null gives dflt (-1: required). */
static int whole(const json_t *obj, const char *key, const char *path, int64_t max, int64_t dflt, int64_t *out,
                 tr_err *err) {
    char f[128];
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (dflt < 0 && dflt != -2) return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "is required");
        *out = dflt == -2 ? -1 : dflt;
        return TR_OK;
    }
    double d = json_number_value(v);
    if (!json_is_number(v) || !isfinite(d) || d != floor(d))
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "must be a whole number");
    if (d < 0) return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "must not be negative");
    if (d > (double)max)
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "must be at most %lld", (long long)max);
    *out = (int64_t)d;
    return TR_OK;
}
#define OPTIONAL (-2) /* whole(): absent gives -1 */
#define REQUIRED (-1)

static int positive_id(const json_t *obj, const char *key, bool required, int64_t *out, tr_err *err) {
    json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v || json_is_null(v)) return required ? tr_fail(err, TR_EINVAL, key, "is required") : TR_OK;
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return tr_fail(err, TR_EINVAL, key, "must be an id (a positive integer)");
    *out = json_integer_value(v);
    return TR_OK;
}

static int required_time(const json_t *obj, const char *key, const char *path, int64_t *out, tr_err *err) {
    char f[128];
    if (tr_json_time(obj, key, path, TR_TIME_MIN, out, err)) return TR_EINVAL;
    if (*out == TR_TIME_MIN) return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "is required");
    return TR_OK;
}

/* ---- hazards ---- */

void tr_hazard_clear(tr_hazard *h) {
    TR_FREE(h->owner, h->kind, h->name, h->status, h->contamination, h->evidence, h->geometry);
    memset(h, 0, sizeof *h);
}

int tr_hazard_status_check(const char *s, const char *field, tr_err *err) {
    char names[100];
    if (in_list(s, HAZARD_STATUSES)) return TR_OK;
    join(names, sizeof names, HAZARD_STATUSES);
    return tr_fail(err, TR_EINVAL, field, "unknown value '%.40s': use one of %s", s ? s : "", names);
}

/* A list of distinct device types, at path; empty allowed only if allow_empty. */
static int devices(const json_t *v, const char *path, json_t **out, tr_err *err) {
    char names[200];
    join(names, sizeof names, TR_MINE_DEVICES);
    if (!v) return tr_fail(err, TR_EINVAL, path, "is required");
    if (!json_is_array(v) || json_array_size(v) == 0)
        return tr_fail(err, TR_EINVAL, path, "must be a non-empty list of %s", names);
    *out = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        const char *s = json_string_value(x);
        int rc = TR_OK;
        if (!in_list(s, TR_MINE_DEVICES))
            rc = tr_fail(err, TR_EINVAL, path, "item %zu: unknown contamination '%.40s': use %s", i,
                         s ? s : "(not a string)", names);
        for (size_t k = 0; rc == TR_OK && k < i; k++)
            if (strcmp(s, json_string_value(json_array_get(v, k))) == 0)
                rc = tr_fail(err, TR_EINVAL, path, "'%s' is listed twice", s);
        if (rc) {
            json_decref(*out);
            *out = NULL;
            return rc;
        }
        json_array_append_new(*out, json_string(s));
    }
    return TR_OK;
}

static int hazard_props(const json_t *props, tr_hazard *out, tr_err *err) {
    static const char *const keys[] = {"kind", "name", "status", "contamination", "evidence", "estimated_m2", NULL};
    if (!json_is_object(props)) return tr_fail(err, TR_EINVAL, "properties", "must be an object");
    if (tr_json_only_keys(props, keys, "properties", err)) return TR_EINVAL;
    if (one_of(props, "kind", "properties", HAZARD_KINDS, NULL, &out->kind, err) ||
        one_of(props, "status", "properties", HAZARD_STATUSES, "open", &out->status, err) ||
        tr_json_str(props, "name", "properties", 200, &out->name, err) ||
        tr_json_str(props, "evidence", "properties", 4000, &out->evidence, err) ||
        whole(props, "estimated_m2", "properties", TR_MINE_MAX_M2, OPTIONAL, &out->estimated_m2, err))
        return TR_EINVAL;
    if (out->name && !out->name[0]) return tr_fail(err, TR_EINVAL, "properties.name", "must not be empty");
    json_t *list = NULL;
    if (devices(json_object_get(props, "contamination"), "properties.contamination", &list, err)) return TR_EINVAL;
    out->contamination = json_dumps(list, JSON_COMPACT);
    json_decref(list);
    return out->contamination ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

int tr_hazard_parse(const json_t *feature, const geo_limits *lim, tr_hazard *out, tr_err *err) {
    static const char *const keys[] = {"type", "geometry", "properties", NULL};
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    if (tr_json_feature(feature, keys, err)) goto out;
    if (hazard_props(json_object_get(feature, "properties"), out, err)) goto out;
    const json_t *geom = json_object_get(feature, "geometry");
    const char *gt = json_string_value(json_object_get(geom, "type"));
    if (!json_is_object(geom) || !gt || (strcmp(gt, "Polygon") != 0 && strcmp(gt, "MultiPolygon") != 0)) {
        tr_fail(err, TR_EINVAL, "geometry", "must be a GeoJSON Polygon or MultiPolygon");
        goto out;
    }
    geo_shape *shape = NULL;
    if ((rc = geo_shape_from_geojson(geom, 0, lim, &shape, err))) {
        tr_err_prefix(err, "geometry");
        goto out;
    }
    out->area_m2 = llround(geo_shape_area_m2(shape));
    out->box = geo_shape_box(shape);
    geo_shape_free(shape);
    out->geometry = tr_json_dumps(geom, JSON_COMPACT);
    rc = out->geometry ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
out:
    if (rc) tr_hazard_clear(out);
    return rc;
}

json_t *tr_hazard_to_feature(const tr_hazard *h) {
    json_t *p = json_object();
    json_object_set_new(p, "id", json_integer(h->id));
    json_object_set_new(p, "kind", json_string(h->kind));
    if (h->name) json_object_set_new(p, "name", json_string(h->name));
    json_object_set_new(p, "status", json_string(h->status));
    json_t *c = json_loads(h->contamination ? h->contamination : "[]", 0, NULL);
    json_object_set_new(p, "contamination", c ? c : json_array());
    if (h->evidence) json_object_set_new(p, "evidence", json_string(h->evidence));
    if (h->estimated_m2 >= 0) json_object_set_new(p, "estimated_m2", json_integer(h->estimated_m2));
    json_object_set_new(p, "area_m2", json_integer(h->area_m2));
    json_object_set_new(p, "owner", json_string(h->owner));
    json_object_set_new(p, "recorded_at", tr_json_time_value(h->recorded_at));
    json_t *g = json_loads(h->geometry ? h->geometry : "null", JSON_DECODE_ANY, NULL);
    return json_pack("{s:s, s:o, s:o}", "type", "Feature", "geometry", g ? g : json_null(), "properties", p);
}

/* ---- tasks ---- */

void tr_task_clear(tr_task *t) {
    free(t->owner);
    free(t->kind);
    free(t->operator_name);
    for (size_t i = 0; i < t->ncontributors; i++) free(t->contributors[i]);
    TR_FREE(t->contributors, t->status, t->close_outcome, t->closed_by);
    memset(t, 0, sizeof *t);
}

static int contributors(const json_t *v, tr_task *t, tr_err *err) {
    if (!v || json_is_null(v)) return TR_OK;
    if (!json_is_array(v) || json_array_size(v) > TR_MINE_MAX_CONTRIBUTORS)
        return tr_fail(err, TR_EINVAL, "contributors", "must be a list of at most %d party names",
                       TR_MINE_MAX_CONTRIBUTORS);
    t->contributors = calloc(json_array_size(v) + 1, sizeof *t->contributors);
    if (!t->contributors) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        char f[48];
        snprintf(f, sizeof f, "contributors[%zu]", i);
        const char *s = json_string_value(x);
        if (!s) return tr_fail(err, TR_EINVAL, f, "must be a party name");
        if (tr_name_check(s, f, err)) return TR_EINVAL;
        for (size_t k = 0; k < t->ncontributors; k++)
            if (strcmp(t->contributors[k], s) == 0) return tr_fail(err, TR_EINVAL, f, "'%s' is listed twice", s);
        if (!(t->contributors[t->ncontributors] = strdup(s))) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        t->ncontributors++;
    }
    return TR_OK;
}

int tr_task_parse(const json_t *body, tr_task *out, tr_err *err) {
    static const char *const keys[] = {"hazard_id", "kind", "operator", "contributors", "start", "end", "status",
                                       NULL};
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    if (!json_is_object(body)) {
        tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
        goto out;
    }
    if (tr_json_only_keys(body, keys, "", err) || positive_id(body, "hazard_id", true, &out->hazard_id, err) ||
        one_of(body, "kind", "", TASK_KINDS, NULL, &out->kind, err) ||
        tr_json_str(body, "operator", "", 200, &out->operator_name, err) ||
        contributors(json_object_get(body, "contributors"), out, err) ||
        required_time(body, "start", "", &out->start, err) ||
        tr_json_time(body, "end", "", TR_TIME_OPEN, &out->end, err) ||
        one_of(body, "status", "", TASK_STATUSES, "active", &out->status, err))
        goto out;
    if (!out->operator_name || !out->operator_name[0]) {
        tr_fail(err, TR_EINVAL, "operator", "is required (the organisation doing the task)");
        goto out;
    }
    if (out->end <= out->start) {
        tr_fail(err, TR_EINVAL, "end", "must be later than start");
        goto out;
    }
    rc = TR_OK;
out:
    if (rc) tr_task_clear(out);
    return rc;
}

json_t *tr_task_to_json(const tr_task *t) {
    json_t *cs = json_array();
    for (size_t i = 0; i < t->ncontributors; i++) json_array_append_new(cs, json_string(t->contributors[i]));
    return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:o}", "id", (json_int_t)t->id, "hazard_id",
                     (json_int_t)t->hazard_id, "kind", t->kind, "operator", t->operator_name, "contributors", cs,
                     "start", tr_json_time_value(t->start), "end", tr_json_time_value(t->end), "status", t->status,
                     "owner", t->owner, "created_at", tr_json_time_value(t->created_at));
}

int tr_task_close_parse(const json_t *body, int64_t *date, const char **outcome, tr_err *err) {
    static const char *const keys[] = {"date", "outcome", NULL};
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    if (tr_json_only_keys(body, keys, "", err) || required_time(body, "date", "", date, err)) return TR_EINVAL;
    char *o = NULL;
    int rc = one_of(body, "outcome", "", TASK_OUTCOMES, "completed", &o, err);
    for (size_t i = 0; rc == TR_OK && TASK_OUTCOMES[i]; i++)
        if (strcmp(o, TASK_OUTCOMES[i]) == 0) *outcome = TASK_OUTCOMES[i];
    free(o);
    return rc;
}

/* ---- progress ---- */

void tr_progress_clear(tr_progress *p) {
    free(p->party);
    free(p->items);
    memset(p, 0, sizeof *p);
}

static int items(const json_t *v, tr_progress *p, tr_err *err) {
    static const char *const keys[] = {"type", "found", "destroyed", NULL};
    static const char *const types[] = {"AP mine", "AT mine", "UXO", "AXO", "IED", "cluster munition",
                                        "small arms ammunition", NULL};
    json_t *list = json_array();
    if (v && !json_is_null(v) && (!json_is_array(v) || json_array_size(v) > 64)) {
        json_decref(list);
        return tr_fail(err, TR_EINVAL, "items", "must be a list of at most 64 {type, found, destroyed}");
    }
    size_t i;
    json_t *x;
    int rc = TR_OK;
    json_array_foreach(v, i, x) {
        char path[32], names[200], f[64];
        snprintf(path, sizeof path, "items[%zu]", i);
        int64_t found = 0, destroyed = 0;
        const char *type = json_string_value(json_object_get(x, "type"));
        if (!json_is_object(x)) {
            rc = tr_fail(err, TR_EINVAL, path, "must be an object {type, found, destroyed}");
        } else if (tr_json_only_keys(x, keys, path, err)) {
            rc = TR_EINVAL;
        } else if (!in_list(type, types)) {
            join(names, sizeof names, types);
            rc = tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "type"), "unknown item type '%.40s': use %s",
                         type ? type : "(not a string)", names);
        } else if (whole(x, "found", path, TR_MINE_MAX_COUNT, 0, &found, err) ||
                   whole(x, "destroyed", path, TR_MINE_MAX_COUNT, 0, &destroyed, err)) {
            rc = TR_EINVAL;
        }
        for (size_t k = 0; rc == TR_OK && k < i; k++)
            if (strcmp(type, json_string_value(json_object_get(json_array_get(v, k), "type"))) == 0)
                rc = tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "type"), "'%s' is listed twice", type);
        if (rc) break;
        json_array_append_new(list, json_pack("{s:s, s:I, s:I}", "type", type, "found", (json_int_t)found,
                                              "destroyed", (json_int_t)destroyed));
    }
    if (rc == TR_OK && !(p->items = json_dumps(list, JSON_COMPACT)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(list);
    return rc;
}

int tr_progress_parse(const json_t *body, tr_progress *out, tr_err *err) {
    static const char *const keys[] = {"date", "cleared_m2", "reduced_m2", "cancelled_m2", "items", "depth_cm", NULL};
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    if (!json_is_object(body)) {
        tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
        goto out;
    }
    if (tr_json_only_keys(body, keys, "", err) || required_time(body, "date", "", &out->date, err) ||
        whole(body, "cleared_m2", "", TR_MINE_MAX_M2, 0, &out->cleared_m2, err) ||
        whole(body, "reduced_m2", "", TR_MINE_MAX_M2, 0, &out->reduced_m2, err) ||
        whole(body, "cancelled_m2", "", TR_MINE_MAX_M2, 0, &out->cancelled_m2, err) ||
        whole(body, "depth_cm", "", 1000, OPTIONAL, &out->depth_cm, err) ||
        items(json_object_get(body, "items"), out, err))
        goto out;
    rc = TR_OK;
out:
    if (rc) tr_progress_clear(out);
    return rc;
}

int tr_progress_fits(const tr_progress *p, int64_t area_m2, int64_t released_m2, tr_err *err) {
    int64_t left = area_m2 - released_m2;
    if (left < 0) left = 0;
    const char *field = p->cleared_m2 > left ? "cleared_m2"
                        : p->cleared_m2 + p->reduced_m2 > left ? "reduced_m2"
                                                                : "cancelled_m2";
    if (tr_progress_released_m2(p) <= left) return TR_OK;
    return tr_fail(err, TR_EINVAL, field,
                   "cleared + reduced + cancelled = %lld m² is more than the %lld m² of the hazard that remain "
                   "(area %lld m², %lld m² already released)",
                   (long long)tr_progress_released_m2(p), (long long)left, (long long)area_m2,
                   (long long)released_m2);
}

json_t *tr_progress_to_json(const tr_progress *p) {
    json_t *it = json_loads(p->items ? p->items : "[]", 0, NULL);
    json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:o, s:I, s:I, s:I, s:o, s:o}", "id", (json_int_t)p->id, "task_id",
                          (json_int_t)p->task_id, "hazard_id", (json_int_t)p->hazard_id, "party", p->party, "date",
                          tr_json_time_value(p->date), "cleared_m2", (json_int_t)p->cleared_m2, "reduced_m2",
                          (json_int_t)p->reduced_m2, "cancelled_m2", (json_int_t)p->cancelled_m2, "items",
                          it ? it : json_array(), "created_at", tr_json_time_value(p->created_at));
    if (o && p->depth_cm >= 0) json_object_set_new(o, "depth_cm", json_integer(p->depth_cm));
    return o;
}

/* ---- accidents ---- */

void tr_accident_clear(tr_accident *a) {
    TR_FREE(a->party, a->kind, a->device, a->description);
    memset(a, 0, sizeof *a);
}

int tr_accident_parse(const json_t *body, tr_accident *out, tr_err *err) {
    static const char *const keys[] = {"kind", "date", "hazard_id", "task_id", "killed", "injured", "device",
                                       "description", NULL};
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    char names[200];
    if (!json_is_object(body)) {
        tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
        goto out;
    }
    if (tr_json_only_keys(body, keys, "", err) || one_of(body, "kind", "", ACCIDENT_KINDS, NULL, &out->kind, err) ||
        required_time(body, "date", "", &out->date, err) ||
        positive_id(body, "hazard_id", false, &out->hazard_id, err) ||
        positive_id(body, "task_id", strcmp(out->kind, "demining") == 0, &out->task_id, err) ||
        whole(body, "killed", "", TR_MINE_MAX_COUNT, 0, &out->killed, err) ||
        whole(body, "injured", "", TR_MINE_MAX_COUNT, 0, &out->injured, err) ||
        tr_json_str(body, "device", "", 64, &out->device, err) ||
        tr_json_str(body, "description", "", 4000, &out->description, err))
        goto out;
    if (out->device && !in_list(out->device, TR_MINE_DEVICES)) {
        join(names, sizeof names, TR_MINE_DEVICES);
        tr_fail(err, TR_EINVAL, "device", "unknown device '%.40s': use %s", out->device, names);
        goto out;
    }
    if (!out->hazard_id && !out->task_id) {
        tr_fail(err, TR_EINVAL, "hazard_id", "is required when there is no task_id");
        goto out;
    }
    rc = TR_OK;
out:
    if (rc) tr_accident_clear(out);
    return rc;
}

json_t *tr_accident_to_json(const tr_accident *a) {
    json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:I, s:I, s:o}", "id", (json_int_t)a->id, "party", a->party, "kind",
                          a->kind, "date", tr_json_time_value(a->date), "killed", (json_int_t)a->killed, "injured",
                          (json_int_t)a->injured, "created_at", tr_json_time_value(a->created_at));
    if (!o) return NULL;
    json_object_set_new(o, "hazard_id", a->hazard_id ? json_integer(a->hazard_id) : json_null());
    json_object_set_new(o, "task_id", a->task_id ? json_integer(a->task_id) : json_null());
    if (a->device) json_object_set_new(o, "device", json_string(a->device));
    if (a->description) json_object_set_new(o, "description", json_string(a->description));
    return o;
}
