/*
 * verify_record.c — pass 4 of `truce verify --db` for what the centre records on its
 * own (service/centre_record.c): notices and the clearances that hang on them, CAP
 * alerts, settings.
 *
 * Notices: each notice.create entry (ref "notices/FIRST-LAST") commits to the notices
 * one transaction made and their clearances; the notices are read in id order and each
 * entry's object is rebuilt from the rows in its range, so a notice changed, deleted or
 * added — payload, deadline, addressee — fails, and so does one no entry covers. An
 * acknowledged notice must be what its notice.ack entry logged, with ack_index that
 * entry's index; an unacknowledged one must have no notice.ack entry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edges/verify_db.h"
#include "service/centre_objects.h"

typedef struct batch {
    int64_t first, last;
    const char *ref;
} batch;

static int cmp_batch(const void *x, const void *y) {
    const batch *p = x, *q = y;
    return (p->first > q->first) - (p->first < q->first);
}

/* The notice.create entries, by their first notice (malloc'd; *n of them). */
static batch *batches(db_audit *a, size_t *n) {
    batch *b = malloc((a->nlog ? a->nlog : 1) * sizeof *b);
    *n = 0;
    for (size_t k = 0; b && k < a->nlog; k++) {
        long long f, l;
        int used = 0;
        if (strcmp(a->log[k].type, "notice.create") != 0 ||
            sscanf(a->log[k].ref, "notices/%lld-%lld%n", &f, &l, &used) != 2 || a->log[k].ref[used] || f > l)
            continue;
        b[(*n)++] = (batch){f, l, a->log[k].ref};
    }
    if (b) qsort(b, *n, sizeof *b, cmp_batch);
    return b;
}

