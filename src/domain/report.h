/*
 * report.h — a violation report: one source's account of one event, and its parsers.
 *
 * Layer 2 of DESIGN.md: no I/O. The fields follow ACLED where it fits (event and
 * sub-event types with ACLED's exact spellings, time and geo precision codes 1..3).
 * One value, tr_report, comes out of every intake format:
 *
 *   tr_report_parse        the JSON body of POST /v1/reports (and one NDJSON line)
 *   tr_report_from_ndjson  one NDJSON line, with its line number in errors
 *   tr_report_from_csv     one row of the plain CSV mapping (columns named after fields)
 *   tr_report_from_acled   one row of an ACLED-column CSV export
 *   tr_report_from_ucdp    one row of a UCDP GED CSV (the real data in ../shared)
 *
 * The CSV mappers build the JSON body a client would have sent and hand it to
 * tr_report_parse, so every format gets the same rules and the same value; their
 * errors name the column instead of the JSON path.
 *
 * JSON body (docs/monitoring.md has the full table):
 *   occurred_at       RFC 3339 time, not in the future                      required
 *   time_precision    1 exact day or time, 2 within a week, 3 within a month required
 *   location          GeoJSON Point [lon, lat]                               required
 *   geo_precision     1 the place itself, 2 near it / part of a region,
 *                     3 a larger region                                      required
 *   event_type        ACLED event type, exact spelling                        required
 *   sub_event_type    ACLED sub-event type under that event type              optional
 *   alleged_perpetrator  name of a party or an actor; absent/null = unknown   optional
 *   target            {"kind": "party"|"actor", "name": N}
 *                     {"kind": "civilians", "name"?: label}
 *                     {"kind": "facility", "facility": F, "name"?: label}
 *                     {"kind": "site"|"movement", "id": N, "name"?: label}   optional
 *                     (a deconfliction site or movement; the store checks that the
 *                     reporter may see it)
 *   fatalities, injured  {"min": a, "max": b}, 0 <= a <= b                    optional
 *   weapon, description  free text                                           optional
 *   source            {"kind": party|monitor|humanitarian|media|public, "ref"?: text} required
 *   evidence          [{"url": http(s) URL, "sha256": 64 hex digits}]         optional
 *   language          BCP 47 tag such as "ar", "en-GB"                        optional
 *   as_reported       {"alleged_perpetrator"?: name, "target"?: name}: names the source
 *                     gave that no party or actor of the centre has (written by an
 *                     import with --new-actors omit)                          optional
 * Unknown fields are errors. The reporting party comes from the token, not the body.
 *
 * Ownership: a parsed tr_report owns its strings; free with tr_report_clear. On error
 * the out value is left cleared (nothing to free). Error fields are JSON paths from the
 * body's root ("fatalities.min", "location.coordinates[1]", "evidence[0].sha256").
 */
#ifndef TRUCE_DOMAIN_REPORT_H
#define TRUCE_DOMAIN_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/names.h"

/* ---- ACLED's taxonomy (codebook 2019 onward; exact spellings) ---- */

/* X(enum, ACLED event_type) */
#define TR_EVENT_TYPE_MAP(X)                            \
    X(EV_BATTLES, "Battles")                            \
    X(EV_EXPLOSIONS, "Explosions/Remote violence")      \
    X(EV_VIOLENCE_CIVILIANS, "Violence against civilians") \
    X(EV_PROTESTS, "Protests")                          \
    X(EV_RIOTS, "Riots")                                \
    X(EV_STRATEGIC, "Strategic developments")

typedef enum {
#define TR_EV_ENUM(e, s) e,
    TR_EVENT_TYPE_MAP(TR_EV_ENUM)
#undef TR_EV_ENUM
    EV_COUNT
} tr_event_type;

