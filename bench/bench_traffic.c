/*
 * bench_traffic.c — tactical conflict detection (issue 16, docs/traffic.md): N tracks
 * over Syria updating at 1 Hz for S simulated seconds, each position through the traffic
 * engine with its grid index, beside a brute-force all-pairs closest-approach check (the
 * same engine with tf_config.brute_force: every live track and every object evaluated on
 * every position) in the same run, which must give identical alerts.
 *
 * Data (deterministic, seeded): N tracks of 4 parties, uniform over lon 35.7..42.4,
 * lat 32.3..37.3, altitudes 300..12,000 m (a fifth climbing or descending 5..15 m/s,
 * bouncing between 300 and 12,000 m), 60..280 m/s, a new heading every 20..60 s, bouncing
 * off the box's edges (so the density stays uniform); positions move straight in between (in each track's
 * local frame) and come each second in a shuffled order. Objects as a busy day would have them: 200 protected
 * sites (100..500 m discs), 30 active operation volumes (5..20 km discs, bands in 0..9,000 m) and 12
 * no-strike areas (octagons of 2..8 km). Default separations, look-ahead and levels (traffic.h).
 *
 * Measured per size, RUNS times (median quoted): each position's detection time
 * (tf_engine_update, clock_gettime around the call) p50 / p99 / mean and the whole run's
 * positions per second, for the index and for the brute force; the ratio; alerts raised,
 * escalated, lowered, cleared; identical or not (every change, every figure, in order).
 * The brute force's cost grows as N^2 (each position evaluates every track): it runs RUNS
 * times while N x N x S x RUNS pair evaluations stay within --brute-budget (default 2e9:
 * 1,000 tracks), else once (5,000), else once over the first B seconds that fit (20,000
 * tracks: 5 s); the index is then compared with it on those seconds.
 *
 * Usage: bench_traffic [--sizes 1000,5000,20000] [--seconds S] [--runs R] [--brute-budget E] [--json FILE]
 * Exit status 3 when the two disagree.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engines/traffic.h"
#include "engines/traffic_int.h"

#define MAX_RUNS 9
#define MAX_SIZES 8
#define LON0 35.7
#define LON1 42.4
#define LAT0 32.3
#define LAT1 37.3
#define T0_MS 1474279200000LL

static void die(const char *m) {
    fprintf(stderr, "bench_traffic: %s\n", m);
    exit(1);
}

static double urand(unsigned *s) {
    return (double)rand_r(s) / ((double)RAND_MAX + 1);
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the stream ---- */

typedef struct sim {
    tf_pos p;
    double speed, next_turn;
} sim;

static void new_heading(sim *s, unsigned *seed, double t) {
    double h = urand(seed) * 2 * M_PI;
    s->p.vx = s->speed * sin(h);
    s->p.vy = s->speed * cos(h);
    s->next_turn = t + 20 + 40 * urand(seed);
}

/* Leaving the box: bounce off its edge (the density stays uniform). */
static void bounce(sim *s) {
    if ((s->p.lon < LON0 && s->p.vx < 0) || (s->p.lon > LON1 && s->p.vx > 0)) s->p.vx = -s->p.vx;
    if ((s->p.lat < LAT0 && s->p.vy < 0) || (s->p.lat > LAT1 && s->p.vy > 0)) s->p.vy = -s->p.vy;
}

