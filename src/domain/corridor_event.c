/* corridor_event.c — a humanitarian corridor's openings, suspensions, resumptions and daily
 * crossing counts, and the corridor's state derived from them (humanitarian.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/names.h"
#include "base/timeutil.h"
#include "domain/humanitarian.h"
#include "domain/report.h"

static const char *const kind_names[] = {TR_CORRIDOR_EVENT_MAP(TR_NAME_STR)};

TR_NAMES_DEFINE(tr_corridor_event_kind, tr_corridor_event_kind, kind_names, CORRIDOR_EVENT_COUNT)

void tr_corridor_event_clear(tr_corridor_event *e) {
    TR_FREE(e->party, e->source_kind, e->source_ref, e->reason);
    memset(e, 0, sizeof *e);
}

void tr_corridor_events_free(tr_corridor_event *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        tr_corridor_event_clear(&v[i]);
    free(v);
}

/* "YYYY-MM-DD" exactly, a real date: its midnight UTC. */
static int parse_day(const json_t *body, int64_t *out, tr_err *err) {
    const char *s = json_string_value(json_object_get(body, "date"));
    if (!s) return tr_fail(err, TR_EINVAL, "date", "is required: a date such as \"2016-12-15\"");
    bool shape = strlen(s) == 10 && s[4] == '-' && s[7] == '-';
    for (int i = 0; shape && i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) shape = false;
    char back[TR_TIME_BUFSZ];
    if (!shape || tr_time_parse(s, out) || strncmp(tr_time_format(*out, back), s, 10) != 0)
        return tr_fail(err, TR_EINVAL, "date", "'%.40s' is not a date such as \"2016-12-15\"", s);
    return TR_OK;
}

static int parse_count(const json_t *body, int64_t *out, tr_err *err) {
    json_t *v = json_object_get(body, "count");
    if (!v) return tr_fail(err, TR_EINVAL, "count", "is required: the number of people who crossed that day");
    if (!json_is_integer(v)) return tr_fail(err, TR_EINVAL, "count", "must be a whole number");
    if (json_integer_value(v) < 0) return tr_fail(err, TR_EINVAL, "count", "must not be negative");
    if (json_integer_value(v) > TR_CROSSING_MAX)
        return tr_fail(err, TR_EINVAL, "count", "is more than %d people on one day", TR_CROSSING_MAX);
    *out = json_integer_value(v);
    return TR_OK;
}

static int parse_source(const json_t *body, tr_corridor_event *e, tr_err *err) {
    static const char *const keys[] = {"kind", "ref", NULL};
    json_t *v = json_object_get(body, "source");
    if (!json_is_object(v)) return tr_fail(err, TR_EINVAL, "source", "is required: {\"kind\", \"ref\"?}");
    if (tr_json_only_keys(v, keys, "source", err)) return TR_EINVAL;
    tr_source_kind k;
    const char *ks = json_string_value(json_object_get(v, "kind"));
    if (!ks || tr_source_kind_parse(ks, &k))
        return tr_fail(err, TR_EINVAL, "source.kind",
                       "must be one of party, monitor, humanitarian, media, public");
    e->source_kind = strdup(ks);
    if (tr_json_str(v, "ref", "source", 500, &e->source_ref, err)) return TR_EINVAL;
    if (e->source_ref && !e->source_ref[0]) return tr_fail(err, TR_EINVAL, "source.ref", "must not be empty");
    return TR_OK;
}

static int parse_kind_fields(const json_t *body, tr_corridor_event *e, int64_t now, tr_err *err) {
    switch (e->kind) {
    case CORRIDOR_OPENING:
        if (tr_json_time(body, "from", "", TR_TIME_MIN, &e->from, err) ||
            tr_json_time(body, "to", "", TR_TIME_OPEN, &e->to, err))
            return TR_EINVAL;
        if (e->from == TR_TIME_MIN) return tr_fail(err, TR_EINVAL, "from", "is required (RFC 3339 time)");
        if (e->to == TR_TIME_OPEN) return tr_fail(err, TR_EINVAL, "to", "is required (RFC 3339 time)");
        if (e->to <= e->from) return tr_fail(err, TR_EINVAL, "to", "must be later than from");
        return tr_json_str(body, "note", "", 2000, &e->reason, err);
    case CORRIDOR_SUSPENSION:
    case CORRIDOR_RESUMPTION: {
        const char *key = e->kind == CORRIDOR_SUSPENSION ? "from" : "at";
        if (tr_json_time(body, key, "", now, &e->from, err)) return TR_EINVAL;
        if (e->from > now) return tr_fail(err, TR_EINVAL, key, "is in the future");
        if (tr_json_str(body, "reason", "", 2000, &e->reason, err)) return TR_EINVAL;
        if (e->kind == CORRIDOR_SUSPENSION && (!e->reason || !e->reason[0]))
            return tr_fail(err, TR_EINVAL, "reason", "is required: why the corridor is suspended");
        return TR_OK;
    }
    case CORRIDOR_CROSSING:
        if (parse_day(body, &e->from, err) || parse_count(body, &e->count, err) || parse_source(body, e, err))
            return TR_EINVAL;
        if (e->from > now) return tr_fail(err, TR_EINVAL, "date", "is in the future");
        return tr_json_str(body, "note", "", 2000, &e->reason, err);
    default:
        return tr_fail(err, TR_EINTERNAL, "", "unknown corridor event kind");
    }
}

