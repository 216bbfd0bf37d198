/*
 * report.c — the violation report value: ACLED's taxonomy as tables, the JSON parser
 * of POST /v1/reports, the JSON writer and the store hook for names. The bulk-intake
 * mappers (NDJSON, plain CSV, ACLED CSV, UCDP GED CSV), which all end in
 * tr_report_parse, are in report_formats.c.
 */
#include "domain/report.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/names.h"
#include "base/timeutil.h"
#include "domain/domain.h"
#include "geo/geo.h"

/* ---- taxonomy tables ---- */

static const char *const event_names[] = {TR_EVENT_TYPE_MAP(TR_NAME_STR)};

static const struct {
    tr_event_type parent;
    const char *name;
} sub_table[] = {{EV_COUNT, ""},
#define TR_SUB_ROW(e, p, s) {p, s},
                 TR_SUB_EVENT_TYPE_MAP(TR_SUB_ROW)
#undef TR_SUB_ROW
};

static const char *const source_names[] = {TR_SOURCE_KIND_MAP(TR_NAME_STR)};

static const char *const target_names[] = {TR_TARGET_KIND_MAP(TR_NAME_STR)};

static const char *const facility_names[] = {TR_FACILITY_MAP(TR_NAME_STR)};

TR_NAMES_DEFINE(tr_event_type, tr_event_type, event_names, EV_COUNT)

const char *tr_sub_event_type_name(tr_sub_event_type t) {
    return (unsigned)t < SUB_COUNT ? sub_table[t].name : "unknown";
}

int tr_sub_event_type_parse(const char *s, tr_sub_event_type *out) {
    for (int i = 1; s && i < SUB_COUNT; i++)
        if (strcmp(sub_table[i].name, s) == 0) {
            *out = (tr_sub_event_type)i;
            return 0;
        }
    return -1;
}

tr_event_type tr_sub_event_type_parent(tr_sub_event_type t) {
    return (unsigned)t < SUB_COUNT ? sub_table[t].parent : EV_COUNT;
}

TR_NAMES_DEFINE(tr_source_kind, tr_source_kind, source_names, SRC_COUNT)

TR_NAMES_DEFINE(tr_target_kind, tr_target_kind, target_names, TARGET_KIND_COUNT)

TR_NAMES_DEFINE(tr_facility, tr_facility, facility_names, FAC_COUNT)

/* ---- small checked readers ---- */

void tr_report_clear(tr_report *r) {
    TR_FREE(r->reporting_party, r->external_id, r->alleged_perpetrator, r->target.name,
            r->perpetrator_as_reported, r->target_as_reported, r->weapon, r->description, r->source_ref);
    for (size_t i = 0; i < r->nevidence; i++)
        free(r->evidence[i].url);
    free(r->evidence);
    free(r->language);
    memset(r, 0, sizeof *r);
}

/* Required precision code at body[key]: an integer 1..3. */
static int read_precision(const json_t *body, const char *key, const char *meaning, int *out, tr_err *err) {
    json_t *v = json_object_get(body, key);
    if (v == NULL || json_is_null(v)) return tr_fail(err, TR_EINVAL, key, "is required: %s", meaning);
    if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 3)
        return tr_fail(err, TR_EINVAL, key, "must be 1, 2 or 3 (%s)", meaning);
    *out = (int)json_integer_value(v);
    return TR_OK;
}

/* A string naming a party or actor before resolution: 1..TR_REPORT_MAX_PERP bytes,
 * no control characters. */
static int check_who(const char *s, const char *field, tr_err *err) {
    size_t n = strlen(s);
    if (n == 0) return tr_fail(err, TR_EINVAL, field, "must not be empty (leave it out when unknown)");
    if (n > TR_REPORT_MAX_PERP)
        return tr_fail(err, TR_EINVAL, field, "is longer than %d bytes", TR_REPORT_MAX_PERP);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return tr_fail(err, TR_EINVAL, field, "contains a control character");
    return TR_OK;
}

