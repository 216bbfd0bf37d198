/*
 * monitor_classify.c — the pure parts of the monitor that need no engine state: the
 * configuration, the table of compatible event types, and the classification of a
 * report against what the attribution engine says applies at its place and time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "engines/monitor.h"

/* ---- names ---- */

static const char *const class_names[] = {
#define MON_CLASS_STR(e, s) s,
    MON_CLASS_MAP(MON_CLASS_STR)
#undef MON_CLASS_STR
};

static const char *const rule_names[] = {
#define MON_TR_STR(e, s, d) s,
    MON_TYPE_RULE_MAP(MON_TR_STR)
#undef MON_TR_STR
};

const char *mon_class_name(mon_class c) {
    return (unsigned)c < MON_CLASS_COUNT ? class_names[c] : "unknown";
}

const char *mon_type_rule_name(mon_type_rule r) {
    return (unsigned)r <= MON_TYPE_EXACT ? rule_names[r] : "unknown";
}

/* ---- configuration ---- */

void mon_config_default(mon_config *c) {
    memset(c, 0, sizeof *c);
    c->radius_m[0] = 2000;
    c->radius_m[1] = 5000;
    c->radius_m[2] = 15000;
    c->window_s[0] = 12 * 3600;
    c->window_s[1] = 84 * 3600;      /* half a week */
    c->window_s[2] = 15 * 86400;     /* half a month */
    c->related_types = true;
    c->strict_coarse = true;
    c->bulletin_end_hour = 24;
    c->bulletin_utc_offset_min = 180;
}

int mon_config_check(const mon_config *c, tr_err *err) {
    for (int i = 0; i < 3; i++) {
        char f[32];
        snprintf(f, sizeof f, "radius_m[%d]", i);
        if (!(c->radius_m[i] > 0 && c->radius_m[i] <= 500000))
            return tr_fail(err, TR_EINVAL, f, "must be more than 0 and at most 500 km");
        if (i > 0 && c->radius_m[i] < c->radius_m[i - 1])
            return tr_fail(err, TR_EINVAL, f, "radii must widen as geo precision coarsens");
        snprintf(f, sizeof f, "window_s[%d]", i);
        if (c->window_s[i] <= 0 || c->window_s[i] > 366 * 86400)
            return tr_fail(err, TR_EINVAL, f, "must be more than 0 and at most 366 days");
        if (i > 0 && c->window_s[i] < c->window_s[i - 1])
            return tr_fail(err, TR_EINVAL, f, "windows must widen as time precision coarsens");
    }
    if (c->bulletin_end_hour < 1 || c->bulletin_end_hour > 24)
        return tr_fail(err, TR_EINVAL, "bulletin_end_hour", "must be 1 to 24");
    if (c->bulletin_utc_offset_min < -720 || c->bulletin_utc_offset_min > 840)
        return tr_fail(err, TR_EINVAL, "bulletin_utc_offset_min", "must be -720 to +840 minutes");
    return TR_OK;
}

/* ---- type compatibility ---- */

/* Pairs of sub-event types that sources often give for the same event (unordered). */
static const struct {
    tr_sub_event_type a, b;
} related_pairs[] = {
    {SUB_AIR_DRONE, SUB_SHELLING},              /* strike from the air or artillery? */
    {SUB_AIR_DRONE, SUB_CHEMICAL},              /* chemical weapons dropped from the air */
    {SUB_SHELLING, SUB_CHEMICAL},               /* ... or fired by artillery */
    {SUB_AIR_DRONE, SUB_ATTACK},                /* remote violence reported as an attack on civilians */
    {SUB_SHELLING, SUB_ATTACK},
    {SUB_REMOTE_EXPLOSIVE, SUB_SUICIDE_BOMB},   /* a bombing's means unclear at first */
    {SUB_ARMED_CLASH, SUB_GOVT_REGAINS},        /* a battle and its outcome */
    {SUB_ARMED_CLASH, SUB_NSA_OVERTAKES},
    {SUB_PEACEFUL_PROTEST, SUB_PROTEST_INTERVENTION},
    {SUB_PROTEST_INTERVENTION, SUB_EXCESSIVE_FORCE},
    {SUB_VIOLENT_DEMONSTRATION, SUB_MOB_VIOLENCE},
};

