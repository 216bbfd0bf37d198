/*
 * centre_humanitarian.h — the centre's use cases for issue 6's humanitarian half
 * (docs/humanitarian.md): corridors, agreement steps, formal notices between parties.
 *
 * Writes follow centre.h's one path: parse outside any lock, then in one store
 * transaction check references and rules, write, log one entry per row, commit.
 * Reads answer TR_ENOTFOUND for what the viewer may not see, exactly like missing.
 * json_t **out results are new references for the caller.
 */
#ifndef TRUCE_SERVICE_CENTRE_HUMANITARIAN_H
#define TRUCE_SERVICE_CENTRE_HUMANITARIAN_H

#include "service/centre.h"

/* Records an opening window, a suspension, a resumption or a day's crossing count for
 * corridor area_id (humanitarian.h for the bodies and rules). The area must be a
 * corridor the caller may see (else TR_ENOTFOUND). Openings, suspensions and resumptions:
 * the corridor's owning party or creator, admin, monitor or a guarantor (else
 * TR_EFORBIDDEN); crossings: any party that may see it. Logged as corridor.<kind>. The
 * answer is the event with its receipt. */
int centre_corridor_event(centre *c, const tr_party *by, int64_t area_id, tr_corridor_event_kind kind,
                          const json_t *body, json_t **out, tr_err *err);
/* The corridor's area (id, name, party, width_m, valid_from, valid_to) and its state at
 * `at` (tr_corridor_view). */
int centre_corridor_get(centre *c, const tr_party *viewer, int64_t area_id, int64_t at, json_t **out,
                        tr_err *err);

/* Adds steps to agreement id (tr_steps_parse). The agreement must be visible (else
 * TR_ENOTFOUND) and the caller an agreement writer (admin, monitor, guarantor). Each
 * responsible is a party, each provision one of the agreement's, each dependency a step
 * of the same agreement, no deadline before the agreement's start. One step.create
 * entry per step. The answer: {agreement_id, steps: [step + receipt]}. */
int centre_steps_add(centre *c, const tr_party *by, int64_t agreement_id, const json_t *body, json_t **out,
                     tr_err *err);
/* Changes step id's status (tr_step_event_parse, tr_step_transition). Who: admin,
 * monitor and the responsible party any change; the agreement's other parties and
 * guarantors only to disputed (else TR_EFORBIDDEN). at is not before the step's last
 * change. Logged as step.status. The answer: the change, the step's status, receipt. */
int centre_step_status(centre *c, const tr_party *by, int64_t step_id, const json_t *body, json_t **out,
                       tr_err *err);
/* Agreement id's timeline at `at`: provisions with their scores, steps with status,
 * blockers and history, the agreement's score (docs/humanitarian.md "Scores"). */
int centre_timeline(centre *c, const tr_party *viewer, int64_t agreement_id, int64_t at, json_t **out,
                    tr_err *err);

/* Sends a formal notice (tr_message_parse) from by. to and via must be parties;
 * reply_to a message by may see. Logged as message.create; a notice of kind "message"
 * goes to the addressee, or one of kind "message_relay" to the mediator (via). */
int centre_message_send(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err);
/* The mediator forwards message id (body {"note"?}); the addressee gets a notice of kind
 * "message" with the chain. TR_ENOTFOUND when by may not see it, TR_EFORBIDDEN when by
 * is not its mediator, TR_ECONFLICT when it is direct or already forwarded. Logged as
 * message.forward. */
int centre_message_forward(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                           tr_err *err);
/* A page of the messages viewer sent, mediates or received (admin, monitor: all):
 * {items: [message + chain + state + deliveries], next_cursor, more}. */
int centre_message_list(centre *c, const tr_party *viewer, int64_t after, int limit, json_t **out,
                        tr_err *err);

/* Fills b->steps for the bulletin's window [b->start, b->end): steps of public agreements
 * due in it, overdue at its end, or done in it (docs/humanitarian.md "The bulletin"). */
int centre__bulletin_steps(centre *c, mon_bulletin *b, tr_err *err);

#endif
