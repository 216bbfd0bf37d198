/* store_humanitarian.c — corridor events, agreement steps and their status changes,
 * messages and their forwarding (migration 0008, store.h). Rows are written once. */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "store/store_int.h"

/* Grows *v (elements of size sz) so that one more fits; returns the new slot, zeroed. */
static void *grow(void **v, size_t *n, size_t *cap, size_t sz) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        void *nv = realloc(*v, nc * sz);
        if (!nv) return NULL;
        *v = nv;
        *cap = nc;
    }
    void *slot = (char *)*v + (*n)++ * sz;
    memset(slot, 0, sz);
    return slot;
}

static int64_t col_time(db_stmt *st, int i) {
    return db_col_type(st, i) == DB_NULL ? TR_TIME_OPEN : db_col_int(st, i);
}

static void bind_time(db_stmt *st, int i, int64_t t) {
    if (t != TR_TIME_OPEN) db_bind_int(st, i, t);
}

/* Steps st through its rows, calling read(st, slot) for each into a growing array. */
static int read_rows(store *s, db_stmt *st, size_t sz, int (*read)(db_stmt *st, void *slot), void **out,
                     size_t *n, const char *what, tr_err *err) {
    (void)s;
    size_t cap = 0;
    int step, rc = TR_OK;
    *out = NULL;
    *n = 0;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        void *slot = grow(out, n, &cap, sz);
        if (!slot)
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
        else if (read(st, slot))
            rc = tr_fail(err, TR_EIO, "", "a stored %s is unreadable", what);
    }
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, what);
    db_reset(st);
    return rc;
}

/* ---- corridor events ---- */

static const char SQL_CE_INSERT[] = "INSERT INTO corridor_event(area_id, kind, party, time_from, time_to, "
                                    "count, source_kind, source_ref, reason,"
                                    " created_at) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id";

int store_corridor_event_insert(store *s, tr_corridor_event *e, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CE_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, e->area_id);
    db_bind_text(st, 2, tr_corridor_event_kind_name(e->kind));
    db_bind_text(st, 3, e->party);
    db_bind_int(st, 4, e->from);
    bind_time(st, 5, e->to);
    if (e->count >= 0) db_bind_int(st, 6, e->count);
    db_bind_text(st, 7, e->source_kind);
    db_bind_text(st, 8, e->source_ref);
    db_bind_text(st, 9, e->reason);
    db_bind_int(st, 10, e->created_at);
    int rc = store__step_done(s, st, "storing a corridor event", err);
    if (rc == TR_OK) e->id = store__last_id();
    return rc;
}

static int read_ce(db_stmt *st, void *slot) {
    tr_corridor_event *e = slot;
    e->id = db_col_int(st, 0);
    e->area_id = db_col_int(st, 1);
    e->party = db_col_dup(st, 3);
    e->from = db_col_int(st, 4);
    e->to = col_time(st, 5);
    e->count = db_col_type(st, 6) == DB_NULL ? -1 : db_col_int(st, 6);
    e->source_kind = db_col_dup(st, 7);
    e->source_ref = db_col_dup(st, 8);
    e->reason = db_col_dup(st, 9);
    e->created_at = db_col_int(st, 10);
    return tr_corridor_event_kind_parse(db_col_text(st, 2), &e->kind) || !e->party;
}

static const char SQL_CE_OF[] =
    "SELECT id, area_id, kind, party, time_from, time_to, count, source_kind, source_ref, reason, created_at"
    " FROM corridor_event WHERE ?1 = 0 OR area_id = ?1 ORDER BY id";

int store_corridor_events(store *s, int64_t area_id, tr_corridor_event **out, size_t *n, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_CE_OF, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, area_id);
    int rc = read_rows(s, st, sizeof **out, read_ce, (void **)out, n, "corridor event", err);
    if (rc) {
        tr_corridor_events_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- steps and their status changes ---- */

static const char SQL_STEP_INSERT[] = "INSERT INTO step(agreement_id, provision, title, responsible, "
                                      "deadline, depends_on, created_by, created_at, separation_area)"
                                      " VALUES (?,?,?,?,?,?,?,?,?) RETURNING id";

int store_step_insert(store *s, tr_step *x, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_STEP_INSERT, err);
    if (!st) return TR_EIO;
    json_t *deps = json_array();
    for (size_t i = 0; i < x->ndeps; i++)
        json_array_append_new(deps, json_integer(x->deps[i]));
    char *text = json_dumps(deps, JSON_COMPACT);
    json_decref(deps);
    db_bind_int(st, 1, x->agreement_id);
    if (x->provision) db_bind_int(st, 2, x->provision);
    db_bind_text(st, 3, x->title);
    db_bind_text(st, 4, x->responsible);
    bind_time(st, 5, x->deadline);
    db_bind_text(st, 6, text ? text : "[]");
    db_bind_text(st, 7, x->created_by);
    db_bind_int(st, 8, x->created_at);
    if (x->separation_area) db_bind_int(st, 9, x->separation_area);
    free(text);
    int rc = store__step_done(s, st, "storing a step", err);
    if (rc == TR_OK) x->id = store__last_id();
    return rc;
}

