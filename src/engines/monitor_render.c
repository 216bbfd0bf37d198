/*
 * monitor_render.c — the daily bulletin (monitor_bulletin.c) as text: md, html, csv and
 * json, in English, Arabic or Russian (monitor_i18n.c's catalogue).
 *
 * md and html are one document written through four primitives (a title, a heading, a
 * sentence, a headed table), so both show the same sections and every table has a header
 * row. The language changes only words: every number, date, id and name is the same in
 * every language; a region is shown under its own name in the language when its area
 * carries one (the bulletin's labels). csv and json are data for programs: their keys and
 * values are the same in every language, and they carry the language's texts beside them
 * (csv's text column, json's labels).
 *
 * Determinism: no locale, no clock, no floating point; the same bulletin gives the same
 * bytes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/names.h"
#include "base/timeutil.h"
#include "engines/monitor.h"
#include "engines/monitor_export.h"

/* ---- text ---- */

/* The buffer is monitor_export.h's mon_text; these add what the bulletin needs on top. */
typedef mon_text sbuf;

static void sb_put(sbuf *b, const char *s, size_t len) {
    mon_text_put(b, s, len);
}

static void sb_str(sbuf *b, const char *s) {
    sb_put(b, s, strlen(s));
}

static void sb_vprintf(sbuf *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    char small[512];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= 0 && (size_t)n < sizeof small) {
        sb_put(b, small, (size_t)n);
    } else {
        char *big = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (big) {
            vsnprintf(big, (size_t)n + 1, fmt, ap2);
            sb_put(b, big, (size_t)n);
        }
        b->failed |= big == NULL;
        free(big);
    }
    va_end(ap2);
}

/* Formats with fmt, which may come from the catalogue (the same conversions in every
 * language: tests/unit/test_monitor_i18n.c). */
static void sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

typedef enum { ESC_MD, ESC_HTML, ESC_CSV } esc_kind;

static void sb_escaped(sbuf *b, const char *s, esc_kind k) {
    if (k == ESC_CSV) {
        bool quote = strpbrk(s, ",\"\r\n") != NULL;
        if (quote) sb_str(b, "\"");
        for (const char *p = s; *p; p++) {
            sb_put(b, p, 1);
            if (*p == '"') sb_put(b, "\"", 1);
        }
        if (quote) sb_str(b, "\"");
        return;
    }
    for (const char *p = s; *p; p++) {
        if (k == ESC_HTML && strchr("&<>\"'", *p)) {
            sb_str(b, *p == '&'   ? "&amp;"
                      : *p == '<' ? "&lt;"
                      : *p == '>' ? "&gt;"
                      : *p == '"' ? "&quot;"
                                  : "&#39;");
        } else if (k == ESC_MD && strchr("|\\*_[]<>`", *p)) {
            sb_put(b, "\\", 1);
            sb_put(b, p, 1);
        } else {
            sb_put(b, *p == '\n' || *p == '\r' ? " " : p, 1);
        }
    }
}

/* ---- one rendering ---- */

typedef struct out {
    sbuf b;
    const mon_bulletin *bl;
    mon_format f;
    mon_lang lang;
} out;

static const char *T(const out *o, const char *msgid) {
    return mon_tr(o->lang, msgid);
}

/* A name as the reader's language shows it: a region's own name in it, else a catalogue
 * text ("(none)"), else the name. */
static const char *label(const out *o, const char *name) {
    for (size_t i = 0; i < o->bl->nlabels; i++)
        if (strcmp(o->bl->labels[i].name, name) == 0 && o->bl->labels[i].text[o->lang])
            return o->bl->labels[i].text[o->lang];
    return T(o, name);
}

static const char *class_msg(mon_class c) {
    static const char *const m[] = {"violation", "not covered", "undetermined"};
    return (unsigned)c < sizeof m / sizeof *m ? m[c] : "undetermined";
}

static const char *grade_msg(mon_grade g) {
    static const char *const m[] = {"none",      "single source", "corroborated",
                                    "confirmed", "contested",     "discounted"};
    return (unsigned)g < sizeof m / sizeof *m ? m[g] : "none";
}

