/*
 * bench_monitor.c — report intake through the monitoring engine, beside a plain SQLite
 * bulk insert of the same rows, and the real UCDP events.
 *
 * Data: a synthetic NDJSON file (bench/work/monitor/reports.ndjson, written once from a
 * fixed seed): events uniform over Syria's box (lon 35.6–42.4, lat 32.3–37.3) and over
 * 2016–2017, each reported 1–5 times (mean 3) by different parties, with mixed precision
 * close to ACLED's Syria data (time precision 1/2/3 = 90/8/2 %, geo 75/20/5 %), jitter
 * that matches the precision, and a sub-event type or perpetrator that sometimes differs. Lines are in random time order, so
 * the first 100,000 lines are a uniform sample of the 1,000,000.
 *
 * Measured, each RUNS times (median quoted), for N = 100k and N = 1M (the first N lines):
 *  1. truce: read a line, tr_report_from_ndjson (parse + validate), attribution against a
 *     small engine (4 regions, 2 control areas, 1 designated area, 1 ceasefire zone,
 *     3 agreements), mon_classify, mon_engine_add (incident building) — reports/s;
 *  2. baseline "sqlite": read a line, json_loadb (no validation), bind 15 columns, insert
 *     with a prepared statement, one transaction, into a fresh file database;
 *  3. baseline "parse only": read a line and json_loadb it — the cost both share.
 * Then: growth 100k -> 1M (time ratio, candidates per report, cells probed per report);
 * peak RSS after each size; the bulletin of one day out of 1M (five days, median ms, md +
 * json rendered, checked byte-identical twice); the 11,757 real UCDP events
 * (../shared/data/conflict/ucdp_ged_syria_2016_2017.csv) ingested: incidents formed.
 *
 * Usage: bench_monitor [--work DIR] [--runs R] [--small N] [--large N] [--json FILE]
 *                      [--ucdp FILE]
 * Exit status 0, or 1 on a setup or data error, 3 if an answer disagrees (a line rejected,
 * a bulletin not byte-identical).
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "domain/report.h"
#include "engines/attribution.h"
#include "engines/monitor.h"

#define MAX_RUNS 9

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_monitor: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double now_s(void) {
    return (double)tr_clock_ns() / 1e9;
}

static long peak_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static double median(double *v, int n) {
    double c[MAX_RUNS];
    memcpy(c, v, (size_t)n * sizeof *v);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    return n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
}

/* ---- the synthetic file ---- */

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
}
static double rndu(void) {
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

/* Precision codes in about ACLED's Syria proportions. */
static int time_precision(void) {
    unsigned v = (unsigned)(rnd() % 100);
    return v < 90 ? 1 : v < 98 ? 2 : 3;
}

static int geo_precision(void) {
    unsigned v = (unsigned)(rnd() % 100);
    return v < 75 ? 1 : v < 95 ? 2 : 3;
}

typedef struct kind {
    const char *event, *sub;
    int weight;
} kind;

static const kind kinds[] = {
    {"Explosions/Remote violence", "Air/drone strike", 35},
    {"Explosions/Remote violence", "Shelling/artillery/missile attack", 30},
    {"Battles", "Armed clash", 20},
    {"Violence against civilians", "Attack", 10},
    {"Explosions/Remote violence", "Remote explosive/landmine/IED", 5},
};

static const kind *pick_kind(void) {
    int v = (int)(rnd() % 100);
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (v < kinds[i].weight) return &kinds[i];
        v -= kinds[i].weight;
    }
    return &kinds[0];
}

/* The reporting party and arrival delay of line `id`: the same in every pass. */
static const char *const parties[] = {"SARC", "UN-OCHA", "Russia", "US-Coalition", "SAA", "Opposition", "JMC"};
static const char *party_of(int64_t id) {
    return parties[(uint64_t)id * 2654435761u % 7];
}
static int64_t delay_of(int64_t id) {
    return 3600 + (int64_t)((uint64_t)id * 40503u % (47 * 3600));
}

static const char *const perps[] = {"SAA", "Russia", "Opposition", "ISIS", "SDF", "US-Coalition", NULL};

