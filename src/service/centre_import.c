/* centre_import.c — loading a scenario file (scenarios/README.md) in one transaction. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "service/centre_int.h"

typedef struct import_ctx {
    centre *c;
    tr_party by;           /* who the import acts as: the scenario's admin party */
    centre_pending pending;
    json_t *keys;          /* area key -> id */
    json_t *tokens;        /* [name, role, token] lines, written after commit */
    const centre_scenario_opts *o;
} import_ctx;

static const char *const scenario_keys[] = {"scenario", "title", "illustrative", "sources", "parties",
                                            "actors", "areas", "agreements", NULL};

static int import_parties(import_ctx *x, const json_t *parties, tr_err *err) {
    static const char *const keys[] = {"name", "role", "full_name", "description", NULL};
    size_t i;
    json_t *p;
    json_array_foreach(parties, i, p) {
        char path[64], token[CENTRE_TOKEN_LEN + 1];
        snprintf(path, sizeof path, "parties[%zu]", i);
        if (!json_is_object(p)) return tr_fail(err, TR_EINVAL, path, "must be an object");
        if (tr_json_only_keys(p, keys, path, err)) return TR_EINVAL;
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *role = json_string_value(json_object_get(p, "role"));
        const char *full = json_string_value(json_object_get(p, "full_name"));
        int rc = centre__party_add_tx(x->c, CENTRE_OPERATOR, name, role, full, token, err);
        if (rc) {
            tr_err_prefix(err, path);
            return rc;
        }
        if (role && strcmp(role, "admin") == 0 && x->by.name[0] == '\0')
            snprintf(x->by.name, sizeof x->by.name, "%s", name);
        json_array_append_new(x->tokens, json_pack("[sss]", name, role, token));
    }
    return TR_OK;
}

static int import_actors(import_ctx *x, const json_t *actors, tr_err *err) {
    size_t i;
    json_t *a;
    json_array_foreach(actors, i, a) {
        char path[64];
        snprintf(path, sizeof path, "actors[%zu]", i);
        int rc = centre__actor_add_tx(x->c, CENTRE_OPERATOR, NULL, json_string_value(json_object_get(a, "name")),
                                      json_string_value(json_object_get(a, "full_name")), NULL, err);
        if (rc) {
            tr_err_prefix(err, path);
            return rc;
        }
    }
    return TR_OK;
}

/* Writes one version of an area (id 0: a new area). Returns the id via *id. */
static int import_version(import_ctx *x, const json_t *feature, int64_t *id, const char *path, tr_err *err) {
    tr_area a;
    json_t *use = NULL, *report = NULL;
    int rc = centre__area_input(feature, &x->c->limits, x->o->make_valid, &use, &report, err);
    if (rc == TR_OK && (rc = tr_area_parse(use, 0, &x->c->limits, &a, err)) == TR_OK) {
        a.id = *id;
        rc = centre__area_write_tx(x->c, &x->by, &a, 0, &x->pending, NULL, err);
        if (rc == TR_OK) *id = x->pending.areas[x->pending.nareas - 1].id;
        if (rc == TR_OK && x->o->repaired && json_is_true(json_object_get(report, "repaired")))
            x->o->repaired(x->o->repaired_ctx, path,
                           json_string_value(json_object_get(json_object_get(use, "properties"), "name")),
                           report);
        tr_area_clear(&a);
    }
    json_decref(use);
    json_decref(report);
    if (rc) tr_err_prefix(err, path);
    return rc;
}

