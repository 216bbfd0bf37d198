/*
 * verify_match.c — pass 4 of `truce verify --db`: the stored state against the log.
 *
 * Every table of the database is listed once in TABLES below with the check that covers
 * it (verify_core.c, verify_state.c, verify_notices.c, verify_record.c, verify_probe.c,
 * verify_feed.c, verify_witness.c, verify_traffic.c), or in PASSES with why it needs no
 * check of its own (the log's tables are passes 1 to 3; SQLite's and the R*Tree's own
 * tables; the record of migrations). A table the database has and this list lacks is a
 * problem: nothing would check it. Each check reads its table (through store.h where it
 * lists the rows, else the audit's reads of store_audit.h), rebuilds every row's logged object with
 * the builders the centre logs with (service/centre_objects.h), matches it with its entry
 * (verify__match_row), and compares with the logged facts every column an answer, a
 * notice, a decision or an access depends on but the object does not hold (docs/verify.md
 * lists them). Last, every entry of a type that names a row must name an existing one
 * (audit_refs).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/verify_db.h"
#include "service/centre_objects.h"

/* ---- matching rows with entries ---- */

static int cmp_logged(const void *x, const void *y) {
    const logged *p = x, *q = y;
    int c = strcmp(p->ref, q->ref);
    return c ? c : (p->index > q->index) - (p->index < q->index);
}

size_t verify__find_ref(const db_audit *a, const char *ref) {
    size_t lo = 0, hi = a->nlog;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(a->log[mid].ref, ref) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const logged *verify__entry(db_audit *a, const char *ref, const char *type, bool latest, bool mark) {
    const logged *found = NULL;
    for (size_t k = verify__find_ref(a, ref); k < a->nlog && strcmp(a->log[k].ref, ref) == 0; k++) {
        if (strcmp(a->log[k].type, type) != 0) continue;
        if (mark) a->log[k].row = true;
        if (!found || latest) found = &a->log[k];
    }
    return found;
}

static int copy_object(const store_log_entry *e, void *ctx) {
    json_t **out = ctx;
    *out = json_loadb((const char *)e->object, e->object_len, 0, NULL);
    return TR_OK;
}

/* Appends to out the paths (at most 4) where x and y differ. */
static void diff_paths(const json_t *x, const json_t *y, const char *path, char *out, size_t cap, int *n) {
    char sub[256];
    if (*n >= 4) return;
    if (json_is_object(x) && json_is_object(y)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)x, k, v) {
            if (snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k) < 0)
                return; /* clipped: fine */
            diff_paths(v, json_object_get(y, k), sub, out, cap, n);
        }
        json_object_foreach((json_t *)y, k, v) {
            if (snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", k) < 0) return;
            if (!json_object_get(x, k)) diff_paths(NULL, v, sub, out, cap, n);
        }
        return;
    }
    if (json_is_array(x) && json_is_array(y) && json_array_size(x) == json_array_size(y)) {
        for (size_t i = 0; i < json_array_size(x); i++) {
            if (snprintf(sub, sizeof sub, "%s[%zu]", path, i) < 0) return;
            diff_paths(json_array_get(x, i), json_array_get(y, i), sub, out, cap, n);
        }
        return;
    }
    if (x && y && json_equal((json_t *)x, (json_t *)y)) return;
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "%s%s", *n ? ", " : "", *path ? path : "(the whole object)");
    (*n)++;
}

/* Reports that the row `what` (rebuilt as obj) differs from the object entry e logged. */
static void report_differs(db_audit *a, const char *what, const logged *e, const json_t *obj) {
    json_t *was = NULL;
    char paths[400] = "", b1[96];
    int n = 0;
    store_log_entries(a->s, e->index, e->index + 1, copy_object, &was, NULL);
    if (was) diff_paths(was, obj, "", paths, sizeof paths, &n);
    FAIL(a, "%s: the row differs from the object logged at log_entry %llu (%s %s)%s%s", what, ULL(e->index),
         e->type, verify__clip(e->ref, b1), n ? ": " : "", paths);
    json_decref(was);
}