static void range_text(const out *o, char *buf, size_t cap, const tr_range *r) {
    if (!r->known)
        snprintf(buf, cap, "%s", T(o, "unknown"));
    else
        snprintf(buf, cap, "%lld\xE2\x80\x93%lld", (long long)r->min, (long long)r->max); /* en dash */
}

static void change_num(char *buf, size_t cap, int64_t today, int64_t before) {
    int64_t d = today - before;
    snprintf(buf, cap, d > 0 ? "+%lld" : "%lld", (long long)d);
}

static void offset_label(char *buf, size_t cap, int minutes) {
    int a = minutes < 0 ? -minutes : minutes;
    a %= 100 * 60; /* offsets are checked to -12:00..+14:00; this only bounds the text */
    snprintf(buf, cap, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
}

/* What changed in an older incident, in the reader's language, "; " between items. */
static void changes_text(const out *o, sbuf *t, const mon_bulletin_line *l) {
    for (size_t i = 0; i < l->nchanges; i++) {
        const mon_change *c = &l->changes[i];
        if (i) sb_str(t, "; ");
        switch (c->kind) {
        case MON_CHANGE_REPORTS:
            sb_printf(t, T(o, "new reports: %lld"), (long long)c->n);
            break;
        case MON_CHANGE_GRADE:
            sb_printf(t, T(o, "grade %s → %s"), T(o, grade_msg((mon_grade)c->from)),
                      T(o, grade_msg((mon_grade)c->to)));
            break;
        case MON_CHANGE_RESPONSE:
            sb_printf(t, T(o, "response from %s: %s"), c->who,
                      T(o, mon_response_kind_name((mon_response_kind)c->to)));
            break;
        case MON_CHANGE_VERDICT:
            sb_printf(t, T(o, "verdict of %s: %s"), c->who,
                      T(o, mon_verdict_kind_name((mon_verdict_kind)c->to)));
            break;
        case MON_CHANGE_SPLIT:
            sb_printf(t, T(o, "split by %s"), c->who);
            break;
        case MON_CHANGE_MERGE:
            sb_printf(t, T(o, "merged by %s"), c->who);
            break;
        }
    }
    if (l->nchanges == 0) sb_str(t, T(o, "updated"));
}

/* ---- a table's cells, built row by row ---- */

typedef struct grid {
    char **cells;
    size_t n, cap;
    bool failed;
} grid;

static void cell(grid *g, const char *text) {
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 64;
        char **v = realloc(g->cells, cap * sizeof *v);
        if (!v) {
            g->failed = true;
            return;
        }
        g->cells = v;
        g->cap = cap;
    }
    char *c = strdup(text ? text : "");
    if (!c)
        g->failed = true;
    else
        g->cells[g->n++] = c;
}

