/*
 * monitor.h — the monitoring engine: classification of reports, incidents built from
 * reports, grades, and the daily bulletin.
 *
 * Layer 3 (engines): in memory, deterministic, no I/O. docs/monitoring.md explains the
 * rules with examples; this header states the contracts.
 *
 *  - Classification (mon_classify, pure): given a report and what the attribution
 *    engine says applies at its place and time, `violation`, `not_covered` or
 *    `undetermined`, with a reason sentence.
 *  - Incidents (mon_engine): reports of the same event form one incident. "Same event"
 *    is a symmetric relation between two reports (mon_related): compatible types
 *    (mon_types_compatible; exact agreement for imprecise reports), distance <=
 *    radius(geo_precision a) + radius(b) and time gap < window(time_precision a) +
 *    window(b). Precise reports (precision 1 in time and place) form the connected
 *    components of that relation; imprecise reports form their own components and join
 *    the one precise incident they match (matching several, they stand apart, flagged
 *    ambiguous), so a vague report never bridges two events. All of this is a function
 *    of the final set of reports, so it does not depend on the order they arrive in. A
 *    space-time grid finds the candidates of a new report; union-find joins components
 *    as a new report links them (a precise report that links two incidents merges them).
 *  - Manual regrouping (merge, split) by a monitor pins the reports involved into the
 *    groups the monitor chose; later decisions override earlier ones. Unpinned reports
 *    still cluster automatically: a component of unpinned reports that matches reports
 *    of exactly one pinned group joins that group's incident; one that matches two or
 *    more groups a monitor kept apart stays an incident of its own, flagged ambiguous.
 *    The final incidents are a function of (the set of reports, the ordered list of
 *    regroup decisions), whatever order reports arrived in.
 *  - An incident's id is the smallest report id among its pinned and precise reports
 *    (among all its reports when every one is imprecise). When a merge retires an id,
 *    mon_engine_incident_of() still finds the incident through that report.
 *  - Grades (mon_grade_compute, pure): from the reports, the party responses and the
 *    monitor verdicts, replayed in time order, the grade, its reason and the history of
 *    changes (who, when, why). Same data, same grade.
 *  - Bulletin (mon_engine_bulletin + mon_bulletin_render): the 24 hours ending at a
 *    configured local hour of a date, in md, json, csv or html, byte-identical for the
 *    same data.
 *
 * Concurrency: a mon_engine is not thread-safe; the caller serialises all calls.
 * Ownership: every out-value (mon_incident, mon_bulletin, mon_grade_result, mon_regroup,
 * rendered text) is owned by the caller and freed with its *_clear or free(); the engine
 * copies what it keeps from the values passed in.
 */
#ifndef TRUCE_ENGINES_MONITOR_H
#define TRUCE_ENGINES_MONITOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/names.h"
#include "domain/domain.h"
#include "domain/report.h"
#include "engines/attribution.h"

/* ---- configuration ---- */

typedef struct mon_config {
    double radius_m[3];        /* spatial tolerance per geo_precision 1..3, metres */
    int64_t window_s[3];       /* temporal tolerance per time_precision 1..3, seconds */
    bool related_types;        /* also link the related sub-event types (mon_types_compatible) */
    bool strict_coarse;        /* reports with time or geo precision 2 or 3 are imprecise:
                                  they link only on the same sub-event type and perpetrator
                                  (MON_TYPE_EXACT), join an incident of precise reports only
                                  when they match exactly one, and link to each other only
                                  as if precise (see mon_related) */
    int bulletin_end_hour;     /* 1..24: the bulletin of date D covers the 24 hours ending at
                                  this hour of D, local time (24 = the end of D) */
    int bulletin_utc_offset_min; /* the local time zone: a fixed offset east of UTC, minutes */
    const struct tr_tz *bulletin_tz; /* or an IANA zone (base/tz.h; it then replaces the fixed
                                  offset, daylight saving included); NULL: the fixed offset.
                                  Not owned: it must outlive the engine */
} mon_config;

