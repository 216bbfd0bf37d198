/* track.c — parsing and writing track positions (track.h). */
#define _GNU_SOURCE /* qsort_r */
#include "domain/track.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"

#define DEG (M_PI / 180.0)

static const char *const KEYS[] = {"track",
                                   "at",
                                   "lon",
                                   "lat",
                                   "alt_m",
                                   "vx_mps",
                                   "vy_mps",
                                   "vz_mps",
                                   "ground_speed_mps",
                                   "track_deg",
                                   "vertical_rate_mps",
                                   "callsign",
                                   "visibility",
                                   NULL};

/* A number member: required, finite, within [lo, hi] (hi_open: < hi). */
typedef struct num_field {
    const char *key;
    double lo, hi;
    bool hi_open;
    const char *unit;
} num_field;

static const num_field POSITION_FIELDS[] = {
    {"lon", -180, 180, false, "degrees"},
    {"lat", -90, 90, false, "degrees"},
    {"alt_m", TR_TRACK_ALT_MIN_M, TR_TRACK_ALT_MAX_M, false, "m"},
};
static const num_field ENU_FIELDS[] = {
    {"vx_mps", -TR_TRACK_MAX_SPEED_MPS, TR_TRACK_MAX_SPEED_MPS, false, "m/s"},
    {"vy_mps", -TR_TRACK_MAX_SPEED_MPS, TR_TRACK_MAX_SPEED_MPS, false, "m/s"},
    {"vz_mps", -TR_TRACK_MAX_VRATE_MPS, TR_TRACK_MAX_VRATE_MPS, false, "m/s"},
};
static const num_field POLAR_FIELDS[] = {
    {"ground_speed_mps", 0, TR_TRACK_MAX_SPEED_MPS, false, "m/s"},
    {"track_deg", 0, 360, true, "degrees"},
    {"vertical_rate_mps", -TR_TRACK_MAX_VRATE_MPS, TR_TRACK_MAX_VRATE_MPS, false, "m/s"},
};

static int num(const json_t *v, const char *path, const num_field *f, double *out, tr_err *err) {
    char p[160];
    tr_path(p, sizeof p, path, f->key);
    const json_t *x = json_object_get(v, f->key);
    if (!x) return tr_fail(err, TR_EINVAL, p, "is required");
    if (!json_is_number(x)) return tr_fail(err, TR_EINVAL, p, "must be a number (%s)", f->unit);
    double d = json_number_value(x);
    if (!isfinite(d) || d < f->lo || (f->hi_open ? d >= f->hi : d > f->hi))
        return tr_fail(err, TR_EINVAL, p, "%.10g is outside [%g, %g%s %s", d, f->lo, f->hi,
                       f->hi_open ? ")" : "]", f->unit);
    *out = d;
    return TR_OK;
}

static int nums(const json_t *v, const char *path, const num_field *f, size_t n, double *out, tr_err *err) {
    for (size_t i = 0; i < n; i++)
        if (num(v, path, &f[i], &out[i], err)) return TR_EINVAL;
    return TR_OK;
}

static bool id_char(int c) {
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '/';
}

/* A string member of 1..max characters accepted by ok; required or not. */
static int text(const json_t *v, const char *path, const char *key, size_t max, bool required, int (*ok)(int),
                const char *allowed, char *out, tr_err *err) {
    char p[160];
    tr_path(p, sizeof p, path, key);
    const json_t *x = json_object_get(v, key);
    out[0] = '\0';
    if (!x || json_is_null(x)) return required ? tr_fail(err, TR_EINVAL, p, "is required") : TR_OK;
    const char *s = json_string_value(x);
    size_t n = s ? json_string_length(x) : 0;
    if (!s || n == 0 || n > max || strlen(s) != n)
        return tr_fail(err, TR_EINVAL, p, "must be a string of 1 to %zu characters", max);
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)s[i]))
            return tr_fail(err, TR_EINVAL, p, "character %zu is not allowed (use %s)", i + 1, allowed);
    memcpy(out, s, n + 1);
    return TR_OK;
}

static int is_id_char(int c) {
    return id_char(c);
}

static int is_graph(int c) {
    return c > 0x20 && c < 0x7f;
}

