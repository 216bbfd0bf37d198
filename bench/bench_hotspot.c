/*
 * bench_hotspot.c — one busy place (issue 11, item 7): N reports (20,000) at one place and
 * one time, all one incident, beside a plain SQLite table of the same rows in the same run.
 *
 * Measured, each RUNS times (3; the median of the runs is quoted):
 *  1. truce: centre_report_create, one report at a time — what POST /v1/reports does below
 *     HTTP: parse, resolve, attribute, classify, store and log in one durable transaction,
 *     then the monitoring engine and the CAP alert check (a read of the incident). The time
 *     to add "the first" and "the last" report are the medians of the first and the last
 *     WINDOW (200) reports' times. Then the incident's first page, GET /v1/incidents/1's
 *     work (centre_incident_get, 100 reports with why each is there, and the summary of
 *     all N): median of 50 reads; once more after the engine dropped its kept summaries
 *     (a cold read rebuilds the summary from the N reports: shown, not bounded);
 *  2. the engine alone: mon_engine_add for the same N reports (no store): first and last
 *     windows as above — the part that grew with the cluster before (each report was
 *     tested against every report of the cell, and each incident read went over all);
 *  3. baseline "sqlite": the same N bodies inserted one per durable transaction (WAL,
 *     synchronous=FULL, as the store) into a table indexed by (incident, id); the first
 *     page: SELECT of 100 rows WHERE incident = 1 ORDER BY id (median of 50).
 * The bounds are checked and printed: truce's last add within twice its first, and
 * the first page under 20 ms. Results go to --json (bench/results/hotspot.json).
 *
 * Usage: bench_hotspot [--reports N] [--runs R] [--window W] [--work DIR] [--json FILE]
 * Exit status 0; 1 on a setup error; 3 when an answer is wrong (the incident does not hold
 * every report, or the baseline lost a row).
 */
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "domain/report.h"
#include "engines/monitor.h"
#include "service/centre.h"
#include "service/centre_monitor.h"

#define MAX_RUNS 9
#define PAGE 100
#define READS 50

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_hotspot: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(code);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct figures {
    double first, last, page, cold; /* seconds: median add of the first / last window, page reads */
} figures;

typedef struct opts {
    int n, runs, window;
    const char *work, *json;
} opts;

/* The i-th report's body: one place, one time, one type; the source's ref varies. */
static json_t *body_of(int i) {
    char ref[32];
    snprintf(ref, sizeof ref, "witness %d", i % 10);
    return json_pack("{s:s, s:i, s:i, s:{s:s, s:[f, f]}, s:s, s:s, s:s, s:{s:i, s:i}, s:{s:s, s:s}}",
                     "occurred_at", "2016-03-21T10:00:00Z", "time_precision", 1, "geo_precision", 1,
                     "location", "type", "Point", "coordinates", 37.16, 36.2, "event_type",
                     "Explosions/Remote violence", "sub_event_type", "Shelling/artillery/missile attack",
                     "alleged_perpetrator", "Opposition", "fatalities", "min", i % 5, "max", i % 5 + 2,
                     "source", "kind", "party", "ref", ref);
}

static figures windows(double *dt, const opts *o) {
    double *a = malloc((size_t)o->window * sizeof *a);
    if (!a) die(1, "out of memory");
    figures f = {0};
    memcpy(a, dt, (size_t)o->window * sizeof *a);
    f.first = median(a, (size_t)o->window);
    memcpy(a, dt + o->n - o->window, (size_t)o->window * sizeof *a);
    f.last = median(a, (size_t)o->window);
    free(a);
    return f;
}

/* Median time of READS calls of centre_incident_get (the first page); checks the count. */
static double page_reads(centre *c, int n) {
    double t[READS];
    for (int k = 0; k < READS; k++) {
        json_t *out = NULL;
        tr_err err = {0};
        uint64_t t0 = tr_clock_ns();
        if (centre_incident_get(c, 1, 0, PAGE, &out, &err)) die(1, "incident 1: %s", err.msg);
        t[k] = (double)(tr_clock_ns() - t0) / 1e9;
        json_int_t held = json_integer_value(json_object_get(json_object_get(out, "summary"), "reports"));
        size_t listed = json_array_size(json_object_get(out, "reports"));
        json_decref(out);
        if (held != n || listed != PAGE)
            die(3, "incident 1 holds %lld reports (%zu listed), not %d", (long long)held, listed, n);
    }
    return median(t, READS);
}