/* radius 2 km / 5 km / 15 km; window 12 h / 3.5 days / 15 days; related types on;
 * strict_coarse on; bulletin day = the local calendar day (end hour 24) at UTC+03:00. */
void mon_config_default(mon_config *c);

/* Checks ranges: radii in (0, 500 km], windows in (0, 366 days], end hour 1..24, offset
 * -720..+840 minutes. TR_OK or TR_EINVAL naming the member. */
int mon_config_check(const mon_config *c, tr_err *err);

/* ---- type compatibility ---- */

#define MON_TYPE_RULE_MAP(X)                                        \
    X(MON_TYPE_NONE, "none", "types differ")                          \
    X(MON_TYPE_SAME_SUB, "same_sub_event_type", "same sub-event type") \
    X(MON_TYPE_SAME_EVENT, "same_event_type", "same event type, a sub-event type not given") \
    X(MON_TYPE_RELATED, "related_sub_event_types", "related sub-event types")         \
    X(MON_TYPE_EXACT, "same_sub_event_type_and_perpetrator", "an imprecise report: same sub-event type and perpetrator")

typedef enum {
#define MON_TR_ENUM(e, s, d) e,
    MON_TYPE_RULE_MAP(MON_TR_ENUM)
#undef MON_TR_ENUM
} mon_type_rule;

const char *mon_type_rule_name(mon_type_rule r);

/*
 * Which rule makes two (event type, sub-event type) pairs compatible, or MON_TYPE_NONE.
 * Same sub-event type; or same event type with one sub-event type not given; or, when
 * related is true, a pair of the related table (docs/monitoring.md), e.g. "Air/drone
 * strike" ~ "Shelling/artillery/missile attack" (sources disagree on the means), or
 * "Chemical weapon" ~ "Air/drone strike". Symmetric.
 */
mon_type_rule mon_types_compatible(tr_event_type ea, tr_sub_event_type sa, tr_event_type eb,
                                   tr_sub_event_type sb, bool related);

/* What the "same event" relation reads of a report. */
typedef struct mon_point {
    int64_t t;                 /* occurred_at */
    double lon, lat;
    int time_precision, geo_precision; /* 1..3 */
    tr_event_type event_type;
    tr_sub_event_type sub_event_type;
    const char *perpetrator;   /* or NULL */
} mon_point;

/*
 * The relation incidents are built from; symmetric; MON_TYPE_NONE when a and b are not
 * the same event, else the type rule that relates them. A report is imprecise when
 * strict_coarse is on and its time or geo precision is 2 or 3. Same event when all hold:
 *   |t_a - t_b| < window(time_precision a) + window(time_precision b) (strictly: two
 *     reports dated one day apart at precision 1, 12 h + 12 h, are different events);
 *   geodesic distance <= radius(geo_precision a) + radius(geo_precision b);
 *   both precise: mon_types_compatible; otherwise the same sub-event type and the same
 *     named perpetrator (MON_TYPE_EXACT);
 *   but two imprecise reports must agree as if precise: window(1) + window(1) and
 *     radius(1) + radius(1) (vaguer agreement would chain a battle's days into one).
 * The engine joins an imprecise report's component to the one incident of precise
 * reports it matches; matching several, it stands apart (ambiguous).
 */
mon_type_rule mon_related(const mon_config *c, const mon_point *a, const mon_point *b);

/* ---- classification ---- */

#define MON_CLASS_MAP(X)                  \
    X(MON_VIOLATION, "violation")         \
    X(MON_NOT_COVERED, "not_covered")     \
    X(MON_UNDETERMINED, "undetermined")

typedef enum {
#define MON_CLASS_ENUM(e, s) e,
    MON_CLASS_MAP(MON_CLASS_ENUM)
#undef MON_CLASS_ENUM
    MON_CLASS_COUNT
} mon_class;

const char *mon_class_name(mon_class c);

typedef struct mon_classification {
    mon_class cls;
    int64_t agreement_id;     /* the agreement the reason is about (binding one for a
                                 violation), 0 when none */
    char region[128];         /* name of the region area covering the point, "" if none */
    char controller[128];     /* party or actor of the control area there, "" if none */
    char reason[384];         /* one sentence */
} mon_classification;

