/* agreement.c — ceasefires and arrangements: parties, excluded actors, zones, provisions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/names.h"
#include "base/timeutil.h"
#include "domain/domain.h"

static const char *const status_names[] = {TR_PROVISION_STATUS_MAP(TR_NAME_STR)};

TR_NAMES_DEFINE(tr_provision_status, tr_provision_status, status_names, PROV_STATUS_COUNT)

static void free_names(char **v, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void tr_agreement_clear(tr_agreement *a) {
    free(a->name);
    free(a->description);
    free_names(a->parties, a->nparties);
    free_names(a->excluded, a->nexcluded);
    free(a->zones);
    for (size_t i = 0; i < a->nprovisions; i++) {
        free(a->provisions[i].text);
        free(a->provisions[i].responsible);
    }
    free(a->provisions);
    free(a->created_by);
    tr_vis_clear(&a->vis);
    memset(a, 0, sizeof *a);
}

/* Reads an optional list of distinct, valid names at body[key]. */
static int parse_names(const json_t *body, const char *key, char ***out, size_t *n, tr_err *err) {
    json_t *v = json_object_get(body, key);
    *out = NULL;
    *n = 0;
    if (v == NULL || json_is_null(v)) return TR_OK;
    if (!json_is_array(v)) return tr_fail(err, TR_EINVAL, key, "must be a list of names");
    if (json_array_size(v) > 1000) return tr_fail(err, TR_EINVAL, key, "lists more than 1000 names");
    *out = calloc(json_array_size(v) + 1, sizeof **out);
    if (!*out) return tr_fail(err, TR_ENOMEM, key, "out of memory");
    for (size_t i = 0; i < json_array_size(v); i++) {
        char f[128];
        snprintf(f, sizeof f, "%s[%zu]", key, i);
        const char *s = json_string_value(json_array_get(v, i));
        if (s == NULL) return tr_fail(err, TR_EINVAL, f, "must be a name (string)");
        if (tr_name_check(s, f, err)) return TR_EINVAL;
        for (size_t j = 0; j < *n; j++)
            if (strcmp((*out)[j], s) == 0) return tr_fail(err, TR_EINVAL, f, "'%s' is listed twice", s);
        (*out)[(*n)++] = strdup(s);
    }
    return TR_OK;
}

static int parse_zones(const json_t *body, tr_agreement *a, tr_err *err) {
    json_t *v = json_object_get(body, "zones");
    if (v == NULL || json_is_null(v)) return TR_OK; /* everywhere */
    if (!json_is_array(v)) return tr_fail(err, TR_EINVAL, "zones", "must be a list of area ids");
    if (json_array_size(v) == 0)
        return tr_fail(err, TR_EINVAL, "zones",
                       "must list at least one area id; leave it out to mean everywhere");
    if (json_array_size(v) > 1000) return tr_fail(err, TR_EINVAL, "zones", "lists more than 1000 areas");
    a->zones = calloc(json_array_size(v), sizeof *a->zones);
    if (!a->zones) return tr_fail(err, TR_ENOMEM, "zones", "out of memory");
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        char f[64];
        snprintf(f, sizeof f, "zones[%zu]", i);
        if (!json_is_integer(e) || json_integer_value(e) <= 0)
            return tr_fail(err, TR_EINVAL, f, "must be an area id (a positive integer)");
        for (size_t j = 0; j < a->nzones; j++)
            if (a->zones[j] == json_integer_value(e))
                return tr_fail(err, TR_EINVAL, f, "area %lld is listed twice", (long long)a->zones[j]);
        a->zones[a->nzones++] = json_integer_value(e);
    }
    return TR_OK;
}

static const char *const provision_keys[] = {"text", "responsible", "deadline", "status", NULL};

static int parse_provision(const json_t *v, const char *path, tr_provision *p, tr_err *err) {
    char f[128];
    if (!json_is_object(v)) return tr_fail(err, TR_EINVAL, path, "must be an object with text");
    if (tr_json_only_keys(v, provision_keys, path, err)) return TR_EINVAL;
    if (tr_json_str(v, "text", path, 4000, &p->text, err)) return TR_EINVAL;
    if (p->text == NULL || p->text[0] == '\0')
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "text"), "is required");
    if (tr_json_str(v, "responsible", path, TR_NAME_MAX, &p->responsible, err)) return TR_EINVAL;
    if (p->responsible && tr_name_check(p->responsible, tr_path(f, sizeof f, path, "responsible"), err))
        return TR_EINVAL;
    if (tr_json_time(v, "deadline", path, TR_TIME_OPEN, &p->deadline, err)) return TR_EINVAL;
    json_t *s = json_object_get(v, "status");
    p->status = PROV_PENDING;
    if (s && !json_is_null(s) &&
        (!json_is_string(s) || tr_provision_status_parse(json_string_value(s), &p->status)))
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "status"),
                       "must be one of pending, in_progress, done, late, disputed");
    return TR_OK;
}

