/*
 * centre_traffic_write.c — the write path of positions and of stale sweeps
 * (centre_traffic.h). One batch is one transaction:
 *
 *   1. check every position (track.h already did the form; here: each track's last stored
 *      position, the server's clock, the parties of a visibility list) — nothing written;
 *   2. the tracks' rows (new ones), the batch row with the settings in force, each
 *      position's row, and the batch's log entry (track.positions, committing to the
 *      positions by SHA-256);
 *   3. detection: each position through the engine, in the batch's order; each alert
 *      change its row, its log entry (traffic.alert) and its notices;
 *   4. commit. A failure after 3 began rebuilds the engine from the store.
 *
 * A sweep is the same with the live tracks whose last position was received more than
 * the stale time ago: a batch of kind stale (logged as track.stale by "centre"), each
 * track ended in the engine (its alerts cleared), and a notice to each track's party.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/timeutil.h"
#include "service/centre_traffic_int.h"

/* ---- 1. checks ---- */

#define MAX_ERRORS 100

/* Records a refused position: the first in err, each (up to MAX_ERRORS) in errors. */
static void refuse(json_t *errors, tr_err *err, size_t i, const char *field, const char *reason) {
    if (json_array_size(errors) == 0) tr_fail(err, TR_EINVAL, field, "%s", reason);
    if (json_array_size(errors) < MAX_ERRORS)
        json_array_append_new(
            errors, json_pack("{s:I, s:s, s:s}", "index", (json_int_t)i, "field", field, "reason", reason));
}

/* Position i against its track's last position, the clock and the parties it names. */
static void check_one(centre *c, const tr_position *p, size_t i, int64_t id, int64_t now_ms, json_t *errors,
                      tr_err *err) {
    char f[64], why[256], t1[TR_TIME_BUFSZ], t2[TR_TIME_BUFSZ];
    tf_track_state st;
    snprintf(f, sizeof f, "[%zu].at", i);
    if (p->at_ms > now_ms + CENTRE_TRACK_FUTURE_S * 1000) {
        snprintf(why, sizeof why, "%s is more than %d s ahead of the server's clock (%s)",
                 tr_time_format_ms(p->at_ms, t1), CENTRE_TRACK_FUTURE_S, tr_time_format_ms(now_ms, t2));
        refuse(errors, err, i, f, why);
    } else if (tf_engine_track(c->traffic->e, id, &st) == TR_OK && p->at_ms <= st.pos.at_ms) {
        snprintf(why, sizeof why, "%s is not later than track %s's last position, at %s",
                 tr_time_format_ms(p->at_ms, t1), p->track, tr_time_format_ms(st.pos.at_ms, t2));
        refuse(errors, err, i, f, why);
    }
    tr_err e2 = {0};
    snprintf(f, sizeof f, "[%zu].visibility", i);
    if (p->has_vis && centre__check_vis(c, &p->vis, f, &e2)) refuse(errors, err, i, e2.field, e2.msg);
}

/* The positions' track ids (store rows created for new tracks), each position checked;
 * every refused one is listed in errors. */
static int check_batch(centre *c, const tr_party *by, const tr_position *v, size_t n, int64_t now_ms,
                       int64_t *ids, json_t *errors, tr_err *err) {
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(v[i].track, v[i - 1].track) == 0) {
            ids[i] = ids[i - 1];
        } else {
            int rc = store_track_id(c->store, by->name, v[i].track, true, now_ms / 1000, &ids[i], NULL, err);
            if (rc) return rc;
        }
        check_one(c, &v[i], i, ids[i], now_ms, errors, err);
    }
    return json_array_size(errors) ? TR_EINVAL : TR_OK;
}

/* ---- 2. rows ---- */