/*
 * Classifies report r against `at`, the attribution at its location and occurred_at as
 * the system sees it (attr_engine_query with viewer NULL). Rules, in order:
 *  1. no agreement applies there and then -> not_covered ("before its start", "after its
 *     end", "outside its zones" when `known` lists the agreement; known may be NULL);
 *  2. no alleged perpetrator -> undetermined;
 *  3. an agreement binds the perpetrator (a participating party) and neither the place
 *     (a designated or control area of an actor it excludes) nor the target (an actor it
 *     excludes) is outside it -> violation, naming the lowest-id such agreement;
 *  4. otherwise not_covered, with the most telling reason: the perpetrator is an
 *     excluded actor; the place is held by an excluded actor; the target is excluded;
 *     the perpetrator is not a party to the agreements in force.
 * Pure; always succeeds.
 */
void mon_classify(const tr_report *r, const attr_result *at, const tr_agreement *const *known, size_t nknown,
                  mon_classification *out);

/* ---- grades ---- */

#define MON_GRADE_MAP(X)                        \
    X(MON_GRADE_NONE, "none")                   \
    X(MON_GRADE_SINGLE_SOURCE, "single_source") \
    X(MON_GRADE_CORROBORATED, "corroborated")   \
    X(MON_GRADE_CONFIRMED, "confirmed")         \
    X(MON_GRADE_CONTESTED, "contested")         \
    X(MON_GRADE_DISCOUNTED, "discounted")

typedef enum {
#define MON_GRADE_ENUM(e, s) e,
    MON_GRADE_MAP(MON_GRADE_ENUM)
#undef MON_GRADE_ENUM
    MON_GRADE_COUNT
} mon_grade;

const char *mon_grade_name(mon_grade g);

#define MON_RESPONSE_MAP(X)         \
    X(MON_ACCEPT, "accept")         \
    X(MON_DENY, "deny")             \
    X(MON_COMMENT, "comment")

/* mon_response_kind_name, mon_response_kind_parse (base/names.h) */
TR_NAMES_ENUM(mon_response_kind, mon_response_kind, MON_RESPONSE_MAP, MON_RESPONSE_COUNT)

#define MON_VERDICT_MAP(X)          \
    X(MON_CONFIRM, "confirm")       \
    X(MON_REJECT, "reject")         \
    X(MON_REOPEN, "reopen")

/* mon_verdict_kind_name, mon_verdict_kind_parse (base/names.h) */
TR_NAMES_ENUM(mon_verdict_kind, mon_verdict_kind, MON_VERDICT_MAP, MON_VERDICT_COUNT)

/* A party's response to an incident (POST /v1/incidents/{id}/responses). */
typedef struct mon_response {
    int64_t seq;           /* order of arrival, set by the engine */
    char *party;
    mon_response_kind kind;
    char *text;            /* or NULL */
    int64_t at;
} mon_response;

/* A monitor's verdict on an incident: confirm, reject (with a reason) or reopen. */
typedef struct mon_verdict {
    int64_t seq;
    char *monitor;
    mon_verdict_kind kind;
    char *reason;          /* required for reject; or NULL */
    int64_t at;
} mon_verdict;

/* What grading needs of one report. joined_at/joined_by differ from received_at and the
 * reporting party only for reports a monitor merged in later. */
typedef struct mon_grade_report {
    int64_t id;
    int64_t joined_at;
    const char *joined_by;
    const char *join_note;      /* why it joined, for the history ("merged by JMC: ..."), or NULL */
    const char *source_key;     /* independence key: the source ref, or "party:" + reporting party */
    const char *perpetrator;    /* or NULL */
} mon_grade_report;

typedef struct mon_grade_change {
    int64_t at;
    char *by;                   /* party or monitor whose act changed the grade */
    mon_grade from, to;         /* from is MON_GRADE_NONE for the first entry */
    char *why;
} mon_grade_change;