/* X(enum, parent event type, ACLED sub_event_type) */
#define TR_SUB_EVENT_TYPE_MAP(X)                                          \
    X(SUB_ARMED_CLASH, EV_BATTLES, "Armed clash")                         \
    X(SUB_GOVT_REGAINS, EV_BATTLES, "Government regains territory")       \
    X(SUB_NSA_OVERTAKES, EV_BATTLES, "Non-state actor overtakes territory") \
    X(SUB_CHEMICAL, EV_EXPLOSIONS, "Chemical weapon")                     \
    X(SUB_AIR_DRONE, EV_EXPLOSIONS, "Air/drone strike")                   \
    X(SUB_SUICIDE_BOMB, EV_EXPLOSIONS, "Suicide bomb")                    \
    X(SUB_SHELLING, EV_EXPLOSIONS, "Shelling/artillery/missile attack")   \
    X(SUB_REMOTE_EXPLOSIVE, EV_EXPLOSIONS, "Remote explosive/landmine/IED") \
    X(SUB_GRENADE, EV_EXPLOSIONS, "Grenade")                              \
    X(SUB_SEXUAL_VIOLENCE, EV_VIOLENCE_CIVILIANS, "Sexual violence")      \
    X(SUB_ATTACK, EV_VIOLENCE_CIVILIANS, "Attack")                        \
    X(SUB_ABDUCTION, EV_VIOLENCE_CIVILIANS, "Abduction/forced disappearance") \
    X(SUB_PEACEFUL_PROTEST, EV_PROTESTS, "Peaceful protest")              \
    X(SUB_PROTEST_INTERVENTION, EV_PROTESTS, "Protest with intervention") \
    X(SUB_EXCESSIVE_FORCE, EV_PROTESTS, "Excessive force against protesters") \
    X(SUB_VIOLENT_DEMONSTRATION, EV_RIOTS, "Violent demonstration")       \
    X(SUB_MOB_VIOLENCE, EV_RIOTS, "Mob violence")                         \
    X(SUB_AGREEMENT, EV_STRATEGIC, "Agreement")                           \
    X(SUB_ARRESTS, EV_STRATEGIC, "Arrests")                               \
    X(SUB_CHANGE_TO_GROUP, EV_STRATEGIC, "Change to group/activity")      \
    X(SUB_DISRUPTED_WEAPONS, EV_STRATEGIC, "Disrupted weapons use")       \
    X(SUB_HQ_ESTABLISHED, EV_STRATEGIC, "Headquarters or base established") \
    X(SUB_LOOTING, EV_STRATEGIC, "Looting/property destruction")          \
    X(SUB_NONVIOLENT_TRANSFER, EV_STRATEGIC, "Non-violent transfer of territory") \
    X(SUB_OTHER, EV_STRATEGIC, "Other")

typedef enum {
    SUB_NONE = 0, /* not given */
#define TR_SUB_ENUM(e, p, s) e,
    TR_SUB_EVENT_TYPE_MAP(TR_SUB_ENUM)
#undef TR_SUB_ENUM
    SUB_COUNT
} tr_sub_event_type;

const char *tr_event_type_name(tr_event_type t);        /* "unknown" if out of range */
int tr_event_type_parse(const char *s, tr_event_type *out); /* 0, or -1 if not an exact spelling */
const char *tr_sub_event_type_name(tr_sub_event_type t); /* "" for SUB_NONE */
int tr_sub_event_type_parse(const char *s, tr_sub_event_type *out);
tr_event_type tr_sub_event_type_parent(tr_sub_event_type t); /* EV_COUNT for SUB_NONE */

/* ---- sources, targets, evidence ---- */

#define TR_SOURCE_KIND_MAP(X)               \
    X(SRC_PARTY, "party")                   \
    X(SRC_MONITOR, "monitor")               \
    X(SRC_HUMANITARIAN, "humanitarian")     \
    X(SRC_MEDIA, "media")                   \
    X(SRC_PUBLIC, "public")