int tr_corridor_event_parse(const json_t *body, tr_corridor_event_kind kind, int64_t now,
                            tr_corridor_event *out, tr_err *err) {
    static const char *const keys[CORRIDOR_EVENT_COUNT][5] = {
        [CORRIDOR_OPENING] = {"from", "to", "note", NULL},
        [CORRIDOR_SUSPENSION] = {"from", "reason", NULL},
        [CORRIDOR_RESUMPTION] = {"at", "reason", NULL},
        [CORRIDOR_CROSSING] = {"date", "count", "source", "note", NULL},
    };
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->to = TR_TIME_OPEN;
    out->count = -1;
    int rc = TR_EINVAL;
    if (!json_is_object(body))
        tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    else if (tr_json_only_keys(body, keys[kind], "", err) == TR_OK)
        rc = parse_kind_fields(body, out, now, err);
    if (rc) tr_corridor_event_clear(out);
    return rc;
}

json_t *tr_corridor_event_to_json(const tr_corridor_event *e) {
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:o}", "id", (json_int_t)e->id, "area_id",
                          (json_int_t)e->area_id, "kind", tr_corridor_event_kind_name(e->kind), "party",
                          e->party ? e->party : "", "created_at", tr_json_time_value(e->created_at));
    if (!o) return NULL;
    char day[TR_TIME_BUFSZ];
    switch (e->kind) {
    case CORRIDOR_OPENING:
        json_object_set_new(o, "from", tr_json_time_value(e->from));
        json_object_set_new(o, "to", tr_json_time_value(e->to));
        json_object_set_new(o, "note", e->reason ? json_string(e->reason) : json_null());
        break;
    case CORRIDOR_SUSPENSION:
    case CORRIDOR_RESUMPTION:
        json_object_set_new(o, e->kind == CORRIDOR_SUSPENSION ? "from" : "at", tr_json_time_value(e->from));
        json_object_set_new(o, "reason", e->reason ? json_string(e->reason) : json_null());
        break;
    case CORRIDOR_CROSSING:
        tr_time_format(e->from, day)[10] = '\0';
        json_object_set_new(o, "date", json_string(day));
        json_object_set_new(o, "count", json_integer(e->count));
        json_object_set_new(o, "source",
                            json_pack("{s:s, s:o}", "kind", e->source_kind ? e->source_kind : "", "ref",
                                      e->source_ref ? json_string(e->source_ref) : json_null()));
        json_object_set_new(o, "note", e->reason ? json_string(e->reason) : json_null());
        break;
    default:
        break;
    }
    return o;
}

/* The suspension in effect after the events (the last one not followed by a resumption),
 * or NULL. */
static const tr_corridor_event *open_suspension(const tr_corridor_event *ev, size_t n) {
    const tr_corridor_event *s = NULL;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == CORRIDOR_SUSPENSION) s = &ev[i];
        if (ev[i].kind == CORRIDOR_RESUMPTION) s = NULL;
    }
    return s;
}

int tr_corridor_check(const tr_corridor_event *ev, size_t n, const tr_corridor_event *e, int64_t valid_from,
                      int64_t valid_to, tr_err *err) {
    const tr_corridor_event *susp = open_suspension(ev, n);
    char b1[TR_TIME_BUFSZ], b2[TR_TIME_BUFSZ];
    switch (e->kind) {
    case CORRIDOR_OPENING:
        if (e->from < valid_from)
            return tr_fail(err, TR_EINVAL, "from", "is before the corridor area is valid");
        if (e->to > valid_to)
            return tr_fail(err, TR_EINVAL, "to", "is after the corridor area's validity ends");
        for (size_t i = 0; i < n; i++)
            if (ev[i].kind == CORRIDOR_OPENING && ev[i].from < e->to && e->from < ev[i].to)
                return tr_fail(err, TR_ECONFLICT, "from", "overlaps opening %lld (%s to %s)",
                               (long long)ev[i].id, tr_time_format(ev[i].from, b1),
                               tr_time_format(ev[i].to, b2));
        return TR_OK;
    case CORRIDOR_SUSPENSION:
        if (susp)
            return tr_fail(err, TR_ECONFLICT, "from",
                           "the corridor is already suspended (since %s, event %lld)",
                           tr_time_format(susp->from, b1), (long long)susp->id);
        for (size_t i = 0; i < n; i++)
            if (ev[i].kind == CORRIDOR_RESUMPTION && ev[i].from > e->from)
                return tr_fail(err, TR_ECONFLICT, "from", "is before the last resumption (%s)",
                               tr_time_format(ev[i].from, b1));
        return TR_OK;
    case CORRIDOR_RESUMPTION:
        if (!susp) return tr_fail(err, TR_ECONFLICT, "at", "the corridor is not suspended");
        if (e->from <= susp->from)
            return tr_fail(err, TR_EINVAL, "at", "must be later than the suspension (%s)",
                           tr_time_format(susp->from, b1));
        return TR_OK;
    case CORRIDOR_CROSSING:
        for (size_t i = 0; i < n; i++)
            if (ev[i].kind == CORRIDOR_OPENING && ev[i].from < e->from + TR_DAY && e->from < ev[i].to)
                return TR_OK;
        return tr_fail(err, TR_EINVAL, "date", "the corridor had no opening window on %.10s",
                       tr_time_format(e->from, b1));
    default:
        return tr_fail(err, TR_EINTERNAL, "", "unknown corridor event kind");
    }
}

