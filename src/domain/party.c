/* party.c — roles, names and the visibility rule every read obeys. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/names.h"
#include "domain/domain.h"

static const char *const role_names[] = {TR_ROLE_MAP(TR_NAME_STR)};

TR_NAMES_DEFINE(tr_role, tr_role, role_names, ROLE_COUNT)

int tr_name_check(const char *name, const char *field, tr_err *err) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > TR_NAME_MAX)
        return tr_fail(err, TR_EINVAL, field, "a name must have 1 to %d characters", TR_NAME_MAX);
    if (!isalnum((unsigned char)name[0]))
        return tr_fail(err, TR_EINVAL, field, "name '%s' must start with a letter or digit", name);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && !strchr(" -_.()'&", c))
            return tr_fail(err, TR_EINVAL, field,
                           "name '%s' may hold only letters, digits, spaces and -_.()'&", name);
    }
    return TR_OK;
}

bool tr_party_is_privileged(const tr_party *p) {
    return p != NULL && (ROLE_BIT(p->role) & ROLES_PRIVILEGED) != 0;
}

void tr_vis_clear(tr_vis *v) {
    for (size_t i = 0; i < v->nparties; i++)
        free(v->parties[i]);
    free(v->parties);
    memset(v, 0, sizeof *v);
}

int tr_vis_parse(const json_t *v, const char *field, tr_vis *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    if (v == NULL || json_is_null(v) || (json_is_string(v) && strcmp(json_string_value(v), "public") == 0)) {
        out->is_public = true;
        return TR_OK;
    }
    if (!json_is_array(v))
        return tr_fail(err, TR_EINVAL, field, "must be \"public\" or a list of party names");
    size_t n = json_array_size(v);
    if (n > 256) return tr_fail(err, TR_EINVAL, field, "lists more than 256 parties");
    out->parties = calloc(n ? n : 1, sizeof *out->parties);
    if (!out->parties) return tr_fail(err, TR_ENOMEM, field, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        char f[128];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        if (!json_is_string(e)) {
            tr_vis_clear(out);
            return tr_fail(err, TR_EINVAL, f, "must be a party name");
        }
        int rc = tr_name_check(json_string_value(e), f, err);
        for (size_t j = 0; rc == TR_OK && j < out->nparties; j++)
            if (strcmp(out->parties[j], json_string_value(e)) == 0)
                rc = tr_fail(err, TR_EINVAL, f, "party '%s' is listed twice", out->parties[j]);
        if (rc != TR_OK) {
            tr_vis_clear(out);
            return rc;
        }
        out->parties[out->nparties++] = strdup(json_string_value(e));
    }
    return TR_OK;
}

int tr_vis_from_text(const char *text, tr_vis *out) {
    json_t *j = json_loads(text ? text : "\"public\"", JSON_DECODE_ANY, NULL);
    if (j == NULL) { /* damaged text fails closed: never read as public */
        memset(out, 0, sizeof *out);
        return TR_EINVAL;
    }
    int rc = tr_vis_parse(j, "visibility", out, NULL);
    json_decref(j);
    return rc;
}

json_t *tr_vis_to_json(const tr_vis *v) {
    if (v->is_public) return json_string("public");
    json_t *a = json_array();
    for (size_t i = 0; i < v->nparties; i++)
        json_array_append_new(a, json_string(v->parties[i]));
    return a;
}

char *tr_vis_to_text(const tr_vis *v) {
    json_t *j = tr_vis_to_json(v);
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    return s;
}

bool tr_vis_allows(const tr_vis *v, const char *owner, const char *creator, const tr_party *viewer) {
    if (viewer == NULL || tr_party_is_privileged(viewer) || v->is_public) return true;
    if (owner && strcmp(owner, viewer->name) == 0) return true;
    if (creator && strcmp(creator, viewer->name) == 0) return true;
    for (size_t i = 0; i < v->nparties; i++)
        if (strcmp(v->parties[i], viewer->name) == 0) return true;
    return false;
}
