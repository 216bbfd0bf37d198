/*
 * centre_dc_state.c — what happens to operations and movements after they are
 * notified (issue 4), and convoy clearance (issue 6).
 *
 * - An operation's state: planned -> active | cancelled, active -> ended | cancelled.
 *   Going active re-checks its conflicts against everything stored now (the answer
 *   carries them; new conflicts are notified as at creation). Ended and cancelled
 *   operations leave the engine: nothing conflicts with them any more.
 * - A movement's status: planned/notified/en_route/incident -> any other status;
 *   arrived and aborted are final, and the movement leaves the engine. Position
 *   reports while en route are kept (the latest is shown), and say whether the
 *   reported point is on the notified route.
 * - Every change is one dc_event row and one log entry (operation.state,
 *   movement.status, movement.position), and a "state" notice to every party already
 *   notified about the object (position reports are not notified).
 * - A movement is notified at creation to every party on its visibility list and to
 *   every party controlling an area its route crosses; the latter are its clearance:
 *   it is cleared when each of them has acknowledged its notice. Crossed areas are the
 *   control areas in force at the start, at each schedule point and at the end whose
 *   shape meets the route's footprint (exact test, dc_pair_conflict). Areas held by
 *   actors (not parties of the centre) cannot clear anything and are not counted.
 *
 * Lock order as in centre_deconflict.c: store transaction, then c->dc's write lock.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_checkpoint.h"
#include "service/centre_int.h"
#include "service/centre_lists.h"
#include "service/centre_objects.h"

/* ---- who is told ---- */

static bool has_name(const json_t *list, const char *name) {
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        if (strcmp(json_string_value(x), name) == 0) return true;
    }
    return false;
}

static int add_name(json_t *list, const char *name) {
    if (!name || has_name(list, name)) return TR_OK;
    return json_array_append_new(list, json_string(name)) ? TR_ENOMEM : TR_OK;
}

typedef struct notified_ctx {
    const char *skip;
    json_t *out;
    tr_err *err;
} notified_ctx;

