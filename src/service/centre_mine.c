/*
 * centre_mine.c — hazards, tasks, progress and accidents (issue 6): the write path of
 * centre_write.c. Each write parses outside any lock, then in one store transaction
 * checks references and the land-release rule, writes, logs one entry and commits.
 */
#include "service/centre_mine.h"
#include "service/centre_lists.h"

#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_objects.h"

static bool is_privileged_or(const tr_party *by, tr_role role) {
    return tr_party_is_privileged(by) || by->role == role;
}

/* Logs obj under ref and hands the answer (with its receipt) to *out. Consumes obj and answer. */
static int log_answer(centre *c, const tr_party *by, const char *type, const char *ref, json_t *obj, json_t *answer,
                      json_t **out, tr_err *err) {
    int rc = obj && answer ? centre__log(c, by->name, by->sig, type, ref, obj, answer, err)
                           : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    if (rc == TR_OK && out) *out = answer;
    else json_decref(answer);
    return rc;
}

/* Runs tx in a transaction that holds nothing else (no engine takes mine action). */
#define IN_TX(c, call)                                                     \
    do {                                                                   \
        centre_pending p_ = {0};                                           \
        rc = store_begin((c)->store, err);                                 \
        if (rc == TR_OK) rc = centre__finish((c), &p_, (call), out, err);  \
    } while (0)

/* ---- hazards ---- */

json_t *centre_hazard_json(const tr_hazard *h, const store_hazard_state *now) {
    json_t *f = tr_hazard_to_feature(h);
    json_t *p = json_object_get(f, "properties");
    int64_t released = now->cleared_m2 + now->reduced_m2 + now->cancelled_m2;
    int64_t remaining = h->area_m2 - released;
    json_object_set_new(p, "status", json_string(now->status));
    json_object_set_new(p, "released", json_pack("{s:I, s:I, s:I, s:I}", "cleared_m2", (json_int_t)now->cleared_m2,
                                                 "reduced_m2", (json_int_t)now->reduced_m2, "cancelled_m2",
                                                 (json_int_t)now->cancelled_m2, "total_m2", (json_int_t)released));
    json_object_set_new(p, "released_m2", json_integer(released));
    json_object_set_new(p, "remaining_m2", json_integer(remaining > 0 ? remaining : 0));
    return f;
}

static int hazard_create_tx(centre *c, const tr_party *by, tr_hazard *h, json_t **out, tr_err *err) {
    h->owner = strdup(by->name);
    h->recorded_at = tr_time_now();
    if (!h->owner) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = store_hazard_insert(c->store, h, err);
    if (rc) return rc;
    json_t *conflicts = json_array();
    rc = centre__hazard_conflicts(c, by, h, conflicts, err);
    if (rc) {
        json_decref(conflicts);
        return rc;
    }
    store_hazard_state now = {.cleared_m2 = 0};
    snprintf(now.status, sizeof now.status, "%s", h->status);
    json_t *answer = centre_hazard_json(h, &now);
    json_object_set_new(answer, "conflicts", conflicts);
    char ref[CENTRE_REF_MAX];
    centre_ref_mine("hazard", h->id, ref);
    return log_answer(c, by, TR_ENTRY(HAZARD_CREATE), ref, centre_object_hazard(h), answer, out, err);
}

int centre_hazard_create(centre *c, const tr_party *by, const json_t *feature, json_t **out, tr_err *err) {
    if (by->role == ROLE_OBSERVER) return tr_fail(err, TR_EFORBIDDEN, "", "observers do not record hazards");
    tr_hazard h;
    int rc = tr_hazard_parse(feature, &c->limits, &h, err);
    if (rc) return rc;
    IN_TX(c, hazard_create_tx(c, by, &h, out, err));
    tr_hazard_clear(&h);
    return rc;
}

