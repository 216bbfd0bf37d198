/*
 * centre_import_reports.c — bulk report intake (`truce import reports`, docs/monitoring.md
 * "Bulk import"). The file is streamed record by record; each record goes through the
 * format's mapper (report.h), the name resolver (with an optional alias table), then the
 * same attribution, classification, store and log steps as POST /v1/reports
 * (centre__report_store_tx). The whole file is one store transaction: committed when
 * every record is good (or, with partial, when at least one is), else rolled back. Only
 * the new report ids are kept in memory; after the commit the rows are handed to the
 * monitoring engine from the store, as at start.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_monitor.h"

/* ---- aliases: "dataset name<TAB>truce name" (or a two-column CSV line) ---- */

typedef struct alias {
    char *from, *to;
} alias;

struct centre_aliases {
    alias *v;
    size_t n, cap;
};

static int alias_cmp(const void *a, const void *b) {
    return strcmp(((const alias *)a)->from, ((const alias *)b)->from);
}

void centre_aliases_free(centre_aliases *a) {
    if (!a) return;
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i].from);
        free(a->v[i].to);
    }
    free(a->v);
    free(a);
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) s[--n] = '\0';
    return s;
}

static int alias_push(centre_aliases *a, const char *from, const char *to) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        alias *v = realloc(a->v, cap * sizeof *v);
        if (!v) return -1;
        a->v = v;
        a->cap = cap;
    }
    alias *x = &a->v[a->n];
    x->from = strdup(from);
    x->to = strdup(to);
    if (!x->from || !x->to) {
        free(x->from);
        free(x->to);
        return -1;
    }
    a->n++;
    return 0;
}

int centre_aliases_load(centre *c, const char *path, centre_aliases **out, tr_err *err) {
    FILE *f = fopen(path, "r");
    if (!f) return tr_fail(err, TR_EIO, "--aliases", "cannot read %s", path);
    centre_aliases *a = calloc(1, sizeof *a);
    char *line = NULL;
    size_t cap = 0;
    long no = 0;
    int rc = a ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    tr_csv_row row = {0};
    while (rc == TR_OK && getline(&line, &cap, f) >= 0) {
        no++;
        char *s = trim(line);
        if (!*s || *s == '#') continue;
        char *from, *to;
        char *tab = strchr(s, '\t');
        if (tab) {
            *tab = '\0';
            from = trim(s);
            to = trim(tab + 1);
        } else {
            tr_err e = {0};
            if (tr_csv_split(s, strlen(s), &row, &e) || row.n != 2) {
                rc = tr_fail(err, TR_EINVAL, "--aliases",
                             "%s line %ld: expected 'dataset name<TAB>truce name' (or two CSV columns)", path, no);
                break;
            }
            from = trim(row.fields[0]);
            to = trim(row.fields[1]);
        }
        if (!*from || !*to || strchr(to, '\t')) {
            rc = tr_fail(err, TR_EINVAL, "--aliases", "%s line %ld: expected 'dataset name<TAB>truce name'", path, no);
            break;
        }
        tr_who who;
        char canon[8];
        if ((rc = centre__resolve_name(c, to, &who, canon, sizeof canon, err)) == TR_ENOTFOUND)
            rc = tr_fail(err, TR_EINVAL, "--aliases", "%s line %ld: no party or actor is named '%.80s'", path, no, to);
        if (rc) break;
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->v[i].from, from) == 0) {
                rc = tr_fail(err, TR_EINVAL, "--aliases", "%s line %ld: '%.80s' is mapped twice", path, no, from);
                break;
            }
        if (rc == TR_OK && alias_push(a, from, to)) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    free(line);
    tr_csv_row_clear(&row);
    fclose(f);
    if (rc) {
        centre_aliases_free(a);
        return rc;
    }
    qsort(a->v, a->n, sizeof *a->v, alias_cmp);
    *out = a;
    return TR_OK;
}

static const char *alias_find(const centre_aliases *a, const char *name) {
    if (!a || !a->n) return NULL;
    alias key = {(char *)name, NULL};
    const alias *x = bsearch(&key, a->v, a->n, sizeof *a->v, alias_cmp);
    return x ? x->to : NULL;
}

