/*
 * bench_json.c — printing JSON with the shortest round-trip reals (issue 18,
 * src/base/json_text.c) beside jansson's 17 digits, the same run, the same values.
 *
 * Every answer, export line and log object is printed with tr_json_dumps: jansson's
 * JSON_REAL_PRECISION(17) text, then every real parsed back and reprinted shortest. What
 * that costs is measured on three documents built once (deterministic):
 *   areas    — a FeatureCollection of AREAS polygons of VERTICES positions, coordinates
 *              with 4 decimals, as GET /v1/areas answers (nearly all tokens are reals);
 *   mixed    — the same count of report-like objects: strings, integers, two reals each;
 *   no reals — notice-like objects without any real (the text passes through untouched).
 * Baseline: json_dumps(JSON_COMPACT | JSON_REAL_PRECISION(17)), what truce printed
 * before. Each figure is the median of RUNS runs; the ratio is truce / baseline.
 *
 * Usage: bench_json [--runs R] [--areas N] [--vertices V] [--json FILE]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/timeutil.h"

#define MAX_RUNS 15

static void die(const char *m) {
    fprintf(stderr, "bench_json: %s\n", m);
    exit(1);
}

static double secs(void) {
    return (double)tr_clock_ns() / 1e9;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static json_t *areas(int n, int vertices) {
    json_t *features = json_array();
    for (int i = 0; i < n; i++) {
        json_t *ring = json_array();
        for (int k = 0; k <= vertices; k++) {
            int v = k % vertices;
            double lon = 36.0 + (double)((i * 37 + v * 11) % 30000) / 10000,
                   lat = 34.0 + (double)((i * 13 + v * 7) % 20000) / 10000;
            json_array_append_new(ring, json_pack("[f,f]", lon, lat));
        }
        json_array_append_new(features,
                              json_pack("{s:s, s:I, s:{s:s, s:[o]}, s:{s:s, s:s, s:I}}", "type", "Feature",
                                        "id", (json_int_t)i + 1, "geometry", "type", "Polygon", "coordinates",
                                        ring, "properties", "kind", "control", "name", "Area", "area_m2",
                                        (json_int_t)123456789));
    }
    return json_pack("{s:s, s:o}", "type", "FeatureCollection", "features", features);
}

static json_t *objects(int n, bool reals) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)i, "kind", "conflict", "party",
                              "UN-OCHA", "created_at", "2016-09-19T17:00:00Z", "deadline", (json_int_t)1800);
        if (reals) json_object_set_new(o, "location", json_pack("[f,f]", 37.18 + i * 1e-4, 36.21 - i * 1e-4));
        json_array_append_new(a, o);
    }
    return a;
}

/* Median seconds of printing j RUNS times with each printer; bytes of each text. */
static void measure(json_t *j, int runs, double out[2], size_t bytes[2]) {
    double t[2][MAX_RUNS];
    for (int r = 0; r < runs; r++)
        for (int which = 0; which < 2; which++) {
            double t0 = secs();
            char *s = which ? tr_json_dumps(j, JSON_COMPACT)
                            : json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
            t[which][r] = secs() - t0;
            if (!s) die("out of memory");
            bytes[which] = strlen(s);
            free(s);
        }
    out[0] = median(t[0], runs);
    out[1] = median(t[1], runs);
}

int main(int argc, char **argv) {
    int runs = 3, n = 2000, vertices = 200;
    const char *json_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--areas") == 0 && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (strcmp(argv[i], "--vertices") == 0 && i + 1 < argc)
            vertices = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc)
            json_path = argv[++i];
        else
            die("usage: bench_json [--runs R] [--areas N] [--vertices V] [--json FILE]");
    }
    if (runs < 1 || runs > MAX_RUNS || n < 1 || vertices < 3) die("bad arguments");
    const char *names[3] = {"areas", "mixed", "no reals"};
    json_t *docs[3] = {areas(n, vertices), objects(n * 50, true), objects(n * 50, false)};
    json_t *res = json_object();
    for (int d = 0; d < 3; d++) {
        double t[2];
        size_t bytes[2];
        measure(docs[d], runs, t, bytes);
        printf("%-9s baseline (jansson, 17 digits) %.3f s %zu bytes | truce (shortest) %.3f s %zu bytes | "
               "ratio %.2f\n",
               names[d], t[0], bytes[0], t[1], bytes[1], t[1] / t[0]);
        json_object_set_new(res, names[d],
                            json_pack("{s:f, s:f, s:f, s:I, s:I}", "baseline_s", t[0], "truce_s", t[1],
                                      "ratio", t[1] / t[0], "baseline_bytes", (json_int_t)bytes[0],
                                      "truce_bytes", (json_int_t)bytes[1]));
        json_decref(docs[d]);
    }
    json_object_set_new(res, "runs", json_integer(runs));
    json_object_set_new(res, "areas_document", json_pack("{s:i, s:i}", "polygons", n, "vertices", vertices));
    if (json_path && json_dump_file(res, json_path, JSON_INDENT(1) | JSON_REAL_PRECISION(6)))
        die("cannot write the JSON");
    json_decref(res);
    return 0;
}
