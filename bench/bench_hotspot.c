/*
 * bench_hotspot.c — one busy place (issue 11, item 7): N reports (20,000) at one place and
 * one time, all one incident, beside a plain SQLite table of the same rows in the same run.
 *
 * Measured, each RUNS times (3; the median of the runs is quoted):
 *  1. truce: centre_report_create, one report at a time — what POST /v1/reports does below
 *     HTTP: parse, resolve, attribute, classify, store and log in one durable transaction,
 *     then the monitoring engine and the CAP alert check (a read of the incident). The time
 *     to add "the first" and "the last" report are the medians of the first and the last
 *     WINDOW (200) reports' times, taken alternately: one store holds the cluster's first
 *     N - WINDOW reports, then report k goes into a fresh store and report N - WINDOW + k
 *     into the full one, turn by turn, so that both windows meet the same disk and CPU
 *     (durable commits dominate and their latency drifts with the machine's load). Then the incident's first
 * page, GET /v1/incidents/1's work (centre_incident_get, 100 reports with why each is there, and the summary
 * of all N): median of 50 reads; once more after the engine dropped its kept summaries (a cold read rebuilds
 * the summary from the N reports: shown, not bounded);
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

/* A system under test: a store of reports it adds one at a time and pages. */
typedef struct sut {
    const char *name;
    void *(*open)(const opts *o, int run, const char *tag);
    double (*add)(void *h, int i);  /* adds report i (0-based); its seconds */
    double (*page)(void *h, int n); /* median of READS first-page reads; checks the n reports */
    double (*cold)(void *h);        /* a read after dropping what was kept, or NULL */
    void (*close)(void *h);
} sut;

static double elapsed(uint64_t t0) {
    return (double)(tr_clock_ns() - t0) / 1e9;
}

/* ---- truce: centre_report_create and centre_incident_get ---- */

typedef struct truce_h {
    centre *c;
    tr_party by;
} truce_h;

static void *truce_open(const opts *o, int run, const char *tag) {
    char dir[4096], db[4200], key[4200];
    snprintf(dir, sizeof dir, "%s/run%d-%s", o->work, run, tag);
    snprintf(db, sizeof db, "%s/truce.db", dir);
    snprintf(key, sizeof key, "%s/truce.db.key", dir);
    mkdir(dir, 0700);
    unlink(db);
    unlink(key);
    geo_limits lim = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};
    truce_h *h = calloc(1, sizeof *h);
    tr_err err = {0};
    char tok[CENTRE_TOKEN_LEN + 1];
    if (!h || centre_open(db, &lim, &h->c, &err) ||
        centre_log_open(h->c, key, "bench.invalid/hotspot", &err) ||
        centre_party_add(h->c, "SAA", "belligerent", NULL, tok, &err) ||
        centre_party_add(h->c, "Opposition", "belligerent", NULL, tok, &err))
        die(1, "centre: %s %s", err.field, err.msg);
    h->by.role = ROLE_BELLIGERENT;
    snprintf(h->by.name, sizeof h->by.name, "SAA");
    return h;
}

static double truce_add(void *p, int i) {
    truce_h *h = p;
    json_t *b = body_of(i), *answer = NULL;
    tr_err err = {0};
    uint64_t t0 = tr_clock_ns();
    if (centre_report_create(h->c, &h->by, b, &answer, &err))
        die(1, "report %d: %s %s", i, err.field, err.msg);
    double t = elapsed(t0);
    if (json_integer_value(json_object_get(answer, "incident_id")) != 1)
        die(3, "report %d is not in incident 1", i);
    json_decref(answer);
    json_decref(b);
    return t;
}

static double truce_read(truce_h *h, int n) {
    json_t *out = NULL;
    tr_err err = {0};
    uint64_t t0 = tr_clock_ns();
    if (centre_incident_get(h->c, 1, 0, PAGE, &out, &err)) die(1, "incident 1: %s", err.msg);
    double t = elapsed(t0);
    json_int_t held = json_integer_value(json_object_get(json_object_get(out, "summary"), "reports"));
    size_t listed = json_array_size(json_object_get(out, "reports"));
    json_decref(out);
    if (held != n || listed != PAGE)
        die(3, "incident 1 holds %lld reports (%zu listed), not %d", (long long)held, listed, n);
    return t;
}