/* The batch covering notice id, or NULL. */
static const batch *covering(const batch *b, size_t n, int64_t id) {
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the last batch whose first <= id */
        size_t mid = lo + (hi - lo) / 2;
        if (b[mid].first <= id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && b[lo - 1].last >= id ? &b[lo - 1] : NULL;
}

typedef struct notice_pass {
    db_audit *a;
    batch *b;
    size_t nb, next; /* batches; the next one to finish */
    json_t *notices; /* the rows read so far of batch b[next] */
    uint64_t rows;
} notice_pass;

static int add_clearance(const store_clearance_row *x, void *ctx) {
    json_array_append_new(ctx, centre_object_clearance(x));
    return TR_OK;
}

/* Batch b[next] has all its rows: its object must be the one its entry logged. */
static void finish_batch(notice_pass *p) {
    const batch *b = &p->b[p->next++];
    json_t *clearances = json_array();
    tr_err e = {0};
    if (store_clearance_each(p->a->s, b->first, b->last, add_clearance, clearances, &e))
        FAIL(p->a, "movement_clearance: %s", e.msg);
    char what[96];
    snprintf(what, sizeof what, "notices %lld to %lld", (long long)b->first, (long long)b->last);
    verify__match_row(p->a, what, b->ref, "notice.create", centre_object_notices(p->notices, clearances));
    p->notices = json_array();
}

/* The acknowledgement of n (or its absence) against the log. */
static void check_ack(db_audit *a, const store_notice_row *n, const char *what, const char *ref) {
    if (!n->acked) {
        verify__no_entry(a, what, ref, "notice.ack", "its acknowledgement");
        if (n->ack_index != -1) FAIL(a, "%s: ack_index is set, but it is not acknowledged", what);
        return;
    }
    const logged *e =
        verify__match_row(a, what, ref, "notice.ack", centre_object_notice_ack(n->id, n->party, n->acked_at));
    if (e && (int64_t)e->index != n->ack_index)
        FAIL(a, "%s: ack_index is %lld, but its acknowledgement is log_entry %llu", what,
             (long long)n->ack_index, ULL(e->index));
    a->acks++;
}

static int check_notice(const store_notice_row *n, void *ctx) {
    notice_pass *p = ctx;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref_notice(n->id, ref);
    snprintf(what, sizeof what, "notice %lld", (long long)n->id);
    check_ack(p->a, n, what, ref);
    json_t *o = centre_object_notice(n);
    while (p->next < p->nb && p->b[p->next].last < n->id)
        finish_batch(p);
    if (p->next < p->nb && p->b[p->next].first <= n->id && o)
        json_array_append(p->notices, o);
    else if (p->next >= p->nb || p->b[p->next].first > n->id)
        FAIL(p->a, "%s: no log entry records it (no notice.create entry covers it)", what);
    json_decref(o);
    p->rows++;
    return TR_OK;
}

int verify__notice(db_audit *a, uint64_t *rows) {
    notice_pass p = {a, NULL, 0, 0, json_array(), 0};
    p.b = batches(a, &p.nb);
    if (!p.b || !p.notices) {
        free(p.b);
        json_decref(p.notices);
        return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    }
    tr_err e = {0};
    store_notice_each(a->s, INT64_MIN, INT64_MAX, check_notice, &p, &e);
    while (p.next < p.nb)
        finish_batch(&p);
    json_decref(p.notices);
    free(p.b);
    verify__count(a, "notice", p.rows, &e);
    *rows = p.rows;
    return TR_OK;
}

typedef struct clearance_pass {
    db_audit *a;
    batch *b;
    size_t nb;
    uint64_t rows;
} clearance_pass;

static int check_clearance(const store_clearance_row *x, void *ctx) {
    clearance_pass *p = ctx;
    if (!covering(p->b, p->nb, x->notice_id))
        FAIL(p->a,
             "movement_clearance (%lld, notice %lld): no log entry records it (no notice.create entry covers "
             "its notice)",
             (long long)x->movement_id, (long long)x->notice_id);
    p->rows++;
    return TR_OK;
}

/* Clearances are logged with their notices (verify__notice): here, those no entry covers. */
int verify__movement_clearance(db_audit *a, uint64_t *rows) {
    clearance_pass p = {a, NULL, 0, 0};
    if (!(p.b = batches(a, &p.nb))) return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    tr_err e = {0};
    store_clearance_each(a->s, INT64_MIN, INT64_MAX, check_clearance, &p, &e);
    free(p.b);
    verify__count(a, "movement_clearance", p.rows, &e);
    *rows = p.rows;
    return TR_OK;
}

typedef struct row_pass {
    db_audit *a;
    uint64_t rows;
} row_pass;

/* A row named by a text key (table NAME), matched with its entry of type about ref (with
 * latest, the latest such entry: a value that is replaced). Takes obj. */
static void check_named(row_pass *p, const char *table, const char *name, const char *ref, const char *type,
                        json_t *obj, bool latest) {
    char what[140], b1[96];
    snprintf(what, sizeof what, "%s %s", table, verify__clip(name, b1));
    if (latest)
        verify__match_latest(p->a, what, ref, type, obj);
    else
        verify__match_row(p->a, what, ref, type, obj);
    p->rows++;
}

static int check_alert(const store_alert_row *x, void *ctx) {
    char ref[CENTRE_REF_MAX];
    centre_ref_alert(x->identifier, ref);
    check_named(ctx, "incident_alert", x->identifier, ref, "incident.alert", centre_object_alert(x), false);
    return TR_OK;
}

int verify__incident_alert(db_audit *a, uint64_t *rows) {
    row_pass p = {a, 0};
    tr_err e = {0};
    store_alert_each(a->s, check_alert, &p, &e);
    verify__count(a, "incident_alert", p.rows, &e);
    *rows = p.rows;
    return TR_OK;
}

static int check_setting(const store_setting_row *x, void *ctx) {
    char ref[CENTRE_REF_MAX];
    centre_ref_setting(x->name, ref);
    check_named(ctx, "setting", x->name, ref, "setting.put", centre_object_setting(x), true);
    return TR_OK;
}

/* A setting holds the latest value the server ran with: its latest setting.put. */
int verify__setting(db_audit *a, uint64_t *rows) {
    row_pass p = {a, 0};
    tr_err e = {0};
    store_setting_each(a->s, check_setting, &p, &e);
    verify__count(a, "setting", p.rows, &e);
    *rows = p.rows;
    return TR_OK;
}