/* A row's object hashed as the entries of each version encode it (centre_objects.h),
 * each version's hash made when an entry of that version asks for it. */
typedef struct row_sha {
    const json_t *obj;
    bool made[CENTRE_LOG_VERSION + 1];
    uint8_t sha[CENTRE_LOG_VERSION + 1][32];
} row_sha;

/* The SHA-256 of the object's bytes as entries of version v (1..CENTRE_LOG_VERSION, as
 * check_entry_fields keeps it) encode them; NULL when it cannot be rebuilt. */
static const uint8_t *sha_as(row_sha *r, int v) {
    if (v < 1 || v > CENTRE_LOG_VERSION) v = CENTRE_LOG_VERSION;
    if (r->made[v]) return r->sha[v];
    char *bytes = r->obj ? centre_object_bytes_v(r->obj, v) : NULL;
    if (!bytes) return NULL;
    crypto_hash_sha256(r->sha[v], (const unsigned char *)bytes, strlen(bytes));
    free(bytes);
    r->made[v] = true;
    return r->sha[v];
}

/* Whether the object can be rebuilt (its bytes at the current version); reported when not. */
static bool built(db_audit *a, const char *what, row_sha *r) {
    if (sha_as(r, CENTRE_LOG_VERSION)) return true;
    FAIL(a, "%s: its object cannot be rebuilt", what);
    return false;
}

/* Whether the row's object is the object entry e logged, in e's own version. */
static bool same_object(row_sha *r, const logged *e) {
    const uint8_t *sha = sha_as(r, e->version);
    return sha && memcmp(e->sha, sha, 32) == 0;
}

static void not_logged(db_audit *a, const char *what, const char *type, const char *ref) {
    char b1[96];
    FAIL(a, "%s: no log entry records it (a %s entry for %s)", what, type, verify__clip(ref, b1));
}

const logged *verify__match_row(db_audit *a, const char *what, const char *ref, const char *type,
                                json_t *obj) {
    row_sha r = {.obj = obj};
    const logged *other = NULL, *ok = NULL;
    bool made = built(a, what, &r);
    for (size_t k = verify__find_ref(a, ref); k < a->nlog && strcmp(a->log[k].ref, ref) == 0; k++) {
        if (strcmp(a->log[k].type, type) != 0) continue;
        a->log[k].row = true;
        if (made && !ok && same_object(&r, &a->log[k]))
            ok = &a->log[k];
        else if (!other)
            other = &a->log[k];
    }
    if (made && !ok && other)
        report_differs(a, what, other, obj);
    else if (made && !ok)
        not_logged(a, what, type, ref);
    json_decref(obj);
    return ok;
}

const logged *verify__match_latest(db_audit *a, const char *what, const char *ref, const char *type,
                                   json_t *obj) {
    row_sha r = {.obj = obj};
    const logged *last = verify__entry(a, ref, type, true, true);
    if (!built(a, what, &r)) {
        last = NULL; /* reported */
    } else if (!last) {
        not_logged(a, what, type, ref);
    } else if (!same_object(&r, last)) {
        report_differs(a, what, last, obj);
        last = NULL;
    }
    json_decref(obj);
    return last;
}

void verify__no_entry(db_audit *a, const char *what, const char *ref, const char *type, const char *says) {
    for (size_t k = verify__find_ref(a, ref); k < a->nlog && strcmp(a->log[k].ref, ref) == 0; k++) {
        if (strcmp(a->log[k].type, type) != 0) continue;
        a->log[k].row = true; /* reported here, not again as naming no row */
        FAIL(a, "%s: log_entry %llu records %s but the row does not", what, ULL(a->log[k].index), says);
    }
}

