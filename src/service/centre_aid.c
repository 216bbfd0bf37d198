/*
 * centre_aid.c — GET /v1/aid and its export (issue 20; docs/separation.md, "Aid
 * delivered"): tonnes of cargo by kind, organisation, notifying party, destination area
 * and day, from the movements the viewer may read whose final status (arrived, aborted,
 * or incident: "hit") fell in the period, each counted apart; and the people who crossed
 * corridors (per corridor and day the lowest and the highest count reported, never a sum
 * of sources).
 *
 * A movement's status time is that of the status change that set it (its dc_event `at`);
 * a movement notified already arrived counts at its time_end. Its destination is its
 * route's last point; its destination area the region area (as the viewer may see it)
 * covering that point. `within` keeps the movements whose destination it covers and the
 * corridors it meets.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/mem.h"
#include "base/timeutil.h"
#include "domain/humanitarian.h"
#include "domain/site.h"
#include "engines/monitor_export.h"
#include "service/centre_measures.h"
#include "service/centre_mine.h"

#define AID_LIST_MAX 1000 /* movements listed in one answer (all are counted) */

/* A movement the viewer may read, as the measure needs it. */
typedef struct aid_mv {
    int64_t id;
    char *name, *owner, *status, *manifest;
    int64_t at;      /* when its status was set */
    double lon, lat; /* its destination */
} aid_mv;

typedef struct aid_data {
    centre *c;
    const tr_party *viewer;
    aid_mv *mv;
    size_t n, cap;
    tr_area *regions; /* region areas the viewer may see (shapes built) */
    size_t nregions, rcap;
    tr_err *err;
} aid_data;

static void aid_data_clear(aid_data *d) {
    for (size_t i = 0; i < d->n; i++) {
        TR_FREE(d->mv[i].name, d->mv[i].owner, d->mv[i].status, d->mv[i].manifest);
    }
    for (size_t i = 0; i < d->nregions; i++)
        tr_area_clear(&d->regions[i]);
    free(d->mv);
    free(d->regions);
}

/* The route's last point. */
static bool destination(const char *geometry, double *lon, double *lat) {
    json_t *g = json_loads(geometry, 0, NULL);
    const json_t *c = json_object_get(g, "coordinates");
    const json_t *p = json_array_get(c, json_array_size(c) - 1);
    bool ok = json_is_number(json_array_get(p, 0)) && json_is_number(json_array_get(p, 1));
    if (ok) {
        *lon = json_number_value(json_array_get(p, 0));
        *lat = json_number_value(json_array_get(p, 1));
    }
    json_decref(g);
    return ok;
}

static char *dup_or_null(const char *s) {
    return s ? strdup(s) : NULL;
}

static int take_movement(tr_movement *m, void *ctx) {
    aid_data *d = ctx;
    bool visible;
    if (centre_movement_visible(d->c, m, d->viewer, &visible, d->err)) return d->err->code;
    if (!visible) return TR_OK;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        aid_mv *v = realloc(d->mv, cap * sizeof *v);
        if (!v) return tr_fail(d->err, TR_ENOMEM, "", "out of memory");
        d->mv = v;
        d->cap = cap;
    }
    aid_mv *a = &d->mv[d->n];
    memset(a, 0, sizeof *a);
    if (!destination(m->geometry, &a->lon, &a->lat)) return TR_OK;
    a->id = m->id;
    a->at = m->time_end;
    a->name = dup_or_null(m->name);
    a->owner = dup_or_null(m->owner);
    a->status = dup_or_null(m->status);
    a->manifest = dup_or_null(m->manifest);
    d->n++;
    if (!a->owner || !a->status) return tr_fail(d->err, TR_ENOMEM, "", "out of memory");
    return TR_OK;
}

static int cmp_mv(const void *k, const void *x) {
    int64_t id = *(const int64_t *)k, y = ((const aid_mv *)x)->id;
    return (id > y) - (id < y);
}

/* A status change: the movement's status and its time. */
static int take_status(const store_dc_event *e, void *ctx) {
    aid_data *d = ctx;
    if (strcmp(e->about_type, "movement") != 0 || strcmp(e->kind, "status") != 0 || !e->value) return TR_OK;
    aid_mv *a = d->n ? bsearch(&e->about_id, d->mv, d->n, sizeof *d->mv, cmp_mv) : NULL;
    if (!a) return TR_OK;
    char *v = strdup(e->value);
    if (!v) return tr_fail(d->err, TR_ENOMEM, "", "out of memory");
    free(a->status);
    a->status = v;
    a->at = e->at;
    return TR_OK;
}

