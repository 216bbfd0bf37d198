/*
 * monitor_output.c — what the monitor hands out: the daily bulletin (assembled through
 * the engine's public reads), its four renderings, and the JSON of one incident.
 *
 * Determinism: every list is sorted by a total order (counts descending then keys, or
 * ids); numbers are integers printed with %lld; times are RFC 3339 UTC; no locale, no
 * clock, no floating point reaches the bulletin text. The same engine contents and date
 * give the same bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "base/tz.h"
#include "engines/monitor.h"

/* ---- a growable text buffer ---- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
    bool failed;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t len) {
    if (b->failed) return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (b->n + len + 1 > cap) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) {
    sb_put(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        sb_put(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_put(b, big, (size_t)n);
    free(big);
}

/* ---- the bulletin, assembled ---- */

static void render_sections(const mon_bulletin *b, mon_format f, sbuf *o, json_t *j); /* end of file */

static void row_free(mon_bulletin_row *r) {
    free(r->key);
}

static void line_free(mon_bulletin_line *l) {
    free(l->region);
    free(l->type);
    free(l->perpetrator);
    free(l->change);
}

static void sections_free(mon_bulletin *b); /* at the end of the file */

void mon_bulletin_clear(mon_bulletin *b) {
    for (size_t i = 0; i < b->nregion; i++) row_free(&b->by_region[i]);
    for (size_t i = 0; i < b->nparty; i++) row_free(&b->by_party[i]);
    for (size_t i = 0; i < b->ntype; i++) row_free(&b->by_type[i]);
    free(b->by_region);
    free(b->by_party);
    free(b->by_type);
    for (size_t i = 0; i < b->nnew; i++) line_free(&b->new_incidents[i]);
    for (size_t i = 0; i < b->nchanged; i++) line_free(&b->changed_incidents[i]);
    free(b->new_incidents);
    free(b->changed_incidents);
    free(b->steps);
    sections_free(b);
    memset(b, 0, sizeof *b);
}

static void add_range(tr_range *sum, const tr_range *r) {
    if (!r->known) return;
    sum->min += r->min;
    sum->max += r->max;
    sum->known = true;
}

/* The row for key in *rows (added when missing), or NULL when out of memory. */
static mon_bulletin_row *row_for(mon_bulletin_row **rows, size_t *n, const char *key) {
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*rows)[i].key, key) == 0) return &(*rows)[i];
    mon_bulletin_row *v = realloc(*rows, (*n + 1) * sizeof *v);
    if (!v) return NULL;
    *rows = v;
    memset(&v[*n], 0, sizeof v[*n]);
    if (!(v[*n].key = strdup(key))) return NULL;
    return &v[(*n)++];
}

static const char *type_label(const mon_incident *inc) {
    return inc->sub_event_type != SUB_NONE ? tr_sub_event_type_name(inc->sub_event_type)
                                           : tr_event_type_name(inc->event_type);
}

/* Counts one violation incident in its three rows, today or the day before. */
static int count_violation(mon_bulletin *b, const mon_incident *inc, bool today) {
    const char *keys[3] = {inc->region ? inc->region : "(none)", inc->perpetrator ? inc->perpetrator : "(unknown)",
                           type_label(inc)};
    mon_bulletin_row **rows[3] = {&b->by_region, &b->by_party, &b->by_type};
    size_t *ns[3] = {&b->nregion, &b->nparty, &b->ntype};
    for (int i = 0; i < 3; i++) {
        mon_bulletin_row *r = row_for(rows[i], ns[i], keys[i]);
        if (!r) return TR_ENOMEM;
        if (today) {
            r->count++;
            add_range(&r->fatalities, &inc->fatalities);
            add_range(&r->injured, &inc->injured);
        } else {
            r->previous++;
        }
    }
    if (today) {
        b->violations++;
        add_range(&b->fatalities, &inc->fatalities);
        add_range(&b->injured, &inc->injured);
    } else {
        b->violations_previous++;
        add_range(&b->fatalities_previous, &inc->fatalities);
    }
    return TR_OK;
}

static int cmp_row(const void *x, const void *y) {
    const mon_bulletin_row *a = x, *b = y;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    if (a->previous != b->previous) return a->previous > b->previous ? -1 : 1;
    return strcmp(a->key, b->key);
}