static void cellf(grid *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cellf(grid *g, const char *fmt, ...) {
    char b[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    cell(g, b);
}

static void grid_free(grid *g) {
    for (size_t i = 0; i < g->n; i++)
        free(g->cells[i]);
    free(g->cells);
}

/* ---- md and html: four primitives ---- */

static void heading(out *o, int level, const char *text) {
    esc_kind k = o->f == MON_FMT_MD ? ESC_MD : ESC_HTML;
    if (o->f == MON_FMT_MD)
        sb_str(&o->b, level == 1 ? "# " : "## ");
    else
        sb_printf(&o->b, "<h%d>", level);
    sb_escaped(&o->b, text, k);
    if (o->f == MON_FMT_MD)
        sb_str(&o->b, "\n\n");
    else
        sb_printf(&o->b, "</h%d>\n", level);
}

static void para(out *o, const char *text) {
    if (o->f == MON_FMT_HTML) sb_str(&o->b, "<p>");
    sb_escaped(&o->b, text, o->f == MON_FMT_MD ? ESC_MD : ESC_HTML);
    sb_str(&o->b, o->f == MON_FMT_HTML ? "</p>\n" : "\n\n");
}

/* A table with a header row (heads, catalogue texts), numeric columns right-aligned; with
 * no row, "None." instead. Takes g's cells. */
static void table(out *o, const char *const *heads, size_t ncols, unsigned numeric, grid *g) {
    bool md = o->f == MON_FMT_MD;
    esc_kind k = md ? ESC_MD : ESC_HTML;
    o->b.failed |= g->failed;
    if (g->n == 0) para(o, T(o, "None."));
    for (size_t i = 0; g->n && i < ncols; i++) { /* the header row */
        sb_str(&o->b, md ? (i ? " | " : "| ") : (i ? "<th>" : "<table>\n<tr><th>"));
        sb_escaped(&o->b, T(o, heads[i]), k);
        sb_str(&o->b, md ? "" : "</th>");
    }
    if (g->n) sb_str(&o->b, md ? " |\n|" : "</tr>\n");
    for (size_t i = 0; g->n && md && i < ncols; i++)
        sb_str(&o->b, numeric >> i & 1 ? "---:|" : "---|");
    if (g->n && md) sb_str(&o->b, "\n");
    for (size_t r = 0; ncols && r < g->n / ncols; r++) {
        for (size_t i = 0; i < ncols; i++) {
            sb_str(&o->b, md ? (i ? " | " : "| ") : (i ? "<td>" : "<tr><td>"));
            sb_escaped(&o->b, g->cells[r * ncols + i], k);
            sb_str(&o->b, md ? "" : "</td>");
        }
        sb_str(&o->b, md ? " |\n" : "</tr>\n");
    }
    if (g->n) sb_str(&o->b, md ? "\n" : "</table>\n");
    grid_free(g);
    memset(g, 0, sizeof *g);
}

/* ---- the document (md, html) ---- */

static void summary(out *o) {
    const mon_bulletin *b = o->bl;
    static const char *const heads[] = {"Measure", "Today", "Previous day", "Change"};
    char k1[48], k2[48], k3[48], ch[24];
    grid g = {0};
    change_num(ch, sizeof ch, b->violations, b->violations_previous);
    range_text(o, k1, sizeof k1, &b->fatalities);
    range_text(o, k2, sizeof k2, &b->injured);
    range_text(o, k3, sizeof k3, &b->fatalities_previous);
    cell(&g, T(o, "Violations"));
    cellf(&g, "%lld", (long long)b->violations);
    cellf(&g, "%lld", (long long)b->violations_previous);
    cell(&g, ch);
    const char *rest[] = {T(o, "Killed"), k1, k3, "", T(o, "Injured"), k2, "", ""};
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++)
        cell(&g, rest[i]);
    heading(o, 2, T(o, "Summary"));
    table(o, heads, 4, 0xE, &g);
    static const char *const cheads[] = {"Classification", "Incidents"};
    for (int c = 0; c < MON_CLASS_COUNT; c++) {
        cell(&g, T(o, class_msg((mon_class)c)));
        cellf(&g, "%lld", (long long)b->by_class[c]);
    }
    heading(o, 2, T(o, "Incidents that occurred in the window, by classification"));
    table(o, cheads, 2, 0x2, &g);
}

static void breakdowns(out *o) {
    const mon_bulletin *b = o->bl;
    static const char *const titles[3] = {"Violations by region", "Violations by alleged party",
                                          "Violations by type"};
    static const char *const keys[3] = {"Region", "Alleged party", "Type"};
    const mon_bulletin_row *tabs[3] = {b->by_region, b->by_party, b->by_type};
    size_t ns[3] = {b->nregion, b->nparty, b->ntype};
    for (int t = 0; t < 3; t++) {
        const char *heads[] = {keys[t], "Violations", "Previous day", "Change", "Killed", "Injured"};
        grid g = {0};
        for (size_t i = 0; i < ns[t]; i++) {
            const mon_bulletin_row *r = &tabs[t][i];
            char k1[48], k2[48], ch[24];
            range_text(o, k1, sizeof k1, &r->fatalities);
            range_text(o, k2, sizeof k2, &r->injured);
            change_num(ch, sizeof ch, r->count, r->previous);
            cell(&g, label(o, r->key));
            cellf(&g, "%lld", (long long)r->count);
            cellf(&g, "%lld", (long long)r->previous);
            cell(&g, ch);
            cell(&g, k1);
            cell(&g, k2);
        }
        heading(o, 2, T(o, titles[t]));
        table(o, heads, 6, 0xE, &g);
    }
    static const char *const gheads[] = {"Grade", "Incidents"};
    grid g = {0};
    for (int k = MON_GRADE_SINGLE_SOURCE; k < MON_GRADE_COUNT; k++) {
        cell(&g, T(o, grade_msg((mon_grade)k)));
        cellf(&g, "%lld", (long long)b->grades[k]);
    }
    heading(o, 2, T(o, "Grades of today's violations"));
    table(o, gheads, 2, 0x2, &g);
}

/* One incident's cells: id, time, region, type, perpetrator, class, grade, reports, killed
 * (and what changed). */
static void line_cells(const out *o, grid *g, const mon_bulletin_line *l, bool changed) {
    char when[TR_TIME_BUFSZ], killed[48];
    range_text(o, killed, sizeof killed, &l->fatalities);
    cellf(g, "#%lld", (long long)l->incident_id);
    cell(g, tr_time_format(l->occurred_at, when));
    cell(g, label(o, l->region));
    cell(g, T(o, l->type));
    cell(g, l->perpetrator ? l->perpetrator : T(o, "(unknown)"));
    cell(g, T(o, class_msg(l->cls)));
    cell(g, T(o, grade_msg(l->grade)));
    cellf(g, "%zu", l->nreports);
    cell(g, killed);
    if (changed) {
        sbuf t = {0};
        changes_text(o, &t, l);
        cell(g, t.p ? t.p : "");
        g->failed |= t.failed;
        free(t.p);
    }
}

static void incident_lists(out *o) {
    static const char *const heads[] = {
        "Incident",       "Occurred at", "Region",  "Type",   "Alleged perpetrator",
        "Classification", "Grade",       "Reports", "Killed", "What changed"};
    static const char *const titles[2][2] = {
        {"Incidents first reported in this window",
         "Incidents whose first report the centre received in these 24 hours, whenever they occurred. "
         "The violations above are counted by when they occurred."},
        {"Older incidents updated in this window", "Incidents first reported before this window that "
                                                   "received reports, responses, verdicts, grade changes "
                                                   "or regroupings in it."}};
    const mon_bulletin_line *lists[2] = {o->bl->new_incidents, o->bl->changed_incidents};
    size_t nl[2] = {o->bl->nnew, o->bl->nchanged};
    for (int t = 0; t < 2; t++) {
        grid g = {0};
        for (size_t i = 0; i < nl[t]; i++)
            line_cells(o, &g, &lists[t][i], t == 1);
        heading(o, 2, T(o, titles[t][0]));
        para(o, T(o, titles[t][1]));
        table(o, heads, t == 1 ? 10 : 9, 0x81, &g);
    }
}

static const char *step_msg(const char *what) {
    return strcmp(what, "late") == 0 ? "overdue" : what;
}

static void steps(out *o) {
    static const char *const heads[] = {"Status",   "Step",   "Agreement", "Title (responsible)",
                                        "Deadline", "Done at"};
    grid g = {0};
    for (size_t i = 0; i < o->bl->nsteps; i++) {
        const mon_bulletin_step *x = &o->bl->steps[i];
        char dl[TR_TIME_BUFSZ], at[TR_TIME_BUFSZ];
        cell(&g, T(o, step_msg(x->what)));
        cellf(&g, "%lld", (long long)x->step_id);
        cell(&g, x->agreement);
        cellf(&g, "%s (%s)", x->title, x->responsible);
        cell(&g, x->deadline == TR_TIME_OPEN ? T(o, "none") : tr_time_format(x->deadline, dl));
        cell(&g, x->at ? tr_time_format(x->at, at) : "");
    }
    heading(o, 2, T(o, "Agreement steps"));
    table(o, heads, 6, 0x2, &g);
}

/* Other modules' sections: a headed table each. */
static void sections(out *o) {
    for (size_t i = 0; i < o->bl->nsections; i++) {
        const mon_bulletin_section *x = &o->bl->sections[i];
        const char *heads[32];
        unsigned numeric = 0;
        size_t nc = x->ncols < 32 ? x->ncols : 32;
        for (size_t k = 0; k < nc; k++) {
            heads[k] = x->cols[k].head;
            numeric |= (unsigned)x->cols[k].numeric << k;
        }
        grid g = {0};
        for (size_t r = 0; r < x->nrows; r++)
            for (size_t k = 0; k < nc; k++) {
                const char *c = x->cells[r * x->ncols + k];
                cell(&g, x->cols[k].translate ? T(o, c) : c);
            }
        heading(o, 2, T(o, x->title));
        if (x->note) para(o, T(o, x->note));
        table(o, heads, nc, numeric, &g);
    }
}

static void document(out *o) {
    const mon_bulletin *b = o->bl;
    char s[TR_TIME_BUFSZ], e[TR_TIME_BUFSZ], off[16], title[64];
    sbuf w = {0};
    offset_label(off, sizeof off, b->utc_offset_min);
    snprintf(title, sizeof title, T(o, "Daily bulletin %s"), b->date);
    if (o->f == MON_FMT_HTML) {
        sb_printf(&o->b, "<!DOCTYPE html>\n<html lang=\"%s\"%s>\n<head>\n<meta charset=\"utf-8\">\n<title>",
                  mon_lang_code(o->lang), mon_lang_rtl(o->lang) ? " dir=\"rtl\"" : "");
        sb_escaped(&o->b, title, ESC_HTML);
        sb_str(&o->b, "</title>\n</head>\n<body>\n");
    }
    heading(o, 1, title);
    sb_printf(&w, T(o, "The 24 hours from %s to %s (ending %02d:00 on %s at UTC%s)."),
              tr_time_format(b->start, s), tr_time_format(b->end, e), b->end_hour, b->date, off);
    para(o, w.p ? w.p : "");
    o->b.failed |= w.failed;
    free(w.p);
    summary(o);
    breakdowns(o);
    incident_lists(o);
    steps(o);
    sections(o);
    if (o->f == MON_FMT_HTML) sb_str(&o->b, "</body>\n</html>\n");
}

/* ---- csv: section,key,today,previous,change,fatalities_min,fatalities_max,injured_min,injured_max,text ----
 */

static void csv_range(sbuf *b, const tr_range *r) {
    if (r->known)
        sb_printf(b, ",%lld,%lld", (long long)r->min, (long long)r->max);
    else
        sb_str(b, ",,");
}

static void csv_row(out *o, const char *section, const char *key, const mon_bulletin_row *r,
                    const char *text) {
    sb_printf(&o->b, "%s,", section);
    sb_escaped(&o->b, key, ESC_CSV);
    sb_printf(&o->b, ",%lld,%lld,%lld", (long long)r->count, (long long)r->previous,
              (long long)(r->count - r->previous));
    csv_range(&o->b, &r->fatalities);
    csv_range(&o->b, &r->injured);
    sb_str(&o->b, ",");
    sb_escaped(&o->b, text, ESC_CSV);
    sb_str(&o->b, "\n");
}

/* An incident line's text: the document's cells, " | " between them. */
static void csv_line(out *o, const char *section, const mon_bulletin_line *l, bool changed) {
    grid g = {0};
    line_cells(o, &g, l, changed);
    sbuf t = {0};
    for (size_t i = 1; i < g.n; i++)
        sb_printf(&t, "%s%s", i > 1 ? " | " : "", g.cells[i]);
    sb_printf(&o->b, "%s,%lld,,,", section, (long long)l->incident_id);
    csv_range(&o->b, &l->fatalities);
    sb_str(&o->b, ",,,");
    sb_escaped(&o->b, t.p ? t.p : "", ESC_CSV);
    sb_str(&o->b, "\n");
    o->b.failed |= t.failed || g.failed;
    free(t.p);
    grid_free(&g);
}

static void csv_sections(out *o) {
    for (size_t i = 0; i < o->bl->nsections; i++) {
        const mon_bulletin_section *x = &o->bl->sections[i];
        for (size_t r = 0; r < x->nrows; r++) {
            char *const *c = &x->cells[r * x->ncols];
            sb_escaped(&o->b, x->id, ESC_CSV);
            sb_str(&o->b, ",");
            sb_escaped(&o->b, c[0], ESC_CSV);
            if (x->kv) {
                sb_printf(&o->b, ",%s,,,,,,,%s\n", c[1], "");
                continue;
            }
            sbuf t = {0};
            for (size_t k = 1; k < x->ncols; k++)
                sb_printf(&t, "%s%s: %s", k > 1 ? "; " : "", T(o, x->cols[k].head),
                          x->cols[k].translate ? T(o, c[k]) : c[k]);
            sb_str(&o->b, ",,,,,,,,");
            sb_escaped(&o->b, t.p ? t.p : "", ESC_CSV);
            sb_str(&o->b, "\n");
            o->b.failed |= t.failed;
            free(t.p);
        }
    }
}

static void csv_steps(out *o) {
    for (size_t i = 0; i < o->bl->nsteps; i++) {
        const mon_bulletin_step *x = &o->bl->steps[i];
        char dl[TR_TIME_BUFSZ], at[TR_TIME_BUFSZ];
        sbuf t = {0};
        sb_printf(&t, "%s: %s (%s; %s %s", x->agreement, x->title, x->responsible, T(o, "Deadline"),
                  x->deadline == TR_TIME_OPEN ? T(o, "none") : tr_time_format(x->deadline, dl));
        if (x->at) sb_printf(&t, "; %s %s", T(o, "Done at"), tr_time_format(x->at, at));
        sb_str(&t, ")");
        sb_printf(&o->b, "step_%s,%lld,,,,,,,,", x->what, (long long)x->step_id);
        sb_escaped(&o->b, t.p ? t.p : "", ESC_CSV);
        sb_str(&o->b, "\n");
        o->b.failed |= t.failed;
        free(t.p);
    }
}

static void render_csv(out *o) {
    const mon_bulletin *b = o->bl;
    char s[TR_TIME_BUFSZ], e[TR_TIME_BUFSZ], off[16];
    offset_label(off, sizeof off, b->utc_offset_min);
    sb_str(&o->b,
           "section,key,today,previous,change,fatalities_min,fatalities_max,injured_min,injured_max,text\n");
    sb_printf(
        &o->b,
        "window,date,,,,,,,,%s\nwindow,start,,,,,,,,%s\nwindow,end,,,,,,,,%s\nwindow,utc_offset,,,,,,,,%s\n"
        "window,lang,,,,,,,,%s\n",
        b->date, tr_time_format(b->start, s), tr_time_format(b->end, e), off, mon_lang_code(o->lang));
    mon_bulletin_row total = {NULL, b->violations, b->violations_previous, b->fatalities, b->injured};
    csv_row(o, "total", "violations", &total, T(o, "Violations"));
    for (int c = 0; c < MON_CLASS_COUNT; c++)
        sb_printf(&o->b, "class,%s,%lld,,,,,,,%s\n", mon_class_name((mon_class)c), (long long)b->by_class[c],
                  T(o, class_msg((mon_class)c)));
    static const char *const keys[3] = {"region", "party", "type"};
    const mon_bulletin_row *tabs[3] = {b->by_region, b->by_party, b->by_type};
    size_t ns[3] = {b->nregion, b->nparty, b->ntype};
    for (int t = 0; t < 3; t++)
        for (size_t i = 0; i < ns[t]; i++)
            csv_row(o, keys[t], tabs[t][i].key, &tabs[t][i], label(o, tabs[t][i].key));
    for (int g = MON_GRADE_SINGLE_SOURCE; g < MON_GRADE_COUNT; g++)
        sb_printf(&o->b, "grade,%s,%lld,,,,,,,%s\n", mon_grade_name((mon_grade)g), (long long)b->grades[g],
                  T(o, grade_msg((mon_grade)g)));
    for (size_t i = 0; i < b->nnew; i++)
        csv_line(o, "new", &b->new_incidents[i], false);
    for (size_t i = 0; i < b->nchanged; i++)
        csv_line(o, "changed", &b->changed_incidents[i], true);
    csv_steps(o);
    csv_sections(o);
}

/* ---- json: the data, with the language's labels beside it ---- */

static json_t *rows_json(const out *o, const mon_bulletin_row *rows, size_t n, bool labelled) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_pack(
            "{sssIsIsIsoso}", "key", rows[i].key, "violations", (json_int_t)rows[i].count, "previous",
            (json_int_t)rows[i].previous, "change", (json_int_t)(rows[i].count - rows[i].previous),
            "fatalities", mon_range_json(&rows[i].fatalities), "injured", mon_range_json(&rows[i].injured));
        if (labelled && r) json_object_set_new(r, "label", json_string(label(o, rows[i].key)));
        json_array_append_new(a, r);
    }
    return a;
}

