/*
 * monitor_grade.c — grades of incidents, after the practice of civilian-harm monitors.
 *
 * mon_grade_compute is a pure function: it replays an incident's events (reports
 * joining, party responses, monitor verdicts) in a fixed order and, after each, derives
 * the grade from the state so far by a fixed precedence (discounted > confirmed >
 * contested > corroborated > single_source). A change of grade becomes a history entry
 * naming the event's author and the rule. Nothing depends on the order the inputs are
 * given in.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/names.h"
#include "base/timeutil.h"
#include "engines/monitor.h"

static const char *const grade_names[] = {MON_GRADE_MAP(TR_NAME_STR)};

static const char *const response_names[] = {MON_RESPONSE_MAP(TR_NAME_STR)};

static const char *const verdict_names[] = {MON_VERDICT_MAP(TR_NAME_STR)};

const char *mon_grade_name(mon_grade g) {
    return (unsigned)g < MON_GRADE_COUNT ? grade_names[g] : "unknown";
}

TR_NAMES_DEFINE(mon_response_kind, mon_response_kind, response_names, MON_RESPONSE_COUNT)

TR_NAMES_DEFINE(mon_verdict_kind, mon_verdict_kind, verdict_names, MON_VERDICT_COUNT)

const char *mon_source_key(const char *ref, const char *party, char *buf, size_t cap) {
    if (ref) {
        while (*ref && isspace((unsigned char)*ref))
            ref++;
        size_t n = strlen(ref);
        while (n > 0 && isspace((unsigned char)ref[n - 1]))
            n--;
        if (n > 0) {
            if (n >= cap) n = cap - 1;
            for (size_t i = 0; i < n; i++)
                buf[i] = (char)tolower((unsigned char)ref[i]);
            buf[n] = '\0';
            return buf;
        }
    }
    snprintf(buf, cap, "party:%s", party ? party : "");
    return buf;
}

void mon_grade_result_clear(mon_grade_result *r) {
    for (size_t i = 0; i < r->nhistory; i++) {
        free(r->history[i].by);
        free(r->history[i].why);
    }
    free(r->history);
    memset(r, 0, sizeof *r);
}

/* ---- replay ---- */

typedef struct event {
    int64_t at;
    int order;    /* 0 report, 1 response, 2 verdict */
    int64_t key;  /* report id or seq */
    size_t index; /* into its input array */
} event;

static int cmp_key(int64_t at_a, int order_a, int64_t key_a, int64_t at_b, int order_b, int64_t key_b) {
    if (at_a != at_b) return at_a < at_b ? -1 : 1;
    if (order_a != order_b) return order_a < order_b ? -1 : 1;
    return key_a < key_b ? -1 : key_a > key_b;
}

static int cmp_event(const void *x, const void *y) {
    const event *a = x, *b = y;
    return cmp_key(a->at, a->order, a->key, b->at, b->order, b->key);
}

#define MAX_IDS 4 /* report ids quoted per source or perpetrator */

typedef struct named {
    const char *name;
    size_t count;
    int64_t ids[MAX_IDS]; /* the first report ids naming it */
} named;

/* Distinct names with counts, in order of first appearance, hashed for O(1) lookup. */
typedef struct name_set {
    named *v;
    size_t n, vcap;
    uint32_t *slots; /* index + 1, 0 empty; capacity a power of two >= 2 * n */
    size_t cap;
} name_set;

typedef struct stance {
    const char *party;
    mon_response_kind kind; /* accept or deny */
} stance;

struct mon_grader {
    name_set keys, perps;
    named *scratch; /* room to sort the perpetrators (perps.vcap items) */
    stance *stances;
    size_t nstances, capstances;
    bool has_verdict;
    mon_verdict verdict; /* latest confirm/reject (its strings are the caller's) */
    bool any;            /* an event was applied */
    int64_t last_at, last_key;
    int last_order;
    mon_grade grade;
    char reason[sizeof((mon_grade_result *)0)->reason];
    mon_grade_change *history;
    size_t nhistory, caphistory;
};