typedef struct mon_grade_result {
    mon_grade grade;
    char reason[512];
    mon_grade_change *history;  /* oldest first */
    size_t nhistory;
} mon_grade_result;

/*
 * The grade of one incident, replaying its events in time order (at, then reports before
 * responses before verdicts, then id/seq), up to and including as_of (TR_TIME_OPEN: all).
 * After each event the grade is, by precedence:
 *   discounted     the latest monitor verdict is reject (its reason is quoted);
 *   confirmed      the latest verdict is confirm, or an alleged perpetrator (a party named
 *                  as perpetrator by a report) accepts (its latest accept/deny);
 *   contested      reports blame different perpetrators, or an alleged perpetrator denies;
 *   corroborated   two or more independent sources (distinct source keys);
 *   single_source  otherwise.
 * Reopen clears the latest verdict. Comments never change the grade. Every change is a
 * history entry. Returns TR_OK or TR_ENOMEM; out is cleared first.
 */
int mon_grade_compute(const mon_grade_report *reports, size_t nreports, const mon_response *responses,
                      size_t nresponses, const mon_verdict *verdicts, size_t nverdicts, int64_t as_of,
                      mon_grade_result *out);
void mon_grade_result_clear(mon_grade_result *r);

/*
 * The same replay one event at a time, for an incident that grows: events must come in the
 * replay order (at, then reports before responses before verdicts, then id/seq), which
 * mon_grader_in_order tells. The grader keeps pointers to the strings of the values it is
 * given (names, sources, texts): they must outlive it. mon_grader_new: NULL when out of
 * memory; the apply functions: TR_OK or TR_ENOMEM (then the grader is unusable: free it).
 */
typedef struct mon_grader mon_grader;
mon_grader *mon_grader_new(void);
void mon_grader_free(mon_grader *g);
bool mon_grader_in_order(const mon_grader *g, int64_t at, int order,
                         int64_t key); /* order: 0 report, 1 response, 2 verdict */
int mon_grader_report(mon_grader *g, const mon_grade_report *r);
int mon_grader_response(mon_grader *g, const mon_response *p);
int mon_grader_verdict(mon_grader *g, const mon_verdict *v);
mon_grade mon_grader_grade(const mon_grader *g);
const char *mon_grader_reason(const mon_grader *g);
const mon_grade_change *mon_grader_history(const mon_grader *g, size_t *n); /* owned by g */
size_t mon_grader_sources(const mon_grader *g); /* independent sources (distinct source keys) so far */
/* Copies the grade, reason and history into out (cleared first). TR_OK or TR_ENOMEM. */
int mon_grader_copy_result(const mon_grader *g, mon_grade_result *out);

/* The independence key of a source: its ref, trimmed and lowercased (ASCII), or
 * "party:" + the reporting party when there is no ref. Written to buf (cap bytes). */
const char *mon_source_key(const char *source_ref, const char *reporting_party, char *buf, size_t cap);

/* ---- the engine ---- */

typedef struct mon_engine mon_engine;

/* A new engine with a copy of cfg (NULL: defaults); NULL if out of memory or cfg fails
 * mon_config_check. */
mon_engine *mon_engine_new(const mon_config *cfg);
void mon_engine_free(mon_engine *m);
const mon_config *mon_engine_config(const mon_engine *m);

/*
 * Adds report r (r->id > 0, unique; received_at and reporting_party set; validated by
 * tr_report_parse) with its classification c (NULL: undetermined, no region), and places
 * it in an incident. Sets *incident_id (may be NULL). TR_EINVAL for a bad id or an
 * unvalidated report and TR_ECONFLICT if the id is held, the engine unchanged; TR_ENOMEM,
 * unchanged if memory ran out before placing the report, else it may hold the report
 * without all its links: treat it as fatal and rebuild the engine from the store.
 */
int mon_engine_add(mon_engine *m, const tr_report *r, const mon_classification *c, int64_t *incident_id,
                   tr_err *err);

/* Attribution at r's place and time (attr_engine_query, viewer NULL), mon_classify, then
 * mon_engine_add. c receives the classification (may be NULL). */