/* tr_source_kind_name, tr_source_kind_parse (base/names.h) */
TR_NAMES_ENUM(tr_source_kind, tr_source_kind, TR_SOURCE_KIND_MAP, SRC_COUNT)

#define TR_TARGET_KIND_MAP(X)        \
    X(TARGET_PARTY, "party")         \
    X(TARGET_ACTOR, "actor")         \
    X(TARGET_CIVILIANS, "civilians") \
    X(TARGET_FACILITY, "facility")   \
    X(TARGET_SITE, "site")           \
    X(TARGET_MOVEMENT, "movement")

/* tr_target_kind_name, tr_target_kind_parse (base/names.h) */
TR_NAMES_ENUM(tr_target_kind, tr_target_kind, TR_TARGET_KIND_MAP, TARGET_KIND_COUNT)

/* Facility kinds: the protected sites of DESIGN.md plus common civilian objects. */
#define TR_FACILITY_MAP(X)                       \
    X(FAC_HOSPITAL, "hospital")                  \
    X(FAC_SCHOOL, "school")                      \
    X(FAC_AID_WAREHOUSE, "aid_warehouse")        \
    X(FAC_UN_FACILITY, "un_facility")            \
    X(FAC_AID_CONVOY, "aid_convoy")              \
    X(FAC_FORCES_POSITION, "forces_position")    \
    X(FAC_MARKET, "market")                      \
    X(FAC_PLACE_OF_WORSHIP, "place_of_worship")  \
    X(FAC_WATER, "water")                        \
    X(FAC_POWER, "power")                        \
    X(FAC_RESIDENTIAL, "residential")            \
    X(FAC_OTHER, "other")

/* tr_facility_name, tr_facility_parse (base/names.h) */
TR_NAMES_ENUM(tr_facility, tr_facility, TR_FACILITY_MAP, FAC_COUNT)

/* What a perpetrator or target name turned out to be once the store resolved it. */
typedef enum {
    WHO_UNRESOLVED = 0, /* not (yet) looked up */
    WHO_PARTY,          /* a party with an account */
    WHO_ACTOR           /* an actor (e.g. a designated group) without an account */
} tr_who;

typedef struct tr_target {
    bool present;          /* false when the report names no target */
    tr_target_kind kind;
    char *name;            /* party/actor name (required), or a label for civilians and
                              facilities (optional); NULL when none */
    tr_facility facility;  /* TARGET_FACILITY only */
    bool kind_guessed;     /* set by the CSV mappers, whose rows cannot tell a party from
                              an actor: tr_report_resolve then takes the kind it finds */
    int64_t object_id;     /* TARGET_SITE / TARGET_MOVEMENT: the site's or movement's id */
} tr_target;

/* A casualty count given as a range; known == false when the report gives none. */
typedef struct tr_range {
    bool known;
    int64_t min, max;      /* 0 <= min <= max <= TR_REPORT_MAX_COUNT */
} tr_range;

typedef struct tr_evidence {
    char *url;             /* http:// or https:// */
    char sha256[65];       /* 64 lowercase hex digits + NUL */
} tr_evidence;

/* Limits on the free-text fields, in bytes. */
#define TR_REPORT_MAX_COUNT 1000000
#define TR_REPORT_MAX_DESCRIPTION 8000
#define TR_REPORT_MAX_TEXT 500      /* weapon, source.ref, target labels */
#define TR_REPORT_MAX_PERP 200      /* before resolution; resolved names obey tr_name_check */
#define TR_REPORT_MAX_URL 2000
#define TR_REPORT_MAX_EVIDENCE 32
#define TR_REPORT_CLOCK_SKEW 300    /* seconds an occurred_at may lie ahead of "now" */