mon_type_rule mon_types_compatible(tr_event_type ea, tr_sub_event_type sa, tr_event_type eb,
                                   tr_sub_event_type sb, bool related) {
    if (sa != SUB_NONE && sa == sb) return MON_TYPE_SAME_SUB;
    if (ea == eb && (sa == SUB_NONE || sb == SUB_NONE)) return MON_TYPE_SAME_EVENT;
    if (!related || sa == SUB_NONE || sb == SUB_NONE) return MON_TYPE_NONE;
    for (size_t i = 0; i < sizeof related_pairs / sizeof related_pairs[0]; i++)
        if ((related_pairs[i].a == sa && related_pairs[i].b == sb) ||
            (related_pairs[i].a == sb && related_pairs[i].b == sa))
            return MON_TYPE_RELATED;
    return MON_TYPE_NONE;
}

/* ---- classification ---- */

/* Why an agreement does not bind, most telling first; BINDS when it does. */
typedef enum { WHY_PERP_EXCLUDED, WHY_PLACE_EXCLUDED, WHY_TARGET_EXCLUDED, WHY_NOT_PARTY, WHY_BINDS } why_code;

static bool listed(char *const *names, size_t n, const char *name) {
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0) return true;
    return false;
}

/* The first area (in result order) owned by an actor the agreement excludes. */
static const tr_area *excluded_area(const tr_agreement *ag, const attr_result *at) {
    for (size_t i = 0; i < at->nareas; i++) {
        const tr_area *a = at->areas[i];
        if ((a->kind == AREA_DESIGNATED || a->kind == AREA_CONTROL) && listed(ag->excluded, ag->nexcluded, a->actor))
            return a;
    }
    return NULL;
}

static why_code evaluate(const tr_report *r, const tr_agreement *ag, const attr_result *at, const tr_area **area) {
    const char *perp = r->alleged_perpetrator;
    *area = NULL;
    if (listed(ag->excluded, ag->nexcluded, perp)) return WHY_PERP_EXCLUDED;
    if (!listed(ag->parties, ag->nparties, perp)) return WHY_NOT_PARTY;
    if ((*area = excluded_area(ag, at)) != NULL) return WHY_PLACE_EXCLUDED;
    if (r->target.present && (r->target.kind == TARGET_ACTOR || r->target.kind == TARGET_PARTY) &&
        listed(ag->excluded, ag->nexcluded, r->target.name))
        return WHY_TARGET_EXCLUDED;
    return WHY_BINDS;
}