/* Suggests the exact spelling when s matches a name of the table but for case. */
static const char *case_match(const char *s, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (strcasecmp(names[i], s) == 0) return names[i];
    return NULL;
}

static int parse_types(const json_t *body, tr_report *r, tr_err *err) {
    json_t *v = json_object_get(body, "event_type");
    if (v == NULL || json_is_null(v))
        return tr_fail(err, TR_EINVAL, "event_type",
                       "is required: one of ACLED's event types, e.g. \"Battles\"");
    if (!json_is_string(v)) return tr_fail(err, TR_EINVAL, "event_type", "must be a string");
    const char *s = json_string_value(v);
    if (tr_event_type_parse(s, &r->event_type)) {
        const char *near = case_match(s, event_names, EV_COUNT);
        if (near)
            return tr_fail(err, TR_EINVAL, "event_type", "unknown event type '%.60s': did you mean '%s'?", s,
                           near);
        return tr_fail(err, TR_EINVAL, "event_type",
                       "unknown event type '%.60s': use ACLED's spelling, one of 'Battles', "
                       "'Explosions/Remote violence', 'Violence against civilians', 'Protests', "
                       "'Riots', 'Strategic developments'",
                       s);
    }
    v = json_object_get(body, "sub_event_type");
    r->sub_event_type = SUB_NONE;
    if (v == NULL || json_is_null(v)) return TR_OK;
    if (!json_is_string(v)) return tr_fail(err, TR_EINVAL, "sub_event_type", "must be a string");
    s = json_string_value(v);
    if (tr_sub_event_type_parse(s, &r->sub_event_type) == 0) {
        tr_event_type p = tr_sub_event_type_parent(r->sub_event_type);
        if (p != r->event_type)
            return tr_fail(err, TR_EINVAL, "sub_event_type", "'%s' is a sub-event type of '%s', not of '%s'",
                           s, tr_event_type_name(p), tr_event_type_name(r->event_type));
        return TR_OK;
    }
    char list[320] = "";
    size_t used = 0;
    for (int i = 1; i < SUB_COUNT; i++) {
        if (sub_table[i].parent != r->event_type) continue;
        if (strcasecmp(sub_table[i].name, s) == 0)
            return tr_fail(err, TR_EINVAL, "sub_event_type",
                           "unknown sub-event type '%.60s': did you mean '%s'?", s, sub_table[i].name);
        int w = snprintf(list + used, sizeof list - used, "%s'%s'", used ? ", " : "", sub_table[i].name);
        if (w > 0 && (size_t)w < sizeof list - used) used += (size_t)w;
    }
    return tr_fail(err, TR_EINVAL, "sub_event_type", "unknown sub-event type '%.60s' for '%s': use one of %s",
                   s, tr_event_type_name(r->event_type), list);
}

static int parse_location(const json_t *body, tr_report *r, tr_err *err) {
    json_t *v = json_object_get(body, "location");
    if (v == NULL || json_is_null(v))
        return tr_fail(err, TR_EINVAL, "location",
                       "is required: a GeoJSON Point {\"type\":\"Point\",\"coordinates\":[lon, lat]}");
    if (!json_is_object(v)) return tr_fail(err, TR_EINVAL, "location", "must be a GeoJSON Point object");
    if (geo_point_from_geojson(v, &r->lon, &r->lat, err)) {
        tr_err_prefix(err, "location");
        return TR_EINVAL;
    }
    return TR_OK;
}

