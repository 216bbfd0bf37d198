/*
 * centre_traffic_read.c — what the API reads of tracks and alerts (centre_traffic.h):
 * the picture (live from the engine, or at a past time from the store), a track's history
 * as GeoJSON or KML, and the alerts a party may see. Every answer applies the track's
 * visibility (as for sites): a track a party may not read is simply absent, and its
 * history answers 404 exactly as a missing track's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_traffic_int.h"

static bool in_box(const geo_box *b, double lon, double lat) {
    return !b || (lon >= b->minx && lon <= b->maxx && lat >= b->miny && lat <= b->maxy);
}

/* A track's position as a Point Feature. */
static json_t *feature(int64_t id, const ct_track *k, const tr_position *p, int level) {
    json_t *props = tr_position_to_json(p);
    if (!props) return NULL;
    json_object_set_new(props, "id", json_integer(id));
    json_object_set_new(props, "track", json_string(k->ext));
    json_object_set_new(props, "party", json_string(k->party));
    if (!p->callsign[0] && k->callsign[0]) json_object_set_new(props, "callsign", json_string(k->callsign));
    if (level >= 0) json_object_set_new(props, "alert_level", json_integer(level));
    return json_pack("{s:s, s:I, s:{s:s, s:[f, f, f]}, s:o}", "type", "Feature", "id", (json_int_t)id,
                     "geometry", "type", "Point", "coordinates", p->lon, p->lat, p->alt_m, "properties",
                     props);
}

typedef struct picture {
    centre *c;
    const tr_party *viewer;
    const geo_box *bbox;
    json_t *features;
} picture;

static int live_one(const tf_track_state *st, void *ctx) {
    picture *pc = ctx;
    ct_track *k = ct_track_find(pc->c->traffic, st->pos.track);
    if (!k || !k->used || !centre_track_visible(k->party, &k->vis, pc->viewer) ||
        !in_box(pc->bbox, st->pos.lon, st->pos.lat))
        return 0;
    tr_position p = {.at_ms = st->pos.at_ms,
                     .lon = st->pos.lon,
                     .lat = st->pos.lat,
                     .alt_m = st->pos.alt,
                     .vx = st->pos.vx,
                     .vy = st->pos.vy,
                     .vz = st->pos.vz};
    snprintf(p.track, sizeof p.track, "%s", k->ext);
    /* Alert levels only on the viewer's own tracks: on another's they would tell of traffic
     * near it that the viewer may not see. */
    bool own = strcmp(k->party, pc->viewer->name) == 0 || tr_party_is_privileged(pc->viewer);
    json_t *f = feature(st->pos.track, k, &p, own ? st->max_level : -1);
    return f && json_array_append_new(pc->features, f) == 0 ? 0 : TR_ENOMEM;
}

static int past_one(const store_position *sp, void *ctx) {
    picture *pc = ctx;
    ct_track *k = ct_track_find(pc->c->traffic, sp->track_id);
    if (!k || !k->used || !centre_track_visible(k->party, &sp->p.vis, pc->viewer) ||
        !in_box(pc->bbox, sp->p.lon, sp->p.lat))
        return TR_OK;
    json_t *f = feature(sp->track_id, k, &sp->p, -1);
    return f && json_array_append_new(pc->features, f) == 0 ? TR_OK : TR_ENOMEM;
}

int centre_tracks_picture(centre *c, const tr_party *viewer, bool has_at, int64_t at_ms, const geo_box *bbox,
                          json_t **out, tr_err *err) {
    centre_traffic *t = c->traffic;
    picture pc = {c, viewer, bbox, json_array()};
    if (!pc.features) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    pthread_rwlock_rdlock(&t->lock);
    int rc = has_at ? store_track_picture(c->store, at_ms - (int64_t)(t->stale_s * 1000), at_ms, past_one,
                                          &pc, err)
                    : tf_engine_each_live(t->e, live_one, &pc);
    pthread_rwlock_unlock(&t->lock);
    if (rc) {
        json_decref(pc.features);
        return rc;
    }
    char at[TR_TIME_BUFSZ];
    *out = json_pack("{s:s, s:s, s:o}", "type", "FeatureCollection", "at",
                     tr_time_format_ms(has_at ? at_ms : tr_time_now_ms(), at), "features", pc.features);
    return *out ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

/* ---- history ---- */

typedef struct history {
    const tr_party *viewer;
    const char *party;
    json_t *coords, *times;
    size_t skipped;
} history;

static int history_one(const store_position *sp, void *ctx) {
    history *h = ctx;
    if (!centre_track_visible(h->party, &sp->p.vis, h->viewer)) {
        h->skipped++;
        return TR_OK;
    }
    char at[TR_TIME_BUFSZ];
    if (json_array_append_new(h->coords, json_pack("[f, f, f]", sp->p.lon, sp->p.lat, sp->p.alt_m)) ||
        json_array_append_new(h->times, json_string(tr_time_format_ms(sp->p.at_ms, at))))
        return TR_ENOMEM;
    return TR_OK;
}

static json_t *history_feature(int64_t id, const ct_track *k, history *h, int64_t from_ms, int64_t to_ms) {
    size_t n = json_array_size(h->coords);
    json_t *geom = n >= 2 ? json_pack("{s:s, s:O}", "type", "LineString", "coordinates", h->coords)
                   : n == 1
                       ? json_pack("{s:s, s:O}", "type", "Point", "coordinates", json_array_get(h->coords, 0))
                       : json_null();
    char f[TR_TIME_BUFSZ], t[TR_TIME_BUFSZ];
    json_t *props = json_pack("{s:I, s:s, s:s, s:O, s:s, s:s, s:I}", "id", (json_int_t)id, "track", k->ext,
                              "party", k->party, "times", h->times, "from", tr_time_format_ms(from_ms, f),
                              "to", tr_time_format_ms(to_ms, t), "positions", (json_int_t)n);
    if (props && k->callsign[0]) json_object_set_new(props, "callsign", json_string(k->callsign));
    return json_pack("{s:s, s:I, s:o, s:o}", "type", "Feature", "id", (json_int_t)id, "geometry", geom,
                     "properties", props);
}

/* Appends s to the buffer, XML-escaped. */
static void xml_text(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static char *history_kml(int64_t id, const ct_track *k, const history *h) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\" "
            "xmlns:gx=\"http://www.google.com/kml/ext/2.2\">\n<Document>\n<name>track %lld</name>\n"
            "<Placemark>\n<name>",
            (long long)id);
    xml_text(f, k->callsign[0] ? k->callsign : k->ext);
    fputs(" (", f);
    xml_text(f, k->party);
    fputs(")</name>\n<gx:Track>\n<altitudeMode>absolute</altitudeMode>\n", f);
    size_t i;
    json_t *x;
    json_array_foreach(h->times, i, x) fprintf(f, "<when>%s</when>\n", json_string_value(x));
    json_array_foreach(h->coords, i, x) {
        fprintf(f, "<gx:coord>%.17g %.17g %.17g</gx:coord>\n", json_number_value(json_array_get(x, 0)),
                json_number_value(json_array_get(x, 1)), json_number_value(json_array_get(x, 2)));
    }
    fputs("</gx:Track>\n</Placemark>\n</Document>\n</kml>\n", f);
    if (fclose(f)) {
        free(buf);
        return NULL;
    }
    return buf;
}