static int take_region(tr_area *a, void *ctx) {
    aid_data *d = ctx;
    if (a->kind != AREA_REGION || !centre_area_visible(a, d->viewer)) return TR_OK;
    if (d->nregions == d->rcap) {
        size_t cap = d->rcap ? 2 * d->rcap : 16;
        tr_area *v = realloc(d->regions, cap * sizeof *v);
        if (!v) return tr_fail(d->err, TR_ENOMEM, "", "out of memory");
        d->regions = v;
        d->rcap = cap;
    }
    int rc = tr_area_build_shape(a, d->err);
    if (rc) return rc;
    d->regions[d->nregions++] = *a;
    memset(a, 0, sizeof *a);
    return TR_OK;
}

static int aid_data_load(centre *c, const tr_party *viewer, aid_data *d, tr_err *err) {
    *d = (aid_data){.c = c, .viewer = viewer, .err = err};
    int rc = store_movement_each(c->store, take_movement, d, err);
    if (rc == TR_OK) rc = store_dc_event_each(c->store, take_status, d, err);
    if (rc == TR_OK) rc = store_area_each(c->store, take_region, d, err);
    return rc;
}

/* The name of the region (in force at t) covering the point, or "(none)". */
static const char *region_at(const aid_data *d, int64_t t, double lon, double lat) {
    for (size_t i = 0; i < d->nregions; i++) {
        const tr_area *a = &d->regions[i];
        if (a->valid_from <= t && t < a->effective_to && geo_shape_covers(a->shape, lon, lat)) return a->name;
    }
    return "(none)";
}

/* ---- the sums ---- */

static void add_real(json_t *obj, const char *key, double v) {
    json_object_set_new(obj, key, json_real(json_number_value(json_object_get(obj, key)) + v));
}

static void add_int(json_t *obj, const char *key, int64_t v) {
    json_object_set_new(obj, key, json_integer(json_integer_value(json_object_get(obj, key)) + v));
}

static json_t *bucket_new(void) {
    return json_pack("{s:i, s:f, s:{}, s:{}, s:{}, s:{}, s:i, s:i}", "movements", 0, "tonnes", 0.0, "by_kind",
                     "by_organisation", "by_party", "by_destination", "vehicles", 0, "personnel", 0);
}

/* Tonnes to the kilogram (sums of decimals carry float noise below it). */
static double kg(double t) {
    return round(t * 1000) / 1000;
}

static void round_reals(json_t *v) {
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
        if (json_is_real(x))
            json_real_set(x, kg(json_real_value(x)));
        else if (json_is_object(x))
            round_reals(x);
    }
}

typedef struct aid_sum {
    const aid_data *d;
    const centre_aid_q *q;
    const tr_area *within; /* or NULL */
    json_t *bucket[3];     /* delivered, aborted, hit */
    json_t *days;          /* "YYYY-MM-DD" -> figures */
    json_t *list;          /* counted movements */
    size_t counted;
} aid_sum;

static const char *const BUCKETS[] = {"delivered", "aborted", "hit"};
static const char *const STATUSES[] = {"arrived", "aborted", "incident"};

static int bucket_of(const char *status) {
    for (int k = 0; k < 3; k++)
        if (strcmp(status, STATUSES[k]) == 0) return k;
    return -1;
}

static json_t *day_of(aid_sum *s, int64_t t) {
    char b[TR_TIME_BUFSZ];
    tr_time_format(t - ((t % TR_DAY) + TR_DAY) % TR_DAY, b);
    b[10] = 0;
    return json_object_get(s->days, b);
}

static void add_manifest(json_t *bucket, const aid_mv *m, const char *dest, double *tonnes) {
    json_t *man = m->manifest ? json_loads(m->manifest, 0, NULL) : NULL;
    size_t i;
    json_t *c;
    *tonnes = 0;
    json_array_foreach(json_object_get(man, "cargo"), i, c) {
        double w = json_number_value(json_object_get(c, "tonnes"));
        add_real(json_object_get(bucket, "by_kind"), json_string_value(json_object_get(c, "kind")), w);
        *tonnes += w;
    }
    json_array_foreach(json_object_get(man, "organisations"), i, c)
        add_real(json_object_get(bucket, "by_organisation"), json_string_value(c), *tonnes);
    add_real(json_object_get(bucket, "by_party"), m->owner, *tonnes);
    add_real(json_object_get(bucket, "by_destination"), dest, *tonnes);
    add_real(bucket, "tonnes", *tonnes);
    add_int(bucket, "movements", 1);
    add_int(bucket, "vehicles", json_integer_value(json_object_get(man, "vehicles")));
    add_int(bucket, "personnel", json_integer_value(json_object_get(man, "personnel")));
    json_decref(man);
}