typedef struct resolve_ctx {
    centre *c;
    const centre_aliases *aliases;
    centre_new_actors mode;
    const char *actors_by;
    centre_aliases made; /* actors created so far (create): name -> the file's spelling */
} resolve_ctx;

/* create: the actor for a name no party or actor has (found again, or new). */
/* create: the actor for a name no party or actor has (found again, or new). A name that
 * cannot make an actor is TR_ENOTFOUND (the record is rejected); a failure of the store or
 * of memory is passed on (the import stops). */
static int resolve_new(resolve_ctx *r, const char *name, tr_who *who, char *canon, size_t cap, tr_err *err) {
    char made[TR_NAME_MAX + 1];
    bool created = false;
    int rc =
        centre__import_actor(r->c, r->actors_by ? r->actors_by : CENTRE_OPERATOR, name, made, &created, err);
    if (rc == TR_OK && created && alias_push(&r->made, made, name))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc) return rc == TR_EINVAL ? TR_ENOTFOUND : rc;
    *who = WHO_ACTOR;
    if (cap) snprintf(canon, cap, "%s", made);
    return TR_OK;
}

static int resolve_aliased(void *ctx, const char *name, tr_who *who, char *canon, size_t cap, tr_err *err) {
    resolve_ctx *r = ctx;
    const char *to = alias_find(r->aliases, name);
    if (!to) {
        int rc = centre__resolve_name(r->c, name, who, canon, cap, err);
        return rc != TR_ENOTFOUND || r->mode != CENTRE_NEW_ACTORS_CREATE ? rc
                                                                         : resolve_new(r, name, who, canon, cap, err);
    }
    int rc = centre__resolve_name(r->c, to, who, canon, cap, err);
    if (rc == TR_OK && cap && !canon[0]) snprintf(canon, cap, "%s", to);
    return rc;
}

/* ---- reading records ---- */

/* Where a CSV record stands after the bytes seen so far (RFC 4180 as tr_csv_split reads
 * it): a quote opens a quoted field only at the start of a field, so a stray quote in an
 * unquoted field does not swallow the lines after it. */
typedef struct quote_state {
    bool in_quote, at_start;
} quote_state;

static void quote_scan(quote_state *q, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (q->in_quote) {
            if (ch == '"') {
                if (i + 1 < n && s[i + 1] == '"') i++;
                else q->in_quote = false;
            }
        } else if (ch == '"' && q->at_start) {
            q->in_quote = true;
            q->at_start = false;
        } else if (ch == ',') {
            q->at_start = true;
        } else if (ch != '\n' && ch != '\r') {
            q->at_start = false;
        }
    }
}

typedef struct reader {
    FILE *in;
    char *line;
    size_t linecap;
    char *rec;
    size_t len, cap;
    long lineno;   /* lines read so far */
    long recline;  /* the line the current record starts on */
    bool csv;
} reader;

/* Appends n bytes to the record. */
static int rec_append(reader *r, const char *s, size_t n) {
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1) cap *= 2;
        char *b = realloc(r->rec, cap);
        if (!b) return -1;
        r->rec = b;
        r->cap = cap;
    }
    memcpy(r->rec + r->len, s, n);
    r->len += n;
    r->rec[r->len] = '\0';
    return 0;
}

static bool blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i])) return false;
    return true;
}

#define IMPORT_MAX_RECORD (1u << 20)

/* The next non-blank record: 1 and r->rec/len/recline set; 0 at the end; -1 on a read
 * error or out of memory; 2 for a record that cannot be read (err says why, r->recline
 * its line), after which reading continues. */