static int import_areas(import_ctx *x, const json_t *areas, bool skip_regions, tr_err *err) {
    size_t i, j;
    json_t *entry, *v;
    json_array_foreach(areas, i, entry) {
        char path[96];
        snprintf(path, sizeof path, "areas[%zu]", i);
        const char *key = json_string_value(json_object_get(entry, "key"));
        json_t *versions = json_object_get(entry, "versions");
        if (!key || !json_is_array(versions) || json_array_size(versions) == 0)
            return tr_fail(err, TR_EINVAL, path, "needs a key and a non-empty list of versions");
        if (json_object_get(x->keys, key)) return tr_fail(err, TR_EINVAL, path, "key '%s' is used twice", key);
        const char *kind = json_string_value(json_object_get(
            json_object_get(json_array_get(versions, 0), "properties"), "kind"));
        if (skip_regions && kind && strcmp(kind, "region") == 0) continue;
        int64_t id = 0;
        json_array_foreach(versions, j, v) {
            char vpath[128];
            snprintf(vpath, sizeof vpath, "%s.versions[%zu]", path, j);
            if (import_version(x, v, &id, vpath, err)) return TR_EINVAL;
        }
        json_object_set_new(x->keys, key, json_integer(id));
    }
    return TR_OK;
}

/* The region's name in other languages from the file's own properties: OCHA's ADM1_AR
 * (ADM1_XX, but EN, which is the name), Natural Earth's name_ar (name_xx). NULL if none. */
static json_t *region_names(const json_t *props) {
    json_t *names = json_object();
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)props, k, v) {
        const char *t = json_string_value(v);
        char lang[4] = "";
        size_t n = strlen(k);
        if (n == 7 && strncmp(k, "ADM1_", 5) == 0 && isupper((unsigned char)k[5]) &&
            isupper((unsigned char)k[6]))
            lang[0] = (char)tolower((unsigned char)k[5]), lang[1] = (char)tolower((unsigned char)k[6]);
        else if (n == 7 && strncmp(k, "name_", 5) == 0 && islower((unsigned char)k[5]) &&
                 islower((unsigned char)k[6]))
            lang[0] = k[5], lang[1] = k[6];
        if (lang[0] && strcmp(lang, "en") != 0 && t && *t && strlen(t) <= 200)
            json_object_set_new(names, lang, json_string(t));
    }
    if (json_object_size(names) == 0) {
        json_decref(names);
        return NULL;
    }
    return names;
}

/* Region areas from a GeoJSON FeatureCollection (e.g. real governorate boundaries). */
static int import_regions(import_ctx *x, const char *path, tr_err *err) {
    json_error_t je;
    json_t *fc = json_load_file(path, 0, &je);
    if (!fc) return tr_fail(err, TR_EINVAL, "--regions", "%s: %s (line %d)", path, je.text, je.line);
    static const char *const name_props[] = {"ADM1_EN", "name", "NAME_1", "NAME", NULL};
    size_t i;
    json_t *f;
    int rc = json_is_array(json_object_get(fc, "features")) ? TR_OK
             : tr_fail(err, TR_EINVAL, "--regions", "%s is not a GeoJSON FeatureCollection", path);
    json_array_foreach(json_object_get(fc, "features"), i, f) {
        if (rc) break;
        json_t *props = json_object_get(f, "properties");
        const char *name = NULL;
        for (const char *const *k = name_props; !name && *k; k++)
            name = json_string_value(json_object_get(props, *k));
        char fpath[64];
        snprintf(fpath, sizeof fpath, "--regions features[%zu]", i);
        if (!name) {
            rc = tr_fail(err, TR_EINVAL, fpath, "has no name property (ADM1_EN, name, NAME_1)");
            break;
        }
        json_t *feature = json_pack("{s:s, s:O, s:{s:s, s:s, s:s, s:s}}", "type", "Feature", "geometry",
                                    json_object_get(f, "geometry"), "properties", "kind", "region",
                                    "name", name, "valid_from", "2011-01-01T00:00:00Z", "description",
                                    "Region boundary imported with --regions.");
        json_t *names = region_names(props);
        if (feature && names)
            json_object_set_new(json_object_get(feature, "properties"), "names", names);
        else
            json_decref(names);
        int64_t id = 0;
        rc = feature ? import_version(x, feature, &id, fpath, err) : tr_fail(err, TR_EINVAL, fpath, "has no geometry");
        json_decref(feature);
    }
    json_decref(fc);
    return rc;
}

