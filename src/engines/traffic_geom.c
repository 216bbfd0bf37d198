/*
 * traffic_geom.c — the exact tests of the traffic engine (traffic.h): a pair's loss of
 * separation under straight-line motion, and a projected path entering an object's part.
 *
 * Pairs are solved in closed form: the times when the horizontal distance is below H are
 * the roots of a quadratic, those when the vertical distance is below V of a linear
 * inequality; a loss of separation is their intersection with [0, T]. A path against a
 * polygon is a segment in lon/lat (edges are straight in lon/lat, as everywhere in
 * truce): its crossings with the edges cut [0, T] into pieces, each inside or outside as
 * its middle is (even-odd). A disc is tested in the path's local frame.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engines/traffic_int.h"

#define WGS84_A 6378137.0
#define WGS84_E2 0.00669437999014
#define DEG (M_PI / 180.0)
#define M_MIN (WGS84_A * (1 - WGS84_E2)) /* the smallest meridional radius */

tf_frame tf_frame_at(double lat) {
    double s = sin(lat * DEG), w = sqrt(1 - WGS84_E2 * s * s);
    double n = WGS84_A / w, m = WGS84_A * (1 - WGS84_E2) / (w * w * w);
    return (tf_frame){n * cos(lat * DEG) * DEG, m * DEG};
}

double tf_dlon(double lon2, double lon1) {
    double d = lon2 - lon1;
    if (d > 180)
        d -= 360;
    else if (d <= -180)
        d += 360;
    return d;
}

double tf_m_to_dlat(double m) {
    return m / (M_MIN * DEG);
}

double tf_m_to_dlon(double m, double lat_max) {
    double c = cos(fmin(fabs(lat_max), 90.0) * DEG);
    if (c < 1e-6) return 360;
    double d = m / (WGS84_A * c * DEG);
    return d > 360 ? 360 : d;
}

/* The open interval of t where |r + v t| < H, as [lo, hi]; false when empty. */
static bool horizontal(double rx, double ry, double vx, double vy, double H, double *lo, double *hi) {
    double a = vx * vx + vy * vy, b = rx * vx + ry * vy, c = rx * rx + ry * ry - H * H;
    if (a < 1e-12) {
        *lo = -INFINITY;
        *hi = INFINITY;
        return c < 0;
    }
    double disc = b * b - a * c;
    if (disc <= 0) return false;
    double s = sqrt(disc);
    *lo = (-b - s) / a;
    *hi = (-b + s) / a;
    return true;
}

/* The interval of t where |dz + dvz t| < V. */
static bool vertical(double dz, double dvz, double V, double *lo, double *hi) {
    if (fabs(dvz) < 1e-12) {
        *lo = -INFINITY;
        *hi = INFINITY;
        return fabs(dz) < V;
    }
    double t1 = (-V - dz) / dvz, t2 = (V - dz) / dvz;
    *lo = fmin(t1, t2);
    *hi = fmax(t1, t2);
    return true;
}

void tf_pair_test(double rx, double ry, double vx, double vy, double dz, double dvz, double H, double V,
                  double T, tf_hit *out) {
    memset(out, 0, sizeof *out);
    double a = vx * vx + vy * vy;
    double t = a > 1e-12 ? -(rx * vx + ry * vy) / a : 0;
    out->t_cpa = t < 0 ? 0 : t > T ? T : t;
    out->h_sep = tf_len(rx + vx * out->t_cpa, ry + vy * out->t_cpa);
    out->v_sep = fabs(dz + dvz * out->t_cpa);
    out->t_los = -1;
    double h0, h1, z0, z1;
    if (!horizontal(rx, ry, vx, vy, H, &h0, &h1) || !vertical(dz, dvz, V, &z0, &z1)) return;
    double lo = fmax(fmax(h0, z0), 0), hi = fmin(fmin(h1, z1), T);
    if (lo < hi) {
        out->hit = true;
        out->t_los = lo;
    }
}

/* ---- objects ---- */