static int notified_party(const char *party, void *ctx) {
    notified_ctx *n = ctx;
    if (strcmp(party, n->skip) != 0 && add_name(n->out, party))
        return tr_fail(n->err, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

/* Every party already notified about (about_type, id), except skip. */
static int notified_parties(centre *c, const char *about_type, int64_t id, const char *skip, json_t *out,
                            tr_err *err) {
    notified_ctx n = {.skip = skip, .out = out, .err = err};
    return store_notices_about(c->store, about_type, id, notified_party, &n, err);
}

/* The earliest start of an operation's volumes. */
static int64_t operation_start(const tr_operation *o) {
    int64_t t = TR_TIME_MIN;
    for (size_t i = 0; i < o->nvolumes; i++)
        if (t == TR_TIME_MIN || o->volumes[i].t_start < t) t = o->volumes[i].t_start;
    return t;
}

/* start: the object's start (the deadline is relative to it, centre_notice_deadline). */
static int state_notices(centre *c, const json_t *parties, const char *about_type, int64_t id,
                         const json_t *payload, int64_t now, int64_t start, tr_err *err) {
    size_t i;
    json_t *x;
    json_array_foreach(parties, i, x) {
        int rc = centre__notice(c, json_string_value(x), "state", about_type, id, payload, now,
                                     centre_notice_deadline(c, now, start), NULL, err);
        if (rc) return rc;
    }
    return TR_OK;
}

/* ---- the change body ---- */

typedef struct change {
    char *value;  /* state or status */
    int to;       /* value as a tr_operation_state or tr_movement_status */
    char *reason;
    int64_t at;
    bool has_position;
    double lon, lat;
} change;

static void change_clear(change *ch) {
    free(ch->value);
    free(ch->reason);
    memset(ch, 0, sizeof *ch);
}

/* value as the state (status) a change may ask for: ch->to, or -1. */
typedef int (*change_value_fn)(const char *value);

static int op_state_value(const char *v) {
    tr_operation_state s;
    return tr_operation_state_parse(v, &s) == 0 && s != OP_PLANNED ? (int)s : -1;
}

static int mov_status_value(const char *v) {
    tr_movement_status s;
    return tr_movement_status_parse(v, &s) == 0 && s != MOV_PLANNED ? (int)s : -1;
}

/* A position report {"position": [lon, lat], "at"?} (at already read). */
static int position_parse(const json_t *body, change *ch, tr_err *err) {
    const json_t *p = json_object_get(body, "position");
    if (!p) return tr_fail(err, TR_EINVAL, "position", "is required");
    if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(json_array_get(p, 0)) ||
        !json_is_number(json_array_get(p, 1)))
        return tr_fail(err, TR_EINVAL, "position", "must be [lon, lat]");
    ch->lon = json_number_value(json_array_get(p, 0));
    ch->lat = json_number_value(json_array_get(p, 1));
    if (!(ch->lon >= -180 && ch->lon <= 180 && ch->lat >= -90 && ch->lat <= 90))
        return tr_fail(err, TR_EINVAL, "position", "lon must be in [-180, 180] and lat in [-90, 90]");
    ch->has_position = true;
    return TR_OK;
}

/* {"<key>": value (one that value_of accepts), "reason"?, "at"?} — or, with key NULL, a
 * position report {"position": [lon, lat], "at"?}. */
static int change_parse(const json_t *body, const char *key, change_value_fn value_of,
                        const char *allowed_text, change *ch, tr_err *err) {
    const char *const keys_value[] = {key ? key : "", "reason", "at", NULL};
    static const char *const keys_pos[] = {"position", "at", NULL};
    memset(ch, 0, sizeof *ch);
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    if (tr_json_only_keys(body, key ? keys_value : keys_pos, "", err)) return TR_EINVAL;
    int64_t now = tr_time_now();
    if (tr_json_time(body, "at", "", now, &ch->at, err)) return TR_EINVAL;
    if (ch->at > now + 300) return tr_fail(err, TR_EINVAL, "at", "is in the future");
    if (!key) return position_parse(body, ch, err);
    if (!json_object_get(body, key)) return tr_fail(err, TR_EINVAL, key, "is required");
    if (tr_json_str(body, key, "", 32, &ch->value, err) || tr_json_str(body, "reason", "", 2000, &ch->reason, err))
        return TR_EINVAL;
    if (!ch->value || (ch->to = value_of(ch->value)) < 0)
        return tr_fail(err, TR_EINVAL, key, "'%.40s' is not one of %s", ch->value ? ch->value : "", allowed_text);
    return TR_OK;
}

/* Stores and logs the event; its object goes into answer.event with the receipt. */
static int record(centre *c, const tr_party *by, store_dc_event *e, json_t *answer, tr_err *err) {
    int rc = store_dc_event_insert(c->store, e, err);
    if (rc) return rc;
    json_t *obj = centre_object_dc_event(e);
    if (!obj) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    char ref[CENTRE_REF_MAX];
    centre_ref_dc_event(e->id, ref);
    json_t *ev = json_deep_copy(obj);
    rc = ev ? centre__log(c, by->name, by->sig, centre_dc_event_type(e), ref, obj, ev, err)
            : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    if (rc == TR_OK) json_object_set(answer, "event", ev);
    json_decref(ev);
    return rc;
}

static int queue_removal(centre_pending *p, int64_t id) {
    int64_t *n = realloc(p->dc_remove, (p->ndc_remove + 1) * sizeof *n);
    if (!n) return TR_ENOMEM;
    p->dc_remove = n;
    p->dc_remove[p->ndc_remove++] = id;
    return TR_OK;
}

/* An arrived or aborted movement's legs, and their coarsened twins (§13), leave the engine. */
int centre__queue_movement_removal(centre_pending *p, const tr_movement *m) {
    size_t n = centre__movement_nlegs(m);
    for (size_t k = 0; k < n; k++)
        if (queue_removal(p, CENTRE_DC_ID(m->id, CENTRE_DC_MOVEMENT, k)) ||
            queue_removal(p, CENTRE_DC_COARSE_ID(m->id, true, k)))
            return TR_ENOMEM;
    return TR_OK;
}

/* Only the owner, or admin / monitor, changes an object's state. */
static int may_change(const tr_party *by, const char *owner, const char *what, int64_t id, tr_err *err) {
    if (strcmp(by->name, owner) == 0 || tr_party_is_privileged(by)) return TR_OK;
    return tr_fail(err, TR_EFORBIDDEN, "id", "%s %lld belongs to %s: only its owner changes it", what, (long long)id,
                   owner);
}

/* ---- operations ---- */

int centre__queue_operation_removal(centre_pending *p, const tr_operation *o) {
    for (size_t i = 0; i < o->nvolumes; i++)
        if (queue_removal(p, CENTRE_DC_ID(o->id, CENTRE_DC_OPERATION, i))) return TR_ENOMEM;
    return TR_OK;
}

/* Loads operation id into o, checks that by may take it from its current state to ch's
 * (the transition table, site.h), and sets o->state to it. */
static int op_check(centre *c, const tr_party *by, int64_t id, const change *ch, tr_operation *o,
                    tr_err *err) {
    int rc = store_operation_get(c->store, id, o, err);
    if (rc) return rc;
    char *cur = NULL;
    rc = may_change(by, o->owner, "operation", id, err);
    if (rc == TR_OK) rc = store_dc_current(c->store, "operation", id, "state", &cur, err);
    const char *from = cur ? cur : o->state;
    tr_operation_state f;
    if (rc == TR_OK && (tr_operation_state_parse(from, &f) || !tr_operation_state_may(f, ch->to)))
        rc = tr_fail(err, TR_ECONFLICT, "state", "operation %lld is %s: it cannot become %s", (long long)id,
                     from, ch->value);
    free(cur);
    if (rc == TR_OK) {
        free(o->state);
        if (!(o->state = strdup(ch->value))) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (rc) tr_operation_clear(o);
    return rc;
}

/* The party whose view decides what a re-check may show (restricted sites stay so): the
 * operation's owner; a revoked owner reads as an observer would. */
static int op_owner(centre *c, const tr_party *by, const tr_operation *o, tr_party *owner, tr_err *err) {
    *owner = *by;
    if (strcmp(by->name, o->owner) == 0) return TR_OK;
    int rc = store_party_get(c->store, o->owner, owner, err);
    if (rc != TR_ENOTFOUND) return rc;
    memset(owner, 0, sizeof *owner);
    snprintf(owner->name, sizeof owner->name, "%s", o->owner);
    owner->role = ROLE_OBSERVER;
    return TR_OK;
}

/* Going active: o's conflicts now, as its owner sees them (a probe of what it may not see,
 * §13), notified; answer gets "withheld" past the owner's probe budget. */
static int op_recheck(centre *c, const tr_party *owner, const tr_operation *o, json_t *conflicts,
                      json_t *answer, int64_t now, tr_err *err) {
    centre_probe pr;
    centre__probe_init(&pr, owner, TR_ENTRY(OPERATION_STATE));
    int rc = centre__operation_conflicts(c, owner, o, conflicts, &pr, err);
    if (rc == TR_OK) rc = centre__probe_decide(c, &pr, conflicts, err);
    if (rc == TR_OK) rc = centre__conflict_notices(c, o, conflicts, now, err);
    if (rc == TR_OK) rc = centre__probe_record(c, &pr, o, o->id, false, err);
    json_t *withheld = rc == TR_OK ? centre__probe_withheld(c, &pr) : NULL;
    if (withheld) json_object_set_new(answer, "withheld", withheld);
    centre__probe_clear(&pr);
    return rc;
}

/* The "state" notice to every party told about o before (answer: o as it is now). */
static int op_notify(centre *c, const tr_operation *o, const change *ch, const json_t *answer,
                     const json_t *told, int64_t now, tr_err *err) {
    json_t *op = json_deep_copy(answer);
    json_object_del(op, "event");
    json_t *payload = json_pack("{s:o, s:s, s:s?, s:o}", "operation", op, "state", ch->value, "reason",
                                ch->reason, "at", tr_json_time_value(ch->at));
    int rc = payload ? state_notices(c, told, "operation", o->id, payload, now, operation_start(o), err)
                     : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(payload);
    return rc;
}

static int op_state_tx(centre *c, const tr_party *by, int64_t id, change *ch, centre_pending *p, json_t **out,
                       tr_err *err) {
    tr_operation o;
    int rc = op_check(c, by, id, ch, &o, err);
    if (rc) return rc;
    json_t *answer = tr_operation_to_json(&o), *conflicts = json_array(), *told = json_array();
    int64_t now = tr_time_now();
    if (!answer) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    tr_party owner;
    if (rc == TR_OK) rc = op_owner(c, by, &o, &owner, err);
    if (rc == TR_OK && ch->to == OP_ACTIVE) rc = op_recheck(c, &owner, &o, conflicts, answer, now, err);
    if (rc == TR_OK) rc = notified_parties(c, "operation", id, o.owner, told, err);
    if (rc == TR_OK) {
        store_dc_event e = {.about_type = "operation", .about_id = id, .kind = "state", .value = ch->value,
                            .at = ch->at, .by = by->name, .reason = ch->reason, .created_at = now};
        rc = record(c, by, &e, answer, err);
    }
    if (rc == TR_OK) rc = op_notify(c, &o, ch, answer, told, now, err);
    if (rc == TR_OK && tr_operation_state_final(ch->to) && centre__queue_operation_removal(p, &o))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        json_object_set(answer, "conflicts", conflicts);
        json_object_set(answer, "notified", told);
        *out = answer;
        answer = NULL;
    }
    json_decref(answer);
    json_decref(conflicts);
    json_decref(told);
    if (rc == TR_OK && ch->to == OP_ACTIVE && centre__pending_op_active(p, &o)) /* traffic alerts */
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    tr_operation_clear(&o);
    return rc;
}

int centre_operation_state(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                           tr_err *err) {
    change ch = {0};
    json_t *rest = NULL;
    int rc = centre__target(body, "operation", id, by, &rest, err);
    if (rc == TR_OK) rc = change_parse(rest, "state", op_state_value, "active, ended, cancelled", &ch, err);
    json_decref(rest);
    if (rc == TR_OK) {
        centre_pending p = {.dc_held = true};
        json_t *answer = NULL;
        if ((rc = store_begin(c->store, err)) == TR_OK) {
            dc_engine_write_begin(c->dc);
            rc = centre__finish(c, &p, op_state_tx(c, by, id, &ch, &p, &answer, err), &answer, err);
            dc_engine_write_end(c->dc);
        }
        if (rc == TR_OK) *out = answer;
    }
    change_clear(&ch);
    return rc;
}

static int collect_history(const store_dc_event *e, void *ctx) {
    json_t *o = centre_object_dc_event(e);
    return o && json_array_append_new(ctx, o) == 0 ? TR_OK : TR_ENOMEM;
}

int centre_operation_view(centre *c, json_t *op, bool history, tr_err *err) {
    int64_t id = json_integer_value(json_object_get(op, "id"));
    char *state = NULL;
    int rc = store_dc_current(c->store, "operation", id, "state", &state, err);
    if (rc == TR_OK && state) json_object_set_new(op, "state", json_string(state));
    free(state);
    if (rc == TR_OK && history) {
        json_t *h = json_array();
        rc = store_dc_event_of(c->store, "operation", id, collect_history, h, err);
        json_object_set_new(op, "history", h);
    }
    return rc;
}

/* ---- movements ---- */

/* The movement as its reader sees it now: status, latest position, history, clearance. */
typedef struct mov_view {
    json_t *history;
    json_t *position;
    const char *status;
} mov_view;

static int collect_event(const store_dc_event *e, void *ctx) {
    mov_view *v = ctx;
    json_t *o = centre_object_dc_event(e);
    if (!o) return TR_ENOMEM;
    json_array_append_new(v->history, o);
    if (e->has_position) {
        json_decref(v->position);
        v->position = json_pack("{s:[f, f], s:o}", "position", e->lon, e->lat, "at", tr_json_time_value(e->at));
    }
    return TR_OK;
}

/* Adds to a movement feature (GET /v1/movements/{id}) its current status, its history,
 * its latest position and its clearance. */
int centre_movement_view(centre *c, const tr_movement *m, json_t *feature, tr_err *err) {
    json_t *props = json_object_get(feature, "properties");
    mov_view v = {.history = json_array()};
    int rc = store_dc_event_of(c->store, "movement", m->id, collect_event, &v, err);
    char *status = NULL;
    if (rc == TR_OK) rc = store_dc_current(c->store, "movement", m->id, "status", &status, err);
    json_t *clear = json_array();
    if (rc == TR_OK) rc = centre_clearance_json(c->store, m->id, clear, err);
    if (rc == TR_OK) {
        json_t *required = json_array(), *missing = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(clear, i, x) {
            json_array_append(required, json_object_get(x, "party"));
            if (json_is_null(json_object_get(x, "acked_at"))) json_array_append(missing, json_object_get(x, "party"));
        }
        if (status) json_object_set_new(props, "status", json_string(status));
        json_object_set_new(props, "cleared", json_boolean(json_array_size(missing) == 0));
        json_object_set_new(props, "clearance",
                            json_pack("{s:o, s:o, s:O}", "required", required, "missing", missing, "acknowledgements", clear));
        json_object_set_new(props, "position", v.position ? v.position : json_null());
        v.position = NULL;
        json_object_set(props, "history", v.history);
        rc = centre_dc_privacy_view(c, "movement", m->id, &m->vis, feature, err);
    }
    json_decref(clear);
    json_decref(v.history);
    json_decref(v.position);
    free(status);
    return rc;
}

/* Whether ch may change a movement whose current status is from: TR_ECONFLICT naming
 * why not (a final status takes nothing, positions come while en_route). */
static int mov_may(int64_t id, const char *from, const change *ch, tr_err *err) {
    tr_movement_status f;
    bool known = tr_movement_status_parse(from, &f) == 0;
    if (known && tr_movement_status_final(f))
        return tr_fail(err, TR_ECONFLICT, ch->value ? "status" : "position",
                       "movement %lld has %s: it takes no more changes", (long long)id, from);
    if (ch->value && strcmp(from, ch->value) == 0)
        return tr_fail(err, TR_ECONFLICT, "status", "movement %lld is already %s", (long long)id, from);
    if (!ch->value && !(known && f == MOV_EN_ROUTE))
        return tr_fail(err, TR_ECONFLICT, "position",
                       "movement %lld is %s: positions are reported while en_route", (long long)id, from);
    return TR_OK;
}

/* Loads movement id into m and checks that by may make the change ch from its current
 * status (*from, malloc'd for the caller). A movement by may not read is missing. */
static int mov_check(centre *c, const tr_party *by, int64_t id, const change *ch, tr_movement *m, char **from,
                     tr_err *err) {
    int rc = store_movement_get(c->store, id, m, err);
    if (rc) return rc;
    char *cur = NULL;
    bool visible;
    rc = centre_movement_visible(c, m, by, &visible, err);
    if (rc == TR_OK && !visible)
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no movement %lld", (long long)id);
    if (rc == TR_OK) rc = may_change(by, m->owner, "movement", id, err);
    if (rc == TR_OK) rc = store_dc_current(c->store, "movement", id, "status", &cur, err);
    if (rc == TR_OK) rc = mov_may(id, cur ? cur : m->status, ch, err);
    if (rc == TR_OK && !(*from = strdup(cur ? cur : m->status)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    free(cur);
    if (rc) tr_movement_clear(m);
    return rc;
}

/* answer.on_route: whether the reported position lies within the route's width. */
static int mov_on_route(centre *c, const tr_movement *m, const change *ch, json_t *answer, tr_err *err) {
    geo_shape *shape = NULL;
    int rc = centre__movement_shape(c, m, &shape, err);
    if (rc == TR_OK)
        json_object_set_new(answer, "on_route", json_boolean(geo_shape_covers(shape, ch->lon, ch->lat)));
    geo_shape_free(shape);
    return rc;
}

/* A change of status is told (a "state" notice) to the listed parties and to every party
 * told about the movement before (answer.notified); arrived or aborted take it out of the
 * engine after the commit. Positions are not notified. */
static int mov_notify(centre *c, const tr_movement *m, const change *ch, centre_pending *p, json_t *answer,
                      int64_t now, tr_err *err) {
    json_t *told = json_array();
    for (size_t i = 0; i < m->vis.nparties; i++)
        if (strcmp(m->vis.parties[i], m->owner) != 0) add_name(told, m->vis.parties[i]);
    int rc = notified_parties(c, "movement", m->id, m->owner, told, err);
    json_t *payload = json_pack("{s:{s:s, s:I, s:s?}, s:s, s:s?, s:o}", "movement", "type", "movement", "id",
                                (json_int_t)m->id, "name", m->name, "status", ch->value, "reason", ch->reason,
                                "at", tr_json_time_value(ch->at));
    if (rc == TR_OK)
        rc = payload ? state_notices(c, told, "movement", m->id, payload, now, m->time_start, err)
                     : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(payload);
    json_object_set_new(answer, "notified", told);
    if (rc == TR_OK && tr_movement_status_final(ch->to) && centre__queue_movement_removal(p, m))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    return rc;
}

static int mov_change_tx(centre *c, const tr_party *by, int64_t id, change *ch, centre_pending *p, json_t **out,
                         tr_err *err) {
    tr_movement m;
    char *from = NULL;
    int rc = mov_check(c, by, id, ch, &m, &from, err);
    if (rc) return rc;
    int64_t now = tr_time_now();
    json_t *answer = json_object();
    if (ch->has_position) rc = mov_on_route(c, &m, ch, answer, err);
    store_dc_event e = {.about_type = "movement", .about_id = id, .kind = ch->value ? "status" : "position",
                        .value = ch->value, .has_position = ch->has_position, .lon = ch->lon, .lat = ch->lat,
                        .at = ch->at, .by = by->name, .reason = ch->reason, .created_at = now};
    if (rc == TR_OK) rc = record(c, by, &e, answer, err);
    if (rc == TR_OK && ch->value) rc = mov_notify(c, &m, ch, p, answer, now, err);
    if (rc == TR_OK) {
        json_object_set_new(answer, "id", json_integer(id));
        json_object_set_new(answer, "status", json_string(ch->value ? ch->value : from));
        *out = answer;
    } else {
        json_decref(answer);
    }
    free(from);
    tr_movement_clear(&m);
    return rc;
}

static int mov_change(centre *c, const tr_party *by, int64_t id, change *ch, json_t **out, tr_err *err) {
    centre_pending p = {.dc_held = true};
    json_t *answer = NULL;
    int rc = store_begin(c->store, err);
    if (rc == TR_OK) {
        dc_engine_write_begin(c->dc);
        rc = centre__finish(c, &p, mov_change_tx(c, by, id, ch, &p, &answer, err), &answer, err);
        dc_engine_write_end(c->dc);
    }
    if (rc == TR_OK) *out = answer;
    return rc;
}

int centre_movement_status(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                           tr_err *err) {
    change ch = {0};
    json_t *rest = NULL;
    int rc = centre__target(body, "movement", id, by, &rest, err);
    if (rc == TR_OK)
        rc = change_parse(rest, "status", mov_status_value, "notified, en_route, arrived, aborted, incident",
                          &ch, err);
    json_decref(rest);
    if (rc == TR_OK) rc = mov_change(c, by, id, &ch, out, err);
    change_clear(&ch);
    return rc;
}

int centre_movement_position(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                             tr_err *err) {
    change ch = {0};
    json_t *rest = NULL;
    int rc = centre__target(body, "movement", id, by, &rest, err);
    if (rc == TR_OK) rc = change_parse(rest, NULL, NULL, NULL, &ch, err);
    json_decref(rest);
    if (rc == TR_OK) rc = mov_change(c, by, id, &ch, out, err);
    change_clear(&ch);
    return rc;
}

/* ---- notifying a new movement, and its clearance ---- */

int centre__movement_shape(centre *c, const tr_movement *m, geo_shape **out, tr_err *err) {
    json_t *g = json_loads(m->geometry, 0, NULL);
    geo_limits wide = c->limits;
    if (wide.max_width_m < m->width_m) wide.max_width_m = m->width_m;
    *out = NULL;
    int rc = g ? geo_shape_from_geojson(g, m->width_m, &wide, out, err)
               : tr_fail(err, TR_EIO, "", "unreadable route");
    json_decref(g);
    return rc;
}

typedef struct crossing {
    centre *c;
    const tr_movement *m;
    dc_volume route;
    json_t *parties;
} crossing;

static int crossed_feature(crossing *x, const json_t *f, tr_err *err) {
    const json_t *props = json_object_get(f, "properties");
    dc_footprint_buf buf;
    memset(&buf, 0, sizeof buf);
    int rc = dc_footprint_from_geojson(json_object_get(f, "geometry"), &buf, err);
    if (rc) return rc;
    dc_volume a = {.kind = 0, .t_start = x->route.t_start, .t_end = x->route.t_end, .alt_lo = -INFINITY,
                   .alt_hi = INFINITY, .foot = buf.foot};
    dc_sep none = {0, 0};
    bool meets = false;
    rc = dc_pair_conflict(&x->route, &a, &none, &meets, err);
    dc_footprint_buf_free(&buf);
    if (rc || !meets) return rc;
    const char *party = json_string_value(json_object_get(props, "party"));
    tr_party p; /* a party of the centre, not revoked, not the owner */
    if (!party || strcmp(party, x->m->owner) == 0) return TR_OK;
    if ((rc = store_party_get(x->c->store, party, &p, err))) return rc == TR_ENOTFOUND ? TR_OK : rc;
    return add_name(x->parties, party) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

/* The parties controlling areas the route crosses during the movement. */
static int crossed(centre *c, const tr_movement *m, json_t *parties, tr_err *err) {
    crossing x = {.c = c, .m = m, .parties = parties};
    json_t *fp = NULL;
    geo_shape *shape = NULL;
    int rc = centre__movement_shape(c, m, &shape, err);
    dc_footprint_buf buf;
    memset(&buf, 0, sizeof buf);
    if (rc == TR_OK && !(fp = geo_shape_footprint_geojson(shape))) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = dc_footprint_from_geojson(fp, &buf, err);
    json_decref(fp);
    if (rc == TR_OK) {
        x.route = (dc_volume){.t_start = m->time_start, .t_end = m->time_end, .alt_lo = -INFINITY, .alt_hi = INFINITY,
                              .foot = buf.foot};
        size_t nt = m->nsched + 2;
        for (size_t k = 0; rc == TR_OK && k < nt; k++) {
            int64_t t = k == 0 ? m->time_start : k == nt - 1 ? m->time_end - 1 : m->sched[k - 1].at;
            store_area_filter f = {.kind = AREA_CONTROL, .has_at = true, .at = t, .has_bbox = true,
                                   .bbox = geo_shape_box(shape), .viewer = NULL, .after = 0, .limit = 1000};
            int64_t next;
            do {
                json_t *features = json_array();
                rc = centre_area_list_json(c->store, &f, features, &next, err);
                size_t i;
                json_t *feat;
                json_array_foreach(features, i, feat) {
                    if (rc == TR_OK) rc = crossed_feature(&x, feat, err);
                }
                json_decref(features);
                f.after = next;
            } while (rc == TR_OK && next);
        }
    }
    dc_footprint_buf_free(&buf);
    geo_shape_free(shape);
    return rc;
}

int centre__movement_notify_tx(centre *c, const tr_movement *m, const json_t *obj, tr_err *err) {
    json_t *parties = json_array(), *told = json_array();
    int rc = crossed(c, m, parties, err);
    if (rc == TR_OK) rc = centre__movement_checkpoints_tx(c, m, parties, err); /* centre_checkpoint.c */
    for (size_t i = 0; rc == TR_OK && i < m->vis.nparties; i++)
        if (strcmp(m->vis.parties[i], m->owner) != 0 && add_name(told, m->vis.parties[i]))
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t i;
    json_t *x;
    json_array_foreach(parties, i, x) {
        if (rc == TR_OK && add_name(told, json_string_value(x))) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    json_array_foreach(told, i, x) {
        const char *party = json_string_value(x);
        int64_t deadline = centre_notice_deadline(c, m->created_at, m->time_start);
        if (rc == TR_OK && has_name(parties, party))
            rc = centre__notice_clearance(c, party, m->id, obj, m->created_at, deadline, err);
        else if (rc == TR_OK)
            rc = centre__notice(c, party, "movement", "movement", m->id, obj, m->created_at, deadline, NULL, err);
    }
    json_decref(parties);
    json_decref(told);
    return rc;
}
