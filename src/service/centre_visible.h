/*
 * centre_visible.h — who sees what (issue 12, item 3; docs/visibility.md): the one
 * visibility function of each stored kind a party reads. Every route that answers such
 * objects calls the kind's function: single GETs, lists, exports, bulletins, report
 * targets, conflict answers, measures built from them (aid, territory, separation) and
 * the write paths that must not reveal a hidden object. Nothing else applies a
 * visibility rule (the store's area SQL and the attribution engine apply the same domain
 * rule for their indexes: see centre_area_visible).
 *
 * The common rule (domain.h tr_vis_allows): admin and monitor see everything; another
 * party sees what it owns or created, what is public, and what lists it. A hidden object
 * is answered exactly as a missing one (404, absent from a list, 400 naming the field of
 * a reference). viewer NULL is the centre itself (sees everything).
 *
 * Functions that need the store return TR_OK with *yes set, or a storage failure with
 * err filled (never taken for "not visible"); the others return the answer.
 */
#ifndef TRUCE_SERVICE_CENTRE_VISIBLE_H
#define TRUCE_SERVICE_CENTRE_VISIBLE_H

#include <stdbool.h>

#include "domain/checkpoint.h"
#include "domain/domain.h"
#include "domain/humanitarian.h"
#include "domain/site.h"

typedef struct centre centre;

/* The public: whoever sees only what is public (the bulletin, which goes to every party).
 * Its name is empty, and names are never empty, so nothing is "its own" or lists it. */
extern const tr_party centre_public;

/* Area (every kind: control, ceasefire_zone, designated, corridor, region, …), per version:
 * its visibility with the area's party as owner and its creator. */
bool centre_area_visible(const tr_area *a, const tr_party *viewer);
/* Agreement, and what hangs from it (provisions, steps, timeline, separation): its
 * visibility with its creator, or viewer is one of its parties. */
bool centre_agreement_visible(const tr_agreement *a, const tr_party *viewer);
/* Site: its visibility with the owner as creator. */
int centre_site_visible(centre *c, const tr_site *s, const tr_party *viewer, bool *yes, tr_err *err);
/* Movement: its visibility, or viewer is a party whose clearance it needs. */
int centre_movement_visible(centre *c, const tr_movement *m, const tr_party *viewer, bool *yes, tr_err *err);
/* Checkpoint: its visibility with its controlling party and its recorder. */
int centre_checkpoint_visible(centre *c, const tr_checkpoint *k, const tr_party *viewer, bool *yes,
                              tr_err *err);
/* Operation: public by design (every party reads every declared operation; docs/
 * deconfliction.md). Always true. */
bool centre_operation_visible(const tr_operation *o, const tr_party *viewer);
/* Report: its reporting party, admin and monitor. */
bool centre_report_visible(const char *reporting_party, const tr_party *viewer);
/* Incident (and the bulletin, CAP and exports built from incidents): public by design.
 * The site/movement objects an incident is about follow their own functions. */
bool centre_incident_visible(const tr_party *viewer);
/* Hazard, task, accident and the mine action summary/export: public by design. */
bool centre_mine_visible(const tr_party *viewer);
/* Track position: the visibility it was sent with, its owner. */
bool centre_track_visible(const char *owner, const tr_vis *vis, const tr_party *viewer);
/* Message: its sender and mediator, admin and monitor; its addressee once delivered. */
bool centre_message_visible(const tr_message *m, const tr_party *viewer);
/* Notice: its addressee; admin and monitor also in the overdue list (inbox false). */
bool centre_notice_visible(const char *addressee, const tr_party *viewer, bool inbox);
/* The same rule as a list's filter: the one addressee whose notices viewer may read there,
 * or NULL for every addressee. Borrowed from viewer. */
const char *centre_notice_scope(const tr_party *viewer, bool inbox);
/* A party's record: the party itself, admin and monitor. */
bool centre_record_visible(const char *party, const tr_party *viewer);

#endif