/* What happened to an older incident in [start, end), as one phrase list. */
static char *describe_change(const mon_incident *inc, int64_t start, int64_t end) {
    sbuf b = {0};
    size_t added = 0;
    for (size_t i = 0; i < inc->nmembers; i++)
        if (inc->members[i].received_at >= start && inc->members[i].received_at < end) added++;
    if (added) sb_printf(&b, "+%zu report%s", added, added > 1 ? "s" : "");
    const mon_grade_change *first = NULL, *last = NULL;
    for (size_t i = 0; i < inc->nhistory; i++)
        if (inc->history[i].at >= start && inc->history[i].at < end) {
            if (!first) first = &inc->history[i];
            last = &inc->history[i];
        }
    if (first && first->from != last->to)
        sb_printf(&b, "%sgrade %s -> %s", b.n ? "; " : "", mon_grade_name(first->from), mon_grade_name(last->to));
    for (size_t i = 0; i < inc->nresponses; i++)
        if (inc->responses[i].at >= start && inc->responses[i].at < end)
            sb_printf(&b, "%s%s by %s", b.n ? "; " : "", mon_response_kind_name(inc->responses[i].kind),
                      inc->responses[i].party);
    for (size_t i = 0; i < inc->nverdicts; i++)
        if (inc->verdicts[i].at >= start && inc->verdicts[i].at < end)
            sb_printf(&b, "%smonitor %s: %s", b.n ? "; " : "", inc->verdicts[i].monitor,
                      mon_verdict_kind_name(inc->verdicts[i].kind));
    for (size_t i = 0; i < inc->nregroups; i++)
        if (inc->regroups[i].at >= start && inc->regroups[i].at < end)
            sb_printf(&b, "%s%s by %s", b.n ? "; " : "", inc->regroups[i].split ? "split" : "merged",
                      inc->regroups[i].by);
    if (b.n == 0) sb_str(&b, "updated");
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static int push_line(mon_bulletin_line **lines, size_t *n, const mon_incident *inc, char *change) {
    mon_bulletin_line *v = realloc(*lines, (*n + 1) * sizeof *v);
    if (!v) {
        free(change);
        return TR_ENOMEM;
    }
    *lines = v;
    mon_bulletin_line *l = &v[(*n)++];
    memset(l, 0, sizeof *l);
    l->incident_id = inc->id;
    l->occurred_at = inc->occurred_at;
    l->cls = inc->cls;
    l->grade = inc->grade;
    l->nreports = inc->nreports;
    l->fatalities = inc->fatalities;
    l->change = change;
    l->region = strdup(inc->region ? inc->region : "(none)");
    l->type = strdup(type_label(inc));
    l->perpetrator = inc->perpetrator ? strdup(inc->perpetrator) : NULL;
    return l->region && l->type && (l->perpetrator || !inc->perpetrator) ? TR_OK : TR_ENOMEM;
}

/* Today's and yesterday's counts, from incidents whose reports occurred in the two days. */
static int tally_days(mon_engine *m, mon_bulletin *b, int64_t pstart) {
    int64_t *ids;
    size_t n;
    if (mon_engine_incidents_between(m, pstart, b->end, MON_BY_OCCURRED, &ids, &n)) return TR_ENOMEM;
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        mon_incident inc;
        if (mon_engine_incident_page(m, ids[i], false, 0, 0, &inc, NULL)) {
            rc = TR_ENOMEM;
            break;
        }
        bool today = inc.occurred_at >= b->start && inc.occurred_at < b->end;
        bool before = inc.occurred_at >= pstart && inc.occurred_at < b->start;
        if (today) {
            b->by_class[inc.cls]++;
            if (inc.cls == MON_VIOLATION) b->grades[inc.grade]++;
        }
        if ((today || before) && inc.cls == MON_VIOLATION && inc.grade != MON_GRADE_DISCOUNTED)
            rc = count_violation(b, &inc, today);
        mon_incident_clear(&inc);
    }
    free(ids);
    return rc;
}

/* New and changed incidents, from what happened in the window. */
static int list_activity(mon_engine *m, mon_bulletin *b) {
    int64_t *ids;
    size_t n;
    if (mon_engine_incidents_between(m, b->start, b->end, MON_BY_ACTIVITY, &ids, &n)) return TR_ENOMEM;
    int rc = TR_OK;
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        mon_incident inc;
        if (mon_engine_incident(m, ids[i], false, &inc, NULL)) {
            rc = TR_ENOMEM;
            break;
        }
        if (inc.first_received_at >= b->start && inc.first_received_at < b->end) {
            rc = push_line(&b->new_incidents, &b->nnew, &inc, NULL);
        } else if (inc.first_received_at < b->start) {
            char *change = describe_change(&inc, b->start, b->end);
            rc = change ? push_line(&b->changed_incidents, &b->nchanged, &inc, change) : TR_ENOMEM;
        }
        mon_incident_clear(&inc);
    }
    free(ids);
    return rc;
}