typedef struct tr_report {
    int64_t id;                 /* set by the caller (store), 0 before insert */
    char *reporting_party;      /* set by the caller from the token; NULL before */
    int64_t received_at;        /* set by the caller at intake */
    char *external_id;          /* id in the imported file (ACLED event_id_cnty, "ucdp:ID"),
                                   set only by the CSV mappers; NULL otherwise */

    int64_t occurred_at;
    int time_precision;         /* 1..3 */
    double lon, lat;
    int geo_precision;          /* 1..3 */
    tr_event_type event_type;
    tr_sub_event_type sub_event_type; /* SUB_NONE when not given */
    char *alleged_perpetrator;  /* NULL when unknown */
    tr_who perpetrator_is;      /* set by tr_report_resolve */
    tr_target target;
    char *perpetrator_as_reported; /* the source's name for the perpetrator, kept when the
                                      centre knows no such party or actor and the import
                                      omits it (--new-actors omit); NULL otherwise */
    char *target_as_reported;      /* the same for a party/actor target */
    tr_range fatalities, injured;
    char *weapon;               /* or NULL */
    char *description;          /* or NULL */
    tr_source_kind source_kind;
    char *source_ref;           /* or NULL */
    tr_evidence *evidence;
    size_t nevidence;
    char *language;             /* or NULL */
} tr_report;

/*
 * Parses and validates the JSON body of POST /v1/reports against every rule that needs
 * no store: known fields only; types; occurred_at not after now + TR_REPORT_CLOCK_SKEW;
 * precisions 1..3; a valid Point inside [-180, 180] x [-90, 90]; an ACLED event type and
 * a sub-event type under it; target shape; ranges with min <= max; source kind; evidence
 * URLs and SHA-256 hex; a BCP 47 language tag. Returns TR_OK and fills out, or TR_EINVAL
 * (TR_ENOMEM) with err naming the field.
 */
int tr_report_parse(const json_t *body, int64_t now, tr_report *out, tr_err *err);

/* The report as JSON in the body's shape, plus id, reporting_party, received_at and
 * external_id when set (new reference). tr_report_parse reads it back, once the four
 * store-side members are removed. */
json_t *tr_report_to_json(const tr_report *r);

void tr_report_clear(tr_report *r);

/*
 * The store hook: looks a name up among parties and actors. Returns TR_OK and sets *who
 * when the name exists, TR_ENOTFOUND when it does not, and any other code with err
 * filled when the lookup itself failed (the store, memory): that failure is passed on
 * as is, never reported as an unknown name. It may write a canonical spelling (e.g. an
 * alias "Military Forces of Syria" -> "SAA") into canon (cap bytes); leaving
 * canon[0] == '\0' keeps the name as given.
 */
typedef int (*tr_name_resolver)(void *ctx, const char *name, tr_who *who, char *canon, size_t cap,
                                tr_err *err);

/*
 * Checks alleged_perpetrator and a party/actor target against the store through fn:
 * an unknown name is TR_EINVAL at "alleged_perpetrator" / "target.name"; a target whose
 * kind disagrees with what the name is (kind "party" naming an actor) is TR_EINVAL at
 * "target.kind" unless the kind was guessed by a CSV mapper. Sets perpetrator_is and
 * replaces names by their canonical spelling.
 */
int tr_report_resolve(tr_report *r, tr_name_resolver fn, void *ctx, tr_err *err);

/* The same, but an unknown name is not an error: it moves to perpetrator_as_reported /
 * target_as_reported and the report keeps no perpetrator / no target (--new-actors omit).
 * A target whose kind disagrees is still TR_EINVAL. */
int tr_report_resolve_omitting(tr_report *r, tr_name_resolver fn, void *ctx, tr_err *err);

/* ---- bulk intake: NDJSON, plain CSV, ACLED CSV, UCDP GED CSV ---- */

typedef enum {
    TR_FMT_NDJSON,
    TR_FMT_CSV,    /* plain mapping: one column per field, docs/monitoring.md */
    TR_FMT_ACLED,  /* ACLED export columns (event_date, event_type, actor1, ...) */
    TR_FMT_UCDP    /* UCDP GED columns (date_start, type_of_violence, side_a, ...) */
} tr_report_format;

