/*
 * bench_attribution.c — workload A: which of 10,000 polygons cover each of 1,000,000
 * points, through truce's attribution engine, beside a brute-force GEOS scan.
 *
 * Data: bench/work/data/a_polys.tsv ("id\tSRID=4326;POLYGON((x y,...))") and
 * a_points.tsv ("id\tx\ty"), written by /work/shared/bench-workloads/gen.py A.
 * The WKT is parsed here, so truce, GEOS and PostGIS (bench/attribution_postgis.sh)
 * see the same doubles.
 *
 * Measured, each RUNS times (median quoted):
 *  1. engine build: tr_area_parse of every polygon as a GeoJSON Feature, then
 *     attr_engine_add_area;
 *  2. truce: every point through attr_engine_covering, 1 thread and 2 threads;
 *  3. baseline: brute force with GEOS, no index: for each point of a deterministic
 *     sample (every SAMPLE-th point), a box test against all polygons, then
 *     GEOSPreparedCovers_r where the box passes; truce is re-run on the same sample.
 *
 * Agreement: truce with 1 and 2 threads, truce and GEOS on the sample, and the
 * published pair count (9,029,219 for the full workload) must all match, in pairs
 * and in an order-independent checksum, sum over pairs of
 * (point_id * 1000003 + polygon_id) mod 2147483647 — the same sum
 * attribution_postgis.sh computes in SQL. Exit status 0 when all agree, 3 when not,
 * 1 on a usage, data or build error.
 *
 * Memory: what the engine holds (area versions with their names and text, shapes and
 * their prepared grids, the index) is printed and written: the heap in use after a build
 * minus before it (glibc mallinfo2, last build) plus the engine's arena outside the heap
 * (attr_engine_arena_bytes), of which the cover grid (attr_engine_cover_bytes), and the
 * resident memory the first build added (VmRSS).
 *
 * Usage: bench_attribution [--data DIR] [--runs N] [--sample K] [--json FILE]
 *                          [--expect-pairs N] [--points N]
 *   --points N  only the first N points (for profilers such as callgrind; the published
 *               count is then not checked unless --expect-pairs gives one).
 */
#include <errno.h>
#include <geos_c.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/timeutil.h"
#include "engines/attribution.h"

#define EXPECTED_PAIRS_A 9029219ull /* README.md of the shared workloads */
#define MAX_THREADS 2
#define MAX_RUNS 15

/* ---- workload ---- */

typedef struct poly {
    int64_t id;
    size_t n;   /* positions, closing one included */
    double *xy; /* x0 y0 x1 y1 ... (owned) */
} poly;

typedef struct workload {
    poly *polys;
    size_t npolys;
    int64_t *pid; /* point ids */
    double *px, *py;
    size_t npoints;
} workload;

/* Totals of one run over a set of points. */
typedef struct tally {
    uint64_t pairs;    /* (point, polygon) pairs where the polygon covers the point */
    uint64_t checksum; /* sum of pair_mix over those pairs */
} tally;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_attribution: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

/* The per-pair term of the checksum; the SQL side computes exactly this. */
static uint64_t pair_mix(int64_t point_id, int64_t poly_id) {
    return ((uint64_t)point_id * 1000003u + (uint64_t)poly_id) % 2147483647u;
}

/* Parses "POLYGON((x y,x y,...))" after the "SRID=4326;" prefix into p->xy. */
static int parse_wkt_ring(const char *s, poly *p) {
    const char *q = strstr(s, "((");
    if (!q) return -1;
    q += 2;
    size_t cap = 32;
    p->xy = xmalloc(cap * 2 * sizeof(double));
    p->n = 0;
    for (;;) {
        char *end;
        double x = strtod(q, &end);
        if (end == q) return -1;
        q = end;
        double y = strtod(q, &end);
        if (end == q) return -1;
        q = end;
        if (p->n == cap) p->xy = xrealloc(p->xy, (cap *= 2) * 2 * sizeof(double));
        p->xy[2 * p->n] = x;
        p->xy[2 * p->n + 1] = y;
        p->n++;
        if (*q == ',')
            q++;
        else if (*q == ')')
            return p->n >= 4 ? 0 : -1;
        else
            return -1;
    }
}