void verify__same_time(db_audit *a, const char *what, const char *column, int64_t row, const logged *e) {
    char t1[TR_TIME_BUFSZ], t2[TR_TIME_BUFSZ];
    if (e && row != e->at)
        FAIL(a, "%s: %s is %s but its log_entry %llu (%s) was made at %s", what, column,
             tr_time_format(row, t1), ULL(e->index), e->type, tr_time_format(e->at, t2));
}

int64_t verify__n(db_audit *a, store_audit_count_id which) {
    int64_t n = 0;
    tr_err e = {0};
    if (store_audit_count(a->db, which, &n, &e)) FAIL(a, "%s", e.msg);
    return n;
}

typedef struct scan_pass {
    db_audit *a;
    int (*fn)(db_audit *a, const store_audit_row *r);
    uint64_t *rows;
} scan_pass;

static int scan_row(void *ctx, const store_audit_row *r) {
    scan_pass *p = ctx;
    if (p->rows) (*p->rows)++;
    return p->fn(p->a, r);
}

int verify__scan(db_audit *a, store_audit_scan_id which, int (*fn)(db_audit *a, const store_audit_row *r),
                 uint64_t *rows) {
    scan_pass p = {a, fn, rows};
    return store_audit_scan(a->db, which, scan_row, &p, &a->err);
}

typedef struct problem_pass {
    db_audit *a;
    const char *table, *says;
} problem_pass;

static int problem_row(void *ctx, const store_audit_row *r) {
    problem_pass *p = ctx;
    FAIL(p->a, "%s %lld: %s", p->table, (long long)store_audit_int(r, 0), p->says);
    return TR_OK;
}

void verify__problems(db_audit *a, store_audit_scan_id which, const char *table, const char *says) {
    problem_pass p = {a, table, says};
    tr_err e = {0};
    if (store_audit_scan(a->db, which, problem_row, &p, &e)) FAIL(a, "%s: cannot be read: %s", table, e.msg);
}

void verify__count(db_audit *a, const char *table, uint64_t read, const tr_err *e) {
    int64_t all = 0;
    tr_err c = {0};
    if (e && e->code)
        FAIL(a, "%s: %s; the rows after it were not checked", table, e->msg);
    else if (store_audit_table_rows(a->db, table, &all, &c))
        FAIL(a, "%s: %s", table, c.msg);
    else if ((uint64_t)all != read)
        FAIL(a, "%s: %lld rows, %llu readable", table, (long long)all, ULL(read));
}

/* ---- the tables ---- */

static const verify_table TABLES[] = {
    {"party", verify__party},
    {"actor", verify__actor},
    {"area_version", verify__area_version},
    {"area", verify__area},
    {"area_rtree", verify__area_rtree},
    {"agreement", verify__agreement},
    {"provision", verify__provision},
    {"site", verify__site},
    {"operation", verify__operation},
    {"movement", verify__movement},
    {"movement_schedule", verify__movement_schedule},
    {"dc_event", verify__dc_event},
    {"dc_privacy", verify__dc_privacy},
    {"dc_probe", verify__dc_probe},
    {"dc_probe_hit", verify__dc_probe_hit},
    {"notice", verify__notice},
    {"movement_clearance", verify__movement_clearance},
    {"checkpoint", verify__checkpoint},
    {"movement_checkpoint", verify__movement_checkpoint},
    {"report", verify__report_row},
    {"incident_response", verify__incident_response},
    {"incident_verdict", verify__incident_verdict},
    {"incident_regroup", verify__incident_regroup},
    {"incident_alert", verify__incident_alert},
    {"incident_feed_pass", verify__incident_feed_pass},
    {"incident_feed", verify__incident_feed},
    {"corridor_event", verify__corridor_event},
    {"step", verify__step},
    {"step_event", verify__step_event},
    {"message", verify__message},
    {"message_forward", verify__message_forward},
    {"hazard", verify__hazard},
    {"hazard_status", verify__hazard_status},
    {"mine_task", verify__mine_task},
    {"mine_progress", verify__mine_progress},
    {"mine_accident", verify__mine_accident},
    {"setting", verify__setting},
    {"log_cosignature", verify__log_cosignature},
    {"track", verify__track},
    {"traffic_config", verify__traffic_config},
    {"track_batch", verify__track_batch},
    {"track_position", verify__track_position},
    {"track_stale", verify__track_stale},
    {"traffic_alert", verify__traffic_alert},
};
#define NTABLES (sizeof TABLES / sizeof *TABLES)