static int next_record(reader *r, tr_err *err) {
    for (;;) {
        ssize_t got = getline(&r->line, &r->linecap, r->in);
        if (got < 0) return ferror(r->in) ? -1 : 0;
        r->lineno++;
        r->len = 0;
        r->recline = r->lineno;
        if (blank(r->line, (size_t)got)) continue;
        if (rec_append(r, r->line, (size_t)got)) return -1;
        if (!r->csv) break;
        quote_state q = {false, true};
        quote_scan(&q, r->line, (size_t)got);
        while (q.in_quote) {
            if (r->len > IMPORT_MAX_RECORD) {
                tr_fail(err, TR_EINVAL, "record", "a quoted field opened on this line is not closed within %u bytes",
                        IMPORT_MAX_RECORD);
                return 2;
            }
            got = getline(&r->line, &r->linecap, r->in);
            if (got < 0) {
                if (ferror(r->in)) return -1;
                tr_fail(err, TR_EINVAL, "record", "a quoted field opened on this line is not closed before the end of the file");
                return 2;
            }
            r->lineno++;
            if (rec_append(r, r->line, (size_t)got)) return -1;
            quote_scan(&q, r->line, (size_t)got);
        }
        break;
    }
    if (r->len > IMPORT_MAX_RECORD) {
        tr_fail(err, TR_EINVAL, "record", "longer than %u bytes", IMPORT_MAX_RECORD);
        return 2;
    }
    return 1;
}

/* ---- errors ---- */

/* The column a resolver error belongs to in each format (the mappers already name theirs). */
static const char *resolve_field(tr_report_format fmt, const char *field) {
    bool perp = strcmp(field, "alleged_perpetrator") == 0;
    bool tgt = strcmp(field, "target.name") == 0 || strcmp(field, "target.kind") == 0;
    switch (fmt) {
    case TR_FMT_CSV: return perp ? "alleged_perpetrator" : tgt ? (field[7] == 'k' ? "target_kind" : "target_name") : field;
    case TR_FMT_ACLED: return perp ? "actor1" : tgt ? "actor2" : field;
    case TR_FMT_UCDP: return perp ? "side_a" : tgt ? "side_b" : field;
    default: return field;
    }
}

/* err->msg without a leading "line N: ". */
static const char *reason_of(const tr_err *err) {
    const char *m = err->msg;
    if (strncmp(m, "line ", 5) == 0) {
        const char *p = m + 5;
        while (*p >= '0' && *p <= '9') p++;
        if (p > m + 5 && p[0] == ':' && p[1] == ' ') return p + 2;
    }
    return m;
}

/* ---- the import ---- */

typedef struct import_run {
    centre *c;
    const tr_party *by;
    tr_report_format fmt;
    tr_report_columns cols;
    resolve_ctx rctx;
    bool partial, aliased;
    int64_t now;
    centre_import_bad_fn bad;
    void *bad_ctx;
    centre_import_stats *st;
    int64_t *ids;
    size_t nids, idcap;
} import_run;

static void reject(import_run *ir, long line, const char *field, const char *reason) {
    ir->st->rejected++;
    if (ir->bad) ir->bad(ir->bad_ctx, line, field && *field ? field : "record", reason);
}

static int map_record(import_run *ir, const char *rec, size_t len, long line, tr_report *r, tr_err *err) {
    switch (ir->fmt) {
    case TR_FMT_NDJSON: return tr_report_from_ndjson(rec, len, line, ir->now, r, err);
    case TR_FMT_CSV: return tr_report_from_csv(&ir->cols, rec, len, line, ir->now, r, err);
    case TR_FMT_ACLED: return tr_report_from_acled(&ir->cols, rec, len, line, ir->now, r, err);
    case TR_FMT_UCDP: return tr_report_from_ucdp(&ir->cols, rec, len, line, ir->now, r, err);
    }
    return tr_fail(err, TR_EINVAL, "format", "unknown format");
}