int mon_engine_ingest(mon_engine *m, attr_engine *ae, const tr_report *r, mon_classification *c,
                      int64_t *incident_id, tr_err *err);

size_t mon_engine_report_count(const mon_engine *m);

/* Work counters since the engine was made, for benchmarks: they show that incident
 * building looks at nearby reports only (no all-pairs pass). */
typedef struct mon_stats {
    uint64_t queries;      /* candidate searches (one per added report, more on regroups) */
    uint64_t cells;        /* grid cells probed */
    uint64_t candidates;   /* reports found in those cells and tested against the relation */
    uint64_t related;      /* pairs found related */
    size_t grid_cells;     /* non-empty cells held */
} mon_stats;

void mon_engine_stats(const mon_engine *m, mon_stats *out);

/* Forgets the incident summaries the engine keeps (monitor_sum.c); the next reads build
 * them again from the reports. For tests (a kept summary must read as a rebuilt one) and
 * benchmarks (the cost of a first read). */
void mon_engine_drop_summaries(mon_engine *m);

/* The incident now holding report `report_id` (also an incident id retired by a merge).
 * TR_OK or TR_ENOTFOUND. */
int mon_engine_incident_of(mon_engine *m, int64_t report_id, int64_t *incident_id);

/* Up to `limit` incident ids greater than `after`, ascending, into ids; *n set. For
 * cursor pagination (GET /v1/incidents). TR_OK or TR_ENOMEM. */
int mon_engine_list(mon_engine *m, int64_t after, size_t limit, int64_t *ids, size_t *n);

/* Records a party's response to the incident holding report `incident_id`. A response
 * follows that report through later merges and splits. TR_ENOTFOUND, TR_EINVAL (empty
 * party, text longer than 4000 bytes), TR_ENOMEM. */
int mon_engine_respond(mon_engine *m, int64_t incident_id, const char *party, mon_response_kind kind,
                       const char *text, int64_t at, tr_err *err);

/* Records a monitor's verdict. reject needs a non-empty reason. Errors as respond. */
int mon_engine_verdict(mon_engine *m, int64_t incident_id, const char *monitor, mon_verdict_kind kind,
                       const char *reason, int64_t at, tr_err *err);

/* A manual regroup as recorded, for the store: the sorted report ids of side one, then of
 * side two. A merge pins both sides into one incident; a split pins each side into its own.
 * Replaying the records in order (mon_engine_apply_regroup) after loading the reports, in
 * any order, rebuilds the same incidents. */
typedef struct mon_regroup {
    bool split;          /* false: merge */
    int64_t at;
    char *by;            /* the monitor */
    char *why;
    int64_t *ids;        /* side one (sorted), then side two (sorted) */
    size_t nids, nfirst; /* nfirst ids are side one */
} mon_regroup;

void mon_regroup_clear(mon_regroup *g);

/* Merges the incidents holding reports a and b (different incidents). rec (may be NULL)
 * receives the record to store. TR_ENOTFOUND, TR_EINVAL (same incident, empty why). */
int mon_engine_merge(mon_engine *m, int64_t a, int64_t b, const char *by, const char *why, int64_t at,
                     mon_regroup *rec, tr_err *err);

/* Splits the reports `ids` (a non-empty proper subset of its reports) off the incident
 * holding report `incident_id`. rec as for merge. TR_ENOTFOUND, TR_EINVAL. */
int mon_engine_split(mon_engine *m, int64_t incident_id, const int64_t *ids, size_t n, const char *by,
                     const char *why, int64_t at, mon_regroup *rec, tr_err *err);

/* Replays a stored record. Ids not yet added are pinned when they arrive. */
int mon_engine_apply_regroup(mon_engine *m, const mon_regroup *rec, tr_err *err);

typedef enum {
    MON_BY_OCCURRED, /* incidents with a report that occurred in the window */
    MON_BY_ACTIVITY  /* incidents with a report received, a response, a verdict or a regroup
                        in the window */
} mon_time_kind;

