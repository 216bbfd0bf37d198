/* sbs.c — SBS-1 BaseStation lines into track positions (sbs.h). */
#include "edges/sbs.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"

#define FT_M 0.3048
#define KT_MPS (1852.0 / 3600.0)
#define FPM_MPS (0.3048 / 60.0)
#define NFIELDS 22

/* Splits line into at most NFIELDS fields (in buf); returns their count. */
static int split(const char *line, char *buf, size_t cap, char **f) {
    snprintf(buf, cap, "%s", line);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == '\n'))
        buf[--n] = '\0';
    int k = 0;
    char *p = buf;
    while (k < NFIELDS) {
        f[k++] = p;
        char *comma = strchr(p, ',');
        if (!comma) break;
        *comma = '\0';
        p = comma + 1;
    }
    return k;
}

/* A number field (1-based index i); absent (empty) leaves *has false. */
static int number(char **f, int nf, int i, double lo, double hi, double *v, bool *has, tr_err *err) {
    *has = false;
    if (i > nf || !f[i - 1][0]) return TR_OK;
    char *end;
    double x = strtod(f[i - 1], &end);
    while (*end == ' ')
        end++;
    char name[16];
    snprintf(name, sizeof name, "field %d", i);
    if (*end || !isfinite(x)) return tr_fail(err, TR_EINVAL, name, "'%.30s' is not a number", f[i - 1]);
    if (x < lo || x > hi) return tr_fail(err, TR_EINVAL, name, "%g is outside [%g, %g]", x, lo, hi);
    *v = x;
    *has = true;
    return TR_OK;
}

/* "YYYY/MM/DD" and "HH:MM:SS.mmm" as ms since the epoch (read as UTC). */
static int when(const char *date, const char *time, int64_t *ms) {
    char s[64];
    if (strlen(date) != 10 || date[4] != '/' || date[7] != '/' || !time[0]) return -1;
    snprintf(s, sizeof s, "%.4s-%.2s-%.2sT%sZ", date, date + 5, date + 8, time);
    return tr_time_parse_ms(s, ms);
}

static int hex_ident(const char *s, char *out, tr_err *err) {
    size_t n = strlen(s);
    if (n < 1 || n > 7) return tr_fail(err, TR_EINVAL, "field 5", "'%.20s' is not an ICAO address", s);
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]) && s[i] != '~')
            return tr_fail(err, TR_EINVAL, "field 5", "'%.20s' is not an ICAO address", s);
        out[i] = (char)toupper((unsigned char)s[i]);
    }
    out[n] = '\0';
    return TR_OK;
}

static void callsign(const char *s, char *out) {
    size_t k = 0;
    for (; *s && k < TR_CALLSIGN_MAX; s++)
        if (*s > 0x20 && *s < 0x7f) out[k++] = *s;
    out[k] = '\0';
}

int sbs_parse_line(const char *line, sbs_msg *out, tr_err *err) {
    char buf[512], *f[NFIELDS];
    memset(out, 0, sizeof *out);
    if (strlen(line) >= sizeof buf)
        return tr_fail(err, TR_EINVAL, "line", "is longer than %zu bytes", sizeof buf - 1);
    int nf = split(line, buf, sizeof buf, f);
    if (strcmp(f[0], "MSG") != 0) return TR_ENOTFOUND;
    if (nf < 10)
        return tr_fail(err, TR_EINVAL, "line", "an MSG line has at least 10 fields, this one %d", nf);
    out->type = atoi(f[1]);
    if (out->type != 1 && out->type != 3 && out->type != 4) return TR_ENOTFOUND;
    if (hex_ident(f[4], out->hex, err)) return TR_EINVAL;
    if (when(f[6], f[7], &out->at_ms))
        return tr_fail(err, TR_EINVAL, "field 7", "'%.12s %.14s' is not a date and time", f[6], f[7]);
    if (nf >= 11) callsign(f[10], out->callsign);
    bool h_lat, h_lon, h_gs, h_tr;
    if (number(f, nf, 12, -3000, 98000, &out->alt_ft, &out->has_alt, err) ||
        number(f, nf, 13, 0, 2900, &out->speed_kt, &h_gs, err) ||
        number(f, nf, 14, -360, 360, &out->track_deg, &h_tr, err) ||
        number(f, nf, 15, -90, 90, &out->lat, &h_lat, err) ||
        number(f, nf, 16, -180, 180, &out->lon, &h_lon, err) ||
        number(f, nf, 17, -59000, 59000, &out->vrate_fpm, &out->has_vrate, err))
        return TR_EINVAL;
    out->has_pos = h_lat && h_lon;
    out->has_vel = h_gs && h_tr;
    if (out->type == 3 && !(out->has_pos && out->has_alt))
        return tr_fail(err, TR_EINVAL, out->has_alt ? "field 15" : "field 12",
                       "a position message needs altitude, "
                       "latitude and longitude");
    if (out->type == 4 && !out->has_vel)
        return tr_fail(err, TR_EINVAL, "field 13", "a velocity message needs ground speed and track");
    return TR_OK;
}

