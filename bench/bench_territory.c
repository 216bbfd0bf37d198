/*
 * bench_territory.c — territory control over a year of daily control-area versions
 * (issue 6; bench/territory.sh runs it beside PostGIS).
 *
 * Data (deterministic, no randomness): DAYS days x PARTIES parties over a 2 x 2 degree box
 * north of Palmyra (36-38 E, 34-36 N). Each day the box is cut into PARTIES vertical strips
 * by wavy front lines (VERTICES positions each) that drift over the year; every 7th day
 * each party also claims 0.02 degree beyond its eastern front, so neighbours' claims
 * overlap and contested ground appears. One claim per party per day: DAYS x PARTIES
 * control-area versions (365 x 5 = 1,825 by default), each a Polygon of 2 x VERTICES + 1
 * positions.
 *
 * Measured, RUNS times (median quoted):
 *   compute — for every day, terr_map_build over that day's shapes (already parsed):
 *             per party controlled and claimed m², the contested and claimed totals;
 *   parse   — building the DAYS x PARTIES shapes from GeoJSON (geo_shape_from_geojson:
 *             validation with GEOS, geodesic area), what a request adds on top.
 * Written: WORK/territory_claims.tsv (day, party, WKT) for PostGIS, and
 * WORK/territory_truce.tsv (day, party, controlled_m2, claimed_m2) for the comparison;
 * a JSON summary to --json FILE.
 *
 * Usage: bench_territory [--work DIR] [--runs R] [--days D] [--parties P] [--vertices N] [--json FILE]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engines/territory.h"

#define MAX_RUNS 15
#define LON0 36.0
#define LON1 38.0
#define LAT0 34.0
#define LAT1 36.0

static void die(const char *m) {
    fprintf(stderr, "bench_territory: %s\n", m);
    exit(1);
}

static double secs(void) {
    return (double)tr_clock_ns() / 1e9;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median(const double *v, int n) {
    double c[MAX_RUNS];
    memcpy(c, v, (size_t)n * sizeof *v);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    return n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
}

/* Front line j (0..parties) on day d at latitude y. */
static double front(int j, int parties, int d, double y) {
    if (j == 0) return LON0;
    if (j == parties) return LON1;
    double t = (y - LAT0) / (LAT1 - LAT0);
    double base = LON0 + (LON1 - LON0) * j / parties + 0.05 * sin(2 * M_PI * d / 365.0 + j);
    return base + 0.03 * sin(2 * M_PI * 3 * t + j + 0.05 * d) + 0.01 * sin(2 * M_PI * 17 * t + 0.3 * j);
}

/* Party k's claim on day d as a closed ring of 2n + 1 positions (xy, interleaved). */
static void claim_ring(int k, int parties, int d, int n, double *xy) {
    double reach = (d % 7 == 0 && k + 1 < parties) ? 0.02 : 0; /* weekly overlap east */
    int m = 0;
    for (int i = 0; i < n; i++) { /* west front, south to north */
        double y = LAT0 + (LAT1 - LAT0) * i / (n - 1);
        xy[2 * m] = front(k, parties, d, y);
        xy[2 * m++ + 1] = y;
    }
    for (int i = n - 1; i >= 0; i--) { /* east front, north to south */
        double y = LAT0 + (LAT1 - LAT0) * i / (n - 1);
        xy[2 * m] = front(k + 1, parties, d, y) + reach;
        xy[2 * m++ + 1] = y;
    }
    xy[2 * m] = xy[0];
    xy[2 * m + 1] = xy[1];
}

static json_t *ring_geojson(const double *xy, int npos) {
    json_t *ring = json_array();
    for (int i = 0; i < npos; i++) json_array_append_new(ring, json_pack("[f,f]", xy[2 * i], xy[2 * i + 1]));
    return json_pack("{s:s, s:[o]}", "type", "Polygon", "coordinates", ring);
}