/* True when movement m counts in the period (and within), into bucket *k. */
static bool counts(const aid_sum *s, const aid_mv *m, int *k) {
    *k = bucket_of(m->status);
    if (*k < 0 || m->at < s->q->from || m->at >= s->q->to) return false;
    return !s->within || geo_shape_covers(s->within->shape, m->lon, m->lat);
}

static void movements_sum(aid_sum *s) {
    for (size_t i = 0; i < s->d->n; i++) {
        const aid_mv *m = &s->d->mv[i];
        int k;
        if (!counts(s, m, &k)) continue;
        const char *dest = region_at(s->d, m->at, m->lon, m->lat);
        double tonnes;
        add_manifest(s->bucket[k], m, dest, &tonnes);
        char key[32];
        snprintf(key, sizeof key, "%s_tonnes", BUCKETS[k]);
        add_real(day_of(s, m->at), key, tonnes);
        if (++s->counted > AID_LIST_MAX) continue;
        json_array_append_new(s->list, json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:{s:f, s:f, s:s}, s:f}",
                                                 "id", (json_int_t)m->id, "name",
                                                 m->name ? json_string(m->name) : json_null(), "owner",
                                                 m->owner, "status", m->status, "counted_as", BUCKETS[k],
                                                 "at", tr_json_time_value(m->at), "destination", "lon",
                                                 m->lon, "lat", m->lat, "area", dest, "tonnes", kg(tonnes)));
    }
}

/* ---- people who crossed corridors ---- */

/* Whether the viewer may see corridor area id (and it meets within): its name into *name,
 * else *name NULL. A storage failure is returned. */
static int corridor_seen(centre *c, const aid_sum *s, int64_t id, char **name, tr_err *err) {
    tr_area a;
    *name = NULL;
    int rc = store_area_get(c->store, id, 0, &a, err);
    if (rc) return rc == TR_ENOTFOUND ? TR_OK : rc;
    bool ok = centre_area_visible(&a, s->d->viewer);
    if (ok && s->within) {
        geo_region *x = NULL, *y = NULL, *z = NULL;
        ok = tr_area_build_shape(&a, NULL) == TR_OK && geo_region_from_shape(a.shape, &x, NULL) == TR_OK &&
             geo_region_from_shape(s->within->shape, &y, NULL) == TR_OK &&
             geo_region_intersection(x, y, &z, NULL) == TR_OK && geo_region_area_m2(z) > 0;
        geo_region_free(x);
        geo_region_free(y);
        geo_region_free(z);
    }
    if (ok && !(*name = strdup(a.name))) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    tr_area_clear(&a);
    return rc;
}

/* Per corridor and day the lowest and highest count: cells[id][date] = {low, high}. */
static int crossing_cells(centre *c, aid_sum *s, const tr_corridor_event *ev, size_t n, json_t *cells,
                          json_t *names, tr_err *err) {
    for (size_t i = 0; i < n; i++) {
        const tr_corridor_event *e = &ev[i];
        if (e->kind != CORRIDOR_CROSSING || e->from < s->q->from || e->from >= s->q->to) continue;
        char id[24], day[TR_TIME_BUFSZ];
        snprintf(id, sizeof id, "%lld", (long long)e->area_id);
        if (!json_object_get(names, id)) {
            char *name;
            int rc = corridor_seen(c, s, e->area_id, &name, err);
            if (rc) return rc;
            json_object_set_new(names, id, name ? json_string(name) : json_false());
            free(name);
        }
        if (!json_is_string(json_object_get(names, id))) continue;
        tr_time_format(e->from, day);
        day[10] = 0;
        json_t *per = json_object_get(cells, id);
        if (!per) json_object_set_new(cells, id, per = json_object());
        json_t *cell = json_object_get(per, day);
        int64_t lo = cell ? json_integer_value(json_array_get(cell, 0)) : e->count;
        int64_t hi = cell ? json_integer_value(json_array_get(cell, 1)) : e->count;
        json_object_set_new(per, day,
                            json_pack("[I, I]", (json_int_t)(e->count < lo ? e->count : lo),
                                      (json_int_t)(e->count > hi ? e->count : hi)));
    }
    return TR_OK;
}

