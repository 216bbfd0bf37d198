/*
 * bench_log.c — the verifiable log (docs/tlog.md): durable appends, proofs, checkpoints.
 *
 * (a) Sustained durable appends/s through the store (store_open on a fresh file, then
 *     store_begin, store_log_append x B, store_commit) for batch sizes B = 1, 16, 256,
 *     each run bounded by --seconds and --max-entries, median of --runs. The store runs
 *     SQLite in WAL mode with synchronous=FULL (src/store/store_sqlite.c): store_commit
 *     returns after the WAL is fsync'd. Beside it, in the same run and on the same rows:
 *       - plain SQLite: the same rows (idx, entry, party, at, type, ref, object) inserted
 *         into a table of the same shape as log_entry, with the same pragmas (WAL,
 *         synchronous=FULL, foreign_keys=ON, temp_store=MEMORY), the same batch sizes,
 *         BEGIN IMMEDIATE ... COMMIT — what the log costs on top of storing its entries
 *         (a leaf hash, ~1 node hash and ~2 log_node rows per entry);
 *       - plain SQLite with node rows (diagnostic): the same, plus the ~2 node rows per
 *         entry the log keeps (WITHOUT ROWID, keyed by (level, idx) as log_node) with no
 *         hashing — how much of the log's cost is those rows;
 *       - raw SHA-256 (libsodium crypto_hash_sha256) of the same entry bytes;
 *       - the engine alone in memory (tlog_hash_leaf, tlog_tree_append, tlog_memstore_put).
 *     Entries are what the centre writes: canonical JSON of ~165 bytes with the SHA-256 of
 *     an object (a canonical area Feature of ~430 bytes, stored beside it).
 *
 * (b) Proof latency at --proof-size entries (default 10,000,000): the tree is built with
 *     the engine over tlog_memstore (build time reported); then --proofs inclusion proofs
 *     of random leaves and consistency proofs from random sizes to the full size, each
 *     verified (RFC 9162) against the roots; p50/p99 of proving and of verifying, median
 *     of --runs. With --sqlite-proof-size N (default 1,000,000; 0 skips) the same on a
 *     store file of N entries built through store_log_append in transactions of 4,096,
 *     read through store_log_reader (one indexed SELECT per node; the page cache is warm).
 *
 * (c) Checkpoint signing: tlog_checkpoint_sign (Ed25519 signed note) per second and
 *     tlog_checkpoint_open (verify) per second, median of --runs; and the durable
 *     checkpoint transaction as centre_log_checkpoint runs it (store_begin, latest
 *     checkpoint, tree root, sign, store_log_checkpoint_put, store_commit), p50/p99.
 *
 * Prints a table; --json FILE writes the figures. Scratch databases go to --dir and are
 * removed. Exit 0, or 1 on an error (including a proof that does not verify).
 *
 * Usage: bench_log [--dir DIR] [--runs N] [--seconds S] [--max-entries N]
 *                  [--proof-size N] [--sqlite-proof-size N] [--proofs K] [--json FILE]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "engines/tlog.h"
#include "store/store.h"

#define MAX_RUNS 9
#define POOL 65536 /* distinct generated rows, reused cyclically */
#define NBATCH 3
static const int BATCHES[NBATCH] = {1, 16, 256};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("bench_log: ", stderr);
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

static double now_s(void) {
    return (double)tr_clock_ns() / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n) {
    double t[MAX_RUNS];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* The q-quantile (nearest rank) of n values, sorted in place. */
static double quantile(double *v, size_t n, double q) {
    qsort(v, n, sizeof *v, cmp_double);
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

/* ---- options ---- */

typedef struct opts {
    const char *dir, *json;
    int runs;
    double seconds;
    uint64_t max_entries, proof_size, sqlite_proof_size;
    size_t proofs;
} opts;

static opts parse_opts(int argc, char **argv) {
    opts o = {"bench/work/log", NULL, 3, 2.0, 1000000, 10000000, 1000000, 10000};
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--dir") && v) o.dir = argv[++i];
        else if (!strcmp(argv[i], "--json") && v) o.json = argv[++i];
        else if (!strcmp(argv[i], "--runs") && v) o.runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && v) o.seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--max-entries") && v) o.max_entries = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--proof-size") && v) o.proof_size = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--sqlite-proof-size") && v) o.sqlite_proof_size = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--proofs") && v) o.proofs = (size_t)strtoull(argv[++i], NULL, 10);
        else die("usage: bench_log [--dir DIR] [--runs N] [--seconds S] [--max-entries N] [--proof-size N] "
                 "[--sqlite-proof-size N] [--proofs K] [--json FILE]");
    }
    if (o.runs < 1 || o.runs > MAX_RUNS) die("--runs must be 1..%d", MAX_RUNS);
    if (o.seconds <= 0 || o.max_entries < 1 || o.proof_size < 2 || o.proofs < 1) die("bad option value");
    return o;
}