/* Updates the track's record from position p and fills the row to store (vis borrowed). */
static int track_record(centre_traffic *t, const tr_party *by, int64_t id, const tr_position *p,
                        store_position *sp, tr_err *err) {
    ct_track *k = ct_track_at(t, id);
    if (!k) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (!k->used) {
        k->used = true;
        snprintf(k->party, sizeof k->party, "%s", by->name);
        snprintf(k->ext, sizeof k->ext, "%s", p->track);
        k->vis.is_public = true;
        if ((k->party_key = ct_name_key(&t->names, by->name)) < 0)
            return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (p->has_vis) {
        char *text = tr_vis_to_text(&p->vis);
        tr_vis nv;
        int rc = text && tr_vis_from_text(text, &nv) == TR_OK ? TR_OK : TR_ENOMEM;
        free(text);
        if (rc) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        tr_vis_clear(&k->vis);
        k->vis = nv;
    }
    if (p->callsign[0]) snprintf(k->callsign, sizeof k->callsign, "%s", p->callsign);
    sp->track_id = id;
    sp->p = *p;
    sp->p.vis = k->vis;
    snprintf(sp->p.callsign, sizeof sp->p.callsign, "%s", p->callsign);
    return TR_OK;
}

static int batch_begin(centre *c, const char *kind, const char *party, int64_t now_ms, int64_t count,
                       store_track_batch *b, tr_err *err) {
    *b = (store_track_batch){.kind = kind, .party = party, .received_ms = now_ms, .count = count};
    int rc = store_traffic_config_id(c->store, c->traffic->config_body, &b->config_id, err);
    return rc ? rc : store_track_batch_insert(c->store, b, err);
}

/* Writes the positions' rows and the batch's log entry (into answer). */
static int write_positions(centre *c, const tr_party *by, const tr_position *v, size_t n, const int64_t *ids,
                           store_track_batch *b, json_t *answer, tr_err *err) {
    centre_hash_state *h = centre_positions_hash_begin();
    if (!h) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        store_position sp = {.batch_id = b->id};
        rc = track_record(c->traffic, by, ids[i], &v[i], &sp, err);
        if (rc == TR_OK) rc = store_track_position_insert(c->store, &sp, err);
        if (rc == TR_OK && centre_positions_hash_add(h, &sp))
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    char hex[65];
    centre_positions_hash_end(h, hex);
    if (rc) return rc;
    json_t *obj = centre_object_track_batch(b, c->traffic->config_body, hex, NULL);
    char ref[CENTRE_REF_MAX];
    centre_ref_track_batch(b->id, ref);
    rc = obj ? centre__log(c, by->name, by->sig, TR_ENTRY(TRACK_POSITIONS), ref, obj, answer, err)
             : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    return rc;
}

/* ---- 3. detection ---- */

static int detect(centre *c, const tr_party *by, const tr_position *v, size_t n, const int64_t *ids,
                  int64_t batch, int64_t now_ms, size_t *changes, tr_err *err) {
    centre_traffic *t = c->traffic;
    tf_alerts a = {0};
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        store_position sp = {.track_id = ids[i], .p = v[i]};
        tf_pos p = ct_pos(&sp, ct_track_at(t, ids[i])->party_key, now_ms);
        a.n = 0;
        rc = tf_engine_update(t->e, &p, &a, err);
        for (size_t k = 0; rc == TR_OK && k < a.n; k++) {
            rc = ct_record_alert(c, by->name, batch, &a.v[k], err);
            /* counted only when the sender is told of it: a site or area alert goes to the
             * object's owner alone, and its count would locate a restricted site */
            if (a.v[k].kind == TF_TRAFFIC || a.v[k].kind == TF_OPERATION) (*changes)++;
        }
    }
    tf_alerts_free(&a);
    return rc;
}

/* ---- 4. the transaction ---- */

/* [{"track", "id"}] for each distinct track of the batch, in order of first position. */
static json_t *tracks_answer(const tr_position *v, size_t n, const int64_t *ids) {
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++) {
        size_t j = 0;
        while (j < i && ids[j] != ids[i])
            j++;
        if (j == i)
            json_array_append_new(list,
                                  json_pack("{s:s, s:I}", "track", v[i].track, "id", (json_int_t)ids[i]));
    }
    return list;
}

