/*
 * centre_lists.c — the JSON of the store's lists (centre_lists.h).
 */
#include "service/centre_lists.h"

#include "domain/site.h"

/* Appends x (a new reference, NULL when it could not be built) to a. */
static int append(json_t *a, json_t *x, tr_err *err) {
    return x && json_array_append_new(a, x) == 0 ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

static json_t *text_or_null(const char *t) {
    return t ? json_string(t) : json_null();
}

/* A time that is set, else null. */
static json_t *time_or_null(bool set, int64_t at) {
    return set ? tr_json_time_value(at) : json_null();
}

/* ---- parties and actors ---- */

typedef struct list_ctx {
    json_t *items;
    tr_err *err;
} list_ctx;

static int party_row(const store_party_row *p, void *ctx) {
    list_ctx *l = ctx;
    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "name", json_string(p->name));
        json_object_set_new(o, "role", json_string(p->role));
        json_object_set_new(o, "full_name", text_or_null(p->full_name));
        json_object_set_new(o, "created_at", tr_json_time_value(p->created_at));
        json_object_set_new(o, "revoked_at", time_or_null(p->revoked, p->revoked_at));
    }
    return append(l->items, o, l->err);
}

static int actor_row(const store_actor_row *a, void *ctx) {
    list_ctx *l = ctx;
    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "name", json_string(a->name));
        json_object_set_new(o, "full_name", text_or_null(a->full_name));
    }
    return append(l->items, o, l->err);
}

/* Ends a list read into l.items: *out on success, nothing on failure. */
static int list_end(int rc, list_ctx *l, json_t **out) {
    if (rc)
        json_decref(l->items);
    else
        *out = l->items;
    return rc;
}

int centre_party_list_json(store *s, json_t **out, tr_err *err) {
    list_ctx l = {.items = json_array(), .err = err};
    if (!l.items) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return list_end(store_party_list(s, party_row, &l, err), &l, out);
}

int centre_actor_list_json(store *s, json_t **out, tr_err *err) {
    list_ctx l = {.items = json_array(), .err = err};
    if (!l.items) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    return list_end(store_actor_list(s, actor_row, &l, err), &l, out);
}

/* ---- clearances and deliveries ---- */

static int clearance_row(const store_clearance_state *c, void *ctx) {
    list_ctx *l = ctx;
    return append(l->items,
                  json_pack("{s:s, s:I, s:o, s:o}", "party", c->party, "notice", (json_int_t)c->notice_id,
                            "acked_at", time_or_null(c->acked, c->acked_at), "ack_index",
                            c->acked ? json_integer(c->ack_index) : json_null()),
                  l->err);
}

int centre_clearance_json(store *s, int64_t movement_id, json_t *items, tr_err *err) {
    list_ctx l = {.items = items, .err = err};
    return store_clearance_list(s, movement_id, clearance_row, &l, err);
}

static int delivery_row(const store_notice_row *n, void *ctx) {
    list_ctx *l = ctx;
    return append(l->items,
                  json_pack("{s:I, s:s, s:s, s:o, s:o}", "notice_id", (json_int_t)n->id, "party", n->party,
                            "kind", n->kind, "created_at", tr_json_time_value(n->created_at), "acked_at",
                            time_or_null(n->acked, n->acked_at)),
                  l->err);
}

int centre_message_notices_json(store *s, int64_t id, json_t *items, tr_err *err) {
    list_ctx l = {.items = items, .err = err};
    return store_message_notices(s, id, delivery_row, &l, err);
}

/* ---- areas and operations: their JSON as before, a value that does not convert is
 * left out of the list ---- */

static int area_feature(tr_area *a, void *ctx) {
    json_array_append_new(ctx, tr_area_to_feature(a));
    return TR_OK;
}

static int operation_json(tr_operation *o, void *ctx) {
    json_array_append_new(ctx, tr_operation_to_json(o));
    return TR_OK;
}