static int velocity(const json_t *v, const char *path, tr_position *out, tr_err *err) {
    bool enu = false, polar = false;
    for (size_t i = 0; i < 3; i++) {
        enu |= json_object_get(v, ENU_FIELDS[i].key) != NULL;
        polar |= json_object_get(v, POLAR_FIELDS[i].key) != NULL;
    }
    char p[160];
    if (enu && polar)
        return tr_fail(err, TR_EINVAL, tr_path(p, sizeof p, path, "ground_speed_mps"),
                       "give the velocity once: vx_mps, vy_mps, vz_mps or ground_speed_mps, track_deg, "
                       "vertical_rate_mps, not both");
    if (!enu && !polar)
        return tr_fail(
            err, TR_EINVAL, tr_path(p, sizeof p, path, "vx_mps"),
            "a velocity is required: vx_mps, vy_mps, vz_mps (east, north, up) or ground_speed_mps, "
            "track_deg, vertical_rate_mps");
    double x[3];
    if (nums(v, path, enu ? ENU_FIELDS : POLAR_FIELDS, 3, x, err)) return TR_EINVAL;
    if (enu) {
        if (hypot(x[0], x[1]) > TR_TRACK_MAX_SPEED_MPS)
            return tr_fail(err, TR_EINVAL, tr_path(p, sizeof p, path, "vx_mps"),
                           "the ground speed %.1f m/s exceeds %g m/s", hypot(x[0], x[1]),
                           TR_TRACK_MAX_SPEED_MPS);
        out->vx = x[0], out->vy = x[1], out->vz = x[2];
    } else {
        out->vx = x[0] * sin(x[1] * DEG);
        out->vy = x[0] * cos(x[1] * DEG);
        out->vz = x[2];
    }
    return TR_OK;
}

int tr_position_parse(const json_t *v, const char *path, tr_position *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    char p[160];
    if (!json_is_object(v)) return tr_fail(err, TR_EINVAL, path, "a position must be a JSON object");
    if (tr_json_only_keys(v, KEYS, path, err)) return TR_EINVAL;
    if (text(v, path, "track", TR_TRACK_ID_MAX, true, is_id_char, "letters, digits and -_.:/", out->track,
             err))
        return TR_EINVAL;
    const json_t *at = json_object_get(v, "at");
    tr_path(p, sizeof p, path, "at");
    if (!at) return tr_fail(err, TR_EINVAL, p, "is required");
    if (!json_is_string(at) || tr_time_parse_ms(json_string_value(at), &out->at_ms))
        return tr_fail(err, TR_EINVAL, p, "must be an RFC 3339 time such as \"2016-09-19T10:00:00.250Z\"");
    double pos[3];
    if (nums(v, path, POSITION_FIELDS, 3, pos, err) || velocity(v, path, out, err)) return TR_EINVAL;
    out->lon = pos[0], out->lat = pos[1], out->alt_m = pos[2];
    if (text(v, path, "callsign", TR_CALLSIGN_MAX, false, is_graph, "printable ASCII without spaces",
             out->callsign, err))
        return TR_EINVAL;
    const json_t *vis = json_object_get(v, "visibility");
    if (vis && !json_is_null(vis)) {
        if (tr_vis_parse(vis, tr_path(p, sizeof p, path, "visibility"), &out->vis, err)) return TR_EINVAL;
        out->has_vis = true;
    }
    return TR_OK;
}

void tr_position_clear(tr_position *p) {
    tr_vis_clear(&p->vis);
    p->has_vis = false;
}

void tr_positions_free(tr_position *v, size_t n) {
    for (size_t i = 0; v && i < n; i++)
        tr_position_clear(&v[i]);
    free(v);
}

/* ---- batches ---- */

typedef struct batch {
    tr_position *v;
    size_t n, cap;
} batch;

static int batch_add(batch *b, const json_t *item, const char *line_note, tr_err *err) {
    if (b->n == TR_TRACK_BATCH_MAX)
        return tr_fail(err, TR_EINVAL, "", "a batch holds at most %d positions: send several",
                       TR_TRACK_BATCH_MAX);
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        tr_position *nv = realloc(b->v, cap * sizeof *nv);
        if (!nv) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        b->v = nv;
        b->cap = cap;
    }
    char path[32];
    snprintf(path, sizeof path, "[%zu]", b->n);
    if (tr_position_parse(item, path, &b->v[b->n], err)) {
        size_t used = err ? strlen(err->msg) : 0;
        if (line_note && err && used + 1 < sizeof err->msg)
            snprintf(err->msg + used, sizeof err->msg - used, " (%s)", line_note);
        return err ? err->code : TR_EINVAL;
    }
    b->n++;
    return TR_OK;
}