static int batch_tx(centre *c, const tr_party *by, const tr_position *v, size_t n, int64_t now_ms,
                    int64_t *ids, json_t *answer, bool *touched, tr_err *err) {
    store_track_batch b;
    size_t changes = 0;
    json_t *errors = json_array();
    int rc = errors ? check_batch(c, by, v, n, now_ms, ids, errors, err)
                    : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_EINVAL) json_object_set(answer, "errors", errors); /* the problem's extra member */
    json_decref(errors);
    if (rc == TR_OK) rc = batch_begin(c, "positions", by->name, now_ms, (int64_t)n, &b, err);
    *touched = rc == TR_OK; /* track records change from here on */
    if (rc == TR_OK) rc = write_positions(c, by, v, n, ids, &b, answer, err);
    if (rc == TR_OK) rc = detect(c, by, v, n, ids, b.id, now_ms, &changes, err);
    if (rc == TR_OK) {
        json_object_set_new(answer, "batch", json_integer(b.id));
        json_object_set_new(answer, "accepted", json_integer((json_int_t)n));
        json_object_set_new(answer, "alerts", json_integer((json_int_t)changes));
        json_object_set_new(answer, "tracks", n <= 1000 ? tracks_answer(v, n, ids) : json_null());
    }
    return rc;
}

int centre_tracks_add(centre *c, const tr_party *by, const tr_position *v, size_t n, json_t **out,
                      tr_err *err) {
    if (by->role == ROLE_OBSERVER) return tr_fail(err, TR_EFORBIDDEN, "", "observers do not report tracks");
    int64_t *ids = calloc(n ? n : 1, sizeof *ids);
    json_t *answer = json_object();
    if (!ids || !answer) {
        free(ids);
        json_decref(answer);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    centre_traffic *t = c->traffic;
    int64_t now_ms = tr_time_now_ms();
    bool touched = false;
    int rc = store_begin(c->store, err);
    if (rc == TR_OK) {
        pthread_rwlock_wrlock(&t->lock);
        rc = batch_tx(c, by, v, n, now_ms, ids, answer, &touched, err);
        if (rc == TR_OK) {
            rc = store_commit(c->store, err);
        } else {
            store_rollback(c->store);
        }
        if (rc && touched) ct_reload_tracks(c, NULL);
        pthread_rwlock_unlock(&t->lock);
    }
    free(ids);
    if (rc == TR_EINVAL && json_object_get(answer, "errors")) { /* every refused position, for the problem */
        json_t *e = json_pack("{s:O}", "errors", json_object_get(answer, "errors"));
        json_decref(answer);
        answer = e;
    } else if (rc) {
        json_decref(answer);
        answer = NULL;
    }
    *out = answer;
    return rc;
}

static bool media_is(const char *media, const char *type) {
    size_t n = media ? strcspn(media, ";") : 0;
    while (n > 0 && (media[n - 1] == ' ' || media[n - 1] == '\t'))
        n--;
    return media && strlen(type) == n && strncasecmp(media, type, n) == 0;
}

int centre_tracks_post(centre *c, const tr_party *by, const char *body, size_t len, const char *media,
                       json_t **out, tr_err *err) {
    bool nd = media_is(media, "application/x-ndjson") || media_is(media, "application/ndjson");
    if (!nd && !media_is(media, "application/json"))
        return tr_fail(
            err, TR_EMEDIA, "Content-Type",
            "send positions as application/json (one object or an array) or application/x-ndjson (got "
            "'%.60s')",
            media ? media : "none");
    tr_position *v;
    size_t n;
    int rc = tr_positions_parse(body, len, nd, &v, &n, err);
    if (rc) return rc;
    rc = centre_tracks_add(c, by, v, n, out, err);
    tr_positions_free(v, n);
    return rc;
}

/* ---- stale sweeps ---- */

static int sweep_tx(centre *c, int64_t now_ms, const int64_t *ids, size_t n, tr_err *err) {
    centre_traffic *t = c->traffic;
    store_track_batch b;
    int rc = batch_begin(c, "stale", CENTRE_SELF, now_ms, (int64_t)n, &b, err);
    json_t *tracks = json_array();
    char at[TR_TIME_BUFSZ];
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        tf_track_state st;
        tf_engine_track(t->e, ids[i], &st);
        rc = store_track_stale_insert(c->store, b.id, ids[i], st.pos.at_ms, err);
        if (rc == TR_OK) rc = ct_notice_stale(c, ids[i], st.pos.at_ms, now_ms / 1000, err);
        json_array_append_new(tracks, json_pack("{s:I, s:s}", "id", (json_int_t)ids[i], "last_at",
                                                tr_time_format_ms(st.pos.at_ms, at)));
    }
    json_t *obj = rc ? NULL : centre_object_track_batch(&b, t->config_body, NULL, tracks);
    char ref[CENTRE_REF_MAX];
    centre_ref_track_batch(b.id, ref);
    if (rc == TR_OK)
        rc = obj ? centre__log(c, CENTRE_SELF, NULL, TR_ENTRY(TRACK_STALE), ref, obj, NULL, err)
                 : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    json_decref(tracks);
    tf_alerts a = {0};
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        a.n = 0;
        rc = tf_engine_end(t->e, ids[i], now_ms, &a, err);
        for (size_t k = 0; rc == TR_OK && k < a.n; k++)
            rc = ct_record_alert(c, CENTRE_SELF, b.id, &a.v[k], err);
    }
    tf_alerts_free(&a);
    return rc;
}

