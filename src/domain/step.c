/* step.c — an agreement's timeline: steps, their dependencies, status changes and the
 * implementation score (humanitarian.h, docs/humanitarian.md "Agreement steps"). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/timeutil.h"
#include "domain/humanitarian.h"

void tr_step_clear(tr_step *s) {
    TR_FREE(s->title, s->responsible, s->deps, s->created_by);
    memset(s, 0, sizeof *s);
}

void tr_steps_free(tr_step *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        tr_step_clear(&v[i]);
    free(v);
}

/* ---- parsing a request's steps ---- */

static const char *const step_keys[] = {"key",      "title",      "responsible", "provision",
                                        "deadline", "depends_on", "separation",  NULL};

/* properties "separation": {"area": AREA_ID} (issue 20): a separation step for that area;
 * it needs a deadline (the measure is read there). */
static int parse_separation(const json_t *v, const char *path, tr_step *s, tr_err *err) {
    static const char *const keys[] = {"area", NULL};
    char f[128], g[160];
    const json_t *sep = json_object_get(v, "separation");
    if (!sep || json_is_null(sep)) return TR_OK;
    tr_path(f, sizeof f, path, "separation");
    if (!json_is_object(sep)) return tr_fail(err, TR_EINVAL, f, "must be an object {\"area\": AREA_ID}");
    if (tr_json_only_keys(sep, keys, f, err)) return TR_EINVAL;
    const json_t *a = json_object_get(sep, "area");
    if (!json_is_integer(a) || json_integer_value(a) < 1)
        return tr_fail(err, TR_EINVAL, tr_path(g, sizeof g, f, "area"),
                       "is required: the id of the area to separate");
    if (s->deadline == TR_TIME_OPEN)
        return tr_fail(err, TR_EINVAL, tr_path(g, sizeof g, path, "deadline"),
                       "is required for a separation step (the measure is read at the deadline)");
    s->separation_area = json_integer_value(a);
    return TR_OK;
}

static int parse_step(const json_t *v, const char *path, tr_step *s, tr_err *err) {
    char f[128];
    if (!json_is_object(v))
        return tr_fail(err, TR_EINVAL, path, "must be an object with title and responsible");
    if (tr_json_only_keys(v, step_keys, path, err)) return TR_EINVAL;
    json_t *k = json_object_get(v, "key");
    if (k && (!json_is_string(k) || json_string_length(k) == 0 || json_string_length(k) > 64))
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "key"),
                       "must be a string of 1 to 64 characters");
    if (tr_json_str(v, "title", path, 2000, &s->title, err)) return TR_EINVAL;
    if (!s->title || !s->title[0])
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "title"), "is required");
    if (tr_json_str(v, "responsible", path, TR_NAME_MAX, &s->responsible, err)) return TR_EINVAL;
    if (!s->responsible)
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "responsible"),
                       "is required (a party name)");
    if (tr_name_check(s->responsible, tr_path(f, sizeof f, path, "responsible"), err)) return TR_EINVAL;
    json_t *p = json_object_get(v, "provision");
    if (p && !json_is_null(p)) {
        if (!json_is_integer(p) || json_integer_value(p) < 1 || json_integer_value(p) > 1000)
            return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "provision"),
                           "must be a provision's seq (1, 2, ...) in the agreement");
        s->provision = (int)json_integer_value(p);
    }
    if (tr_json_time(v, "deadline", path, TR_TIME_OPEN, &s->deadline, err)) return TR_EINVAL;
    return parse_separation(v, path, s, err);
}

/* The index of the step with this key, or -1. */
static long key_index(const json_t *list, const char *key) {
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *k = json_string_value(json_object_get(json_array_get(list, i), "key"));
        if (k && strcmp(k, key) == 0) return (long)i;
    }
    return -1;
}

