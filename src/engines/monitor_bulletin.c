/*
 * monitor_bulletin.c — the daily bulletin assembled from the engine's public reads:
 * today's and the previous day's violations by region, party and type, the classes and
 * grades, the incidents first reported in the window and the older ones that changed;
 * and the sections and labels other modules add (mon_bulletin_add_*). Rendering, in
 * each language, is monitor_render.c's.
 *
 * Determinism: every list is sorted by a total order (counts descending then keys, or
 * ids); no clock, no locale, no floating point: the same engine contents and date give
 * the same bulletin.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/timeutil.h"
#include "base/tz.h"
#include "engines/monitor.h"

static void line_free(mon_bulletin_line *l) {
    TR_FREE(l->region, l->type, l->perpetrator, l->changes);
}

static void sections_free(mon_bulletin *b) {
    for (size_t i = 0; i < b->nsections; i++) {
        mon_bulletin_section *x = &b->sections[i];
        for (size_t k = 0; k < x->ncols && x->cols; k++) {
            free((char *)x->cols[k].key);
            free((char *)x->cols[k].head);
        }
        for (size_t k = 0; k < x->nrows * x->ncols && x->cells; k++)
            free(x->cells[k]);
        TR_FREE(x->cols, x->cells, x->id, x->title, x->note);
        json_decref(x->json);
    }
    free(b->sections);
    for (size_t i = 0; i < b->nlabels; i++) {
        free(b->labels[i].name);
        for (int l = 0; l < MON_LANG_COUNT; l++)
            free(b->labels[i].text[l]);
    }
    free(b->labels);
}

void mon_bulletin_clear(mon_bulletin *b) {
    mon_bulletin_row *tabs[3] = {b->by_region, b->by_party, b->by_type};
    size_t ns[3] = {b->nregion, b->nparty, b->ntype};
    for (int t = 0; t < 3; t++) {
        for (size_t i = 0; i < ns[t]; i++)
            free(tabs[t][i].key);
        free(tabs[t]);
    }
    for (size_t i = 0; i < b->nnew; i++)
        line_free(&b->new_incidents[i]);
    for (size_t i = 0; i < b->nchanged; i++)
        line_free(&b->changed_incidents[i]);
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
    const char *keys[3] = {inc->region ? inc->region : "(none)",
                           inc->perpetrator ? inc->perpetrator : "(unknown)", type_label(inc)};
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

/* ---- what changed in an older incident ---- */

typedef struct changes {
    mon_change *v;
    size_t n;
    bool failed;
} changes;

