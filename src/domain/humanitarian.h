/*
 * humanitarian.h — humanitarian corridors, agreement steps and formal notices between
 * parties (issue 6, docs/humanitarian.md). Layer 2: values, parsers and rules, no I/O.
 *
 * Every value here is one row written once: a corridor event (an opening window, a
 * suspension, a resumption or a day's crossing count), a step of an agreement's
 * timeline, a change of a step's status, a message, a mediator's forwarding of it. What
 * a corridor or a step *is* at a time is derived from its rows by the functions below,
 * which the API and the unit tests share.
 *
 * Parsers validate everything checkable from the body alone and fill a value that owns
 * its memory (free with the matching *_clear). Rules that need the store (does the area
 * exist, is the step in the same agreement) are the centre's (centre_humanitarian.c).
 * Builders (*_to_json) return a new reference; they are also the logged objects.
 */
#ifndef TRUCE_DOMAIN_HUMANITARIAN_H
#define TRUCE_DOMAIN_HUMANITARIAN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/names.h"
#include "domain/domain.h"

/* ---- corridors ---- */

#define TR_CORRIDOR_EVENT_MAP(X)             \
    X(CORRIDOR_OPENING, "opening")           \
    X(CORRIDOR_SUSPENSION, "suspension")     \
    X(CORRIDOR_RESUMPTION, "resumption")     \
    X(CORRIDOR_CROSSING, "crossing")

/* tr_corridor_event_kind_name, tr_corridor_event_kind_parse (base/names.h) */
TR_NAMES_ENUM(tr_corridor_event_kind, tr_corridor_event_kind, TR_CORRIDOR_EVENT_MAP, CORRIDOR_EVENT_COUNT)

#define TR_CROSSING_MAX 100000000 /* people on one day, reported by one source */
#define TR_DAY 86400

typedef struct tr_corridor_event {
    int64_t id;
    int64_t area_id;
    tr_corridor_event_kind kind;
    char *party;        /* who recorded it */
    int64_t from;       /* opening: start; suspension, resumption: when; crossing: the day (00:00Z) */
    int64_t to;         /* opening: end (exclusive); TR_TIME_OPEN otherwise */
    int64_t count;      /* crossing: people; -1 otherwise */
    char *source_kind;  /* crossing: party, monitor, humanitarian, media, public; else NULL */
    char *source_ref;   /* or NULL */
    char *reason;       /* suspension: required; others: optional note; or NULL */
    int64_t created_at;
} tr_corridor_event;

/*
 * Parses the body of POST /v1/corridors/{id}/<kind>s:
 *   opening     {"from", "to", "note"?}                      from < to
 *   suspension  {"from"?, "reason"}                         from defaults to now
 *   resumption  {"at"?, "reason"?}                          at defaults to now
 *   crossing    {"date": "YYYY-MM-DD", "count", "source": {"kind", "ref"?}, "note"?}
 * count is a whole number 0..TR_CROSSING_MAX. now is the server's time (suspensions and
 * resumptions may not lie in the future, nor crossing days). Fills everything but id,
 * area_id, party and created_at.
 */
int tr_corridor_event_parse(const json_t *body, tr_corridor_event_kind kind, int64_t now, tr_corridor_event *out,
                            tr_err *err);
void tr_corridor_event_clear(tr_corridor_event *e);
void tr_corridor_events_free(tr_corridor_event *v, size_t n);
/* {"id", "area_id", "kind", "party", "created_at", and per kind: from/to/note,
 * from/reason, at/reason, date/count/source}. The logged object of corridor.<kind>. */
json_t *tr_corridor_event_to_json(const tr_corridor_event *e);

/*
 * Checks a new event against the corridor's earlier ones (in id order) and the corridor
 * area's validity [valid_from, valid_to): an opening lies within the validity and
 * overlaps no other opening; a suspension needs none in effect (TR_ECONFLICT); a
 * resumption needs one in effect that began before it (TR_ECONFLICT); a crossing's day
 * must meet an opening window (TR_EINVAL, field "date").
 */
int tr_corridor_check(const tr_corridor_event *ev, size_t n, const tr_corridor_event *e, int64_t valid_from,
                      int64_t valid_to, tr_err *err);

/* The corridor's state at `at` ("open", "suspended" or "closed"), its windows,
 * suspensions and daily counts (docs/humanitarian.md, "Corridors"). New reference. */
json_t *tr_corridor_view(const tr_corridor_event *ev, size_t n, int64_t at);

/* ---- agreement steps ---- */

/* A step's status uses the provision statuses (domain.h); late is never stored. */
typedef struct tr_step {
    int64_t id;
    int64_t agreement_id;
    int provision;       /* the provision's seq, 0 when none */
    char *title;
    char *responsible;   /* party name */
    int64_t deadline;    /* TR_TIME_OPEN when none */
    int64_t *deps;       /* step ids; while parsing, -(i+1) names steps[i] of the same request */
    size_t ndeps;
    int64_t separation_area; /* a separation step for this area (issue 20), 0 when not one */
    char *created_by;
    int64_t created_at;
} tr_step;