int mon_engine_bulletin(mon_engine *m, const char *date, mon_bulletin *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    int64_t day;
    bool shape = date && strlen(date) == 10 && date[4] == '-' && date[7] == '-';
    if (!shape || tr_time_parse(date, &day) != 0)
        return tr_fail(err, TR_EINVAL, "date", "must be a date YYYY-MM-DD");
    const mon_config *cfg = mon_engine_config(m);
    memcpy(out->date, date, 11);
    out->end_hour = cfg->bulletin_end_hour;
    out->utc_offset_min = cfg->bulletin_utc_offset_min;
    out->end = day - (int64_t)cfg->bulletin_utc_offset_min * 60 + (int64_t)cfg->bulletin_end_hour * 3600;
    if (cfg->bulletin_tz) { /* the wall clock of the zone reads end_hour on date (DST included) */
        out->end = tr_tz_to_utc(cfg->bulletin_tz, day + (int64_t)cfg->bulletin_end_hour * 3600);
        out->utc_offset_min = tr_tz_offset(cfg->bulletin_tz, out->end - 1) / 60;
    }
    out->start = out->end - 86400;
    int rc = tally_days(m, out, out->start - 86400);
    if (rc == TR_OK) rc = list_activity(m, out);
    if (rc != TR_OK) {
        mon_bulletin_clear(out);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (out->nregion > 1) qsort(out->by_region, out->nregion, sizeof *out->by_region, cmp_row);
    if (out->nparty > 1) qsort(out->by_party, out->nparty, sizeof *out->by_party, cmp_row);
    if (out->ntype > 1) qsort(out->by_type, out->ntype, sizeof *out->by_type, cmp_row);
    return TR_OK;
}

/* ---- rendering ---- */

int mon_format_parse(const char *s, mon_format *out) {
    static const char *const names[] = {"md", "json", "csv", "html"};
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (mon_format)i;
            return 0;
        }
    return -1;
}

const char *mon_format_media_type(mon_format f) {
    switch (f) {
    case MON_FMT_MD: return "text/markdown; charset=utf-8";
    case MON_FMT_JSON: return "application/json";
    case MON_FMT_CSV: return "text/csv; charset=utf-8";
    case MON_FMT_HTML: return "text/html; charset=utf-8";
    }
    return "application/octet-stream";
}