/* Tables without a check of their own here, and why. */
static const char *const PASSES[] = {
    "log_entry",       /* pass 1 */
    "log_node",        /* pass 2 */
    "log_checkpoint",  /* pass 3 */
    "log_meta",        /* origin and vkey: passes 1 and 3 use them; no other key is read */
    "schema_version",  /* the store reads it to migrate: a wrong row fails store_open */
    "area_rtree_node", /* the R*Tree's own tables: rtreecheck() in verify__area_rtree */
    "area_rtree_parent", "area_rtree_rowid",
};

uint64_t verify__rows(const db_audit *a, const char *table) {
    for (size_t t = 0; t < NTABLES; t++)
        if (strcmp(TABLES[t].table, table) == 0) return a->rows[t];
    return 0;
}

/* Every table of the database must be in TABLES or PASSES. */
static int check_table_known(void *ctx, const char *name) {
    db_audit *a = ctx;
    bool known = false;
    for (size_t t = 0; t < NTABLES && !known; t++)
        known = strcmp(TABLES[t].table, name) == 0;
    for (size_t t = 0; t < sizeof PASSES / sizeof *PASSES && !known; t++)
        known = strcmp(PASSES[t], name) == 0;
    char b1[96];
    if (!known) FAIL(a, "table %s: this version of truce verify does not check it", verify__clip(name, b1));
    return TR_OK;
}

static void audit_tables(db_audit *a) {
    tr_err e = {0};
    if (store_audit_tables(a->db, check_table_known, a, &e)) FAIL(a, "the list of tables: %s", e.msg);
}

/* The i-th entry type the centre writes (domain/kinds.h), NULL past the last. */
const char *verify_entry_type(size_t i) {
    return i < TR_ENTRY_COUNT ? tr_entry_name((tr_entry)i) : NULL;
}

/* A log.rollback entry: the operator started the server on a log shorter than, or
 * different from, the checkpoint it had kept (docs/operations.md). Not a problem of the
 * database, but every auditor must see it. */
static void note_rollback(db_audit *a, const logged *l) {
    char t[TR_TIME_BUFSZ];
    fprintf(
        a->r->out,
        "note: log_entry %llu (%s): the operator started the server with --accept-rollback on a log shorter "
        "than, or different from, the largest checkpoint it had signed\n",
        ULL(l->index), tr_time_format(l->at, t));
}

/* The entry types that name a row (domain/kinds.h TR_ENTRY_MAP, those with a table): each
 * must name an existing one. */
static void audit_refs(db_audit *a) {
    const char *other[16];
    uint64_t nother[16] = {0}, unchecked = 0;
    size_t ntypes = 0;
    char b1[96];
    for (size_t k = 0; k < a->nlog; k++) {
        const logged *l = &a->log[k];
        const tr_entry_desc *t = tr_entry_find(l->type);
        if (t && t->table) {
            if (!l->row)
                FAIL(a, "log_entry %llu: %s %s names no row of %s", ULL(l->index), l->type,
                     verify__clip(l->ref, b1), t->table);
            continue;
        }
        if (strcmp(l->type, TR_ENTRY(LOG_ROLLBACK)) == 0) {
            note_rollback(a, l);
            continue;
        }
        unchecked++;
        size_t i = 0;
        while (i < ntypes && strcmp(other[i], l->type) != 0)
            i++;
        if (i == ntypes && ntypes < 16) other[ntypes++] = l->type;
        if (i < ntypes) nother[i]++;
    }
    if (!unchecked) return;
    fprintf(a->r->out, "note: %llu entries of types this version does not check against the state tables:",
            ULL(unchecked));
    for (size_t i = 0; i < ntypes; i++)
        fprintf(a->r->out, " %s (%llu)", verify__clip(other[i], b1), ULL(nother[i]));
    fputc('\n', a->r->out);
}