/* ---- the rows: what centre__log writes for an area.create ---- */

typedef struct row {
    char entry[256];
    size_t entry_len;
    char object[640];
    size_t object_len;
    char ref[48];
} row;

static row *pool;
static size_t entry_bytes_total, object_bytes_total;

static void make_pool(void) {
    pool = xmalloc(POOL * sizeof *pool);
    for (size_t i = 0; i < POOL; i++) {
        row *r = &pool[i];
        double lon = 35.0 + (double)(i % 700) / 100.0, lat = 32.0 + (double)(i / 700 % 500) / 100.0;
        int n = snprintf(
            r->object, sizeof r->object,
            "{\"geometry\":{\"coordinates\":[[[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g]]],"
            "\"type\":\"Polygon\"},\"id\":%zu,\"properties\":{\"area_m2\":%.17g,\"created_at\":\"2016-12-22T10:00:00Z\","
            "\"created_by\":\"admin\",\"id\":%zu,\"kind\":\"no_strike\",\"name\":\"Area %zu\",\"valid_from\":"
            "\"2016-01-01T00:00:00Z\",\"valid_to\":null,\"version\":1,\"visibility\":\"public\"},\"type\":\"Feature\"}",
            lon, lat, lon + 0.013, lat, lon + 0.013, lat + 0.011, lon, lat + 0.011, lon, lat, i + 1,
            1.7 + (double)(i % 97) / 31.0, i + 1, i + 1);
        if (n <= 0 || (size_t)n >= sizeof r->object) die("object buffer too small");
        r->object_len = (size_t)n;
        unsigned char h[crypto_hash_sha256_BYTES];
        char hex[2 * sizeof h + 1];
        crypto_hash_sha256(h, (const unsigned char *)r->object, r->object_len);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        snprintf(r->ref, sizeof r->ref, "area/%zu@1", i + 1);
        n = snprintf(r->entry, sizeof r->entry,
                     "{\"at\":\"2016-12-22T10:00:00Z\",\"object_sha256\":\"%s\",\"party\":\"admin\",\"ref\":\"%s\","
                     "\"type\":\"area.create\",\"v\":1}",
                     hex, r->ref);
        if (n <= 0 || (size_t)n >= sizeof r->entry) die("entry buffer too small");
        r->entry_len = (size_t)n;
        entry_bytes_total += r->entry_len;
        object_bytes_total += r->object_len;
    }
}

#define AT_2016 1482400800 /* 2016-12-22T10:00:00Z */

/* ---- scratch files ---- */

static void db_path(const opts *o, const char *name, char *out, size_t cap) {
    snprintf(out, cap, "%s/%s", o->dir, name);
}

static void db_remove(const char *path) {
    char p[4200];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* ---- (a) durable appends ---- */

typedef struct rate {
    double per_s[MAX_RUNS];
    uint64_t entries[MAX_RUNS];
    double secs[MAX_RUNS];
} rate;

static void store_append_batch(store *s, uint64_t from, int b) {
    tr_err err = {0};
    if (store_begin(s, &err)) die("store_begin: %s", err.msg);
    for (int k = 0; k < b; k++) {
        const row *r = &pool[(from + (uint64_t)k) % POOL];
        store_log_entry e = {.entry = (const uint8_t *)r->entry, .entry_len = r->entry_len, .party = "admin",
                             .type = "area.create", .ref = r->ref, .at = AT_2016,
                             .object = (const uint8_t *)r->object, .object_len = r->object_len};
        tlog_hash leaf;
        if (store_log_append(s, &e, &leaf, &err)) die("store_log_append: %s", err.msg);
        if (e.index != from + (uint64_t)k) die("store_log_append gave index %" PRIu64, e.index);
    }
    if (store_commit(s, &err)) die("store_commit: %s", err.msg);
}

static void truce_appends(const opts *o, int b, int run, rate *out) {
    char path[4096];
    db_path(o, "bench-log-truce.db", path, sizeof path);
    db_remove(path);
    store *s;
    tr_err err = {0};
    if (store_open(path, &s, &err)) die("store_open %s: %s", path, err.msg);
    uint64_t n = 0;
    double t0 = now_s(), t;
    do {
        store_append_batch(s, n, b);
        n += (uint64_t)b;
    } while ((t = now_s() - t0) < o->seconds && n + (uint64_t)b <= o->max_entries);
    uint64_t size;
    if (store_log_size(s, &size, &err) || size != n) die("the log holds %" PRIu64 " entries, not %" PRIu64, size, n);
    store_close(s);
    db_remove(path);
    out->per_s[run] = (double)n / t;
    out->entries[run] = n;
    out->secs[run] = t;
}

static void exec_or_die(sqlite3 *db, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) die("sqlite: %s: %s", sql, msg ? msg : "?");
}

