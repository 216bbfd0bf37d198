/*
 * centre_movement_export.c — GET /v1/exports/movements: every movement the caller may
 * read (exactly as GET /v1/movements pages them), in one file a humanitarian's own tools
 * open: a GeoJSON FeatureCollection, or CSV with an HXL hashtag row (HDX) with the
 * convoy's manifest (cargo, organisations, vehicles, personnel) and clearance.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "engines/monitor_export.h"
#include "service/centre_dc.h"
#include "service/centre_int.h"

#define EXPORT_PAGE 1000

/* The HXL columns: a name row, then the hashtag row. */
static const char *const cols[][2] = {
    {"movement_id", "#activity+code"},
    {"kind", "#activity+type"},
    {"name", "#activity+name"},
    {"owner", "#org+name+notifier"},
    {"status", "#status"},
    {"time_start", "#date+start"},
    {"time_end", "#date+end"},
    {"cleared", "#status+cleared"},
    {"awaiting", "#org+awaiting"},
    {"cargo", "#item+type"},
    {"cargo_tonnes", "#item+weight+total"},
    {"organisations", "#org+impl"},
    {"vehicles", "#indicator+vehicles+num"},
    {"personnel", "#indicator+personnel+num"},
    {"origin_lon", "#geo+lon+origin"},
    {"origin_lat", "#geo+lat+origin"},
    {"destination_lon", "#geo+lon+dest"},
    {"destination_lat", "#geo+lat+dest"},
};
#define NCOLS (sizeof cols / sizeof *cols)

static void put_field(mon_text *t, size_t i, const char *s) {
    if (i) mon_text_put(t, ",", 1);
    mon_text_csv(t, s);
}

/* A number: whole ones as integers, reals as the shortest round-trip decimal. */
static void put_number_field(mon_text *t, size_t i, const json_t *v) {
    char b[TR_REAL_BUFSZ];
    if (json_is_integer(v)) snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
    put_field(t, i, json_is_integer(v) ? b : json_is_real(v) ? tr_real_format(json_real_value(v), b) : NULL);
}

/* "food 120.5 t; medical 4.2 t (trauma kits)" and the tonnes summed. */
static void cargo_text(const json_t *cargo, mon_text *t, double *tonnes) {
    size_t i;
    json_t *c;
    char b[TR_REAL_BUFSZ];
    *tonnes = 0;
    json_array_foreach(cargo, i, c) {
        double w = json_number_value(json_object_get(c, "tonnes"));
        const char *d = json_string_value(json_object_get(c, "description"));
        *tonnes += w;
        mon_text_printf(t, "%s%s %s t", i ? "; " : "", json_string_value(json_object_get(c, "kind")),
                        tr_real_format(w, b));
        if (d) {
            mon_text_put(t, " (", 2);
            mon_text_put(t, d, strlen(d));
            mon_text_put(t, ")", 1);
        }
    }
}

/* The strings of a JSON array joined by "; " into t. */
static void joined(const json_t *a, mon_text *t) {
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        if (i) mon_text_put(t, "; ", 2);
        const char *s = json_string_value(v);
        mon_text_put(t, s ? s : "", s ? strlen(s) : 0);
    }
}

static void hxl_row(const json_t *f, mon_text *t) {
    const json_t *p = json_object_get(f, "properties");
    const json_t *route = json_object_get(json_object_get(f, "geometry"), "coordinates");
    const json_t *first = json_array_get(route, 0), *last = json_array_get(route, json_array_size(route) - 1);
    mon_text cargo = {0}, orgs = {0}, waiting = {0};
    double tonnes = 0;
    cargo_text(json_object_get(p, "cargo"), &cargo, &tonnes);
    joined(json_object_get(p, "organisations"), &orgs);
    joined(json_object_get(json_object_get(p, "clearance"), "missing"), &waiting);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(p, "id")));
    const char *texts[] = {id,
                           json_string_value(json_object_get(p, "kind")),
                           json_string_value(json_object_get(p, "name")),
                           json_string_value(json_object_get(p, "owner")),
                           json_string_value(json_object_get(p, "status")),
                           json_string_value(json_object_get(p, "time_start")),
                           json_string_value(json_object_get(p, "time_end")),
                           json_is_true(json_object_get(p, "cleared")) ? "yes" : "no",
                           waiting.p,
                           cargo.p};
    size_t i = 0;
    for (; i < sizeof texts / sizeof *texts; i++)
        put_field(t, i, texts[i]);
    json_t *w = json_object_get(p, "cargo") ? json_real(round(tonnes * 1000) / 1000) : NULL; /* to the kg */
    put_number_field(t, i++, w);
    json_decref(w);
    put_field(t, i++, orgs.p);
    put_number_field(t, i++, json_object_get(p, "vehicles"));
    put_number_field(t, i++, json_object_get(p, "personnel"));
    const json_t *xy[] = {json_array_get(first, 0), json_array_get(first, 1), json_array_get(last, 0),
                          json_array_get(last, 1)};
    for (size_t k = 0; k < 4; k++)
        put_number_field(t, i++, xy[k]);
    mon_text_put(t, "\n", 1);
    t->failed |= cargo.failed || orgs.failed || waiting.failed;
    free(cargo.p);
    free(orgs.p);
    free(waiting.p);
}

static int render(const json_t *features, bool hxl, char **text, size_t *len, tr_err *err) {
    if (!hxl) {
        json_t *fc = json_pack("{s:s, s:O}", "type", "FeatureCollection", "features", features);
        *text = fc ? tr_json_dumps(fc, JSON_COMPACT) : NULL;
        json_decref(fc);
        if (!*text) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        *len = strlen(*text);
        return TR_OK;
    }
    mon_text t = {0};
    for (int row = 0; row < 2; row++) {
        for (size_t i = 0; i < NCOLS; i++)
            put_field(&t, i, cols[i][row]);
        mon_text_put(&t, "\n", 1);
    }
    size_t i;
    json_t *f;
    json_array_foreach(features, i, f) hxl_row(f, &t);
    if (t.failed) {
        free(t.p);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    *text = t.p;
    *len = t.len;
    return TR_OK;
}

int centre_movement_export(centre *c, const centre_dc_filter *filter, const char *format, char **text,
                           size_t *len, const char **media_type, tr_err *err) {
    bool hxl = format && strcmp(format, "hxl") == 0;
    if (!format || (!hxl && strcmp(format, "geojson") != 0))
        return tr_fail(err, TR_EINVAL, "format", "must be geojson or hxl");
    centre_dc_filter f = *filter;
    f.limit = EXPORT_PAGE;
    f.after = 0;
    json_t *features = json_array();
    int64_t next = 0;
    int rc = features ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    do {
        f.after = next;
        if (rc == TR_OK) rc = centre_movement_list(c, &f, features, &next, err);
    } while (rc == TR_OK && next);
    if (rc == TR_OK) rc = render(features, hxl, text, len, err);
    json_decref(features);
    if (rc == TR_OK) *media_type = hxl ? "text/csv; charset=utf-8" : "application/geo+json";
    return rc;
}