static json_t *lines_json(const out *o, const mon_bulletin_line *lines, size_t n, bool changed) {
    out en = *o;
    en.lang = MON_LANG_EN;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const mon_bulletin_line *l = &lines[i];
        json_t *x =
            json_pack("{sIsosssssoss ss sIso}", "id", (json_int_t)l->incident_id, "occurred_at",
                      tr_json_time_value(l->occurred_at), "region", l->region, "type", l->type,
                      "alleged_perpetrator", l->perpetrator ? json_string(l->perpetrator) : json_null(),
                      "classification", mon_class_name(l->cls), "grade", mon_grade_name(l->grade), "reports",
                      (json_int_t)l->nreports, "fatalities", mon_range_json(&l->fatalities));
        if (x) json_object_set_new(x, "region_label", json_string(label(o, l->region)));
        if (x && changed) { /* "change": English, as the data; the language's text beside it */
            sbuf t = {0}, tl = {0};
            changes_text(&en, &t, l);
            changes_text(o, &tl, l);
            json_object_set_new(x, "change", json_string(t.p ? t.p : ""));
            if (o->lang != MON_LANG_EN) json_object_set_new(x, "change_label", json_string(tl.p ? tl.p : ""));
            free(t.p);
            free(tl.p);
        }
        json_array_append_new(a, x);
    }
    return a;
}