static int hazard_status_tx(centre *c, const tr_party *by, int64_t id, const char *status, const char *reason,
                            json_t **out, tr_err *err) {
    tr_hazard h;
    store_hazard_state now;
    int rc = store_hazard_get(c->store, id, &h, &now, err);
    if (rc) return rc;
    if (strcmp(h.owner, by->name) != 0 && !is_privileged_or(by, ROLE_MINE_ACTION))
        rc = tr_fail(err, TR_EFORBIDDEN, "id", "hazard %lld was recorded by %s: only it, mine action parties, admin "
                     "and monitor change its status", (long long)id, h.owner);
    else if (strcmp(now.status, status) == 0)
        rc = tr_fail(err, TR_ECONFLICT, "status", "hazard %lld is already %s", (long long)id, status);
    store_hazard_status x = {0, id, status, reason, by->name, tr_time_now()};
    if (rc == TR_OK) rc = store_hazard_status_insert(c->store, &x, err);
    if (rc == TR_OK) {
        snprintf(now.status, sizeof now.status, "%s", status);
        char ref[CENTRE_REF_MAX];
        centre_ref_mine("hazard-status", x.seq, ref);
        json_t *answer = centre_hazard_json(&h, &now);
        json_object_set_new(answer, "change", centre_object_hazard_status(&x));
        rc = log_answer(c, by, TR_ENTRY(HAZARD_STATUS), ref, centre_object_hazard_status(&x), answer, out,
                        err);
    }
    tr_hazard_clear(&h);
    return rc;
}

int centre_hazard_status(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out, tr_err *err) {
    static const char *const keys[] = {"status", "reason", NULL};
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    if (tr_json_only_keys(body, keys, "", err)) return TR_EINVAL;
    char *status = NULL, *reason = NULL;
    int rc = tr_json_str(body, "status", "", 32, &status, err);
    if (rc == TR_OK && !status) rc = tr_fail(err, TR_EINVAL, "status", "is required");
    if (rc == TR_OK) rc = tr_hazard_status_check(status, "status", err);
    if (rc == TR_OK) rc = tr_json_str(body, "reason", "", 2000, &reason, err);
    if (rc == TR_OK) IN_TX(c, hazard_status_tx(c, by, id, status, reason, out, err));
    free(status);
    free(reason);
    return rc;
}

/* ---- tasks ---- */

typedef struct task_view {
    json_t *list;
    int64_t c, r, x;
} task_view;

static int add_progress(tr_progress *p, void *ctx) {
    task_view *v = ctx;
    v->c += p->cleared_m2;
    v->r += p->reduced_m2;
    v->x += p->cancelled_m2;
    json_array_append_new(v->list, tr_progress_to_json(p));
    return TR_OK;
}

int centre_task_json(centre *c, const tr_task *t, json_t **out, tr_err *err) {
    task_view v = {.list = json_array()};
    int rc = store_progress_each(c->store, t->id, add_progress, &v, err);
    if (rc) {
        json_decref(v.list);
        return rc;
    }
    json_t *o = tr_task_to_json(t);
    if (t->close_date) {
        json_object_set_new(o, "status", json_string("closed"));
        json_object_set_new(o, "closed", centre_object_task_close(t->id, t->close_date, t->close_outcome,
                                                                  t->closed_by));
    }
    json_object_set_new(o, "progress", v.list);
    json_object_set_new(o, "released", json_pack("{s:I, s:I, s:I, s:I}", "cleared_m2", (json_int_t)v.c, "reduced_m2",
                                                 (json_int_t)v.r, "cancelled_m2", (json_int_t)v.x, "total_m2",
                                                 (json_int_t)(v.c + v.r + v.x)));
    *out = o;
    return TR_OK;
}

static int task_create_tx(centre *c, const tr_party *by, tr_task *t, json_t **out, tr_err *err) {
    char f[48];
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < t->ncontributors; i++) {
        snprintf(f, sizeof f, "contributors[%zu]", i);
        rc = centre__check_party(c, t->contributors[i], f, err);
    }
    tr_hazard h;
    store_hazard_state now;
    if (rc == TR_OK && store_hazard_get(c->store, t->hazard_id, &h, &now, err))
        return tr_fail(err, TR_EINVAL, "hazard_id", "there is no hazard %lld", (long long)t->hazard_id);
    if (rc) return rc;
    if (strcmp(now.status, "open") != 0)
        rc = tr_fail(err, TR_ECONFLICT, "hazard_id", "hazard %lld is %s: no new task on it", (long long)h.id,
                     now.status);
    tr_hazard_clear(&h);
    if (rc) return rc;
    t->owner = strdup(by->name);
    t->created_at = tr_time_now();
    if (!t->owner) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if ((rc = store_task_insert(c->store, t, err))) return rc;
    char ref[CENTRE_REF_MAX];
    centre_ref_mine("task", t->id, ref);
    json_t *answer = NULL;
    if ((rc = centre_task_json(c, t, &answer, err))) return rc;
    return log_answer(c, by, TR_ENTRY(TASK_CREATE), ref, centre_object_task(t), answer, out, err);
}