static void offset_label(char *buf, size_t cap, int minutes) {
    int a = minutes < 0 ? -minutes : minutes;
    a %= 100 * 60; /* offsets are checked to -12:00..+14:00; this only bounds the text */
    snprintf(buf, cap, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
}

static void range_text(char *buf, size_t cap, const tr_range *r) {
    if (!r->known)
        snprintf(buf, cap, "unknown");
    else
        snprintf(buf, cap, "%lld\xE2\x80\x93%lld", (long long)r->min, (long long)r->max); /* en dash */
}

static void change_text(char *buf, size_t cap, int64_t today, int64_t before) {
    int64_t d = today - before;
    snprintf(buf, cap, d > 0 ? "+%lld" : "%lld", (long long)d);
}

/* One incident as a line of text (without its id). */
static void line_text(sbuf *b, const mon_bulletin_line *l) {
    char when[TR_TIME_BUFSZ], killed[48];
    range_text(killed, sizeof killed, &l->fatalities);
    sb_printf(b, "%s %s: %s by %s \xE2\x80\x94 %s, %s, %zu report%s, killed %s", tr_time_format(l->occurred_at, when),
              l->region, l->type, l->perpetrator ? l->perpetrator : "unknown perpetrator", mon_class_name(l->cls),
              mon_grade_name(l->grade), l->nreports, l->nreports == 1 ? "" : "s", killed);
    if (l->change) sb_printf(b, " \xE2\x80\x94 %s", l->change);
}

/* Escapes for the three text formats. */
typedef enum { ESC_MD, ESC_HTML, ESC_CSV } esc_kind;

static void sb_escaped(sbuf *b, const char *s, esc_kind k) {
    if (k == ESC_CSV) {
        bool quote = strpbrk(s, ",\"\r\n") != NULL;
        if (quote) sb_str(b, "\"");
        for (const char *p = s; *p; p++) sb_put(b, p, 1), *p == '"' ? sb_put(b, "\"", 1) : (void)0;
        if (quote) sb_str(b, "\"");
        return;
    }
    for (const char *p = s; *p; p++) {
        if (k == ESC_HTML && strchr("&<>\"'", *p)) {
            sb_str(b, *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : *p == '"' ? "&quot;" : "&#39;");
        } else if (k == ESC_MD && strchr("|\\*_[]<>`", *p)) {
            sb_put(b, "\\", 1);
            sb_put(b, p, 1);
        } else if (*p == '\n' || *p == '\r') {
            sb_put(b, " ", 1);
        } else {
            sb_put(b, p, 1);
        }
    }
}

static const char *const table_titles[3] = {"Violations by region", "Violations by alleged party", "Violations by type"};
static const char *const table_keys[3] = {"region", "party", "type"};

static void row_tables(const mon_bulletin *b, const mon_bulletin_row *tabs[3], size_t ns[3]) {
    tabs[0] = b->by_region, ns[0] = b->nregion;
    tabs[1] = b->by_party, ns[1] = b->nparty;
    tabs[2] = b->by_type, ns[2] = b->ntype;
}

static void steps_section(const mon_bulletin *b, mon_format f, sbuf *o, json_t *json); /* issue 6, at the end */

static void render_md(const mon_bulletin *b, sbuf *o) {
    char s[TR_TIME_BUFSZ], e[TR_TIME_BUFSZ], off[16], k1[48], k2[48], k3[48], ch[24];
    offset_label(off, sizeof off, b->utc_offset_min);
    sb_printf(o, "# Daily bulletin %s\n\n", b->date);
    sb_printf(o, "The 24 hours from %s to %s (ending %02d:00 on %s at UTC%s).\n\n", tr_time_format(b->start, s),
              tr_time_format(b->end, e), b->end_hour, b->date, off);
    change_text(ch, sizeof ch, b->violations, b->violations_previous);
    range_text(k1, sizeof k1, &b->fatalities);
    range_text(k2, sizeof k2, &b->injured);
    range_text(k3, sizeof k3, &b->fatalities_previous);
    sb_str(o, "## Summary\n\n| | today | previous day | change |\n|---|---:|---:|---:|\n");
    sb_printf(o, "| violations | %lld | %lld | %s |\n", (long long)b->violations, (long long)b->violations_previous, ch);
    sb_printf(o, "| killed | %s | %s | |\n| injured | %s | | |\n\n", k1, k3, k2);
    sb_printf(o, "Incidents that occurred in the window: %lld violation, %lld not_covered, %lld undetermined.\n\n",
              (long long)b->by_class[MON_VIOLATION], (long long)b->by_class[MON_NOT_COVERED],
              (long long)b->by_class[MON_UNDETERMINED]);
    const mon_bulletin_row *tabs[3];
    size_t ns[3];
    row_tables(b, tabs, ns);
    for (int t = 0; t < 3; t++) {
        sb_printf(o, "## %s\n\n", table_titles[t]);
        if (ns[t] == 0) {
            sb_str(o, "None.\n\n");
            continue;
        }
        sb_printf(o, "| %s | violations | previous day | change | killed | injured |\n|---|---:|---:|---:|---|---|\n",
                  table_keys[t]);
        for (size_t i = 0; i < ns[t]; i++) {
            const mon_bulletin_row *r = &tabs[t][i];
            range_text(k1, sizeof k1, &r->fatalities);
            range_text(k2, sizeof k2, &r->injured);
            change_text(ch, sizeof ch, r->count, r->previous);
            sb_str(o, "| ");
            sb_escaped(o, r->key, ESC_MD);
            sb_printf(o, " | %lld | %lld | %s | %s | %s |\n", (long long)r->count, (long long)r->previous, ch, k1, k2);
        }
        sb_str(o, "\n");
    }
    sb_str(o, "## Grades of today's violations\n\n| grade | incidents |\n|---|---:|\n");
    for (int g = MON_GRADE_SINGLE_SOURCE; g < MON_GRADE_COUNT; g++)
        sb_printf(o, "| %s | %lld |\n", mon_grade_name((mon_grade)g), (long long)b->grades[g]);
    const mon_bulletin_line *lists[2] = {b->new_incidents, b->changed_incidents};
    size_t nl[2] = {b->nnew, b->nchanged};
    for (int t = 0; t < 2; t++) {
        sb_printf(o, "\n## %s incidents\n\n", t == 0 ? "New" : "Changed");
        if (nl[t] == 0) sb_str(o, "None.\n");
        for (size_t i = 0; i < nl[t]; i++) {
            sbuf line = {0};
            line_text(&line, &lists[t][i]);
            sb_printf(o, "- #%lld ", (long long)lists[t][i].incident_id);
            sb_escaped(o, line.s ? line.s : "", ESC_MD);
            sb_str(o, "\n");
            o->failed |= line.failed;
            free(line.s);
        }
    }
    steps_section(b, MON_FMT_MD, o, NULL);
    render_sections(b, MON_FMT_MD, o, NULL);
}

static void html_cell(sbuf *o, const char *tag, const char *text) {
    sb_printf(o, "<%s>", tag);
    sb_escaped(o, text, ESC_HTML);
    sb_printf(o, "</%s>", tag);
}

static void render_html(const mon_bulletin *b, sbuf *o) {
    char s[TR_TIME_BUFSZ], e[TR_TIME_BUFSZ], off[16], k1[48], k2[48], k3[48], ch[24];
    offset_label(off, sizeof off, b->utc_offset_min);
    sb_printf(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<title>Daily bulletin %s</title>\n</head>\n<body>\n<h1>Daily bulletin %s</h1>\n",
              b->date, b->date);
    sb_printf(o, "<p>The 24 hours from <time>%s</time> to <time>%s</time> (ending %02d:00 on %s at UTC%s).</p>\n",
              tr_time_format(b->start, s), tr_time_format(b->end, e), b->end_hour, b->date, off);
    change_text(ch, sizeof ch, b->violations, b->violations_previous);
    range_text(k1, sizeof k1, &b->fatalities);
    range_text(k2, sizeof k2, &b->injured);
    range_text(k3, sizeof k3, &b->fatalities_previous);
    sb_str(o, "<h2>Summary</h2>\n<table>\n<tr><th></th><th>today</th><th>previous day</th><th>change</th></tr>\n");
    sb_printf(o, "<tr><th>violations</th><td>%lld</td><td>%lld</td><td>%s</td></tr>\n", (long long)b->violations,
              (long long)b->violations_previous, ch);
    sb_printf(o, "<tr><th>killed</th><td>%s</td><td>%s</td><td></td></tr>\n", k1, k3);
    sb_printf(o, "<tr><th>injured</th><td>%s</td><td></td><td></td></tr>\n</table>\n", k2);
    sb_printf(o, "<p>Incidents that occurred in the window: %lld violation, %lld not_covered, %lld undetermined.</p>\n",
              (long long)b->by_class[MON_VIOLATION], (long long)b->by_class[MON_NOT_COVERED],
              (long long)b->by_class[MON_UNDETERMINED]);
    const mon_bulletin_row *tabs[3];
    size_t ns[3];
    row_tables(b, tabs, ns);
    for (int t = 0; t < 3; t++) {
        sb_printf(o, "<h2>%s</h2>\n", table_titles[t]);
        if (ns[t] == 0) {
            sb_str(o, "<p>None.</p>\n");
            continue;
        }
        sb_printf(o, "<table>\n<tr><th>%s</th><th>violations</th><th>previous day</th><th>change</th>"
                     "<th>killed</th><th>injured</th></tr>\n", table_keys[t]);
        for (size_t i = 0; i < ns[t]; i++) {
            const mon_bulletin_row *r = &tabs[t][i];
            range_text(k1, sizeof k1, &r->fatalities);
            range_text(k2, sizeof k2, &r->injured);
            change_text(ch, sizeof ch, r->count, r->previous);
            sb_str(o, "<tr>");
            html_cell(o, "td", r->key);
            sb_printf(o, "<td>%lld</td><td>%lld</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", (long long)r->count,
                      (long long)r->previous, ch, k1, k2);
        }
        sb_str(o, "</table>\n");
    }
    sb_str(o, "<h2>Grades of today's violations</h2>\n<table>\n<tr><th>grade</th><th>incidents</th></tr>\n");
    for (int g = MON_GRADE_SINGLE_SOURCE; g < MON_GRADE_COUNT; g++)
        sb_printf(o, "<tr><td>%s</td><td>%lld</td></tr>\n", mon_grade_name((mon_grade)g), (long long)b->grades[g]);
    sb_str(o, "</table>\n");
    const mon_bulletin_line *lists[2] = {b->new_incidents, b->changed_incidents};
    size_t nl[2] = {b->nnew, b->nchanged};
    for (int t = 0; t < 2; t++) {
        sb_printf(o, "<h2>%s incidents</h2>\n", t == 0 ? "New" : "Changed");
        if (nl[t] == 0) {
            sb_str(o, "<p>None.</p>\n");
            continue;
        }
        sb_str(o, "<ul>\n");
        for (size_t i = 0; i < nl[t]; i++) {
            sbuf line = {0};
            line_text(&line, &lists[t][i]);
            sb_printf(o, "<li id=\"incident-%lld\">#%lld ", (long long)lists[t][i].incident_id,
                      (long long)lists[t][i].incident_id);
            sb_escaped(o, line.s ? line.s : "", ESC_HTML);
            sb_str(o, "</li>\n");
            o->failed |= line.failed;
            free(line.s);
        }
        sb_str(o, "</ul>\n");
    }
    steps_section(b, MON_FMT_HTML, o, NULL);
    render_sections(b, MON_FMT_HTML, o, NULL);
    sb_str(o, "</body>\n</html>\n");
}

/* CSV: section,key,today,previous,change,fatalities_min,fatalities_max,injured_min,injured_max,text */
static void csv_range(sbuf *o, const tr_range *r) {
    if (r->known)
        sb_printf(o, ",%lld,%lld", (long long)r->min, (long long)r->max);
    else
        sb_str(o, ",,");
}

static void csv_row(sbuf *o, const char *section, const char *key, const mon_bulletin_row *r) {
    sb_printf(o, "%s,", section);
    sb_escaped(o, key, ESC_CSV);
    sb_printf(o, ",%lld,%lld,%lld", (long long)r->count, (long long)r->previous, (long long)(r->count - r->previous));
    csv_range(o, &r->fatalities);
    csv_range(o, &r->injured);
    sb_str(o, ",\n");
}

static void render_csv(const mon_bulletin *b, sbuf *o) {
    char s[TR_TIME_BUFSZ], e[TR_TIME_BUFSZ], off[16];
    offset_label(off, sizeof off, b->utc_offset_min);
    sb_str(o, "section,key,today,previous,change,fatalities_min,fatalities_max,injured_min,injured_max,text\n");
    sb_printf(o, "window,date,,,,,,,,%s\nwindow,start,,,,,,,,%s\nwindow,end,,,,,,,,%s\nwindow,utc_offset,,,,,,,,%s\n",
              b->date, tr_time_format(b->start, s), tr_time_format(b->end, e), off);
    mon_bulletin_row total = {NULL, b->violations, b->violations_previous, b->fatalities, b->injured};
    csv_row(o, "total", "violations", &total);
    for (int c = 0; c < MON_CLASS_COUNT; c++)
        sb_printf(o, "class,%s,%lld,,,,,,,\n", mon_class_name((mon_class)c), (long long)b->by_class[c]);
    const mon_bulletin_row *tabs[3];
    size_t ns[3];
    row_tables(b, tabs, ns);
    for (int t = 0; t < 3; t++)
        for (size_t i = 0; i < ns[t]; i++) csv_row(o, table_keys[t], tabs[t][i].key, &tabs[t][i]);
    for (int g = MON_GRADE_SINGLE_SOURCE; g < MON_GRADE_COUNT; g++)
        sb_printf(o, "grade,%s,%lld,,,,,,,\n", mon_grade_name((mon_grade)g), (long long)b->grades[g]);
    const mon_bulletin_line *lists[2] = {b->new_incidents, b->changed_incidents};
    size_t nl[2] = {b->nnew, b->nchanged};
    for (int t = 0; t < 2; t++)
        for (size_t i = 0; i < nl[t]; i++) {
            const mon_bulletin_line *l = &lists[t][i];
            sb_printf(o, "%s,%lld,,,", t == 0 ? "new" : "changed", (long long)l->incident_id);
            csv_range(o, &l->fatalities);
            sb_str(o, ",,,");
            sbuf line = {0};
            line_text(&line, l);
            sb_escaped(o, line.s ? line.s : "", ESC_CSV);
            o->failed |= line.failed;
            free(line.s);
            sb_str(o, "\n");
        }
    steps_section(b, MON_FMT_CSV, o, NULL);
    render_sections(b, MON_FMT_CSV, o, NULL);
}

json_t *mon_range_json(const tr_range *r) {
    return r->known ? json_pack("{sIsI}", "min", (json_int_t)r->min, "max", (json_int_t)r->max) : json_null();
}

static json_t *rows_json(const mon_bulletin_row *rows, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{sssIsIsIsoso}", "key", rows[i].key, "violations", (json_int_t)rows[i].count,
                         "previous", (json_int_t)rows[i].previous, "change",
                         (json_int_t)(rows[i].count - rows[i].previous), "fatalities",
                         mon_range_json(&rows[i].fatalities), "injured", mon_range_json(&rows[i].injured)));
    return a;
}