/* Optional {"min": a, "max": b} at body[key]. */
static int parse_range(const json_t *body, const char *key, tr_range *out, tr_err *err) {
    static const char *const keys[] = {"min", "max", NULL};
    char f[64];
    json_t *v = json_object_get(body, key);
    memset(out, 0, sizeof *out);
    if (v == NULL || json_is_null(v)) return TR_OK;
    if (!json_is_object(v)) return tr_fail(err, TR_EINVAL, key, "must be an object {\"min\": n, \"max\": m}");
    if (tr_json_only_keys(v, keys, key, err)) return TR_EINVAL;
    int64_t val[2];
    for (int i = 0; i < 2; i++) {
        json_t *n = json_object_get(v, keys[i]);
        if (!json_is_integer(n) || json_integer_value(n) < 0 || json_integer_value(n) > TR_REPORT_MAX_COUNT)
            return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, key, keys[i]), "%s an integer from 0 to %d",
                           n ? "must be" : "is required:", TR_REPORT_MAX_COUNT);
        val[i] = json_integer_value(n);
    }
    if (val[0] > val[1])
        return tr_fail(err, TR_EINVAL, key, "min (%lld) is greater than max (%lld)", (long long)val[0],
                       (long long)val[1]);
    out->known = true;
    out->min = val[0];
    out->max = val[1];
    return TR_OK;
}

static int parse_target(const json_t *body, tr_report *r, tr_err *err) {
    static const char *const keys[] = {"kind", "name", "facility", "id", NULL};
    json_t *v = json_object_get(body, "target");
    tr_target *t = &r->target;
    if (v == NULL || json_is_null(v)) return TR_OK;
    if (!json_is_object(v))
        return tr_fail(err, TR_EINVAL, "target", "must be an object such as {\"kind\": \"civilians\"}");
    if (tr_json_only_keys(v, keys, "target", err)) return TR_EINVAL;
    json_t *k = json_object_get(v, "kind");
    if (!json_is_string(k) || tr_target_kind_parse(json_string_value(k), &t->kind))
        return tr_fail(err, TR_EINVAL, "target.kind",
                       "must be one of party, actor, civilians, facility, site, movement");
    t->present = true;
    if (tr_json_str(v, "name", "target", TR_REPORT_MAX_TEXT, &t->name, err)) return TR_EINVAL;
    json_t *id = json_object_get(v, "id");
    bool object = t->kind == TARGET_SITE || t->kind == TARGET_MOVEMENT;
    if (object) {
        if (!json_is_integer(id) || json_integer_value(id) <= 0)
            return tr_fail(err, TR_EINVAL, "target.id",
                           "is required: the id of the targeted %s (a positive integer)",
                           tr_target_kind_name(t->kind));
        t->object_id = json_integer_value(id);
    } else if (id != NULL && !json_is_null(id)) {
        return tr_fail(err, TR_EINVAL, "target.id", "applies only to a target of kind site or movement");
    }
    json_t *fac = json_object_get(v, "facility");
    bool has_fac = fac != NULL && !json_is_null(fac);
    if (t->kind == TARGET_PARTY || t->kind == TARGET_ACTOR) {
        if (t->name == NULL)
            return tr_fail(err, TR_EINVAL, "target.name", "is required: the name of the targeted %s",
                           tr_target_kind_name(t->kind));
        if (check_who(t->name, "target.name", err)) return TR_EINVAL;
    }
    if (t->kind != TARGET_FACILITY) {
        if (has_fac)
            return tr_fail(err, TR_EINVAL, "target.facility", "applies only to a target of kind facility");
        return TR_OK;
    }
    if (!has_fac)
        return tr_fail(err, TR_EINVAL, "target.facility",
                       "is required for a facility: hospital, school, "
                       "aid_warehouse, un_facility, aid_convoy, forces_position, market, place_of_worship, "
                       "water, power, residential or other");
    if (!json_is_string(fac) || tr_facility_parse(json_string_value(fac), &t->facility))
        return tr_fail(err, TR_EINVAL, "target.facility",
                       "unknown facility kind: use hospital, school, "
                       "aid_warehouse, un_facility, aid_convoy, forces_position, market, place_of_worship, "
                       "water, power, residential or other");
    return TR_OK;
}