/* Ids of the incidents with something in [from, to), ascending and distinct, in *ids
 * (malloc'd, caller frees; NULL when *n is 0). Uses the engine's per-day indexes: cost
 * grows with what falls in the window, not with the engine. TR_OK or TR_ENOMEM. */
int mon_engine_incidents_between(mon_engine *m, int64_t from, int64_t to, mon_time_kind kind, int64_t **ids,
                                 size_t *n);

/* ---- incidents as read ---- */

typedef struct mon_member {
    int64_t report_id;
    int64_t occurred_at, received_at;
    int64_t partner_id;     /* the member it links to: the lowest-id member related to it;
                               0 for a lone report or one placed by a monitor */
    int64_t distance_m;     /* to the partner, geodesic, rounded */
    int64_t gap_s;          /* |time difference| to the partner */
    mon_type_rule rule;
    char why[256];          /* the sentence: how it was attached */
} mon_member;

typedef struct mon_incident {
    int64_t id;
    size_t nreports;     /* its reports, all of them */
    mon_member *members; /* the page read (mon_engine_incident_page), by report id */
    size_t nmembers;
    int64_t next_after;               /* the page's last id when more reports follow it, else 0 */
    size_t nsources;                  /* independent sources (distinct source keys, as grading counts) */
    size_t by_source_kind[SRC_COUNT]; /* reports per source kind */
    int64_t *targets;                 /* sites (> 0) and movements (< 0, negated) its reports are about,
                                         the first 32, in report order */
    size_t ntargets;
    /* Where, when, what: from the representative report (best time + geo precision,
       then earliest occurred_at, then lowest id). */
    int64_t representative;
    int64_t occurred_at;
    int time_precision, geo_precision;
    double lon, lat;
    tr_event_type event_type;
    tr_sub_event_type sub_event_type;
    char *region;           /* or NULL */
    char *perpetrator;      /* named by most reports (ties: by name), NULL when none named */
    char **perpetrators;    /* every name given, by count desc then name */
    size_t nperpetrators;
    mon_class cls;          /* violation if any report is one, else undetermined if any,
                               else not_covered */
    char *cls_reason;       /* "report N: <reason>" */
    tr_range fatalities, injured; /* lowest min .. highest max over the reports giving one */
    mon_grade grade;
    char grade_reason[512];
    mon_grade_change *history;
    size_t nhistory;
    mon_response *responses; /* by seq */
    size_t nresponses;
    mon_verdict *verdicts;
    size_t nverdicts;
    mon_regroup *regroups;   /* manual decisions touching its reports, in order */
    size_t nregroups;
    int64_t first_received_at, last_received_at;
    int64_t *ambiguous_with; /* pinned incidents a monitor kept apart that this also matches */
    size_t nambiguous;
} mon_incident;

/* Reads the incident holding report `id`, with all its reports as members. With links
 * false the members carry only their report ids and times (no partner search). TR_OK,
 * TR_ENOTFOUND or TR_ENOMEM. */
int mon_engine_incident(mon_engine *m, int64_t id, bool links, mon_incident *out, tr_err *err);

/*
 * The same with only a page of members: those with report ids above `after`, at most
 * `limit` of them (0: none; SIZE_MAX: all). out->next_after tells where the next page
 * starts. The summary (count, sources, ranges, grade, ...) covers every report. A large
 * incident's summary is kept up to date as reports join it (monitor_sum.c), so a page costs
 * O(log n + page) however many reports the incident holds.
 */
int mon_engine_incident_page(mon_engine *m, int64_t id, bool links, int64_t after, size_t limit,
                             mon_incident *out, tr_err *err);
void mon_incident_clear(mon_incident *inc);

/* GET /v1/incidents/{id} body (new reference): the incident, its "summary" of every report
 * and, as "reports", the page read. Times RFC 3339, casualty ranges as {"min","max"} or
 * null (mon_range_json). */
json_t *mon_incident_to_json(const mon_incident *inc);
json_t *mon_range_json(const tr_range *r);

/* ---- bulletin ---- */