int main(int argc, char **argv) {
    const char *work = "bench/work", *json_path = NULL;
    int runs = 3, days = 365, parties = 5, nv = 250;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--work") && i + 1 < argc) work = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--days") && i + 1 < argc) days = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--parties") && i + 1 < argc) parties = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--vertices") && i + 1 < argc) nv = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
        else die("usage: bench_territory [--work DIR] [--runs R] [--days D] [--parties P] [--vertices N] [--json FILE]");
    }
    if (runs < 1 || runs > MAX_RUNS || days < 1 || parties < 2 || parties > 26 || nv < 2) die("bad arguments");
    const geo_limits lim = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};
    size_t n = (size_t)days * (size_t)parties;
    int npos = 2 * nv + 1;
    double *xy = malloc((size_t)npos * 2 * sizeof *xy);
    json_t **geo = calloc(n, sizeof *geo);
    geo_shape **shapes = calloc(n, sizeof *shapes);
    char (*names)[2] = calloc((size_t)parties, sizeof *names);
    if (!xy || !geo || !shapes || !names) die("out of memory");
    for (int k = 0; k < parties; k++) names[k][0] = (char)('A' + k);

    /* ---- data: GeoJSON in memory, WKT for PostGIS ---- */
    char path[1024];
    snprintf(path, sizeof path, "%s/territory_claims.tsv", work);
    FILE *wkt = fopen(path, "w");
    if (!wkt) die("cannot write the claims file (does --work exist?)");
    for (int d = 0; d < days; d++)
        for (int k = 0; k < parties; k++) {
            claim_ring(k, parties, d, nv, xy);
            geo[(size_t)d * parties + k] = ring_geojson(xy, npos);
            fprintf(wkt, "%d\t%s\tSRID=4326;POLYGON((", d, names[k]);
            for (int i = 0; i < npos; i++) fprintf(wkt, "%s%.17g %.17g", i ? "," : "", xy[2 * i], xy[2 * i + 1]);
            fprintf(wkt, "))\n");
        }
    if (fclose(wkt)) die("cannot write the claims file");

    /* ---- parse: the shapes from GeoJSON ---- */
    double parse_s[MAX_RUNS], compute_s[MAX_RUNS];
    tr_err err = {0};
    for (int r = 0; r < runs; r++) {
        for (size_t i = 0; i < n; i++) geo_shape_free(shapes[i]), shapes[i] = NULL;
        double t0 = secs();
        for (size_t i = 0; i < n; i++)
            if (geo_shape_from_geojson(geo[i], 0, &lim, &shapes[i], &err)) die(err.msg);
        parse_s[r] = secs() - t0;
    }

    /* ---- compute: every day's map ---- */
    terr_claim *claims = calloc((size_t)parties, sizeof *claims);
    double *ctrl = calloc(n, sizeof *ctrl), *claimed = calloc(n, sizeof *claimed), contested = 0;
    if (!claims || !ctrl || !claimed) die("out of memory");
    for (int r = 0; r < runs; r++) {
        contested = 0;
        double t0 = secs();
        for (int d = 0; d < days; d++) {
            for (int k = 0; k < parties; k++) claims[k] = (terr_claim){names[k], shapes[(size_t)d * parties + k]};
            terr_map m;
            if (terr_map_build(claims, (size_t)parties, NULL, &m, &err)) die(err.msg);
            for (int k = 0; k < parties; k++) {
                const terr_owner *o = terr_map_find(&m, names[k]);
                ctrl[(size_t)d * parties + k] = o->controlled_m2;
                claimed[(size_t)d * parties + k] = o->claimed_m2;
            }
            contested += m.contested_m2;
            terr_map_clear(&m);
        }
        compute_s[r] = secs() - t0;
    }
    snprintf(path, sizeof path, "%s/territory_truce.tsv", work);
    FILE *out = fopen(path, "w");
    if (!out) die("cannot write the results file");
    for (int d = 0; d < days; d++)
        for (int k = 0; k < parties; k++)
            fprintf(out, "%d\t%s\t%.6f\t%.6f\n", d, names[k], ctrl[(size_t)d * parties + k],
                    claimed[(size_t)d * parties + k]);
    if (fclose(out)) die("cannot write the results file");

    double mc = median(compute_s, runs), mp = median(parse_s, runs);
    printf("truce: %d days x %d parties (%zu versions, %d positions each): compute median %.3f s (%.2f ms/day), "
           "parse median %.3f s; contested %.1f km2 over the year\n",
           days, parties, n, npos, mc, 1e3 * mc / days, mp, contested / 1e6);
    if (json_path) {
        json_t *cs = json_array(), *ps = json_array();
        for (int r = 0; r < runs; r++) {
            json_array_append_new(cs, json_real(compute_s[r]));
            json_array_append_new(ps, json_real(parse_s[r]));
        }
        json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:o, s:f, s:f, s:o, s:f, s:f}", "runs", runs, "days", days,
                              "parties", parties, "positions_per_polygon", npos, "compute_s", cs, "median_compute_s",
                              mc, "ms_per_day", 1e3 * mc / days, "parse_s", ps, "median_parse_s", mp,
                              "contested_km2_year", contested / 1e6);
        if (json_dump_file(j, json_path, JSON_INDENT(1) | JSON_REAL_PRECISION(6))) die("cannot write the JSON");
        json_decref(j);
    }
    for (size_t i = 0; i < n; i++) {
        geo_shape_free(shapes[i]);
        json_decref(geo[i]);
    }
    free(shapes);
    free(geo);
    free(claims);
    free(ctrl);
    free(claimed);
    free(names);
    free(xy);
    return 0;
}