/* One record. Returns TR_OK (imported or rejected) or a fatal code (store, memory). */
static int import_record(import_run *ir, const char *rec, size_t len, long line, tr_err *fatal) {
    tr_err e = {0};
    tr_report r;
    ir->st->rows++;
    int rc = map_record(ir, rec, len, line, &r, &e);
    if (rc == TR_ENOMEM) return tr_fail(fatal, rc, "", "out of memory");
    if (rc) {
        reject(ir, line, e.field, reason_of(&e));
        return TR_OK;
    }
    bool omit = ir->rctx.mode == CENTRE_NEW_ACTORS_OMIT;
    rc = omit ? tr_report_resolve_omitting(&r, resolve_aliased, &ir->rctx, &e)
              : tr_report_resolve(&r, resolve_aliased, &ir->rctx, &e);
    if (rc && rc != TR_EINVAL) { /* the store or memory failed: the import stops */
        tr_report_clear(&r);
        return tr_fail(fatal, rc, e.field, "%s", e.msg);
    }
    if (rc == TR_OK)
        ir->st->names_omitted += (r.perpetrator_as_reported != NULL) + (r.target_as_reported != NULL);
    if (rc) {
        char reason[sizeof e.msg + 64];
        snprintf(reason, sizeof reason, "%s%s", reason_of(&e), ir->aliased ? " (the aliases file does not map it)" : "");
        reject(ir, line, resolve_field(ir->fmt, e.field), reason);
        tr_report_clear(&r);
        return TR_OK;
    }
    if ((rc = centre__report_check_target(ir->c, ir->by, &r, &e)) != TR_OK) {
        reject(ir, line, ir->fmt == TR_FMT_NDJSON ? e.field : "target_id", reason_of(&e));
        tr_report_clear(&r);
        return TR_OK;
    }
    /* All or nothing: once a record is bad, the rest are only checked. */
    if (!ir->partial && ir->st->rejected) {
        tr_report_clear(&r);
        return TR_OK;
    }
    if (ir->nids == ir->idcap) {
        size_t cap = ir->idcap ? ir->idcap * 2 : 1024;
        int64_t *v = realloc(ir->ids, cap * sizeof *v);
        if (!v) {
            tr_report_clear(&r);
            return tr_fail(fatal, TR_ENOMEM, "", "out of memory");
        }
        ir->ids = v;
        ir->idcap = cap;
    }
    mon_classification cls;
    memset(&cls, 0, sizeof cls);
    rc = centre__report_store_tx(ir->c, ir->by, &r, ir->now, &cls, NULL, fatal);
    if (rc == TR_OK) ir->ids[ir->nids++] = r.id;
    tr_report_clear(&r);
    return rc;
}