typedef struct mon_bulletin_row {
    char *key;                 /* region, party or type; "(none)" when not known */
    int64_t count, previous;   /* violations today and in the previous 24 hours */
    tr_range fatalities, injured; /* sums of min and of max over today's violations; known
                                     false when none of them gives a figure */
} mon_bulletin_row;

/* What happened in the window to an older incident, one item each (rendered in the
 * bulletin's language). */
typedef enum {
    MON_CHANGE_REPORTS,  /* n reports added */
    MON_CHANGE_GRADE,    /* from -> to */
    MON_CHANGE_RESPONSE, /* who responded: kind (mon_response_kind) */
    MON_CHANGE_VERDICT,  /* monitor who: kind (mon_verdict_kind) */
    MON_CHANGE_SPLIT,    /* by who */
    MON_CHANGE_MERGE,    /* by who */
} mon_change_kind;

typedef struct mon_change {
    mon_change_kind kind;
    int64_t n;    /* MON_CHANGE_REPORTS */
    int from, to; /* MON_CHANGE_GRADE: grades; RESPONSE, VERDICT: kind in `to` */
    char who[TR_NAME_MAX + 1];
} mon_change;

typedef struct mon_bulletin_line {
    int64_t incident_id;
    int64_t occurred_at;
    char *region, *type, *perpetrator; /* perpetrator NULL when unknown */
    mon_class cls;
    mon_grade grade;
    size_t nreports;
    tr_range fatalities;
    mon_change *changes; /* changed incidents: what changed in the window (none: "updated") */
    size_t nchanges;
} mon_bulletin_line;

/* An agreement step in the bulletin's "Agreement steps" section (issue 6,
 * docs/humanitarian.md "The bulletin"); the centre fills these from the store. */
typedef struct mon_bulletin_step {
    char what[8];          /* "due" (deadline in the window), "late" (overdue), "done" (in the window) */
    int64_t step_id;
    char agreement[201];   /* the agreement's name */
    char title[201];       /* the step's title, cut to 200 bytes */
    char responsible[65];
    int64_t deadline;      /* TR_TIME_OPEN when none */
    int64_t at;            /* done: when; otherwise 0 */
} mon_bulletin_step;

/* ---- languages (monitor_i18n.c) ---- */

typedef enum { MON_LANG_EN, MON_LANG_AR, MON_LANG_RU, MON_LANG_COUNT } mon_lang;
int mon_lang_parse(const char *s, mon_lang *out); /* "en", "ar", "ru": 0; else -1 */
const char *mon_lang_code(mon_lang l);
bool mon_lang_rtl(mon_lang l); /* written right to left (Arabic) */
/* The bulletin's text msgid (its English) in lang; msgid itself when the catalogue has
 * none (English, or a name). Static strings. */
const char *mon_tr(mon_lang lang, const char *msgid);
typedef struct mon_msg {
    const char *en, *ar, *ru;
} mon_msg;
const mon_msg *mon_catalogue(size_t *n); /* every entry, for tests */

/* A name in other languages: the bulletin shows a region's name in the reader's language
 * when the region's area carries it (properties.names). */
typedef struct mon_bulletin_label {
    char *name;
    char *text[MON_LANG_COUNT]; /* NULL: the name itself */
} mon_bulletin_label;

typedef struct mon_bulletin {
    char date[11];             /* YYYY-MM-DD */
    int64_t start, end;        /* the window [start, end), UTC seconds */
    int end_hour, utc_offset_min;
    int64_t violations, violations_previous;
    int64_t by_class[MON_CLASS_COUNT];  /* incidents that occurred in the window, per class */
    tr_range fatalities, injured, fatalities_previous;
    mon_bulletin_row *by_region, *by_party, *by_type;
    size_t nregion, nparty, ntype;
    int64_t grades[MON_GRADE_COUNT];   /* today's violation incidents (discounted included) */
    mon_bulletin_line *new_incidents, *changed_incidents; /* by incident id */
    size_t nnew, nchanged;
    mon_bulletin_step *steps;  /* malloc'd (freed by mon_bulletin_clear), in the order shown */
    size_t nsteps;
    struct mon_bulletin_section *sections; /* other modules' sections, in order (mon_bulletin_add_*) */
    size_t nsections;
    mon_bulletin_label *labels; /* names in other languages (mon_bulletin_add_label) */
    size_t nlabels;
} mon_bulletin;