static json_t *crossings_json(aid_sum *s, json_t *cells, json_t *names) {
    json_t *list = json_array();
    int64_t low = 0, high = 0;
    const char *id, *day;
    json_t *per, *cell;
    json_object_foreach(cells, id, per) {
        int64_t l = 0, h = 0;
        json_object_foreach(per, day, cell) {
            int64_t a = json_integer_value(json_array_get(cell, 0)),
                    b = json_integer_value(json_array_get(cell, 1));
            l += a, h += b;
            json_t *d = json_object_get(s->days, day);
            add_int(d, "people_low", a);
            add_int(d, "people_high", b);
        }
        low += l, high += h;
        json_array_append_new(list,
                              json_pack("{s:I, s:O, s:I, s:I, s:I}", "id", (json_int_t)atoll(id), "name",
                                        json_object_get(names, id), "low", (json_int_t)l, "high",
                                        (json_int_t)h, "days", (json_int_t)json_object_size(per)));
    }
    return json_pack("{s:I, s:I, s:o}", "low", (json_int_t)low, "high", (json_int_t)high, "by_corridor",
                     list);
}

static int crossings(centre *c, aid_sum *s, json_t **out, tr_err *err) {
    tr_corridor_event *ev = NULL;
    size_t n = 0;
    int rc = store_corridor_events(c->store, 0, &ev, &n, err);
    if (rc) return rc;
    json_t *cells = json_object(), *names = json_object();
    rc = crossing_cells(c, s, ev, n, cells, names, err);
    if (rc == TR_OK) *out = crossings_json(s, cells, names);
    json_decref(cells);
    json_decref(names);
    tr_corridor_events_free(ev, n);
    return rc;
}

/* ---- the answer ---- */

static json_t *days_new(int64_t from, int64_t to) {
    json_t *days = json_object();
    for (int64_t t = from - ((from % TR_DAY) + TR_DAY) % TR_DAY; t < to; t += TR_DAY) {
        char b[TR_TIME_BUFSZ];
        tr_time_format(t, b);
        b[10] = 0;
        json_object_set_new(days, b,
                            json_pack("{s:s, s:f, s:f, s:f, s:i, s:i}", "date", b, "delivered_tonnes", 0.0,
                                      "aborted_tonnes", 0.0, "hit_tonnes", 0.0, "people_low", 0,
                                      "people_high", 0));
    }
    return days;
}

static json_t *days_list(json_t *days) {
    json_t *list = json_array();
    const char *k;
    json_t *d;
    json_object_foreach(days, k, d) {
        round_reals(d);
        json_array_append(list, d);
    }
    return list;
}

/* Loads everything and sums the movements: s is ready for the answer or the rows. */
static int aid_sum_run(centre *c, const tr_party *viewer, const centre_aid_q *q, aid_data *d, tr_area *within,
                       aid_sum *s, tr_err *err) {
    if (q->to <= q->from) return tr_fail(err, TR_EINVAL, "to", "must be later than from");
    if ((q->to - q->from) / TR_DAY > CENTRE_SERIES_MAX_DAYS)
        return tr_fail(err, TR_EINVAL, "to", "the period is longer than %d days", CENTRE_SERIES_MAX_DAYS);
    int rc = q->within ? centre__area_at(c, viewer, q->within, q->from, "within", within, err) : TR_OK;
    if (rc == TR_OK) rc = aid_data_load(c, viewer, d, err);
    if (rc) return rc;
    *s = (aid_sum){d,
                   q,
                   q->within ? within : NULL,
                   {bucket_new(), bucket_new(), bucket_new()},
                   days_new(q->from, q->to),
                   json_array(),
                   0};
    movements_sum(s);
    return TR_OK;
}

static void aid_sum_clear(aid_sum *s) {
    for (int k = 0; k < 3; k++)
        json_decref(s->bucket[k]);
    json_decref(s->days);
    json_decref(s->list);
}

int centre_aid(centre *c, const tr_party *viewer, const centre_aid_q *q, json_t **out, tr_err *err) {
    aid_data d = {0};
    tr_area within = {0};
    aid_sum s = {0};
    json_t *people = NULL;
    int rc = aid_sum_run(c, viewer, q, &d, &within, &s, err);
    if (rc == TR_OK) rc = crossings(c, &s, &people, err);
    if (rc == TR_OK) {
        for (int k = 0; k < 3; k++)
            round_reals(s.bucket[k]);
        *out = json_pack("{s:o, s:o, s:o, s:O, s:O, s:O, s:o, s:o, s:O, s:b}", "from",
                         tr_json_time_value(q->from), "to", tr_json_time_value(q->to), "within",
                         q->within ? json_pack("{s:I, s:i, s:s}", "id", (json_int_t)within.id, "version",
                                               within.version, "name", within.name)
                                   : json_null(),
                         "delivered", s.bucket[0], "aborted", s.bucket[1], "hit", s.bucket[2],
                         "people_crossed", people, "series", days_list(s.days), "movements", s.list,
                         "truncated", s.counted > AID_LIST_MAX);
    }
    aid_sum_clear(&s);
    aid_data_clear(&d);
    tr_area_clear(&within);
    return rc;
}

