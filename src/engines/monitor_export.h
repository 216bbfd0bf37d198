/*
 * monitor_export.h — incidents in the formats users' own tools open: a GeoJSON
 * FeatureCollection (RFC 7946), CSV with an HXL hashtag row, and ACLED-column CSV.
 *
 * Layer 3 (engines): pure formatting of mon_incident values, no I/O, no locking. The
 * caller streams: the head once, then one row per incident (in any chunks it likes),
 * then the tail; each call appends to a mon_text buffer, so memory is one chunk's worth
 * whatever the number of incidents (src/service/centre_export.c drives it).
 *
 * What is exported is the incident's public summary (what GET /v1/incidents shows every
 * party): place and time of the representative report, types, the perpetrator most
 * reports name, region, classification, grade, report count, casualty ranges. Report
 * bodies (sources, descriptions, targets) are not exported. Reals are printed with the
 * fewest digits that read back to the same double; times are RFC 3339 UTC; no locale.
 * docs/monitoring.md "Exports" lists every column.
 */
#ifndef TRUCE_ENGINES_MONITOR_EXPORT_H
#define TRUCE_ENGINES_MONITOR_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "engines/monitor.h"

typedef enum { MON_EXPORT_GEOJSON, MON_EXPORT_HXL, MON_EXPORT_ACLED } mon_export_format;

/* "geojson", "hxl", "acled": 0, or -1 for anything else. */
int mon_export_format_parse(const char *s, mon_export_format *out);
/* application/geo+json or text/csv; charset=utf-8. */
const char *mon_export_media_type(mon_export_format f);
/* "incidents.geojson", "incidents-hxl.csv", "incidents-acled.csv". */
const char *mon_export_file_name(mon_export_format f);

/* A growable byte buffer; failed is set (and the text left as it was) when memory ran
 * out. The owner frees p. */
typedef struct mon_text {
    char *p;
    size_t len, cap;
    bool failed;
} mon_text;

void mon_text_put(mon_text *t, const char *s, size_t n);
/* Appends formatted text (at most 255 bytes per call; longer sets failed). */
void mon_text_printf(mon_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends one CSV field (RFC 4180 quoting; NULL or "" as an empty field; a leading =, +,
 * - or @ neutralised with an apostrophe against spreadsheet formula injection). */
void mon_text_csv(mon_text *t, const char *s);

/* Appends the head (GeoJSON's opening, the CSV header rows). */
void mon_export_head(mon_export_format f, mon_text *t);
/* Appends one incident; first tells whether it is the first row (GeoJSON separators). */
void mon_export_row(mon_export_format f, const mon_incident *inc, bool first, mon_text *t);
/* Appends the tail (GeoJSON's closing; nothing for CSV). */
void mon_export_tail(mon_export_format f, mon_text *t);

/* ---- CAP 1.2 (monitor_cap.c) ---- */

/* Whether an incident has an alert: classed violation and graded corroborated or confirmed. */
bool mon_cap_applies(const mon_incident *inc);
/* The alert's time: when the incident took its current grade. */
int64_t mon_cap_sent(const mon_incident *inc);
/* The alert's identifier: "truce-incident-<id>-<grade>-<sent>" (unique per incident and
 * grade change; at most 80 bytes). */
void mon_cap_identifier(const mon_incident *inc, char *buf, size_t cap);
/* Appends the CAP 1.2 <alert> of inc (for which mon_cap_applies) as UTF-8 XML; the area
 * is a circle of the incident's geo-precision radius (cfg). sender: no spaces, commas or
 * markup (the caller's choice, e.g. the log's origin). Same incident, same bytes. */
void mon_cap_render(const mon_incident *inc, const mon_config *cfg, const char *sender, mon_text *t);

#endif