/* with_nodes: also insert the node rows the log stores (a level-0 row per entry and one
 * more per trailing 1-bit of its index, 32-byte blobs, in a WITHOUT ROWID table keyed by
 * (level, idx) as log_node), without computing any hash: what those rows cost SQLite. */
static void sqlite_appends(const opts *o, int b, int run, rate *out, int with_nodes) {
    char path[4096];
    db_path(o, "bench-log-sqlite.db", path, sizeof path);
    db_remove(path);
    sqlite3 *db;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        die("cannot open %s", path);
    /* The store's pragmas (store_sqlite.c, open_conn) and log_entry's shape (0002_log.sql). */
    exec_or_die(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;");
    exec_or_die(db, "CREATE TABLE plain_entry (idx INTEGER PRIMARY KEY, entry BLOB NOT NULL, party TEXT NOT NULL,"
                    " at INTEGER NOT NULL, type TEXT NOT NULL, ref TEXT NOT NULL, object BLOB NOT NULL)");
    sqlite3_stmt *st, *nst = NULL;
    if (with_nodes) {
        exec_or_die(db, "CREATE TABLE plain_node (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
                        " PRIMARY KEY (level, idx)) WITHOUT ROWID");
        if (sqlite3_prepare_v3(db, "INSERT INTO plain_node(level, idx, hash) VALUES (?,?,?)", -1,
                               SQLITE_PREPARE_PERSISTENT, &nst, NULL) != SQLITE_OK)
            die("prepare: %s", sqlite3_errmsg(db));
    }
    if (sqlite3_prepare_v3(db, "INSERT INTO plain_entry(idx, entry, party, at, type, ref, object) VALUES (?,?,?,?,?,?,?)",
                           -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        die("prepare: %s", sqlite3_errmsg(db));
    uint64_t n = 0;
    double t0 = now_s(), t;
    do {
        exec_or_die(db, "BEGIN IMMEDIATE");
        for (int k = 0; k < b; k++, n++) {
            const row *r = &pool[n % POOL];
            sqlite3_bind_int64(st, 1, (sqlite3_int64)n);
            sqlite3_bind_blob(st, 2, r->entry, (int)r->entry_len, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 3, "admin", -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 4, AT_2016);
            sqlite3_bind_text(st, 5, "area.create", -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 6, r->ref, -1, SQLITE_TRANSIENT);
            sqlite3_bind_blob(st, 7, r->object, (int)r->object_len, SQLITE_TRANSIENT);
            if (sqlite3_step(st) != SQLITE_DONE) die("insert: %s", sqlite3_errmsg(db));
            sqlite3_reset(st);
            for (int level = 0; nst && (level == 0 || ((n + 1) & ((1ull << level) - 1)) == 0); level++) {
                sqlite3_bind_int(nst, 1, level);
                sqlite3_bind_int64(nst, 2, (sqlite3_int64)((n + 1) >> level) - 1);
                sqlite3_bind_blob(nst, 3, pool[(n + (uint64_t)level) % POOL].object, 32, SQLITE_TRANSIENT);
                if (sqlite3_step(nst) != SQLITE_DONE) die("insert node: %s", sqlite3_errmsg(db));
                sqlite3_reset(nst);
            }
        }
        exec_or_die(db, "COMMIT");
    } while ((t = now_s() - t0) < o->seconds && n + (uint64_t)b <= o->max_entries);
    sqlite3_finalize(st);
    sqlite3_finalize(nst);
    sqlite3_close(db);
    db_remove(path);
    out->per_s[run] = (double)n / t;
    out->entries[run] = n;
    out->secs[run] = t;
}

/* Hashes pool entries for about a second; entries/s. */
static double sha256_rate(void) {
    unsigned char h[crypto_hash_sha256_BYTES];
    unsigned acc = 0;
    uint64_t n = 0;
    double t0 = now_s(), t;
    do {
        for (int k = 0; k < 4096; k++, n++) {
            const row *r = &pool[n % POOL];
            crypto_hash_sha256(h, (const unsigned char *)r->entry, r->entry_len);
            acc += h[0];
        }
    } while ((t = now_s() - t0) < 1.0);
    if (acc == 0xFFFFFFFFu) puts(""); /* keep the hashes */
    return (double)n / t;
}

/* Appends pool entries to an in-memory tree for about a second; entries/s. */
static double memory_append_rate(void) {
    tlog_memstore *m = tlog_memstore_new();
    if (!m) die("out of memory");
    tlog_tree t;
    tlog_tree_init(&t);
    tr_err err = {0};
    uint64_t n = 0;
    double t0 = now_s(), el;
    do {
        for (int k = 0; k < 4096; k++, n++) {
            const row *r = &pool[n % POOL];
            tlog_hash leaf;
            tlog_node_hash nodes[63];
            size_t nn;
            tlog_hash_leaf(r->entry, r->entry_len, &leaf);
            if (tlog_tree_append(&t, &leaf, nodes, &nn, &err) || tlog_memstore_put(m, nodes, nn, &err))
                die("memory append: %s", err.msg);
        }
    } while ((el = now_s() - t0) < 1.0);
    tlog_memstore_free(m);
    return (double)n / el;
}

/* The storage's flush latency: 4 KiB appended and fdatasync'd, for about a second (at
 * most 5,000 times). A WAL commit costs at least one such flush. */
static void fsync_probe(const opts *o, double *p50_ms, double *per_s) {
    char path[4096];
    db_path(o, "bench-log-fsync.tmp", path, sizeof path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) die("%s: %s", path, strerror(errno));
    static char block[4096];
    memset(block, 'x', sizeof block);
    double *ms = xmalloc(5000 * sizeof *ms), total = 0;
    size_t n = 0;
    while (n < 5000 && total < 1000.0) {
        uint64_t t0 = tr_clock_ns();
        if (write(fd, block, sizeof block) != (ssize_t)sizeof block || fdatasync(fd) != 0)
            die("%s: %s", path, strerror(errno));
        ms[n] = (double)(tr_clock_ns() - t0) / 1e6;
        total += ms[n++];
    }
    close(fd);
    unlink(path);
    *per_s = 1000.0 * (double)n / total;
    *p50_ms = quantile(ms, n, 0.5);
    free(ms);
}

/* ---- (b) proofs ---- */

typedef struct proof_figures {
    uint64_t size;
    double build_s;
    double incl_p50[MAX_RUNS], incl_p99[MAX_RUNS], incl_verify_p50[MAX_RUNS], incl_verify_p99[MAX_RUNS];
    double cons_p50[MAX_RUNS], cons_p99[MAX_RUNS], cons_verify_p50[MAX_RUNS], cons_verify_p99[MAX_RUNS];
    double incl_len, cons_len; /* mean proof lengths (hashes) */
    size_t proofs;
} proof_figures;

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) { /* splitmix64: deterministic */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Times k inclusion and k consistency proofs (and their verification) at size n. The
 * leaf hashes come from the pool (entry i is pool[i % POOL]), the old roots from the
 * reader (outside the timing). */
static void time_proofs(const tlog_reader *r, uint64_t n, const tlog_hash *root, size_t k, int run,
                        proof_figures *f) {
    double *prove = xmalloc(k * sizeof *prove), *verify = xmalloc(k * sizeof *verify);
    tlog_hash proof[TLOG_PROOF_MAX];
    size_t len;
    tr_err err = {0};
    uint64_t total = 0;
    for (size_t j = 0; j < k; j++) {
        uint64_t i = rnd() % n;
        uint64_t t0 = tr_clock_ns();
        if (tlog_prove_inclusion(r, i, n, proof, &len, &err)) die("tlog_prove_inclusion: %s", err.msg);
        uint64_t t1 = tr_clock_ns();
        const row *e = &pool[i % POOL];
        tlog_hash leaf;
        tlog_hash_leaf(e->entry, e->entry_len, &leaf);
        uint64_t t2 = tr_clock_ns();
        if (tlog_verify_inclusion(&leaf, i, n, root, proof, len, &err))
            die("the inclusion proof of %" PRIu64 " in %" PRIu64 " does not verify", i, n);
        uint64_t t3 = tr_clock_ns();
        prove[j] = (double)(t1 - t0) / 1e3;
        verify[j] = (double)(t3 - t2) / 1e3;
        total += len;
    }
    f->incl_len = (double)total / (double)k;
    f->incl_p50[run] = quantile(prove, k, 0.50);
    f->incl_p99[run] = quantile(prove, k, 0.99);
    f->incl_verify_p50[run] = quantile(verify, k, 0.50);
    f->incl_verify_p99[run] = quantile(verify, k, 0.99);
    total = 0;
    for (size_t j = 0; j < k; j++) {
        uint64_t m = 1 + rnd() % (n - 1);
        tlog_hash old;
        if (tlog_root_at(r, m, &old, &err)) die("tlog_root_at: %s", err.msg);
        uint64_t t0 = tr_clock_ns();
        if (tlog_prove_consistency(r, m, n, proof, &len, &err)) die("tlog_prove_consistency: %s", err.msg);
        uint64_t t1 = tr_clock_ns();
        if (tlog_verify_consistency(m, n, &old, root, proof, len, &err))
            die("the consistency proof %" PRIu64 " -> %" PRIu64 " does not verify", m, n);
        uint64_t t2 = tr_clock_ns();
        prove[j] = (double)(t1 - t0) / 1e3;
        verify[j] = (double)(t2 - t1) / 1e3;
        total += len;
    }
    f->cons_len = (double)total / (double)k;
    f->cons_p50[run] = quantile(prove, k, 0.50);
    f->cons_p99[run] = quantile(prove, k, 0.99);
    f->cons_verify_p50[run] = quantile(verify, k, 0.50);
    f->cons_verify_p99[run] = quantile(verify, k, 0.99);
    f->proofs = k;
    free(prove);
    free(verify);
}

static void memory_proofs(const opts *o, proof_figures *f) {
    tlog_memstore *m = tlog_memstore_new();
    if (!m) die("out of memory");
    tlog_tree t;
    tlog_tree_init(&t);
    tr_err err = {0};
    double t0 = now_s();
    for (uint64_t i = 0; i < o->proof_size; i++) {
        const row *r = &pool[i % POOL];
        tlog_hash leaf;
        tlog_node_hash nodes[63];
        size_t nn;
        tlog_hash_leaf(r->entry, r->entry_len, &leaf);
        if (tlog_tree_append(&t, &leaf, nodes, &nn, &err) || tlog_memstore_put(m, nodes, nn, &err))
            die("building the tree: %s", err.msg);
    }
    f->build_s = now_s() - t0;
    f->size = o->proof_size;
    tlog_hash root, check;
    tlog_tree_root(&t, &root);
    tlog_reader r = tlog_memstore_reader(m);
    if (tlog_root_at(&r, t.size, &check, &err) || !tlog_hash_equal(&root, &check))
        die("the memstore's root differs from the tree's");
    for (int k = 0; k < o->runs; k++) time_proofs(&r, t.size, &root, o->proofs, k, f);
    tlog_memstore_free(m);
}

static void sqlite_proofs(const opts *o, proof_figures *f) {
    char path[4096];
    db_path(o, "bench-log-proofs.db", path, sizeof path);
    db_remove(path);
    store *s;
    tr_err err = {0};
    if (store_open(path, &s, &err)) die("store_open %s: %s", path, err.msg);
    double t0 = now_s();
    for (uint64_t n = 0; n < o->sqlite_proof_size;) {
        int b = o->sqlite_proof_size - n < 4096 ? (int)(o->sqlite_proof_size - n) : 4096;
        store_append_batch(s, n, b);
        n += (uint64_t)b;
    }
    f->build_s = now_s() - t0;
    f->size = o->sqlite_proof_size;
    if (store_begin(s, &err)) die("store_begin: %s", err.msg);
    tlog_hash root;
    tlog_tree_root(store_log_tree(s), &root);
    store_rollback(s);
    tlog_reader r = store_log_reader(s);
    size_t k = o->proofs < 2000 ? o->proofs : 2000;
    for (int run = 0; run < o->runs; run++) time_proofs(&r, f->size, &root, k, run, f);
    store_close(s);
    db_remove(path);
}

/* ---- (c) checkpoints ---- */

typedef struct cp_figures {
    double sign_per_s[MAX_RUNS], verify_per_s[MAX_RUNS];
    double tx_p50_ms, tx_p99_ms, tx_per_s;
    size_t tx_count;
} cp_figures;

static void checkpoints(const opts *o, cp_figures *f) {
    tlog_signer sg;
    tlog_verifier v;
    tr_err err = {0};
    if (tlog_key_generate("bench.truce.invalid/log", &sg, &v, &err)) die("tlog_key_generate: %s", err.msg);
    tlog_checkpoint cp = {.size = 10000000};
    snprintf(cp.origin, sizeof cp.origin, "bench.truce.invalid/log");
    for (int run = 0; run < o->runs; run++) {
        uint64_t n = 0;
        char *last = NULL;
        size_t last_len = 0;
        double t0 = now_s(), t;
        do {
            for (int k = 0; k < 64; k++, n++) {
                cp.size++;
                cp.root.b[0] = (uint8_t)n;
                char *note;
                size_t len;
                if (tlog_checkpoint_sign(&cp, &sg, 1, &note, &len, &err)) die("sign: %s", err.msg);
                free(last);
                last = note;
                last_len = len;
            }
        } while ((t = now_s() - t0) < 1.0);
        f->sign_per_s[run] = (double)n / t;
        n = 0;
        t0 = now_s();
        do {
            for (int k = 0; k < 64; k++, n++) {
                tlog_checkpoint out;
                if (tlog_checkpoint_open(last, last_len, &v, 1, cp.origin, &out, &err)) die("open: %s", err.msg);
            }
        } while ((t = now_s() - t0) < 1.0);
        f->verify_per_s[run] = (double)n / t;
        free(last);
    }
    /* The durable checkpoint transaction of centre_log_checkpoint, after each of a series
     * of one-entry appends (untimed). */
    char path[4096];
    db_path(o, "bench-log-cp.db", path, sizeof path);
    db_remove(path);
    store *s;
    if (store_open(path, &s, &err)) die("store_open %s: %s", path, err.msg);
    size_t cap = 4096, count = 0;
    double *ms = xmalloc(cap * sizeof *ms), total = 0;
    for (uint64_t i = 0; count < cap && (total < 1000.0 * o->seconds || count < 50); i++) {
        store_append_batch(s, i, 1);
        uint64_t t0 = tr_clock_ns();
        if (store_begin(s, &err)) die("store_begin: %s", err.msg);
        uint64_t last;
        tlog_hash last_root;
        char *note = NULL;
        if (store_log_checkpoint_latest(s, &last, &last_root, &note, &err)) die("latest: %s", err.msg);
        free(note);
        const tlog_tree *t = store_log_tree(s);
        tlog_checkpoint c = {.size = t->size};
        snprintf(c.origin, sizeof c.origin, "bench.truce.invalid/log");
        tlog_tree_root(t, &c.root);
        size_t len;
        if (tlog_checkpoint_sign(&c, &sg, 1, &note, &len, &err)) die("sign: %s", err.msg);
        if (store_log_checkpoint_put(s, c.size, &c.root, note, tr_time_now(), &err)) die("put: %s", err.msg);
        free(note);
        if (store_commit(s, &err)) die("store_commit: %s", err.msg);
        ms[count] = (double)(tr_clock_ns() - t0) / 1e6;
        total += ms[count++];
    }
    store_close(s);
    db_remove(path);
    f->tx_count = count;
    f->tx_per_s = 1000.0 * (double)count / total;
    f->tx_p50_ms = quantile(ms, count, 0.50);
    f->tx_p99_ms = quantile(ms, count, 0.99);
    free(ms);
    tlog_signer_wipe(&sg);
}

/* ---- report ---- */

static json_t *runs_json(const double *v, int n) {
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_real(v[i]));
    return a;
}

static double r1(double x) {
    return (double)(long long)(x * 10 + (x >= 0 ? 0.5 : -0.5)) / 10;
}

static double r3(double x) {
    return (double)(long long)(x * 1000 + (x >= 0 ? 0.5 : -0.5)) / 1000;
}

static json_t *proof_json(const proof_figures *f, int runs, const char *where) {
    return json_pack("{s:s, s:I, s:f, s:f, s:I, s:i, s:{s:f, s:f, s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:f, s:f}, s:{s:o, s:o, s:o, s:o}}",
                     "store", where, "entries", (json_int_t)f->size, "build_s", r3(f->build_s),
                     "build_entries_per_second", r1((double)f->size / f->build_s), "proofs_per_run",
                     (json_int_t)f->proofs, "runs", runs,
                     "inclusion_us", "p50", r3(median(f->incl_p50, runs)), "p99", r3(median(f->incl_p99, runs)),
                     "verify_p50", r3(median(f->incl_verify_p50, runs)), "verify_p99",
                     r3(median(f->incl_verify_p99, runs)), "mean_hashes", r1(f->incl_len),
                     "consistency_us", "p50", r3(median(f->cons_p50, runs)), "p99", r3(median(f->cons_p99, runs)),
                     "verify_p50", r3(median(f->cons_verify_p50, runs)), "verify_p99",
                     r3(median(f->cons_verify_p99, runs)), "mean_hashes", r1(f->cons_len),
                     "all_runs", "inclusion_p50", runs_json(f->incl_p50, runs), "inclusion_p99",
                     runs_json(f->incl_p99, runs), "consistency_p50", runs_json(f->cons_p50, runs),
                     "consistency_p99", runs_json(f->cons_p99, runs));
}

static void print_proofs(const char *what, const proof_figures *f, int runs) {
    printf("  %-34s %12.2f %12.2f %12.2f %12.2f   (%.1f / %.1f hashes)\n", what, median(f->incl_p50, runs),
           median(f->incl_p99, runs), median(f->cons_p50, runs), median(f->cons_p99, runs), f->incl_len, f->cons_len);
    printf("  %-34s %12.2f %12.2f %12.2f %12.2f\n", "  verify (RFC 9162)", median(f->incl_verify_p50, runs),
           median(f->incl_verify_p99, runs), median(f->cons_verify_p50, runs), median(f->cons_verify_p99, runs));
}

int main(int argc, char **argv) {
    opts o = parse_opts(argc, argv);
    if (sodium_init() < 0) die("libsodium failed to start");
    make_pool();
    printf("rows: %d distinct area.create entries (mean %zu bytes) with their objects (mean %zu bytes), reused "
           "cyclically\n",
           POOL, entry_bytes_total / POOL, object_bytes_total / POOL);
    printf("durability: SQLite %s, journal_mode=WAL, synchronous=FULL (the store's settings; the baseline sets "
           "the same)\n\n",
           sqlite3_libversion());

    /* (a) */
    rate truce[NBATCH], plain[NBATCH], nodes[NBATCH];
    memset(truce, 0, sizeof truce);
    memset(plain, 0, sizeof plain);
    memset(nodes, 0, sizeof nodes);
    double sha[MAX_RUNS], mem[MAX_RUNS];
    printf("(a) durable appends, %d runs of %.1f s or %" PRIu64 " entries each, median:\n", o.runs, o.seconds,
           o.max_entries);
    for (int bi = 0; bi < NBATCH; bi++) {
        for (int run = 0; run < o.runs; run++) { /* interleaved, so drift hits both alike */
            truce_appends(&o, BATCHES[bi], run, &truce[bi]);
            sqlite_appends(&o, BATCHES[bi], run, &plain[bi], 0);
            sqlite_appends(&o, BATCHES[bi], run, &nodes[bi], 1);
        }
    }
    for (int run = 0; run < o.runs; run++) {
        sha[run] = sha256_rate();
        mem[run] = memory_append_rate();
    }
    double fsync_ms, fsync_per_s;
    fsync_probe(&o, &fsync_ms, &fsync_per_s);
    printf("  %-6s %20s %20s %8s %26s\n", "batch", "truce log entries/s", "plain SQLite rows/s", "ratio",
           "plain + node rows, no hash");
    for (int bi = 0; bi < NBATCH; bi++) {
        double t = median(truce[bi].per_s, o.runs), p = median(plain[bi].per_s, o.runs);
        printf("  %-6d %20.0f %20.0f %8.3f %26.0f\n", BATCHES[bi], t, p, t / p, median(nodes[bi].per_s, o.runs));
    }
    printf("  raw SHA-256 of the same entries (libsodium):    %12.0f entries/s\n", median(sha, o.runs));
    printf("  engine alone in memory (leaf hash, tree, nodes): %11.0f entries/s\n", median(mem, o.runs));
    printf("  storage flush (4 KiB write + fdatasync):         p50 %.3f ms, %.0f /s\n\n", fsync_ms, fsync_per_s);

    /* (b) */
    proof_figures pm = {0}, ps = {0};
    printf("(b) proofs: building a tree of %" PRIu64 " entries in memory (tlog_memstore) ...\n", o.proof_size);
    fflush(stdout);
    memory_proofs(&o, &pm);
    printf("    built in %.2f s (%.0f entries/s)\n", pm.build_s, (double)pm.size / pm.build_s);
    if (o.sqlite_proof_size >= 2) {
        printf("    building a store file of %" PRIu64 " entries (store_log_append, 4,096 per transaction) ...\n",
               o.sqlite_proof_size);
        fflush(stdout);
        sqlite_proofs(&o, &ps);
        printf("    built in %.2f s (%.0f entries/s)\n", ps.build_s, (double)ps.size / ps.build_s);
    }
    printf("  %-34s %12s %12s %12s %12s\n", "latency, microseconds (median of runs)", "incl p50", "incl p99",
           "cons p50", "cons p99");
    char label[96];
    snprintf(label, sizeof label, "memstore, %" PRIu64 " entries", pm.size);
    print_proofs(label, &pm, o.runs);
    if (ps.size) {
        snprintf(label, sizeof label, "SQLite store, %" PRIu64 " entries", ps.size);
        print_proofs(label, &ps, o.runs);
    }
    printf("\n");

    /* (c) */
    cp_figures cf = {0};
    checkpoints(&o, &cf);
    printf("(c) checkpoints (Ed25519 signed notes):\n");
    printf("  sign (tlog_checkpoint_sign):   %10.0f /s\n", median(cf.sign_per_s, o.runs));
    printf("  verify (tlog_checkpoint_open): %10.0f /s\n", median(cf.verify_per_s, o.runs));
    printf("  durable checkpoint transaction (as centre_log_checkpoint): p50 %.3f ms, p99 %.3f ms, %.0f /s "
           "(%zu transactions)\n",
           cf.tx_p50_ms, cf.tx_p99_ms, cf.tx_per_s, cf.tx_count);

    if (o.json) {
        json_t *batches = json_object(), *ratios = json_object();
        for (int bi = 0; bi < NBATCH; bi++) {
            char k[16];
            snprintf(k, sizeof k, "%d", BATCHES[bi]);
            double t = median(truce[bi].per_s, o.runs), p = median(plain[bi].per_s, o.runs);
            json_object_set_new(batches, k,
                                json_pack("{s:f, s:f, s:f, s:f, s:o, s:o, s:o}", "truce_entries_per_second", r1(t),
                                          "sqlite_plain_rows_per_second", r1(p), "ratio", r3(t / p),
                                          "sqlite_plain_with_node_rows_per_second", r1(median(nodes[bi].per_s, o.runs)),
                                          "truce_runs", runs_json(truce[bi].per_s, o.runs), "sqlite_plain_runs",
                                          runs_json(plain[bi].per_s, o.runs), "sqlite_plain_with_node_rows_runs",
                                          runs_json(nodes[bi].per_s, o.runs)));
        }
        double t256 = median(truce[NBATCH - 1].per_s, o.runs), p256 = median(plain[NBATCH - 1].per_s, o.runs);
        double t1 = median(truce[0].per_s, o.runs), p1 = median(plain[0].per_s, o.runs);
        double shm = median(sha, o.runs);
        json_object_set_new(ratios, "truce_vs_sqlite_plain_insert", json_real(r3(t256 / p256)));
        json_object_set_new(ratios, "truce_vs_sqlite_plain_insert_batch_1", json_real(r3(t1 / p1)));
        json_object_set_new(ratios, "truce_vs_sqlite_plain_insert_batch_16",
                            json_real(r3(median(truce[1].per_s, o.runs) / median(plain[1].per_s, o.runs))));
        json_object_set_new(ratios, "truce_vs_sha256_raw", json_real((double)(long long)(t256 / shm * 1e6) / 1e6));
        json_object_set_new(ratios, "truce_vs_trillian_mysql_450", json_real(r1(t256 / 450.0)));
        json_object_set_new(ratios, "truce_vs_tessera_local_10000", json_real(r3(t256 / 10000.0)));
        json_t *root = json_object();
        json_object_set_new(root, "name", json_string("log"));
        json_object_set_new(root, "metric", json_string("durable_appends_per_second"));
        json_object_set_new(root, "unit", json_string("entries/s"));
        json_object_set_new(root, "truce", json_real(r1(t256)));
        json_object_set_new(root, "truce_is",
                            json_string("store_log_append in transactions of 256 entries (WAL, synchronous=FULL)"));
        json_object_set_new(root, "baselines",
                            json_pack("{s:f, s:f, s:f}", "sqlite_plain_insert", r1(p256), "sha256_raw", r1(shm),
                                      "engine_in_memory", r1(median(mem, o.runs))));
        json_object_set_new(root, "ratios", ratios);
        json_object_set_new(
            root, "data",
            json_pack("{s:s, s:i, s:i, s:I, s:f, s:I, s:s, s:s}", "entry", "area.create entry as centre__log writes it",
                      "entry_mean_bytes", (int)(entry_bytes_total / POOL), "object_mean_bytes",
                      (int)(object_bytes_total / POOL), "max_entries_per_run", (json_int_t)o.max_entries,
                      "seconds_per_run", o.seconds, "distinct_rows", (json_int_t)POOL, "durability",
                      "SQLite journal_mode=WAL, synchronous=FULL (fsync at every COMMIT)", "sqlite_version",
                      sqlite3_libversion()));
        json_object_set_new(root, "batches", batches);
        json_object_set_new(root, "proof_latency",
                            json_pack("{s:o, s:o}", "memstore", proof_json(&pm, o.runs, "tlog_memstore (RAM)"),
                                      "sqlite_store",
                                      ps.size ? proof_json(&ps, o.runs,
                                                           "store_log_reader over the SQLite file (warm cache)")
                                              : json_null()));
        json_object_set_new(root, "checkpoints",
                            json_pack("{s:f, s:f, s:f, s:f, s:f, s:I}", "sign_per_second",
                                      r1(median(cf.sign_per_s, o.runs)), "verify_per_second",
                                      r1(median(cf.verify_per_s, o.runs)), "durable_transaction_p50_ms",
                                      r3(cf.tx_p50_ms), "durable_transaction_p99_ms", r3(cf.tx_p99_ms),
                                      "durable_transactions_per_second", r1(cf.tx_per_s), "durable_transactions",
                                      (json_int_t)cf.tx_count));
        json_object_set_new(root, "storage_flush",
                            json_pack("{s:s, s:f, s:f}", "what", "4 KiB appended + fdatasync, in --dir",
                                      "p50_ms", r3(fsync_ms), "per_second", r1(fsync_per_s)));
        struct utsname un;
        char at[TR_TIME_BUFSZ];
        const char *busy = getenv("TRUCE_CPU_BUSY_BEFORE");
        json_object_set_new(root, "host",
                            json_pack("{s:I, s:s, s:o}", "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
                                      "machine", uname(&un) == 0 ? un.machine : "?", "cpu_busy_percent_before",
                                      busy ? json_integer(atoi(busy)) : json_null()));
        json_object_set_new(root, "measured_at", json_string(tr_time_format(tr_time_now(), at)));
        json_object_set_new(root, "runs", json_integer(o.runs));
        json_object_set_new(root, "median_of", json_integer(o.runs));
        json_object_set_new(root, "reference", json_pack("{s:f, s:f}", "trillian_mysql_entries_per_second", 450.0,
                                                         "tessera_local_disk_entries_per_second", 10000.0));
        if (!root) die("building the JSON");
        if (json_dump_file(root, o.json, JSON_INDENT(1) | JSON_REAL_PRECISION(10))) die("cannot write %s", o.json);
        json_decref(root);
    }
    free(pool);
    return 0;
}