/* positions[second * n + k]: every track's position each second, in a shuffled order. */
static tf_pos *make_stream(int n, int seconds, unsigned seed) {
    sim *s = calloc((size_t)n, sizeof *s);
    tf_pos *out = malloc((size_t)n * (size_t)seconds * sizeof *out);
    int *order = malloc((size_t)n * sizeof *order);
    if (!s || !out || !order) die("out of memory");
    for (int i = 0; i < n; i++) {
        s[i].p = (tf_pos){.track = i + 1,
                          .party = i % 4,
                          .lon = LON0 + (LON1 - LON0) * urand(&seed),
                          .lat = LAT0 + (LAT1 - LAT0) * urand(&seed),
                          .alt = 300 + 11700 * urand(&seed)};
        s[i].speed = 60 + 220 * urand(&seed);
        if (urand(&seed) < 0.2) s[i].p.vz = (urand(&seed) < 0.5 ? -1 : 1) * (5 + 10 * urand(&seed));
        new_heading(&s[i], &seed, 0);
        order[i] = i;
    }
    for (int t = 0; t < seconds; t++) {
        for (int i = n - 1; i > 0; i--) { /* Fisher-Yates */
            int j = rand_r(&seed) % (i + 1), x = order[i];
            order[i] = order[j];
            order[j] = x;
        }
        for (int k = 0; k < n; k++) {
            sim *a = &s[order[k]];
            if (t > 0) {
                tf_frame f = tf_frame_at(a->p.lat);
                a->p.lon += a->p.vx / f.kx;
                a->p.lat += a->p.vy / f.ky;
                a->p.alt += a->p.vz;
                if (a->p.alt < 300 || a->p.alt > 12000) a->p.vz = -a->p.vz;
                if (t >= a->next_turn) new_heading(a, &seed, t);
                bounce(a);
            }
            a->p.at_ms = T0_MS + (int64_t)t * 1000 + k * 1000LL / n;
            a->p.recv_ms = a->p.at_ms;
            out[(size_t)t * n + k] = a->p;
        }
    }
    free(s);
    free(order);
    return out;
}

static void add_objects(tf_engine *e, unsigned seed) {
    tr_err err = {0};
    int64_t t0 = T0_MS / 1000;
    for (int i = 0; i < 200; i++) {
        tf_part p = {.circle = true,
                     .lon = LON0 + (LON1 - LON0) * urand(&seed),
                     .lat = LAT0 + (LAT1 - LAT0) * urand(&seed),
                     .radius_m = 100 + 400 * urand(&seed),
                     .alt_lo = -INFINITY,
                     .alt_hi = INFINITY,
                     .t_start = t0 - 86400,
                     .t_end = INT64_MAX};
        if (tf_engine_object_put(e, TF_SITE, i + 1, i % 4, &p, 1, &err)) die(err.msg);
    }
    for (int i = 0; i < 30; i++) {
        double lo = 9000 * urand(&seed) * 0.7;
        tf_part p = {.circle = true,
                     .lon = LON0 + (LON1 - LON0) * urand(&seed),
                     .lat = LAT0 + (LAT1 - LAT0) * urand(&seed),
                     .radius_m = 5000 + 15000 * urand(&seed),
                     .alt_lo = lo,
                     .alt_hi = lo + 3000,
                     .t_start = t0 - 600,
                     .t_end = t0 + 7200};
        if (tf_engine_object_put(e, TF_OPERATION, i + 1, i % 4, &p, 1, &err)) die(err.msg);
    }
    for (int i = 0; i < 12; i++) {
        double cx = LON0 + (LON1 - LON0) * urand(&seed), cy = LAT0 + (LAT1 - LAT0) * urand(&seed),
               r = 2000 + 6000 * urand(&seed);
        tf_frame f = tf_frame_at(cy);
        double xy[16];
        for (int k = 0; k < 8; k++) {
            xy[2 * k] = cx + r * cos(k * M_PI / 4) / f.kx;
            xy[2 * k + 1] = cy + r * sin(k * M_PI / 4) / f.ky;
        }
        uint32_t starts[2] = {0, 8};
        tf_part p = {.xy = xy,
                     .starts = starts,
                     .nrings = 1,
                     .alt_lo = -INFINITY,
                     .alt_hi = INFINITY,
                     .t_start = t0 - 86400,
                     .t_end = INT64_MAX};
        if (tf_engine_area_version(e, i + 1, i % 4, &p, &err)) die(err.msg);
    }
}

/* ---- one run ---- */

typedef struct result {
    double p50_us, p99_us, mean_us, per_s;
    size_t changes[4];
    tf_alerts alerts;
    double pair_tests, candidates;
    double slow_pair_tests; /* mean pair tests of the slowest 1 % of positions */
} result;

/* One position's time and its pair tests. */
typedef struct sample {
    double us;
    uint32_t pairs;
} sample;

static int cmp_sample(const void *x, const void *y) {
    double a = ((const sample *)x)->us, b = ((const sample *)y)->us;
    return a < b ? -1 : a > b;
}

/* p50, p99, mean, and the slowest 1 %'s mean pair tests (to tell a costly position from
 * one the scheduler interrupted, on a shared machine). */