static json_t *steps_json(const mon_bulletin *b) {
    json_t *a = json_array();
    for (size_t i = 0; i < b->nsteps; i++) {
        const mon_bulletin_step *x = &b->steps[i];
        json_array_append_new(a, json_pack("{s:s, s:I, s:s, s:s, s:s, s:o, s:o}", "what", x->what, "step_id",
                                           (json_int_t)x->step_id, "agreement", x->agreement, "title",
                                           x->title, "responsible", x->responsible, "deadline",
                                           tr_json_time_value(x->deadline), "at",
                                           x->at ? tr_json_time_value(x->at) : json_null()));
    }
    return a;
}

/* A section's JSON member: its own, or {key: value} (kv), or its rows as objects. */
static json_t *section_json(const mon_bulletin_section *x) {
    if (x->json) return json_incref(x->json);
    json_t *v = x->kv ? json_object() : json_array();
    for (size_t r = 0; r < x->nrows; r++) {
        char *const *c = &x->cells[r * x->ncols];
        if (x->kv) {
            json_object_set_new(v, c[0], json_integer(strtoll(c[1], NULL, 10)));
            continue;
        }
        json_t *row = json_object();
        for (size_t k = 0; k < x->ncols; k++)
            json_object_set_new(row, x->cols[k].key,
                                x->cols[k].numeric ? json_integer(strtoll(c[k], NULL, 10))
                                                   : json_string(c[k]));
        json_array_append_new(v, row);
    }
    return v;
}

