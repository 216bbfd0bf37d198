/*
 * kinds.h — the registry of stored kinds (issue 12, item 1): one descriptor per kind of
 * object the centre stores, and one table of the log's entry types.
 *
 * Everything a layer above needs to know about a kind *as data* is written here once:
 *  - its name ("site"), its table and the table's columns in the order the store reads
 *    them (TR_*_COLUMNS: the store's row readers use these lists in their SELECTs);
 *  - the log entry types that create or change it ("site.create"), each with the table
 *    whose row it names (truce verify checks that every such entry names a row);
 *  - its routes (the collection path; an object is at "<route>/{id}");
 *  - the in-memory engine that indexes it (none, attribution, deconfliction, monitoring).
 *
 * What is code stays typed in its own module, named by convention after the kind
 * (per-kind hooks, no void* objects): parse and free in src/domain (tr_site_parse,
 * tr_site_clear), to_json in src/domain or service/centre_objects.c (tr_site_to_feature,
 * centre_object_*), the store's row reader (store_deconflict.c read_site), the visibility
 * rule in service/centre_visible.c (centre_site_visible), geometry and state machines in
 * their modules (domain/dc_states.c). The service layer's table of such hooks per kind is
 * service/centre_kinds.c (centre_kind_hooks), indexed by tr_kind.
 *
 * Adding a kind: a line in TR_KIND_MAP and its entries in TR_ENTRY_MAP; centre__log,
 * centre_follow.c and verify's reference check then know its entry types.
 */
#ifndef TRUCE_DOMAIN_KINDS_H
#define TRUCE_DOMAIN_KINDS_H

#include <stddef.h>

/* The in-memory engines a kind can be indexed by. */
typedef enum { TR_ENGINE_NONE, TR_ENGINE_ATTRIBUTION, TR_ENGINE_DECONFLICT, TR_ENGINE_MONITOR } tr_engine;

/* Columns of the simple kinds' tables, in the order their store readers take them. */
#define TR_SITE_COLUMNS                                                                                      \
    "id, owner, kind, name, valid_from, valid_to, visibility, geometry, radius_m, created_at"
#define TR_OPERATION_COLUMNS "id, owner, kind, state, volumes, created_at, volumes_bin"
#define TR_MOVEMENT_COLUMNS                                                                                  \
    "id, owner, kind, name, status, time_start, time_end, width_m, visibility, geometry, created_at, "       \
    "manifest"
#define TR_CHECKPOINT_COLUMNS "id, owner, party, name, lon, lat, opening_hours, visibility, created_at"

/* clang-format off */

