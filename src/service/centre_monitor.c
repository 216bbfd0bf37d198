/*
 * centre_monitor.c — violation reports (issue 3): the write path of centre_write.c plus
 * the monitoring engine. Lock order: the store transaction (store_begin) first, then
 * c->mon_mu, held until the committed report is in the engine, so the engine holds the
 * reports in the order the store committed them. Readers of c->mon take c->mon_mu only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_humanitarian.h"
#include "service/centre_int.h"
#include "service/centre_measures.h"
#include "service/centre_mine.h"
#include "service/centre_objects.h"

static int class_parse(const char *s, mon_class *out) {
    for (int k = 0; k < MON_CLASS_COUNT; k++)
        if (strcmp(mon_class_name((mon_class)k), s) == 0) {
            *out = (mon_class)k;
            return 0;
        }
    return -1;
}

/* The store hook of tr_report_resolve: parties first, then actors. */
int centre__resolve_name(void *ctx, const char *name, tr_who *who, char *canon, size_t cap, tr_err *err) {
    centre *c = ctx;
    if (cap) canon[0] = '\0';
    tr_party p;
    int rc = store_party_get(c->store, name, &p, err);
    if (rc == TR_OK) *who = WHO_PARTY;
    if (rc != TR_ENOTFOUND) return rc;
    bool actor = false;
    if ((rc = store_actor_exists(c->store, name, &actor, err))) return rc;
    if (!actor) return TR_ENOTFOUND;
    *who = WHO_ACTOR;
    return TR_OK;
}

/* The stored row's classification back into the engine's value. */
static int row_classification(const store_report *sr, mon_classification *cls) {
    memset(cls, 0, sizeof *cls);
    if (class_parse(sr->cls, &cls->cls)) return -1;
    cls->agreement_id = sr->agreement_id;
    snprintf(cls->region, sizeof cls->region, "%s", sr->region);
    snprintf(cls->controller, sizeof cls->controller, "%s", sr->controller);
    snprintf(cls->reason, sizeof cls->reason, "%s", sr->reason);
    return 0;
}

/* The report a stored row holds, as the engine takes it (the body parsed again, with the
 * time of receipt as "now", so the future-time rule holds as it did at intake). */