static double truce_page(void *p, int n) {
    double t[READS];
    for (int k = 0; k < READS; k++)
        t[k] = truce_read(p, n);
    return median(t, READS);
}

static double truce_cold(void *p) {
    truce_h *h = p;
    pthread_mutex_lock(&h->c->mon_mu);
    mon_engine_drop_summaries(h->c->mon);
    size_t n = mon_engine_report_count(h->c->mon);
    pthread_mutex_unlock(&h->c->mon_mu);
    return truce_read(h, (int)n);
}

static void truce_close(void *p) {
    truce_h *h = p;
    centre_close(h->c);
    free(h);
}

/* ---- the engine alone: mon_engine_add and the alert check's read ---- */

static void *engine_open(const opts *o, int run, const char *tag) {
    (void)o, (void)run, (void)tag;
    mon_engine *m = mon_engine_new(NULL);
    if (!m) die(1, "out of memory");
    return m;
}

static double engine_add(void *p, int i) {
    mon_engine *m = p;
    json_t *b = body_of(i);
    tr_report r;
    tr_err err = {0};
    if (tr_report_parse(b, tr_time_now(), &r, &err)) die(1, "report %d: %s", i, err.msg);
    json_decref(b);
    r.id = i + 1;
    r.received_at = 1700000000 + i;
    r.reporting_party = strdup("SAA");
    mon_classification cls = {.cls = MON_VIOLATION};
    int64_t inc = 0;
    mon_incident in;
    uint64_t t0 = tr_clock_ns();
    if (mon_engine_add(m, &r, &cls, &inc, &err)) die(1, "add %d: %s", i, err.msg);
    if (mon_engine_incident_page(m, inc, false, 0, 0, &in, &err)) die(1, "read: %s", err.msg);
    double t = elapsed(t0);
    mon_incident_clear(&in);
    tr_report_clear(&r);
    if (inc != 1) die(3, "engine: report %d is not in incident 1", i);
    return t;
}

static double engine_page(void *p, int n) {
    double t[READS];
    tr_err err = {0};
    for (int k = 0; k < READS; k++) {
        mon_incident in;
        uint64_t t0 = tr_clock_ns();
        if (mon_engine_incident_page(p, 1, true, 0, PAGE, &in, &err)) die(1, "read: %s", err.msg);
        t[k] = elapsed(t0);
        if (in.nreports != (size_t)n) die(3, "engine: incident 1 holds %zu reports", in.nreports);
        mon_incident_clear(&in);
    }
    return median(t, READS);
}

static void engine_close(void *p) {
    mon_engine_free(p);
}

/* ---- baseline: a plain SQLite table of the same rows ---- */

typedef struct sqlite_h {
    sqlite3 *db;
    sqlite3_stmt *ins, *sel;
} sqlite_h;

static void exec(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) die(1, "sqlite: %s: %s", sql, msg);
}

static void *sqlite_open(const opts *o, int run, const char *tag) {
    char path[4200];
    snprintf(path, sizeof path, "%s/run%d-%s/baseline.db", o->work, run, tag);
    unlink(path);
    sqlite_h *h = calloc(1, sizeof *h);
    if (!h || sqlite3_open(path, &h->db) != SQLITE_OK) die(1, "sqlite: cannot open %s", path);
    exec(h->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                "CREATE TABLE report(id INTEGER PRIMARY KEY, incident INTEGER NOT NULL, body TEXT NOT NULL);"
                "CREATE INDEX report_incident ON report(incident, id);");
    sqlite3_prepare_v2(h->db, "INSERT INTO report(id, incident, body) VALUES (?, 1, ?)", -1, &h->ins, NULL);
    sqlite3_prepare_v2(h->db,
                       "SELECT id, body FROM report WHERE incident = 1 AND id > ? ORDER BY id LIMIT 100", -1,
                       &h->sel, NULL);
    return h;
}

