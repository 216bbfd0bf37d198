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

#include "base/timeutil.h"
#include "engines/monitor.h"

static const char *const grade_names[] = {
#define MON_GRADE_STR(e, s) s,
    MON_GRADE_MAP(MON_GRADE_STR)
#undef MON_GRADE_STR
};

static const char *const response_names[] = {
#define MON_RESP_STR(e, s) s,
    MON_RESPONSE_MAP(MON_RESP_STR)
#undef MON_RESP_STR
};

static const char *const verdict_names[] = {
#define MON_VERD_STR(e, s) s,
    MON_VERDICT_MAP(MON_VERD_STR)
#undef MON_VERD_STR
};

const char *mon_grade_name(mon_grade g) {
    return (unsigned)g < MON_GRADE_COUNT ? grade_names[g] : "unknown";
}

const char *mon_response_kind_name(mon_response_kind k) {
    return (unsigned)k < MON_RESPONSE_COUNT ? response_names[k] : "unknown";
}

const char *mon_verdict_kind_name(mon_verdict_kind k) {
    return (unsigned)k < MON_VERDICT_COUNT ? verdict_names[k] : "unknown";
}

static int parse_name(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

int mon_response_kind_parse(const char *s, mon_response_kind *out) {
    int i = parse_name(response_names, MON_RESPONSE_COUNT, s);
    if (i < 0) return -1;
    *out = (mon_response_kind)i;
    return 0;
}

int mon_verdict_kind_parse(const char *s, mon_verdict_kind *out) {
    int i = parse_name(verdict_names, MON_VERDICT_COUNT, s);
    if (i < 0) return -1;
    *out = (mon_verdict_kind)i;
    return 0;
}

const char *mon_source_key(const char *ref, const char *party, char *buf, size_t cap) {
    if (ref) {
        while (*ref && isspace((unsigned char)*ref)) ref++;
        size_t n = strlen(ref);
        while (n > 0 && isspace((unsigned char)ref[n - 1])) n--;
        if (n > 0) {
            if (n >= cap) n = cap - 1;
            for (size_t i = 0; i < n; i++) buf[i] = (char)tolower((unsigned char)ref[i]);
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
    int order;          /* 0 report, 1 response, 2 verdict */
    int64_t key;        /* report id or seq */
    size_t index;       /* into its input array */
} event;

static int cmp_event(const void *x, const void *y) {
    const event *a = x, *b = y;
    if (a->at != b->at) return a->at < b->at ? -1 : 1;
    if (a->order != b->order) return a->order < b->order ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key;
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
    size_t n;
    uint32_t *slots; /* index + 1, 0 empty; capacity a power of two >= 2 * max names */
    size_t cap;
} name_set;

typedef struct stance {
    const char *party;
    mon_response_kind kind; /* accept or deny */
} stance;

typedef struct state {
    name_set keys, perps;
    named *scratch;   /* room to sort the perpetrators */
    stance *stances;
    size_t nstances;
    const mon_verdict *verdict; /* latest confirm/reject, NULL when none or reopened */
} state;

static uint64_t hash_name(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static int set_init(name_set *s, size_t max) {
    size_t cap = 16;
    while (cap < 2 * max) cap *= 2;
    s->v = malloc((max ? max : 1) * sizeof *s->v);
    s->slots = calloc(cap, sizeof *s->slots);
    s->cap = cap;
    s->n = 0;
    return s->v && s->slots ? TR_OK : TR_ENOMEM;
}

static void set_free(name_set *s) {
    free(s->v);
    free(s->slots);
}

/* The entry for name, or NULL; *slot is where it is or would go. */
static named *set_find(const name_set *s, const char *name, size_t *slot) {
    size_t mask = s->cap - 1, i = (size_t)hash_name(name) & mask;
    while (s->slots[i] && strcmp(s->v[s->slots[i] - 1].name, name) != 0) i = (i + 1) & mask;
    *slot = i;
    return s->slots[i] ? &s->v[s->slots[i] - 1] : NULL;
}

/* Counts name (the set has room for every report's name). */
static void count_name(name_set *s, const char *name, int64_t id) {
    size_t slot;
    named *e = set_find(s, name, &slot);
    if (!e) {
        e = &s->v[s->n++];
        memset(e, 0, sizeof *e);
        e->name = name;
        s->slots[slot] = (uint32_t)s->n;
    }
    if (e->count < MAX_IDS) e->ids[e->count] = id;
    e->count++;
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

static bool is_perpetrator(const state *s, const char *party) {
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

/* The grade the state gives, with its reason in buf. */
static mon_grade derive(state *s, char *buf, size_t cap) {
    buf[0] = '\0';
    if (s->verdict && s->verdict->kind == MON_REJECT) {
        snprintf(buf, cap, "monitor %s rejected it: %s", s->verdict->monitor,
                 s->verdict->reason ? s->verdict->reason : "");
        return MON_GRADE_DISCOUNTED;
    }
    if (s->verdict && s->verdict->kind == MON_CONFIRM) {
        snprintf(buf, cap, "monitor %s confirmed it%s%s", s->verdict->monitor, s->verdict->reason ? ": " : "",
                 s->verdict->reason ? s->verdict->reason : "");
        return MON_GRADE_CONFIRMED;
    }
    const char *accepted = NULL, *denied = NULL;
    for (size_t i = 0; i < s->nstances; i++) {
        if (!is_perpetrator(s, s->stances[i].party)) continue;
        const char **slot = s->stances[i].kind == MON_ACCEPT ? &accepted : &denied;
        if (!*slot || strcmp(s->stances[i].party, *slot) < 0) *slot = s->stances[i].party;
    }
    if (accepted) {
        snprintf(buf, cap, "%s, named as the perpetrator, accepted it", accepted);
        return MON_GRADE_CONFIRMED;
    }
    size_t np = s->perps.n;
    if (np >= 2 || denied) {
        if (np >= 2) {
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
        if (denied) append(buf, cap, "%s%s, named as the perpetrator, denied it", buf[0] ? "; " : "", denied);
        return MON_GRADE_CONTESTED;
    }
    const name_set *k = &s->keys;
    if (k->n >= 2) {
        int64_t firsts[MAX_IDS];
        size_t shown = 0;
        for (size_t i = 0; i < k->n && shown < MAX_IDS; i++) firsts[shown++] = k->v[i].ids[0];
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

/* Applies one event to the state; writes what happened into what/by. */
static void apply(state *s, const event *e, const mon_grade_report *reports, const mon_response *responses,
                  const mon_verdict *verdicts, char *what, size_t cap, const char **by) {
    if (e->order == 0) {
        const mon_grade_report *r = &reports[e->index];
        count_name(&s->keys, r->source_key, r->id);
        if (r->perpetrator) count_name(&s->perps, r->perpetrator, r->id);
        *by = r->joined_by;
        if (r->join_note)
            snprintf(what, cap, "report %lld %s", (long long)r->id, r->join_note);
        else
            snprintf(what, cap, "report %lld from %s", (long long)r->id, r->joined_by ? r->joined_by : "?");
    } else if (e->order == 1) {
        const mon_response *p = &responses[e->index];
        *by = p->party;
        snprintf(what, cap, "%s responded: %s", p->party, mon_response_kind_name(p->kind));
        if (p->kind == MON_COMMENT) return;
        size_t i = 0;
        while (i < s->nstances && strcmp(s->stances[i].party, p->party) != 0) i++;
        if (i == s->nstances) s->nstances++;
        s->stances[i].party = p->party;
        s->stances[i].kind = p->kind;
    } else {
        const mon_verdict *v = &verdicts[e->index];
        *by = v->monitor;
        snprintf(what, cap, "monitor %s: %s", v->monitor, mon_verdict_kind_name(v->kind));
        s->verdict = v->kind == MON_REOPEN ? NULL : v;
    }
}

static int push_change(mon_grade_result *out, int64_t at, const char *by, mon_grade from, mon_grade to,
                       const char *what, const char *reason) {
    mon_grade_change *h = realloc(out->history, (out->nhistory + 1) * sizeof *h);
    if (!h) return TR_ENOMEM;
    out->history = h;
    size_t n = strlen(what) + strlen(reason) + 3;
    char *why = malloc(n);
    char *who = strdup(by ? by : "");
    if (!why || !who) {
        free(why);
        free(who);
        return TR_ENOMEM;
    }
    snprintf(why, n, "%s: %s", what, reason);
    h[out->nhistory++] = (mon_grade_change){at, who, from, to, why};
    return TR_OK;
}

int mon_grade_compute(const mon_grade_report *reports, size_t nreports, const mon_response *responses,
                      size_t nresponses, const mon_verdict *verdicts, size_t nverdicts, int64_t as_of,
                      mon_grade_result *out) {
    memset(out, 0, sizeof *out);
    size_t nev = nreports + nresponses + nverdicts;
    event *ev = malloc((nev ? nev : 1) * sizeof *ev);
    state s = {0};
    int rc = set_init(&s.keys, nreports) | set_init(&s.perps, nreports);
    s.scratch = malloc((nreports ? nreports : 1) * sizeof *s.scratch);
    s.stances = malloc((nresponses ? nresponses : 1) * sizeof *s.stances);
    if (!ev || !s.scratch || !s.stances) rc = TR_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; rc == TR_OK && i < nreports; i++)
        if (reports[i].joined_at <= as_of) ev[k++] = (event){reports[i].joined_at, 0, reports[i].id, i};
    for (size_t i = 0; rc == TR_OK && i < nresponses; i++)
        if (responses[i].at <= as_of) ev[k++] = (event){responses[i].at, 1, responses[i].seq, i};
    for (size_t i = 0; rc == TR_OK && i < nverdicts; i++)
        if (verdicts[i].at <= as_of) ev[k++] = (event){verdicts[i].at, 2, verdicts[i].seq, i};
    if (rc == TR_OK) qsort(ev, k, sizeof *ev, cmp_event);
    mon_grade g = MON_GRADE_NONE;
    char what[256], reason[sizeof out->reason];
    snprintf(reason, sizeof reason, "no report yet");
    for (size_t i = 0; rc == TR_OK && i < k; i++) {
        const char *by = NULL;
        apply(&s, &ev[i], reports, responses, verdicts, what, sizeof what, &by);
        mon_grade next = derive(&s, reason, sizeof reason);
        if (next != g) rc = push_change(out, ev[i].at, by, g, next, what, reason);
        g = next;
    }
    out->grade = g;
    snprintf(out->reason, sizeof out->reason, "%s", reason);
    free(ev);
    set_free(&s.keys);
    set_free(&s.perps);
    free(s.scratch);
    free(s.stances);
    if (rc != TR_OK) mon_grade_result_clear(out);
    return rc;
}
