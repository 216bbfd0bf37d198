/*
 * centre_export.c — streamed exports of incidents (centre_monitor.h).
 *
 * The incidents live in the monitoring engine, not in SQLite, so an export reads the
 * engine: CENTRE_EXPORT_BATCH incidents at a time, by id cursor (or from the list of
 * ids in the window, taken once at the first read), each batch under c->mon_mu and
 * formatted by monitor_export.c into a buffer that the reader drains before the next
 * batch. Memory is one batch's text plus, for a window, 8 bytes per incident in it;
 * the lock is held for one batch (~1 ms), so writers are never stalled for long.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_monitor.h"

#define CENTRE_EXPORT_BATCH 256

struct centre_export {
    centre *c;
    mon_export_format fmt;
    int64_t from, to; /* window, or from == to == 0 for every incident */
    bool started, done, first_row, listed;
    int64_t after;   /* cursor: last incident id formatted */
    int64_t *window; /* the window's ids (taken at the first batch) */
    size_t nwindow, pos;
    mon_text out; /* formatted, not yet read: out.p[sent .. out.len) */
    size_t sent;
    /* A full GeoJSON export starts the change feed (centre_feed.c): its cursor, what the
     * cursor's reconciliation saw, and the ids shown otherwise, forced at the end. */
    bool feed;
    int64_t cursor;
    centre_feed_snap snap;
    centre_feed_snap shown;
};

int centre_window_parse(const char *d, const char *f, const char *t, int64_t *from, int64_t *to,
                        tr_err *err) {
    *from = *to = 0;
    if (d) {
        char buf[32];
        int y, m, dd;
        char extra;
        if (f || t) return tr_fail(err, TR_EINVAL, "date", "give either date or from and to, not both");
        if (strlen(d) != 10 || sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd, &extra) != 3 ||
            snprintf(buf, sizeof buf, "%sT00:00:00Z", d) >= (int)sizeof buf || tr_time_parse(buf, from))
            return tr_fail(err, TR_EINVAL, "date", "'%s' is not a date (YYYY-MM-DD)", d);
        *to = *from + 86400;
        return TR_OK;
    }
    if (!f && !t) return TR_OK;
    if (!f || tr_time_parse(f, from))
        return tr_fail(err, TR_EINVAL, "from", "needs an RFC 3339 time (with to)");
    if (!t || tr_time_parse(t, to))
        return tr_fail(err, TR_EINVAL, "to", "needs an RFC 3339 time (with from)");
    if (*from >= *to) return tr_fail(err, TR_EINVAL, "to", "must be after from");
    return TR_OK;
}

int centre_export_open(centre *c, const char *format, int64_t from, int64_t to, centre_export **out,
                       const char **media_type, const char **file_name, tr_err *err) {
    mon_export_format f;
    if (!format) return tr_fail(err, TR_EINVAL, "format", "is required: geojson, hxl or acled");
    if (mon_export_format_parse(format, &f))
        return tr_fail(err, TR_EINVAL, "format", "unknown format '%s': use geojson, hxl or acled", format);
    centre_export *x = calloc(1, sizeof *x);
    if (!x) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    x->c = c;
    x->fmt = f;
    x->from = from;
    x->to = to;
    x->first_row = true;
    *out = x;
    *media_type = mon_export_media_type(f);
    *file_name = mon_export_file_name(f);
    return TR_OK;
}

int centre_export_with_cursor(centre_export *x, tr_err *err) {
    if (x->fmt != MON_EXPORT_GEOJSON || x->from != x->to || x->started)
        return tr_fail(err, TR_EINVAL, "cursor",
                       "the change feed starts from a full GeoJSON export: format=geojson, "
                       "no date, from or to");
    int rc = centre__feed_reconcile(x->c, &x->cursor, &x->snap, err);
    x->feed = rc == TR_OK;
    return rc;
}

/* The next batch of ids into ids (at most CENTRE_EXPORT_BATCH), under c->mon_mu. */
static int next_ids(centre_export *x, int64_t *ids, size_t *n) {
    *n = 0;
    if (x->from < x->to) {
        if (!x->listed) {
            x->listed = true;
            int rc = mon_engine_incidents_between(x->c->mon, x->from, x->to, MON_BY_OCCURRED, &x->window,
                                                  &x->nwindow);
            if (rc) return rc;
        }
        while (x->pos < x->nwindow && *n < CENTRE_EXPORT_BATCH)
            ids[(*n)++] = x->window[x->pos++];
        return TR_OK;
    }
    return mon_engine_list(x->c->mon, x->after, CENTRE_EXPORT_BATCH, ids, n);
}