bool tf_rings_cover(const double *xy, const uint32_t *starts, size_t nrings, double x, double y) {
    bool in = false;
    for (size_t r = 0; r < nrings; r++) {
        uint32_t s = starts[r], n = starts[r + 1] - s;
        for (uint32_t i = 0, j = n - 1; i < n; j = i++) {
            double xi = xy[2 * (s + i)], yi = xy[2 * (s + i) + 1], xj = xy[2 * (s + j)],
                   yj = xy[2 * (s + j) + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
        }
    }
    return in;
}

/* The t in [0, 1] where segment p + s d crosses the edge a..b, or -1. */
static double crossing(double px, double py, double dx, double dy, double ax, double ay, double bx,
                       double by) {
    double ex = bx - ax, ey = by - ay, den = dx * ey - dy * ex;
    if (fabs(den) < 1e-300) return -1;
    double s = ((ax - px) * ey - (ay - py) * ex) / den, u = ((ax - px) * dy - (ay - py) * dx) / den;
    return s >= 0 && s <= 1 && u >= 0 && u <= 1 ? s : -1;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Earliest s in [lo, hi] (fractions of the segment) inside the rings, or -1. */
static double rings_entry(const tf_part *p, double px, double py, double dx, double dy, double lo,
                          double hi) {
    double stack[64], *cut = stack;
    size_t n = 0, cap = 64, npos = p->starts[p->nrings];
    if (npos + 2 > cap && !(cut = malloc((npos + 2) * sizeof *cut))) return -1;
    cut[n++] = lo;
    cut[n++] = hi;
    for (size_t r = 0; r < p->nrings; r++) {
        uint32_t s = p->starts[r], m = p->starts[r + 1] - s;
        for (uint32_t i = 0, j = m - 1; i < m; j = i++) {
            double c = crossing(px, py, dx, dy, p->xy[2 * (s + j)], p->xy[2 * (s + j) + 1],
                                p->xy[2 * (s + i)], p->xy[2 * (s + i) + 1]);
            if (c > lo && c < hi) cut[n++] = c;
        }
    }
    qsort(cut, n, sizeof *cut, cmp_double);
    double found = -1;
    if (tf_rings_cover(p->xy, p->starts, p->nrings, px + lo * dx, py + lo * dy)) found = lo;
    for (size_t k = 0; found < 0 && k + 1 < n; k++) {
        double mid = (cut[k] + cut[k + 1]) / 2;
        if (cut[k + 1] > cut[k] && tf_rings_cover(p->xy, p->starts, p->nrings, px + mid * dx, py + mid * dy))
            found = cut[k];
    }
    if (cut != stack) free(cut);
    return found;
}

/* Distance in metres from (px, py) to the rings' edges in the frame f (0 when inside). */
static double rings_distance(const tf_part *p, double px, double py, tf_frame f) {
    if (tf_rings_cover(p->xy, p->starts, p->nrings, px, py)) return 0;
    double best = INFINITY;
    for (size_t r = 0; r < p->nrings; r++) {
        uint32_t s = p->starts[r], m = p->starts[r + 1] - s;
        for (uint32_t i = 0, j = m - 1; i < m; j = i++) {
            double ax = tf_dlon(p->xy[2 * (s + j)], px) * f.kx, ay = (p->xy[2 * (s + j) + 1] - py) * f.ky;
            double bx = tf_dlon(p->xy[2 * (s + i)], px) * f.kx, by = (p->xy[2 * (s + i) + 1] - py) * f.ky;
            double ex = bx - ax, ey = by - ay, l2 = ex * ex + ey * ey;
            double u = l2 > 0 ? -(ax * ex + ay * ey) / l2 : 0;
            u = u < 0 ? 0 : u > 1 ? 1 : u;
            best = fmin(best, tf_len(ax + u * ex, ay + u * ey));
        }
    }
    return best;
}

/* [lo, hi] within [0, T] where the altitude is in the band and t0 + t in the window. */
static bool band_window(const tf_part *p, const tf_path *path, double T, double dv, double ceiling,
                        double *lo, double *hi) {
    double a0 = p->alt_lo - dv, a1 = fmin(p->alt_hi + dv, ceiling);
    *lo = 0;
    *hi = T;
    if (fabs(path->vz) < 1e-12) {
        if (path->alt < a0 || path->alt > a1) return false;
    } else {
        double t1 = (a0 - path->alt) / path->vz, t2 = (a1 - path->alt) / path->vz;
        *lo = fmax(*lo, fmin(t1, t2));
        *hi = fmin(*hi, fmax(t1, t2));
    }
    *lo = fmax(*lo, (double)p->t_start - path->t0_s);
    *hi = fmin(*hi, (double)p->t_end - path->t0_s);
    return *lo <= *hi && *lo < (double)p->t_end - path->t0_s;
}

void tf_part_test(const tf_part_rec *pr, const tf_path *path, double T, double dv, double ceiling,
                  double grow, tf_hit *out, double *distance) {
    const tf_part *p = &pr->p;
    memset(out, 0, sizeof *out);
    out->t_los = -1;
    double lo, hi;
    bool span = band_window(p, path, T, dv, ceiling, &lo, &hi);
    if (p->circle) {
        tf_frame f = path->f; /* the path's frame, as its box in the index (traffic.c) */
        double rx = tf_dlon(path->lon, p->lon) * f.kx, ry = (path->lat - p->lat) * f.ky,
               r = p->radius_m * (1 + grow);
        *distance = fmax(0, tf_len(rx, ry) - p->radius_m);
        double h0, h1;
        if (span && horizontal(rx, ry, path->vx, path->vy, r, &h0, &h1) && fmax(h0, lo) <= fmin(h1, hi))
            out->t_los = fmax(h0, lo);
    } else {
        *distance = rings_distance(p, path->lon, path->lat, path->f);
        double dx = path->vx * T / path->f.kx, dy = path->vy * T / path->f.ky;
        double s = span && T > 0 ? rings_entry(p, path->lon, path->lat, dx, dy, lo / T, hi / T) : -1;
        if (span && T <= 0 && tf_rings_cover(p->xy, p->starts, p->nrings, path->lon, path->lat)) s = 0;
        if (s >= 0) out->t_los = s * T;
    }
    out->hit = out->t_los >= 0;
    out->t_cpa = out->hit ? out->t_los : -1;
}