int centre_traffic_sweep(centre *c, int64_t now_ms, size_t *ended, tr_err *err) {
    centre_traffic *t = c->traffic;
    int64_t before = now_ms - (int64_t)(t->stale_s * 1000);
    int64_t *ids = NULL;
    size_t n = 0;
    *ended = 0;
    pthread_rwlock_rdlock(&t->lock); /* most sweeps find nothing: no transaction for them */
    int rc = tf_engine_stale(t->e, before, &ids, &n);
    pthread_rwlock_unlock(&t->lock);
    free(ids);
    if (rc || n == 0) return rc ? tr_fail(err, rc, "", "out of memory") : TR_OK;
    if ((rc = store_begin(c->store, err))) return rc;
    pthread_rwlock_wrlock(&t->lock);
    rc = tf_engine_stale(t->e, before, &ids, &n) ? tr_fail(err, TR_ENOMEM, "", "out of memory") : TR_OK;
    if (rc == TR_OK && n) rc = sweep_tx(c, now_ms, ids, n, err);
    if (rc == TR_OK && n)
        rc = store_commit(c->store, err);
    else
        store_rollback(c->store);
    if (rc && n) ct_reload_tracks(c, NULL);
    if (rc == TR_OK) *ended = n;
    pthread_rwlock_unlock(&t->lock);
    free(ids);
    return rc;
}

/* ---- the sweeper thread ---- */

static void *sweeper(void *arg) {
    centre *c = arg;
    centre_traffic *t = c->traffic;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += t->period_ms / 1000;
        ts.tv_nsec += (long)(t->period_ms % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
        pthread_cond_timedwait(&t->cv, &t->mu, &ts);
        if (t->stop) break;
        pthread_mutex_unlock(&t->mu);
        tr_err err = {0};
        size_t n;
        if (centre_traffic_sweep(c, tr_time_now_ms(), &n, &err))
            fprintf(stderr, "truce: stale tracks not swept: %s\n", err.msg);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

int centre_traffic_start(centre *c, unsigned period_ms, tr_err *err) {
    centre_traffic *t = c->traffic;
    if (t->running) return TR_OK;
    t->period_ms = period_ms ? period_ms : 1000;
    t->stop = false;
    if (pthread_create(&t->thread, NULL, sweeper, c))
        return tr_fail(err, TR_EINTERNAL, "", "cannot start the sweeper");
    t->running = true;
    return TR_OK;
}

void centre_traffic_stop(centre *c) {
    centre_traffic *t = c->traffic;
    if (!t || !t->running) return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    t->running = false;
}