/* ---- the export: CSV, with an HXL hashtag row for HDX ---- */

static const char *const COLS[][2] = {
    {"movement_id", "#activity+code"},     {"name", "#activity+name"},
    {"notified_by", "#org+name+notifier"}, {"status", "#status"},
    {"counted_as", "#status+counted"},     {"at", "#date"},
    {"destination_area", "#adm1+name"},    {"destination_lon", "#geo+lon"},
    {"destination_lat", "#geo+lat"},       {"organisations", "#org+impl"},
    {"cargo_kind", "#item+type"},          {"tonnes", "#item+weight"},
};
#define NCOLS (sizeof COLS / sizeof *COLS)

static void put_field(mon_text *t, size_t i, const char *s) {
    if (i) mon_text_put(t, ",", 1);
    mon_text_csv(t, s);
}

/* One row per cargo item (one without cargo when it carries none). */
static void export_rows(const aid_sum *s, const aid_mv *m, int k, mon_text *t) {
    json_t *man = m->manifest ? json_loads(m->manifest, 0, NULL) : NULL;
    const json_t *cargo = json_object_get(man, "cargo");
    mon_text orgs = {0};
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(man, "organisations"), i, v) {
        if (i) mon_text_put(&orgs, "; ", 2);
        mon_text_put(&orgs, json_string_value(v), strlen(json_string_value(v)));
    }
    char id[24], at[TR_TIME_BUFSZ], lon[TR_REAL_BUFSZ], lat[TR_REAL_BUFSZ], w[TR_REAL_BUFSZ];
    snprintf(id, sizeof id, "%lld", (long long)m->id);
    for (size_t r = 0; r < (json_array_size(cargo) ? json_array_size(cargo) : 1); r++) {
        const json_t *item = json_array_get(cargo, r);
        const char *row[NCOLS] = {id,
                                  m->name,
                                  m->owner,
                                  m->status,
                                  BUCKETS[k],
                                  tr_time_format(m->at, at),
                                  region_at(s->d, m->at, m->lon, m->lat),
                                  tr_real_format(m->lon, lon),
                                  tr_real_format(m->lat, lat),
                                  orgs.p,
                                  json_string_value(json_object_get(item, "kind")),
                                  item ? tr_real_format(json_number_value(json_object_get(item, "tonnes")), w)
                                       : NULL};
        for (size_t c = 0; c < NCOLS; c++)
            put_field(t, c, row[c]);
        mon_text_put(t, "\n", 1);
    }
    t->failed |= orgs.failed;
    free(orgs.p);
    json_decref(man);
}

int centre_aid_export(centre *c, const tr_party *viewer, const centre_aid_q *q, const char *format,
                      char **text, size_t *len, const char **media_type, tr_err *err) {
    bool hxl = format && strcmp(format, "hxl") == 0;
    if (!format || (!hxl && strcmp(format, "csv") != 0))
        return tr_fail(err, TR_EINVAL, "format", "must be csv or hxl");
    aid_data d = {0};
    tr_area within = {0};
    aid_sum s = {0};
    int rc = aid_sum_run(c, viewer, q, &d, &within, &s, err);
    mon_text t = {0};
    for (int row = 0; rc == TR_OK && row < (hxl ? 2 : 1); row++) {
        for (size_t i = 0; i < NCOLS; i++)
            put_field(&t, i, COLS[i][row]);
        mon_text_put(&t, "\n", 1);
    }
    for (size_t i = 0; rc == TR_OK && i < d.n; i++) {
        int k;
        if (counts(&s, &d.mv[i], &k)) export_rows(&s, &d.mv[i], k, &t);
    }
    if (rc == TR_OK && t.failed) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        mon_text_put(&t, "", 0);
        *text = t.p;
        *len = t.len;
        *media_type = "text/csv; charset=utf-8";
        t.p = NULL;
    }
    free(t.p);
    aid_sum_clear(&s);
    aid_data_clear(&d);
    tr_area_clear(&within);
    return rc;
}