static json_t *lines_json(const mon_bulletin_line *lines, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const mon_bulletin_line *l = &lines[i];
        json_t *o =
            json_pack("{sIsosssssoss ss sIso}", "id", (json_int_t)l->incident_id, "occurred_at",
                      tr_json_time_value(l->occurred_at), "region", l->region, "type", l->type,
                      "alleged_perpetrator", l->perpetrator ? json_string(l->perpetrator) : json_null(),
                      "classification", mon_class_name(l->cls), "grade", mon_grade_name(l->grade), "reports",
                      (json_int_t)l->nreports, "fatalities", mon_range_json(&l->fatalities));
        if (l->change) json_object_set_new(o, "change", json_string(l->change));
        json_array_append_new(a, o);
    }
    return a;
}

static char *render_json(const mon_bulletin *b) {
    char off[16];
    offset_label(off, sizeof off, b->utc_offset_min);
    json_t *classes = json_object(), *grades = json_object();
    for (int c = 0; c < MON_CLASS_COUNT; c++)
        json_object_set_new(classes, mon_class_name((mon_class)c), json_integer(b->by_class[c]));
    for (int g = MON_GRADE_SINGLE_SOURCE; g < MON_GRADE_COUNT; g++)
        json_object_set_new(grades, mon_grade_name((mon_grade)g), json_integer(b->grades[g]));
    json_t *o = json_object();
    json_object_set_new(o, "date", json_string(b->date));
    json_object_set_new(o, "window", json_pack("{sosososisi}", "start", tr_json_time_value(b->start), "end",
                                               tr_json_time_value(b->end), "utc_offset", json_string(off), "end_hour",
                                               b->end_hour, "utc_offset_minutes", b->utc_offset_min));
    json_object_set_new(o, "violations", json_pack("{sIsIsI}", "today", (json_int_t)b->violations, "previous",
                                                   (json_int_t)b->violations_previous, "change",
                                                   (json_int_t)(b->violations - b->violations_previous)));
    json_object_set_new(o, "casualties",
                        json_pack("{sososo}", "fatalities", mon_range_json(&b->fatalities), "injured",
                                  mon_range_json(&b->injured), "fatalities_previous",
                                  mon_range_json(&b->fatalities_previous)));
    json_object_set_new(o, "incidents_by_class", classes);
    json_object_set_new(o, "by_region", rows_json(b->by_region, b->nregion));
    json_object_set_new(o, "by_party", rows_json(b->by_party, b->nparty));
    json_object_set_new(o, "by_type", rows_json(b->by_type, b->ntype));
    json_object_set_new(o, "grades", grades);
    json_object_set_new(o, "new_incidents", lines_json(b->new_incidents, b->nnew));
    json_object_set_new(o, "changed_incidents", lines_json(b->changed_incidents, b->nchanged));
    steps_section(b, MON_FMT_JSON, NULL, o);
    render_sections(b, MON_FMT_JSON, NULL, o);
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
}