static uint64_t hash_name(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static void set_free(name_set *s) {
    free(s->v);
    free(s->slots);
}

/* The entry for name, or NULL; *slot is where it is or would go. */
static named *set_find(const name_set *s, const char *name, size_t *slot) {
    if (!s->cap) return NULL;
    size_t mask = s->cap - 1, i = (size_t)hash_name(name) & mask;
    while (s->slots[i] && strcmp(s->v[s->slots[i] - 1].name, name) != 0)
        i = (i + 1) & mask;
    *slot = i;
    return s->slots[i] ? &s->v[s->slots[i] - 1] : NULL;
}

/* Makes room for one more name. */
static int set_reserve(name_set *s) {
    if (s->n + 1 > s->vcap) {
        size_t cap = s->vcap ? 2 * s->vcap : 8;
        named *v = realloc(s->v, cap * sizeof *v);
        if (!v) return TR_ENOMEM;
        s->v = v;
        s->vcap = cap;
    }
    if (2 * (s->n + 1) <= s->cap) return TR_OK;
    size_t cap = s->cap ? 2 * s->cap : 16;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return TR_ENOMEM;
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = (size_t)hash_name(s->v[k].name) & (cap - 1);
        while (slots[i])
            i = (i + 1) & (cap - 1);
        slots[i] = (uint32_t)(k + 1);
    }
    return TR_OK;
}

/* Counts name. */
static int count_name(name_set *s, const char *name, int64_t id) {
    size_t slot = 0;
    named *e = set_find(s, name, &slot);
    if (!e) {
        if (set_reserve(s)) return TR_ENOMEM;
        set_find(s, name, &slot);
        e = &s->v[s->n++];
        memset(e, 0, sizeof *e);
        e->name = name;
        s->slots[slot] = (uint32_t)s->n;
    }
    if (e->count < MAX_IDS) e->ids[e->count] = id;
    e->count++;
    return TR_OK;
}

