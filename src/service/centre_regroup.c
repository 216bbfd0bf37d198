/*
 * centre_regroup.c — a monitor splits and merges incidents by hand (issue 3,
 * docs/monitoring.md "Split and merge").
 *
 * The write path: the body is parsed outside any lock; then store_begin, c->mon_mu; the
 * incidents named must be current incidents; the record (side one's and side two's report
 * ids, as mon_regroup) is built from the engine's reads without changing the engine;
 * stored in incident_regroup, logged as incident.regroup; committed; then handed to the
 * engine with mon_engine_apply_regroup — the same call that replays the table at start,
 * so the running engine and a restarted one agree.
 */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_monitor.h"
#include "service/centre_objects.h"

#define REGROUP_MAX_IDS 10000
#define REGROUP_REASON_MAX 4000

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* {"<list>": [ids], "reason": text}: ids positive integers, at least min of them. */
static int parse_body(const json_t *body, const char *list, size_t min, int64_t **ids, size_t *n,
                      char **reason, tr_err *err) {
    const char *keys[] = {list, "reason", NULL};
    *ids = NULL;
    *n = 0;
    *reason = NULL;
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    if (tr_json_only_keys(body, keys, "", err)) return TR_EINVAL;
    json_t *a = json_object_get(body, list);
    if (!json_is_array(a) || json_array_size(a) < min || json_array_size(a) > REGROUP_MAX_IDS)
        return tr_fail(err, TR_EINVAL, list, "must be an array of %zu to %d ids", min, REGROUP_MAX_IDS);
    if (tr_json_str(body, "reason", "reason", REGROUP_REASON_MAX, reason, err)) return TR_EINVAL;
    if (!*reason || !**reason) {
        free(*reason);
        *reason = NULL;
        return tr_fail(err, TR_EINVAL, "reason", "is required: say why");
    }
    *ids = malloc(json_array_size(a) * sizeof **ids);
    if (!*ids) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *x = json_array_get(a, i);
        if (!json_is_integer(x) || json_integer_value(x) <= 0) {
            free(*ids);
            free(*reason);
            *ids = NULL;
            *reason = NULL;
            return tr_fail(err, TR_EINVAL, list, "item %zu is not an id (a positive integer)", i);
        }
        (*ids)[(*n)++] = json_integer_value(x);
    }
    return TR_OK;
}

/* Under c->mon_mu: the sorted report ids of current incident id. */
static int members(centre *c, int64_t id, const char *field, int64_t **ids, size_t *n, tr_err *err) {
    int64_t cur = 0;
    *ids = NULL;
    *n = 0;
    if (mon_engine_incident_of(c->mon, id, &cur) != TR_OK)
        return tr_fail(err, TR_ENOTFOUND, field, "there is no incident %lld", (long long)id);
    if (cur != id)
        return tr_fail(err, TR_ENOTFOUND, field,
                       "there is no incident %lld (its reports are in incident %lld)", (long long)id,
                       (long long)cur);
    mon_incident inc;
    memset(&inc, 0, sizeof inc);
    int rc = mon_engine_incident(c->mon, id, false, &inc, err);
    if (rc == TR_OK && !(*ids = malloc((inc.nmembers ? inc.nmembers : 1) * sizeof **ids)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; rc == TR_OK && i < inc.nmembers; i++)
        (*ids)[(*n)++] = inc.members[i].report_id;
    mon_incident_clear(&inc);
    if (rc == TR_OK) qsort(*ids, *n, sizeof **ids, cmp_i64);
    return rc;
}

/* Under c->mon_mu: the record of splitting `named` off incident id. */
static int split_record(centre *c, int64_t id, int64_t *named, size_t nnamed, store_regroup *g, tr_err *err) {
    int64_t *mem;
    size_t nmem;
    int rc = members(c, id, "id", &mem, &nmem, err);
    if (rc) return rc;
    qsort(named, nnamed, sizeof *named, cmp_i64);
    for (size_t i = 0; rc == TR_OK && i < nnamed; i++) {
        if (i && named[i] == named[i - 1])
            rc = tr_fail(err, TR_EINVAL, "reports", "report %lld is listed twice", (long long)named[i]);
        else if (!bsearch(&named[i], mem, nmem, sizeof *mem, cmp_i64))
            rc = tr_fail(err, TR_EINVAL, "reports", "report %lld is not in incident %lld",
                         (long long)named[i], (long long)id);
    }
    if (rc == TR_OK && nnamed == nmem)
        rc = tr_fail(err, TR_EINVAL, "reports", "name some but not all of the incident's %zu reports", nmem);
    if (rc == TR_OK && !(g->ids = malloc(nmem * sizeof *g->ids)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        memcpy(g->ids, named, nnamed * sizeof *named);
        g->nids = g->nfirst = nnamed;
        for (size_t i = 0; i < nmem; i++)
            if (!bsearch(&mem[i], named, nnamed, sizeof *named, cmp_i64)) g->ids[g->nids++] = mem[i];
        g->split = true;
    }
    free(mem);
    return rc;
}

/* Under c->mon_mu: the record of merging incidents ids[0..n) into incident id: side one
 * id's reports, side two the others'. */
static int merge_record(centre *c, int64_t id, const int64_t *ids, size_t n, store_regroup *g, tr_err *err) {
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == id)
            return tr_fail(err, TR_EINVAL, "incidents", "incident %lld is the one merged into",
                           (long long)id);
        for (size_t j = 0; j < i; j++)
            if (ids[j] == ids[i])
                return tr_fail(err, TR_EINVAL, "incidents", "incident %lld is listed twice",
                               (long long)ids[i]);
    }
    int rc = members(c, id, "id", &g->ids, &g->nids, err);
    g->nfirst = g->nids;
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        int64_t *mem;
        size_t nmem;
        if ((rc = members(c, ids[i], "incidents", &mem, &nmem, err))) break;
        int64_t *v = realloc(g->ids, (g->nids + nmem) * sizeof *v);
        if (!v) {
            free(mem);
            return tr_fail(err, TR_ENOMEM, "", "out of memory");
        }
        g->ids = v;
        memcpy(g->ids + g->nids, mem, nmem * sizeof *mem);
        g->nids += nmem;
        free(mem);
    }
    if (rc == TR_OK) qsort(g->ids + g->nfirst, g->nids - g->nfirst, sizeof *g->ids, cmp_i64);
    g->split = false;
    return rc;
}