static void load_polys(const char *path, workload *w) {
    FILE *f = fopen(path, "r");
    if (!f) die("%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t len = 0, cap = 0;
    while (getline(&line, &len, f) > 0) {
        if (w->npolys == cap) w->polys = xrealloc(w->polys, (cap = cap ? 2 * cap : 1024) * sizeof(poly));
        poly *p = &w->polys[w->npolys];
        char *end;
        p->id = strtoll(line, &end, 10);
        if (end == line || *end != '\t' || parse_wkt_ring(end + 1, p) != 0)
            die("%s:%zu: not \"id<TAB>SRID=4326;POLYGON((...))\"", path, w->npolys + 1);
        w->npolys++;
    }
    free(line);
    fclose(f);
}

static void load_points(const char *path, workload *w) {
    FILE *f = fopen(path, "r");
    if (!f) die("%s: %s", path, strerror(errno));
    char line[256];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        if (w->npoints == cap) {
            cap = cap ? 2 * cap : 65536;
            w->pid = xrealloc(w->pid, cap * sizeof(int64_t));
            w->px = xrealloc(w->px, cap * sizeof(double));
            w->py = xrealloc(w->py, cap * sizeof(double));
        }
        char *a, *b, *c;
        size_t i = w->npoints;
        w->pid[i] = strtoll(line, &a, 10);
        w->px[i] = strtod(a, &b);
        w->py[i] = strtod(b, &c);
        if (a == line || b == a || c == b) die("%s:%zu: not \"id<TAB>x<TAB>y\"", path, i + 1);
        w->npoints++;
    }
    fclose(f);
}

static void workload_free(workload *w) {
    for (size_t i = 0; i < w->npolys; i++)
        free(w->polys[i].xy);
    free(w->polys);
    free(w->pid);
    free(w->px);
    free(w->py);
}

/* ---- truce ---- */

/* The polygon as the GeoJSON Feature a client would POST (new reference). */
static json_t *poly_feature(const poly *p) {
    json_t *ring = json_array();
    for (size_t i = 0; i < p->n; i++)
        json_array_append_new(ring, json_pack("[ff]", p->xy[2 * i], p->xy[2 * i + 1]));
    char name[32];
    snprintf(name, sizeof name, "p%" PRId64, p->id);
    return json_pack("{s:s, s:{s:s, s:[o]}, s:{s:s, s:s, s:s, s:s}}", "type", "Feature", "geometry", "type",
                     "Polygon", "coordinates", ring, "properties", "kind", "control", "name", name, "actor",
                     "x", "valid_from", "2016-01-01T00:00:00Z");
}

/* Builds an engine holding every polygon as area <id> version 1. */
static attr_engine *build_engine(const workload *w) {
    attr_engine *e = attr_engine_new();
    if (!e) die("attr_engine_new failed");
    geo_limits lim = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};
    for (size_t i = 0; i < w->npolys; i++) {
        json_t *feat = poly_feature(&w->polys[i]);
        tr_area a = {0};
        tr_err err = {0};
        if (!feat || tr_area_parse(feat, 0, &lim, &a, &err) != 0)
            die("polygon %" PRId64 ": tr_area_parse: %s: %s", w->polys[i].id, err.field, err.msg);
        json_decref(feat);
        a.id = w->polys[i].id;
        a.version = 1;
        a.created_by = strdup("bench");
        if (attr_engine_add_area(e, &a, &err) != 0)
            die("polygon %" PRId64 ": attr_engine_add_area: %s", w->polys[i].id, err.msg);
    }
    attr_engine_pack(e);
    if (attr_engine_area_versions(e) != w->npolys) die("engine holds a wrong number of areas");
    return e;
}

typedef struct truce_job {
    attr_engine *e;
    const workload *w;
    size_t from, to, stride; /* indices from, from+stride, ... < to */
    tally t;
    double cpu; /* seconds of CPU the thread used */
} truce_job;

static double thread_cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *truce_worker(void *arg) {
    truce_job *j = arg;
    int64_t ids[256];
    double cpu0 = thread_cpu_s();
    for (size_t i = j->from; i < j->to; i += j->stride) {
        size_t n = attr_engine_covering(j->e, j->w->px[i], j->w->py[i], ids, 256);
        if (n > 256) die("point %" PRId64 " is covered by %zu areas (> 256)", j->w->pid[i], n);
        j->t.pairs += n;
        for (size_t k = 0; k < n; k++)
            j->t.checksum += pair_mix(j->w->pid[i], ids[k]);
    }
    j->cpu = thread_cpu_s() - cpu0;
    return NULL;
}

/* Runs every stride-th point through the engine on nthreads threads; returns seconds
 * (wall clock); *cpu gets the CPU seconds of all threads (on a busy machine the wall
 * clock also counts the time other work held the cores). */