int mon_bulletin_render(const mon_bulletin *b, mon_format fmt, char **out, size_t *len) {
    sbuf o = {0};
    *out = NULL;
    *len = 0;
    if (fmt == MON_FMT_JSON) {
        char *t = render_json(b);
        if (!t) return TR_ENOMEM;
        sb_str(&o, t);
        sb_str(&o, "\n");
        free(t);
    } else if (fmt == MON_FMT_MD) {
        render_md(b, &o);
    } else if (fmt == MON_FMT_HTML) {
        render_html(b, &o);
    } else {
        render_csv(b, &o);
    }
    if (o.failed || !o.s) {
        free(o.s);
        return TR_ENOMEM;
    }
    *out = o.s;
    *len = o.n;
    return TR_OK;
}

/* ---- the agreement steps section (issue 6, docs/humanitarian.md "The bulletin") ---- */

static void step_deadline(const mon_bulletin_step *x, char buf[TR_TIME_BUFSZ]) {
    if (x->deadline == TR_TIME_OPEN) snprintf(buf, TR_TIME_BUFSZ, "none");
    else tr_time_format(x->deadline, buf);
}

static json_t *steps_json(const mon_bulletin *b) {
    json_t *a = json_array();
    for (size_t i = 0; i < b->nsteps; i++) {
        const mon_bulletin_step *x = &b->steps[i];
        json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s, s:s, s:o, s:o}", "what", x->what, "step_id",
                                           (json_int_t)x->step_id, "agreement", x->agreement, "title", x->title,
                                           "responsible", x->responsible, "deadline", tr_json_time_value(x->deadline),
                                           "at", x->at ? tr_json_time_value(x->at) : json_null()));
    }
    return a;
}