static int row_report(const store_report *sr, tr_report *r, tr_err *err) {
    json_t *body = json_loads(sr->body, 0, NULL);
    if (!body) return tr_fail(err, TR_EIO, "", "report %lld: the stored body is not JSON", (long long)sr->id);
    json_object_del(body, "id");
    json_object_del(body, "reporting_party");
    json_object_del(body, "received_at");
    json_object_del(body, "external_id");
    int rc = tr_report_parse(body, sr->received_at, r, err);
    json_decref(body);
    if (rc) return rc;
    r->id = sr->id;
    r->received_at = sr->received_at;
    r->reporting_party = strdup(sr->reporting_party);
    r->external_id = sr->external_id ? strdup(sr->external_id) : NULL;
    if (!r->reporting_party || (sr->external_id && !r->external_id)) {
        tr_report_clear(r);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    return TR_OK;
}

int centre_mon_add_stored(mon_engine *m, const store_report *sr, int64_t *incident, tr_err *err) {
    tr_report r;
    mon_classification cls;
    int rc = row_report(sr, &r, err);
    if (rc == TR_OK) {
        if (row_classification(sr, &cls))
            rc = tr_fail(err, TR_EIO, "", "unknown class '%s'", sr->cls);
        else
            rc = mon_engine_add(m, &r, &cls, incident, err);
        tr_report_clear(&r);
    }
    return rc;
}

int centre__mon_add_row(centre *c, const store_report *sr, int64_t *incident, tr_err *err) {
    return centre_mon_add_stored(c->mon, sr, incident, err);
}

static int load_report(store_report *sr, void *ctx) {
    centre *c = ctx;
    tr_err err = {0};
    int rc = centre__mon_add_row(c, sr, NULL, &err);
    if (rc) fprintf(stderr, "truce: report %lld not loaded: %s\n", (long long)sr->id, err.msg);
    return rc;
}

static int load_acts(centre *c, tr_err *err);

/* Reports (any order), then regroups, responses and verdicts, each in seq order. */
static int mon_load(centre *c, const mon_config *cfg, tr_err *err) {
    if (!(c->mon = mon_engine_new(cfg))) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = store_report_each(c->store, load_report, c, err);
    if (rc == TR_OK) rc = centre__mon_load_regroups(c, err);
    if (rc == TR_OK) rc = load_acts(c, err);
    return rc;
}

/* Three numbers "a,b,c" into out. */
static int parse_triple(const char *s, double out[3]) {
    char extra;
    return sscanf(s, "%lf,%lf,%lf%c", &out[0], &out[1], &out[2], &extra) == 3 ? 0 : -1;
}

int centre_mon_cluster_parse(const char *radius, const char *window, mon_config *cfg, tr_err *err) {
    double r[3], w[3];
    if (radius && parse_triple(radius, r))
        return tr_fail(err, TR_EINVAL, "--cluster-radius-m",
                       "--cluster-radius-m needs three numbers R1,R2,R3");
    if (window && parse_triple(window, w))
        return tr_fail(err, TR_EINVAL, "--cluster-window-s",
                       "--cluster-window-s needs three numbers W1,W2,W3");
    for (int i = 0; i < 3; i++) {
        if (radius) cfg->radius_m[i] = r[i];
        if (!window) continue;
        if (!(fabs(w[i]) < 9e18) || w[i] != (double)(int64_t)w[i])
            return tr_fail(err, TR_EINVAL, "--cluster-window-s", "--cluster-window-s takes whole seconds");
        cfg->window_s[i] = (int64_t)w[i];
    }
    return TR_OK;
}

int centre__mon_load(centre *c, tr_err *err) {
    return mon_load(c, NULL, err);
}

int centre_mon_configure(centre *c, const mon_config *cfg, tr_err *err) {
    if (mon_config_check(cfg, err)) return TR_EINVAL;
    pthread_mutex_lock(&c->mon_mu);
    mon_engine *old = c->mon;
    c->mon = NULL;
    int rc = mon_load(c, cfg, err);
    if (rc) {
        mon_engine_free(c->mon);
        c->mon = old;
    } else {
        mon_engine_free(old);
    }
    pthread_mutex_unlock(&c->mon_mu);
    return rc;
}

/* ---- POST /v1/reports ---- */

/* Inside the open transaction, under c->mon_mu, for a report whose names are resolved:
 * attribution, classification, store, log. out may be NULL (no answer wanted). */
int centre__report_store_tx(centre *c, const tr_party *by, tr_report *r, int64_t now, mon_classification *cls,
                            json_t **out, tr_err *err) {
    int rc;
    if (!(r->reporting_party = strdup(by->name))) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    r->received_at = now;
    attr_result at = {0};
    if (attr_engine_query(c->attr, r->lon, r->lat, r->occurred_at, NULL, &at)) {
        attr_result_clear(&at);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    mon_classify(r, &at, NULL, 0, cls);
    attr_result_clear(&at);

    json_t *body = tr_report_to_json(r);
    store_report sr = {
        .reporting_party = r->reporting_party,
        .received_at = now,
        .occurred_at = r->occurred_at,
        .external_id = r->external_id,
        .body = body ? centre_object_bytes(body) : NULL,
        .cls = (char *)mon_class_name(cls->cls),
        .agreement_id = cls->agreement_id,
        .region = cls->region,
        .controller = cls->controller,
        .reason = cls->reason,
    };
    json_decref(body);
    if (!sr.body) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    rc = store_report_insert(c->store, &sr, err);
    json_t *obj = NULL, *answer = NULL;
    if (rc == TR_OK) {
        r->id = sr.id;
        obj = centre_object_report(&sr);
        answer = !out ? NULL : obj ? json_pack("{s:I, s:o}", "id", (json_int_t)sr.id, "classification",
                                 centre_report_classification(&sr))
                     : NULL;
        if (!obj || (out && !answer)) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (rc == TR_OK) {
        char ref[CENTRE_REF_MAX];
        centre_ref(TR_KIND_REPORT, sr.id, ref);
        rc = centre__log(c, by->name, by->sig, TR_ENTRY(REPORT_CREATE), ref, obj, answer, err);
    }
    free(sr.body);
    json_decref(obj);
    if (rc) {
        json_decref(answer);
        return rc;
    }
    if (out) *out = answer;
    return TR_OK;
}

static int report_create_tx(centre *c, const tr_party *by, tr_report *r, int64_t now, mon_classification *cls,
                            json_t **out, tr_err *err) {
    int rc = tr_report_resolve(r, centre__resolve_name, c, err);
    if (rc == TR_OK) rc = centre__report_check_target(c, by, r, err);
    return rc ? rc : centre__report_store_tx(c, by, r, now, cls, out, err);
}

int centre_report_create(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err) {
    int64_t now = tr_time_now();
    tr_report r;
    int rc = tr_report_parse(body, now, &r, err);
    if (rc) return rc;
    mon_classification cls;
    memset(&cls, 0, sizeof cls);
    json_t *answer = NULL;
    centre_pending p = {.shared = true}; /* a report changes only the monitoring engine's incidents */
    centre_alerts alerts = {0};
    if ((rc = store_begin(c->store, err)) == TR_OK) {
        pthread_mutex_lock(&c->mon_mu);
        rc = centre__finish(c, &p, report_create_tx(c, by, &r, now, &cls, &answer, err), &answer, err);
        if (rc == TR_OK) {
            int64_t incident = 0;
            if (mon_engine_add(c->mon, &r, &cls, &incident, err) != TR_OK) {
                fprintf(stderr, "truce: FATAL: committed report %lld could not be added to the engine: %s\n",
                        (long long)r.id, err ? err->msg : "?");
                abort();
            }
            json_object_set_new(answer, "incident_id", json_integer(incident));
            centre__alerts_collect(c, &incident, 1, &alerts);
        }
        pthread_mutex_unlock(&c->mon_mu);
        centre__alerts_publish(c, &alerts);
    }
    tr_report_clear(&r);
    if (rc == TR_OK && out) *out = answer;
    else json_decref(answer);
    return rc;
}

/* ---- GET /v1/reports/{id} ---- */

int centre_report_get(centre *c, const tr_party *viewer, int64_t id, json_t **out, tr_err *err) {
    store_report sr;
    int rc = store_report_get(c->store, id, &sr, err);
    if (rc) return rc;
    if (!centre_report_visible(sr.reporting_party, viewer)) {
        store_report_clear(&sr);
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no report %lld", (long long)id);
    }
    json_t *o = json_loads(sr.body, 0, NULL);
    if (!o) {
        store_report_clear(&sr);
        return tr_fail(err, TR_EIO, "", "report %lld is unreadable", (long long)id);
    }
    json_object_set_new(o, "id", json_integer(sr.id));
    json_object_set_new(o, "classification", centre_report_classification(&sr));
    int64_t incident = 0;
    pthread_mutex_lock(&c->mon_mu);
    int found = mon_engine_incident_of(c->mon, sr.id, &incident);
    pthread_mutex_unlock(&c->mon_mu);
    json_object_set_new(o, "incident_id", found == TR_OK ? json_integer(incident) : json_null());
    char ref[CENTRE_REF_MAX];
    centre_ref(TR_KIND_REPORT, sr.id, ref);
    store_report_clear(&sr);
    rc = centre__receipt_of(c, TR_ENTRY(REPORT_CREATE), ref, o, err); /* as the intake's answer had it */
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return TR_OK;
}

/* ---- incidents: reads ---- */

/* Under c->mon_mu: TR_OK when id is an incident's current id. */
static int incident_check_held(centre *c, int64_t id, tr_err *err) {
    int64_t cur = 0;
    if (mon_engine_incident_of(c->mon, id, &cur) != TR_OK || cur != id)
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no incident %lld", (long long)id);
    return TR_OK;
}

int centre_incident_get(centre *c, int64_t id, int64_t after, int limit, json_t **out, tr_err *err) {
    mon_incident inc;
    memset(&inc, 0, sizeof inc);
    pthread_mutex_lock(&c->mon_mu);
    int rc = incident_check_held(c, id, err);
    if (rc == TR_OK) rc = mon_engine_incident_page(c->mon, id, true, after, (size_t)limit, &inc, err);
    pthread_mutex_unlock(&c->mon_mu);
    if (rc) return rc;
    *out = mon_incident_to_json(&inc);
    char next[32];
    snprintf(next, sizeof next, "%lld", (long long)inc.next_after);
    if (*out) json_object_set_new(*out, "next_cursor", inc.next_after ? json_string(next) : json_null());
    mon_incident_clear(&inc);
    return *out ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

/* Ids of the incidents with a report that occurred in [from, to), above after; at most
 * limit + 1 of them (the extra one tells that a next page exists). Under c->mon_mu. */
static int window_page(centre *c, int64_t after, size_t limit, int64_t from, int64_t to, int64_t *ids, size_t *n) {
    int64_t *all = NULL;
    size_t nall = 0;
    int rc = mon_engine_incidents_between(c->mon, from, to, MON_BY_OCCURRED, &all, &nall);
    *n = 0;
    for (size_t i = 0; rc == TR_OK && i < nall && *n < limit; i++)
        if (all[i] > after) ids[(*n)++] = all[i];
    free(all);
    return rc;
}

int centre_incident_list(centre *c, int64_t after, int limit, int64_t from, int64_t to, json_t **out,
                         tr_err *err) {
    size_t want = (size_t)limit + 1, n = 0;
    int64_t *ids = calloc(want, sizeof *ids);
    json_t *items = json_array();
    if (!ids || !items) {
        free(ids);
        json_decref(items);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    pthread_mutex_lock(&c->mon_mu);
    int rc = from < to ? window_page(c, after, want, from, to, ids, &n) : mon_engine_list(c->mon, after, want, ids, &n);
    if (rc) rc = tr_fail(err, rc, "", "out of memory");
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; rc == TR_OK && i < shown; i++) {
        mon_incident inc;
        memset(&inc, 0, sizeof inc);
        if ((rc = mon_engine_incident_page(c->mon, ids[i], false, 0, CENTRE_LIST_REPORTS, &inc, err)) ==
            TR_OK) {
            json_t *x = mon_incident_to_json(&inc);
            if (!x) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
            else json_array_append_new(items, x);
        }
        mon_incident_clear(&inc);
    }
    pthread_mutex_unlock(&c->mon_mu);
    if (rc == TR_OK) {
        json_t *next = json_null();
        if (n > (size_t)limit && shown) {
            char b[32];
            snprintf(b, sizeof b, "%lld", (long long)ids[shown - 1]);
            next = json_string(b);
        }
        *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
    } else {
        json_decref(items);
    }
    free(ids);
    return rc;
}

/* ---- incidents: responses and verdicts ---- */

#define CENTRE_ACT_TEXT_MAX 4000

static int act_parse(bool verdict, const json_t *body, store_incident_act *a, tr_err *err) {
    static const char *const rkeys[] = {"response", "text", NULL};
    static const char *const vkeys[] = {"verdict", "reason", NULL};
    const char *kf = verdict ? "verdict" : "response", *tf = verdict ? "reason" : "text";
    memset(a, 0, sizeof *a);
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    if (tr_json_only_keys(body, verdict ? vkeys : rkeys, "", err)) return TR_EINVAL;
    const char *k = json_string_value(json_object_get(body, kf));
    int bad;
    if (verdict) {
        mon_verdict_kind v;
        bad = !k || mon_verdict_kind_parse(k, &v);
    } else {
        mon_response_kind r;
        bad = !k || mon_response_kind_parse(k, &r);
    }
    if (bad)
        return tr_fail(err, TR_EINVAL, kf, verdict ? "is required: confirm, reject or reopen"
                                                   : "is required: accept, deny or comment");
    if (tr_json_str(body, tf, tf, CENTRE_ACT_TEXT_MAX, &a->text, err)) return TR_EINVAL;
    if (verdict && strcmp(k, "reject") == 0 && (!a->text || !*a->text)) {
        store_incident_act_clear(a);
        return tr_fail(err, TR_EINVAL, "reason", "a reject verdict needs a reason");
    }
    if (!(a->kind = strdup(k))) {
        store_incident_act_clear(a);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    return TR_OK;
}

/* Under c->mon_mu: hands a stored act to the engine. */
int centre_mon_apply_act(mon_engine *m, bool verdict, const store_incident_act *a, tr_err *err) {
    if (verdict) {
        mon_verdict_kind v;
        if (mon_verdict_kind_parse(a->kind, &v)) return tr_fail(err, TR_EIO, "", "unknown verdict '%s'", a->kind);
        return mon_engine_verdict(m, a->anchor, a->who, v, a->text, a->at, err);
    }
    mon_response_kind r;
    if (mon_response_kind_parse(a->kind, &r)) return tr_fail(err, TR_EIO, "", "unknown response '%s'", a->kind);
    return mon_engine_respond(m, a->anchor, a->who, r, a->text, a->at, err);
}

static int act_tx(centre *c, const tr_party *by, bool verdict, store_incident_act *a, json_t **out, tr_err *err) {
    int rc = incident_check_held(c, a->anchor, err);
    if (rc == TR_OK) rc = store_incident_act_insert(c->store, verdict, a, err);
    if (rc) return rc;
    json_t *obj = centre_object_incident_act(verdict, a);
    json_t *answer = json_pack("{s:I, s:I, s:s}", "incident_id", (json_int_t)a->anchor, "seq", (json_int_t)a->seq,
                               verdict ? "verdict" : "response", a->kind);
    char ref[CENTRE_REF_MAX];
    centre_ref_incident_act(verdict, a->seq, ref);
    rc = obj && answer ? centre__log(c, by->name, by->sig,
                                     verdict ? TR_ENTRY(INCIDENT_VERDICT) : TR_ENTRY(INCIDENT_RESPONSE), ref,
                                     obj, answer, err)
                       : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    if (rc) {
        json_decref(answer);
        return rc;
    }
    *out = answer;
    return TR_OK;
}

static int incident_act(centre *c, const tr_party *by, bool verdict, int64_t id, const json_t *body, json_t **out,
                        tr_err *err) {
    if (verdict && !tr_party_is_privileged(by))
        return tr_fail(err, TR_EFORBIDDEN, "", "only a monitor or an admin gives verdicts");
    store_incident_act a;
    json_t *rest = NULL;
    int rc = centre__target(body, "incident", id, by, &rest, err);
    if (rc == TR_OK) rc = act_parse(verdict, rest, &a, err);
    json_decref(rest);
    if (rc) return rc;
    a.anchor = id;
    a.at = tr_time_now();
    if (!(a.who = strdup(by->name))) {
        store_incident_act_clear(&a);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    json_t *answer = NULL;
    centre_pending p = {0};
    centre_alerts alerts = {0};
    if ((rc = store_begin(c->store, err)) == TR_OK) {
        pthread_mutex_lock(&c->mon_mu);
        rc = centre__finish(c, &p, act_tx(c, by, verdict, &a, &answer, err), &answer, err);
        if (rc == TR_OK) {
            if (centre_mon_apply_act(c->mon, verdict, &a, err) != TR_OK) {
                fprintf(stderr, "truce: FATAL: committed %s %lld could not be given to the engine: %s\n",
                        verdict ? "verdict" : "response", (long long)a.seq, err ? err->msg : "?");
                abort();
            }
            mon_incident inc;
            memset(&inc, 0, sizeof inc);
            if (mon_engine_incident_page(c->mon, id, false, 0, 0, &inc, NULL) == TR_OK) {
                json_object_set_new(answer, "grade", json_string(mon_grade_name(inc.grade)));
                json_object_set_new(answer, "grade_reason", json_string(inc.grade_reason));
            }
            mon_incident_clear(&inc);
            centre__alerts_collect(c, &id, 1, &alerts);
        }
        pthread_mutex_unlock(&c->mon_mu);
        centre__alerts_publish(c, &alerts);
    }
    store_incident_act_clear(&a);
    if (rc == TR_OK && out) *out = answer;
    else json_decref(answer);
    return rc;
}

int centre_incident_respond(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                            tr_err *err) {
    return incident_act(c, by, false, id, body, out, err);
}

int centre_incident_verdict(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                            tr_err *err) {
    return incident_act(c, by, true, id, body, out, err);
}

/* ---- loading responses and verdicts ---- */

typedef struct act_load {
    centre *c;
    bool verdict;
} act_load;

static int load_act(store_incident_act *a, void *ctx) {
    act_load *l = ctx;
    tr_err err = {0};
    int rc = centre_mon_apply_act(l->c->mon, l->verdict, a, &err);
    if (rc)
        fprintf(stderr, "truce: %s %lld not loaded: %s\n", l->verdict ? "verdict" : "response", (long long)a->seq,
                err.msg);
    return rc;
}

static int load_acts(centre *c, tr_err *err) {
    act_load l = {c, false};
    int rc = store_incident_act_each(c->store, false, load_act, &l, err);
    l.verdict = true;
    if (rc == TR_OK) rc = store_incident_act_each(c->store, true, load_act, &l, err);
    return rc;
}

/* ---- the daily bulletin ---- */

/* The names public region areas carry in other languages, as the bulletin's labels. */
static int region_label(tr_area *a, void *ctx) {
    mon_bulletin *b = ctx;
    if (a->kind != AREA_REGION || !a->names || !centre_area_visible(a, &centre_public)) return TR_OK;
    json_t *names = json_loads(a->names, 0, NULL);
    int rc = TR_OK;
    for (int l = MON_LANG_AR; rc == TR_OK && l < MON_LANG_COUNT; l++) {
        const char *t = json_string_value(json_object_get(names, mon_lang_code((mon_lang)l)));
        if (t) rc = mon_bulletin_add_label(b, a->name, (mon_lang)l, t);
    }
    json_decref(names);
    return rc;
}

int centre_bulletin(centre *c, const char *date, const char *fmt, const char *lang, char **text, size_t *len,
                    const char **media_type, tr_err *err) {
    mon_format f = MON_FMT_JSON;
    mon_lang l = MON_LANG_EN;
    if (fmt && mon_format_parse(fmt, &f))
        return tr_fail(err, TR_EINVAL, "format", "unknown format '%s': use md, html, json or csv", fmt);
    if (lang && mon_lang_parse(lang, &l))
        return tr_fail(err, TR_EINVAL, "lang", "unknown language '%.20s': use en, ar or ru", lang);
    mon_bulletin b;
    memset(&b, 0, sizeof b);
    pthread_mutex_lock(&c->mon_mu);
    int rc = mon_engine_bulletin(c->mon, date, &b, err);
    pthread_mutex_unlock(&c->mon_mu);
    if (rc) {
        if (rc == TR_EINVAL) tr_fail(err, TR_EINVAL, "date", "'%s' is not a date (YYYY-MM-DD)", date);
        return rc;
    }
    if (b.start > tr_time_now()) {
        mon_bulletin_clear(&b);
        return tr_fail(err, TR_ENOTFOUND, "date", "there is no bulletin for %s yet: its day has not begun", date);
    }
    rc = centre__bulletin_steps(c, &b, err); /* issue 6: the agreement steps section */
    if (rc == TR_OK) rc = centre__mine_bulletin(c, &b, err); /* centre_mine.c: issue 6's section */
    if (rc == TR_OK) rc = centre__movement_bulletin(c, &b, l, err); /* the day's public movements */
    if (rc == TR_OK) rc = centre__measures_bulletin(c, &b, l, err); /* issue 20: separation, aid */
    if (rc == TR_OK && l != MON_LANG_EN &&
        (rc = store_area_each(c->store, region_label, &b, err)) == TR_ENOMEM)
        tr_fail(err, rc, "", "out of memory");
    if (rc == TR_OK && mon_bulletin_render(&b, f, l, text, len))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    mon_bulletin_clear(&b);
    if (rc) return rc;
    *media_type = mon_format_media_type(f);
    return TR_OK;
}