/* ---- the tracker ---- */

typedef struct aircraft {
    char hex[8];
    char callsign[TR_CALLSIGN_MAX + 1];
    bool has_vel;
    int64_t vel_ms, last_ms; /* the velocity's time; the last position sent (0: none) */
    double speed_kt, track_deg, vrate_fpm;
} aircraft;

struct sbs_tracker {
    aircraft *v;
    size_t n, cap;
};

sbs_tracker *sbs_tracker_new(void) {
    return calloc(1, sizeof(sbs_tracker));
}

void sbs_tracker_free(sbs_tracker *t) {
    if (!t) return;
    free(t->v);
    free(t);
}

static aircraft *find(sbs_tracker *t, const char *hex) {
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i].hex, hex) == 0) return &t->v[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        aircraft *v = realloc(t->v, cap * sizeof *v);
        if (!v) return NULL;
        t->v = v;
        t->cap = cap;
    }
    aircraft *a = &t->v[t->n++];
    memset(a, 0, sizeof *a);
    snprintf(a->hex, sizeof a->hex, "%s", hex);
    return a;
}

static void position(const aircraft *a, const sbs_msg *m, double kt, double deg, double fpm,
                     tr_position *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->track, sizeof out->track, "%s", a->hex);
    snprintf(out->callsign, sizeof out->callsign, "%s", a->callsign);
    out->at_ms = m->at_ms;
    out->lon = m->lon;
    out->lat = m->lat;
    out->alt_m = m->alt_ft * FT_M;
    double rad = deg * M_PI / 180;
    out->vx = kt * KT_MPS * sin(rad);
    out->vy = kt * KT_MPS * cos(rad);
    out->vz = fpm * FPM_MPS;
}

bool sbs_tracker_add(sbs_tracker *t, const sbs_msg *m, tr_position *out, sbs_stats *st) {
    aircraft *a = find(t, m->hex);
    if (!a) return false;
    if (m->callsign[0]) snprintf(a->callsign, sizeof a->callsign, "%s", m->callsign);
    if (m->has_vel && m->at_ms >= a->vel_ms) {
        a->has_vel = true;
        a->vel_ms = m->at_ms;
        a->speed_kt = m->speed_kt;
        a->track_deg = m->track_deg;
        a->vrate_fpm = m->has_vrate ? m->vrate_fpm : 0;
    }
    if (m->type != 3) return false;
    if (!m->has_vel && (!a->has_vel || m->at_ms - a->vel_ms > SBS_VELOCITY_MAX_AGE_MS)) {
        st->no_velocity++;
        return false;
    }
    if (a->last_ms && m->at_ms <= a->last_ms) {
        st->not_later++;
        return false;
    }
    position(a, m, a->speed_kt, a->track_deg, a->vrate_fpm, out);
    a->last_ms = m->at_ms;
    st->positions++;
    return true;
}