static mon_change *change_add(changes *c, mon_change_kind kind, const char *who) {
    mon_change *v = realloc(c->v, (c->n + 1) * sizeof *v);
    if (!v) {
        c->failed = true;
        return NULL;
    }
    c->v = v;
    mon_change *x = &v[c->n++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    if (who) snprintf(x->who, sizeof x->who, "%s", who);
    return x;
}

static bool in_window(int64_t t, int64_t start, int64_t end) {
    return t >= start && t < end;
}

/* What happened to an older incident in [start, end): reports added, the grade's change,
 * responses, verdicts, regroups, in that order. */
static void describe_change(const mon_incident *inc, int64_t start, int64_t end, changes *c) {
    size_t added = 0;
    for (size_t i = 0; i < inc->nmembers; i++)
        added += in_window(inc->members[i].received_at, start, end);
    mon_change *x = added ? change_add(c, MON_CHANGE_REPORTS, NULL) : NULL;
    if (x) x->n = (int64_t)added;
    const mon_grade_change *first = NULL, *last = NULL;
    for (size_t i = 0; i < inc->nhistory; i++)
        if (in_window(inc->history[i].at, start, end)) {
            if (!first) first = &inc->history[i];
            last = &inc->history[i];
        }
    if (first && first->from != last->to && (x = change_add(c, MON_CHANGE_GRADE, NULL))) {
        x->from = first->from;
        x->to = last->to;
    }
    for (size_t i = 0; i < inc->nresponses; i++)
        if (in_window(inc->responses[i].at, start, end) &&
            (x = change_add(c, MON_CHANGE_RESPONSE, inc->responses[i].party)))
            x->to = inc->responses[i].kind;
    for (size_t i = 0; i < inc->nverdicts; i++)
        if (in_window(inc->verdicts[i].at, start, end) &&
            (x = change_add(c, MON_CHANGE_VERDICT, inc->verdicts[i].monitor)))
            x->to = inc->verdicts[i].kind;
    for (size_t i = 0; i < inc->nregroups; i++)
        if (in_window(inc->regroups[i].at, start, end))
            change_add(c, inc->regroups[i].split ? MON_CHANGE_SPLIT : MON_CHANGE_MERGE, inc->regroups[i].by);
}

static int push_line(mon_bulletin_line **lines, size_t *n, const mon_incident *inc, changes *c) {
    mon_bulletin_line *v = realloc(*lines, (*n + 1) * sizeof *v);
    if (!v) {
        free(c ? c->v : NULL);
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
    if (c) {
        l->changes = c->v;
        l->nchanges = c->n;
    }
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
        bool today = in_window(inc.occurred_at, b->start, b->end);
        bool before = in_window(inc.occurred_at, pstart, b->start);
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
        if (in_window(inc.first_received_at, b->start, b->end)) {
            rc = push_line(&b->new_incidents, &b->nnew, &inc, NULL);
        } else if (inc.first_received_at < b->start) {
            changes c = {0};
            describe_change(&inc, b->start, b->end, &c);
            if (c.failed) {
                free(c.v);
                rc = TR_ENOMEM;
            } else {
                rc = push_line(&b->changed_incidents, &b->nchanged, &inc, &c);
            }
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

/* ---- other modules' sections and labels ---- */

int mon_bulletin_add_table(mon_bulletin *b, const char *id, const char *title, const char *note,
                           const mon_section_col *cols, size_t ncols, const char *const *cells, size_t nrows,
                           json_t *json) {
    mon_bulletin_section *ns = realloc(b->sections, (b->nsections + 1) * sizeof *ns);
    if (!ns) {
        json_decref(json);
        return TR_ENOMEM;
    }
    b->sections = ns;
    mon_bulletin_section *x =
        &ns[b->nsections++]; /* counted at once: mon_bulletin_clear frees what was made */
    memset(x, 0, sizeof *x);
    x->json = json;
    x->id = strdup(id);
    x->title = strdup(title);
    x->note = note ? strdup(note) : NULL;
    x->cols = calloc(ncols, sizeof *x->cols);
    x->cells = calloc(nrows * ncols + 1, sizeof *x->cells);
    if (!x->id || !x->title || (note && !x->note) || !x->cols || !x->cells) return TR_ENOMEM;
    for (size_t k = 0; k < ncols; k++, x->ncols++) {
        x->cols[k] =
            (mon_section_col){strdup(cols[k].key), strdup(cols[k].head), cols[k].numeric, cols[k].translate};
        if (!x->cols[k].key || !x->cols[k].head) return TR_ENOMEM;
    }
    for (size_t k = 0; k < nrows * ncols; k++)
        if (!(x->cells[k] = strdup(cells[k] ? cells[k] : ""))) return TR_ENOMEM;
    x->nrows = nrows;
    return TR_OK;
}

int mon_bulletin_add_section(mon_bulletin *b, const char *id, const char *title, const char *const *keys,
                             const int64_t *values, size_t n) {
    static const mon_section_col cols[] = {{"key", "Measure", false, true}, {"value", "Value", true, false}};
    char **cells = calloc(2 * n + 1, sizeof *cells);
    int rc = cells ? TR_OK : TR_ENOMEM;
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)values[i]);
        cells[2 * i] = (char *)keys[i];
        if (!(cells[2 * i + 1] = strdup(v))) rc = TR_ENOMEM;
    }
    if (rc == TR_OK)
        rc = mon_bulletin_add_table(b, id, title, NULL, cols, 2, (const char *const *)cells, n, NULL);
    if (rc == TR_OK) b->sections[b->nsections - 1].kv = true;
    for (size_t i = 0; cells && i < n; i++)
        free(cells[2 * i + 1]);
    free(cells);
    return rc;
}

int mon_bulletin_add_label(mon_bulletin *b, const char *name, mon_lang lang, const char *text) {
    mon_bulletin_label *l = NULL;
    for (size_t i = 0; i < b->nlabels && !l; i++)
        if (strcmp(b->labels[i].name, name) == 0) l = &b->labels[i];
    if (!l) {
        mon_bulletin_label *v = realloc(b->labels, (b->nlabels + 1) * sizeof *v);
        if (!v) return TR_ENOMEM;
        b->labels = v;
        l = &v[b->nlabels];
        memset(l, 0, sizeof *l);
        if (!(l->name = strdup(name))) return TR_ENOMEM;
        b->nlabels++;
    }
    free(l->text[lang]);
    l->text[lang] = strdup(text);
    return l->text[lang] ? TR_OK : TR_ENOMEM;
}
