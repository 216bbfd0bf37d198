/*
 * centre_traffic_int.h — what the traffic files of the service share (centre_traffic.h).
 */
#ifndef TRUCE_SERVICE_CENTRE_TRAFFIC_INT_H
#define TRUCE_SERVICE_CENTRE_TRAFFIC_INT_H

#include <pthread.h>

#include "service/centre_int.h"
#include "service/centre_traffic.h"

/* What the centre knows of a track besides the engine's state. */
typedef struct ct_track {
    bool used;
    char party[TR_NAME_MAX + 1];
    char ext[TR_TRACK_ID_MAX + 1];
    char callsign[TR_CALLSIGN_MAX + 1];
    tr_vis vis;        /* in force from its last position on */
    int32_t party_key; /* the engine's key of party */
} ct_track;

/* Interned party names: the engine compares parties by key. */
typedef struct ct_names {
    char (*v)[TR_NAME_MAX + 1];
    size_t n, cap;
} ct_names;
int32_t ct_name_key(ct_names *t, const char *name); /* -1 when out of memory */
void ct_names_free(ct_names *t);

struct centre_traffic {
    pthread_rwlock_t lock;
    tf_engine *e;
    tf_config cfg;
    double stale_s;
    char config_body[512]; /* the settings' canonical JSON */
    ct_track *tracks;      /* by track id */
    size_t cap;
    ct_names names;
    pthread_t thread; /* the sweeper, when running */
    bool running, stop;
    unsigned period_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* centre_traffic.c */
/* The track's record, the table grown as needed (NULL when out of memory): for writers,
 * with an id the store gave. Readers use ct_track_find (NULL beyond the table: no growth,
 * so an id from a request never allocates). */
ct_track *ct_track_at(centre_traffic *t, int64_t id);
ct_track *ct_track_find(centre_traffic *t, int64_t id);
/* Reloads tracks and alerts from the store into a fresh state (objects stay): after a
 * failed write that had already changed the engine. Holding the write lock. */
int ct_reload_tracks(centre *c, tr_err *err);
/* The settings' canonical body / parsed back. */
void ct_config_body(const tf_config *cfg, double stale_s, char *out, size_t cap);
int ct_config_parse(const char *body, tf_config *cfg, double *stale_s, tr_err *err);
/* An engine position from a stored one. */
tf_pos ct_pos(const store_position *p, int32_t party_key, int64_t recv_ms);
/* Objects as engine parts: sites, no-strike area versions, operations (owner's key). */
int ct_put_site(tf_engine *e, ct_names *names, const tr_site *s, tr_err *err);
int ct_put_area(tf_engine *e, ct_names *names, const tr_area *a, tr_err *err);
int ct_put_operation(tf_engine *e, ct_names *names, const tr_operation *o, tr_err *err);
/* The store's names of an alert's kind, change, reason. */
int ct_kind_parse(const char *s, tf_kind *k);
/* An engine alert change as its row (id 0; the names are static strings). */
store_traffic_alert ct_alert_row(const tf_alert *x, int64_t batch_id);

/* centre_traffic_follow.c: another instance's entries (centre_follow.c), under the
 * store's writer mutex; each takes t->lock. ref and object are the entry's. */
int ct_follow_positions(centre *c, uint64_t index, const char *ref, const char *object, tr_err *err);
int ct_follow_stale(centre *c, uint64_t index, const char *object, tr_err *err);
int ct_follow_alert(centre *c, uint64_t index, const char *object, tr_err *err);

/* centre_traffic_notice.c */
/* Inside the batch's transaction: stores an alert change (row, traffic.alert entry by
 * party `by`) and notifies the parties concerned. */
int ct_record_alert(centre *c, const char *by, int64_t batch_id, const tf_alert *a, tr_err *err);
/* The stale notice to a track's party. */
int ct_notice_stale(centre *c, int64_t track_id, int64_t last_ms, int64_t now_s, tr_err *err);
/* An alert change as viewer may see it (NULL when it concerns nothing of viewer's and
 * viewer is not privileged). */
int ct_alert_view(centre *c, const store_traffic_alert *a, const tr_party *viewer, json_t **out, tr_err *err);
/* A track as viewer may see it: full (with its last position), or restricted. */
json_t *ct_track_view(centre *c, int64_t id, const tr_party *viewer, double distance_m);

#endif