static figures run_truce(const opts *o, int run) {
    char dir[4096], db[4200], key[4200];
    snprintf(dir, sizeof dir, "%s/run%d", o->work, run);
    snprintf(db, sizeof db, "%s/truce.db", dir);
    snprintf(key, sizeof key, "%s/truce.db.key", dir);
    mkdir(dir, 0700);
    unlink(db);
    unlink(key);
    geo_limits lim = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};
    centre *c;
    tr_err err = {0};
    char tok[CENTRE_TOKEN_LEN + 1];
    if (centre_open(db, &lim, &c, &err) || centre_log_open(c, key, "bench.invalid/hotspot", &err) ||
        centre_party_add(c, "SAA", "belligerent", NULL, tok, &err) ||
        centre_party_add(c, "Opposition", "belligerent", NULL, tok, &err))
        die(1, "centre: %s %s", err.field, err.msg);
    tr_party by = {.role = ROLE_BELLIGERENT};
    snprintf(by.name, sizeof by.name, "SAA");
    double *dt = malloc((size_t)o->n * sizeof *dt);
    for (int i = 0; dt && i < o->n; i++) {
        json_t *b = body_of(i), *answer = NULL;
        uint64_t t0 = tr_clock_ns();
        if (centre_report_create(c, &by, b, &answer, &err)) die(1, "report %d: %s %s", i, err.field, err.msg);
        dt[i] = (double)(tr_clock_ns() - t0) / 1e9;
        if (json_integer_value(json_object_get(answer, "incident_id")) != 1)
            die(3, "report %d is not in incident 1", i);
        json_decref(answer);
        json_decref(b);
    }
    if (!dt) die(1, "out of memory");
    figures f = windows(dt, o);
    free(dt);
    f.page = page_reads(c, o->n);
    pthread_mutex_lock(&c->mon_mu);
    mon_engine_drop_summaries(c->mon);
    pthread_mutex_unlock(&c->mon_mu);
    json_t *out = NULL;
    uint64_t t0 = tr_clock_ns();
    if (centre_incident_get(c, 1, 0, PAGE, &out, &err)) die(1, "incident 1: %s", err.msg);
    f.cold = (double)(tr_clock_ns() - t0) / 1e9;
    json_decref(out);
    centre_close(c);
    return f;
}

static figures run_engine(const opts *o) {
    mon_engine *m = mon_engine_new(NULL);
    double *dt = malloc((size_t)o->n * sizeof *dt);
    if (!m || !dt) die(1, "out of memory");
    tr_err err = {0};
    for (int i = 0; i < o->n; i++) {
        json_t *b = body_of(i);
        tr_report r;
        if (tr_report_parse(b, tr_time_now(), &r, &err)) die(1, "report %d: %s", i, err.msg);
        json_decref(b);
        r.id = i + 1;
        r.received_at = 1700000000 + i;
        r.reporting_party = strdup("SAA");
        mon_classification cls = {.cls = MON_VIOLATION};
        int64_t inc = 0;
        uint64_t t0 = tr_clock_ns();
        if (mon_engine_add(m, &r, &cls, &inc, &err)) die(1, "add %d: %s", i, err.msg);
        mon_incident in;
        if (mon_engine_incident_page(m, inc, false, 0, 0, &in, &err))
            die(1, "read: %s", err.msg); /* as the alert check */
        dt[i] = (double)(tr_clock_ns() - t0) / 1e9;
        mon_incident_clear(&in);
        tr_report_clear(&r);
        if (inc != 1) die(3, "engine: report %d is not in incident 1", i);
    }
    figures f = windows(dt, o);
    double t[READS];
    for (int k = 0; k < READS; k++) {
        mon_incident in;
        uint64_t t0 = tr_clock_ns();
        if (mon_engine_incident_page(m, 1, true, 0, PAGE, &in, &err)) die(1, "read: %s", err.msg);
        t[k] = (double)(tr_clock_ns() - t0) / 1e9;
        if (in.nreports != (size_t)o->n) die(3, "engine: incident 1 holds %zu reports", in.nreports);
        mon_incident_clear(&in);
    }
    f.page = median(t, READS);
    free(dt);
    mon_engine_free(m);
    return f;
}

