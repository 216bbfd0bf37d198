/*
 * monitor_export.c — GeoJSON, HXL CSV and ACLED CSV rows of incidents (monitor_export.h).
 *
 * Every value is written by hand into one growable buffer: no JSON tree per feature, so
 * a million rows cost a million small appends. Strings are user text already checked as
 * UTF-8 at intake; JSON escapes quotes, backslashes and control characters, CSV quotes a
 * field holding a comma, quote, CR or LF (RFC 4180) and neutralises a leading =, +, - or
 * @ (spreadsheet formula injection) with a leading apostrophe.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/names.h"
#include "base/timeutil.h"
#include "engines/monitor_export.h"

/* ---- the buffer ---- */

void mon_text_put(mon_text *t, const char *s, size_t n) {
    if (t->failed) return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (t->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p) {
            t->failed = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void puts_(mon_text *t, const char *s) {
    mon_text_put(t, s, strlen(s));
}

void mon_text_printf(mon_text *t, const char *fmt, ...) {
    char b[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof b) {
        t->failed = true;
        return;
    }
    mon_text_put(t, b, (size_t)n);
}

/* The shortest decimal that reads back as v: 36.2, not 36.200000000000003 (base/json_text.h). */
static void put_real(mon_text *t, double v) {
    char b[TR_REAL_BUFSZ];
    puts_(t, tr_real_format(v, b));
}

static void put_json_str(mon_text *t, const char *s) {
    if (!s) {
        puts_(t, "null");
        return;
    }
    mon_text_put(t, "\"", 1);
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\') continue;
        mon_text_put(t, run, (size_t)((const char *)p - run));
        if (*p == '"' || *p == '\\') {
            char e[2] = {'\\', (char)*p};
            mon_text_put(t, e, 2);
        } else {
            mon_text_printf(t, "\\u%04x", *p);
        }
        run = (const char *)p + 1;
    }
    puts_(t, run);
    mon_text_put(t, "\"", 1);
}

void mon_text_csv(mon_text *t, const char *s) {
    if (!s || !*s) return;
    bool formula = strchr("=+-@", s[0]) != NULL;
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        puts_(t, s);
        return;
    }
    mon_text_put(t, "\"", 1);
    if (formula) mon_text_put(t, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"') mon_text_put(t, "\"", 1);
        mon_text_put(t, p, 1);
    }
    mon_text_put(t, "\"", 1);
}

static void put_range_json(mon_text *t, const char *name, const tr_range *r) {
    if (r->known)
        mon_text_printf(t, ",\"%s_min\":%lld,\"%s_max\":%lld", name, (long long)r->min, name,
                        (long long)r->max);
    else
        mon_text_printf(t, ",\"%s_min\":null,\"%s_max\":null", name, name);
}

/* ---- formats ---- */

static const char *const export_names[] = {"geojson", "hxl", "acled"};
TR_NAMES_DEFINE_PARSE(mon_export_format, mon_export_format, export_names, 3)

const char *mon_export_media_type(mon_export_format f) {
    return f == MON_EXPORT_GEOJSON ? "application/geo+json" : "text/csv; charset=utf-8";
}

const char *mon_export_file_name(mon_export_format f) {
    return f == MON_EXPORT_GEOJSON ? "incidents.geojson"
           : f == MON_EXPORT_HXL   ? "incidents-hxl.csv"
                                   : "incidents-acled.csv";
}

/* The HXL columns: a name row, then the hashtag row. */
static const char *const hxl_cols[][2] = {
    {"incident_id", "#event+code"},
    {"occurred_at", "#date+occurred"},
    {"time_precision", "#date+precision"},
    {"event_type", "#event+type"},
    {"sub_event_type", "#event+type+sub"},
    {"alleged_perpetrator", "#group+name+first"},
    {"region", "#adm1+name"},
    {"lat", "#geo+lat"},
    {"lon", "#geo+lon"},
    {"geo_precision", "#geo+precision"},
    {"fatalities", "#affected+killed"},
    {"fatalities_max", "#affected+killed+max"},
    {"injured", "#affected+injured"},
    {"injured_max", "#affected+injured+max"},
    {"classification", "#status+class"},
    {"grade", "#status+grade"},
    {"reports", "#meta+reports"},
    {"first_received_at", "#date+reported"},
};
#define NHXL (sizeof hxl_cols / sizeof *hxl_cols)

/* ACLED's export columns, in ACLED's order. */
static const char *const acled_cols =
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_"
    "1,"
    "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,"
    "admin3,"
    "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp\n";

void mon_export_head(mon_export_format f, mon_text *t) {
    if (f == MON_EXPORT_GEOJSON) {
        puts_(t, "{\"type\":\"FeatureCollection\",\"features\":[");
    } else if (f == MON_EXPORT_HXL) {
        for (int row = 0; row < 2; row++)
            for (size_t i = 0; i < NHXL; i++) {
                puts_(t, hxl_cols[i][row]);
                puts_(t, i + 1 < NHXL ? "," : "\n");
            }
    } else {
        puts_(t, acled_cols);
    }
}

void mon_export_tail(mon_export_format f, mon_text *t) {
    if (f == MON_EXPORT_GEOJSON) puts_(t, "\n]}\n");
}

static const char *sub_or_null(const mon_incident *inc) {
    const char *s = tr_sub_event_type_name(inc->sub_event_type);
    return s && *s ? s : NULL;
}