/* Writes `events` events' reports to path; returns the number of lines. */
static long write_file(const char *path, long lines_wanted) {
    FILE *f = fopen(path, "w");
    if (!f) die("cannot write %s: %s", path, strerror(errno));
    int64_t t0 = 1451606400; /* 2016-01-01 */
    int64_t span = 731 * 86400;
    long lines = 0, event = 0;
    while (lines < lines_wanted) {
        event++;
        double lon = 35.6 + rndu() * 6.8, lat = 32.3 + rndu() * 5.0;
        int64_t t = t0 + (int64_t)(rndu() * (double)span);
        const kind *k = pick_kind();
        const char *perp = perps[rnd() % 7];
        int n = 1 + (int)(rnd() % 5);
        for (int i = 0; i < n && lines < lines_wanted; i++) {
            int tp = time_precision(), gp = geo_precision();
            double jm = gp == 1 ? 800 : gp == 2 ? 5000 : 15000;
            double jlat = lat + (rndu() - 0.5) * 2 * jm / 110900.0;
            double jlon = lon + (rndu() - 0.5) * 2 * jm / (111320.0 * cos(lat * M_PI / 180));
            if (jlon < 35.6) jlon = 35.6;
            if (jlon > 42.4) jlon = 42.4;
            if (jlat < 32.3) jlat = 32.3;
            if (jlat > 37.3) jlat = 37.3;
            int64_t tj = tp == 1 ? 6 * 3600 : tp == 2 ? 2 * 86400 : 7 * 86400;
            int64_t rt = t + (int64_t)((rndu() - 0.5) * 2 * (double)tj);
            const kind *rk = rnd() % 100 < 85 ? k : pick_kind();
            const char *rperp = rnd() % 100 < 80 ? perp : perps[rnd() % 7];
            char when[TR_TIME_BUFSZ], ref[48] = "";
            if (rnd() % 2) snprintf(ref, sizeof ref, ",\"ref\":\"src-%ld-%d\"", event, i);
            int fmin = (int)(rnd() % 6), fmax = fmin + (int)(rnd() % 4);
            fprintf(f,
                    "{\"occurred_at\":\"%s\",\"time_precision\":%d,\"location\":{\"type\":\"Point\",\"coordinates\":"
                    "[%.5f,%.5f]},\"geo_precision\":%d,\"event_type\":\"%s\",\"sub_event_type\":\"%s\"%s%s%s,"
                    "\"target\":{\"kind\":\"civilians\"},\"fatalities\":{\"min\":%d,\"max\":%d},\"description\":"
                    "\"synthetic event %ld, report %d\",\"source\":{\"kind\":\"%s\"%s},\"language\":\"en\"}\n",
                    tr_time_format(rt, when), tp, jlon, jlat, gp, rk->event, rk->sub,
                    rperp ? ",\"alleged_perpetrator\":\"" : "", rperp ? rperp : "", rperp ? "\"" : "", fmin, fmax,
                    event, i, i % 2 ? "media" : "party", ref);
            lines++;
        }
    }
    if (fclose(f)) die("cannot write %s", path);
    return lines;
}

/* ---- the attribution engine: a few areas, three agreements ---- */

static void add_area(attr_engine *e, int64_t id, double x0, double y0, double x1, double y1, const char *props) {
    static const geo_limits lim = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};
    char text[1024];
    snprintf(text, sizeof text,
             "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%g,%g],[%g,%g],[%g,%g],"
             "[%g,%g],[%g,%g]]]},\"properties\":{\"valid_from\":\"2015-01-01T00:00:00Z\",%s}}",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0, props);
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    tr_area a;
    tr_err err = {0};
    if (!j || tr_area_parse(j, 0, &lim, &a, &err)) die("area %lld: %s", (long long)id, err.msg);
    json_decref(j);
    a.id = id;
    a.version = 1;
    a.created_by = strdup("admin");
    if (attr_engine_add_area(e, &a, &err)) die("area %lld: %s", (long long)id, err.msg);
}

static void add_agreement(attr_engine *e, int64_t id, const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    tr_agreement a;
    tr_err err = {0};
    if (!j || tr_agreement_parse(j, &a, &err)) die("agreement %lld: %s", (long long)id, err.msg);
    json_decref(j);
    a.id = id;
    a.version = 1;
    if (attr_engine_add_agreement(e, &a, &err)) die("agreement: %s", err.msg);
}

