/*
 * centre_traffic_replay.c — `truce replay` (centre_traffic.h): detection run again, in a
 * fresh engine, over everything stored, in the log's order. The log orders every write the
 * live engine saw: protected sites (site.create), no-strike area versions (area.create,
 * area.version), operations going active or ending (operation.state), batches of positions
 * (track.positions) and sweeps of stale tracks (track.stale), each batch with the settings
 * it was processed with. So the alert changes come out as the server decided them, and are
 * compared, in order, with the stored ones. Nothing is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_traffic_int.h"

typedef struct op_event {
    int64_t id, op;
    bool active;
} op_event;

typedef struct replay {
    centre *c;
    tf_engine *e;
    ct_names names;
    int32_t *keys; /* party key by track id (0: unknown yet, else key + 1) */
    size_t nkeys;
    op_event *ops;
    size_t nops, capops;
    int64_t config_id;
    int64_t from, to;
    int (*fn)(const json_t *alert, void *ctx);
    void *ctx;
    json_t *stored; /* the stored changes of the window, without ids */
    size_t n;
    bool same;
    tr_err *err;
} replay;

static int collect_op(const store_dc_event *e, void *ctx) {
    replay *r = ctx;
    if (strcmp(e->about_type, "operation") != 0 || strcmp(e->kind, "state") != 0) return TR_OK;
    if (r->nops == r->capops) {
        size_t cap = r->capops ? 2 * r->capops : 64;
        op_event *v = realloc(r->ops, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        r->ops = v;
        r->capops = cap;
    }
    tr_operation_state st;
    bool active = tr_operation_state_parse(e->value, &st) == 0 && st == OP_ACTIVE;
    r->ops[r->nops++] = (op_event){e->id, e->about_id, active};
    return TR_OK;
}

static int collect_stored(const store_traffic_alert *a, void *ctx) {
    replay *r = ctx;
    store_traffic_alert x = *a;
    x.id = 0;
    json_t *o = centre_object_traffic_alert(&x);
    return o && json_array_append_new(r->stored, o) == 0 ? TR_OK : TR_ENOMEM;
}

static int32_t party_key(replay *r, int64_t track) {
    if ((size_t)track >= r->nkeys) {
        size_t n = r->nkeys ? r->nkeys : 1024;
        while (n <= (size_t)track)
            n *= 2;
        int32_t *v = realloc(r->keys, n * sizeof *v);
        if (!v) return -1;
        memset(v + r->nkeys, 0, (n - r->nkeys) * sizeof *v);
        r->keys = v;
        r->nkeys = n;
    }
    if (!r->keys[track]) {
        char party[TR_NAME_MAX + 1], ext[TR_TRACK_ID_MAX + 1];
        if (store_track_get(r->c->store, track, party, ext, r->err)) return -1;
        int32_t k = ct_name_key(&r->names, party);
        if (k < 0) return -1;
        r->keys[track] = k + 1;
    }
    return r->keys[track] - 1;
}

/* One alert change: to fn when in the window, and compared with the stored one. */
static int emit(replay *r, int64_t batch, const tf_alert *x) {
    if (x->at_ms < r->from || x->at_ms >= r->to) return TR_OK;
    store_traffic_alert a = ct_alert_row(x, batch);
    json_t *o = centre_object_traffic_alert(&a);
    if (!o) return TR_ENOMEM;
    if (r->n >= json_array_size(r->stored) || !json_equal(o, json_array_get(r->stored, r->n)))
        r->same = false;
    r->n++;
    int rc = r->fn ? r->fn(o, r->ctx) : TR_OK;
    json_decref(o);
    return rc;
}

static int configure(replay *r, const store_track_batch *b) {
    if (b->config_id == r->config_id) return TR_OK;
    char *body = NULL;
    tf_config cfg;
    double stale;
    int rc = store_traffic_config_get(r->c->store, b->config_id, &body, r->err);
    if (rc == TR_OK) rc = ct_config_parse(body, &cfg, &stale, r->err);
    if (rc == TR_OK) rc = tf_engine_configure(r->e, &cfg, r->err);
    free(body);
    if (rc == TR_OK) r->config_id = b->config_id;
    return rc;
}

typedef struct batch_ctx {
    replay *r;
    int64_t batch, received_ms;
    tf_alerts a;
} batch_ctx;

static int replay_position(const store_position *p, void *ctx) {
    batch_ctx *b = ctx;
    int32_t key = party_key(b->r, p->track_id);
    if (key < 0) return TR_ENOMEM;
    tf_pos pos = ct_pos(p, key, b->received_ms);
    b->a.n = 0;
    int rc = tf_engine_update(b->r->e, &pos, &b->a, b->r->err);
    for (size_t i = 0; rc == TR_OK && i < b->a.n; i++)
        rc = emit(b->r, b->batch, &b->a.v[i]);
    return rc;
}

static int replay_stale(int64_t track, int64_t last_ms, void *ctx) {
    batch_ctx *b = ctx;
    (void)last_ms;
    b->a.n = 0;
    int rc = tf_engine_end(b->r->e, track, b->received_ms, &b->a, b->r->err);
    for (size_t i = 0; rc == TR_OK && i < b->a.n; i++)
        rc = emit(b->r, b->batch, &b->a.v[i]);
    return rc;
}

static int replay_batch(replay *r, int64_t id) {
    store_track_batch b;
    int rc = store_track_batch_get(r->c->store, id, &b, r->err);
    if (rc == TR_OK) rc = configure(r, &b);
    if (rc) return rc;
    batch_ctx x = {r, id, b.received_ms, {0}};
    rc = strcmp(b.kind, "stale") == 0 ? store_batch_stale(r->c->store, id, replay_stale, &x, r->err)
                                      : store_batch_positions(r->c->store, id, replay_position, &x, r->err);
    tf_alerts_free(&x.a);
    return rc;
}

static int replay_object(replay *r, const char *type, int64_t id, long version) {
    int rc = TR_OK;
    if (strcmp(type, TR_ENTRY(SITE_CREATE)) == 0) {
        tr_site s;
        if ((rc = store_site_get(r->c->store, id, &s, r->err)) == TR_OK)
            rc = ct_put_site(r->e, &r->names, &s, r->err);
        tr_site_clear(&s);
    } else if (strcmp(type, TR_ENTRY(AREA_CREATE)) == 0 || strcmp(type, TR_ENTRY(AREA_VERSION)) == 0) {
        tr_area a;
        if ((rc = store_area_get(r->c->store, id, (int)version, &a, r->err)) == TR_OK)
            rc = ct_put_area(r->e, &r->names, &a, r->err);
        tr_area_clear(&a);
    } else if (strcmp(type, TR_ENTRY(OPERATION_STATE)) == 0) {
        size_t k = 0;
        while (k < r->nops && r->ops[k].id != id)
            k++;
        if (k < r->nops && r->ops[k].active) {
            tr_operation o;
            if ((rc = store_operation_get(r->c->store, r->ops[k].op, &o, r->err)) == TR_OK)
                rc = ct_put_operation(r->e, &r->names, &o, r->err);
            tr_operation_clear(&o);
        } else if (k < r->nops) {
            tf_engine_object_remove(r->e, TF_OPERATION, r->ops[k].op);
        }
    }
    return rc;
}

static int replay_entry(const store_log_entry *e, void *ctx) {
    replay *r = ctx;
    const char *slash = e->ref ? strchr(e->ref, '/') : NULL;
    if (!e->type || !slash) return TR_OK;
    char *end;
    long long id = strtoll(slash + 1, &end, 10);
    long version = *end == '@' ? strtol(end + 1, NULL, 10) : 0;
    if (strcmp(e->type, TR_ENTRY(TRACK_POSITIONS)) == 0 || strcmp(e->type, TR_ENTRY(TRACK_STALE)) == 0)
        return replay_batch(r, id);
    return replay_object(r, e->type, id, version);
}

int centre_traffic_replay(centre *c, int64_t from_ms, int64_t to_ms,
                          int (*fn)(const json_t *alert, void *ctx), void *ctx, size_t *n, bool *same,
                          tr_err *err) {
    tf_config cfg = tf_config_default();
    replay r = {.c = c,
                .e = tf_engine_new(&cfg),
                .from = from_ms,
                .to = to_ms,
                .fn = fn,
                .ctx = ctx,
                .stored = json_array(),
                .same = true,
                .err = err};
    uint64_t size = 0;
    int rc = r.e && r.stored ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = store_dc_event_each(c->store, collect_op, &r, err);
    if (rc == TR_OK) rc = store_traffic_alert_each(c->store, false, from_ms, to_ms, collect_stored, &r, err);
    if (rc == TR_OK) rc = store_log_size(c->store, &size, err);
    if (rc == TR_OK) rc = store_log_entries(c->store, 0, size, replay_entry, &r, err);
    if (rc == TR_ENOMEM && err && err->code != TR_ENOMEM) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (r.n != json_array_size(r.stored)) r.same = false;
    *n = r.n;
    *same = r.same;
    tf_engine_free(r.e);
    ct_names_free(&r.names);
    free(r.keys);
    free(r.ops);
    json_decref(r.stored);
    return rc;
}