static double truce_run(attr_engine *e, const workload *w, size_t stride, int nthreads, tally *out,
                        double *cpu) {
    truce_job jobs[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    size_t nsel = (w->npoints + stride - 1) / stride;
    uint64_t t0 = tr_clock_ns();
    for (int k = 0; k < nthreads; k++) {
        size_t a = nsel * (size_t)k / (size_t)nthreads, b = nsel * (size_t)(k + 1) / (size_t)nthreads;
        jobs[k] = (truce_job){e,      w,      a * stride, b * stride < w->npoints ? b * stride : w->npoints,
                              stride, {0, 0}, 0};
        if (pthread_create(&th[k], NULL, truce_worker, &jobs[k]) != 0) die("pthread_create failed");
    }
    *out = (tally){0, 0};
    *cpu = 0;
    for (int k = 0; k < nthreads; k++) {
        pthread_join(th[k], NULL);
        out->pairs += jobs[k].t.pairs;
        out->checksum += jobs[k].t.checksum;
        *cpu += jobs[k].cpu;
    }
    return (double)(tr_clock_ns() - t0) / 1e9;
}

/* ---- GEOS brute force ---- */

typedef struct geos_set {
    GEOSContextHandle_t ctx;
    GEOSGeometry **geoms;
    const GEOSPreparedGeometry **prep;
    double *minx, *miny, *maxx, *maxy; /* polygon boxes, one array per side */
    size_t n;
} geos_set;

static void geos_build(const workload *w, geos_set *g) {
    g->ctx = GEOS_init_r();
    g->n = w->npolys;
    g->geoms = xmalloc(g->n * sizeof *g->geoms);
    g->prep = xmalloc(g->n * sizeof *g->prep);
    g->minx = xmalloc(g->n * sizeof(double));
    g->miny = xmalloc(g->n * sizeof(double));
    g->maxx = xmalloc(g->n * sizeof(double));
    g->maxy = xmalloc(g->n * sizeof(double));
    for (size_t i = 0; i < g->n; i++) {
        const poly *p = &w->polys[i];
        GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(g->ctx, p->xy, (unsigned)p->n, 0, 0);
        GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(g->ctx, cs) : NULL;
        g->geoms[i] = ring ? GEOSGeom_createPolygon_r(g->ctx, ring, NULL, 0) : NULL;
        g->prep[i] = g->geoms[i] ? GEOSPrepare_r(g->ctx, g->geoms[i]) : NULL;
        if (!g->prep[i]) die("GEOS could not build polygon %" PRId64, p->id);
        g->minx[i] = g->maxx[i] = p->xy[0];
        g->miny[i] = g->maxy[i] = p->xy[1];
        for (size_t k = 1; k < p->n; k++) {
            double x = p->xy[2 * k], y = p->xy[2 * k + 1];
            if (x < g->minx[i]) g->minx[i] = x;
            if (x > g->maxx[i]) g->maxx[i] = x;
            if (y < g->miny[i]) g->miny[i] = y;
            if (y > g->maxy[i]) g->maxy[i] = y;
        }
    }
}

static void geos_free(geos_set *g) {
    for (size_t i = 0; i < g->n; i++) {
        GEOSPreparedGeom_destroy_r(g->ctx, g->prep[i]);
        GEOSGeom_destroy_r(g->ctx, g->geoms[i]);
    }
    free(g->geoms);
    free(g->prep);
    free(g->minx);
    free(g->miny);
    free(g->maxx);
    free(g->maxy);
    GEOS_finish_r(g->ctx);
}

/* Tests every stride-th point against every polygon, no index; returns seconds. */
static double geos_run(const geos_set *g, const workload *w, size_t stride, tally *out) {
    *out = (tally){0, 0};
    uint64_t t0 = tr_clock_ns();
    for (size_t i = 0; i < w->npoints; i += stride) {
        double x = w->px[i], y = w->py[i];
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(g->ctx, x, y);
        if (!pt) die("GEOS could not build a point");
        for (size_t j = 0; j < g->n; j++) {
            int in = (x >= g->minx[j]) & (x <= g->maxx[j]) & (y >= g->miny[j]) & (y <= g->maxy[j]);
            if (!in) continue;
            char r = GEOSPreparedCovers_r(g->ctx, g->prep[j], pt);
            if (r == 2) die("GEOSPreparedCovers_r failed");
            if (r) {
                out->pairs++;
                out->checksum += pair_mix(w->pid[i], w->polys[j].id);
            }
        }
        GEOSGeom_destroy_r(g->ctx, pt);
    }
    return (double)(tr_clock_ns() - t0) / 1e9;
}

/* ---- measurement ---- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n) {
    double s[MAX_RUNS];
    memcpy(s, v, (size_t)n * sizeof(double));
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* A timed measurement repeated `runs` times: seconds of each run, the tally of the
 * first, and whether every run gave the same tally. */
typedef struct series {
    double secs[MAX_RUNS];
    double cpu[MAX_RUNS]; /* CPU seconds (truce runs), else 0 */
    tally t;
    int stable;
} series;

static void series_add(series *s, int run, double secs, tally t) {
    s->secs[run] = secs;
    if (run == 0) {
        s->t = t;
        s->stable = 1;
    } else if (t.pairs != s->t.pairs || t.checksum != s->t.checksum) {
        s->stable = 0;
    }
}

static void print_series(const char *what, const series *s, int runs, size_t npoints) {
    double m = median(s->secs, runs), c = median(s->cpu, runs);
    printf("  %-34s median %8.3f s  %12.0f points/s  pairs %" PRIu64 "  checksum %" PRIu64 "%s\n", what, m,
           (double)npoints / m, s->t.pairs, s->t.checksum, s->stable ? "" : "  UNSTABLE");
    if (c > 0) printf("  %-34s (CPU time %.3f s, %.0f points per CPU second)\n", "", c, (double)npoints / c);
}

typedef struct opts {
    const char *data, *json;
    int runs;
    size_t sample;
    uint64_t expect; /* 0: the published count when the workload is the full A */
    size_t points;   /* 0: all */
} opts;

static opts parse_opts(int argc, char **argv) {
    opts o = {"bench/work/data", NULL, 3, 10, 0, 0};
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--data") && v)
            o.data = argv[++i];
        else if (!strcmp(argv[i], "--json") && v)
            o.json = argv[++i];
        else if (!strcmp(argv[i], "--runs") && v)
            o.runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sample") && v)
            o.sample = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--expect-pairs") && v)
            o.expect = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--points") && v)
            o.points = (size_t)atol(argv[++i]);
        else
            die("usage: bench_attribution [--data DIR] [--runs N] [--sample K] [--json FILE] "
                "[--expect-pairs N] [--points N]");
    }
    if (o.runs < 1 || o.runs > MAX_RUNS || o.sample < 1) die("--runs must be 1..%d, --sample >= 1", MAX_RUNS);
    return o;
}

