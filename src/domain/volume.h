/*
 * volume.h — one ASTM F3548 Volume4D: a footprint (polygon or circle), an altitude band
 * and a time window, the unit in which parties declare operations.
 *
 * Layer 2 of DESIGN.md: no I/O. The JSON shape is F3548's, member for member:
 *
 *   {"volume": {"outline_polygon": {"vertices": [{"lat": 36.2, "lng": 37.1}, ...]},
 *               -- or --
 *               "outline_circle": {"center": {"lat": .., "lng": ..},
 *                                  "radius": {"value": 500, "units": "M"}},
 *               "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
 *               "altitude_upper": {"value": 3000, "reference": "W84", "units": "M"}},
 *    "time_start": {"value": "2016-09-17T14:00:00Z", "format": "RFC3339"},
 *    "time_end":   {"value": "2016-09-17T15:00:00Z", "format": "RFC3339"}}
 *
 * Rules (each failure names the member by its JSON path from the body's root):
 *  - no member outside the shape above; every member shown is required, except that a
 *    volume has exactly one of outline_polygon and outline_circle;
 *  - lat in [-90, 90], lng in [-180, 180], finite numbers;
 *  - a polygon has 3..TR_VOLUME_MAX_VERTICES vertices, no vertex repeated (F3548: "the
 *    final polygon vertex must not be identical to the first vertex": the ring closes
 *    itself), no edge longer than 180 degrees of longitude (it would cross the
 *    anti-meridian, which planar lon/lat edges cannot), a non-zero area, and it must be
 *    a simple ring (checked by geo_shape_from_geojson, i.e. GEOS isValid);
 *  - a circle's radius is in (0, TR_VOLUME_MAX_RADIUS_M] metres, units "M";
 *  - altitudes are in [TR_VOLUME_ALT_MIN_M, TR_VOLUME_ALT_MAX_M] (F3548's sanity bounds),
 *    reference "W84", units "M", and altitude_lower <= altitude_upper;
 *  - times are RFC 3339 with format "RFC3339", and time_start < time_end.
 *
 * Geometry semantics (the same as every other truce footprint, see docs/deconfliction.md):
 * polygon edges are straight lines in longitude/latitude (as GeoJSON and PostGIS
 * geometry), not F3548's geodesic "shortest paths" — for a 30 km edge at 36 N the two
 * differ by at most ~13 m; the winding order does not matter. A circle is the geodesic
 * disc of the given radius on the WGS 84 ellipsoid around its centre.
 *
 * Ownership: tr_volume_parse fills a value that owns its memory; free it with
 * tr_volume_clear (also safe on a zeroed value).
 */
#ifndef TRUCE_DOMAIN_VOLUME_H
#define TRUCE_DOMAIN_VOLUME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "geo/geo.h"

#define TR_VOLUME_MAX_VERTICES 10000
#define TR_VOLUME_MAX_RADIUS_M 500000.0 /* 500 km: wider than any theatre's operation */
#define TR_VOLUME_ALT_MIN_M (-8000.0)    /* F3548 Altitude.value bounds */
#define TR_VOLUME_ALT_MAX_M 100000.0

/* Flags of tr_volume_parse. */
#define TR_VOLUME_TRUSTED 1u /* stored, already validated: skip the GEOS validity check
                                and leave shape NULL (start-up reload) */

typedef enum tr_outline {
    TR_OUTLINE_POLYGON = 1,
    TR_OUTLINE_CIRCLE = 2,
} tr_outline;

typedef struct tr_volume {
    tr_outline outline;
    double *vertices;       /* polygon: nvert (lng, lat) pairs in input order, the ring
                               closing itself (last != first); NULL for a circle */
    size_t nvert;
    geo_shape *shape;       /* polygon: the validated footprint; NULL for a circle and
                               with TR_VOLUME_TRUSTED */
    double lng, lat;        /* circle: centre, degrees */
    double radius_m;        /* circle: geodesic radius, metres */
    double alt_lo, alt_hi;  /* closed band, metres above the WGS 84 ellipsoid */
    int64_t t_start, t_end; /* half-open [t_start, t_end), seconds since the epoch */
} tr_volume;

/*
 * Parses one Volume4D object v found at JSON path `path` (e.g. "volumes[2]"; "" for the
 * root) into out. On success returns TR_OK and out owns its memory; on failure returns
 * TR_EINVAL (or TR_ENOMEM) with err->field the full path of the offending member
 * ("volumes[2].volume.outline_polygon.vertices[3].lat") and out zeroed.
 */
int tr_volume_parse(const json_t *v, const char *path, unsigned flags, tr_volume *out,
                    tr_err *err);

/* The volume in the Volume4D shape above (new reference, NULL when out of memory);
 * times as "YYYY-MM-DDTHH:MM:SSZ". tr_volume_parse of the result gives the same value. */
json_t *tr_volume_to_json(const tr_volume *v);

void tr_volume_clear(tr_volume *v);

#endif