static int parse_deps(const json_t *list, size_t i, const char *path, tr_step *s, tr_err *err) {
    char f[160];
    json_t *d = json_object_get(json_array_get(list, i), "depends_on");
    if (!d || json_is_null(d)) return TR_OK;
    if (!json_is_array(d) || json_array_size(d) > 100)
        return tr_fail(err, TR_EINVAL, tr_path(f, sizeof f, path, "depends_on"),
                       "must be a list (at most 100) of step ids or keys");
    s->deps = calloc(json_array_size(d) + 1, sizeof *s->deps);
    if (!s->deps) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t j = 0; j < json_array_size(d); j++) {
        json_t *e = json_array_get(d, j);
        snprintf(f, sizeof f, "%s.depends_on[%zu]", path, j);
        int64_t dep;
        if (json_is_integer(e) && json_integer_value(e) > 0) {
            dep = json_integer_value(e);
        } else if (json_is_string(e)) {
            long k = key_index(list, json_string_value(e));
            if (k < 0)
                return tr_fail(err, TR_EINVAL, f, "no step in this request has key '%.64s'",
                               json_string_value(e));
            if ((size_t)k == i) return tr_fail(err, TR_EINVAL, f, "a step cannot depend on itself");
            dep = -(k + 1);
        } else {
            return tr_fail(err, TR_EINVAL, f,
                           "must be a step id (a positive integer) or a key of this request");
        }
        for (size_t x = 0; x < s->ndeps; x++)
            if (s->deps[x] == dep) return tr_fail(err, TR_EINVAL, f, "is listed twice");
        s->deps[s->ndeps++] = dep;
    }
    return TR_OK;
}

/* Orders the request's steps so that each follows its in-request dependencies (Kahn's
 * algorithm); a step left over is on a cycle. */
static int order_steps(const tr_step *s, size_t n, size_t *order, tr_err *err) {
    unsigned char *placed = calloc(n + 1, 1);
    if (!placed) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t k = 0;
    for (bool progress = true; progress && k < n;) {
        progress = false;
        for (size_t i = 0; i < n; i++) {
            if (placed[i]) continue;
            bool ready = true;
            for (size_t j = 0; ready && j < s[i].ndeps; j++)
                if (s[i].deps[j] < 0 && !placed[-s[i].deps[j] - 1]) ready = false;
            if (ready) {
                placed[i] = 1;
                order[k++] = i;
                progress = true;
            }
        }
    }
    size_t stuck = 0;
    while (k < n && placed[stuck])
        stuck++;
    free(placed);
    if (k < n) {
        char f[64];
        snprintf(f, sizeof f, "steps[%zu].depends_on", stuck);
        return tr_fail(err, TR_EINVAL, f, "the dependencies form a cycle");
    }
    return TR_OK;
}

int tr_steps_parse(const json_t *body, tr_step **steps, size_t *n, size_t **order, tr_err *err) {
    static const char *const keys[] = {"steps", NULL};
    *steps = NULL;
    *n = 0;
    *order = NULL;
    if (!json_is_object(body))
        return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object {\"steps\": [...]}");
    if (tr_json_only_keys(body, keys, "", err)) return TR_EINVAL;
    json_t *list = json_object_get(body, "steps");
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > TR_STEPS_MAX)
        return tr_fail(err, TR_EINVAL, "steps", "must be a list of 1 to %d steps", TR_STEPS_MAX);
    size_t m = json_array_size(list);
    tr_step *v = calloc(m, sizeof *v);
    size_t *ord = calloc(m, sizeof *ord);
    int rc = v && ord ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; rc == TR_OK && i < m; i++) {
        char f[64];
        snprintf(f, sizeof f, "steps[%zu]", i);
        v[i].deadline = TR_TIME_OPEN;
        rc = parse_step(json_array_get(list, i), f, &v[i], err);
        const char *key = json_string_value(json_object_get(json_array_get(list, i), "key"));
        char g[80];
        if (rc == TR_OK && key && key_index(list, key) != (long)i)
            rc = tr_fail(err, TR_EINVAL, tr_path(g, sizeof g, f, "key"), "'%s' is used by an earlier step",
                         key);
        if (rc == TR_OK) rc = parse_deps(list, i, f, &v[i], err);
    }
    if (rc == TR_OK) rc = order_steps(v, m, ord, err);
    if (rc) {
        tr_steps_free(v, v ? m : 0);
        free(ord);
        return rc;
    }
    *steps = v;
    *n = m;
    *order = ord;
    return TR_OK;
}

