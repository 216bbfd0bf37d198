/*
 * movement.c — a movement's schedule and its legs (site.h).
 *
 * Positions along the route are found by linear referencing: a point's route position
 * is (segment index + fraction) of its nearest point on the route, measured in a local
 * equirectangular frame (longitude scaled by cos(latitude)), which is exact enough to
 * order points along one route and to cut it; the cut points are the projections on
 * the route itself, so a leg never leaves the route.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "domain/site.h"

typedef struct route {
    const json_t *coords; /* the LineString's coordinates */
    size_t n;
} route;

static void vertex(const route *r, size_t i, double *lon, double *lat) {
    const json_t *c = json_array_get(r->coords, i);
    *lon = json_number_value(json_array_get(c, 0));
    *lat = json_number_value(json_array_get(c, 1));
}

/* The route position of (lon, lat): segment index + fraction in [0, n-1]. */
static double locate(const route *r, double lon, double lat) {
    double best = INFINITY, where = 0;
    double k = cos(lat * M_PI / 180.0);
    for (size_t i = 0; i + 1 < r->n; i++) {
        double ax, ay, bx, by;
        vertex(r, i, &ax, &ay);
        vertex(r, i + 1, &bx, &by);
        double dx = (bx - ax) * k, dy = by - ay, px = (lon - ax) * k, py = lat - ay;
        double len2 = dx * dx + dy * dy;
        double t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
        if (t < 0) t = 0;
        if (t > 1) t = 1;
        double ex = px - t * dx, ey = py - t * dy, d = ex * ex + ey * ey;
        if (d < best) {
            best = d;
            where = (double)i + t;
        }
    }
    return where;
}

static void at_position(const route *r, double s, double *lon, double *lat) {
    size_t i = (size_t)floor(s);
    if (i + 1 >= r->n) {
        vertex(r, r->n - 1, lon, lat);
        return;
    }
    double t = s - (double)i, ax, ay, bx, by;
    vertex(r, i, &ax, &ay);
    vertex(r, i + 1, &bx, &by);
    *lon = ax + t * (bx - ax);
    *lat = ay + t * (by - ay);
}

static json_t *pair(double lon, double lat) {
    return json_pack("[f, f]", lon, lat);
}

/* The route between positions a <= b: a LineString, or a Point when they coincide. */
static json_t *cut(const route *r, double a, double b) {
    double lon, lat;
    at_position(r, a, &lon, &lat);
    json_t *coords = json_array();
    json_array_append_new(coords, pair(lon, lat));
    for (size_t i = (size_t)floor(a) + 1; (double)i < b && i < r->n; i++) {
        double vx, vy;
        vertex(r, i, &vx, &vy);
        json_array_append_new(coords, pair(vx, vy));
    }
    at_position(r, b, &lon, &lat);
    double px, py;
    const json_t *last = json_array_get(coords, json_array_size(coords) - 1);
    px = json_number_value(json_array_get(last, 0));
    py = json_number_value(json_array_get(last, 1));
    if (px != lon || py != lat) json_array_append_new(coords, pair(lon, lat));
    if (json_array_size(coords) < 2) {
        json_t *pt = json_pack("{s:s, s:O}", "type", "Point", "coordinates", json_array_get(coords, 0));
        json_decref(coords);
        return pt;
    }
    return json_pack("{s:s, s:o}", "type", "LineString", "coordinates", coords);
}