static int parse_source(const json_t *body, tr_report *r, tr_err *err) {
    static const char *const keys[] = {"kind", "ref", NULL};
    json_t *v = json_object_get(body, "source");
    if (v == NULL || json_is_null(v))
        return tr_fail(err, TR_EINVAL, "source",
                       "is required: {\"kind\": party|monitor|humanitarian|media|public, \"ref\": ...}");
    if (!json_is_object(v))
        return tr_fail(err, TR_EINVAL, "source", "must be an object {\"kind\": ..., \"ref\": ...}");
    if (tr_json_only_keys(v, keys, "source", err)) return TR_EINVAL;
    json_t *k = json_object_get(v, "kind");
    if (!json_is_string(k) || tr_source_kind_parse(json_string_value(k), &r->source_kind))
        return tr_fail(err, TR_EINVAL, "source.kind",
                       "must be one of party, monitor, humanitarian, media, public");
    if (tr_json_str(v, "ref", "source", TR_REPORT_MAX_TEXT, &r->source_ref, err)) return TR_EINVAL;
    if (r->source_ref && r->source_ref[0] == '\0')
        return tr_fail(err, TR_EINVAL, "source.ref", "must not be empty (leave it out when there is none)");
    return TR_OK;
}

static int check_url(const char *u, const char *field, tr_err *err) {
    size_t skip = strncmp(u, "https://", 8) == 0 ? 8 : strncmp(u, "http://", 7) == 0 ? 7 : 0;
    if (skip == 0) return tr_fail(err, TR_EINVAL, field, "must be an http:// or https:// URL");
    if (u[skip] == '\0' || u[skip] == '/') return tr_fail(err, TR_EINVAL, field, "has no host");
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return tr_fail(err, TR_EINVAL, field, "contains a space or control character");
    return TR_OK;
}

/* Copies a SHA-256 hex digest to out in lowercase, or fails naming the problem. */
static int check_sha256(const char *s, const char *field, char out[65], tr_err *err) {
    size_t n = strlen(s);
    for (size_t i = 0; i < n && i < 64; i++)
        if (!isxdigit((unsigned char)s[i]))
            return tr_fail(err, TR_EINVAL, field,
                           "must be hexadecimal: character %zu ('%c') is not a hex digit", i + 1,
                           isprint((unsigned char)s[i]) ? s[i] : '?');
    if (n != 64)
        return tr_fail(err, TR_EINVAL, field, "must be 64 hexadecimal digits (a SHA-256 digest), not %zu", n);
    for (size_t i = 0; i < 64; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[64] = '\0';
    return TR_OK;
}

static int parse_evidence(const json_t *body, tr_report *r, tr_err *err) {
    static const char *const keys[] = {"url", "sha256", NULL};
    json_t *v = json_object_get(body, "evidence");
    if (v == NULL || json_is_null(v)) return TR_OK;
    if (!json_is_array(v))
        return tr_fail(err, TR_EINVAL, "evidence", "must be an array of {\"url\", \"sha256\"}");
    size_t n = json_array_size(v);
    if (n > TR_REPORT_MAX_EVIDENCE)
        return tr_fail(err, TR_EINVAL, "evidence", "holds more than %d items", TR_REPORT_MAX_EVIDENCE);
    if (n == 0) return TR_OK;
    r->evidence = calloc(n, sizeof *r->evidence);
    if (!r->evidence) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; i < n; i++) {
        char path[32], f[64];
        json_t *e = json_array_get(v, i);
        snprintf(path, sizeof path, "evidence[%zu]", i);
        if (!json_is_object(e))
            return tr_fail(err, TR_EINVAL, path, "must be an object {\"url\", \"sha256\"}");
        if (tr_json_only_keys(e, keys, path, err)) return TR_EINVAL;
        tr_evidence *ev = &r->evidence[r->nevidence++];
        if (tr_json_str(e, "url", path, TR_REPORT_MAX_URL, &ev->url, err)) return TR_EINVAL;
        if (ev->url == NULL) return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "url"), "is required");
        if (check_url(ev->url, tr_path(f, sizeof f, path, "url"), err)) return TR_EINVAL;
        json_t *h = json_object_get(e, "sha256");
        if (!json_is_string(h))
            return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "sha256"),
                           "is required: the SHA-256 of the item as 64 hexadecimal digits");
        if (check_sha256(json_string_value(h), tr_path(f, sizeof f, path, "sha256"), ev->sha256, err))
            return TR_EINVAL;
    }
    return TR_OK;
}

