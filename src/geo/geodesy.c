/*
 * geodesy.c — geodesic measures on the WGS 84 ellipsoid through PROJ's geodesic
 * routines (Karney's algorithms): distance between points and area of rings.
 */
#include <math.h>
#include <pthread.h>

#include "geo/geo_int.h"

static struct geod_geodesic wgs84;
static pthread_once_t wgs84_once = PTHREAD_ONCE_INIT;

static void wgs84_init(void) {
    geod_init(&wgs84, 6378137.0, 1.0 / 298.257223563);
}

const struct geod_geodesic *geo__wgs84(void) {
    pthread_once(&wgs84_once, wgs84_init);
    return &wgs84;
}

double geo_distance_m(double lon1, double lat1, double lon2, double lat2) {
    double s12 = 0;
    geod_inverse(geo__wgs84(), lat1, lon1, lat2, lon2, &s12, NULL, NULL);
    return s12;
}

/* The ring is handed to geod_polygon without its closing duplicate: the
 * accumulator closes the polygon itself. */
double geo__ring_area_m2(const double *xy, size_t n) {
    const struct geod_geodesic *g = geo__wgs84();
    struct geod_polygon p;
    double area = 0, perimeter = 0;
    geod_polygon_init(&p, 0);
    for (size_t i = 0; i < n; i++) geod_polygon_addpoint(g, &p, xy[2 * i + 1], xy[2 * i]);
    geod_polygon_compute(g, &p, 0, 1, &area, &perimeter);
    return area;
}