static void summarise(sample *v, size_t n, result *r) {
    double sum = 0, pairs = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i].us;
    qsort(v, n, sizeof *v, cmp_sample);
    r->p50_us = v[n / 2].us;
    r->p99_us = v[(size_t)(n * 0.99)].us;
    r->mean_us = sum / (double)n;
    size_t k = (size_t)(n * 0.99);
    for (size_t i = k; i < n; i++)
        pairs += v[i].pairs;
    r->slow_pair_tests = n > k ? pairs / (double)(n - k) : 0;
}

static void run(const tf_pos *stream, size_t npos, bool brute, unsigned seed, bool keep, result *r) {
    tf_config c = tf_config_default();
    c.brute_force = brute;
    tf_engine *e = tf_engine_new(&c);
    if (!e) die("out of memory");
    add_objects(e, seed);
    sample *v = malloc(npos * sizeof *v);
    if (!v) die("out of memory");
    memset(r, 0, sizeof *r);
    tf_alerts a = {0};
    tr_err err = {0};
    tf_stats s0, s1;
    uint64_t all0 = tr_clock_ns();
    for (size_t i = 0; i < npos; i++) {
        a.n = 0;
        tf_engine_stats(e, &s0);
        uint64_t t0 = tr_clock_ns();
        if (tf_engine_update(e, &stream[i], &a, &err)) die(err.msg);
        v[i].us = (double)(tr_clock_ns() - t0) / 1e3;
        tf_engine_stats(e, &s1);
        v[i].pairs = (uint32_t)(s1.pair_tests - s0.pair_tests);
        for (size_t k = 0; k < a.n; k++) {
            r->changes[a.v[k].change]++;
            if (keep && tf__push(&r->alerts, &a.v[k])) die("out of memory");
        }
    }
    r->per_s = (double)npos / ((double)(tr_clock_ns() - all0) / 1e9);
    summarise(v, npos, r);
    tf_stats st;
    tf_engine_stats(e, &st);
    r->pair_tests = (double)st.pair_tests / (double)npos;
    r->candidates = (double)st.candidates / (double)npos;
    tf_alerts_free(&a);
    free(v);
    tf_engine_free(e);
}

/* Medians over runs of the timed figures; the last run's alerts are kept in out. */
static void measure(const tf_pos *stream, size_t npos, bool brute, int runs, unsigned seed, result *out) {
    double p50[MAX_RUNS], p99[MAX_RUNS], mean[MAX_RUNS], per[MAX_RUNS];
    for (int k = 0; k < runs; k++) {
        result r;
        run(stream, npos, brute, seed, k == runs - 1, &r);
        p50[k] = r.p50_us, p99[k] = r.p99_us, mean[k] = r.mean_us, per[k] = r.per_s;
        if (k == runs - 1) *out = r;
    }
    out->p50_us = median(p50, runs);
    out->p99_us = median(p99, runs);
    out->mean_us = median(mean, runs);
    out->per_s = median(per, runs);
}

static bool same(const tf_alerts *a, const tf_alerts *b) {
    return a->n == b->n && (a->n == 0 || memcmp(a->v, b->v, a->n * sizeof *a->v) == 0);
}

static void print_result(FILE *f, const char *name, const result *r) {
    fprintf(f,
            "\"%s\": {\"p50_us\": %.3f, \"p99_us\": %.3f, \"mean_us\": %.3f, \"positions_per_s\": %.0f, "
            "\"pair_tests_per_position\": %.1f, \"slowest_1pct_pair_tests\": %.1f, "
            "\"candidates_per_position\": %.1f, \"raised\": %zu, "
            "\"escalated\": %zu, \"lowered\": %zu, \"cleared\": %zu}",
            name, r->p50_us, r->p99_us, r->mean_us, r->per_s, r->pair_tests, r->slow_pair_tests,
            r->candidates, r->changes[TF_RAISED], r->changes[TF_ESCALATED], r->changes[TF_LOWERED],
            r->changes[TF_CLEARED]);
}

typedef struct opts {
    int sizes[MAX_SIZES], nsizes, seconds, runs;
    double brute_budget;
    const char *json;
} opts;