static void summary(db_audit *a) {
#define R(t) ULL(verify__rows(a, t))
    fprintf(
        a->r->out,
        "state: %llu parties, %llu actors, %llu area versions, %llu agreements, %llu sites, %llu operations, "
        "%llu movements, %llu acknowledgements, %llu state changes checked against the log\n",
        R("party"), R("actor"), R("area_version"), R("agreement"), R("site"), R("operation"), R("movement"),
        ULL(a->acks), R("dc_event"));
    fprintf(
        a->r->out,
        "monitoring: %llu reports, %llu responses, %llu verdicts, %llu regroups checked against the log\n",
        R("report"), R("incident_response"), R("incident_verdict"), R("incident_regroup"));
    fprintf(a->r->out,
            "humanitarian: %llu corridor events, %llu steps, %llu step changes, %llu messages checked "
            "against the "
            "log\n",
            R("corridor_event"), R("step"), R("step_event"), R("message"));
    fprintf(
        a->r->out,
        "mine action: %llu hazards, %llu status changes, %llu tasks, %llu progress reports, %llu accidents "
        "checked against the log\n",
        R("hazard"), R("hazard_status"), R("mine_task"), R("mine_progress"), R("mine_accident"));
    fprintf(a->r->out,
            "record: %llu notices, %llu clearances, %llu CAP alerts, %llu settings checked against the log\n",
            R("notice"), R("movement_clearance"), R("incident_alert"), R("setting"));
    fprintf(a->r->out, "checkpoints: %llu checkpoints, %llu passages of movements checked against the log\n",
            R("checkpoint"), R("movement_checkpoint"));
    fprintf(a->r->out, "probing: %llu privacy records, %llu probes checked against the log, with %llu hits\n",
            R("dc_privacy"), R("dc_probe"), R("dc_probe_hit"));
    fprintf(a->r->out, "incident_feed: %llu rows recomputed from the log by replaying %llu passes\n",
            R("incident_feed"), R("incident_feed_pass"));
    fprintf(a->r->out, "log_cosignature: %llu cosignatures checked against their checkpoints\n",
            R("log_cosignature"));
    fprintf(
        a->r->out,
        "traffic: %llu tracks, %llu batches, %llu positions, %llu alert changes checked against the log\n",
        R("track"), R("track_batch"), R("track_position"), R("traffic_alert"));
#undef R
}

int verify__audit_state(db_audit *a) {
    qsort(a->log, a->nlog, sizeof *a->log, cmp_logged);
    if (!(a->rows = calloc(NTABLES, sizeof *a->rows)))
        return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    int rc = TR_OK;
    for (size_t t = 0; rc == TR_OK && t < NTABLES; t++)
        rc = TABLES[t].check(a, &a->rows[t]);
    if (rc) return rc;
    audit_tables(a);
    audit_refs(a);
    summary(a);
    return TR_OK;
}

int verify__end_pass(verify_pass *p, const char *table, const tr_err *e, uint64_t *rows) {
    verify__count(p->a, table, p->rows, e);
    *rows = p->rows;
    return TR_OK;
}

const logged *verify__match_counted(verify_pass *p, const char *name, int64_t id, const char *ref,
                                    const char *type, json_t *obj) {
    char what[64];
    snprintf(what, sizeof what, "%s %lld", name, (long long)id);
    p->rows++;
    return verify__match_row(p->a, what, ref, type, obj);
}
