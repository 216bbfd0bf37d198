/* json_util.c — small checked readers for the JSON bodies the parsers validate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "domain/domain.h"

const char *tr_path(char *buf, size_t n, const char *path, const char *key) {
    if (path == NULL || path[0] == '\0')
        snprintf(buf, n, "%s", key);
    else
        snprintf(buf, n, "%s.%s", path, key);
    return buf;
}

int tr_json_only_keys(const json_t *obj, const char *const *allowed, const char *path, tr_err *err) {
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) ok = 1;
        if (!ok) {
            char f[128];
            return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "unknown field '%s'", key);
        }
    }
    return TR_OK;
}

int tr_json_feature(const json_t *feature, const char *const *members, tr_err *err) {
    if (!json_is_object(feature)) return tr_fail(err, TR_EINVAL, "", "the body must be a GeoJSON Feature object");
    if (tr_json_only_keys(feature, members, "", err)) return TR_EINVAL;
    const char *type = json_string_value(json_object_get(feature, "type"));
    if (!type || strcmp(type, "Feature") != 0) return tr_fail(err, TR_EINVAL, "type", "must be \"Feature\"");
    return TR_OK;
}

int tr_json_time(const json_t *obj, const char *key, const char *path, int64_t dflt, int64_t *out,
                 tr_err *err) {
    char f[128];
    json_t *v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v)) {
        *out = dflt;
        return TR_OK;
    }
    if (!json_is_string(v))
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key),
                       "must be an RFC 3339 time string such as \"2016-02-27T00:00:00Z\"");
    if (tr_time_parse(json_string_value(v), out) != 0)
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key),
                       "'%.60s' is not an RFC 3339 time such as \"2016-02-27T00:00:00Z\"",
                       json_string_value(v));
    return TR_OK;
}

int tr_json_str(const json_t *obj, const char *key, const char *path, size_t maxlen, char **out,
                tr_err *err) {
    char f[128];
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) return TR_OK;
    if (!json_is_string(v))
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "must be a string");
    if (json_string_length(v) > maxlen)
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key),
                       "is longer than %zu bytes", maxlen);
    if (strlen(json_string_value(v)) != json_string_length(v))
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, key), "contains a NUL character");
    *out = strdup(json_string_value(v));
    return *out ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

json_t *tr_json_time_value(int64_t t) {
    if (t == TR_TIME_OPEN || t == TR_TIME_MIN) return json_null();
    char buf[TR_TIME_BUFSZ];
    return json_string(tr_time_format(t, buf));
}