/* Reads the header (CSV formats) and every record, inside the open transaction. */
static int import_stream(import_run *ir, FILE *in, tr_err *err) {
    reader rd = {.in = in, .csv = ir->fmt != TR_FMT_NDJSON};
    int rc = TR_OK, got;
    bool header = rd.csv;
    while (rc == TR_OK) {
        tr_err e = {0};
        got = next_record(&rd, &e);
        if (got == 0) break;
        if (got < 0) {
            rc = tr_fail(err, TR_EIO, "", "cannot read the file at line %ld", rd.lineno + 1);
            break;
        }
        if (header) {
            header = false;
            if (got == 2 || tr_report_columns_parse(ir->fmt, rd.rec, rd.len, &ir->cols, &e)) {
                rc = tr_fail(err, TR_EINVAL, e.field[0] ? e.field : "header", "line %ld: %s", rd.recline,
                             reason_of(&e));
                break;
            }
            continue;
        }
        if (got == 2) {
            ir->st->rows++;
            reject(ir, rd.recline, e.field, reason_of(&e));
            continue;
        }
        /* the mappers take the record without its final newline */
        size_t n = rd.len;
        while (n && (rd.rec[n - 1] == '\n' || rd.rec[n - 1] == '\r')) n--;
        rc = import_record(ir, rd.rec, n, rd.recline, err);
    }
    if (rc == TR_OK && header) rc = tr_fail(err, TR_EINVAL, "header", "line 1: the file is empty: a header is required");
    free(rd.line);
    free(rd.rec);
    return rc;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* After the commit: the engine takes the new rows, as at start; the incidents they now
 * belong to (after every merge) replace their ids in ir->ids. */
static void hand_to_engine(import_run *ir) {
    centre *c = ir->c;
    for (size_t i = 0; i < ir->nids; i++) {
        store_report sr;
        tr_err e = {0};
        int64_t inc = 0;
        if (store_report_get(c->store, ir->ids[i], &sr, &e) != TR_OK ||
            centre__mon_add_row(c, &sr, &inc, &e) != TR_OK) {
            fprintf(stderr, "truce: FATAL: committed report %lld could not be added to the engine: %s\n",
                    (long long)ir->ids[i], e.msg);
            abort();
        }
        store_report_clear(&sr);
    }
    for (size_t i = 0; i < ir->nids; i++) {
        int64_t inc = 0;
        if (mon_engine_incident_of(c->mon, ir->ids[i], &inc) == TR_OK) ir->ids[i] = inc;
    }
    if (ir->nids) qsort(ir->ids, ir->nids, sizeof *ir->ids, cmp_i64);
    for (size_t i = 0; i < ir->nids; i++)
        if (i == 0 || ir->ids[i] != ir->ids[i - 1]) ir->st->incidents++;
}

/* The actors created, to the caller once they are kept; freed either way. */
static void report_actors(import_run *ir, const centre_import_opts *o, bool kept) {
    centre_aliases *made = &ir->rctx.made;
    ir->st->actors_created = kept ? (long)made->n : 0;
    for (size_t i = 0; kept && o->actor && i < made->n; i++)
        o->actor(o->actor_ctx, made->v[i].from, made->v[i].to);
    for (size_t i = 0; i < made->n; i++) {
        free(made->v[i].from);
        free(made->v[i].to);
    }
    free(made->v);
}

int centre_reports_import(centre *c, const char *party, FILE *in, const centre_import_opts *o,
                          centre_import_stats *st, tr_err *err) {
    memset(st, 0, sizeof *st);
    tr_party by;
    memset(&by, 0, sizeof by);
    int rc = store_party_get(c->store, party, &by, err);
    if (rc == TR_ENOTFOUND) return tr_fail(err, TR_EINVAL, "--as", "there is no active party named '%.80s'", party);
    if (rc) return rc;
    if (by.role == ROLE_OBSERVER)
        return tr_fail(err, TR_EFORBIDDEN, "--as", "'%s' is an observer: observers do not file reports", by.name);
    by.sig = NULL;
    import_run ir = {
        .c = c,
        .by = &by,
        .fmt = o->fmt,
        .rctx = {.c = c, .aliases = o->aliases, .mode = o->new_actors, .actors_by = o->actors_by},
        .partial = o->partial,
        .aliased = o->aliases != NULL,
        .now = tr_time_now(),
        .bad = o->bad,
        .bad_ctx = o->bad_ctx,
        .st = st};
    centre_pending p = {0};
    if ((rc = store_begin(c->store, err))) return rc;
    pthread_mutex_lock(&c->mon_mu);
    rc = import_stream(&ir, in, err);
    /* nothing to keep: an all-or-nothing file with a bad record, or no good one */
    bool empty = rc == TR_OK && (ir.nids == 0 || (!o->partial && st->rejected));
    if (empty)
        store_rollback(c->store);
    else
        rc = centre__finish(c, &p, rc, NULL, err);
    bool kept = rc == TR_OK && !empty;
    if (!kept) ir.nids = 0;
    st->imported = (long)ir.nids;
    if (!kept) st->names_omitted = 0;
    hand_to_engine(&ir);
    report_actors(&ir, o, kept);
    centre_alerts alerts = {0};
    centre__alerts_collect(c, ir.ids, ir.nids, &alerts);
    pthread_mutex_unlock(&c->mon_mu);
    centre__alerts_publish(c, &alerts);
    free(ir.ids);
    return rc;
}

/* ---- POST /v1/reports/import: the same import over HTTP ---- */

#define CENTRE_IMPORT_LISTED 1000 /* bad records listed in an answer; the rest are counted */

typedef struct bad_json {
    json_t *items;
} bad_json;

static void collect_bad(void *ctx, long line, const char *field, const char *reason) {
    bad_json *b = ctx;
    if (json_array_size(b->items) < CENTRE_IMPORT_LISTED)
        json_array_append_new(b->items, json_pack("{s:I, s:s, s:s}", "line", (json_int_t)line, "field", field,
                                                  "reason", reason));
}

/* The format from ?format=, else from the media type. */
static int import_format(const char *fmt, const char *media, tr_report_format *out, tr_err *err) {
    if (fmt) {
        if (tr_report_format_parse(fmt, out))
            return tr_fail(err, TR_EINVAL, "format", "unknown format '%.40s': use ndjson, csv, acled or ucdp", fmt);
        return TR_OK;
    }
    size_t n = media ? strcspn(media, "; ") : 0;
    if (media && ((n == 20 && strncmp(media, "application/x-ndjson", n) == 0) ||
                  (n == 18 && strncmp(media, "application/ndjson", n) == 0))) {
        *out = TR_FMT_NDJSON;
        return TR_OK;
    }
    if (media && n == 8 && strncmp(media, "text/csv", n) == 0) {
        *out = TR_FMT_CSV;
        return TR_OK;
    }
    return tr_fail(err, TR_EMEDIA, "Content-Type", "'%.60s' does not name a format: send application/x-ndjson or "
                   "text/csv, or give ?format=ndjson|csv|acled|ucdp", media ? media : "(none)");
}

static void collect_actor(void *ctx, const char *name, const char *as_given) {
    json_t *a = ctx;
    if (json_array_size(a) < CENTRE_IMPORT_LISTED)
        json_array_append_new(a, json_pack("{s:s, s:s}", "name", name, "as_given", as_given));
}

/* The query's options into o (the format, partial, new_actors) for the caller by. */
static int import_query(const tr_party *by, const char *media, const centre_import_query *q,
                        centre_import_opts *o, tr_err *err) {
    if (import_format(q->format, media, &o->fmt, err)) return err->code;
    if (q->partial && strcmp(q->partial, "true") != 0 && strcmp(q->partial, "false") != 0)
        return tr_fail(err, TR_EINVAL, "partial", "must be true or false, not '%.40s'", q->partial);
    o->partial = q->partial && strcmp(q->partial, "true") == 0;
    if (q->new_actors && centre_new_actors_parse(q->new_actors, &o->new_actors))
        return tr_fail(err, TR_EINVAL, "new_actors", "must be reject, create or omit, not '%.40s'",
                       q->new_actors);
    if (o->new_actors == CENTRE_NEW_ACTORS_CREATE && !tr_party_is_privileged(by))
        return tr_fail(
            err, TR_EFORBIDDEN, "new_actors",
            "only admin and monitor parties register actors: use omit or reject, or ask the monitor");
    o->actors_by = by->name;
    return TR_OK;
}

int centre_reports_import_body(centre *c, const tr_party *by, const char *body, size_t len, const char *media,
                               const centre_import_query *q, json_t **out, json_t **extra, tr_err *err) {
    centre_import_opts o = {0};
    *out = *extra = NULL;
    if (import_query(by, media, q, &o, err)) return err->code;
    if (!body || len == 0) return tr_fail(err, TR_EINVAL, "body", "is empty: send the file as the body");
    FILE *in = fmemopen((void *)body, len, "r");
    if (!in) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    bad_json bad = {json_array()};
    json_t *actors = json_array();
    o.bad = collect_bad;
    o.bad_ctx = &bad;
    o.actor = collect_actor;
    o.actor_ctx = actors;
    centre_import_stats st;
    int rc = bad.items && actors ? centre_reports_import(c, by->name, in, &o, &st, err)
                                 : tr_fail(err, TR_ENOMEM, "", "out of memory");
    fclose(in);
    if (rc) {
        json_decref(bad.items);
        json_decref(actors);
        return rc;
    }
    json_t *summary = json_pack("{s:I, s:I, s:I, s:I, s:o, s:I, s:o, s:I}", "rows", (json_int_t)st.rows,
                                "imported", (json_int_t)st.imported, "rejected", (json_int_t)st.rejected,
                                "incidents", (json_int_t)st.incidents, "errors", bad.items, "actors_created",
                                (json_int_t)st.actors_created, "new_actors", actors, "names_omitted",
                                (json_int_t)st.names_omitted);
    if (!summary) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (st.rows == 0) {
        json_decref(summary);
        return tr_fail(err, TR_EINVAL, "body", "holds no record");
    }
    if (st.rejected && (!o.partial || st.imported == 0)) {
        *extra = summary;
        return tr_fail(err, TR_EINVAL, "body", "%ld bad record%s (first: line %lld): nothing imported%s",
                       st.rejected, st.rejected == 1 ? "" : "s",
                       (long long)json_integer_value(json_object_get(json_array_get(bad.items, 0), "line")),
                       o.partial ? "" : " (partial=true imports the good ones)");
    }
    *out = summary;
    return TR_OK;
}