static int cmp_agreement_id(const void *x, const void *y) {
    const tr_agreement *a = *(const tr_agreement *const *)x, *b = *(const tr_agreement *const *)y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Explains not_covered when no agreement applies, using the known agreements if any. */
static void explain_none(const tr_report *r, const tr_agreement *const *known, size_t nknown,
                         mon_classification *out) {
    const tr_agreement *zoned = NULL, *later = NULL, *ended = NULL;
    for (size_t i = 0; i < nknown; i++) {
        const tr_agreement *a = known[i];
        if (tr_agreement_in_force(a, r->occurred_at)) {
            if (!zoned || a->id < zoned->id) zoned = a;
        } else if (a->start > r->occurred_at) {
            if (!later || a->start < later->start || (a->start == later->start && a->id < later->id)) later = a;
        } else if (!ended || a->end > ended->end || (a->end == ended->end && a->id < ended->id)) {
            ended = a;
        }
    }
    /* Of an agreement yet to start and one that had ended, name the nearer in time. */
    if (later && ended && ended->end != TR_TIME_OPEN && r->occurred_at - ended->end < later->start - r->occurred_at)
        later = NULL;
    char b[TR_TIME_BUFSZ];
    if (zoned) {
        out->agreement_id = zoned->id;
        snprintf(out->reason, sizeof out->reason,
                 "Agreement '%.80s' (id %lld) was in force then but does not apply at this place (outside its zones).",
                 zoned->name, (long long)zoned->id);
    } else if (later) {
        out->agreement_id = later->id;
        snprintf(out->reason, sizeof out->reason,
                 "No agreement was in force here then: '%.80s' (id %lld) only started on %s.", later->name,
                 (long long)later->id, tr_time_format(later->start, b));
    } else if (ended) {
        out->agreement_id = ended->id;
        snprintf(out->reason, sizeof out->reason, "No agreement was in force here then: '%.80s' (id %lld) had ended on %s.",
                 ended->name, (long long)ended->id, tr_time_format(ended->end, b));
    } else {
        snprintf(out->reason, sizeof out->reason, "No agreement was in force at this place and time.");
    }
}

static void explain(const tr_report *r, const tr_agreement *ag, why_code why, const tr_area *area, size_t nag,
                    mon_classification *out) {
    const char *perp = r->alleged_perpetrator;
    char b[TR_TIME_BUFSZ];
    out->agreement_id = ag->id;
    switch (why) {
    case WHY_BINDS:
        out->cls = MON_VIOLATION;
        snprintf(out->reason, sizeof out->reason,
                 "Agreement '%.80s' (id %lld), in force since %s, applies here and binds %.64s, one of its parties.",
                 ag->name, (long long)ag->id, tr_time_format(ag->start, b), perp);
        break;
    case WHY_PERP_EXCLUDED:
        snprintf(out->reason, sizeof out->reason,
                 "%.64s is excluded from agreement '%.80s' (id %lld), which therefore does not cover its acts.", perp,
                 ag->name, (long long)ag->id);
        break;
    case WHY_PLACE_EXCLUDED:
        snprintf(out->reason, sizeof out->reason,
                 "The place lies in '%.64s', a %s area of %.64s, an actor excluded from agreement '%.80s' (id %lld).",
                 area->name, tr_area_kind_name(area->kind), area->actor, ag->name, (long long)ag->id);
        break;
    case WHY_TARGET_EXCLUDED:
        snprintf(out->reason, sizeof out->reason, "The target, %.64s, is excluded from agreement '%.80s' (id %lld).",
                 r->target.name, ag->name, (long long)ag->id);
        break;
    case WHY_NOT_PARTY:
        if (nag > 1)
            snprintf(out->reason, sizeof out->reason,
                     "%.64s is not a party to any of the %zu agreements in force here (the first is '%.80s', id %lld), "
                     "so none binds it.", perp, nag, ag->name, (long long)ag->id);
        else
            snprintf(out->reason, sizeof out->reason,
                     "%.64s is not a party to agreement '%.80s' (id %lld), in force here, so it is not bound by it.",
                     perp, ag->name, (long long)ag->id);
        break;
    }
}

static void copy_name(char *dst, size_t cap, const char *s) {
    snprintf(dst, cap, "%s", s ? s : "");
}

void mon_classify(const tr_report *r, const attr_result *at, const tr_agreement *const *known, size_t nknown,
                  mon_classification *out) {
    memset(out, 0, sizeof *out);
    out->cls = MON_NOT_COVERED;
    for (size_t i = 0; i < at->nareas; i++) {
        const tr_area *a = at->areas[i];
        if (a->kind == AREA_REGION && !out->region[0]) copy_name(out->region, sizeof out->region, a->name);
        if (a->kind == AREA_CONTROL && !out->controller[0])
            copy_name(out->controller, sizeof out->controller, a->party ? a->party : a->actor);
    }
    if (at->nagreements == 0) {
        explain_none(r, known, nknown, out);
        return;
    }
    const tr_agreement **ags = malloc(at->nagreements * sizeof *ags);
    const tr_agreement *const *list = at->agreements;
    if (ags) {
        memcpy(ags, at->agreements, at->nagreements * sizeof *ags);
        qsort(ags, at->nagreements, sizeof *ags, cmp_agreement_id);
        list = ags;
    }
    if (!r->alleged_perpetrator) {
        out->cls = MON_UNDETERMINED;
        out->agreement_id = list[0]->id;
        snprintf(out->reason, sizeof out->reason,
                 "The alleged perpetrator is not known, so it cannot be said whether agreement '%.80s' (id %lld), "
                 "in force here, binds them.", list[0]->name, (long long)list[0]->id);
        free(ags);
        return;
    }
    const tr_agreement *best = NULL;
    const tr_area *best_area = NULL;
    why_code best_why = WHY_BINDS;
    for (size_t i = 0; i < at->nagreements; i++) {
        const tr_area *area;
        why_code w = evaluate(r, list[i], at, &area);
        if (w == WHY_BINDS) {
            explain(r, list[i], w, NULL, at->nagreements, out);
            free(ags);
            return;
        }
        if (!best || w < best_why) {
            best = list[i];
            best_why = w;
            best_area = area;
        }
    }
    explain(r, best, best_why, best_area, at->nagreements, out);
    free(ags);
}
