/*
 * centre_traffic_follow.c — the traffic engine follows tracks and alerts that another
 * instance wrote (issue 14; centre_follow.c calls these for track.positions, track.stale
 * and traffic.alert entries, in log order).
 *
 * The writing instance ran detection; the others take its results as start-up does
 * (centre_traffic.c load_tracks): each position of a batch becomes its track's last
 * position (tf_engine_restore_track, no evaluation), each alert change sets the pair's or
 * object's level (tf_engine_restore_alert; cleared: level 0), and a sweep ends its tracks.
 * So a following engine holds what a restart would load, and the next batch through this
 * instance is checked and detected against the same state as through the writer.
 *
 * Runs under the store's writer mutex, then c->traffic->lock (a write's lock order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_traffic_int.h"

/* The logged object of an entry (a new reference), or NULL after filling err. */
static json_t *object_of(const char *object, uint64_t index, tr_err *err) {
    json_t *o = json_loads(object, 0, NULL);
    if (!o) tr_fail(err, TR_EIO, "", "log entry %llu: its object is not JSON", (unsigned long long)index);
    return o;
}

typedef struct follow_pos {
    centre_traffic *t;
    const char *party; /* the batch's: every position in it is of the sender's tracks */
    int64_t received_ms;
    tr_err *err;
} follow_pos;

/* Replaces dst with a copy of src. */
static int vis_copy(const tr_vis *src, tr_vis *dst) {
    char *text = tr_vis_to_text(src);
    tr_vis v;
    int rc = text && tr_vis_from_text(text, &v) == TR_OK ? TR_OK : TR_ENOMEM;
    free(text);
    if (rc) return rc;
    tr_vis_clear(dst);
    *dst = v;
    return TR_OK;
}

/* One stored position into its track's record and the engine (as the writer's
 * track_record did: the visibility in force, a callsign when one was given). */
static int follow_position(const store_position *sp, void *ctx) {
    follow_pos *f = ctx;
    ct_track *k = ct_track_at(f->t, sp->track_id);
    if (!k) return tr_fail(f->err, TR_ENOMEM, "", "out of memory");
    if (!k->used) {
        k->used = true;
        snprintf(k->party, sizeof k->party, "%s", f->party);
        snprintf(k->ext, sizeof k->ext, "%s", sp->p.track);
        if ((k->party_key = ct_name_key(&f->t->names, f->party)) < 0)
            return tr_fail(f->err, TR_ENOMEM, "", "out of memory");
    }
    if (vis_copy(&sp->p.vis, &k->vis)) return tr_fail(f->err, TR_ENOMEM, "", "out of memory");
    if (sp->p.callsign[0]) snprintf(k->callsign, sizeof k->callsign, "%s", sp->p.callsign);
    tf_pos pos = ct_pos(sp, k->party_key, f->received_ms);
    return tf_engine_restore_track(f->t->e, &pos, true, f->err);
}

int ct_follow_positions(centre *c, uint64_t index, const char *ref, const char *object, tr_err *err) {
    long long id;
    if (sscanf(ref, "track_batch/%lld", &id) != 1) return TR_OK;
    json_t *o = object_of(object, index, err);
    if (!o) return TR_EIO;
    const char *party = json_string_value(json_object_get(o, "party"));
    const char *received = json_string_value(json_object_get(o, "received_at"));
    follow_pos f = {.t = c->traffic, .party = party, .err = err};
    int rc =
        party && received && tr_time_parse_ms(received, &f.received_ms) == 0
            ? TR_OK
            : tr_fail(err, TR_EIO, "", "log entry %llu: not a batch of positions", (unsigned long long)index);
    pthread_rwlock_wrlock(&c->traffic->lock);
    if (rc == TR_OK) rc = store_batch_positions(c->store, id, follow_position, &f, err);
    pthread_rwlock_unlock(&c->traffic->lock);
    json_decref(o);
    return rc;
}

int ct_follow_stale(centre *c, uint64_t index, const char *object, tr_err *err) {
    json_t *o = object_of(object, index, err);
    if (!o) return TR_EIO;
    centre_traffic *t = c->traffic;
    const json_t *tracks = json_object_get(o, "tracks");
    tf_alerts cleared = {0}; /* the writer logged them: traffic.alert entries follow */
    size_t i;
    json_t *x;
    pthread_rwlock_wrlock(&t->lock);
    json_array_foreach(tracks, i, x) {
        int64_t id = json_integer_value(json_object_get(x, "id"));
        cleared.n = 0;
        tf_engine_end(t->e, id, 0, &cleared, NULL); /* TR_ENOTFOUND: ended here already */
    }
    pthread_rwlock_unlock(&t->lock);
    tf_alerts_free(&cleared);
    json_decref(o);
    return TR_OK;
}

int ct_follow_alert(centre *c, uint64_t index, const char *object, tr_err *err) {
    json_t *o = object_of(object, index, err);
    if (!o) return TR_EIO;
    const char *kind = json_string_value(json_object_get(o, "kind"));
    const char *change = json_string_value(json_object_get(o, "change"));
    int level = (int)json_integer_value(json_object_get(o, "level"));
    tf_kind k;
    int rc = kind && change && ct_kind_parse(kind, &k) == TR_OK
                 ? TR_OK
                 : tr_fail(err, TR_EIO, "", "log entry %llu: not an alert change", (unsigned long long)index);
    if (rc == TR_OK && strcmp(change, tf_change_name(TF_CLEARED)) == 0) level = 0;
    pthread_rwlock_wrlock(&c->traffic->lock);
    if (rc == TR_OK)
        rc = tf_engine_restore_alert(c->traffic->e, k, json_integer_value(json_object_get(o, "track")),
                                     json_integer_value(json_object_get(o, "other")), level, err);
    pthread_rwlock_unlock(&c->traffic->lock);
    json_decref(o);
    return rc;
}
