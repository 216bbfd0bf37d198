/*
 * centre_dc_operations.c — declared operations (issue 4): creation with its conflicts, the
 * notices of those conflicts, refusals (reject_on_conflict, the probe budget: the probe is
 * stored while the operation is not, §13), and acknowledgements of notices. The conflicts
 * themselves come from centre_deconflict.c; the probes from centre_dc_probe.c. Lock order
 * as there: the store transaction, then c->dc's write lock.
 */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_objects.h"

/* ---- operations ---- */

/* Every other party involved in a conflict (a site's or an operation's owner) gets a
 * notice with the new operation and the conflict as seen from its side: its own object
 * by id, never anything of a third party's restricted site. */
int centre__conflict_notices(centre *c, const tr_operation *o, const json_t *conflicts, int64_t now,
                             tr_err *err) {
    size_t i;
    json_t *x;
    json_t *op = NULL;
    int rc = TR_OK;
    json_array_foreach(conflicts, i, x) {
        const char *type = json_string_value(json_object_get(x, "type"));
        const char *owner = json_string_value(json_object_get(x, "owner"));
        if (strcmp(type, "area") == 0 || !owner || strcmp(owner, o->owner) == 0) continue;
        if (json_is_true(json_object_get(x, "restricted"))) continue; /* centre__probe_record tells them */
        if (!op && !(op = tr_operation_to_json(o))) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        json_t *yours =
            json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "type", json_object_get(x, "type"), "id",
                      json_object_get(x, "id"), "distance_band", json_object_get(x, "distance_band"),
                      "time_start", json_object_get(x, "time_start"), "time_end",
                      json_object_get(x, "time_end"), "operation_volume", json_object_get(x, "volume"));
        if (yours && json_object_get(x, "other_volume"))
            json_object_set(yours, "volume", json_object_get(x, "other_volume"));
        json_t *payload = json_pack("{s:O, s:o}", "operation", op, "conflict_with", yours);
        rc = payload ? centre__notice(c, owner, "conflict", "operation", o->id, payload, now,
                                      centre__conflict_deadline(c, now, x), NULL, err)
                     : tr_fail(err, TR_ENOMEM, "", "out of memory");
        json_decref(payload);
        if (rc) break;
    }
    json_decref(op);
    return rc;
}

/* A refused submission: nothing of the operation is stored, but its probe is. */
typedef struct refusal {
    tr_err err;      /* the problem (code TR_OK: not refused) */
    json_t *problem; /* its extra members {"conflicts", "withheld"?} */
} refusal;