static int cmp_named(const void *x, const void *y) {
    const named *a = x, *b = y;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int cmp_i64(const void *x, const void *y) {
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static bool is_perpetrator(const mon_grader *s, const char *party) {
    size_t slot;
    return set_find(&s->perps, party, &slot) != NULL;
}

/* Appends "report 3" / "reports 1, 4, 7" / "reports 1, 4, 7, 9 and 3 more". */
static void put_ids(char *buf, size_t cap, const int64_t *ids, size_t shown, size_t total) {
    int64_t sorted[MAX_IDS];
    memcpy(sorted, ids, shown * sizeof *ids);
    qsort(sorted, shown, sizeof *sorted, cmp_i64);
    size_t used = strlen(buf);
    used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0, "report%s ", total > 1 ? "s" : "");
    for (size_t i = 0; i < shown && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%lld", i ? ", " : "", (long long)sorted[i]);
    if (total > shown && used < cap) snprintf(buf + used, cap - used, " and %zu more", total - shown);
}

static void append(char *buf, size_t cap, const char *fmt, const char *a, const char *b) {
    size_t used = strlen(buf);
    if (used < cap) snprintf(buf + used, cap - used, fmt, a, b);
}

/* The contested reason: each perpetrator with the reports naming it, most named first. */
static void blame_list(mon_grader *s, char *buf, size_t cap) {
    size_t np = s->perps.n;
    named *p = s->scratch;
    memcpy(p, s->perps.v, np * sizeof *p);
    qsort(p, np, sizeof *p, cmp_named);
    snprintf(buf, cap, "reports blame different perpetrators: ");
    for (size_t i = 0; i < np; i++) {
        append(buf, cap, "%s%s (", i ? "; " : "", p[i].name);
        put_ids(buf, cap, p[i].ids, p[i].count < MAX_IDS ? p[i].count : MAX_IDS, p[i].count);
        append(buf, cap, ")%s%s", "", "");
    }
}

/* The grade from the verdict, or from the alleged perpetrators' stances; NONE if neither
 * decides. */
static mon_grade derive_acts(mon_grader *s, char *buf, size_t cap, const char **denied) {
    if (s->has_verdict && s->verdict.kind == MON_REJECT) {
        snprintf(buf, cap, "monitor %s rejected it: %s", s->verdict.monitor,
                 s->verdict.reason ? s->verdict.reason : "");
        return MON_GRADE_DISCOUNTED;
    }
    if (s->has_verdict && s->verdict.kind == MON_CONFIRM) {
        snprintf(buf, cap, "monitor %s confirmed it%s%s", s->verdict.monitor, s->verdict.reason ? ": " : "",
                 s->verdict.reason ? s->verdict.reason : "");
        return MON_GRADE_CONFIRMED;
    }
    const char *accepted = NULL;
    *denied = NULL;
    for (size_t i = 0; i < s->nstances; i++) {
        if (!is_perpetrator(s, s->stances[i].party)) continue;
        const char **slot = s->stances[i].kind == MON_ACCEPT ? &accepted : denied;
        if (!*slot || strcmp(s->stances[i].party, *slot) < 0) *slot = s->stances[i].party;
    }
    if (accepted) {
        snprintf(buf, cap, "%s, named as the perpetrator, accepted it", accepted);
        return MON_GRADE_CONFIRMED;
    }
    return MON_GRADE_NONE;
}

/* The grade the state gives, with its reason in buf. */
static mon_grade derive(mon_grader *s, char *buf, size_t cap) {
    buf[0] = '\0';
    const char *denied = NULL;
    mon_grade g = derive_acts(s, buf, cap, &denied);
    if (g != MON_GRADE_NONE) return g;
    if (s->perps.n >= 2 || denied) {
        if (s->perps.n >= 2) blame_list(s, buf, cap);
        if (denied) append(buf, cap, "%s%s, named as the perpetrator, denied it", buf[0] ? "; " : "", denied);
        return MON_GRADE_CONTESTED;
    }
    const name_set *k = &s->keys;
    if (k->n >= 2) {
        int64_t firsts[MAX_IDS];
        size_t shown = 0;
        for (size_t i = 0; i < k->n && shown < MAX_IDS; i++)
            firsts[shown++] = k->v[i].ids[0];
        snprintf(buf, cap, "%zu independent sources (", k->n);
        put_ids(buf, cap, firsts, shown, k->n);
        append(buf, cap, ")%s%s", "", "");
        return MON_GRADE_CORROBORATED;
    }
    if (k->n == 1) {
        snprintf(buf, cap, "one source (");
        put_ids(buf, cap, k->v[0].ids, k->v[0].count < MAX_IDS ? k->v[0].count : MAX_IDS, k->v[0].count);
        append(buf, cap, ")%s%s", "", "");
        return MON_GRADE_SINGLE_SOURCE;
    }
    snprintf(buf, cap, "no report yet");
    return MON_GRADE_NONE;
}

static int push_change(mon_grader *s, int64_t at, const char *by, mon_grade from, mon_grade to,
                       const char *what, const char *reason) {
    if (s->nhistory == s->caphistory) {
        size_t cap = s->caphistory ? 2 * s->caphistory : 4;
        mon_grade_change *h = realloc(s->history, cap * sizeof *h);
        if (!h) return TR_ENOMEM;
        s->history = h;
        s->caphistory = cap;
    }
    size_t n = strlen(what) + strlen(reason) + 3;
    char *why = malloc(n);
    char *who = strdup(by ? by : "");
    if (!why || !who) {
        free(why);
        free(who);
        return TR_ENOMEM;
    }
    snprintf(why, n, "%s: %s", what, reason);
    s->history[s->nhistory++] = (mon_grade_change){at, who, from, to, why};
    return TR_OK;
}

/* After an event: the new grade, and a history entry when it changed. */
static int settle(mon_grader *s, int64_t at, int order, int64_t key, const char *by, const char *what) {
    s->any = true;
    s->last_at = at;
    s->last_order = order;
    s->last_key = key;
    char reason[sizeof s->reason];
    mon_grade next = derive(s, reason, sizeof reason);
    int rc = next != s->grade ? push_change(s, at, by, s->grade, next, what, reason) : TR_OK;
    s->grade = next;
    memcpy(s->reason, reason, sizeof reason);
    return rc;
}

mon_grader *mon_grader_new(void) {
    mon_grader *s = calloc(1, sizeof *s);
    if (s) snprintf(s->reason, sizeof s->reason, "no report yet");
    return s;
}

void mon_grader_free(mon_grader *s) {
    if (!s) return;
    for (size_t i = 0; i < s->nhistory; i++) {
        free(s->history[i].by);
        free(s->history[i].why);
    }
    free(s->history);
    set_free(&s->keys);
    set_free(&s->perps);
    free(s->scratch);
    free(s->stances);
    free(s);
}

bool mon_grader_in_order(const mon_grader *s, int64_t at, int order, int64_t key) {
    return !s->any || cmp_key(s->last_at, s->last_order, s->last_key, at, order, key) < 0;
}

int mon_grader_report(mon_grader *s, const mon_grade_report *r) {
    size_t before = s->perps.n;
    if (count_name(&s->keys, r->source_key, r->id) ||
        (r->perpetrator && count_name(&s->perps, r->perpetrator, r->id)))
        return TR_ENOMEM;
    if (s->perps.n > before && s->perps.n > 1) {
        named *p = realloc(s->scratch, s->perps.vcap * sizeof *p);
        if (!p) return TR_ENOMEM;
        s->scratch = p;
    }
    char what[256];
    if (r->join_note)
        snprintf(what, sizeof what, "report %lld %s", (long long)r->id, r->join_note);
    else
        snprintf(what, sizeof what, "report %lld from %s", (long long)r->id,
                 r->joined_by ? r->joined_by : "?");
    return settle(s, r->joined_at, 0, r->id, r->joined_by, what);
}

int mon_grader_response(mon_grader *s, const mon_response *p) {
    char what[256];
    snprintf(what, sizeof what, "%s responded: %s", p->party, mon_response_kind_name(p->kind));
    if (p->kind != MON_COMMENT) {
        size_t i = 0;
        while (i < s->nstances && strcmp(s->stances[i].party, p->party) != 0)
            i++;
        if (i == s->nstances) {
            if (s->nstances == s->capstances) {
                size_t cap = s->capstances ? 2 * s->capstances : 4;
                stance *v = realloc(s->stances, cap * sizeof *v);
                if (!v) return TR_ENOMEM;
                s->stances = v;
                s->capstances = cap;
            }
            s->nstances++;
        }
        s->stances[i] = (stance){p->party, p->kind};
    }
    return settle(s, p->at, 1, p->seq, p->party, what);
}

int mon_grader_verdict(mon_grader *s, const mon_verdict *v) {
    char what[256];
    snprintf(what, sizeof what, "monitor %s: %s", v->monitor, mon_verdict_kind_name(v->kind));
    s->has_verdict = v->kind != MON_REOPEN;
    if (s->has_verdict) s->verdict = *v;
    return settle(s, v->at, 2, v->seq, v->monitor, what);
}

mon_grade mon_grader_grade(const mon_grader *s) {
    return s->grade;
}

const char *mon_grader_reason(const mon_grader *s) {
    return s->reason;
}

const mon_grade_change *mon_grader_history(const mon_grader *s, size_t *n) {
    *n = s->nhistory;
    return s->history;
}

size_t mon_grader_sources(const mon_grader *s) {
    return s->keys.n;
}

int mon_grader_copy_result(const mon_grader *s, mon_grade_result *out) {
    memset(out, 0, sizeof *out);
    out->grade = s->grade;
    snprintf(out->reason, sizeof out->reason, "%s", s->reason);
    if (!s->nhistory) return TR_OK;
    out->history = calloc(s->nhistory, sizeof *out->history);
    if (!out->history) return TR_ENOMEM;
    for (size_t i = 0; i < s->nhistory; i++) {
        const mon_grade_change *h = &s->history[i];
        out->history[out->nhistory] =
            (mon_grade_change){h->at, strdup(h->by), h->from, h->to, strdup(h->why)};
        if (!out->history[out->nhistory].by || !out->history[out->nhistory].why) {
            free(out->history[out->nhistory].by);
            free(out->history[out->nhistory].why);
            mon_grade_result_clear(out);
            return TR_ENOMEM;
        }
        out->nhistory++;
    }
    return TR_OK;
}

/* Applies ev (sorted) to s. */
static int replay(mon_grader *s, const event *ev, size_t k, const mon_grade_report *reports,
                  const mon_response *responses, const mon_verdict *verdicts) {
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < k; i++)
        rc = ev[i].order == 0   ? mon_grader_report(s, &reports[ev[i].index])
             : ev[i].order == 1 ? mon_grader_response(s, &responses[ev[i].index])
                                : mon_grader_verdict(s, &verdicts[ev[i].index]);
    return rc;
}

int mon_grade_compute(const mon_grade_report *reports, size_t nreports, const mon_response *responses,
                      size_t nresponses, const mon_verdict *verdicts, size_t nverdicts, int64_t as_of,
                      mon_grade_result *out) {
    memset(out, 0, sizeof *out);
    size_t nev = nreports + nresponses + nverdicts;
    event *ev = malloc((nev ? nev : 1) * sizeof *ev);
    mon_grader *s = mon_grader_new();
    int rc = ev && s ? TR_OK : TR_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; rc == TR_OK && i < nreports; i++)
        if (reports[i].joined_at <= as_of) ev[k++] = (event){reports[i].joined_at, 0, reports[i].id, i};
    for (size_t i = 0; rc == TR_OK && i < nresponses; i++)
        if (responses[i].at <= as_of) ev[k++] = (event){responses[i].at, 1, responses[i].seq, i};
    for (size_t i = 0; rc == TR_OK && i < nverdicts; i++)
        if (verdicts[i].at <= as_of) ev[k++] = (event){verdicts[i].at, 2, verdicts[i].seq, i};
    if (rc == TR_OK) {
        qsort(ev, k, sizeof *ev, cmp_event);
        rc = replay(s, ev, k, reports, responses, verdicts);
    }
    if (rc == TR_OK) rc = mon_grader_copy_result(s, out);
    free(ev);
    mon_grader_free(s);
    return rc;
}
