/*
 * bench_separation.c — the separation series over a year of daily versions (issue 20;
 * bench/separation.sh runs it beside PostGIS).
 *
 * Data (deterministic): DAYS days over a 2 x 2 degree box (36-38 E, 34-36 N); each day
 * PARTIES control areas (vertical strips between wavy fronts of VERTICES positions that
 * drift over the year) and DESIGNATED areas of excluded actors (wavy discs of 2 x VERTICES
 * positions whose centres wander and radii breathe), so that they overlap the strips by
 * varying amounts. DAYS x (PARTIES + DESIGNATED) area versions.
 *
 * Measured, RUNS times (median quoted): compute — for every day, sep_measure over that
 * day's shapes (per party the commingled m², per designated area, the total), i.e. the
 * daily series GET /v1/agreements/{id}/separation?from=&to= computes after reading the
 * areas. Written: WORK/separation_parties.tsv and WORK/separation_designated.tsv (day,
 * name, WKT) for PostGIS, WORK/separation_truce.tsv (day, party, commingled_m2).
 *
 * Usage: bench_separation [--work DIR] [--runs R] [--days D] [--parties P] [--designated N]
 *                         [--vertices N] [--json FILE]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engines/separation.h"

#define MAX_RUNS 15

static void die(const char *m) {
    fprintf(stderr, "bench_separation: %s\n", m);
    exit(1);
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median_of(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The strip of party k on day d, or designated disc k, as a closed ring (xy interleaved). */
static int strip_ring(int k, int parties, int d, int n, double *xy) {
    int m = 0;
    for (int side = 0; side < 2; side++)
        for (int i = 0; i < n; i++) {
            int j = k + side, ii = side ? n - 1 - i : i;
            double y = 34.0 + 2.0 * ii / (n - 1), t = (y - 34.0) / 2.0;
            double x = 36.0 + 2.0 * j / parties;
            if (j > 0 && j < parties)
                x += 0.05 * sin(2 * M_PI * d / 365.0 + j) + 0.02 * sin(2 * M_PI * 4 * t + j);
            xy[2 * m] = x;
            xy[2 * m++ + 1] = y;
        }
    xy[2 * m] = xy[0];
    xy[2 * m + 1] = xy[1];
    return m + 1;
}

static int disc_ring(int k, int d, int n, double *xy) {
    double cx = 36.4 + 0.6 * k + 0.1 * sin(2 * M_PI * d / 365.0 + k),
           cy = 35.0 + 0.3 * cos(2 * M_PI * d / 180.0 + k);
    double r = 0.15 + 0.05 * sin(2 * M_PI * d / 90.0 + k);
    int m = 2 * n;
    for (int i = 0; i < m; i++) {
        double a = 2 * M_PI * i / m, rr = r * (1 + 0.05 * sin(7 * a));
        xy[2 * i] = cx + rr * cos(a);
        xy[2 * i + 1] = cy + rr * sin(a);
    }
    xy[2 * m] = xy[0];
    xy[2 * m + 1] = xy[1];
    return m + 1;
}

/* The ring as a shape (GeoJSON through the validating parser) and as WKT into f. */
static geo_shape *ring_shape(const double *xy, int npos, FILE *f, int d, const char *name) {
    json_t *ring = json_array();
    fprintf(f, "%d\t%s\tSRID=4326;POLYGON((", d, name);
    for (int i = 0; i < npos; i++) {
        json_array_append_new(ring, json_pack("[f,f]", xy[2 * i], xy[2 * i + 1]));
        fprintf(f, "%s%.17g %.17g", i ? "," : "", xy[2 * i], xy[2 * i + 1]);
    }
    fprintf(f, "))\n");
    json_t *g = json_pack("{s:s, s:[o]}", "type", "Polygon", "coordinates", ring);
    const geo_limits lim = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};
    geo_shape *s = NULL;
    tr_err err = {0};
    if (geo_shape_from_geojson(g, 0, &lim, &s, &err)) die(err.msg);
    json_decref(g);
    return s;
}

static FILE *open_in(const char *work, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", work, name);
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write in --work");
    return f;
}