static opts parse_args(int argc, char **argv) {
    opts o = {{1000, 5000, 20000}, 3, 60, 3, 2e9, NULL};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--sizes") && i + 1 < argc) {
            o.nsizes = 0;
            for (char *t = strtok(argv[++i], ","); t && o.nsizes < MAX_SIZES; t = strtok(NULL, ","))
                o.sizes[o.nsizes++] = atoi(t);
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            o.seconds = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            o.runs = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--brute-budget") && i + 1 < argc) {
            o.brute_budget = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            o.json = argv[++i];
        } else {
            die("usage: bench_traffic [--sizes N,N] [--seconds S] [--runs R] [--brute-budget E] [--json "
                "FILE]");
        }
    }
    if (o.runs < 1 || o.runs > MAX_RUNS || o.seconds < 1) die("--runs 1..9, --seconds >= 1");
    return o;
}

int main(int argc, char **argv) {
    opts o = parse_args(argc, argv);
    int *sizes = o.sizes, nsizes = o.nsizes, seconds = o.seconds, runs = o.runs;
    double budget = o.brute_budget;
    setvbuf(stdout, NULL, _IOLBF, 0); /* a line per size as it is done */
    const char *json = o.json;
    FILE *out = json ? fopen(json, "w") : NULL;
    if (json && !out) die("cannot write the --json file");
    const char *busy = getenv("TRUCE_CPU_BUSY_BEFORE");
    if (out)
        fprintf(out,
                "{\"benchmark\": \"traffic\", \"runs\": %d, \"seconds\": %d, \"host\": "
                "{\"cpu_busy_percent_before\": %s}, \"sizes\": [",
                runs, seconds, busy ? busy : "null");
    printf("%-7s %-9s %-28s %-28s %-13s %s\n", "tracks", "positions", "truce p50 / p99 / mean (us)",
           "brute force p50 / p99 (us)", "ratio p50/p99", "alerts raised, identical");
    int status = 0;
    for (int z = 0; z < nsizes; z++) {
        int n = sizes[z];
        size_t npos = (size_t)n * (size_t)seconds;
        tf_pos *stream = make_stream(n, seconds, 1234u + (unsigned)n);
        double pairs = (double)n * n;
        int bsec = pairs * seconds <= budget ? seconds : (int)(budget / pairs);
        int bruns = pairs * seconds * runs <= budget ? runs : 1;
        if (bsec < 1) bsec = 1;
        size_t bpos = (size_t)n * (size_t)bsec;
        result ix, bf, ixb;
        measure(stream, npos, false, runs, 99, &ix);
        measure(stream, bpos, true, bruns, 99, &bf);
        if (bsec < seconds) run(stream, bpos, false, 99, true, &ixb);
        bool ok = same(bsec == seconds ? &ix.alerts : &ixb.alerts, &bf.alerts);
        if (!ok) status = 3;
        printf("%-7d %-9zu %8.2f / %8.2f / %7.2f   %10.1f / %10.1f%s  %5.0fx / %4.0fx  %zu, %s\n", n, npos,
               ix.p50_us, ix.p99_us, ix.mean_us, bf.p50_us, bf.p99_us, bsec < seconds ? "*" : " ",
               bf.p50_us / ix.p50_us, bf.p99_us / ix.p99_us, ix.changes[TF_RAISED], ok ? "yes" : "NO");
        if (bsec < seconds || bruns < runs)
            printf("        * brute force over %d s (%zu positions), %d run%s\n", bsec, bpos, bruns,
                   bruns > 1 ? "s" : "");
        if (out) {
            fprintf(out,
                    "%s{\"tracks\": %d, \"positions\": %zu, \"brute_force_seconds\": %d, "
                    "\"brute_force_runs\": %d, "
                    "\"identical\": %s, ",
                    z ? ", " : "", n, npos, bsec, bruns, ok ? "true" : "false");
            print_result(out, "truce", &ix);
            fprintf(out, ", ");
            print_result(out, "brute_force", &bf);
            fprintf(out, ", \"ratio_p50\": %.1f, \"ratio_p99\": %.1f}", bf.p50_us / ix.p50_us,
                    bf.p99_us / ix.p99_us);
        }
        tf_alerts_free(&ix.alerts);
        tf_alerts_free(&bf.alerts);
        if (bsec < seconds) tf_alerts_free(&ixb.alerts);
        free(stream);
    }
    if (out) {
        fprintf(out, "], \"goal\": \"p99 < 1000 us per position at 5,000 tracks\"}\n");
        fclose(out);
    }
    return status;
}