/* ---- the corridor's state ---- */

static int cmp_crossing(const void *x, const void *y) {
    const tr_corridor_event *a = *(const tr_corridor_event *const *)x,
                            *b = *(const tr_corridor_event *const *)y;
    if (a->from != b->from) return a->from < b->from ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

/* Suspensions paired with the resumption that ended each; status at `at`. */
static json_t *suspensions_json(const tr_corridor_event *ev, size_t n, int64_t at, bool *suspended) {
    json_t *list = json_array();
    json_t *cur = NULL;
    int64_t cur_from = 0;
    *suspended = false;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == CORRIDOR_SUSPENSION) {
            cur = json_pack("{s:I, s:s, s:o, s:o, s:n, s:n}", "id", (json_int_t)ev[i].id, "party",
                            ev[i].party, "from", tr_json_time_value(ev[i].from), "reason",
                            json_string(ev[i].reason ? ev[i].reason : ""), "resumed_at", "resumption");
            cur_from = ev[i].from;
            if (cur_from <= at) *suspended = true; /* until a resumption at or before `at` */
            json_array_append_new(list, cur);
        } else if (ev[i].kind == CORRIDOR_RESUMPTION && cur) {
            json_object_set_new(cur, "resumed_at", tr_json_time_value(ev[i].from));
            json_object_set_new(cur, "resumption", tr_corridor_event_to_json(&ev[i]));
            if (cur_from <= at && ev[i].from <= at) *suspended = false;
            cur = NULL;
        }
    }
    return list;
}

static json_t *crossings_json(const tr_corridor_event *ev, size_t n) {
    const tr_corridor_event **c = calloc(n + 1, sizeof *c);
    size_t nc = 0;
    for (size_t i = 0; c && i < n; i++)
        if (ev[i].kind == CORRIDOR_CROSSING) c[nc++] = &ev[i];
    if (nc) qsort(c, nc, sizeof *c, cmp_crossing);
    json_t *days = json_array();
    int64_t low_sum = 0, high_sum = 0, ndays = 0;
    for (size_t i = 0; i < nc;) {
        size_t j = i;
        int64_t lo = c[i]->count, hi = c[i]->count;
        json_t *reports = json_array();
        for (; j < nc && c[j]->from == c[i]->from; j++) {
            if (c[j]->count < lo) lo = c[j]->count;
            if (c[j]->count > hi) hi = c[j]->count;
            json_array_append_new(reports, tr_corridor_event_to_json(c[j]));
        }
        char day[TR_TIME_BUFSZ];
        tr_time_format(c[i]->from, day)[10] = '\0';
        json_array_append_new(days, json_pack("{s:s, s:I, s:I, s:o}", "date", day, "low", (json_int_t)lo,
                                              "high", (json_int_t)hi, "reports", reports));
        low_sum += lo;
        high_sum += hi;
        ndays++;
        i = j;
    }
    free(c);
    return json_pack("{s:o, s:{s:I, s:I, s:I, s:I}}", "days", days, "totals", "days", (json_int_t)ndays,
                     "reports", (json_int_t)nc, "low", (json_int_t)low_sum, "high", (json_int_t)high_sum);
}

json_t *tr_corridor_view(const tr_corridor_event *ev, size_t n, int64_t at) {
    json_t *openings = json_array();
    bool in_window = false;
    int64_t next = TR_TIME_OPEN; /* the first opening after `at` */
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind != CORRIDOR_OPENING) continue;
        json_array_append_new(openings, tr_corridor_event_to_json(&ev[i]));
        if (ev[i].from <= at && at < ev[i].to) in_window = true;
        if (ev[i].from > at && ev[i].from < next) next = ev[i].from;
    }
    bool suspended;
    json_t *susp = suspensions_json(ev, n, at, &suspended);
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "status",
                     suspended   ? "suspended"
                     : in_window ? "open"
                                 : "closed",
                     "at", tr_json_time_value(at), "next_opening", tr_json_time_value(next), "openings",
                     openings, "suspensions", susp, "crossings", crossings_json(ev, n));
}