/* All figures of one invocation. */
typedef struct report {
    size_t npolys, npoints, nsample;
    size_t engine_bytes; /* heap the engine holds after the build, and its arena */
    size_t engine_rss;   /* resident memory the first build added */
    size_t cover_bytes;  /* of engine_bytes, the cover grid's (attr_engine_cover_bytes) */
    series build, t1, t2, t1_sample, geos;
    uint64_t expect;
    int agree;
} report;

static void write_json(const opts *o, const report *r) {
    FILE *f = fopen(o->json, "w");
    if (!f) die("%s: %s", o->json, strerror(errno));
    int n = o->runs;
    fprintf(f,
            "{\"polygons\":%zu,\"points\":%zu,\"runs\":%d,\"sample_stride\":%zu,\"sample_points\":%zu,\n"
            " \"engine_bytes\":%zu,\"cover_bytes\":%zu,\"engine_rss_bytes\":%zu,\"build_s\":%.6f,\"truce_1t_"
            "s\":%.6f,\"truce_2t_"
            "s\":%.6f,\n"
            " \"truce_sample_1t_s\":%.6f,\"geos_sample_s\":%.6f,\n"
            " \"truce_1t_cpu_s\":%.6f,\"truce_2t_cpu_s\":%.6f,\n"
            " \"truce_1t_pps\":%.1f,\"truce_2t_pps\":%.1f,\"truce_sample_1t_pps\":%.1f,\"geos_pps\":%.1f,\n"
            " \"pairs\":%" PRIu64 ",\"checksum\":%" PRIu64 ",\"sample_pairs\":%" PRIu64
            ",\"sample_checksum\":%" PRIu64 ",\"expected_pairs\":%" PRIu64 ",\"agree\":%s}\n",
            r->npolys, r->npoints, n, o->sample, r->nsample, r->engine_bytes, r->cover_bytes, r->engine_rss,
            median(r->build.secs, n), median(r->t1.secs, n), median(r->t2.secs, n),
            median(r->t1_sample.secs, n), median(r->geos.secs, n), median(r->t1.cpu, n), median(r->t2.cpu, n),
            r->npoints / median(r->t1.secs, n), r->npoints / median(r->t2.secs, n),
            r->nsample / median(r->t1_sample.secs, n), r->nsample / median(r->geos.secs, n), r->t1.t.pairs,
            r->t1.t.checksum, r->geos.t.pairs, r->geos.t.checksum, r->expect, r->agree ? "true" : "false");
    fclose(f);
}

