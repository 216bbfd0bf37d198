/*
 * manifest.c — what a convoy carries and who runs it (issue 18): the movement properties
 * cargo, organisations, vehicles and personnel, as humanitarian organisations notify a
 * convoy (the Logistics Cluster's cargo categories, tonnes; the agencies; the trucks and
 * the staff). Each is optional. They are kept as one canonical JSON text (keys sorted) in
 * the movement, and copied back into its properties when it is answered and logged.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "domain/site.h"

static const char *const CARGO_KINDS[] = {
    "food",      "medical", "nutrition", "shelter", "non_food_items", "water_sanitation",
    "education", "fuel",    "other",     NULL};

static bool known_cargo(const char *k) {
    for (size_t i = 0; CARGO_KINDS[i]; i++)
        if (strcmp(CARGO_KINDS[i], k) == 0) return true;
    return false;
}

/* Text a person typed: 1..max bytes, no control characters. */
static int check_text(const json_t *v, const char *field, size_t max, tr_err *err) {
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    if (!s || n == 0 || n > max) return tr_fail(err, TR_EINVAL, field, "must be text of 1 to %zu bytes", max);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return tr_fail(err, TR_EINVAL, field, "contains a control character");
    return TR_OK;
}

static int cargo_item(const json_t *c, size_t i, json_t *out, tr_err *err) {
    static const char *const keys[] = {"kind", "tonnes", "description", NULL};
    char path[64], f[80];
    snprintf(path, sizeof path, "properties.cargo[%zu]", i);
    if (!json_is_object(c)) return tr_fail(err, TR_EINVAL, path, "must be an object {\"kind\", \"tonnes\"}");
    if (tr_json_only_keys(c, keys, path, err)) return TR_EINVAL;
    const char *kind = json_string_value(json_object_get(c, "kind"));
    snprintf(f, sizeof f, "%s.kind", path);
    if (!kind || !known_cargo(kind))
        return tr_fail(err, TR_EINVAL, f,
                       "must be one of food, medical, nutrition, shelter, non_food_items, water_sanitation, "
                       "education, fuel, other");
    const json_t *t = json_object_get(c, "tonnes");
    double tonnes = json_number_value(t);
    snprintf(f, sizeof f, "%s.tonnes", path);
    if (!json_is_number(t) || !isfinite(tonnes) || tonnes < 0 || tonnes > TR_CARGO_MAX_TONNES)
        return tr_fail(err, TR_EINVAL, f, "must be a number of tonnes from 0 to %d", TR_CARGO_MAX_TONNES);
    const json_t *d = json_object_get(c, "description");
    snprintf(f, sizeof f, "%s.description", path);
    if (d && !json_is_null(d) && check_text(d, f, 200, err)) return TR_EINVAL;
    json_t *item = json_pack("{s:s, s:f}", "kind", kind, "tonnes", tonnes);
    if (d && !json_is_null(d)) json_object_set(item, "description", (json_t *)d);
    return json_array_append_new(out, item) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

static int parse_cargo(const json_t *v, json_t *m, tr_err *err) {
    if (!json_is_array(v) || json_array_size(v) > TR_MANIFEST_MAX_ITEMS)
        return tr_fail(err, TR_EINVAL, "properties.cargo",
                       "must be a list of at most %d {\"kind\", \"tonnes\"}", TR_MANIFEST_MAX_ITEMS);
    json_t *out = json_array();
    json_object_set_new(m, "cargo", out);
    for (size_t i = 0; i < json_array_size(v); i++)
        if (cargo_item(json_array_get(v, i), i, out, err)) return err->code;
    return TR_OK;
}

static int parse_organisations(const json_t *v, json_t *m, tr_err *err) {
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n > TR_MANIFEST_MAX_ITEMS)
        return tr_fail(err, TR_EINVAL, "properties.organisations", "must be a list of at most %d names",
                       TR_MANIFEST_MAX_ITEMS);
    for (size_t i = 0; i < n; i++) {
        char f[64];
        snprintf(f, sizeof f, "properties.organisations[%zu]", i);
        if (check_text(json_array_get(v, i), f, 200, err)) return TR_EINVAL;
        for (size_t k = 0; k < i; k++)
            if (json_equal(json_array_get(v, i), json_array_get(v, k)))
                return tr_fail(err, TR_EINVAL, f, "'%s' is listed twice",
                               json_string_value(json_array_get(v, i)));
    }
    json_object_set(m, "organisations", (json_t *)v);
    return TR_OK;
}

static int parse_count(const json_t *props, const char *key, json_int_t max, json_t *m, tr_err *err) {
    const json_t *v = json_object_get(props, key);
    if (!v || json_is_null(v)) return TR_OK;
    char f[48];
    snprintf(f, sizeof f, "properties.%s", key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
        return tr_fail(err, TR_EINVAL, f, "must be a whole number from 0 to %lld", (long long)max);
    json_object_set(m, key, (json_t *)v);
    return TR_OK;
}

int tr_manifest_parse(const json_t *props, char **out, tr_err *err) {
    *out = NULL;
    json_t *m = json_object();
    if (!m) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    const json_t *cargo = json_object_get(props, "cargo"), *orgs = json_object_get(props, "organisations");
    int rc = TR_OK;
    if (cargo && !json_is_null(cargo)) rc = parse_cargo(cargo, m, err);
    if (rc == TR_OK && orgs && !json_is_null(orgs)) rc = parse_organisations(orgs, m, err);
    if (rc == TR_OK) rc = parse_count(props, "vehicles", TR_MANIFEST_MAX_VEHICLES, m, err);
    if (rc == TR_OK) rc = parse_count(props, "personnel", TR_MANIFEST_MAX_PERSONNEL, m, err);
    if (rc == TR_OK && json_object_size(m) > 0 && !(*out = tr_json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(m);
    return rc;
}

int tr_manifest_to_props(const char *manifest, json_t *props) {
    if (!manifest) return TR_OK;
    json_t *m = json_loads(manifest, 0, NULL);
    if (!json_is_object(m)) {
        json_decref(m);
        return TR_EIO;
    }
    json_object_update(props, m);
    json_decref(m);
    return TR_OK;
}

double tr_manifest_tonnes(const char *manifest) {
    json_t *m = manifest ? json_loads(manifest, 0, NULL) : NULL;
    double t = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(m, "cargo"), i, c) t +=
        json_number_value(json_object_get(c, "tonnes"));
    json_decref(m);
    return t;
}