/* Steps due in the window, overdue, and done in it: a table (md, html), rows (csv) or
 * the member "agreement_steps" (json). */
static void steps_section(const mon_bulletin *b, mon_format f, sbuf *o, json_t *json) {
    char dl[TR_TIME_BUFSZ], at[TR_TIME_BUFSZ];
    if (f == MON_FMT_JSON) {
        json_object_set_new(json, "agreement_steps", steps_json(b));
        return;
    }
    if (f == MON_FMT_MD) sb_str(o, b->nsteps ? "\n## Agreement steps\n\n| | step | agreement | responsible | deadline | done at |\n"
                                             "|---|---:|---|---|---|---|\n"
                                           : "\n## Agreement steps\n\nNone.\n");
    if (f == MON_FMT_HTML) sb_str(o, b->nsteps ? "<h2>Agreement steps</h2>\n<table>\n<tr><th></th><th>step</th>"
                                               "<th>agreement</th><th>responsible</th><th>deadline</th><th>done at</th></tr>\n"
                                             : "<h2>Agreement steps</h2>\n<p>None.</p>\n");
    for (size_t i = 0; i < b->nsteps; i++) {
        const mon_bulletin_step *x = &b->steps[i];
        step_deadline(x, dl);
        if (x->at) tr_time_format(x->at, at);
        else at[0] = '\0';
        esc_kind k = f == MON_FMT_MD ? ESC_MD : f == MON_FMT_HTML ? ESC_HTML : ESC_CSV;
        if (f == MON_FMT_CSV) {
            sb_printf(o, "step_%s,%lld,,,,,,,,", x->what, (long long)x->step_id);
            sbuf t = {0};
            sb_printf(&t, "%s: %s (%s; deadline %s%s%s)", x->agreement, x->title, x->responsible, dl,
                      x->at ? "; done " : "", at);
            sb_escaped(o, t.s ? t.s : "", k);
            o->failed |= t.failed;
            free(t.s);
            sb_str(o, "\n");
            continue;
        }
        const char *sep = f == MON_FMT_MD ? " | " : "</td><td>";
        sb_str(o, f == MON_FMT_MD ? "| " : "<tr><td>");
        sb_printf(o, "%s%s%lld%s", x->what, sep, (long long)x->step_id, sep);
        sb_escaped(o, x->agreement, k);
        sb_str(o, sep);
        sb_escaped(o, x->title, k);
        sb_str(o, " (");
        sb_escaped(o, x->responsible, k);
        sb_printf(o, ")%s%s%s%s%s", sep, dl, sep, at, f == MON_FMT_MD ? " |\n" : "</td></tr>\n");
    }
    if (f == MON_FMT_HTML && b->nsteps) sb_str(o, "</table>\n");
}

