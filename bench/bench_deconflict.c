/*
 * bench_deconflict.c — workload B: conflict checks of new volumes against 1,000,000
 * stored ones, through truce's deconfliction engine, beside a brute-force scan and
 * SQLite's R*Tree (same process), and PostGIS (bench/deconflict_postgis.sh, merged).
 *
 * Data: bench/work/data/b_vols.tsv and b_queries.tsv, written by
 * /work/shared/bench-workloads/gen.py B and Q:
 *   id kind cx cy r_km alo ahi t0 t1 SRID=4326;POLYGON((x y,...))
 * Circles (kind 0) are regular 32-gons in the WKT; every system here uses that polygon,
 * so all answer the same question: footprints intersect (planar lon/lat, touching
 * counts), altitude bands overlap (closed), time windows overlap (half-open), zero
 * buffers. Times are seconds from 2025-01-01T00:00:00Z.
 *
 * Measured:
 *  1. start-up: the 1,000,000 volumes inserted one by one (dc_engine_insert; TSV parsing
 *     timed apart), then dc_engine_pack; peak RSS (VmHWM) of the process after the
 *     engine answered every query, before any baseline ran;
 *  2. truce: the 10,000 queries (dc_engine_query), RUNS passes, p50/p99 per query;
 *  3. hot spot: 10,000 volumes stacked over Aleppo (36.2 N 37.15 E, within 8 km; half
 *     geodesic circles, half polygons; all windows overlapping one 4-hour span) added to
 *     the same engine; 1,000 queries of the same kind, with zero separation and with
 *     500 m / 150 m; p50/p99 (the p99 goal: under 1 ms);
 *  4. brute force: dc_engine_query_scan (every stored volume, the same exact tests) on
 *     every SAMPLE-th query, beside truce on the same queries;
 *  5. SQLite: an in-memory database, table vol(id, alo, ahi, t0, t1, geom blob) and a
 *     3-D R*Tree (lon, lat, time); per query the R*Tree join with the exact time and
 *     altitude filters in SQL, then GEOSPreparedIntersects on each candidate's polygon.
 *
 * Agreement (exit 3 otherwise): per query, truce's pair count and id checksum equal the
 * brute force's (sample), SQLite's, PostGIS's counts (if given) and, in total, 377,776
 * pairs. Checksum: sum over pairs of (query_id * 1000003 + volume_id) mod 2147483647.
 *
 * Usage: bench_deconflict [--data DIR] [--runs N] [--sqlite-runs N] [--sample K]
 *          [--postgis FILE.json] [--json OUT.json] [--expect-pairs N] [--no-sqlite]
 */
#include <errno.h>
#include <geos_c.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engines/deconflict.h"

#define EXPECTED_PAIRS_B 377776ull /* README.md of the shared workloads */
#define EPOCH_2025 1735689600LL
#define MAX_RUNS 15
#define HOT_N 10000
#define HOT_Q 1000
#define HOT_ID0 10000001LL
#define ALEPPO_LON 37.15
#define ALEPPO_LAT 36.2

/* ---- small utilities ---- */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_deconflict: ", stderr);
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

static double secs(uint64_t ns) {
    return (double)ns / 1e9;
}

static uint64_t pair_mix(int64_t q, int64_t v) {
    return ((uint64_t)q * 1000003u + (uint64_t)v) % 2147483647u;
}