typedef struct tr_step_event {
    int64_t seq;
    int64_t step_id;
    tr_provision_status status;
    char *party;
    int64_t at;
    char *reason;        /* or NULL */
    char *evidence;      /* JSON text: a list of {"url", "sha256"} ("[]" when none) */
    int64_t created_at;
} tr_step_event;

#define TR_STEPS_MAX 200 /* steps in one request */

/*
 * Parses the body of POST /v1/agreements/{id}/steps: {"steps": [step, ...]} where a
 * step is {"key"?, "title", "responsible", "provision"?, "deadline"?, "depends_on"?,
 * "separation"?: {"area": AREA_ID}} (a separation step needs a deadline).
 * depends_on lists step ids (integers) or keys (strings) of steps earlier or later in the
 * same request; keys are unique; no dependency cycle (TR_EINVAL naming the step). *order
 * (malloc'd, n entries) is an order in which every step follows its dependencies within
 * the request. Fills title, responsible, provision, deadline, deps.
 */
int tr_steps_parse(const json_t *body, tr_step **steps, size_t *n, size_t **order, tr_err *err);
void tr_step_clear(tr_step *s);
void tr_steps_free(tr_step *v, size_t n);
/* {"id", "agreement_id", "provision" (null when none), "title", "responsible",
 * "deadline", "depends_on", "created_by", "created_at", and "separation": {"area"} on a
 * separation step only}: the logged step.create object. */
json_t *tr_step_to_json(const tr_step *s);

/* Parses a status change {"status", "reason"?, "at"?, "evidence"?: [{"url", "sha256"}]}:
 * status is pending, in_progress, done or disputed (late is derived: refused); disputed
 * needs a reason; at defaults to now and may not be later than now. */
int tr_step_event_parse(const json_t *body, int64_t now, tr_step_event *out, tr_err *err);
void tr_step_event_clear(tr_step_event *e);
void tr_step_events_free(tr_step_event *v, size_t n);
/* {"seq", "step_id", "status", "party", "at", "reason"?, "evidence", "created_at"}: the
 * logged step.status object. */
json_t *tr_step_event_to_json(const tr_step_event *e);

/* The stored status of a step at `at`: its last change at or before `at` (events in seq
 * order, times never decreasing), pending when none. */
tr_provision_status tr_step_stored_status(const tr_step_event *ev, size_t n, int64_t step_id, int64_t at);
/* The status shown: late when the stored status is pending or in_progress and the
 * deadline is at or before `at`; else the stored status. */
tr_provision_status tr_step_status(tr_provision_status stored, int64_t deadline, int64_t at);
/* May a step go from stored status `from` to `to`? deps_done: all its dependencies are
 * done. TR_ECONFLICT with the reason (field "status") when not. */
int tr_step_transition(tr_provision_status from, tr_provision_status to, bool deps_done, tr_err *err);
/* The implementation score of a group of steps from their stored statuses: 3 all done,
 * 2 at least half done, 1 begun (any in progress, done or disputed), 0 not begun; -1
 * for no steps. docs/humanitarian.md, "Scores". */
int tr_step_score(const tr_provision_status *stored, size_t n);

/* ---- formal notices between parties ---- */

#define TR_MESSAGE_KIND_MAP(X)   \
    X(MSG_PROPOSAL, "proposal")  \
    X(MSG_REQUEST, "request")    \
    X(MSG_REPLY, "reply")        \
    X(MSG_STATEMENT, "statement")

/* tr_message_kind_name, tr_message_kind_parse (base/names.h) */
TR_NAMES_ENUM(tr_message_kind, tr_message_kind, TR_MESSAGE_KIND_MAP, MSG_KIND_COUNT)

typedef struct tr_message {
    int64_t id;
    char *sender, *recipient;
    char *via;           /* mediating party or NULL */
    tr_message_kind kind;
    char *subject;       /* or NULL */
    char *text;
    int64_t reply_to;    /* 0 when none */
    int64_t created_at;
    /* the mediator's forwarding (forwarded_at 0 until forwarded) */
    int64_t forwarded_at;
    char *forward_note;
} tr_message;

/* Parses POST /v1/messages: {"to", "kind", "text", "subject"?, "via"?, "reply_to"?}.
 * Names valid; to, via and sender distinct. Sets sender (a copy of `sender`). */
int tr_message_parse(const json_t *body, const char *sender, tr_message *out, tr_err *err);
void tr_message_clear(tr_message *m);
/* message.create: {"id", "from", "to", "via" (null), "kind", "subject" (null), "text",
 * "reply_to" (null), "created_at"}. */
json_t *tr_message_to_json(const tr_message *m);
/* message.forward: {"message_id", "party", "note" (null), "at"}. */
json_t *tr_message_forward_to_json(const tr_message *m);
/* The chain the recipient sees: [{"party", "role": sender|mediator, "at", "note"?}]. */
json_t *tr_message_chain(const tr_message *m);

#endif