static int parse_ndjson(const char *body, size_t len, batch *b, tr_err *err) {
    size_t line = 0;
    for (size_t off = 0; off < len;) {
        const char *s = body + off, *nl = memchr(s, '\n', len - off);
        size_t n = nl ? (size_t)(nl - s) : len - off;
        off += n + (nl ? 1 : 0);
        line++;
        size_t k = 0;
        while (k < n && isspace((unsigned char)s[k]))
            k++;
        if (k == n) continue;
        char note[32];
        snprintf(note, sizeof note, "line %zu", line);
        json_error_t je;
        json_t *item = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
        if (!item)
            return tr_fail(err, TR_EINVAL, "", "line %zu: malformed JSON at column %d: %s", line, je.column,
                           je.text);
        int rc = batch_add(b, item, note, err);
        json_decref(item);
        if (rc) return rc;
    }
    return TR_OK;
}

static int parse_json(const char *body, size_t len, batch *b, tr_err *err) {
    json_error_t je;
    json_t *v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        return tr_fail(err, TR_EINVAL, "", "malformed JSON at line %d, column %d: %s", je.line, je.column,
                       je.text);
    int rc = TR_OK;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if ((rc = batch_add(b, x, NULL, err))) break;
        }
    } else if (json_is_object(v)) {
        rc = tr_position_parse(v, "", &b->v[0], err);
        if (rc == TR_OK) b->n = 1;
    } else {
        rc = tr_fail(err, TR_EINVAL, "",
                     "the body must be a position object, a JSON array of them, or NDJSON");
    }
    json_decref(v);
    return rc;
}

/* Each track's positions must increase strictly in time within the batch: the indices
 * sorted by (track, index), then each neighbour pair of one track compared. */
static int cmp_order(const void *x, const void *y, void *ctx) {
    const tr_position *v = ctx;
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    int c = strcmp(v[i].track, v[j].track);
    return c ? c : (i > j) - (i < j);
}

static int batch_order(const batch *b, tr_err *err) {
    size_t *ix = malloc(b->n * sizeof *ix);
    if (!ix) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t i = 0; i < b->n; i++)
        ix[i] = i;
    qsort_r(ix, b->n, sizeof *ix, cmp_order, b->v);
    size_t bad = b->n, prev = 0;
    for (size_t k = 1; k < b->n; k++) {
        const tr_position *p = &b->v[ix[k - 1]], *q = &b->v[ix[k]];
        if (strcmp(p->track, q->track) == 0 && q->at_ms <= p->at_ms && ix[k] < bad) {
            bad = ix[k];
            prev = ix[k - 1];
        }
    }
    free(ix);
    if (bad == b->n) return TR_OK;
    char t1[TR_TIME_BUFSZ], t2[TR_TIME_BUFSZ], f[32];
    snprintf(f, sizeof f, "[%zu].at", bad);
    return tr_fail(err, TR_EINVAL, f,
                   "%s is not later than track %s's position [%zu] at %s: a track's positions must come in "
                   "increasing time",
                   tr_time_format_ms(b->v[bad].at_ms, t1), b->v[bad].track, prev,
                   tr_time_format_ms(b->v[prev].at_ms, t2));
}

int tr_positions_parse(const char *body, size_t len, bool ndjson, tr_position **out, size_t *n, tr_err *err) {
    batch b = {.v = calloc(1, sizeof *b.v), .cap = 1};
    *out = NULL;
    *n = 0;
    if (!b.v) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = ndjson ? parse_ndjson(body, len, &b, err) : parse_json(body, len, &b, err);
    if (rc == TR_OK && b.n == 0) rc = tr_fail(err, TR_EINVAL, "", "the batch holds no position");
    if (rc == TR_OK) rc = batch_order(&b, err);
    if (rc) {
        tr_positions_free(b.v, b.n);
        return rc;
    }
    *out = b.v;
    *n = b.n;
    return TR_OK;
}

double tr_track_speed(double vx, double vy) {
    return hypot(vx, vy);
}

double tr_track_angle(double vx, double vy) {
    double a = atan2(vx, vy) / DEG;
    if (a < 0) a += 360;
    return a >= 360 ? 0 : a;
}

json_t *tr_position_to_json(const tr_position *p) {
    char at[TR_TIME_BUFSZ];
    json_t *o =
        json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "track", p->track, "at",
                  tr_time_format_ms(p->at_ms, at), "lon", p->lon, "lat", p->lat, "alt_m", p->alt_m, "vx_mps",
                  p->vx, "vy_mps", p->vy, "vz_mps", p->vz, "ground_speed_mps", tr_track_speed(p->vx, p->vy),
                  "track_deg", tr_track_angle(p->vx, p->vy), "vertical_rate_mps", p->vz);
    if (o && p->callsign[0]) json_object_set_new(o, "callsign", json_string(p->callsign));
    return o;
}