static char *render_json(const out *o) {
    const mon_bulletin *b = o->bl;
    char off[16];
    offset_label(off, sizeof off, b->utc_offset_min);
    json_t *classes = json_object(), *grades = json_object();
    for (int c = 0; c < MON_CLASS_COUNT; c++)
        json_object_set_new(classes, mon_class_name((mon_class)c), json_integer(b->by_class[c]));
    for (int g = MON_GRADE_SINGLE_SOURCE; g < MON_GRADE_COUNT; g++)
        json_object_set_new(grades, mon_grade_name((mon_grade)g), json_integer(b->grades[g]));
    json_t *j = json_object();
    json_object_set_new(j, "date", json_string(b->date));
    json_object_set_new(j, "lang", json_string(mon_lang_code(o->lang)));
    json_object_set_new(j, "window",
                        json_pack("{sosososisi}", "start", tr_json_time_value(b->start), "end",
                                  tr_json_time_value(b->end), "utc_offset", json_string(off), "end_hour",
                                  b->end_hour, "utc_offset_minutes", b->utc_offset_min));
    json_object_set_new(j, "violations",
                        json_pack("{sIsIsI}", "today", (json_int_t)b->violations, "previous",
                                  (json_int_t)b->violations_previous, "change",
                                  (json_int_t)(b->violations - b->violations_previous)));
    json_object_set_new(j, "casualties",
                        json_pack("{sososo}", "fatalities", mon_range_json(&b->fatalities), "injured",
                                  mon_range_json(&b->injured), "fatalities_previous",
                                  mon_range_json(&b->fatalities_previous)));
    json_object_set_new(j, "incidents_by_class", classes);
    json_object_set_new(j, "by_region", rows_json(o, b->by_region, b->nregion, true));
    json_object_set_new(j, "by_party", rows_json(o, b->by_party, b->nparty, false));
    json_object_set_new(j, "by_type", rows_json(o, b->by_type, b->ntype, false));
    json_object_set_new(j, "grades", grades);
    json_object_set_new(j, "new_incidents", lines_json(o, b->new_incidents, b->nnew, false));
    json_object_set_new(j, "changed_incidents", lines_json(o, b->changed_incidents, b->nchanged, true));
    json_object_set_new(j, "agreement_steps", steps_json(b));
    for (size_t i = 0; i < b->nsections; i++)
        json_object_set_new(j, b->sections[i].id, section_json(&b->sections[i]));
    char *text = tr_json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    return text;
}