/* VmRSS or VmHWM of this process, in MiB. */
static double proc_mib(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    double kb = 0;
    size_t klen = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') kb = strtod(line + klen + 1, NULL);
    if (f) fclose(f);
    return kb / 1024;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile (p in [0, 100]) of n latencies in ns, in microseconds. */
static double pct_us(const uint64_t *ns, size_t n, double p) {
    uint64_t *s = xmalloc(n * sizeof *s);
    memcpy(s, ns, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_u64);
    size_t k = (size_t)ceil(p / 100 * (double)n);
    double v = (double)s[k ? k - 1 : 0] / 1e3;
    free(s);
    return v;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- workload B ---- */

typedef struct row {
    int64_t id;
    int kind;
    double cx, cy, r_km;
    double alo, ahi;
    int64_t t0, t1;
    double *xy;     /* closed ring, owned by the reader */
    size_t n, cap;  /* positions */
} row;

/* Parses one TSV line into r (r->xy reused). */
static int parse_row(char *line, row *r) {
    char *p = line, *end;
    r->id = strtoll(p, &end, 10);
    if (end == p || *end != '\t') return -1;
    r->kind = (int)strtol(end + 1, &p, 10);
    r->cx = strtod(p, &p);
    r->cy = strtod(p, &p);
    r->r_km = strtod(p, &p);
    r->alo = strtod(p, &p);
    r->ahi = strtod(p, &p);
    r->t0 = strtoll(p, &p, 10) + EPOCH_2025;
    r->t1 = strtoll(p, &p, 10) + EPOCH_2025;
    char *q = strstr(p, "((");
    if (!q) return -1;
    q += 2;
    r->n = 0;
    for (;;) {
        double x = strtod(q, &end);
        if (end == q) return -1;
        double y = strtod(end, &q);
        if (q == end) return -1;
        if (r->n == r->cap) r->xy = xrealloc(r->xy, (r->cap = r->cap ? 2 * r->cap : 64) * 2 * sizeof(double));
        r->xy[2 * r->n] = x;
        r->xy[2 * r->n + 1] = y;
        r->n++;
        if (*q == ',') q++;
        else if (*q == ')') return r->n >= 4 ? 0 : -1;
        else return -1;
    }
}

typedef int (*row_fn)(void *ctx, const row *r);

/* Calls fn for each row of path; returns the rows read. *parse_ns gets the time spent
 * reading and parsing (not in fn). */
static size_t read_rows(const char *path, row_fn fn, void *ctx, uint64_t *parse_ns) {
    FILE *f = fopen(path, "r");
    if (!f) die("%s: %s (run bench/deconflict.sh, which generates it)", path, strerror(errno));
    char *line = NULL;
    size_t len = 0, n = 0;
    row r = {0};
    uint64_t t = tr_clock_ns(), in_fn = 0;
    while (getline(&line, &len, f) > 0) {
        if (parse_row(line, &r) != 0) die("%s:%zu: not a workload B row", path, n + 1);
        uint64_t a = tr_clock_ns();
        if (fn(ctx, &r) != 0) die("%s:%zu: row refused", path, n + 1);
        in_fn += tr_clock_ns() - a;
        n++;
    }
    *parse_ns = tr_clock_ns() - t - in_fn;
    free(line);
    free(r.xy);
    fclose(f);
    return n;
}

static dc_volume volume_of(const row *r) {
    dc_volume v = {.id = r->id, .owner = 1 + r->id % 5, .kind = 0, .t_start = r->t0, .t_end = r->t1,
                   .alt_lo = r->alo, .alt_hi = r->ahi};
    v.foot = (dc_footprint){.shape = DC_POLYGON, .xy = r->xy, .npos = r->n};
    return v;
}

static int insert_row(void *ctx, const row *r) {
    dc_volume v = volume_of(r);
    tr_err err = {0};
    int rc = dc_engine_insert(ctx, &v, &err);
    if (rc != TR_OK) fprintf(stderr, "insert %" PRId64 ": %s: %s\n", r->id, err.field, err.msg);
    return rc;
}

/* The query volumes, kept (with their rings) for every system. */
typedef struct query {
    int64_t id;
    dc_volume v;
    double *xy;
    size_t n;
} query;

typedef struct queries {
    query *q;
    size_t n, cap;
} queries;

static int keep_query(void *ctx, const row *r) {
    queries *qs = ctx;
    if (qs->n == qs->cap) qs->q = xrealloc(qs->q, (qs->cap = qs->cap ? 2 * qs->cap : 1024) * sizeof *qs->q);
    query *q = &qs->q[qs->n++];
    q->id = r->id;
    q->n = r->n;
    q->xy = xmalloc(2 * r->n * sizeof *q->xy);
    memcpy(q->xy, r->xy, 2 * r->n * sizeof *q->xy);
    q->v = volume_of(r);
    q->v.foot.xy = q->xy;
    return 0;
}

/* Per-query answers of one system, for the agreement checks. */
typedef struct answers {
    uint64_t *count, *sum;
} answers;

static answers answers_new(size_t n) {
    answers a = {xmalloc(n * sizeof(uint64_t)), xmalloc(n * sizeof(uint64_t))};
    memset(a.count, 0, n * sizeof(uint64_t));
    memset(a.sum, 0, n * sizeof(uint64_t));
    return a;
}

static void answers_free(answers *a) {
    free(a->count);
    free(a->sum);
}

static uint64_t total(const uint64_t *v, size_t n) {
    uint64_t t = 0;
    for (size_t i = 0; i < n; i++) t += v[i];
    return t;
}

/* ---- truce ---- */

typedef struct lat_stats {
    double p50_us, p99_us, mean_us, max_us;
} lat_stats;

static lat_stats stats_of(const uint64_t *ns, size_t n) {
    lat_stats s = {pct_us(ns, n, 50), pct_us(ns, n, 99), 0, 0};
    for (size_t i = 0; i < n; i++) {
        s.mean_us += (double)ns[i] / 1e3 / (double)n;
        if ((double)ns[i] / 1e3 > s.max_us) s.max_us = (double)ns[i] / 1e3;
    }
    return s;
}

/* Runs queries [0, n) with step `step` through the engine (or its scan); fills ns and,
 * if a is given, the answers (indexed by position / step). */
static void run_engine(dc_engine *e, const queries *qs, size_t step, bool scan, const dc_sep *sep,
                       uint64_t *ns, answers *a, uint64_t *candidates) {
    dc_result r = {0};
    tr_err err = {0};
    size_t k = 0;
    for (size_t i = 0; i < qs->n; i += step, k++) {
        dc_query dq = {.vol = &qs->q[i].v};
        if (sep) dq.sep = *sep;
        uint64_t t = tr_clock_ns();
        int rc = scan ? dc_engine_query_scan(e, &dq, &r, &err) : dc_engine_query(e, &dq, &r, &err);
        ns[k] = tr_clock_ns() - t;
        if (rc != TR_OK) die("query %" PRId64 ": %s: %s", qs->q[i].id, err.field, err.msg);
        if (candidates) *candidates += r.candidates;
        if (!a) continue;
        a->count[k] = r.n;
        a->sum[k] = 0;
        for (size_t h = 0; h < r.n; h++) a->sum[k] += pair_mix(qs->q[i].id, r.hits[h].id);
    }
    dc_result_free(&r);
}

/* Queries per second with `threads` threads, each taking every threads-th query. */
typedef struct thr_arg {
    dc_engine *e;
    const queries *qs;
    size_t first, step;
} thr_arg;

static void *thr_run(void *p) {
    thr_arg *a = p;
    dc_result r = {0};
    for (size_t i = a->first; i < a->qs->n; i += a->step) {
        dc_query dq = {.vol = &a->qs->q[i].v};
        if (dc_engine_query(a->e, &dq, &r, NULL) != TR_OK) die("query failed");
    }
    dc_result_free(&r);
    return NULL;
}

static double throughput(dc_engine *e, const queries *qs, int threads) {
    pthread_t th[8];
    thr_arg args[8];
    uint64_t t = tr_clock_ns();
    for (int i = 0; i < threads; i++) {
        args[i] = (thr_arg){e, qs, (size_t)i, (size_t)threads};
        pthread_create(&th[i], NULL, thr_run, &args[i]);
    }
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    return (double)qs->n / secs(tr_clock_ns() - t);
}

/* ---- the hot spot over Aleppo ---- */

typedef struct rng {
    uint64_t s;
} rng;

static double uni(rng *r, double a, double b) {
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t x = r->s ^ (r->s >> 33);
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return a + (b - a) * ((double)(x >> 11) / 9007199254740992.0);
}

/* One stacked volume: a circle (native, geodesic) or a star polygon of 8-24 vertices,
 * radius 100 m - 3 km, centred within 8 km of Aleppo; a 50-1000 m band in 0-6000 m; a
 * 1-4 hour window starting in the first hour of day 15 (so all overlap). */
static void hot_volume(rng *r, int64_t id, query *q) {
    double ang = uni(r, 0, 2 * M_PI), dist = 8 * sqrt(uni(r, 0, 1));
    double kx = 1 / (111.32 * cos(ALEPPO_LAT * M_PI / 180)), ky = 1 / 110.574;
    double cx = ALEPPO_LON + dist * cos(ang) * kx, cy = ALEPPO_LAT + dist * sin(ang) * ky;
    double rad = uni(r, 0.1, 3.0), thick = uni(r, 50, 1000), alo = uni(r, 0, 6000 - thick);
    int64_t t0 = EPOCH_2025 + 15 * 86400 + (int64_t)uni(r, 0, 3600);
    q->id = id;
    q->v = (dc_volume){.id = id, .owner = 1 + id % 5, .kind = 1, .t_start = t0,
                       .t_end = t0 + 3600 + (int64_t)uni(r, 0, 3 * 3600), .alt_lo = alo, .alt_hi = alo + thick};
    if (uni(r, 0, 1) < 0.5) {
        q->v.foot = (dc_footprint){.shape = DC_CIRCLE, .lon = cx, .lat = cy, .radius_m = rad * 1000};
        q->xy = NULL;
        q->n = 0;
        return;
    }
    size_t n = 8 + (size_t)uni(r, 0, 17);
    double phase = uni(r, 0, 2 * M_PI);
    q->xy = xmalloc(2 * n * sizeof *q->xy);
    q->n = n;
    for (size_t i = 0; i < n; i++) {
        double a = phase + 2 * M_PI * ((double)i + uni(r, -0.3, 0.3)) / (double)n, f = uni(r, 0.75, 1);
        q->xy[2 * i] = cx + f * rad * cos(a) * kx;
        q->xy[2 * i + 1] = cy + f * rad * sin(a) * ky;
    }
    q->v.foot = (dc_footprint){.shape = DC_POLYGON, .xy = q->xy, .npos = n};
}

typedef struct hot_result {
    lat_stats sep0, sep500;
    double mean_hits0, mean_hits500, mean_candidates0;
    double insert_s, remove_s;
} hot_result;

static hot_result hot_spot(dc_engine *e, int runs) {
    hot_result h = {0};
    rng r = {2016};
    queries stored = {xmalloc(HOT_N * sizeof(query)), HOT_N, HOT_N};
    queries qs = {xmalloc(HOT_Q * sizeof(query)), HOT_Q, HOT_Q};
    for (size_t i = 0; i < HOT_N; i++) hot_volume(&r, HOT_ID0 + (int64_t)i, &stored.q[i]);
    for (size_t i = 0; i < HOT_Q; i++) hot_volume(&r, (int64_t)i + 1, &qs.q[i]);
    uint64_t t = tr_clock_ns();
    tr_err err = {0};
    for (size_t i = 0; i < HOT_N; i++)
        if (dc_engine_insert(e, &stored.q[i].v, &err) != TR_OK) die("hot insert: %s", err.msg);
    h.insert_s = secs(tr_clock_ns() - t);
    uint64_t *ns = xmalloc(HOT_Q * sizeof *ns);
    const dc_sep seps[2] = {{0, 0}, {500, 150}};
    for (int s = 0; s < 2; s++) {
        double p50[MAX_RUNS], p99[MAX_RUNS], mean[MAX_RUNS], mx[MAX_RUNS];
        answers a = answers_new(HOT_Q);
        uint64_t cand = 0;
        for (int run = 0; run < runs; run++) {
            run_engine(e, &qs, 1, false, &seps[s], ns, run == 0 ? &a : NULL, run == 0 ? &cand : NULL);
            lat_stats st = stats_of(ns, HOT_Q);
            p50[run] = st.p50_us, p99[run] = st.p99_us, mean[run] = st.mean_us, mx[run] = st.max_us;
        }
        lat_stats med = {median(p50, runs), median(p99, runs), median(mean, runs), median(mx, runs)};
        double hits = (double)total(a.count, HOT_Q) / HOT_Q;
        if (s == 0) h.sep0 = med, h.mean_hits0 = hits, h.mean_candidates0 = (double)cand / HOT_Q;
        else h.sep500 = med, h.mean_hits500 = hits;
        answers_free(&a);
    }
    t = tr_clock_ns();
    for (size_t i = 0; i < HOT_N; i++)
        if (dc_engine_remove(e, HOT_ID0 + (int64_t)i) != TR_OK) die("hot remove");
    h.remove_s = secs(tr_clock_ns() - t);
    for (size_t i = 0; i < HOT_N; i++) free(stored.q[i].xy);
    for (size_t i = 0; i < HOT_Q; i++) free(qs.q[i].xy);
    free(stored.q);
    free(qs.q);
    free(ns);
    return h;
}

/* ---- SQLite R*Tree + GEOS ---- */

typedef struct lite {
    sqlite3 *db;
    sqlite3_stmt *ins, *ins_rt;
} lite;

static void lite_exec(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) die("sqlite: %s: %s", sql, msg);
}

static int lite_row(void *ctx, const row *r) {
    lite *l = ctx;
    double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
    for (size_t i = 0; i < r->n; i++) {
        minx = fmin(minx, r->xy[2 * i]), maxx = fmax(maxx, r->xy[2 * i]);
        miny = fmin(miny, r->xy[2 * i + 1]), maxy = fmax(maxy, r->xy[2 * i + 1]);
    }
    sqlite3_bind_int64(l->ins, 1, r->id);
    sqlite3_bind_double(l->ins, 2, r->alo);
    sqlite3_bind_double(l->ins, 3, r->ahi);
    sqlite3_bind_int64(l->ins, 4, r->t0);
    sqlite3_bind_int64(l->ins, 5, r->t1);
    sqlite3_bind_blob(l->ins, 6, r->xy, (int)(2 * r->n * sizeof(double)), SQLITE_STATIC);
    if (sqlite3_step(l->ins) != SQLITE_DONE) die("sqlite insert: %s", sqlite3_errmsg(l->db));
    sqlite3_reset(l->ins);
    double b[6] = {minx, maxx, miny, maxy, (double)r->t0, (double)r->t1};
    sqlite3_bind_int64(l->ins_rt, 1, r->id);
    for (int i = 0; i < 6; i++) sqlite3_bind_double(l->ins_rt, i + 2, b[i]);
    if (sqlite3_step(l->ins_rt) != SQLITE_DONE) die("sqlite rtree insert: %s", sqlite3_errmsg(l->db));
    sqlite3_reset(l->ins_rt);
    return 0;
}

static GEOSGeometry *geos_polygon(GEOSContextHandle_t h, const double *xy, size_t n) {
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, xy, (unsigned)n, 0, 0);
    GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
    return ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
}