static int read_step(db_stmt *st, void *slot) {
    tr_step *x = slot;
    x->id = db_col_int(st, 0);
    x->agreement_id = db_col_int(st, 1);
    x->provision = db_col_type(st, 2) == DB_NULL ? 0 : db_col_int(st, 2);
    x->title = db_col_dup(st, 3);
    x->responsible = db_col_dup(st, 4);
    x->deadline = col_time(st, 5);
    x->created_by = db_col_dup(st, 7);
    x->created_at = db_col_int(st, 8);
    x->separation_area = db_col_int(st, 9); /* NULL reads 0 */
    json_t *d = json_loads(db_col_text(st, 6), 0, NULL);
    int bad = !json_is_array(d) || !x->title || !x->responsible;
    x->deps = calloc(json_array_size(d) + 1, sizeof *x->deps);
    for (size_t i = 0; !bad && x->deps && i < json_array_size(d); i++)
        x->deps[x->ndeps++] = json_integer_value(json_array_get(d, i));
    json_decref(d);
    return bad || !x->deps;
}

static const char SQL_STEPS_OF[] =
    "SELECT id, agreement_id, provision, title, responsible, deadline, depends_on, created_by, created_at,"
    " separation_area FROM step WHERE ?1 = 0 OR agreement_id = ?1 ORDER BY id";

int store_steps(store *s, int64_t agreement_id, tr_step **out, size_t *n, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_STEPS_OF, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, agreement_id);
    int rc = read_rows(s, st, sizeof **out, read_step, (void **)out, n, "step", err);
    if (rc) {
        tr_steps_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static const char SQL_STEP_AG[] = "SELECT agreement_id FROM step WHERE id = ?";

int store_step_agreement(store *s, int64_t step_id, int64_t *agreement_id, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_STEP_AG, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, step_id);
    int rc = store__one(st, store__step(st), "reading table step", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) *agreement_id = db_col_int(st, 0);
    db_reset(st);
    return rc ? tr_fail(err, rc, "id", "there is no step %lld", (long long)step_id) : TR_OK;
}

static const char SQL_SE_INSERT[] = "INSERT INTO step_event(step_id, status, party, at, reason, evidence, "
                                    "created_at) VALUES (?,?,?,?,?,?,?) RETURNING seq";

int store_step_event_insert(store *s, tr_step_event *e, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_SE_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, e->step_id);
    db_bind_text(st, 2, tr_provision_status_name(e->status));
    db_bind_text(st, 3, e->party);
    db_bind_int(st, 4, e->at);
    db_bind_text(st, 5, e->reason);
    db_bind_text(st, 6, e->evidence ? e->evidence : "[]");
    db_bind_int(st, 7, e->created_at);
    int rc = store__step_done(s, st, "storing a step's status", err);
    if (rc == TR_OK) e->seq = store__last_id();
    return rc;
}

static int read_se(db_stmt *st, void *slot) {
    tr_step_event *e = slot;
    e->seq = db_col_int(st, 0);
    e->step_id = db_col_int(st, 1);
    e->party = db_col_dup(st, 3);
    e->at = db_col_int(st, 4);
    e->reason = db_col_dup(st, 5);
    e->evidence = db_col_dup(st, 6);
    e->created_at = db_col_int(st, 7);
    return tr_provision_status_parse(db_col_text(st, 2), &e->status) || !e->party;
}

static const char SQL_SE_OF[] =
    "SELECT seq, step_id, status, party, at, reason, evidence, created_at FROM step_event"
    " WHERE ?1 = 0 OR step_id IN (SELECT id FROM step WHERE agreement_id = ?1) ORDER BY seq";