/* BCP 47, simplified: a primary subtag of 2-3 letters (ISO 639), then subtags of 1-8 letters or
 * digits, separated by "-"; at most 35 characters. */
static int check_language(const char *s, tr_err *err) {
    size_t n = strlen(s), run = 0, subtags = 0, primary = 0;
    bool ok = n > 0 && n <= 35;
    for (size_t i = 0; ok && i <= n; i++) {
        if (i == n || s[i] == '-') {
            ok = run >= 1 && run <= 8;
            if (subtags++ == 0) primary = run;
            run = 0;
        } else if (isalpha((unsigned char)s[i]) || (subtags > 0 && isdigit((unsigned char)s[i]))) {
            run++;
        } else {
            ok = false;
        }
    }
    if (!ok || primary < 2 || primary > 3)
        return tr_fail(err, TR_EINVAL, "language",
                       "'%.40s' is not a BCP 47 language tag such as \"ar\" or \"en-GB\"", s);
    return TR_OK;
}

static const char *const body_keys[] = {"occurred_at",
                                        "time_precision",
                                        "location",
                                        "geo_precision",
                                        "event_type",
                                        "sub_event_type",
                                        "alleged_perpetrator",
                                        "target",
                                        "fatalities",
                                        "injured",
                                        "weapon",
                                        "description",
                                        "source",
                                        "evidence",
                                        "language",
                                        "as_reported",
                                        NULL};

/* "as_reported": {"alleged_perpetrator"?, "target"?}, names the centre does not know. */
static int parse_as_reported(const json_t *body, tr_report *r, tr_err *err) {
    static const char *const keys[] = {"alleged_perpetrator", "target", NULL};
    const json_t *a = json_object_get(body, "as_reported");
    if (!a || json_is_null(a)) return TR_OK;
    if (!json_is_object(a)) return tr_fail(err, TR_EINVAL, "as_reported", "must be an object");
    if (tr_json_only_keys(a, keys, "as_reported", err)) return TR_EINVAL;
    if (tr_json_str(a, "alleged_perpetrator", "as_reported", TR_REPORT_MAX_PERP + 1,
                    &r->perpetrator_as_reported, err) ||
        tr_json_str(a, "target", "as_reported", TR_REPORT_MAX_PERP + 1, &r->target_as_reported, err))
        return err->code;
    if (r->perpetrator_as_reported &&
        check_who(r->perpetrator_as_reported, "as_reported.alleged_perpetrator", err))
        return TR_EINVAL;
    return r->target_as_reported ? check_who(r->target_as_reported, "as_reported.target", err) : TR_OK;
}