static mon_regroup engine_record(const store_regroup *g) {
    return (mon_regroup){.split = g->split,
                         .at = g->at,
                         .by = g->monitor,
                         .why = g->reason,
                         .ids = g->ids,
                         .nids = g->nids,
                         .nfirst = g->nfirst};
}

/* In the open transaction, under c->mon_mu: store and log g. */
static int regroup_tx(centre *c, const tr_party *by, store_regroup *g, json_t **answer, tr_err *err) {
    int rc = store_regroup_insert(c->store, g, err);
    if (rc) return rc;
    json_t *obj = centre_object_regroup(g);
    *answer = json_pack("{s:I, s:s}", "seq", (json_int_t)g->seq, "kind", g->split ? "split" : "merge");
    char ref[CENTRE_REF_MAX];
    centre_ref_regroup(g->seq, ref);
    rc = obj && *answer
             ? centre__log(c, by->name, by->sig, TR_ENTRY(INCIDENT_REGROUP), ref, obj, *answer, err)
             : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    return rc;
}

static int regroup(centre *c, const tr_party *by, bool split, int64_t id, const json_t *body, json_t **out,
                   tr_err *err) {
    if (!tr_party_is_privileged(by))
        return tr_fail(err, TR_EFORBIDDEN, "", "only a monitor or an admin splits and merges incidents");
    int64_t *ids;
    size_t n;
    store_regroup g = {0};
    int rc = parse_body(body, split ? "reports" : "incidents", 1, &ids, &n, &g.reason, err);
    if (rc) return rc;
    g.at = tr_time_now();
    if (!(g.monitor = strdup(by->name))) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_t *answer = NULL;
    centre_pending p = {0};
    centre_alerts alerts = {0};
    if (rc == TR_OK && (rc = store_begin(c->store, err)) == TR_OK) {
        pthread_mutex_lock(&c->mon_mu);
        rc = split ? split_record(c, id, ids, n, &g, err) : merge_record(c, id, ids, n, &g, err);
        if (rc == TR_OK) rc = regroup_tx(c, by, &g, &answer, err);
        rc = centre__finish(c, &p, rc, &answer, err);
        if (rc == TR_OK) {
            mon_regroup rec = engine_record(&g);
            if (mon_engine_apply_regroup(c->mon, &rec, err) != TR_OK) {
                fprintf(stderr, "truce: FATAL: committed regroup %lld could not be given to the engine: %s\n",
                        (long long)g.seq, err ? err->msg : "?");
                abort();
            }
            /* the incidents now holding each side */
            json_t *incs = json_array();
            int64_t a = 0, b = 0;
            mon_engine_incident_of(c->mon, g.ids[0], &a);
            json_array_append_new(incs, json_integer(a));
            if (g.split && mon_engine_incident_of(c->mon, g.ids[g.nfirst], &b) == TR_OK && b != a)
                json_array_append_new(incs, json_integer(b));
            json_object_set_new(answer, "incidents", incs);
            int64_t sides[2] = {g.ids[0], g.ids[g.nfirst < g.nids ? g.nfirst : 0]};
            centre__alerts_collect(c, sides, 2, &alerts);
        }
        pthread_mutex_unlock(&c->mon_mu);
        centre__alerts_publish(c, &alerts);
    }
    free(ids);
    store_regroup_clear(&g);
    if (rc == TR_OK && out)
        *out = answer;
    else
        json_decref(answer);
    return rc;
}

int centre_incident_split(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                          tr_err *err) {
    return regroup(c, by, true, id, body, out, err);
}

int centre_incident_merge(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                          tr_err *err) {
    return regroup(c, by, false, id, body, out, err);
}

int centre_mon_apply_regroup(mon_engine *m, const store_regroup *g, tr_err *err) {
    mon_regroup rec = engine_record(g);
    return mon_engine_apply_regroup(m, &rec, err);
}

static int load_regroup(store_regroup *g, void *ctx) {
    centre *c = ctx;
    tr_err err = {0};
    int rc = centre_mon_apply_regroup(c->mon, g, &err);
    if (rc) fprintf(stderr, "truce: regroup %lld not loaded: %s\n", (long long)g->seq, err.msg);
    return rc;
}

int centre__mon_load_regroups(centre *c, tr_err *err) {
    return store_regroup_each(c->store, load_regroup, c, err);
}