json_t *tr_step_to_json(const tr_step *s) {
    json_t *deps = json_array();
    for (size_t i = 0; i < s->ndeps; i++)
        json_array_append_new(deps, json_integer(s->deps[i]));
    json_t *o = json_pack(
        "{s:I, s:I, s:o, s:s, s:s, s:o, s:o, s:s, s:o}", "id", (json_int_t)s->id, "agreement_id",
        (json_int_t)s->agreement_id, "provision", s->provision ? json_integer(s->provision) : json_null(),
        "title", s->title ? s->title : "", "responsible", s->responsible ? s->responsible : "", "deadline",
        tr_json_time_value(s->deadline), "depends_on", deps, "created_by", s->created_by ? s->created_by : "",
        "created_at", tr_json_time_value(s->created_at));
    if (o && s->separation_area) /* only on separation steps: other steps keep their logged bytes */
        json_object_set_new(o, "separation", json_pack("{s:I}", "area", (json_int_t)s->separation_area));
    return o;
}

/* ---- status changes ---- */

void tr_step_event_clear(tr_step_event *e) {
    free(e->party);
    free(e->reason);
    free(e->evidence);
    memset(e, 0, sizeof *e);
}

void tr_step_events_free(tr_step_event *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        tr_step_event_clear(&v[i]);
    free(v);
}

static bool is_hex64(const char *s) {
    if (!s || strlen(s) != 64) return false;
    for (int i = 0; i < 64; i++)
        if (!isdigit((unsigned char)s[i]) && (s[i] < 'a' || s[i] > 'f')) return false;
    return true;
}

/* A list of {"url": http(s)://..., "sha256": 64 lower-case hex}, re-encoded canonically. */
static int parse_evidence(const json_t *v, char **out, tr_err *err) {
    static const char *const keys[] = {"url", "sha256", NULL};
    json_t *norm = json_array();
    int rc = TR_OK;
    if (v && !json_is_null(v) && (!json_is_array(v) || json_array_size(v) > 20))
        rc = tr_fail(err, TR_EINVAL, "evidence", "must be a list (at most 20) of {\"url\", \"sha256\"}");
    for (size_t i = 0; rc == TR_OK && v && i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);
        char f[64], g[80];
        snprintf(f, sizeof f, "evidence[%zu]", i);
        const char *url = json_string_value(json_object_get(e, "url"));
        const char *sha = json_string_value(json_object_get(e, "sha256"));
        if (!json_is_object(e))
            rc = tr_fail(err, TR_EINVAL, f, "must be an object {\"url\", \"sha256\"}");
        else if (tr_json_only_keys(e, keys, f, err))
            rc = TR_EINVAL;
        else if (!url || strlen(url) > 2000 ||
                 (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) ||
                 strpbrk(url, " \t\r\n"))
            rc = tr_fail(err, TR_EINVAL, tr_path(g, sizeof g, f, "url"),
                         "must be an http(s) URL without spaces");
        else if (!is_hex64(sha))
            rc = tr_fail(err, TR_EINVAL, tr_path(g, sizeof g, f, "sha256"),
                         "must be the SHA-256 of the evidence: 64 lower-case hex digits");
        else
            json_array_append_new(norm, json_pack("{s:s, s:s}", "url", url, "sha256", sha));
    }
    if (rc == TR_OK) *out = json_dumps(norm, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(norm);
    return rc == TR_OK && !*out ? tr_fail(err, TR_ENOMEM, "", "out of memory") : rc;
}