static int parse_body(const json_t *body, int64_t now, tr_report *r, tr_err *err) {
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the report must be a JSON object");
    if (tr_json_only_keys(body, body_keys, "", err)) return TR_EINVAL;
    json_t *t = json_object_get(body, "occurred_at");
    if (t == NULL || json_is_null(t))
        return tr_fail(err, TR_EINVAL, "occurred_at",
                       "is required: an RFC 3339 time such as \"2016-09-19T19:30:00Z\"");
    if (tr_json_time(body, "occurred_at", "", 0, &r->occurred_at, err)) return TR_EINVAL;
    if (r->occurred_at > now + TR_REPORT_CLOCK_SKEW) {
        char b[TR_TIME_BUFSZ];
        return tr_fail(err, TR_EINVAL, "occurred_at", "is in the future (now is %s)", tr_time_format(now, b));
    }
    if (read_precision(body, "time_precision", "1 exact day or time, 2 within a week, 3 within a month",
                       &r->time_precision, err) ||
        parse_location(body, r, err) ||
        read_precision(body, "geo_precision",
                       "1 the place itself, 2 near it or part of a region, 3 a larger region",
                       &r->geo_precision, err) ||
        parse_types(body, r, err))
        return TR_EINVAL;
    if (tr_json_str(body, "alleged_perpetrator", "", TR_REPORT_MAX_PERP + 1, &r->alleged_perpetrator, err))
        return err->code;
    if (r->alleged_perpetrator && check_who(r->alleged_perpetrator, "alleged_perpetrator", err))
        return TR_EINVAL;
    if (parse_target(body, r, err) || parse_as_reported(body, r, err) ||
        parse_range(body, "fatalities", &r->fatalities, err) ||
        parse_range(body, "injured", &r->injured, err))
        return err->code;
    if (tr_json_str(body, "weapon", "", TR_REPORT_MAX_TEXT, &r->weapon, err) ||
        tr_json_str(body, "description", "", TR_REPORT_MAX_DESCRIPTION, &r->description, err) ||
        parse_source(body, r, err) || parse_evidence(body, r, err) ||
        tr_json_str(body, "language", "", 64, &r->language, err))
        return err->code;
    if (r->language && check_language(r->language, err)) return TR_EINVAL;
    return TR_OK;
}

int tr_report_parse(const json_t *body, int64_t now, tr_report *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    int rc = parse_body(body, now, out, err);
    if (rc != TR_OK) tr_report_clear(out);
    return rc;
}

/* ---- back to JSON ---- */

static void set_str(json_t *o, const char *key, const char *s) {
    if (s) json_object_set_new(o, key, json_string(s));
}

static json_t *range_json(const tr_range *r) {
    return json_pack("{sIsI}", "min", (json_int_t)r->min, "max", (json_int_t)r->max);
}

json_t *tr_report_to_json(const tr_report *r) {
    json_t *o = json_object();
    if (!o) return NULL;
    if (r->id) json_object_set_new(o, "id", json_integer(r->id));
    set_str(o, "reporting_party", r->reporting_party);
    if (r->received_at) json_object_set_new(o, "received_at", tr_json_time_value(r->received_at));
    set_str(o, "external_id", r->external_id);
    json_object_set_new(o, "occurred_at", tr_json_time_value(r->occurred_at));
    json_object_set_new(o, "time_precision", json_integer(r->time_precision));
    json_object_set_new(o, "location",
                        json_pack("{sss[ff]}", "type", "Point", "coordinates", r->lon, r->lat));
    json_object_set_new(o, "geo_precision", json_integer(r->geo_precision));
    json_object_set_new(o, "event_type", json_string(tr_event_type_name(r->event_type)));
    if (r->sub_event_type != SUB_NONE)
        json_object_set_new(o, "sub_event_type", json_string(tr_sub_event_type_name(r->sub_event_type)));
    set_str(o, "alleged_perpetrator", r->alleged_perpetrator);
    if (r->target.present) {
        json_t *t = json_pack("{ss}", "kind", tr_target_kind_name(r->target.kind));
        set_str(t, "name", r->target.name);
        if (r->target.kind == TARGET_FACILITY) set_str(t, "facility", tr_facility_name(r->target.facility));
        if (r->target.object_id) json_object_set_new(t, "id", json_integer(r->target.object_id));
        json_object_set_new(o, "target", t);
    }
    if (r->perpetrator_as_reported || r->target_as_reported) {
        json_t *a = json_object();
        set_str(a, "alleged_perpetrator", r->perpetrator_as_reported);
        set_str(a, "target", r->target_as_reported);
        json_object_set_new(o, "as_reported", a);
    }
    if (r->fatalities.known) json_object_set_new(o, "fatalities", range_json(&r->fatalities));
    if (r->injured.known) json_object_set_new(o, "injured", range_json(&r->injured));
    set_str(o, "weapon", r->weapon);
    set_str(o, "description", r->description);
    json_t *src = json_pack("{ss}", "kind", tr_source_kind_name(r->source_kind));
    set_str(src, "ref", r->source_ref);
    json_object_set_new(o, "source", src);
    if (r->nevidence) {
        json_t *a = json_array();
        for (size_t i = 0; i < r->nevidence; i++)
            json_array_append_new(
                a, json_pack("{ssss}", "url", r->evidence[i].url, "sha256", r->evidence[i].sha256));
        json_object_set_new(o, "evidence", a);
    }
    set_str(o, "language", r->language);
    return o;
}