typedef struct lite_result {
    double load_s, p50[MAX_RUNS], p99[MAX_RUNS], mean[MAX_RUNS];
    uint64_t candidates;
} lite_result;

/* Loads the volumes into SQLite and runs every query `runs` times; fills a. */
static lite_result sqlite_bench(const char *vols, const queries *qs, int runs, answers *a) {
    lite_result out = {0};
    lite l = {0};
    if (sqlite3_open(":memory:", &l.db) != SQLITE_OK) die("sqlite open");
    lite_exec(l.db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2000000;"
                    "CREATE TABLE vol(id INTEGER PRIMARY KEY, alo REAL, ahi REAL, t0 INTEGER, t1 INTEGER, geom BLOB);"
                    "CREATE VIRTUAL TABLE vol_rt USING rtree(id, minx, maxx, miny, maxy, mint, maxt);");
    sqlite3_prepare_v2(l.db, "INSERT INTO vol VALUES (?,?,?,?,?,?)", -1, &l.ins, NULL);
    sqlite3_prepare_v2(l.db, "INSERT INTO vol_rt VALUES (?,?,?,?,?,?,?)", -1, &l.ins_rt, NULL);
    uint64_t parse_ns, t = tr_clock_ns();
    lite_exec(l.db, "BEGIN");
    read_rows(vols, lite_row, &l, &parse_ns);
    lite_exec(l.db, "COMMIT");
    out.load_s = secs(tr_clock_ns() - t - parse_ns);
    sqlite3_finalize(l.ins);
    sqlite3_finalize(l.ins_rt);
    sqlite3_stmt *sel;
    if (sqlite3_prepare_v2(l.db,
                           "SELECT v.id, v.geom FROM vol_rt r JOIN vol v ON v.id = r.id "
                           "WHERE r.minx <= ?2 AND r.maxx >= ?1 AND r.miny <= ?4 AND r.maxy >= ?3 "
                           "AND r.mint <= ?6 AND r.maxt >= ?5 AND v.t0 < ?6 AND v.t1 > ?5 "
                           "AND v.alo <= ?8 AND v.ahi >= ?7",
                           -1, &sel, NULL) != SQLITE_OK)
        die("sqlite prepare: %s", sqlite3_errmsg(l.db));
    GEOSContextHandle_t h = GEOS_init_r();
    uint64_t *ns = xmalloc(qs->n * sizeof *ns);
    for (int run = 0; run < runs; run++) {
        for (size_t i = 0; i < qs->n; i++) {
            const query *q = &qs->q[i];
            uint64_t t0 = tr_clock_ns();
            double minx = INFINITY, maxx = -INFINITY, miny = INFINITY, maxy = -INFINITY;
            for (size_t k = 0; k < q->n; k++) {
                minx = fmin(minx, q->xy[2 * k]), maxx = fmax(maxx, q->xy[2 * k]);
                miny = fmin(miny, q->xy[2 * k + 1]), maxy = fmax(maxy, q->xy[2 * k + 1]);
            }
            GEOSGeometry *qg = geos_polygon(h, q->xy, q->n);
            const GEOSPreparedGeometry *pq = GEOSPrepare_r(h, qg);
            double b[8] = {minx, maxx, miny, maxy, (double)q->v.t_start, (double)q->v.t_end, q->v.alt_lo, q->v.alt_hi};
            for (int k = 0; k < 8; k++) sqlite3_bind_double(sel, k + 1, b[k]);
            sqlite3_bind_int64(sel, 5, q->v.t_start);
            sqlite3_bind_int64(sel, 6, q->v.t_end);
            uint64_t count = 0, sum = 0;
            while (sqlite3_step(sel) == SQLITE_ROW) {
                int64_t id = sqlite3_column_int64(sel, 0);
                const double *xy = sqlite3_column_blob(sel, 1);
                size_t n = (size_t)sqlite3_column_bytes(sel, 1) / (2 * sizeof(double));
                GEOSGeometry *g = geos_polygon(h, xy, n);
                if (run == 0) out.candidates++;
                if (g && GEOSPreparedIntersects_r(h, pq, g) == 1) {
                    count++;
                    sum += pair_mix(q->id, id);
                }
                GEOSGeom_destroy_r(h, g);
            }
            sqlite3_reset(sel);
            GEOSPreparedGeom_destroy_r(h, pq);
            GEOSGeom_destroy_r(h, qg);
            ns[i] = tr_clock_ns() - t0;
            if (run == 0) a->count[i] = count, a->sum[i] = sum;
        }
        lat_stats st = stats_of(ns, qs->n);
        out.p50[run] = st.p50_us, out.p99[run] = st.p99_us, out.mean[run] = st.mean_us;
    }
    free(ns);
    GEOS_finish_r(h);
    sqlite3_finalize(sel);
    sqlite3_close(l.db);
    return out;
}