int tr_step_event_parse(const json_t *body, int64_t now, tr_step_event *out, tr_err *err) {
    static const char *const keys[] = {"status", "reason", "at", "evidence", NULL};
    memset(out, 0, sizeof *out);
    int rc = TR_EINVAL;
    const char *st = json_string_value(json_object_get(body, "status"));
    if (!json_is_object(body)) {
        tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    } else if (tr_json_only_keys(body, keys, "", err)) {
    } else if (!st || tr_provision_status_parse(st, &out->status)) {
        tr_fail(err, TR_EINVAL, "status", "must be one of pending, in_progress, done, disputed");
    } else if (out->status == PROV_LATE) {
        tr_fail(err, TR_EINVAL, "status", "late is derived from the deadline and cannot be set");
    } else if (tr_json_str(body, "reason", "", 4000, &out->reason, err) ||
               tr_json_time(body, "at", "", now, &out->at, err)) {
    } else if (out->at > now) {
        tr_fail(err, TR_EINVAL, "at", "is in the future");
    } else if (out->status == PROV_DISPUTED && (!out->reason || !out->reason[0])) {
        tr_fail(err, TR_EINVAL, "reason", "is required to dispute a step");
    } else {
        rc = parse_evidence(json_object_get(body, "evidence"), &out->evidence, err);
    }
    if (rc) tr_step_event_clear(out);
    return rc;
}

json_t *tr_step_event_to_json(const tr_step_event *e) {
    json_t *ev = e->evidence ? json_loads(e->evidence, 0, NULL) : json_array();
    return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "seq", (json_int_t)e->seq, "step_id",
                     (json_int_t)e->step_id, "status", tr_provision_status_name(e->status), "party",
                     e->party ? e->party : "", "at", tr_json_time_value(e->at), "reason",
                     e->reason ? json_string(e->reason) : json_null(), "evidence", ev ? ev : json_null(),
                     "created_at", tr_json_time_value(e->created_at));
}

/* ---- derived status and score ---- */

tr_provision_status tr_step_stored_status(const tr_step_event *ev, size_t n, int64_t step_id, int64_t at) {
    tr_provision_status s = PROV_PENDING;
    for (size_t i = 0; i < n; i++)
        if (ev[i].step_id == step_id && ev[i].at <= at) s = ev[i].status;
    return s;
}

tr_provision_status tr_step_status(tr_provision_status stored, int64_t deadline, int64_t at) {
    if ((stored == PROV_PENDING || stored == PROV_IN_PROGRESS) && deadline != TR_TIME_OPEN && deadline <= at)
        return PROV_LATE;
    return stored;
}

int tr_step_transition(tr_provision_status from, tr_provision_status to, bool deps_done, tr_err *err) {
    /* allowed[from] is a bit set of the statuses `from` may go to */
    static const unsigned allowed[PROV_STATUS_COUNT] = {
        [PROV_PENDING] = 1u << PROV_IN_PROGRESS | 1u << PROV_DONE | 1u << PROV_DISPUTED,
        [PROV_IN_PROGRESS] = 1u << PROV_PENDING | 1u << PROV_DONE | 1u << PROV_DISPUTED,
        [PROV_DONE] = 1u << PROV_DISPUTED,
        [PROV_DISPUTED] = 1u << PROV_PENDING | 1u << PROV_IN_PROGRESS | 1u << PROV_DONE,
    };
    if (from == to)
        return tr_fail(err, TR_ECONFLICT, "status", "the step is already %s", tr_provision_status_name(to));
    if ((unsigned)from >= PROV_STATUS_COUNT || !(allowed[from] & (1u << to)))
        return tr_fail(err, TR_ECONFLICT, "status", "a step that is %s cannot become %s",
                       tr_provision_status_name(from), tr_provision_status_name(to));
    if (to == PROV_DONE && !deps_done)
        return tr_fail(err, TR_ECONFLICT, "status",
                       "a step cannot be done before the steps it depends on are done");
    return TR_OK;
}

int tr_step_score(const tr_provision_status *stored, size_t n) {
    if (n == 0) return -1;
    size_t done = 0, begun = 0;
    for (size_t i = 0; i < n; i++) {
        if (stored[i] == PROV_DONE) done++;
        if (stored[i] != PROV_PENDING && stored[i] != PROV_LATE) begun++;
    }
    if (done == n) return 3;
    if (2 * done >= n) return 2;
    return begun ? 1 : 0;
}