/* ---- the store hook ---- */

static int resolve_one(char **name, tr_who *who, tr_name_resolver fn, void *ctx, const char *field,
                       const char *what, tr_err *err) {
    char canon[TR_NAME_MAX + 1] = "";
    int rc = fn(ctx, *name, who, canon, sizeof canon, err);
    if (rc == TR_ENOTFOUND)
        return tr_fail(err, TR_EINVAL, field, "no party or actor is named '%.80s'%s", *name, what);
    if (rc) return rc;
    if (canon[0] != '\0' && strcmp(canon, *name) != 0) {
        char *c = strdup(canon);
        if (!c) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        free(*name);
        *name = c;
    }
    return TR_OK;
}

/* An unknown name (omit): moved to *kept, the field left without a name. */
static void keep_as_reported(char **name, char **kept) {
    free(*kept);
    *kept = *name;
    *name = NULL;
}

static int resolve(tr_report *r, tr_name_resolver fn, void *ctx, bool omit, tr_err *err) {
    tr_err e = {0};
    if (r->alleged_perpetrator &&
        resolve_one(&r->alleged_perpetrator, &r->perpetrator_is, fn, ctx, "alleged_perpetrator",
                    " (leave alleged_perpetrator out when unknown)", &e)) {
        if (!omit || e.code != TR_EINVAL) return tr_fail(err, e.code, e.field, "%s", e.msg);
        keep_as_reported(&r->alleged_perpetrator, &r->perpetrator_as_reported);
    }
    tr_target *t = &r->target;
    if (!t->present || (t->kind != TARGET_PARTY && t->kind != TARGET_ACTOR)) return TR_OK;
    tr_who who = WHO_UNRESOLVED;
    if (resolve_one(&t->name, &who, fn, ctx, "target.name", "", &e)) {
        if (!omit || e.code != TR_EINVAL) return tr_fail(err, e.code, e.field, "%s", e.msg);
        keep_as_reported(&t->name, &r->target_as_reported);
        memset(t, 0, sizeof *t); /* no target the centre knows */
        return TR_OK;
    }
    tr_target_kind found = who == WHO_PARTY ? TARGET_PARTY : TARGET_ACTOR;
    if (found != t->kind) {
        if (!t->kind_guessed)
            return tr_fail(err, TR_EINVAL, "target.kind", "'%s' is %s, not %s", t->name,
                           found == TARGET_PARTY ? "a party" : "an actor",
                           t->kind == TARGET_PARTY ? "a party" : "an actor");
        t->kind = found;
    }
    return TR_OK;
}

int tr_report_resolve(tr_report *r, tr_name_resolver fn, void *ctx, tr_err *err) {
    return resolve(r, fn, ctx, false, err);
}

int tr_report_resolve_omitting(tr_report *r, tr_name_resolver fn, void *ctx, tr_err *err) {
    return resolve(r, fn, ctx, true, err);
}