static attr_engine *make_attribution(void) {
    attr_engine *e = attr_engine_new();
    add_area(e, 1, 35.6, 34.8, 39.0, 37.3, "\"kind\":\"region\",\"name\":\"North-west\"");
    add_area(e, 2, 39.0, 34.8, 42.4, 37.3, "\"kind\":\"region\",\"name\":\"North-east\"");
    add_area(e, 3, 35.6, 32.3, 39.0, 34.8, "\"kind\":\"region\",\"name\":\"South-west\"");
    add_area(e, 4, 39.0, 32.3, 42.4, 34.8, "\"kind\":\"region\",\"name\":\"South-east\"");
    add_area(e, 5, 35.6, 32.3, 37.5, 36.0, "\"kind\":\"control\",\"name\":\"West\",\"party\":\"SAA\"");
    add_area(e, 6, 36.3, 35.5, 37.0, 36.3, "\"kind\":\"control\",\"name\":\"Idlib\",\"party\":\"Opposition\"");
    add_area(e, 7, 38.5, 34.0, 41.5, 36.3, "\"kind\":\"designated\",\"name\":\"ISIS-held\",\"actor\":\"ISIS\"");
    add_area(e, 8, 36.2, 35.4, 37.2, 36.4, "\"kind\":\"ceasefire_zone\",\"name\":\"Idlib zone\"");
    add_agreement(e, 10, "{\"name\":\"CoH\",\"start\":\"2016-02-27T00:00:00Z\",\"end\":\"2016-09-12T16:00:00Z\","
                         "\"parties\":[\"SAA\",\"Opposition\",\"Russia\",\"US-Coalition\"],\"excluded_actors\":[\"ISIS\"]}");
    add_agreement(e, 11, "{\"name\":\"September arrangement\",\"start\":\"2016-09-12T16:00:00Z\",\"end\":"
                         "\"2016-09-19T16:00:00Z\",\"parties\":[\"SAA\",\"Opposition\",\"Russia\",\"US-Coalition\"],"
                         "\"excluded_actors\":[\"ISIS\"]}");
    add_agreement(e, 12, "{\"name\":\"December ceasefire\",\"start\":\"2016-12-30T00:00:00Z\",\"parties\":[\"SAA\","
                         "\"Opposition\",\"Russia\",\"Turkey\"],\"excluded_actors\":[\"ISIS\"],\"zones\":[8]}");
    attr_engine_pack(e);
    return e;
}

/* ---- the passes ---- */

typedef struct truce_run {
    double secs;
    double parse_s, attribute_s, cluster_s; /* the three phases of secs (plus reading) */
    size_t incidents, largest;
    double engine_bytes; /* heap the engine holds after the intake (allocator's figures) */
    uint64_t by_class[MON_CLASS_COUNT];
    mon_stats stats;
} truce_run;

/* Counts incidents and the largest one (ids ascending, pages of 4096). */
static void count_incidents(mon_engine *m, truce_run *out) {
    int64_t ids[4096], after = 0;
    size_t n;
    out->incidents = out->largest = 0;
    do {
        if (mon_engine_list(m, after, 4096, ids, &n)) die("list: out of memory");
        for (size_t i = 0; i < n; i++) {
            mon_incident in;
            if (mon_engine_incident(m, ids[i], false, &in, NULL)) die("incident: out of memory");
            if (in.nmembers > out->largest) out->largest = in.nmembers;
            mon_incident_clear(&in);
        }
        out->incidents += n;
        if (n) after = ids[n - 1];
    } while (n == 4096);
}