/* ---- the entry points ---- */

static const char *const format_names[] = {"md", "json", "csv", "html"};
TR_NAMES_DEFINE_PARSE(mon_format, mon_format, format_names, 4)

const char *mon_format_media_type(mon_format f) {
    switch (f) {
    case MON_FMT_MD:
        return "text/markdown; charset=utf-8";
    case MON_FMT_JSON:
        return "application/json";
    case MON_FMT_CSV:
        return "text/csv; charset=utf-8";
    case MON_FMT_HTML:
        return "text/html; charset=utf-8";
    }
    return "application/octet-stream";
}

int mon_bulletin_render(const mon_bulletin *b, mon_format fmt, mon_lang lang, char **text, size_t *len) {
    out o = {.bl = b, .f = fmt, .lang = lang};
    *text = NULL;
    *len = 0;
    if (fmt == MON_FMT_JSON) {
        char *t = render_json(&o);
        if (!t) return TR_ENOMEM;
        sb_str(&o.b, t);
        sb_str(&o.b, "\n");
        free(t);
    } else if (fmt == MON_FMT_CSV) {
        render_csv(&o);
    } else {
        document(&o);
    }
    if (o.b.failed || !o.b.p) {
        free(o.b.p);
        return TR_ENOMEM;
    }
    *text = o.b.p;
    *len = o.b.len;
    return TR_OK;
}