/* ---- PostGIS (deconflict_postgis.sh's JSON and per-query counts) ---- */

typedef struct pg_result {
    bool present;
    double p50_us, p99_us, mean_us, load_s, index_s;
    uint64_t pairs, checksum;
    const char *version;
    json_t *json;
} pg_result;

static pg_result read_postgis(const char *path, const queries *qs, answers *a) {
    pg_result p = {0};
    if (!path) return p;
    json_error_t je;
    p.json = json_load_file(path, 0, &je);
    if (!p.json) die("%s: %s", path, je.text);
    p.present = true;
    p.p50_us = json_number_value(json_object_get(p.json, "median_p50_us"));
    p.p99_us = json_number_value(json_object_get(p.json, "median_p99_us"));
    p.mean_us = json_number_value(json_object_get(p.json, "median_mean_us"));
    p.load_s = json_number_value(json_object_get(p.json, "load_s"));
    p.index_s = json_number_value(json_object_get(p.json, "index_s"));
    p.pairs = (uint64_t)json_integer_value(json_object_get(p.json, "pairs"));
    p.checksum = (uint64_t)json_integer_value(json_object_get(p.json, "checksum"));
    p.version = json_string_value(json_object_get(p.json, "version"));
    const char *counts = json_string_value(json_object_get(p.json, "counts_file"));
    FILE *f = counts ? fopen(counts, "r") : NULL;
    if (!f) die("%s: counts_file missing or unreadable", path);
    long long qid, n;
    while (fscanf(f, "%lld %lld", &qid, &n) == 2)
        if (qid >= 1 && (size_t)qid <= qs->n && qs->q[qid - 1].id == qid) a->count[qid - 1] = (uint64_t)n;
    fclose(f);
    return p;
}