static int cmp_id(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Holding c->mon_mu: notes a row shown otherwise than the cursor's reconciliation saw it. */
static int feed_check(centre_export *x, int64_t id) {
    unsigned char d[STORE_FEED_DIGEST];
    if (centre_feed_digest(x->c->mon, id, d)) return TR_ENOMEM;
    const int64_t *hit = x->snap.n ? bsearch(&id, x->snap.ids, x->snap.n, sizeof id, cmp_id) : NULL;
    if (hit && memcmp(x->snap.digests[hit - x->snap.ids], d, STORE_FEED_DIGEST) == 0) return TR_OK;
    return centre_feed_snap_add(&x->shown, id, d);
}

static void head(centre_export *x) {
    if (x->feed)
        mon_text_printf(&x->out, "{\"type\":\"FeatureCollection\",\"cursor\":\"%lld\",\"features\":[",
                        (long long)x->cursor);
    else
        mon_export_head(x->fmt, &x->out);
}

/* Formats the next batch into x->out (after the head on the first call). */
static int fill(centre_export *x) {
    int64_t ids[CENTRE_EXPORT_BATCH];
    size_t n = 0;
    x->out.len = 0;
    x->sent = 0;
    if (!x->started) {
        head(x);
        x->started = true;
    }
    pthread_mutex_lock(&x->c->mon_mu);
    int rc = next_ids(x, ids, &n);
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        mon_incident inc;
        memset(&inc, 0, sizeof inc);
        /* An id retired by a merge since the list was taken is skipped: its reports are
           in the incident that absorbed them, listed under that incident's id. */
        int64_t cur = 0;
        if (mon_engine_incident_of(x->c->mon, ids[i], &cur) == TR_OK && cur == ids[i] &&
            mon_engine_incident_page(x->c->mon, ids[i], false, 0, 0, &inc, NULL) == TR_OK) {
            mon_export_row(x->fmt, &inc, x->first_row, &x->out);
            x->first_row = false;
            if (x->feed) rc = feed_check(x, ids[i]);
        }
        mon_incident_clear(&inc);
        x->after = ids[i];
    }
    pthread_mutex_unlock(&x->c->mon_mu);
    if (rc) return rc;
    if (n == 0) {
        tr_err err = {0};
        if (x->feed && centre__feed_force(x->c, x->shown.ids, x->shown.n, &err)) return err.code;
        mon_export_tail(x->fmt, &x->out);
        x->done = true;
    }
    return x->out.failed ? TR_ENOMEM : TR_OK;
}

long centre_export_read(centre_export *x, char *buf, size_t max) {
    while (x->sent == x->out.len) {
        if (x->done) return 0;
        if (fill(x)) return -1;
    }
    size_t n = x->out.len - x->sent;
    if (n > max) n = max;
    memcpy(buf, x->out.p + x->sent, n);
    x->sent += n;
    return (long)n;
}

void centre_export_free(centre_export *x) {
    if (!x) return;
    TR_FREE(x->window, x->out.p, x->snap.ids, x->snap.digests, x->shown.ids, x->shown.digests, x);
}

/* ---- CAP 1.2 ---- */

/* The alert's sender: the log's origin with anything CAP forbids (spaces, commas, markup)
 * replaced by '-', or "truce" when there is none. */
static void cap_sender(const centre *c, char *out, size_t cap) {
    snprintf(out, cap, "%s", c->origin[0] ? c->origin : "truce");
    for (char *p = out; *p; p++)
        if (*p == ' ' || *p == ',' || *p == '<' || *p == '>' || *p == '&' || *p == '"' || *p == '\'' ||
            (unsigned char)*p < 0x21)
            *p = '-';
}

int centre_incident_cap(centre *c, int64_t id, char **text, size_t *len, tr_err *err) {
    mon_incident inc;
    memset(&inc, 0, sizeof inc);
    mon_text t = {0};
    char sender[TLOG_ORIGIN_MAX + 8];
    cap_sender(c, sender, sizeof sender);
    pthread_mutex_lock(&c->mon_mu);
    int64_t cur = 0;
    int rc = mon_engine_incident_of(c->mon, id, &cur) == TR_OK && cur == id
                 ? mon_engine_incident_page(c->mon, id, false, 0, 0, &inc, err)
                 : tr_fail(err, TR_ENOTFOUND, "id", "there is no incident %lld", (long long)id);
    if (rc == TR_OK && !mon_cap_applies(&inc))
        rc = tr_fail(err, TR_ENOTFOUND, "id",
                     "incident %lld has no alert: it is not a corroborated or confirmed "
                     "violation (class %s, grade %s)",
                     (long long)id, mon_class_name(inc.cls), mon_grade_name(inc.grade));
    if (rc == TR_OK) mon_cap_render(&inc, mon_engine_config(c->mon), sender, &t);
    pthread_mutex_unlock(&c->mon_mu);
    mon_incident_clear(&inc);
    if (rc == TR_OK && t.failed) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc) {
        free(t.p);
        return rc;
    }
    *text = t.p;
    *len = t.len;
    return TR_OK;
}