int centre_track_history(centre *c, const tr_party *viewer, int64_t id, int64_t from_ms, int64_t to_ms,
                         bool kml, json_t **feature_out, char **kml_text, tr_err *err) {
    centre_traffic *t = c->traffic;
    pthread_rwlock_rdlock(&t->lock);
    ct_track *k = ct_track_find(t, id), copy;
    bool known = k && k->used;
    if (known) {
        copy = *k; /* its vis stays owned by the record: read under the lock only */
    }
    history h = {
        .viewer = viewer, .party = known ? copy.party : "", .coords = json_array(), .times = json_array()};
    bool more = false;
    int rc = known ? store_track_positions(c->store, id, from_ms, to_ms, CENTRE_HISTORY_MAX + 1, history_one,
                                           &h, &more, err)
                   : tr_fail(err, TR_ENOTFOUND, "id", "there is no track %lld", (long long)id);
    bool visible_now = known && centre_track_visible(copy.party, &k->vis, viewer);
    pthread_rwlock_unlock(&t->lock);
    if (rc == TR_OK && !visible_now && json_array_size(h.coords) == 0) /* as if missing */
        rc = tr_fail(err, TR_ENOTFOUND, "id", "there is no track %lld", (long long)id);
    if (rc == TR_OK && (more || json_array_size(h.coords) > CENTRE_HISTORY_MAX))
        rc = tr_fail(err, TR_EINVAL, "from", "the window holds more than %d positions: narrow from and to",
                     CENTRE_HISTORY_MAX);
    if (rc == TR_OK && kml && !(*kml_text = history_kml(id, &copy, &h)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK && !kml && !(*feature_out = history_feature(id, &copy, &h, from_ms, to_ms)))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(h.coords);
    json_decref(h.times);
    return rc;
}

/* ---- alerts ---- */

#define ALERTS_MAX 10000
#define STOP (-1) /* alert_one: the answer is full */

typedef struct alerts_ctx {
    centre *c;
    const tr_party *viewer;
    json_t *items;
    tr_err *err;
} alerts_ctx;

static int alert_one(const store_traffic_alert *a, void *ctx) {
    alerts_ctx *x = ctx;
    if (json_array_size(x->items) == ALERTS_MAX) return STOP;
    json_t *v = NULL;
    int rc = ct_alert_view(x->c, a, x->viewer, &v, x->err);
    if (rc) return rc;
    return !v || json_array_append_new(x->items, v) == 0 ? TR_OK
                                                         : tr_fail(x->err, TR_ENOMEM, "", "out of memory");
}

int centre_traffic_alerts(centre *c, const tr_party *viewer, bool active, int64_t from_ms, int64_t to_ms,
                          json_t **out, tr_err *err) {
    alerts_ctx x = {c, viewer, json_array(), err};
    if (!x.items) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    pthread_rwlock_rdlock(&c->traffic->lock);
    int rc = store_traffic_alert_each(c->store, active, from_ms, to_ms, alert_one, &x, err);
    pthread_rwlock_unlock(&c->traffic->lock);
    if (rc && rc != STOP) {
        json_decref(x.items);
        return rc == TR_ENOMEM ? tr_fail(err, rc, "", "out of memory") : rc;
    }
    *out = json_pack("{s:o, s:b}", "items", x.items, "more", rc == STOP);
    return TR_OK;
}