static int same(const series *a, const series *b) {
    return a->stable && b->stable && a->t.pairs == b->t.pairs && a->t.checksum == b->t.checksum;
}

static void check_agreement(report *r) {
    int ok_threads = same(&r->t1, &r->t2);
    int ok_geos = same(&r->t1_sample, &r->geos);
    int ok_expect = r->expect == 0 || r->t1.t.pairs == r->expect;
    printf("agreement:\n  truce 1 thread == truce 2 threads: %s\n"
           "  truce == GEOS brute force on the sample: %s\n",
           ok_threads ? "yes" : "NO", ok_geos ? "yes" : "NO");
    if (r->expect) printf("  pairs == published %" PRIu64 ": %s\n", r->expect, ok_expect ? "yes" : "NO");
    r->agree = ok_threads && ok_geos && ok_expect;
}

/* Bytes of heap in use (every arena, mmapped blocks included). */
static size_t heap_in_use(void) {
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Resident bytes of the process (VmRSS), 0 if unknown. */
static size_t resident(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %zu kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb * 1024;
}

static void measure(const opts *o, const workload *w, report *r) {
    attr_engine *e = NULL;
    for (int k = 0; k < o->runs; k++) {
        if (e) attr_engine_free(e);
        size_t before = heap_in_use(), rss = resident();
        uint64_t t0 = tr_clock_ns();
        e = build_engine(w);
        series_add(&r->build, k, (double)(tr_clock_ns() - t0) / 1e9, (tally){0, 0});
        r->engine_bytes = heap_in_use() - before + attr_engine_arena_bytes(e);
        r->cover_bytes = attr_engine_cover_bytes(e);
        if (k == 0) r->engine_rss = resident() - rss;
    }
    printf("engine build (%zu polygons): median %.3f s, engine memory %zu bytes (%.0f per polygon; "
           "cover grid %zu), resident +%zu bytes (%.0f per polygon)\n",
           w->npolys, median(r->build.secs, o->runs), r->engine_bytes,
           (double)r->engine_bytes / (double)w->npolys, r->cover_bytes, r->engine_rss,
           (double)r->engine_rss / (double)w->npolys);
    tally t;
    for (int k = 0; k < o->runs; k++)
        series_add(&r->t1, k, truce_run(e, w, 1, 1, &t, &r->t1.cpu[k]), t);
    for (int k = 0; k < o->runs; k++)
        series_add(&r->t2, k, truce_run(e, w, 1, 2, &t, &r->t2.cpu[k]), t);
    for (int k = 0; k < o->runs; k++)
        series_add(&r->t1_sample, k, truce_run(e, w, o->sample, 1, &t, &r->t1_sample.cpu[k]), t);
    geos_set g = {0};
    geos_build(w, &g);
    for (int k = 0; k < o->runs; k++)
        series_add(&r->geos, k, geos_run(&g, w, o->sample, &t), t);
    geos_free(&g);
    attr_engine_free(e);
    printf("all %zu points, %d runs each:\n", w->npoints, o->runs);
    print_series("truce attr_engine_covering, 1 thr", &r->t1, o->runs, w->npoints);
    print_series("truce attr_engine_covering, 2 thr", &r->t2, o->runs, w->npoints);
    printf("sample: 1 point in %zu, in file order (rows 1, %zu, %zu, ...), %zu points:\n", o->sample,
           1 + o->sample, 1 + 2 * o->sample, r->nsample);
    print_series("truce attr_engine_covering, 1 thr", &r->t1_sample, o->runs, r->nsample);
    print_series("GEOS brute force (box + prepared)", &r->geos, o->runs, r->nsample);
}

int main(int argc, char **argv) {
    opts o = parse_opts(argc, argv);
    char path[4096];
    workload w = {0};
    snprintf(path, sizeof path, "%s/a_polys.tsv", o.data);
    load_polys(path, &w);
    snprintf(path, sizeof path, "%s/a_points.tsv", o.data);
    load_points(path, &w);
    if (o.points && o.points < w.npoints) w.npoints = o.points;
    report r = {0};
    r.npolys = w.npolys;
    r.npoints = w.npoints;
    r.nsample = (w.npoints + o.sample - 1) / o.sample;
    r.expect = o.expect ? o.expect : (w.npolys == 10000 && w.npoints == 1000000 ? EXPECTED_PAIRS_A : 0);
    printf("workload A: %zu polygons, %zu points\n", w.npolys, w.npoints);
    measure(&o, &w, &r);
    check_agreement(&r);
    if (o.json) write_json(&o, &r);
    workload_free(&w);
    return r.agree ? 0 : 3;
}