static int parse_provisions(const json_t *body, tr_agreement *a, tr_err *err) {
    json_t *v = json_object_get(body, "provisions");
    if (v == NULL || json_is_null(v)) return TR_OK;
    if (!json_is_array(v)) return tr_fail(err, TR_EINVAL, "provisions", "must be a list");
    if (json_array_size(v) > 1000) return tr_fail(err, TR_EINVAL, "provisions", "lists more than 1000");
    a->provisions = calloc(json_array_size(v) + 1, sizeof *a->provisions);
    if (!a->provisions) return tr_fail(err, TR_ENOMEM, "provisions", "out of memory");
    for (size_t i = 0; i < json_array_size(v); i++) {
        char f[64];
        snprintf(f, sizeof f, "provisions[%zu]", i);
        tr_provision *p = &a->provisions[a->nprovisions++];
        p->seq = (int)i + 1;
        if (parse_provision(json_array_get(v, i), f, p, err)) return TR_EINVAL;
    }
    return TR_OK;
}

static const char *const agreement_keys[] = {
    "name",  "description", "start",      "end", "parties", "excluded_actors",
    "zones", "provisions",  "visibility", NULL};

int tr_agreement_parse(const json_t *body, tr_agreement *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    if (!json_is_object(body)) {
        tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
        goto out;
    }
    if (tr_json_only_keys(body, agreement_keys, "", err)) goto out;
    if (tr_json_str(body, "name", "", 200, &out->name, err)) goto out;
    if (out->name == NULL || out->name[0] == '\0') {
        tr_fail(err, TR_EINVAL, "name", "is required");
        goto out;
    }
    if (tr_json_str(body, "description", "", 8000, &out->description, err)) goto out;
    if (tr_json_time(body, "start", "", TR_TIME_MIN, &out->start, err) ||
        tr_json_time(body, "end", "", TR_TIME_OPEN, &out->end, err))
        goto out;
    if (out->start == TR_TIME_MIN) {
        tr_fail(err, TR_EINVAL, "start", "is required (RFC 3339 time)");
        goto out;
    }
    if (out->end <= out->start) {
        tr_fail(err, TR_EINVAL, "end", "must be later than start");
        goto out;
    }
    if (parse_names(body, "parties", &out->parties, &out->nparties, err) ||
        parse_names(body, "excluded_actors", &out->excluded, &out->nexcluded, err) ||
        parse_zones(body, out, err) || parse_provisions(body, out, err))
        goto out;
    for (size_t i = 0; i < out->nexcluded; i++)
        for (size_t j = 0; j < out->nparties; j++)
            if (strcmp(out->excluded[i], out->parties[j]) == 0) {
                char f[64];
                snprintf(f, sizeof f, "excluded_actors[%zu]", i);
                tr_fail(err, TR_EINVAL, f, "'%s' is also a participating party", out->excluded[i]);
                goto out;
            }
    rc = tr_vis_parse(json_object_get(body, "visibility"), "visibility", &out->vis, err);
out:
    if (rc != TR_OK) tr_agreement_clear(out);
    return rc;
}

bool tr_agreement_visible(const tr_agreement *a, const tr_party *viewer) {
    if (tr_vis_allows(&a->vis, NULL, a->created_by, viewer)) return true;
    for (size_t i = 0; i < a->nparties; i++)
        if (strcmp(a->parties[i], viewer->name) == 0) return true;
    return false;
}

bool tr_agreement_in_force(const tr_agreement *a, int64_t t) {
    return a->start <= t && t < a->end;
}

static json_t *names_json(char **v, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

json_t *tr_agreement_to_json(const tr_agreement *a) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "version", json_integer(a->version));
    json_object_set_new(o, "name", json_string(a->name));
    if (a->description) json_object_set_new(o, "description", json_string(a->description));
    json_object_set_new(o, "start", tr_json_time_value(a->start));
    json_object_set_new(o, "end", tr_json_time_value(a->end));
    json_object_set_new(o, "parties", names_json(a->parties, a->nparties));
    json_object_set_new(o, "excluded_actors", names_json(a->excluded, a->nexcluded));
    if (a->nzones) {
        json_t *z = json_array();
        for (size_t i = 0; i < a->nzones; i++)
            json_array_append_new(z, json_integer(a->zones[i]));
        json_object_set_new(o, "zones", z);
    } else {
        json_object_set_new(o, "zones", json_null()); /* everywhere */
    }
    json_t *pv = json_array();
    for (size_t i = 0; i < a->nprovisions; i++) {
        const tr_provision *p = &a->provisions[i];
        json_t *j = json_object();
        if (p->id) json_object_set_new(j, "id", json_integer(p->id));
        json_object_set_new(j, "seq", json_integer(p->seq));
        json_object_set_new(j, "text", json_string(p->text));
        json_object_set_new(j, "responsible", p->responsible ? json_string(p->responsible) : json_null());
        json_object_set_new(j, "deadline", tr_json_time_value(p->deadline));
        json_object_set_new(j, "status", json_string(tr_provision_status_name(p->status)));
        json_array_append_new(pv, j);
    }
    json_object_set_new(o, "provisions", pv);
    json_object_set_new(o, "visibility", tr_vis_to_json(&a->vis));
    if (a->created_by) json_object_set_new(o, "created_by", json_string(a->created_by));
    json_object_set_new(o, "created_at", tr_json_time_value(a->created_at));
    return o;
}

int tr_agreement_may_write(const tr_party *by, tr_err *err) {
    if (tr_party_is_privileged(by) || by->role == ROLE_GUARANTOR) return TR_OK;
    return tr_fail(err, TR_EFORBIDDEN, "", "only admin, monitor and guarantor parties record agreements");
}