static int import_agreements(import_ctx *x, const json_t *ags, tr_err *err) {
    size_t i, j;
    json_t *entry, *z;
    json_array_foreach(ags, i, entry) {
        char path[64];
        snprintf(path, sizeof path, "agreements[%zu]", i);
        json_t *body = json_deep_copy(entry);
        json_object_del(body, "key");
        json_t *zones = json_object_get(body, "zones");
        int rc = TR_OK;
        json_array_foreach(zones, j, z) {
            json_t *id = json_is_string(z) ? json_object_get(x->keys, json_string_value(z)) : NULL;
            if (!id) {
                rc = tr_fail(err, TR_EINVAL, "zones", "'%s' is not the key of an area in this scenario",
                             json_is_string(z) ? json_string_value(z) : "?");
                break;
            }
            json_array_set(zones, j, id);
        }
        tr_agreement a;
        memset(&a, 0, sizeof a);
        if (rc == TR_OK) rc = tr_agreement_parse(body, &a, err);
        if (rc == TR_OK) rc = centre__agreement_write_tx(x->c, &x->by, &a, &x->pending, NULL, err);
        tr_agreement_clear(&a);
        json_decref(body);
        if (rc) {
            tr_err_prefix(err, path);
            return rc;
        }
    }
    return TR_OK;
}

static int import_all(import_ctx *x, const json_t *sc, const char *regions_path, tr_err *err) {
    if (!json_is_object(sc)) return tr_fail(err, TR_EINVAL, "", "a scenario is a JSON object");
    if (tr_json_only_keys(sc, scenario_keys, "", err)) return TR_EINVAL;
    if (import_parties(x, json_object_get(sc, "parties"), err)) return TR_EINVAL;
    if (x->by.name[0] == '\0') snprintf(x->by.name, sizeof x->by.name, "import");
    if (import_actors(x, json_object_get(sc, "actors"), err)) return TR_EINVAL;
    if (regions_path && import_regions(x, regions_path, err)) return TR_EINVAL;
    if (import_areas(x, json_object_get(sc, "areas"), regions_path != NULL, err)) return TR_EINVAL;
    return import_agreements(x, json_object_get(sc, "agreements"), err);
}

int centre_import_scenario(centre *c, const char *path, const char *regions_path, FILE *tokens, tr_err *err) {
    centre_scenario_opts o = {.regions = regions_path};
    return centre_import_scenario_with(c, path, &o, tokens, err);
}

int centre_import_scenario_with(centre *c, const char *path, const centre_scenario_opts *o, FILE *tokens,
                                tr_err *err) {
    const char *regions_path = o->regions;
    json_error_t je;
    json_t *sc = json_load_file(path, 0, &je);
    if (!sc && je.line < 0) return tr_fail(err, TR_EINVAL, "FILE", "%s", je.text);
    if (!sc) return tr_fail(err, TR_EINVAL, "FILE", "%s: %s (line %d, column %d)", path, je.text, je.line, je.column);
    import_ctx x = {.c = c, .keys = json_object(), .tokens = json_array(), .o = o};
    x.by.role = ROLE_ADMIN;
    int rc = store_begin(c->store, err);
    if (rc == TR_OK) rc = centre__finish(c, &x.pending, import_all(&x, sc, regions_path, err), NULL, err);
    if (rc == TR_OK && tokens) {
        size_t i;
        json_t *t;
        json_array_foreach(x.tokens, i, t)
            fprintf(tokens, "%s\t%s\t%s\n", json_string_value(json_array_get(t, 0)),
                    json_string_value(json_array_get(t, 1)), json_string_value(json_array_get(t, 2)));
        fflush(tokens);
    }
    json_decref(x.tokens);
    json_decref(x.keys);
    json_decref(sc);
    return rc;
}