int centre_area_list_json(store *s, const store_area_filter *f, json_t *features, int64_t *next,
                          tr_err *err) {
    return store_area_list(s, f, area_feature, features, next, err);
}

int centre_area_history_json(store *s, int64_t id, const tr_party *viewer, json_t *features, tr_err *err) {
    return store_area_history(s, id, viewer, area_feature, features, err);
}

int centre_operation_list_json(store *s, int64_t after, int limit, json_t *items, int64_t *next,
                               tr_err *err) {
    return store_operation_list(s, after, limit, operation_json, items, next, err);
}

/* ---- notices: a notice whose JSON cannot be built is left out, as it always was ---- */

static int notice_json(const store_notice_row *n, void *ctx) {
    json_t *payload = json_loads(n->payload, 0, NULL);
    json_t *x = json_pack("{s:I, s:s, s:s, s:{s:s, s:I}, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)n->id,
                          "party", n->party, "kind", n->kind, "about", "type", n->about_type, "id",
                          (json_int_t)n->about_id, "payload", payload ? payload : json_null(), "created_at",
                          tr_json_time_value(n->created_at), "deadline", tr_json_time_value(n->deadline),
                          "acked_at", time_or_null(n->acked, n->acked_at), "ack_index",
                          n->has_ack_index ? json_integer((json_int_t)n->ack_index) : json_null());
    if (x) json_array_append_new(ctx, x);
    return TR_OK;
}

int centre_notice_list_json(store *s, const char *party, int64_t after, int64_t overdue_at, int limit,
                            json_t *items, int64_t *next, bool *more, tr_err *err) {
    return store_notice_list(s, party, after, overdue_at, limit, notice_json, items, next, more, err);
}

/* ---- the mine action summary: a row whose JSON cannot be built is left out, as it
 * always was ---- */

typedef struct summary_ctx {
    json_t *parts[STORE_MINE_ITEMS + 1]; /* by_hazard, by_operator, by_day, items */
    json_t *accidents;
} summary_ctx;

static const char *const RELEASED_KEY[] = {"hazard_id", "operator", "date"};

static int summary_row(const store_mine_sum *x, void *ctx) {
    summary_ctx *m = ctx;
    const int64_t *n = x->n;
    if (x->part == STORE_MINE_ACCIDENTS) {
        json_object_set_new(m->accidents, x->key,
                            json_pack("{s:I, s:I, s:I}", "accidents", (json_int_t)n[0], "killed",
                                      (json_int_t)n[1], "injured", (json_int_t)n[2]));
    } else if (x->part == STORE_MINE_ITEMS) {
        json_array_append_new(m->parts[x->part], json_pack("{s:s, s:I, s:I}", "type", x->key, "found",
                                                           (json_int_t)n[0], "destroyed", (json_int_t)n[1]));
    } else {
        json_t *k = x->has_id ? json_integer(x->id) : json_string(x->key);
        json_array_append_new(m->parts[x->part],
                              json_pack("{s:o, s:I, s:I, s:I, s:I}", RELEASED_KEY[x->part], k, "cleared_m2",
                                        (json_int_t)n[0], "reduced_m2", (json_int_t)n[1], "cancelled_m2",
                                        (json_int_t)n[2], "released_m2", (json_int_t)(n[0] + n[1] + n[2])));
    }
    return TR_OK;
}

int centre_mine_summary_json(store *s, int64_t from, int64_t to, json_t *out, tr_err *err) {
    static const char *const names[] = {"by_hazard", "by_operator", "by_day", "items"};
    summary_ctx m = {.accidents = json_object()};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++)
        json_object_set_new(out, names[k], m.parts[k] = json_array());
    json_object_set_new(out, "accidents", m.accidents);
    for (int k = 0; k < 2; k++)
        json_object_set_new(m.accidents, k ? "civilian" : "demining",
                            json_pack("{s:i, s:i, s:i}", "accidents", 0, "killed", 0, "injured", 0));
    return store_mine_summary(s, from, to, summary_row, &m, err);
}