/* ---- other modules' sections (mon_bulletin_add_section) ---- */

static void sections_free(mon_bulletin *b) {
    for (size_t i = 0; i < b->nsections; i++) {
        mon_bulletin_section *x = &b->sections[i];
        for (size_t k = 0; k < x->n; k++) free(x->keys[k]);
        free(x->keys);
        free(x->values);
        free(x->id);
        free(x->title);
    }
    free(b->sections);
}

int mon_bulletin_add_section(mon_bulletin *b, const char *id, const char *title, const char *const *keys,
                             const int64_t *values, size_t n) {
    mon_bulletin_section *ns = realloc(b->sections, (b->nsections + 1) * sizeof *ns);
    if (!ns) return TR_ENOMEM;
    b->sections = ns;
    mon_bulletin_section *x = &ns[b->nsections];
    memset(x, 0, sizeof *x);
    x->id = strdup(id);
    x->title = strdup(title);
    x->keys = calloc(n + 1, sizeof *x->keys);
    x->values = calloc(n + 1, sizeof *x->values);
    b->nsections++; /* counted at once: mon_bulletin_clear frees what was made */
    if (!x->id || !x->title || !x->keys || !x->values) return TR_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        if (!(x->keys[k] = strdup(keys[k]))) return TR_ENOMEM;
        x->values[k] = values[k];
        x->n++;
    }
    return TR_OK;
}

static void render_sections(const mon_bulletin *b, mon_format f, sbuf *o, json_t *j) {
    esc_kind esc = f == MON_FMT_MD ? ESC_MD : f == MON_FMT_HTML ? ESC_HTML : ESC_CSV;
    for (size_t i = 0; i < b->nsections; i++) {
        const mon_bulletin_section *x = &b->sections[i];
        if (f == MON_FMT_JSON) {
            json_t *obj = json_object();
            for (size_t k = 0; k < x->n; k++) json_object_set_new(obj, x->keys[k], json_integer(x->values[k]));
            json_object_set_new(j, x->id, obj);
            continue;
        }
        sb_str(o, f == MON_FMT_MD ? "\n## " : f == MON_FMT_HTML ? "<h2>" : "");
        if (f != MON_FMT_CSV) sb_escaped(o, x->title, esc);
        sb_str(o, f == MON_FMT_MD ? "\n\n| | |\n|---|---:|\n" : f == MON_FMT_HTML ? "</h2>\n<table>\n" : "");
        for (size_t k = 0; k < x->n; k++) {
            if (f == MON_FMT_CSV) {
                sb_escaped(o, x->id, esc);
                sb_str(o, ",");
            }
            sb_str(o, f == MON_FMT_MD ? "| " : f == MON_FMT_HTML ? "<tr><th>" : "");
            sb_escaped(o, x->keys[k], esc);
            sb_printf(o, f == MON_FMT_MD ? " | %lld |\n" : f == MON_FMT_HTML ? "</th><td>%lld</td></tr>\n" : ",%lld,,,,,,,\n",
                      (long long)x->values[k]);
        }
        if (f == MON_FMT_HTML) sb_str(o, "</table>\n");
    }
}