static void exec(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) die(1, "sqlite: %s: %s", sql, msg);
}

static double sqlite_page(sqlite3 *db, sqlite3_stmt *sel, int n) {
    double t[READS];
    for (int k = 0; k < READS; k++) {
        uint64_t t0 = tr_clock_ns();
        sqlite3_bind_int64(sel, 1, 0);
        int rows = 0;
        size_t bytes = 0;
        while (sqlite3_step(sel) == SQLITE_ROW)
            rows++, bytes += (size_t)sqlite3_column_bytes(sel, 1);
        sqlite3_reset(sel);
        t[k] = (double)(tr_clock_ns() - t0) / 1e9;
        if (rows != PAGE || !bytes) die(3, "sqlite: page of %d rows", rows);
    }
    sqlite3_stmt *cnt;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM report WHERE incident = 1", -1, &cnt, NULL);
    if (sqlite3_step(cnt) != SQLITE_ROW || sqlite3_column_int(cnt, 0) != n) die(3, "sqlite lost rows");
    sqlite3_finalize(cnt);
    return median(t, READS);
}

static figures run_sqlite(const opts *o, int run) {
    char path[4200];
    snprintf(path, sizeof path, "%s/run%d/baseline.db", o->work, run);
    unlink(path);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die(1, "sqlite: cannot open %s", path);
    exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
             "CREATE TABLE report(id INTEGER PRIMARY KEY, incident INTEGER NOT NULL, body TEXT NOT NULL);"
             "CREATE INDEX report_incident ON report(incident, id);");
    sqlite3_stmt *ins, *sel;
    sqlite3_prepare_v2(db, "INSERT INTO report(id, incident, body) VALUES (?, 1, ?)", -1, &ins, NULL);
    sqlite3_prepare_v2(db, "SELECT id, body FROM report WHERE incident = 1 AND id > ? ORDER BY id LIMIT 100",
                       -1, &sel, NULL);
    double *dt = malloc((size_t)o->n * sizeof *dt);
    if (!dt) die(1, "out of memory");
    for (int i = 0; i < o->n; i++) {
        json_t *b = body_of(i);
        char *text = json_dumps(b, JSON_COMPACT);
        json_decref(b);
        uint64_t t0 = tr_clock_ns();
        exec(db, "BEGIN IMMEDIATE");
        sqlite3_bind_int64(ins, 1, i + 1);
        sqlite3_bind_text(ins, 2, text, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE) die(1, "sqlite insert: %s", sqlite3_errmsg(db));
        sqlite3_reset(ins);
        exec(db, "COMMIT");
        dt[i] = (double)(tr_clock_ns() - t0) / 1e9;
        free(text);
    }
    figures f = windows(dt, o);
    free(dt);
    f.page = sqlite_page(db, sel, o->n);
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    sqlite3_close(db);
    return f;
}

/* The median over runs of each figure. */
static figures med(figures *v, int runs) {
    double a[MAX_RUNS], b[MAX_RUNS], c[MAX_RUNS], d[MAX_RUNS];
    for (int i = 0; i < runs; i++)
        a[i] = v[i].first, b[i] = v[i].last, c[i] = v[i].page, d[i] = v[i].cold;
    return (figures){median(a, (size_t)runs), median(b, (size_t)runs), median(c, (size_t)runs),
                     median(d, (size_t)runs)};
}

static json_t *fig_json(const figures *f) {
    return json_pack("{s:f, s:f, s:f, s:f, s:f}", "first_add_ms", f->first * 1e3, "last_add_ms",
                     f->last * 1e3, "last_over_first", f->last / f->first, "first_page_ms", f->page * 1e3,
                     "cold_page_ms", f->cold * 1e3);
}

