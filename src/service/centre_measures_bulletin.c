/*
 * centre_measures_bulletin.c — the bulletin's sections "Separation" and "Aid delivered"
 * (issue 20; docs/separation.md, "The bulletin"). The bulletin goes to every party, so
 * both are computed as a party that sees only public objects would see them; each
 * appears only on days with data: a public agreement with excluded actors in force in the
 * window whose parties are commingled with them at the window's end, or that had
 * incidents by excluded actors inside their areas in the window; movements whose final
 * status fell in the window, or corridor crossings reported for its days.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "service/centre_measures.h"

static const mon_section_col SEP_COLS[] = {
    {"agreement", "Agreement", false, false},
    {"party", "Party", false, false},
    {"commingled_km2", "Commingled km2", true, false},
    {"incidents", "Incidents by excluded actors in its areas", true, false},
};
#define SEP_NCOLS (sizeof SEP_COLS / sizeof *SEP_COLS)

typedef struct sep_rows {
    centre *c;
    const mon_bulletin *b;
    json_t *rows, *cells;
    tr_err *err;
} sep_rows;

static void sep_row(sep_rows *r, const tr_agreement *a, const char *party, double km2, int64_t n) {
    char k[TR_REAL_BUFSZ], c[24];
    tr_real_format(km2, k);
    snprintf(c, sizeof c, "%lld", (long long)n);
    const char *cells[SEP_NCOLS] = {a->name, party, k, c};
    for (size_t i = 0; i < SEP_NCOLS; i++)
        json_array_append_new(r->cells, json_string(cells[i]));
    json_array_append_new(r->rows, json_pack("{s:I, s:s, s:s, s:f, s:I}", "agreement_id", (json_int_t)a->id,
                                             "agreement", a->name, "party", party, "commingled_km2", km2,
                                             "incidents", (json_int_t)n));
}

static int sep_agreement(tr_agreement *a, void *ctx) {
    sep_rows *r = ctx;
    if (!a->nexcluded || !centre_agreement_visible(a, &centre_public) || a->start >= r->b->end ||
        a->end <= r->b->start)
        return TR_OK;
    centre_separation_q q = {
        .agreement = a->id, .at = r->b->end - 1, .inc_from = r->b->start, .inc_to = r->b->end};
    json_t *s = NULL;
    int rc = centre_separation(r->c, &centre_public, &q, &s, r->err);
    if (rc) return rc;
    const json_t *by = json_object_get(json_object_get(s, "incidents"), "by_party");
    const char *party;
    json_t *p;
    json_object_foreach(json_object_get(s, "parties"), party, p) {
        double km2 = json_real_value(json_object_get(p, "commingled_km2"));
        int64_t n = json_integer_value(json_object_get(by, party));
        if (km2 > 0 || n > 0) sep_row(r, a, party, km2, n);
    }
    json_decref(s);
    return TR_OK;
}

/* Appends the table section from rows and cells (n rows) when there is any. */
static int add_table(mon_bulletin *b, const char *id, const char *title, const char *note,
                     const mon_section_col *cols, size_t ncols, json_t *rows, json_t *cells, tr_err *err) {
    size_t n = json_array_size(cells);
    if (!json_array_size(rows)) return TR_OK;
    const char **v = calloc(n + 1, sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        v[i] = json_string_value(json_array_get(cells, i));
    int rc = v && !mon_bulletin_add_table(b, id, title, note, cols, ncols, v, n / ncols, json_incref(rows))
                 ? TR_OK
                 : tr_fail(err, TR_ENOMEM, "", "out of memory");
    free(v);
    return rc;
}

static int separation_section(centre *c, mon_bulletin *b, tr_err *err) {
    sep_rows r = {c, b, json_array(), json_array(), err};
    int rc = store_agreement_each(c->store, sep_agreement, &r, err);
    if (rc == TR_OK)
        rc = add_table(
            b, "separation", "Separation",
            "Public agreements with excluded actors: the ground where the excluded actors' designated "
            "areas overlap each party's control areas at the end of these 24 hours, and the incidents "
            "by excluded actors inside that party's areas.",
            SEP_COLS, SEP_NCOLS, r.rows, r.cells, err);
    json_decref(r.rows);
    json_decref(r.cells);
    return rc;
}

/* ---- aid delivered ---- */

static const mon_section_col AID_COLS[] = {
    {"measure", "Measure", false, true},
    {"value", "Value", true, false},
};

static void aid_row(json_t *rows, json_t *cells, const char *measure, double v) {
    char b[TR_REAL_BUFSZ];
    json_array_append_new(cells, json_string(measure));
    json_array_append_new(cells, json_string(tr_real_format(v, b)));
    json_array_append_new(rows, json_pack("{s:s, s:f}", "measure", measure, "value", v));
}

static int aid_section(centre *c, mon_bulletin *b, tr_err *err) {
    centre_aid_q q = {b->start, b->end, 0};
    json_t *a = NULL;
    int rc = centre_aid(c, &centre_public, &q, &a, err);
    if (rc) return rc;
    json_t *rows = json_array(), *cells = json_array();
    static const char *const what[][2] = {{"delivered", "Tonnes delivered"},
                                          {"aborted", "Tonnes on aborted movements"},
                                          {"hit", "Tonnes on movements hit"}};
    double any = 0;
    for (size_t i = 0; i < 3; i++) {
        double t = json_number_value(json_object_get(json_object_get(a, what[i][0]), "tonnes"));
        any += t + (double)json_integer_value(json_object_get(json_object_get(a, what[i][0]), "movements"));
        aid_row(rows, cells, what[i][1], t);
    }
    const json_t *people = json_object_get(a, "people_crossed");
    any += (double)json_array_size(json_object_get(people, "by_corridor"));
    aid_row(rows, cells, "People who crossed corridors (lowest count)",
            (double)json_integer_value(json_object_get(people, "low")));
    aid_row(rows, cells, "People who crossed corridors (highest count)",
            (double)json_integer_value(json_object_get(people, "high")));
    if (any > 0)
        rc = add_table(
            b, "aid", "Aid delivered",
            "Public movements whose final status fell in these 24 hours, and the people reported to "
            "have crossed corridors.",
            AID_COLS, 2, rows, cells, err);
    json_decref(rows);
    json_decref(cells);
    json_decref(a);
    return rc;
}

int centre__measures_bulletin(centre *c, mon_bulletin *b, mon_lang lang, tr_err *err) {
    (void)lang; /* cells are numbers and names; titles and heads are translated by the renderer */
    int rc = separation_section(c, b, err);
    return rc ? rc : aid_section(c, b, err);
}