static void row_geojson(const mon_incident *inc, bool first, mon_text *t) {
    char when[TR_TIME_BUFSZ], recv[TR_TIME_BUFSZ], last[TR_TIME_BUFSZ];
    mon_text_printf(
        t, "%s\n{\"type\":\"Feature\",\"id\":%lld,\"geometry\":{\"type\":\"Point\",\"coordinates\":[",
        first ? "" : ",", (long long)inc->id);
    put_real(t, inc->lon);
    puts_(t, ",");
    put_real(t, inc->lat);
    mon_text_printf(
        t,
        "]},\"properties\":{\"id\":%lld,\"occurred_at\":\"%s\",\"time_precision\":%d,\"geo_precision\":%d,"
        "\"event_type\":",
        (long long)inc->id, tr_time_format(inc->occurred_at, when), inc->time_precision, inc->geo_precision);
    put_json_str(t, tr_event_type_name(inc->event_type));
    puts_(t, ",\"sub_event_type\":");
    put_json_str(t, sub_or_null(inc));
    puts_(t, ",\"alleged_perpetrator\":");
    put_json_str(t, inc->perpetrator);
    puts_(t, ",\"region\":");
    put_json_str(t, inc->region);
    mon_text_printf(t, ",\"classification\":\"%s\",\"grade\":\"%s\",\"reports\":%zu",
                    mon_class_name(inc->cls), mon_grade_name(inc->grade), inc->nreports);
    put_range_json(t, "fatalities", &inc->fatalities);
    put_range_json(t, "injured", &inc->injured);
    mon_text_printf(t, ",\"first_received_at\":\"%s\",\"last_received_at\":\"%s\"}}",
                    tr_time_format(inc->first_received_at, recv),
                    tr_time_format(inc->last_received_at, last));
}

static void put_count(mon_text *t, const tr_range *r, bool max) {
    if (r->known) mon_text_printf(t, "%lld", (long long)(max ? r->max : r->min));
}

static void row_hxl(const mon_incident *inc, mon_text *t) {
    char when[TR_TIME_BUFSZ], recv[TR_TIME_BUFSZ];
    mon_text_printf(t, "%lld,%s,%d,", (long long)inc->id, tr_time_format(inc->occurred_at, when),
                    inc->time_precision);
    mon_text_csv(t, tr_event_type_name(inc->event_type));
    puts_(t, ",");
    mon_text_csv(t, sub_or_null(inc));
    puts_(t, ",");
    mon_text_csv(t, inc->perpetrator);
    puts_(t, ",");
    mon_text_csv(t, inc->region);
    puts_(t, ",");
    put_real(t, inc->lat);
    puts_(t, ",");
    put_real(t, inc->lon);
    mon_text_printf(t, ",%d,", inc->geo_precision);
    put_count(t, &inc->fatalities, false);
    puts_(t, ",");
    put_count(t, &inc->fatalities, true);
    puts_(t, ",");
    put_count(t, &inc->injured, false);
    puts_(t, ",");
    put_count(t, &inc->injured, true);
    mon_text_printf(t, ",%s,%s,%zu,%s\n", mon_class_name(inc->cls), mon_grade_name(inc->grade), inc->nreports,
                    tr_time_format(inc->first_received_at, recv));
}

/* ACLED's disorder type of an event type. */
static const char *disorder_type(tr_event_type e) {
    const char *n = tr_event_type_name(e);
    if (strcmp(n, "Protests") == 0 || strcmp(n, "Riots") == 0) return "Demonstrations";
    if (strcmp(n, "Strategic developments") == 0) return "Strategic developments";
    return "Political violence";
}

static void row_acled(const mon_incident *inc, mon_text *t) {
    char when[TR_TIME_BUFSZ], tags[160];
    tr_time_format(inc->occurred_at, when);
    bool vac = strcmp(tr_event_type_name(inc->event_type), "Violence against civilians") == 0;
    /* event_id_cnty .. event_type */
    mon_text_printf(t, "TRUCE%lld,%.10s,%.4s,%d,%s,", (long long)inc->id, when, when, inc->time_precision,
                    disorder_type(inc->event_type));
    mon_text_csv(t, tr_event_type_name(inc->event_type));
    puts_(t, ",");
    mon_text_csv(t, sub_or_null(inc));
    puts_(t, ",");
    mon_text_csv(t, inc->perpetrator);
    /* assoc_actor_1, inter1, actor2, assoc_actor_2, inter2, interaction, civilian_targeting,
       iso, region, country, admin1 */
    mon_text_printf(t, ",,,,,,,%s,,,,", vac ? "Civilian targeting" : "");
    mon_text_csv(t, inc->region);
    /* admin2, admin3, location, latitude, longitude, geo_precision */
    puts_(t, ",,,,");
    put_real(t, inc->lat);
    puts_(t, ",");
    put_real(t, inc->lon);
    mon_text_printf(t, ",%d,truce,,", inc->geo_precision);
    /* notes: the classification's reason */
    mon_text_csv(t, inc->cls_reason);
    puts_(t, ",");
    put_count(t, &inc->fatalities, false);
    snprintf(tags, sizeof tags, "truce incident %lld; classification %s; grade %s; reports %zu",
             (long long)inc->id, mon_class_name(inc->cls), mon_grade_name(inc->grade), inc->nreports);
    puts_(t, ",");
    mon_text_csv(t, tags);
    mon_text_printf(t, ",%lld\n", (long long)inc->last_received_at);
}

void mon_export_row(mon_export_format f, const mon_incident *inc, bool first, mon_text *t) {
    if (f == MON_EXPORT_GEOJSON)
        row_geojson(inc, first, t);
    else if (f == MON_EXPORT_HXL)
        row_hxl(inc, t);
    else
        row_acled(inc, t);
}