static double sqlite_add(void *p, int i) {
    sqlite_h *h = p;
    json_t *b = body_of(i);
    char *text = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    uint64_t t0 = tr_clock_ns();
    exec(h->db, "BEGIN IMMEDIATE");
    sqlite3_bind_int64(h->ins, 1, i + 1);
    sqlite3_bind_text(h->ins, 2, text, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(h->ins) != SQLITE_DONE) die(1, "sqlite insert: %s", sqlite3_errmsg(h->db));
    sqlite3_reset(h->ins);
    exec(h->db, "COMMIT");
    double t = elapsed(t0);
    free(text);
    return t;
}

static double sqlite_page(void *p, int n) {
    sqlite_h *h = p;
    double t[READS];
    for (int k = 0; k < READS; k++) {
        uint64_t t0 = tr_clock_ns();
        sqlite3_bind_int64(h->sel, 1, 0);
        int rows = 0;
        size_t bytes = 0;
        while (sqlite3_step(h->sel) == SQLITE_ROW)
            rows++, bytes += (size_t)sqlite3_column_bytes(h->sel, 1);
        sqlite3_reset(h->sel);
        t[k] = elapsed(t0);
        if (rows != PAGE || !bytes) die(3, "sqlite: page of %d rows", rows);
    }
    sqlite3_stmt *cnt;
    sqlite3_prepare_v2(h->db, "SELECT count(*) FROM report WHERE incident = 1", -1, &cnt, NULL);
    if (sqlite3_step(cnt) != SQLITE_ROW || sqlite3_column_int(cnt, 0) != n) die(3, "sqlite lost rows");
    sqlite3_finalize(cnt);
    return median(t, READS);
}

static void sqlite_close(void *p) {
    sqlite_h *h = p;
    sqlite3_finalize(h->ins);
    sqlite3_finalize(h->sel);
    sqlite3_close(h->db);
    free(h);
}

static const sut TRUCE = {"truce", truce_open, truce_add, truce_page, truce_cold, truce_close};
static const sut ENGINE = {"engine", engine_open, engine_add, engine_page, NULL, engine_close};
static const sut SQLITE = {"sqlite", sqlite_open, sqlite_add, sqlite_page, NULL, sqlite_close};

/* One run: a second store gets the cluster's first N - W reports; then the first W reports
 * go into a fresh store and the last W into the full one, alternately, so both windows meet
 * the same moments of disk and CPU. */
static figures measure(const sut *s, const opts *o, int run) {
    void *first = s->open(o, run, "first"), *last = s->open(o, run, "last");
    for (int i = 0; i < o->n - o->window; i++)
        s->add(last, i);
    double *f = malloc((size_t)o->window * sizeof *f), *l = malloc((size_t)o->window * sizeof *l);
    if (!f || !l) die(1, "out of memory");
    for (int k = 0; k < o->window; k++) {
        f[k] = s->add(first, k);
        l[k] = s->add(last, o->n - o->window + k);
    }
    figures r = {median(f, (size_t)o->window), median(l, (size_t)o->window), s->page(last, o->n),
                 s->cold ? s->cold(last) : 0};
    free(f);
    free(l);
    s->close(first);
    s->close(last);
    return r;
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
    for (int r = 0; r < o.runs; r++) { /* the systems in turn, so drift hits all alike */
        t[r] = measure(&TRUCE, &o, r);
        e[r] = measure(&ENGINE, &o, r);
        s[r] = measure(&SQLITE, &o, r);
        printf("run %d: truce add %.3f -> %.3f ms, page %.3f ms; engine %.1f -> %.1f us; sqlite %.3f -> %.3f "
               "ms\n",
               r + 1, t[r].first * 1e3, t[r].last * 1e3, t[r].page * 1e3, e[r].first * 1e6, e[r].last * 1e6,
               s[r].first * 1e3, s[r].last * 1e3);
        fflush(stdout);
    }
    report(&o, med(t, o.runs), med(e, o.runs), med(s, o.runs));
    return 0;
}