/* Streams the first `limit` lines of path through the engine; leaves it in *keep if not NULL. */
/* Bytes of heap in use: small chunks and mmapped ones (the engine's large arrays). */
static double heap_bytes(void) {
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

static truce_run run_truce(const char *path, long limit, attr_engine *ae, mon_engine **keep) {
    FILE *f = fopen(path, "r");
    if (!f) die("cannot read %s", path);
    double heap0 = heap_bytes();
    mon_engine *m = mon_engine_new(NULL);
    truce_run out = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long id = 0;
    int64_t now = tr_time_now();
    attr_result res = {0};
    uint64_t ns[3] = {0, 0, 0};
    double t0 = now_s();
    while (id < limit && (len = getline(&line, &cap, f)) > 0) {
        id++;
        tr_report r;
        tr_err err = {0};
        uint64_t a = tr_clock_ns();
        if (tr_report_from_ndjson(line, (size_t)len, id, now, &r, &err)) {
            fprintf(stderr, "bench_monitor: line rejected at %s: %s\n", err.field, err.msg);
            exit(3);
        }
        r.id = id;
        r.reporting_party = strdup(party_of(id));
        r.received_at = r.occurred_at + delay_of(id);
        uint64_t b = tr_clock_ns();
        /* mon_engine_ingest's two steps, timed apart */
        mon_classification c;
        if (attr_engine_query(ae, r.lon, r.lat, r.occurred_at, NULL, &res)) die("attribution: out of memory");
        mon_classify(&r, &res, NULL, 0, &c);
        uint64_t d = tr_clock_ns();
        if (mon_engine_add(m, &r, &c, NULL, &err)) die("ingest: %s", err.msg);
        uint64_t e = tr_clock_ns();
        ns[0] += b - a;
        ns[1] += d - b;
        ns[2] += e - d;
        out.by_class[c.cls]++;
        tr_report_clear(&r);
    }
    out.secs = now_s() - t0;
    out.engine_bytes = heap_bytes() - heap0;
    out.parse_s = (double)ns[0] / 1e9;
    out.attribute_s = (double)ns[1] / 1e9;
    out.cluster_s = (double)ns[2] / 1e9;
    attr_result_clear(&res);
    free(line);
    fclose(f);
    mon_engine_stats(m, &out.stats);
    count_incidents(m, &out);
    if (keep)
        *keep = m;
    else
        mon_engine_free(m);
    return out;
}

static double run_parse_only(const char *path, long limit) {
    FILE *f = fopen(path, "r");
    if (!f) die("cannot read %s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long n = 0;
    double t0 = now_s();
    while (n < limit && (len = getline(&line, &cap, f)) > 0) {
        json_t *j = json_loadb(line, (size_t)len, 0, NULL);
        if (!j) die("bad JSON line %ld", n + 1);
        json_decref(j);
        n++;
    }
    double secs = now_s() - t0;
    free(line);
    fclose(f);
    return secs;
}

static void bind_text(sqlite3_stmt *st, int i, json_t *v) {
    if (json_is_string(v))
        sqlite3_bind_text(st, i, json_string_value(v), (int)json_string_length(v), SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static double run_sqlite(const char *path, long limit, const char *dbpath) {
    unlink(dbpath);
    sqlite3 *db;
    if (sqlite3_open(dbpath, &db) != SQLITE_OK) die("sqlite open %s", dbpath);
    const char *schema =
        "CREATE TABLE reports(id INTEGER PRIMARY KEY, reporting_party TEXT, received_at INTEGER, occurred_at TEXT, "
        "time_precision INTEGER, lon REAL, lat REAL, geo_precision INTEGER, event_type TEXT, sub_event_type TEXT, "
        "alleged_perpetrator TEXT, fatalities_min INTEGER, fatalities_max INTEGER, source_kind TEXT, source_ref TEXT, "
        "description TEXT)";
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) die("sqlite schema: %s", sqlite3_errmsg(db));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO reports VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL))
        die("sqlite prepare: %s", sqlite3_errmsg(db));
    FILE *f = fopen(path, "r");
    if (!f) die("cannot read %s", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long id = 0;
    double t0 = now_s();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    while (id < limit && (len = getline(&line, &cap, f)) > 0) {
        id++;
        json_t *j = json_loadb(line, (size_t)len, 0, NULL);
        if (!j) die("bad JSON line %ld", id);
        json_t *coords = json_object_get(json_object_get(j, "location"), "coordinates");
        json_t *fat = json_object_get(j, "fatalities"), *src = json_object_get(j, "source");
        int64_t occurred = 0;
        tr_time_parse(json_string_value(json_object_get(j, "occurred_at")), &occurred);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, party_of(id), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, occurred + delay_of(id));
        bind_text(st, 4, json_object_get(j, "occurred_at"));
        sqlite3_bind_int64(st, 5, json_integer_value(json_object_get(j, "time_precision")));
        sqlite3_bind_double(st, 6, json_number_value(json_array_get(coords, 0)));
        sqlite3_bind_double(st, 7, json_number_value(json_array_get(coords, 1)));
        sqlite3_bind_int64(st, 8, json_integer_value(json_object_get(j, "geo_precision")));
        bind_text(st, 9, json_object_get(j, "event_type"));
        bind_text(st, 10, json_object_get(j, "sub_event_type"));
        bind_text(st, 11, json_object_get(j, "alleged_perpetrator"));
        sqlite3_bind_int64(st, 12, json_integer_value(json_object_get(fat, "min")));
        sqlite3_bind_int64(st, 13, json_integer_value(json_object_get(fat, "max")));
        bind_text(st, 14, json_object_get(src, "kind"));
        bind_text(st, 15, json_object_get(src, "ref"));
        bind_text(st, 16, json_object_get(j, "description"));
        if (sqlite3_step(st) != SQLITE_DONE) die("sqlite insert: %s", sqlite3_errmsg(db));
        sqlite3_reset(st);
        json_decref(j);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) die("sqlite commit: %s", sqlite3_errmsg(db));
    double secs = now_s() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(line);
    fclose(f);
    unlink(dbpath);
    return secs;
}

/* Five days' bulletins out of the engine: median build + render (md and json) time, ms. */
static double run_bulletins(mon_engine *m, int *identical, int64_t *violations) {
    const char *days[] = {"2016-03-15", "2016-07-01", "2016-10-10", "2017-02-20", "2017-08-08"};
    double ms[5];
    *identical = 1;
    *violations = 0;
    for (int d = 0; d < 5; d++) {
        char *out[2][2];
        size_t len[2][2];
        for (int pass = 0; pass < 2; pass++) {
            double t0 = now_s();
            mon_bulletin b;
            tr_err err = {0};
            if (mon_engine_bulletin(m, days[d], &b, &err)) die("bulletin: %s", err.msg);
            if (mon_bulletin_render(&b, MON_FMT_MD, MON_LANG_EN, &out[pass][0], &len[pass][0]) ||
                mon_bulletin_render(&b, MON_FMT_JSON, MON_LANG_EN, &out[pass][1], &len[pass][1]))
                die("render: out of memory");
            if (pass == 0) {
                ms[d] = (now_s() - t0) * 1000;
                *violations += b.violations;
            }
            mon_bulletin_clear(&b);
        }
        for (int k = 0; k < 2; k++) {
            if (len[0][k] != len[1][k] || memcmp(out[0][k], out[1][k], len[0][k]) != 0) *identical = 0;
            free(out[0][k]);
            free(out[1][k]);
        }
    }
    return median(ms, 5);
}

typedef struct ucdp_run {
    double secs;
    long events, rejected;
    long first_rejected;     /* line number */
    char first_reason[600];
    size_t incidents, multi, largest;
} ucdp_run;

static ucdp_run run_ucdp(const char *path, attr_engine *ae) {
    ucdp_run out = {0};
    FILE *f = fopen(path, "r");
    if (!f) return out;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len = getline(&line, &cap, f);
    tr_report_columns cols;
    tr_err err = {0};
    if (len <= 0 || tr_report_columns_parse(TR_FMT_UCDP, line, (size_t)len, &cols, &err)) die("UCDP header: %s", err.msg);
    mon_engine *m = mon_engine_new(NULL);
    int64_t now = tr_time_now();
    long lineno = 1;
    double t0 = now_s();
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        tr_report r;
        if (tr_report_from_ucdp(&cols, line, (size_t)len, lineno, now, &r, &err)) {
            /* as `truce import --partial` would: keep the good rows, list the bad */
            if (out.rejected++ == 0) {
                out.first_rejected = lineno;
                snprintf(out.first_reason, sizeof out.first_reason, "%s: %s", err.field, err.msg);
            }
            continue;
        }
        r.id = atoll(r.external_id + 5);
        r.reporting_party = strdup("UCDP");
        r.received_at = r.occurred_at + 86400;
        if (mon_engine_ingest(m, ae, &r, NULL, NULL, &err)) die("UCDP ingest: %s", err.msg);
        tr_report_clear(&r);
        out.events++;
    }
    out.secs = now_s() - t0;
    int64_t ids[4096], after = 0;
    size_t n;
    do {
        if (mon_engine_list(m, after, 4096, ids, &n)) die("list");
        for (size_t i = 0; i < n; i++) {
            mon_incident in;
            if (mon_engine_incident(m, ids[i], false, &in, NULL)) die("incident");
            if (in.nmembers > 1) out.multi++;
            if (in.nmembers > out.largest) out.largest = in.nmembers;
            mon_incident_clear(&in);
        }
        out.incidents += n;
        if (n) after = ids[n - 1];
    } while (n == 4096);
    mon_engine_free(m);
    free(line);
    fclose(f);
    return out;
}