/* A section another module adds to the bulletin (mine action, movements): a title and a
 * headed table, rendered after the monitoring sections in every format — a table in md
 * and html, rows in csv, a member in json. Titles, heads and the cells of translated
 * columns are English texts of the catalogue (monitor_i18n.c). */
typedef struct mon_section_col {
    const char *key;  /* the JSON member and CSV column of the cells */
    const char *head; /* the column's heading */
    bool numeric;     /* right-aligned */
    bool translate;   /* cells are catalogue texts (a status, a kind) */
} mon_section_col;

typedef struct mon_bulletin_section {
    char *id;              /* JSON member and CSV section name, e.g. "mine_action" */
    char *title;           /* heading, e.g. "Mine action" */
    char *note;            /* a sentence under the heading, or NULL */
    mon_section_col *cols; /* ncols, strings owned */
    size_t ncols;
    char **cells; /* nrows * ncols, row by row */
    size_t nrows;
    json_t *json; /* the JSON member (owned); NULL: the cells as {key: cell} objects */
    bool kv;      /* a key/value section (mon_bulletin_add_section): JSON {key: value},
                     CSV rows id,key,value */
} mon_bulletin_section;

/* Appends a key/value section: rows keys[i] (catalogue texts) with whole numbers values[i],
 * headed "Measure" and "Value" (copies everything). TR_OK or TR_ENOMEM. */
int mon_bulletin_add_section(mon_bulletin *b, const char *id, const char *title, const char *const *keys,
                             const int64_t *values, size_t n);
/* Appends a table section: ncols columns, nrows rows of cells (row by row; "" for none),
 * note (or NULL) under the title, and json its JSON member (taken; NULL: built from the
 * cells). Copies the rest. TR_OK or TR_ENOMEM. */
int mon_bulletin_add_table(mon_bulletin *b, const char *id, const char *title, const char *note,
                           const mon_section_col *cols, size_t ncols, const char *const *cells, size_t nrows,
                           json_t *json);
/* Records name's text in lang (copied). TR_OK or TR_ENOMEM. */
int mon_bulletin_add_label(mon_bulletin *b, const char *name, mon_lang lang, const char *text);

/*
 * The bulletin of `date` (YYYY-MM-DD). Counted as today's violations: incidents classed
 * violation, not discounted, whose representative occurred_at falls in the window; rows
 * by region, alleged party (the incident's perpetrator) and type (sub-event type, or
 * event type when none); the same for the previous 24 hours as `previous`. New incidents:
 * first report received in the window. Changed incidents: older incidents that received
 * reports, responses, verdicts or regroups in the window, or whose grade changed in it.
 * TR_OK, TR_EINVAL (bad date), TR_ENOMEM.
 */
int mon_engine_bulletin(mon_engine *m, const char *date, mon_bulletin *out, tr_err *err);
void mon_bulletin_clear(mon_bulletin *b);

typedef enum { MON_FMT_MD, MON_FMT_JSON, MON_FMT_CSV, MON_FMT_HTML } mon_format;
int mon_format_parse(const char *s, mon_format *out); /* "md", "json", "csv", "html" */
const char *mon_format_media_type(mon_format f);

/* Renders b as text (NUL-terminated, malloc'd, *len without the NUL) in lang: md and html
 * wholly in that language (html with lang and, for Arabic, dir="rtl"); csv and json keep
 * their keys and values (the data) and add the language's texts and labels. The same
 * numbers and rows in every language. Same bulletin, same bytes: fixed order, no locale.
 * TR_OK or TR_ENOMEM. */
int mon_bulletin_render(const mon_bulletin *b, mon_format fmt, mon_lang lang, char **out, size_t *len);

#endif