/* Parses "ndjson", "csv", "acled", "ucdp". */
int tr_report_format_parse(const char *s, tr_report_format *out);

/* One CSV record split into fields (RFC 4180: quotes, "" inside quotes, embedded
 * newlines inside quotes). fields point into buf; both owned, free with tr_csv_row_clear. */
typedef struct tr_csv_row {
    char *buf;
    char **fields;
    size_t n, cap;
} tr_csv_row;

/* True if text (a record read so far) closes every quote it opens, i.e. a reader that
 * read up to a newline holds a whole record. */
bool tr_csv_record_complete(const char *text, size_t len);

/* Splits one record (a trailing "\n" or "\r\n" is dropped). TR_EINVAL on a stray quote.
 * row may be reused across calls: it is reset first. */
int tr_csv_split(const char *rec, size_t len, tr_csv_row *row, tr_err *err);
void tr_csv_row_clear(tr_csv_row *row);

#define TR_CSV_MAX_COLUMNS 64

/* Where each known column sits in a CSV file, from its header record. */
typedef struct tr_report_columns {
    tr_report_format fmt;
    size_t ncols;                 /* columns in the header */
    int idx[TR_CSV_MAX_COLUMNS];  /* per known column of the format: index, or -1 */
} tr_report_columns;

/*
 * Reads the header record of a CSV, ACLED or UCDP file. Plain CSV: every column must be
 * known and the required ones present; ACLED and UCDP exports carry many more columns
 * than truce reads, so unknown ones are ignored there, but the ones truce needs must be
 * present. Errors: TR_EINVAL, field = the column name, msg starting "line 1: ".
 */
int tr_report_columns_parse(tr_report_format fmt, const char *header, size_t len,
                            tr_report_columns *out, tr_err *err);

/* One line of an NDJSON file (line = its 1-based number, for errors). Errors name the
 * JSON path in err->field and start err->msg with "line N: ". */
int tr_report_from_ndjson(const char *text, size_t len, long line, int64_t now, tr_report *out,
                          tr_err *err);

/* One record of a plain CSV file; cols from its header. Errors name the column. */
int tr_report_from_csv(const tr_report_columns *cols, const char *rec, size_t len, long line,
                       int64_t now, tr_report *out, tr_err *err);

/*
 * One record of an ACLED export. Mapping: event_date ("2016-09-19" or "19 September
 * 2016") -> occurred_at; time_precision, geo_precision, event_type, sub_event_type as
 * they are; latitude/longitude -> location; actor1 -> alleged_perpetrator; actor2 ->
 * target (civilians when civilian_targeting says so or actor2 starts with "Civilians",
 * else a party/actor whose kind the resolver decides); fatalities -> {f, f}; source ->
 * source {media, ref}; notes -> description; event_id_cnty -> external_id.
 */
int tr_report_from_acled(const tr_report_columns *cols, const char *rec, size_t len, long line,
                         int64_t now, tr_report *out, tr_err *err);

/*
 * One record of a UCDP GED CSV. Mapping: date_start -> occurred_at; date_prec 1 -> 1,
 * 2-3 -> 2, 4-5 -> 3; where_prec 1 -> 1, 2-3 -> 2, 4-7 -> 3; type_of_violence 3
 * (one-sided) -> Violence against civilians / Attack with target civilians, 1-2 ->
 * Battles / Armed clash with target side_b; side_a -> alleged_perpetrator; low..high ->
 * fatalities (in the order of their values: some rows give low > high); source_office -> source {media, ref};
 * source_headline -> description; id -> external_id "ucdp:ID".
 */
int tr_report_from_ucdp(const tr_report_columns *cols, const char *rec, size_t len, long line,
                        int64_t now, tr_report *out, tr_err *err);

#endif