/* ---- agreement ---- */

/* Counts the queries (positions i * step) where b differs from a (checksums when
 * with_sum); prints the first few. */
static size_t disagreements(const char *name, const answers *truce, const answers *b, size_t n, size_t step,
                            bool with_sum, const queries *qs) {
    size_t bad = 0;
    for (size_t k = 0; k * step < n; k++) {
        size_t i = k * step;
        if (truce->count[i] == b->count[k] && (!with_sum || truce->sum[i] == b->sum[k])) continue;
        if (bad++ < 5)
            fprintf(stderr, "disagreement (%s): query %" PRId64 ": truce %" PRIu64 " pairs, %s %" PRIu64 "\n", name,
                    qs->q[i].id, truce->count[i], name, b->count[k]);
    }
    return bad;
}

/* ---- main ---- */

typedef struct opts {
    const char *data, *json, *postgis;
    int runs, sqlite_runs;
    size_t sample;
    uint64_t expect;
    bool sqlite;
} opts;

static opts parse_args(int argc, char **argv) {
    opts o = {"bench/work/data", NULL, NULL, 3, 3, 20, EXPECTED_PAIRS_B, true};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-sqlite") == 0) { o.sqlite = false; continue; }
        if (!v) die("usage: bench_deconflict [--data DIR] [--runs N] [--sqlite-runs N] [--sample K] "
                    "[--postgis FILE] [--json FILE] [--expect-pairs N] [--no-sqlite]");
        if (strcmp(a, "--data") == 0) o.data = v;
        else if (strcmp(a, "--json") == 0) o.json = v;
        else if (strcmp(a, "--postgis") == 0) o.postgis = v;
        else if (strcmp(a, "--runs") == 0) o.runs = atoi(v);
        else if (strcmp(a, "--sqlite-runs") == 0) o.sqlite_runs = atoi(v);
        else if (strcmp(a, "--sample") == 0) o.sample = (size_t)atol(v);
        else if (strcmp(a, "--expect-pairs") == 0) o.expect = strtoull(v, NULL, 10);
        else die("unknown option %s", a);
        i++;
    }
    if (o.runs < 1 || o.runs > MAX_RUNS || o.sqlite_runs < 1 || o.sqlite_runs > MAX_RUNS || o.sample < 1)
        die("runs must be in 1..%d and sample >= 1", MAX_RUNS);
    return o;
}

