/*
 * verify_notices.c — `truce verify --db` for what parties were told and what they signed
 * (issue 15): every notice delivered since migration 0015 against its notice.create entry
 * (the object rebuilt from the row, and the row's log_index naming that entry), and every
 * signed acknowledgement, response, verdict and state change naming, in the bytes its party
 * signed, the object its entry is about (so a signature cannot be moved to another).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edges/verify_db.h"
#include "service/centre_objects.h"

/* Entry types whose signed body must name its target: the body's field must equal the
 * logged object's member. */
static const struct {
    tr_entry type;
    const char *field, *member;
} TARGETS[] = {
    {TR_ENTRY_NOTICE_ACK, "notice", "id"},
    {TR_ENTRY_INCIDENT_RESPONSE, "incident", "incident_id"},
    {TR_ENTRY_INCIDENT_VERDICT, "incident", "incident_id"},
    {TR_ENTRY_OPERATION_STATE, "operation", "about_id"},
    {TR_ENTRY_MOVEMENT_STATUS, "movement", "about_id"},
    {TR_ENTRY_MOVEMENT_POSITION, "movement", "about_id"},
};

void verify__check_target(db_audit *a, const store_log_entry *e) {
    size_t t = 0, n = sizeof TARGETS / sizeof *TARGETS;
    while (t < n && strcmp(tr_entry_name(TARGETS[t].type), e->type ? e->type : "") != 0)
        t++;
    if (t == n) return;
    json_t *body = json_loadb((const char *)e->submission, e->submission_len, 0, NULL);
    json_t *obj = json_loadb((const char *)e->object, e->object_len, 0, NULL);
    json_t *named = json_object_get(body, TARGETS[t].field), *about = json_object_get(obj, TARGETS[t].member);
    if (!json_is_integer(named))
        FAIL(a,
             "log_entry %llu: the %s signed by %s does not name its %s (\"%s\" in the signed body): the "
             "signature "
             "does not show what it was given for",
             ULL(e->index), e->type, e->party, TARGETS[t].field, TARGETS[t].field);
    else if (!json_is_integer(about) || json_integer_value(named) != json_integer_value(about))
        FAIL(a, "log_entry %llu: the %s signed by %s names %s %lld, but the entry is about %s %lld",
             ULL(e->index), e->type, e->party, TARGETS[t].field, (long long)json_integer_value(named),
             TARGETS[t].field, (long long)json_integer_value(about));
    json_decref(body);
    json_decref(obj);
}

/* ---- notices ---- */

typedef struct notice_pass {
    db_audit *a;
    int64_t *cleared; /* the notice ids clearances hang on, sorted */
    size_t ncleared, capcleared;
    int64_t first_logged; /* the lowest notice id with a notice.create entry (INT64_MAX: none) */
    int64_t first_at;     /* the time of the first notice.create entry */
    uint64_t rows, legacy;
} notice_pass;