int centre_task_create(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err) {
    if (!is_privileged_or(by, ROLE_MINE_ACTION))
        return tr_fail(err, TR_EFORBIDDEN, "", "only mine action parties, admin and monitor record tasks");
    tr_task t;
    int rc = tr_task_parse(body, &t, err);
    if (rc) return rc;
    IN_TX(c, task_create_tx(c, by, &t, out, err));
    tr_task_clear(&t);
    return rc;
}

/* The task, if by may report on it: owner, contributor, admin or monitor. */
static int task_for(centre *c, const tr_party *by, int64_t id, tr_task *t, tr_err *err) {
    int rc = store_task_get(c->store, id, t, err);
    if (rc) return rc;
    bool may = tr_party_is_privileged(by) || strcmp(t->owner, by->name) == 0;
    for (size_t i = 0; !may && i < t->ncontributors; i++) may = strcmp(t->contributors[i], by->name) == 0;
    if (may) return TR_OK;
    rc = tr_fail(err, TR_EFORBIDDEN, "id", "task %lld is %s's: only it, its contributors, admin and monitor report on "
                 "it", (long long)id, t->owner);
    tr_task_clear(t);
    return rc;
}

static int progress_tx(centre *c, const tr_party *by, int64_t id, tr_progress *p, json_t **out, tr_err *err) {
    tr_task t;
    int rc = task_for(c, by, id, &t, err);
    if (rc) return rc;
    tr_hazard h = {0};
    store_hazard_state now;
    if (t.close_date)
        rc = tr_fail(err, TR_ECONFLICT, "id", "task %lld was closed (%s): no more progress on it", (long long)id,
                     t.close_outcome);
    else if (p->date < t.start)
        rc = tr_fail(err, TR_EINVAL, "date", "is before the task's start");
    else if ((rc = store_hazard_get(c->store, t.hazard_id, &h, &now, err)) == TR_OK) {
        if (strcmp(now.status, "open") != 0)
            rc = tr_fail(err, TR_ECONFLICT, "id", "the task's hazard %lld is %s", (long long)h.id, now.status);
        else
            rc = tr_progress_fits(p, h.area_m2, now.cleared_m2 + now.reduced_m2 + now.cancelled_m2, err);
    }
    p->task_id = id;
    p->hazard_id = t.hazard_id;
    p->party = strdup(by->name);
    p->created_at = tr_time_now();
    if (rc == TR_OK && !p->party) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = store_progress_insert(c->store, p, err);
    if (rc == TR_OK) {
        now.cleared_m2 += p->cleared_m2;
        now.reduced_m2 += p->reduced_m2;
        now.cancelled_m2 += p->cancelled_m2;
        json_t *answer = tr_progress_to_json(p);
        json_t *hz = centre_hazard_json(&h, &now);
        json_object_set(answer, "hazard", json_object_get(hz, "properties"));
        json_decref(hz);
        json_object_del(json_object_get(answer, "hazard"), "contamination");
        char ref[CENTRE_REF_MAX];
        centre_ref_mine("progress", p->id, ref);
        rc = log_answer(c, by, TR_ENTRY(PROGRESS_CREATE), ref, centre_object_progress(p), answer, out, err);
    }
    tr_hazard_clear(&h);
    tr_task_clear(&t);
    return rc;
}

int centre_task_progress(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out, tr_err *err) {
    tr_progress p;
    int rc = tr_progress_parse(body, &p, err);
    if (rc) return rc;
    IN_TX(c, progress_tx(c, by, id, &p, out, err));
    tr_progress_clear(&p);
    return rc;
}

static int close_tx(centre *c, const tr_party *by, int64_t id, int64_t date, const char *outcome, json_t **out,
                    tr_err *err) {
    tr_task t;
    int rc = task_for(c, by, id, &t, err);
    if (rc) return rc;
    if (t.close_date)
        rc = tr_fail(err, TR_ECONFLICT, "id", "task %lld is already closed", (long long)id);
    else if (date < t.start)
        rc = tr_fail(err, TR_EINVAL, "date", "is before the task's start");
    if (rc == TR_OK) rc = store_task_close(c->store, id, date, outcome, by->name, err);
    tr_task_clear(&t);
    if (rc == TR_OK) rc = store_task_get(c->store, id, &t, err);
    if (rc) return rc;
    json_t *answer = NULL;
    char ref[CENTRE_REF_MAX];
    centre_ref_mine("task", id, ref);
    if ((rc = centre_task_json(c, &t, &answer, err)) == TR_OK)
        rc = log_answer(c, by, TR_ENTRY(TASK_CLOSE), ref,
                        centre_object_task_close(id, date, outcome, by->name), answer, out, err);
    tr_task_clear(&t);
    return rc;
}