/* X(ID, name, table, columns (NULL: the store's own join), collection route (NULL: none), engine) */
#define TR_KIND_MAP(X)                                                                                   \
    X(PARTY, "party", "party", NULL, "/v1/parties", TR_ENGINE_NONE)                                     \
    X(ACTOR, "actor", "actor", NULL, "/v1/actors", TR_ENGINE_NONE)                                      \
    X(AREA, "area", "area_version", NULL, "/v1/areas", TR_ENGINE_ATTRIBUTION)                           \
    X(AGREEMENT, "agreement", "agreement", NULL, "/v1/agreements", TR_ENGINE_ATTRIBUTION)               \
    X(SITE, "site", "site", TR_SITE_COLUMNS, "/v1/sites", TR_ENGINE_DECONFLICT)                         \
    X(OPERATION, "operation", "operation", TR_OPERATION_COLUMNS, "/v1/operations", TR_ENGINE_DECONFLICT) \
    X(MOVEMENT, "movement", "movement", TR_MOVEMENT_COLUMNS, "/v1/movements", TR_ENGINE_DECONFLICT)     \
    X(CHECKPOINT, "checkpoint", "checkpoint", TR_CHECKPOINT_COLUMNS, "/v1/checkpoints", TR_ENGINE_NONE) \
    X(NOTICE, "notice", "notice", NULL, "/v1/notices", TR_ENGINE_NONE)                                  \
    X(REPORT, "report", "report", NULL, "/v1/reports", TR_ENGINE_MONITOR)                               \
    X(INCIDENT, "incident", NULL, NULL, "/v1/incidents", TR_ENGINE_MONITOR)                             \
    X(CORRIDOR_EVENT, "corridor_event", "corridor_event", NULL, "/v1/corridors", TR_ENGINE_NONE)        \
    X(STEP, "step", "step", NULL, NULL, TR_ENGINE_NONE)                                                 \
    X(MESSAGE, "message", "message", NULL, "/v1/messages", TR_ENGINE_NONE)                              \
    X(HAZARD, "hazard", "hazard", NULL, "/v1/hazards", TR_ENGINE_NONE)                                  \
    X(TASK, "task", "mine_task", NULL, "/v1/tasks", TR_ENGINE_NONE)                                     \
    X(PROGRESS, "progress", "mine_progress", NULL, NULL, TR_ENGINE_NONE)                                \
    X(ACCIDENT, "accident", "mine_accident", NULL, "/v1/accidents", TR_ENGINE_NONE)                     \
    X(SETTING, "setting", "setting", NULL, NULL, TR_ENGINE_NONE)                                        \
    X(TRACK_BATCH, "track_batch", "track_batch", NULL, "/v1/tracks", TR_ENGINE_NONE)                    \
    X(TRAFFIC_ALERT, "traffic_alert", "traffic_alert", NULL, "/v1/traffic/alerts", TR_ENGINE_NONE)

/* X(ID, spelling, kind it creates or changes, table whose row it names (NULL: none)) */
#define TR_ENTRY_MAP(X)                                                             \
    X(PARTY_ADD, "party.add", PARTY, "party")                                       \
    X(PARTY_REVOKE, "party.revoke", PARTY, "party")                                 \
    X(PARTY_KEY, "party.key", PARTY, "party")                                       \
    X(ACTOR_ADD, "actor.add", ACTOR, "actor")                                       \
    X(AREA_CREATE, "area.create", AREA, "area_version")                             \
    X(AREA_VERSION, "area.version", AREA, "area_version")                           \
    X(AGREEMENT_CREATE, "agreement.create", AGREEMENT, "agreement")                 \
    X(SITE_CREATE, "site.create", SITE, "site")                                     \
    X(OPERATION_CREATE, "operation.create", OPERATION, "operation")                 \
    X(NOTICE_ACK, "notice.ack", NOTICE, "notice")                                   \
    X(NOTICE_CREATE, "notice.create", NOTICE, "notice")                             \
    X(MOVEMENT_CREATE, "movement.create", MOVEMENT, "movement")                     \
    X(CHECKPOINT_CREATE, "checkpoint.create", CHECKPOINT, "checkpoint")             \
    X(MOVEMENT_CHECKPOINTS, "movement.checkpoints", MOVEMENT, "movement_checkpoint") \
    X(REPORT_CREATE, "report.create", REPORT, "report")                             \
    X(INCIDENT_RESPONSE, "incident.response", INCIDENT, "incident_response")        \
    X(INCIDENT_VERDICT, "incident.verdict", INCIDENT, "incident_verdict")           \
    X(INCIDENT_REGROUP, "incident.regroup", INCIDENT, "incident_regroup")           \
    X(INCIDENT_ALERT, "incident.alert", INCIDENT, "incident_alert")                 \
    X(CORRIDOR_OPENING, "corridor.opening", CORRIDOR_EVENT, "corridor_event")       \
    X(CORRIDOR_SUSPENSION, "corridor.suspension", CORRIDOR_EVENT, "corridor_event") \
    X(CORRIDOR_RESUMPTION, "corridor.resumption", CORRIDOR_EVENT, "corridor_event") \
    X(CORRIDOR_CROSSING, "corridor.crossing", CORRIDOR_EVENT, "corridor_event")     \
    X(STEP_CREATE, "step.create", STEP, "step")                                     \
    X(STEP_STATUS, "step.status", STEP, "step_event")                               \
    X(MESSAGE_CREATE, "message.create", MESSAGE, "message")                         \
    X(MESSAGE_FORWARD, "message.forward", MESSAGE, "message_forward")               \
    X(OPERATION_STATE, "operation.state", OPERATION, "dc_event")                    \
    X(MOVEMENT_STATUS, "movement.status", MOVEMENT, "dc_event")                     \
    X(MOVEMENT_POSITION, "movement.position", MOVEMENT, "dc_event")                 \
    X(HAZARD_CREATE, "hazard.create", HAZARD, "hazard")                             \
    X(HAZARD_STATUS, "hazard.status", HAZARD, "hazard_status")                      \
    X(TASK_CREATE, "task.create", TASK, "mine_task")                                \
    X(TASK_CLOSE, "task.close", TASK, "mine_task")                                  \
    X(PROGRESS_CREATE, "progress.create", PROGRESS, "mine_progress")                \
    X(ACCIDENT_CREATE, "accident.create", ACCIDENT, "mine_accident")                \
    X(SETTING_PUT, "setting.put", SETTING, "setting")                               \
    X(PRIVACY_SET, "privacy.set", SITE, "dc_privacy")                               \
    X(CONFLICT_PROBE, "conflict.probe", OPERATION, "dc_probe")                      \
    X(TRACK_POSITIONS, "track.positions", TRACK_BATCH, "track_batch")               \
    X(TRACK_STALE, "track.stale", TRACK_BATCH, "track_batch")                       \
    X(TRAFFIC_ALERT, "traffic.alert", TRAFFIC_ALERT, "traffic_alert")               \
    X(LOG_ROLLBACK, "log.rollback", PARTY, NULL)

