/*
 * verify_notices.c — `truce verify --db` for what parties were told and what they signed
 * (issue 15): every notice delivered since migration 0015 against its notice.create entry
 * (the object rebuilt from the row, and the row's log_index naming that entry), and every
 * signed acknowledgement, response, verdict and state change naming, in the bytes its party
 * signed, the object its entry is about (so a signature cannot be moved to another).
 */
#include <stdlib.h>
#include <string.h>

#include "edges/verify_db.h"
#include "service/centre_objects.h"

/* Entry types whose signed body must name its target: the body's field must equal the
 * logged object's member. */
static const struct {
    const char *type, *field, *member;
} TARGETS[] = {
    {"notice.ack", "notice", "id"},
    {"incident.response", "incident", "incident_id"},
    {"incident.verdict", "incident", "incident_id"},
    {"operation.state", "operation", "about_id"},
    {"movement.status", "movement", "about_id"},
    {"movement.position", "movement", "about_id"},
};

void verify__check_target(db_audit *a, const store_log_entry *e) {
    size_t t = 0, n = sizeof TARGETS / sizeof *TARGETS;
    while (t < n && strcmp(TARGETS[t].type, e->type ? e->type : "") != 0)
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

/* The notice.create entry logged under ref, or NULL. */
static const logged *delivery_entry(const db_audit *a, const char *ref) {
    for (size_t k = verify__find_ref(a, ref); k < a->nlog && strcmp(a->log[k].ref, ref) == 0; k++)
        if (strcmp(a->log[k].type, "notice.create") == 0) return &a->log[k];
    return NULL;
}

static void check_delivery(db_audit *a, sqlite3_stmt *st) {
    int64_t id = sqlite3_column_int64(st, 0);
    char ref[CENTRE_REF_MAX], what[200];
    centre_ref_notice(id, ref);
    snprintf(what, sizeof what, "notice %lld", (long long)id);
    const logged *l = delivery_entry(a, ref);
    if (sqlite3_column_type(st, 7) == SQLITE_NULL) {
        if (l)
            FAIL(a, "%s: log_entry %llu records its delivery but the row's log_index is empty", what,
                 ULL(l->index));
        return;
    }
    uint64_t index = (uint64_t)sqlite3_column_int64(st, 7);
    if (l && l->index != index)
        FAIL(a, "%s: its log_index is %llu but its delivery is log_entry %llu", what, ULL(index),
             ULL(l->index));
    json_t *payload = json_loads((const char *)sqlite3_column_text(st, 5), JSON_DECODE_ANY, NULL);
    const char *party = (const char *)sqlite3_column_text(st, 1),
               *kind = (const char *)sqlite3_column_text(st, 2),
               *about = (const char *)sqlite3_column_text(st, 3);
    verify__match_row(a, what, ref, "notice.create",
                      centre_object_notice(id, party ? party : "", kind ? kind : "", about ? about : "",
                                           sqlite3_column_int64(st, 4), payload, sqlite3_column_int64(st, 6),
                                           sqlite3_column_int64(st, 8)));
    json_decref(payload);
}

int verify__audit_notices(db_audit *a, uint64_t *rows) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            a->raw,
            "SELECT id, party, kind, about_type, about_id, payload, created_at, log_index, deadline "
            "FROM notice ORDER BY id",
            -1, &st, NULL))
        return tr_fail(&a->err, TR_EIO, "", "cannot read notice: %s", sqlite3_errmsg(a->raw));
    while (sqlite3_step(st) == SQLITE_ROW) {
        check_delivery(a, st);
        if (sqlite3_column_type(st, 7) != SQLITE_NULL) (*rows)++;
    }
    sqlite3_finalize(st);
    return TR_OK;
}