int main(int argc, char **argv) {
    const char *work = "bench/work/monitor", *json_path = "bench/results/monitor.json";
    const char *ucdp = NULL;
    int runs = 3;
    long small = 100000, large = 1000000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--work") && i + 1 < argc) work = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--small") && i + 1 < argc) small = atol(argv[++i]);
        else if (!strcmp(argv[i], "--large") && i + 1 < argc) large = atol(argv[++i]);
        else if (!strcmp(argv[i], "--json") && i + 1 < argc) json_path = argv[++i];
        else if (!strcmp(argv[i], "--ucdp") && i + 1 < argc) ucdp = argv[++i];
        else die("usage: bench_monitor [--work DIR] [--runs R] [--small N] [--large N] [--json FILE] [--ucdp FILE]");
    }
    if (runs < 1 || runs > MAX_RUNS || small < 1 || large < small) die("bad --runs/--small/--large");
    char ucdp_default[1024];
    if (!ucdp) {
        const char *shared = getenv("TRUCE_SHARED");
        snprintf(ucdp_default, sizeof ucdp_default, "%s/data/conflict/ucdp_ged_syria_2016_2017.csv",
                 shared ? shared : "../shared");
        ucdp = ucdp_default;
    }
    mkdir(work, 0755);
    char data[1024], db[1024];
    snprintf(data, sizeof data, "%s/reports_%ld.ndjson", work, large);
    snprintf(db, sizeof db, "%s/floor.db", work);
    struct stat sb;
    if (stat(data, &sb) != 0) {
        double t0 = now_s();
        long n = write_file(data, large);
        printf("wrote %ld lines to %s in %.1f s\n", n, data, now_s() - t0);
        stat(data, &sb);
    }
    attr_engine *ae = make_attribution();

    long sizes[2] = {small, large};
    double truce_s[2][MAX_RUNS], sqlite_s[2][MAX_RUNS], parse_s[2][MAX_RUNS];
    truce_run last[2];
    long rss_after[2];
    mon_engine *kept = NULL;
    for (int z = 0; z < 2; z++) {
        for (int r = 0; r < runs; r++) {
            /* interleave the three passes so drift hits all of them alike */
            parse_s[z][r] = run_parse_only(data, sizes[z]);
            sqlite_s[z][r] = run_sqlite(data, sizes[z], db);
            bool keep = z == 1 && r == runs - 1;
            last[z] = run_truce(data, sizes[z], ae, keep ? &kept : NULL);
            truce_s[z][r] = last[z].secs;
            printf("N=%ld run %d: truce %.2f s, sqlite %.2f s, parse only %.2f s\n", sizes[z], r + 1, truce_s[z][r],
                   sqlite_s[z][r], parse_s[z][r]);
            fflush(stdout);
        }
        rss_after[z] = peak_rss_kb();
    }
    int identical;
    int64_t bulletin_violations;
    double bulletin_ms = run_bulletins(kept, &identical, &bulletin_violations);
    mon_engine_free(kept);
    double ucdp_s[MAX_RUNS];
    ucdp_run u = {0};
    for (int r = 0; r < runs; r++) {
        u = run_ucdp(ucdp, ae);
        ucdp_s[r] = u.secs;
    }
    attr_engine_free(ae);

    double med_t[2], med_q[2], med_p[2];
    for (int z = 0; z < 2; z++) {
        med_t[z] = median(truce_s[z], runs);
        med_q[z] = median(sqlite_s[z], runs);
        med_p[z] = median(parse_s[z], runs);
    }
    double rps = (double)large / med_t[1], sqlite_rps = (double)large / med_q[1], parse_rps = (double)large / med_p[1];
    double growth = med_t[1] / med_t[0], size_ratio = (double)large / (double)small;
    double cand[2], cells[2];
    for (int z = 0; z < 2; z++) {
        cand[z] = (double)last[z].stats.candidates / (double)sizes[z];
        cells[z] = (double)last[z].stats.cells / (double)sizes[z];
    }
    double all_pairs = (double)large * (double)(large - 1) / 2;

    printf("\nmonitor intake (median of %d runs; NDJSON file %.0f MB)\n", runs, (double)sb.st_size / 1e6);
    printf("%-44s %12s %12s\n", "", "N=small", "N=large");
    printf("%-44s %12ld %12ld\n", "reports", small, large);
    printf("%-44s %12.0f %12.0f\n", "truce: parse+attribute+classify+cluster /s", small / med_t[0], rps);
    printf("%-44s %12.0f %12.0f\n", "baseline sqlite bulk insert /s", small / med_q[0], sqlite_rps);
    printf("%-44s %12.0f %12.0f\n", "baseline read+json_loadb only /s", small / med_p[0], parse_rps);
    printf("%-44s %12.2f %12.2f\n", "truce / sqlite", med_q[0] / med_t[0], med_q[1] / med_t[1]);
    printf("%-44s %12.2f %12.2f\n", "  of which parse+validate (us/report)", last[0].parse_s * 1e6 / small,
           last[1].parse_s * 1e6 / large);
    printf("%-44s %12.2f %12.2f\n", "  attribution+classification (us/report)", last[0].attribute_s * 1e6 / small,
           last[1].attribute_s * 1e6 / large);
    printf("%-44s %12.2f %12.2f\n", "  incident building (us/report)", last[0].cluster_s * 1e6 / small,
           last[1].cluster_s * 1e6 / large);
    printf("%-44s %12.1f %12.1f\n", "candidates tested per report", cand[0], cand[1]);
    printf("%-44s %12.1f %12.1f\n", "grid cells probed per report", cells[0], cells[1]);
    printf("%-44s %12zu %12zu\n", "incidents", last[0].incidents, last[1].incidents);
    printf("%-44s %12zu %12zu\n", "largest incident (reports)", last[0].largest, last[1].largest);
    printf("%-44s %12.1f %12.1f\n", "peak RSS (MB, process, after this size)", rss_after[0] / 1024.0,
           rss_after[1] / 1024.0);
    printf("%-44s %12.1f %12.1f\n", "engine heap per report (bytes, allocator)", last[0].engine_bytes / small,
           last[1].engine_bytes / large);
    printf("issue 19 goal 4: at least 100,000 reports/s: %s (%.0f); at most 150 bytes per report: %s (%.1f)\n",
           rps >= 100000 ? "met" : "NOT met", rps, last[1].engine_bytes / large <= 150 ? "met" : "NOT met",
           last[1].engine_bytes / large);
    printf("time growth %ldx reports -> %.2fx time (all-pairs would be %.0fx; pairs examined %.3g of %.3g)\n",
           large / small, growth, size_ratio * size_ratio, (double)last[1].stats.candidates, all_pairs);
    printf("bulletin of one day out of %ld reports: %.2f ms median (5 days; md+json; identical twice: %s)\n", large,
           bulletin_ms, identical ? "yes" : "NO");
    printf("UCDP GED 2016-17: %ld events accepted -> %zu incidents (%zu with 2+ events, largest %zu) in %.0f ms median\n",
           u.events, u.incidents, u.multi, u.largest, median(ucdp_s, runs) * 1000);
    if (u.rejected) printf("  %ld rows rejected, first at %s\n", u.rejected, u.first_reason);

    FILE *j = fopen(json_path, "w");
    if (!j) die("cannot write %s", json_path);
    fprintf(j,
            "{\n \"name\": \"monitor\",\n \"metric\": \"reports_per_second\",\n \"unit\": \"reports/s\",\n"
            " \"truce\": %.1f,\n \"baselines\": {\n  \"sqlite_bulk_insert\": %.1f,\n  \"ndjson_parse_only\": %.1f\n },\n"
            " \"ratios\": {\n  \"truce_vs_sqlite\": %.3f,\n  \"truce_vs_parse_only\": %.3f,\n"
            "  \"time_growth_100k_to_1m\": %.3f,\n  \"size_growth\": %.1f\n },\n",
            rps, sqlite_rps, parse_rps, rps / sqlite_rps, rps / parse_rps, growth, size_ratio);
    fprintf(j,
            " \"data\": {\n  \"reports_small\": %ld,\n  \"reports_large\": %ld,\n  \"ndjson_bytes\": %lld,\n"
            "  \"box\": \"lon 35.6-42.4, lat 32.3-37.3, 2016-01-01..2017-12-31\",\n"
            "  \"reports_per_event\": \"1-5 (mean 3)\",\n  \"precision_mix\": \"time 90/8/2 %%, geo 75/20/5 %% for precision 1/2/3\",\n"
            "  \"attribution\": \"4 regions, 2 control areas, 1 designated area, 1 ceasefire zone, 3 agreements\",\n"
            "  \"ucdp_events\": %ld\n },\n",
            small, large, (long long)sb.st_size, u.events);
    fprintf(j,
            " \"scaling\": {\n  \"truce_s_small\": %.3f,\n  \"truce_s_large\": %.3f,\n"
            "  \"candidates_per_report_small\": %.2f,\n  \"candidates_per_report_large\": %.2f,\n"
            "  \"cells_per_report_small\": %.2f,\n  \"cells_per_report_large\": %.2f,\n"
            "  \"pairs_examined_large\": %" PRIu64 ",\n  \"all_pairs_large\": %.0f,\n"
            "  \"note\": \"density grows 10x with N over the same box and years, so candidates per report grow; "
            "an all-pairs pass would grow time 100x\"\n },\n",
            med_t[0], med_t[1], cand[0], cand[1], cells[0], cells[1], last[1].stats.candidates, all_pairs);
    fprintf(j,
            " \"incidents\": {\n  \"small\": %zu,\n  \"large\": %zu,\n  \"largest_small\": %zu,\n  \"largest_large\": %zu,\n"
            "  \"violations_large\": %" PRIu64 ",\n  \"not_covered_large\": %" PRIu64 ",\n  \"undetermined_large\": %" PRIu64 "\n },\n",
            last[0].incidents, last[1].incidents, last[0].largest, last[1].largest, last[1].by_class[MON_VIOLATION],
            last[1].by_class[MON_NOT_COVERED], last[1].by_class[MON_UNDETERMINED]);
    fprintf(j, " \"engine_bytes_per_report\": {\"small\": %.1f, \"large\": %.1f},\n",
            last[0].engine_bytes / small, last[1].engine_bytes / large);
    fprintf(j, " \"goals\": {\"reports_per_s_at_least_100000\": %s, \"bytes_per_report_at_most_150\": %s},\n",
            rps >= 100000 ? "true" : "false", last[1].engine_bytes / large <= 150 ? "true" : "false");
    fprintf(j, " \"peak_rss_mb\": {\n  \"after_small\": %.1f,\n  \"after_large\": %.1f,\n"
               "  \"note\": \"the engine holds every report in memory (grid, union-find); the NDJSON is streamed\"\n },\n",
            rss_after[0] / 1024.0, rss_after[1] / 1024.0);
    fprintf(j, " \"bulletin_ms\": %.3f,\n \"bulletin_identical\": %s,\n \"bulletin_days\": 5,\n"
               " \"bulletin_violations_5_days\": %" PRId64 ",\n",
            bulletin_ms, identical ? "true" : "false", bulletin_violations);
    fprintf(j,
            " \"ucdp\": {\n  \"events_accepted\": %ld,\n  \"rows_rejected\": %ld,\n  \"first_rejected_line\": %ld,\n"
            "  \"incidents\": %zu,\n  \"incidents_with_2_or_more\": %zu,\n  \"largest\": %zu,\n  \"ingest_ms\": %.1f\n },\n",
            u.events, u.rejected, u.first_rejected, u.incidents, u.multi, u.largest, median(ucdp_s, runs) * 1000);
    fprintf(j, " \"runs\": %d,\n \"median_of\": %d,\n \"runs_s\": {\n", runs, runs);
    const char *names[3] = {"truce", "sqlite", "parse_only"};
    for (int z = 0; z < 2; z++)
        for (int k = 0; k < 3; k++) {
            double *v = k == 0 ? truce_s[z] : k == 1 ? sqlite_s[z] : parse_s[z];
            fprintf(j, "  \"%s_%s\": [", names[k], z ? "large" : "small");
            for (int r = 0; r < runs; r++) fprintf(j, "%s%.3f", r ? ", " : "", v[r]);
            fprintf(j, "]%s\n", z == 1 && k == 2 ? "" : ",");
        }
    fprintf(j, " },\n \"host\": {\n  \"cpus\": %ld\n }\n}\n", sysconf(_SC_NPROCESSORS_ONLN));
    fclose(j);
    printf("wrote %s\n", json_path);
    return identical ? 0 : 3;
}