int store_step_events(store *s, int64_t agreement_id, tr_step_event **out, size_t *n, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_SE_OF, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, agreement_id);
    int rc = read_rows(s, st, sizeof **out, read_se, (void **)out, n, "step status", err);
    if (rc) {
        tr_step_events_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- messages ---- */

static const char SQL_MSG_INSERT[] = "INSERT INTO message(sender, recipient, via, kind, subject, text, "
                                     "reply_to, created_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id";

int store_message_insert(store *s, tr_message *m, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_MSG_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, m->sender);
    db_bind_text(st, 2, m->recipient);
    db_bind_text(st, 3, m->via);
    db_bind_text(st, 4, tr_message_kind_name(m->kind));
    db_bind_text(st, 5, m->subject);
    db_bind_text(st, 6, m->text);
    if (m->reply_to) db_bind_int(st, 7, m->reply_to);
    db_bind_int(st, 8, m->created_at);
    int rc = store__step_done(s, st, "storing a message", err);
    if (rc == TR_OK) m->id = store__last_id();
    return rc;
}

static const char SQL_FWD_INSERT[] =
    "INSERT INTO message_forward(message_id, party, note, at) VALUES (?,?,?,?)";

int store_message_forward_insert(store *s, const tr_message *m, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_FWD_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, m->id);
    db_bind_text(st, 2, m->via);
    db_bind_text(st, 3, m->forward_note);
    db_bind_int(st, 4, m->forwarded_at);
    int rc = store__step_done(s, st, "storing a forwarding", err);
    return rc == TR_ECONFLICT ? tr_fail(err, rc, "id", "message %lld is already forwarded", (long long)m->id)
                              : rc;
}

#define MSG_COLS                                                                                             \
    "m.id, m.sender, m.recipient, m.via, m.kind, m.subject, m.text, m.reply_to, m.created_at, f.at, f.note"  \
    " FROM message m LEFT JOIN message_forward f ON f.message_id = m.id"

static int read_msg(db_stmt *st, void *slot) {
    tr_message *m = slot;
    m->id = db_col_int(st, 0);
    m->sender = db_col_dup(st, 1);
    m->recipient = db_col_dup(st, 2);
    m->via = db_col_dup(st, 3);
    m->subject = db_col_dup(st, 5);
    m->text = db_col_dup(st, 6);
    m->reply_to = db_col_int(st, 7);
    m->created_at = db_col_int(st, 8);
    m->forwarded_at = db_col_int(st, 9);
    m->forward_note = db_col_dup(st, 10);
    return tr_message_kind_parse(db_col_text(st, 4), &m->kind) || !m->sender || !m->recipient || !m->text;
}

static const char SQL_MSG_GET[] = "SELECT " MSG_COLS " WHERE m.id = ?";

int store_message_get(store *s, int64_t id, tr_message *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    db_stmt *st = store__prep(s, SQL_MSG_GET, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int rc = store__one(st, store__step(st), "reading table message", err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK && read_msg(st, out)) rc = TR_EIO;
    db_reset(st);
    if (rc) tr_message_clear(out);
    if (rc == TR_ENOTFOUND) return tr_fail(err, rc, "id", "there is no message %lld", (long long)id);
    return rc ? tr_fail(err, rc, "", "message %lld is unreadable", (long long)id) : TR_OK;
}

static const char SQL_MSG_LIST[] =
    "SELECT " MSG_COLS " WHERE m.id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR m.sender = ?2 OR m.via = ?2"
    " OR (m.recipient = ?2 AND (m.via IS NULL OR f.at IS NOT NULL))) ORDER BY m.id LIMIT ?3";

int store_message_list(store *s, const char *party, int64_t after, int limit, tr_message **out, size_t *n,
                       bool *more, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_MSG_LIST, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, after);
    db_bind_text(st, 2, party);
    db_bind_int(st, 3, limit + 1);
    int rc = read_rows(s, st, sizeof **out, read_msg, (void **)out, n, "message", err);
    if (rc) {
        for (size_t i = 0; i < *n; i++)
            tr_message_clear(&(*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    *more = rc == TR_OK && *n > (size_t)limit;
    if (*more) tr_message_clear(&(*out)[--*n]);
    return rc;
}

static const char SQL_MSG_NOTICES[] =
    "SELECT id, party, kind, created_at, acked_at FROM notice WHERE about_type = 'message' AND about_id = ?"
    " ORDER BY id";

int store_message_notices(store *s, int64_t id, int (*fn)(const store_notice_row *n, void *ctx), void *ctx,
                          tr_err *err) {
    db_stmt *st = store__prep(s, SQL_MSG_NOTICES, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_notice_row n = {.id = db_col_int(st, 0),
                              .party = db_col_text(st, 1),
                              .kind = db_col_text(st, 2),
                              .about_type = "message",
                              .about_id = id,
                              .created_at = db_col_int(st, 3),
                              .acked = db_col_type(st, 4) != DB_NULL,
                              .acked_at = db_col_int(st, 4)};
        rc = fn(&n, ctx);
    }
    return store__scan_end(st, step, rc, "reading table notice", err);
}