static int add_cleared(const store_clearance_row *x, void *ctx) {
    notice_pass *p = ctx;
    if (p->ncleared == p->capcleared) {
        size_t cap = p->capcleared ? 2 * p->capcleared : 64;
        int64_t *v = realloc(p->cleared, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        p->cleared = v;
        p->capcleared = cap;
    }
    p->cleared[p->ncleared++] = x->notice_id; /* in notice order (store_clearance_each) */
    return TR_OK;
}

static bool clears(const notice_pass *p, int64_t id) {
    size_t lo = 0, hi = p->ncleared;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->cleared[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->ncleared && p->cleared[lo] == id;
}

/* The first notice delivered under the log: its id and its entry's time. */
static void first_logged(notice_pass *p) {
    p->first_logged = INT64_MAX;
    p->first_at = INT64_MAX;
    for (size_t k = 0; k < p->a->nlog; k++) {
        const logged *l = &p->a->log[k];
        long long id;
        int used = 0;
        if (strcmp(l->type, TR_ENTRY(NOTICE_CREATE)) != 0 ||
            sscanf(l->ref, "notice/%lld%n", &id, &used) != 1 || l->ref[used])
            continue;
        if (id < p->first_logged) p->first_logged = id;
        if (l->at < p->first_at) p->first_at = l->at;
    }
}

/* The acknowledgement of n (or its absence) against the log. */
static void check_ack(db_audit *a, const store_notice_row *n, const char *what, const char *ref) {
    if (!n->acked) {
        verify__no_entry(a, what, ref, TR_ENTRY(NOTICE_ACK), "its acknowledgement");
        if (n->has_ack_index) FAIL(a, "%s: ack_index is set, but it is not acknowledged", what);
        return;
    }
    const logged *e = verify__match_row(a, what, ref, TR_ENTRY(NOTICE_ACK),
                                        centre_object_notice_ack(n->id, n->party, n->acked_at));
    if (!n->has_ack_index)
        FAIL(a, "%s: acknowledged, but ack_index is empty", what);
    else if (e && e->index != n->ack_index)
        FAIL(a, "%s: ack_index is %llu, but its acknowledgement is log_entry %llu", what, ULL(n->ack_index),
             ULL(e->index));
    a->acks++;
}

/* A notice without log_index and without an entry: delivered before migration 0015, or a
 * row no entry records. */
static void check_unlogged(notice_pass *p, const store_notice_row *n, const char *what) {
    if (n->id > 0 && n->id < p->first_logged && n->created_at <= p->first_at) {
        p->legacy++;
        return;
    }
    FAIL(p->a,
         "%s: no log entry records it (no notice.create entry for notice/%lld, and it is not from before "
         "deliveries were logged)",
         what, (long long)n->id);
}

/* The payload as stored must be the canonical bytes of what the entry e (if any) logged,
 * in e's version (version 1 printed reals with 17 digits: centre_objects.h). */
static void check_payload(db_audit *a, const char *what, const char *stored, const json_t *payload,
                          const logged *e) {
    char *canon = payload ? centre_object_bytes_v(payload, e ? e->version : CENTRE_LOG_VERSION) : NULL;
    if (!payload)
        FAIL(a, "%s: payload is not JSON", what);
    else if (!canon || strcmp(canon, stored) != 0)
        FAIL(a, "%s: payload is not stored in its canonical form (the bytes the log commits to)", what);
    free(canon);
}

static int check_notice(const store_notice_row *n, void *ctx) {
    notice_pass *p = ctx;
    db_audit *a = p->a;
    char ref[CENTRE_REF_MAX], what[64];
    centre_ref(TR_KIND_NOTICE, n->id, ref);
    snprintf(what, sizeof what, "notice %lld", (long long)n->id);
    p->rows++;
    check_ack(a, n, what, ref);
    const logged *l = verify__entry(a, ref, TR_ENTRY(NOTICE_CREATE), false, false);
    if (!n->logged && !l) {
        check_unlogged(p, n, what);
        return TR_OK;
    }
    if (!n->logged)
        FAIL(a, "%s: log_entry %llu records its delivery but the row's log_index is empty", what,
             ULL(l->index));
    else if (l && l->index != n->log_index)
        FAIL(a, "%s: its log_index is %llu but its delivery is log_entry %llu", what, ULL(n->log_index),
             ULL(l->index));
    json_t *payload = json_loads(n->payload, JSON_DECODE_ANY, NULL);
    check_payload(a, what, n->payload, payload, l);
    verify__match_row(a, what, ref, TR_ENTRY(NOTICE_CREATE),
                      centre_object_notice(n->id, n->party, n->kind, n->about_type, n->about_id, payload,
                                           n->created_at, n->deadline, clears(p, n->id)));
    json_decref(payload);
    return TR_OK;
}

int verify__notice(db_audit *a, uint64_t *rows) {
    notice_pass p = {.a = a};
    tr_err e = {0};
    if (store_clearance_each(a->s, add_cleared, &p, &e)) {
        free(p.cleared);
        return e.code ? tr_fail(&a->err, e.code, "", "%s", e.msg)
                      : tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    }
    first_logged(&p);
    store_notice_each(a->s, check_notice, &p, &e);
    free(p.cleared);
    verify__count(a, "notice", p.rows, &e);
    if (p.legacy)
        fprintf(a->r->out,
                "note: %llu notices were delivered before deliveries were logged (migration 0015): they are "
                "not under the log\n",
                ULL(p.legacy));
    *rows = p.rows;
    return TR_OK;
}

/* ---- clearances ---- */

/* A clearance must hang on a movement notice to its party about its movement; that the
 * notice asks for it is checked with the notice (its object's "clears"). */
static int check_clearance(const store_clearance_row *x, void *ctx) {
    verify_pass *p = ctx;
    p->rows++;
    const store_audit_row *n = NULL;
    tr_err e = {0};
    char b1[96];
    if (store_audit_get(p->a->db, AUDIT_GET_NOTICE, x->notice_id, &n, &e)) {
        FAIL(p->a, "movement_clearance (movement %lld, %s): %s", (long long)x->movement_id,
             verify__clip(x->party, b1), e.msg);
        return TR_OK;
    }
    const char *party = n ? store_audit_text(n, 0) : NULL, *kind = n ? store_audit_text(n, 1) : NULL,
               *about = n ? store_audit_text(n, 2) : NULL;
    if (!n)
        FAIL(p->a, "movement_clearance (movement %lld, %s): its notice %lld does not exist",
             (long long)x->movement_id, verify__clip(x->party, b1), (long long)x->notice_id);
    else if (!party || strcmp(party, x->party) != 0 || !kind || strcmp(kind, "movement") != 0 || !about ||
             strcmp(about, "movement") != 0 || store_audit_int(n, 3) != x->movement_id)
        FAIL(p->a,
             "movement_clearance (movement %lld, %s): its notice %lld is not the notice of that movement to "
             "that party",
             (long long)x->movement_id, verify__clip(x->party, b1), (long long)x->notice_id);
    return TR_OK;
}

int verify__movement_clearance(db_audit *a, uint64_t *rows) {
    verify_pass p = {a, 0};
    tr_err e = {0};
    store_clearance_each(a->s, check_clearance, &p, &e);
    return verify__end_pass(&p, "movement_clearance", &e, rows);
}