/* With reject_on_conflict: refused past the probe budget, or with any conflict. */
static int refuse(centre *c, centre_probe *pr, const tr_operation *o, json_t *conflicts, refusal *ref,
                  tr_err *err) {
    int rc = centre__probe_record(c, pr, o, 0, true, err);
    if (rc) return rc;
    json_t *withheld = centre__probe_withheld(c, pr);
    if (withheld)
        tr_fail(
            &ref->err, TR_EBUDGET, "conflicts",
            "conflicts with restricted objects are withheld past this party's probe budget (%lld per %lld s) "
            "and the monitors were told; with reject_on_conflict the operation is refused: nothing was "
            "stored",
            (long long)c->probe_budget, (long long)c->probe_window_s);
    else
        tr_fail(
            &ref->err, TR_ECONFLICT, "conflicts",
            "the operation conflicts with %zu object(s) and reject_on_conflict is true: nothing was stored",
            json_array_size(conflicts));
    ref->problem = json_pack("{s:O, s:o*}", "conflicts", conflicts, "withheld", withheld);
    return ref->problem ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

/* Stores o (its conflicts found), notifies, records the probe and logs; *out the answer. */
static int operation_store(centre *c, const tr_party *by, tr_operation *o, centre_probe *pr,
                           json_t *conflicts, centre_pending *p, json_t **out, tr_err *err) {
    o->owner = strdup(by->name);
    o->owner_id = by->id;
    o->created_at = tr_time_now();
    int rc =
        o->owner ? store_operation_insert(c->store, o, err) : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = centre__conflict_notices(c, o, conflicts, o->created_at, err);
    if (rc == TR_OK) rc = centre__probe_record(c, pr, o, o->id, false, err);
    if (rc) return rc;
    json_t *obj = centre_object_operation(o), *answer = tr_operation_to_json(o),
           *withheld = centre__probe_withheld(c, pr);
    char ref[CENTRE_REF_MAX];
    centre_ref(TR_KIND_OPERATION, o->id, ref);
    json_object_set(answer, "conflicts", conflicts);
    if (withheld) json_object_set_new(answer, "withheld", withheld);
    rc = centre__log(c, by->name, by->sig, TR_ENTRY(OPERATION_CREATE), ref, obj, answer, err);
    json_decref(obj);
    if (rc) {
        json_decref(answer);
        return rc;
    }
    if (out)
        *out = answer;
    else
        json_decref(answer);
    return centre__pending_operation(p, o) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

static int operation_create_tx(centre *c, const tr_party *by, tr_operation *o, centre_pending *p,
                               json_t **out, refusal *ref, tr_err *err) {
    json_t *conflicts = json_array();
    centre_probe pr;
    centre__probe_init(&pr, by, TR_ENTRY(OPERATION_CREATE));
    int rc = centre__operation_conflicts(c, by, o, conflicts, &pr, err);
    if (rc == TR_OK) rc = centre__probe_decide(c, &pr, conflicts, err);
    if (rc == TR_OK && o->reject_on_conflict && (pr.withheld || json_array_size(conflicts) > 0))
        rc = refuse(c, &pr, o, conflicts, ref, err);
    else if (rc == TR_OK)
        rc = operation_store(c, by, o, &pr, conflicts, p, out, err);
    centre__probe_clear(&pr);
    json_decref(conflicts);
    return rc;
}

/*
 * A refusal decided without the writer lock (issue 19): with reject_on_conflict, the
 * conflicts are found under the engine's read lock, so checks run side by side. When
 * there are some, none of them is with an object hidden from by and by's probe budget is
 * not spent, the write path would refuse with exactly these conflicts and store nothing
 * (centre__probe_record has nothing to record): *done, and ref holds the refusal.
 * Otherwise (nothing to refuse, hidden hits, a spent budget, any error) *done is false
 * and the caller takes the write path, which decides again under the locks. The
 * engines' states read are committed ones; the answer is the write path's for the same
 * state.
 */
static void refuse_unlocked(centre *c, const tr_party *by, tr_operation *o, refusal *ref, bool *done) {
    *done = false;
    json_t *conflicts = json_array();
    centre_probe pr;
    tr_err err = {0};
    centre__probe_init(&pr, by, TR_ENTRY(OPERATION_CREATE));
    dc_engine_read_begin(c->dc);
    int rc = conflicts ? centre__operation_conflicts(c, by, o, conflicts, &pr, &err) : TR_ENOMEM;
    dc_engine_read_end(c->dc);
    if (rc == TR_OK && json_array_size(pr.hits) == 0 && json_array_size(conflicts) > 0 &&
        centre__probe_decide(c, &pr, conflicts, &err) == TR_OK && !pr.withheld &&
        refuse(c, &pr, o, conflicts, ref, &err) == TR_OK)
        *done = true;
    if (!*done) {
        json_decref(ref->problem);
        memset(ref, 0, sizeof *ref);
    }
    centre__probe_clear(&pr);
    json_decref(conflicts);
}

int centre_operation_create(centre *c, const tr_party *by, const json_t *body, json_t **out, json_t **problem,
                            tr_err *err) {
    tr_operation o;
    if (problem) *problem = NULL;
    int rc = tr_operation_parse(body, 0, &o, err);
    if (rc) return rc;
    centre_pending p = {.dc_held = true};
    refusal ref = {0};
    bool refused = false;
    /* Shared (PostgreSQL, issue 14): another instance may have committed what this one's
     * engine has not applied yet (a cancelled operation still in it): decide under the
     * writers' lock, after store_begin caught up. */
    if (o.reject_on_conflict && !store_shared(c->store)) refuse_unlocked(c, by, &o, &ref, &refused);
    if (!refused && (rc = store_begin(c->store, err)) == TR_OK) {
        dc_engine_write_begin(c->dc);
        rc = centre__finish(c, &p, operation_create_tx(c, by, &o, &p, out, &ref, err), out, err);
        dc_engine_write_end(c->dc);
    }
    if (rc == TR_OK && ref.err.code != TR_OK) { /* refused: the probe is committed, the operation is not */
        *err = ref.err;
        rc = ref.err.code;
        if (problem) *problem = json_incref(ref.problem);
    }
    json_decref(ref.problem);
    tr_operation_clear(&o);
    return rc;
}

/* ---- acknowledgements ---- */

static int notice_ack_tx(centre *c, const tr_party *by, int64_t id, json_t **out, tr_err *err) {
    store_notice n;
    int rc = store_notice_get(c->store, id, &n, err);
    if (rc == TR_OK && !centre_notice_visible(n.party, by, true)) /* another party's: as if missing */
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no notice %lld", (long long)id);
    if (rc) return rc;
    if (n.acked)
        return tr_fail(err, TR_ECONFLICT, "id", "notice %lld is already acknowledged", (long long)id);
    int64_t now = tr_time_now();
    json_t *obj = centre_object_notice_ack(id, by->name, now);
    json_t *answer = json_deep_copy(obj);
    char ref[CENTRE_REF_MAX];
    centre_ref(TR_KIND_NOTICE, id, ref);
    rc = obj && answer ? centre__log(c, by->name, by->sig, TR_ENTRY(NOTICE_ACK), ref, obj, answer, err)
                       : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    if (rc == TR_OK) {
        json_int_t index = json_integer_value(json_object_get(json_object_get(answer, "receipt"), "index"));
        rc = store_notice_ack(c->store, id, now, (uint64_t)index, err);
    }
    if (rc == TR_OK && out)
        *out = answer;
    else
        json_decref(answer);
    return rc;
}

int centre_notice_ack(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                      tr_err *err) {
    static const char *const none[] = {NULL};
    json_t *rest = NULL;
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object ({})");
    int rc = centre__target(body, "notice", id, by, &rest, err);
    if (rc == TR_OK && tr_json_only_keys(rest, none, "", err)) rc = TR_EINVAL;
    json_decref(rest);
    centre_pending p = {0};
    if (rc == TR_OK) rc = store_begin(c->store, err);
    if (rc == TR_OK) rc = centre__finish(c, &p, notice_ack_tx(c, by, id, out, err), out, err);
    return rc;
}