int main(int argc, char **argv) {
    const char *work = "bench/work", *json_path = NULL;
    int runs = 3, days = 365, parties = 3, nd = 3, nv = 250;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--work") && i + 1 < argc)
            work = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--days") && i + 1 < argc)
            days = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--parties") && i + 1 < argc)
            parties = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--designated") && i + 1 < argc)
            nd = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--vertices") && i + 1 < argc)
            nv = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json") && i + 1 < argc)
            json_path = argv[++i];
        else
            die("usage: bench_separation [--work DIR] [--runs R] [--days D] [--parties P] [--designated N] "
                "[--vertices N] [--json FILE]");
    }
    if (runs < 1 || runs > MAX_RUNS || days < 1 || parties < 1 || parties > 26 || nd < 1 || nd > 26 || nv < 4)
        die("bad arguments");
    double *xy = malloc((size_t)(4 * nv + 4) * 2 * sizeof *xy);
    geo_shape **ps = calloc((size_t)days * parties, sizeof *ps), **ds = calloc((size_t)days * nd, sizeof *ds);
    char(*names)[2] = calloc(26, sizeof *names), (*dnames)[3] = calloc(26, sizeof *dnames);
    if (!xy || !ps || !ds || !names || !dnames) die("out of memory");
    FILE *pf = open_in(work, "separation_parties.tsv"), *df = open_in(work, "separation_designated.tsv");
    for (int k = 0; k < 26; k++)
        names[k][0] = (char)('A' + k), dnames[k][0] = 'X', dnames[k][1] = (char)('a' + k);
    for (int d = 0; d < days; d++) {
        for (int k = 0; k < parties; k++)
            ps[(size_t)d * parties + k] = ring_shape(xy, strip_ring(k, parties, d, nv, xy), pf, d, names[k]);
        for (int k = 0; k < nd; k++)
            ds[(size_t)d * nd + k] = ring_shape(xy, disc_ring(k, d, nv, xy), df, d, dnames[k]);
    }
    if (fclose(pf) || fclose(df)) die("cannot write the data");
    terr_claim *claims = calloc((size_t)parties, sizeof *claims);
    sep_area *des = calloc((size_t)nd, sizeof *des);
    double *mixed = calloc((size_t)days * parties, sizeof *mixed), compute_s[MAX_RUNS], total = 0;
    if (!claims || !des || !mixed) die("out of memory");
    tr_err err = {0};
    for (int r = 0; r < runs; r++) {
        double t0 = (double)tr_clock_ns() / 1e9;
        total = 0;
        for (int d = 0; d < days; d++) {
            for (int k = 0; k < parties; k++)
                claims[k] = (terr_claim){names[k], ps[(size_t)d * parties + k]};
            for (int k = 0; k < nd; k++)
                des[k] = (sep_area){k + 1, ds[(size_t)d * nd + k]};
            sep_result res;
            if (sep_measure(claims, (size_t)parties, des, (size_t)nd, NULL, &res, &err)) die(err.msg);
            for (size_t k = 0; k < res.n; k++)
                mixed[(size_t)d * parties + (res.parties[k].party[0] - 'A')] = res.parties[k].commingled_m2;
            total += res.commingled_m2;
            sep_result_clear(&res);
        }
        compute_s[r] = (double)tr_clock_ns() / 1e9 - t0;
    }
    FILE *out = open_in(work, "separation_truce.tsv");
    for (int d = 0; d < days; d++)
        for (int k = 0; k < parties; k++)
            fprintf(out, "%d\t%s\t%.6f\n", d, names[k], mixed[(size_t)d * parties + k]);
    if (fclose(out)) die("cannot write the results");
    double cs[MAX_RUNS];
    memcpy(cs, compute_s, sizeof cs);
    double mc = median_of(cs, runs);
    printf(
        "truce: %d days x (%d parties + %d designated areas), %d positions per front: compute median %.3f s "
        "(%.2f ms/day); commingled %.1f km2-days\n",
        days, parties, nd, nv, mc, 1e3 * mc / days, total / 1e6);
    if (json_path) {
        json_t *a = json_array();
        for (int r = 0; r < runs; r++)
            json_array_append_new(a, json_real(compute_s[r]));
        json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:i, s:o, s:f, s:f}", "runs", runs, "days", days,
                              "parties", parties, "designated", nd, "vertices", nv, "compute_s", a,
                              "median_compute_s", mc, "ms_per_day", 1e3 * mc / days);
        if (json_dump_file(j, json_path, JSON_INDENT(1) | JSON_REAL_PRECISION(6)))
            die("cannot write the JSON");
        json_decref(j);
    }
    for (size_t i = 0; i < (size_t)days * parties; i++)
        geo_shape_free(ps[i]);
    for (size_t i = 0; i < (size_t)days * nd; i++)
        geo_shape_free(ds[i]);
    free(ps), free(ds), free(names), free(dnames), free(xy), free(claims), free(des), free(mixed);
    return 0;
}