static double ratio(double base, double ours) {
    return ours > 0 ? base / ours : 0;
}

int main(int argc, char **argv) {
    opts o = parse_args(argc, argv);
    char vols[1024], qpath[1024];
    snprintf(vols, sizeof vols, "%s/b_vols.tsv", o.data);
    snprintf(qpath, sizeof qpath, "%s/b_queries.tsv", o.data);

    /* queries first (small), then the engine */
    queries qs = {0};
    uint64_t parse_ns;
    read_rows(qpath, keep_query, &qs, &parse_ns);
    double rss0 = proc_mib("VmRSS");
    dc_engine *e = dc_engine_new();
    if (!e) die("out of memory");
    uint64_t t = tr_clock_ns();
    size_t nvols = read_rows(vols, insert_row, e, &parse_ns);
    uint64_t load_ns = tr_clock_ns() - t;
    uint64_t insert_ns = load_ns - parse_ns;
    t = tr_clock_ns();
    if (dc_engine_pack(e) != TR_OK) die("pack: out of memory");
    uint64_t pack_ns = tr_clock_ns() - t;
    dc_stats st;
    dc_engine_stats(e, &st);
    double rss_loaded = proc_mib("VmRSS");
    printf("truce: %zu volumes (%zu vertices) in %.2f s one by one + %.2f s pack = start-up %.2f s "
           "(TSV reading and parsing %.2f s apart)\n",
           nvols, st.vertices, secs(insert_ns), secs(pack_ns), secs(insert_ns + pack_ns), secs(parse_ns));
    printf("       engine %.0f MiB by its own count (%.0f B/volume: records %.0f, polygons %.0f, index %.0f, "
           "id map %.0f); RSS %.0f MiB (%.0f before loading)\n",
           (double)st.bytes_total / 1048576, (double)st.bytes_total / (double)nvols,
           (double)st.bytes_records / (double)nvols, (double)st.bytes_polygons / (double)nvols,
           (double)st.bytes_index / (double)nvols, (double)st.bytes_idmap / (double)nvols, rss_loaded, rss0);

    /* truce, RUNS passes over every query */
    size_t nq = qs.n;
    uint64_t *ns = xmalloc(nq * sizeof *ns), cand = 0;
    answers tru = answers_new(nq);
    double p50[MAX_RUNS], p99[MAX_RUNS], mean[MAX_RUNS];
    for (int run = 0; run < o.runs; run++) {
        run_engine(e, &qs, 1, false, NULL, ns, run == 0 ? &tru : NULL, run == 0 ? &cand : NULL);
        lat_stats s = stats_of(ns, nq);
        p50[run] = s.p50_us, p99[run] = s.p99_us, mean[run] = s.mean_us;
        printf("truce run %d: p50 %.1f us, p99 %.1f us, mean %.1f us, max %.1f us\n", run + 1, s.p50_us,
               s.p99_us, s.mean_us, s.max_us);
    }
    double t_p50 = median(p50, o.runs), t_p99 = median(p99, o.runs), t_mean = median(mean, o.runs);
    uint64_t pairs = total(tru.count, nq), checksum = total(tru.sum, nq) ;
    printf("truce: %zu queries, %" PRIu64 " pairs (expected %" PRIu64 "), checksum %" PRIu64
           ", %.1f candidates per query; median p50 %.1f us, p99 %.1f us\n",
           nq, pairs, o.expect, checksum, (double)cand / (double)nq, t_p50, t_p99);

    double qps1[MAX_RUNS], qps2[MAX_RUNS];
    for (int run = 0; run < o.runs; run++) qps1[run] = throughput(e, &qs, 1), qps2[run] = throughput(e, &qs, 2);
    double q1 = median(qps1, o.runs), q2 = median(qps2, o.runs);
    printf("truce throughput: %.0f queries/s on 1 thread, %.0f on 2 threads (x%.2f)\n", q1, q2, q2 / q1);

    /* hot spot */
    hot_result hot = hot_spot(e, o.runs);
    printf("hot spot (10,000 volumes over Aleppo + the 1,000,000): inserted in %.3f s; 1,000 queries, "
           "zero separation: p50 %.1f us, p99 %.1f us, max %.1f us, %.1f conflicts and %.1f candidates per query; "
           "500 m / 150 m: p50 %.1f us, p99 %.1f us, %.1f conflicts per query; removed in %.3f s\n",
           hot.insert_s, hot.sep0.p50_us, hot.sep0.p99_us, hot.sep0.max_us, hot.mean_hits0, hot.mean_candidates0,
           hot.sep500.p50_us, hot.sep500.p99_us, hot.mean_hits500, hot.remove_s);
    double hwm = proc_mib("VmHWM");
    printf("peak RSS (VmHWM) after loading and querying: %.0f MiB (limit 1024)\n", hwm);

    /* brute force on a sample, beside truce on the same queries */
    size_t ns_sample = (nq + o.sample - 1) / o.sample;
    uint64_t *bns = xmalloc(ns_sample * sizeof *bns), *tns = xmalloc(ns_sample * sizeof *tns);
    answers brute = answers_new(ns_sample);
    run_engine(e, &qs, o.sample, true, NULL, bns, &brute, NULL);
    run_engine(e, &qs, o.sample, false, NULL, tns, NULL, NULL);
    lat_stats bs = stats_of(bns, ns_sample), ts = stats_of(tns, ns_sample);
    size_t bad_brute = disagreements("brute force", &tru, &brute, nq, o.sample, true, &qs);
    printf("brute force (every %zu-th query, %zu queries): p50 %.1f us, p99 %.1f us; truce on them p50 %.1f us "
           "-> %.0fx; %zu disagreements\n",
           o.sample, ns_sample, bs.p50_us, bs.p99_us, ts.p50_us, ratio(bs.p50_us, ts.p50_us), bad_brute);
    dc_engine_free(e);

    /* SQLite */
    lite_result lr = {0};
    size_t bad_lite = 0;
    answers lans = answers_new(nq);
    if (o.sqlite) {
        lr = sqlite_bench(vols, &qs, o.sqlite_runs, &lans);
        bad_lite = disagreements("sqlite", &tru, &lans, nq, 1, true, &qs);
        printf("sqlite R*Tree + GEOS: load %.1f s; p50 %.1f us, p99 %.1f us (median of %d); %" PRIu64
               " pairs, %.1f candidates per query; %zu disagreements\n",
               lr.load_s, median(lr.p50, o.sqlite_runs), median(lr.p99, o.sqlite_runs), o.sqlite_runs,
               total(lans.count, nq), (double)lr.candidates / (double)nq, bad_lite);
    }

    /* PostGIS */
    answers pga = answers_new(nq);
    pg_result pg = read_postgis(o.postgis, &qs, &pga);
    size_t bad_pg = 0;
    if (pg.present) {
        bad_pg = disagreements("postgis", &tru, &pga, nq, 1, false, &qs);
        if (pg.checksum != checksum || pg.pairs != pairs) bad_pg++;
        printf("postgis: p50 %.1f us, p99 %.1f us; %" PRIu64 " pairs, checksum %" PRIu64 "; %zu disagreements\n",
               pg.p50_us, pg.p99_us, pg.pairs, pg.checksum, bad_pg);
    }

    bool agree = pairs == o.expect && bad_brute == 0 && bad_lite == 0 && bad_pg == 0;
    double s_p50 = o.sqlite ? median(lr.p50, o.sqlite_runs) : 0, s_p99 = o.sqlite ? median(lr.p99, o.sqlite_runs) : 0;
    printf("\n%-34s %10s %10s %12s %12s\n", "conflict check, workload B", "p50 us", "p99 us", "truce x p50", "truce x p99");
    printf("%-34s %10.1f %10.1f %12s %12s\n", "truce (in-process)", t_p50, t_p99, "1", "1");
    if (pg.present)
        printf("%-34s %10.1f %10.1f %12.1f %12.1f\n", "PostGIS (GiST, inside the server)", pg.p50_us, pg.p99_us,
               ratio(pg.p50_us, t_p50), ratio(pg.p99_us, t_p99));
    if (o.sqlite)
        printf("%-34s %10.1f %10.1f %12.1f %12.1f\n", "SQLite R*Tree + GEOS", s_p50, s_p99, ratio(s_p50, t_p50),
               ratio(s_p99, t_p99));
    printf("%-34s %10.1f %10.1f %12.1f %12s\n", "brute force (sample)", bs.p50_us, bs.p99_us, ratio(bs.p50_us, ts.p50_us), "");
    printf("agreement: %s\n", agree ? "all systems return the same pairs" : "DISAGREEMENT");

    if (o.json) {
        json_t *j = json_pack(
            "{s:s, s:s, s:s, s:f, s:{s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f}, s:{s:i, s:i, s:i, s:i, s:I, s:I},"
            " s:{s:f, s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f},"
            " s:{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}, s:b}",
            "benchmark", "deconflict", "metric", "conflict check of one new volume against 1,000,000, p50 latency",
            "unit", "us", "truce", t_p50,
            "baselines", "postgis", pg.p50_us, "sqlite_rtree_geos", s_p50, "brute_force_sample", bs.p50_us,
            "ratios", "truce_vs_postgis_p50", ratio(pg.p50_us, t_p50), "truce_vs_postgis_p99", ratio(pg.p99_us, t_p99),
            "truce_vs_sqlite_p50", ratio(s_p50, t_p50), "truce_vs_brute_force_p50", ratio(bs.p50_us, ts.p50_us),
            "data", "volumes", (int)nvols, "queries", (int)nq, "vertices", (int)st.vertices, "hot_spot_volumes", HOT_N,
            "pairs", (json_int_t)pairs, "checksum", (json_int_t)checksum,
            "startup", "insert_s", secs(insert_ns), "pack_s", secs(pack_ns), "startup_s", secs(insert_ns + pack_ns),
            "tsv_parse_s", secs(parse_ns),
            "memory", "peak_rss_mib", hwm, "rss_before_load_mib", rss0, "rss_loaded_mib", rss_loaded,
            "engine_mib", (double)st.bytes_total / 1048576, "bytes_per_volume", (double)st.bytes_total / (double)nvols,
            "records_b", (double)st.bytes_records / (double)nvols, "polygons_b", (double)st.bytes_polygons / (double)nvols,
            "index_b", (double)st.bytes_index / (double)nvols,
            "latency_us", "truce_p50", t_p50, "truce_p99", t_p99, "truce_mean", t_mean, "postgis_p50", pg.p50_us,
            "postgis_p99", pg.p99_us, "sqlite_p50", s_p50, "sqlite_p99", s_p99, "brute_p50", bs.p50_us,
            "brute_p99", bs.p99_us, "truce_on_brute_sample_p50", ts.p50_us,
            "agree", agree);
        json_t *hj = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "p50_us", hot.sep0.p50_us,
                               "p99_us", hot.sep0.p99_us, "max_us", hot.sep0.max_us, "conflicts_per_query",
                               hot.mean_hits0, "candidates_per_query", hot.mean_candidates0, "sep500_p50_us",
                               hot.sep500.p50_us, "sep500_p99_us", hot.sep500.p99_us, "sep500_conflicts_per_query",
                               hot.mean_hits500, "insert_s", hot.insert_s, "remove_s", hot.remove_s);
        json_object_set_new(j, "hot_spot", hj);
        json_object_set_new(j, "candidates_per_query", json_real((double)cand / (double)nq));
        json_object_set_new(j, "throughput_qps", json_pack("{s:f, s:f}", "threads_1", q1, "threads_2", q2));
        if (o.sqlite) json_object_set_new(j, "sqlite_load_s", json_real(lr.load_s));
        if (pg.present) json_object_set(j, "postgis", pg.json);
        const char *busy = getenv("TRUCE_CPU_BUSY_BEFORE");
        json_object_set_new(j, "host", json_pack("{s:i}", "cpu_busy_percent_before", busy ? atoi(busy) : -1));
        if (json_dump_file(j, o.json, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) != 0) die("cannot write %s", o.json);
        json_decref(j);
    }
    json_decref(pg.json);
    for (size_t i = 0; i < nq; i++) free(qs.q[i].xy);
    free(qs.q);
    free(ns);
    free(bns);
    free(tns);
    answers_free(&tru);
    answers_free(&brute);
    answers_free(&lans);
    answers_free(&pga);
    return agree ? 0 : 3;
}