#define TR_KIND_ENUM_(id, name, table, cols, route, engine) TR_KIND_##id,
#define TR_ENTRY_ENUM_(id, s, kind, table) TR_ENTRY_##id,
typedef enum { TR_KIND_MAP(TR_KIND_ENUM_) TR_KIND_COUNT } tr_kind;
typedef enum { TR_ENTRY_MAP(TR_ENTRY_ENUM_) TR_ENTRY_COUNT } tr_entry;
#undef TR_KIND_ENUM_
#undef TR_ENTRY_ENUM_

/* clang-format on */

/* A stored kind. All strings are static. */
typedef struct tr_kind_desc {
    tr_kind kind;
    const char *name;    /* "site": also the first part of its refs ("site/12") */
    const char *table;   /* its main table (NULL: derived, e.g. incidents live in the engine) */
    const char *columns; /* the table's columns as the store reads them (NULL: the store's own) */
    const char *route;   /* its collection, e.g. "/v1/sites" (NULL: none of its own) */
    tr_engine engine;    /* the engine that indexes it */
} tr_kind_desc;

/* An entry type of the log. */
typedef struct tr_entry_desc {
    tr_entry entry;
    const char *type;  /* its spelling in the log, e.g. "site.create" */
    tr_kind kind;      /* the kind it creates or changes */
    const char *table; /* the table whose row its ref names (NULL: none) */
} tr_entry_desc;

/* The descriptor of k (NULL when k is out of range). */
const tr_kind_desc *tr_kind_get(tr_kind k);
/* The kind named name ("site"), or NULL. */
const tr_kind_desc *tr_kind_find(const char *name);
/* The spelling of entry type e ("site.create"; "unknown" when out of range). */
const char *tr_entry_name(tr_entry e);
/* The descriptor of the entry type spelled type, or NULL (also for NULL). */
const tr_entry_desc *tr_entry_find(const char *type);
/* The descriptor of e (NULL when out of range). */
const tr_entry_desc *tr_entry_get(tr_entry e);

/* The spelling of entry type TR_ENTRY_<id>, e.g. TR_ENTRY(SITE_CREATE) is "site.create". */
#define TR_ENTRY(id) tr_entry_name(TR_ENTRY_##id)

#endif