int tr_movement_schedule_parse(const json_t *arr, const json_t *route_geom, const geo_shape *footprint,
                               int64_t t0, int64_t t1, tr_movement *m, tr_err *err) {
    static const char *const keys[] = {"position", "at", NULL};
    if (!arr || json_is_null(arr)) return TR_OK;
    if (!json_is_array(arr)) return tr_fail(err, TR_EINVAL, "properties.schedule", "must be a list of points");
    size_t n = json_array_size(arr);
    if (n == 0 || n > TR_MOVEMENT_MAX_SCHEDULE)
        return tr_fail(err, TR_EINVAL, "properties.schedule", "must hold 1 to %d points", TR_MOVEMENT_MAX_SCHEDULE);
    m->sched = calloc(n, sizeof *m->sched);
    if (!m->sched) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    route r = {json_object_get(route_geom, "coordinates"), 0};
    r.n = json_array_size(r.coords);
    double prev_s = 0;
    int64_t prev_t = t0;
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "properties.schedule[%zu]", i);
        const json_t *p = json_array_get(arr, i);
        if (!json_is_object(p)) return tr_fail(err, TR_EINVAL, path, "must be {\"position\": [lon, lat], \"at\": time}");
        if (tr_json_only_keys(p, keys, path, err)) return TR_EINVAL;
        const json_t *pos = json_object_get(p, "position");
        char pp[80];
        snprintf(pp, sizeof pp, "%s.position", path);
        if (!json_is_array(pos) || json_array_size(pos) != 2 || !json_is_number(json_array_get(pos, 0)) ||
            !json_is_number(json_array_get(pos, 1)))
            return tr_fail(err, TR_EINVAL, pp, "must be [lon, lat]");
        double lon = json_number_value(json_array_get(pos, 0)), lat = json_number_value(json_array_get(pos, 1));
        if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))
            return tr_fail(err, TR_EINVAL, pp, "lon must be in [-180, 180] and lat in [-90, 90]");
        if (!geo_shape_covers(footprint, lon, lat))
            return tr_fail(err, TR_EINVAL, pp, "is not on the route (outside its width_m)");
        if (!json_object_get(p, "at")) return tr_fail(err, TR_EINVAL, path, "at is required");
        int64_t at;
        if (tr_json_time(p, "at", path, 0, &at, err)) return TR_EINVAL;
        char pa[80];
        snprintf(pa, sizeof pa, "%s.at", path);
        if (at < t0 || at > t1) return tr_fail(err, TR_EINVAL, pa, "must be within [time_start, time_end]");
        if (i > 0 && at <= prev_t) return tr_fail(err, TR_EINVAL, pa, "must be later than the previous point's");
        double s = locate(&r, lon, lat);
        if (s < prev_s) return tr_fail(err, TR_EINVAL, pp, "is behind the previous point along the route");
        m->sched[i] = (tr_sched_point){lon, lat, at};
        m->nsched = i + 1;
        prev_s = s;
        prev_t = at;
    }
    return TR_OK;
}

void tr_movement_legs_free(tr_movement_leg *legs, size_t n) {
    for (size_t i = 0; legs && i < n; i++) json_decref(legs[i].geometry);
    free(legs);
}

int tr_movement_legs(const tr_movement *m, tr_movement_leg **legs, size_t *n, tr_err *err) {
    *legs = NULL;
    *n = 0;
    json_t *g = json_loads(m->geometry ? m->geometry : "", 0, NULL);
    if (!g) return tr_fail(err, TR_EIO, "", "unreadable route");
    route r = {json_object_get(g, "coordinates"), 0};
    r.n = json_array_size(r.coords);
    size_t np = m->nsched + 2;
    double *s = malloc(np * sizeof *s);
    int64_t *t = malloc(np * sizeof *t);
    tr_movement_leg *out = calloc(np - 1, sizeof *out);
    int rc = s && t && out ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        s[0] = 0;
        t[0] = m->time_start;
        for (size_t i = 0; i < m->nsched; i++) {
            s[i + 1] = locate(&r, m->sched[i].lon, m->sched[i].lat);
            t[i + 1] = m->sched[i].at;
        }
        s[np - 1] = (double)(r.n - 1);
        t[np - 1] = m->time_end;
        for (size_t k = 0; k + 1 < np; k++) {
            if (t[k + 1] <= t[k]) continue; /* a leg of no duration */
            double a = s[k], b = s[k + 1] < a ? a : s[k + 1];
            out[*n] = (tr_movement_leg){t[k], t[k + 1], cut(&r, a, b)};
            if (!out[*n].geometry) {
                rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
                break;
            }
            (*n)++;
        }
    }
    free(s);
    free(t);
    json_decref(g);
    if (rc) {
        tr_movement_legs_free(out, *n);
        *n = 0;
        return rc;
    }
    *legs = out;
    return TR_OK;
}

json_t *tr_movement_schedule_json(const tr_movement *m) {
    json_t *a = json_array();
    for (size_t i = 0; i < m->nsched; i++)
        json_array_append_new(a, json_pack("{s:[f, f], s:o}", "position", m->sched[i].lon, m->sched[i].lat, "at",
                                           tr_json_time_value(m->sched[i].at)));
    return a;
}
