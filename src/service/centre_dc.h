/*
 * centre_dc.h — deconfliction reads and checks of the centre that live apart from the
 * write path of centre_deconflict.c (issue 4): the list pages of sites and movements
 * (centre_dc_list.c) and the conflicts of a volume with ceasefire_zone and no_strike
 * areas by footprint (centre_dc_areas.c).
 *
 * Ownership: json_t arguments are borrowed; what is appended to them is new.
 */
#ifndef TRUCE_SERVICE_CENTRE_DC_H
#define TRUCE_SERVICE_CENTRE_DC_H

#include "service/centre.h"

/* A page of GET /v1/sites or GET /v1/movements. */
typedef struct centre_dc_filter {
    const tr_party *viewer; /* sees exactly what GET /v1/sites/{id} (/movements/{id}) shows it */
    int64_t after;          /* the cursor: objects with id > after */
    int limit;              /* at most this many features */
    const char *kind;       /* NULL: any (checked by the caller) */
    bool has_at;            /* only objects valid at `at` ([valid_from, valid_to) of a site, */
    int64_t at;             /* [time_start, time_end) of a movement) */
    bool has_bbox;          /* only objects whose footprint meets bbox (exactly, planar lon/lat; */
    geo_box bbox;           /* a site's circle is geodesic, a movement is its buffered route) */
} centre_dc_filter;

/* Appends the page's Features, in id order, to features (a JSON array); *next is the
 * cursor of the next page, 0 when this is the last. TR_OK, TR_EIO or TR_ENOMEM. */
int centre_site_list(centre *c, const centre_dc_filter *f, json_t *features, int64_t *next, tr_err *err);
int centre_movement_list(centre *c, const centre_dc_filter *f, json_t *features, int64_t *next, tr_err *err);

/* GET /v1/exports/movements (centre_movement_export.c): every movement f's viewer may read
 * (f's kind and at apply; limit and after are ignored) as format "geojson" (a
 * FeatureCollection of the list's Features) or "hxl" (CSV: a name row, an HXL hashtag
 * row, one row per movement with its manifest and clearance). *text is malloc'd (the
 * caller frees it); *media_type static. TR_EINVAL naming format, TR_EIO, TR_ENOMEM. */
int centre_movement_export(centre *c, const centre_dc_filter *f, const char *format, char **text, size_t *len,
                           const char **media_type, tr_err *err);

/*
 * The conflicts of volume v (index vi in its operation) with the ceasefire_zone and
 * no_strike areas `viewer` may see (docs/deconfliction.md §11): an area conflicts when
 * the volume's footprint meets (touching counts) a version of the area in force at some
 * time in the volume's window. Consecutive such versions make one conflict; each conflict
 * is appended to out as {"type": "area", "id", "kind", "name", "versions", "volume",
 * "restricted": false, "owner", "agreements", "time_start", "time_end"} — the overlap
 * window, and the names of the agreements viewer may see that are in force then and apply
 * there (no zones, or a zone meeting the footprint at the same time). Reads the
 * attribution engine only (under its read lock). TR_OK or TR_ENOMEM.
 */
int centre_dc_area_conflicts(attr_engine *ae, const tr_party *viewer, const tr_volume *v, size_t vi,
                             json_t *out, tr_err *err);

#endif