static void report(const opts *o, figures t, figures e, figures s) {
    bool add_ok = t.last <= 2 * t.first, page_ok = t.page < 0.020;
    printf("\none place, one time: %d reports, one incident (median of %d runs; an add is the median of the "
           "first / last %d)\n",
           o->n, o->runs, o->window);
    printf("%-44s %12s %12s %10s %16s\n", "", "first add", "last add", "last/first", "first page (100)");
    printf("%-44s %10.3f ms %10.3f ms %10.2f %13.3f ms\n", "truce (store + log + engine, no HTTP)",
           t.first * 1e3, t.last * 1e3, t.last / t.first, t.page * 1e3);
    printf("%-44s %10.1f us %10.1f us %10.2f %13.3f ms\n", "  its engine alone (add + the alert's read)",
           e.first * 1e6, e.last * 1e6, e.last / e.first, e.page * 1e3);
    printf("%-44s %10.3f ms %10.3f ms %10.2f %13.3f ms\n", "baseline: sqlite insert / indexed select",
           s.first * 1e3, s.last * 1e3, s.last / s.first, s.page * 1e3);
    printf("%-44s %10.2f x %11.2f x %10s %14.2f x\n", "truce / baseline", t.first / s.first, t.last / s.last,
           "", t.page / s.page);
    printf(
        "cold first page (summary rebuilt from all %d reports, once after a restart or a regroup): %.1f ms\n",
        o->n, t.cold * 1e3);
    printf("bounds (issue 11): last add within twice the first: %s (%.2f); first page under 20 ms: %s (%.3f "
           "ms)\n",
           add_ok ? "yes" : "NO", t.last / t.first, page_ok ? "yes" : "NO", t.page * 1e3);
    if (!o->json) return;
    const char *busy = getenv("TRUCE_CPU_BUSY_BEFORE");
    json_t *j = json_pack("{s:s, s:i, s:i, s:i, s:o, s:o, s:o, s:{s:b, s:b}, s:{s:o}}", "benchmark",
                          "hotspot", "reports", o->n, "runs", o->runs, "window", o->window, "truce",
                          fig_json(&t), "engine", fig_json(&e), "baseline_sqlite", fig_json(&s), "bounds",
                          "last_add_within_twice_first", add_ok, "first_page_under_20ms", page_ok, "host",
                          "cpu_busy_percent_before", busy ? json_integer(atoi(busy)) : json_null());
    if (json_dump_file(j, o->json, JSON_INDENT(2) | JSON_REAL_PRECISION(6)))
        die(1, "cannot write %s", o->json);
    json_decref(j);
}

int main(int argc, char **argv) {
    opts o = {20000, 3, 200, "bench/work/hotspot", NULL};
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            die(1, "usage: bench_hotspot [--reports N] [--runs R] [--window W] [--work DIR] [--json FILE]");
        if (!strcmp(argv[i], "--reports"))
            o.n = atoi(v);
        else if (!strcmp(argv[i], "--runs"))
            o.runs = atoi(v);
        else if (!strcmp(argv[i], "--window"))
            o.window = atoi(v);
        else if (!strcmp(argv[i], "--work"))
            o.work = v;
        else if (!strcmp(argv[i], "--json"))
            o.json = v;
        else
            die(1, "unknown option %s", argv[i]);
        i++;
    }
    if (o.runs < 1 || o.runs > MAX_RUNS || o.window < 1 || o.n < 2 * o.window || o.n < PAGE)
        die(1, "need 1..%d runs and at least 2 windows and a page of reports", MAX_RUNS);
    mkdir(o.work, 0700);
    figures t[MAX_RUNS], e[MAX_RUNS], s[MAX_RUNS];
    for (int r = 0; r < o.runs; r++) { /* interleaved, so drift hits all alike */
        t[r] = run_truce(&o, r);
        e[r] = run_engine(&o);
        s[r] = run_sqlite(&o, r);
        printf("run %d: truce add %.3f -> %.3f ms, page %.3f ms; engine %.1f -> %.1f us; sqlite %.3f -> %.3f "
               "ms\n",
               r + 1, t[r].first * 1e3, t[r].last * 1e3, t[r].page * 1e3, e[r].first * 1e6, e[r].last * 1e6,
               s[r].first * 1e3, s[r].last * 1e3);
        fflush(stdout);
    }
    report(&o, med(t, o.runs), med(e, o.runs), med(s, o.runs));
    return 0;
}