int centre_task_close(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out, tr_err *err) {
    int64_t date = 0;
    const char *outcome = NULL;
    int rc = tr_task_close_parse(body, &date, &outcome, err);
    if (rc) return rc;
    IN_TX(c, close_tx(c, by, id, date, outcome, out, err));
    return rc;
}

/* ---- accidents ---- */

static int accident_tx(centre *c, const tr_party *by, tr_accident *a, json_t **out, tr_err *err) {
    int rc = TR_OK;
    if (a->task_id) {
        tr_task t;
        if ((rc = store_task_get(c->store, a->task_id, &t, err)) != TR_OK && rc != TR_ENOTFOUND) return rc;
        if (rc)
            return tr_fail(err, TR_EINVAL, "task_id", "there is no task %lld", (long long)a->task_id);
        if (a->hazard_id && a->hazard_id != t.hazard_id)
            rc = tr_fail(err, TR_EINVAL, "hazard_id", "task %lld is on hazard %lld, not %lld", (long long)t.id,
                         (long long)t.hazard_id, (long long)a->hazard_id);
        a->hazard_id = t.hazard_id;
        tr_task_clear(&t);
        if (rc) return rc;
    } else {
        tr_hazard h;
        if ((rc = store_hazard_get(c->store, a->hazard_id, &h, NULL, err)) != TR_OK && rc != TR_ENOTFOUND)
            return rc;
        if (rc)
            return tr_fail(err, TR_EINVAL, "hazard_id", "there is no hazard %lld", (long long)a->hazard_id);
        tr_hazard_clear(&h);
    }
    a->party = strdup(by->name);
    a->created_at = tr_time_now();
    if (!a->party) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if ((rc = store_accident_insert(c->store, a, err))) return rc;
    char ref[CENTRE_REF_MAX];
    centre_ref_mine("accident", a->id, ref);
    return log_answer(c, by, TR_ENTRY(ACCIDENT_CREATE), ref, centre_object_accident(a),
                      tr_accident_to_json(a), out, err);
}

int centre_accident_create(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err) {
    if (by->role == ROLE_OBSERVER) return tr_fail(err, TR_EFORBIDDEN, "", "observers do not record accidents");
    tr_accident a;
    int rc = tr_accident_parse(body, &a, err);
    if (rc) return rc;
    IN_TX(c, accident_tx(c, by, &a, out, err));
    tr_accident_clear(&a);
    return rc;
}

/* ---- the daily bulletin's mine action section ---- */

static int64_t sum_of(const json_t *rows, const char *key) {
    int64_t n = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) n += json_integer_value(json_object_get(r, key));
    return n;
}

int centre__mine_bulletin(centre *c, mon_bulletin *b, tr_err *err) {
    json_t *s = json_object();
    int rc = centre_mine_summary_json(c->store, b->start, b->end, s, err);
    const json_t *hz = json_object_get(s, "by_hazard"), *acc = json_object_get(s, "accidents");
    const json_t *dem = json_object_get(acc, "demining"), *civ = json_object_get(acc, "civilian");
    int64_t nacc = json_integer_value(json_object_get(dem, "accidents")) +
                   json_integer_value(json_object_get(civ, "accidents"));
    if (rc == TR_OK && (json_array_size(hz) > 0 || nacc > 0)) { /* only on days with mine action */
        static const char *const keys[] = {"land released (m2)", "cleared (m2)", "reduced (m2)", "cancelled (m2)",
                                           "hazards worked", "items found", "items destroyed", "demining accidents",
                                           "civilian accidents", "killed", "injured"};
        int64_t v[] = {sum_of(hz, "released_m2"), sum_of(hz, "cleared_m2"), sum_of(hz, "reduced_m2"),
                       sum_of(hz, "cancelled_m2"), (int64_t)json_array_size(hz),
                       sum_of(json_object_get(s, "items"), "found"), sum_of(json_object_get(s, "items"), "destroyed"),
                       json_integer_value(json_object_get(dem, "accidents")),
                       json_integer_value(json_object_get(civ, "accidents")),
                       json_integer_value(json_object_get(dem, "killed")) + json_integer_value(json_object_get(civ, "killed")),
                       json_integer_value(json_object_get(dem, "injured")) +
                           json_integer_value(json_object_get(civ, "injured"))};
        if (mon_bulletin_add_section(b, "mine_action", "Mine action", keys, v, sizeof v / sizeof *v))
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    json_decref(s);
    return rc;
}
