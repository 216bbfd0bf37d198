/*
 * centre_movement_bulletin.c — the bulletin's "Movements" section (issues 6 and 18):
 * every public movement whose window overlaps the bulletin's 24 hours (the bulletin goes
 * to every party, so restricted movements are left out), with what it carries (cargo,
 * organisations, vehicles, personnel), its status, and whether it is cleared — by name,
 * the parties whose acknowledgement is still missing. The cells are written in the
 * bulletin's language; the JSON member holds the data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "engines/monitor_export.h"
#include "service/centre_int.h"

static const mon_section_col COLS[] = {
    {"id", "Movement", true, false},       {"kind", "Kind", false, false},
    {"name", "Name", false, false},        {"owner", "Notified by", false, false},
    {"status", "Status", false, false},    {"window", "Window", false, false},
    {"cargo", "Cargo", false, false},      {"organisations", "Organisations", false, false},
    {"vehicles", "Vehicles", true, false}, {"personnel", "Personnel", true, false},
    {"cleared", "Cleared", false, false},  {"awaiting", "Awaiting", false, false},
};
#define NCOLS (sizeof COLS / sizeof *COLS)

/* The catalogue's words for a cargo kind or a status (non_food_items: "non-food items"). */
static const char *word(const char *data) {
    static const char *const map[][2] = {{"non_food_items", "non-food items"},
                                         {"water_sanitation", "water and sanitation"},
                                         {"en_route", "en route"}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(map[i][0], data) == 0) return map[i][1];
    return data;
}

typedef struct section {
    centre *c;
    int64_t start, end;
    mon_lang lang;
    json_t *rows;  /* the JSON member */
    json_t *cells; /* NCOLS strings per row */
    tr_err *err;
} section;

/* "food 120.5 t; medical 4.2 t" in the language (malloc'd, or NULL). */
static char *cargo_text(const json_t *cargo, mon_lang lang) {
    mon_text t = {0};
    size_t i;
    json_t *c;
    json_array_foreach(cargo, i, c) {
        char w[TR_REAL_BUFSZ];
        tr_real_format(json_number_value(json_object_get(c, "tonnes")), w);
        const char *kind = mon_tr(lang, word(json_string_value(json_object_get(c, "kind"))));
        mon_text_printf(&t, "%s%s ", i ? "; " : "", kind);
        mon_text_printf(&t, mon_tr(lang, "%s t"), w);
    }
    mon_text_put(&t, "", 0);
    if (t.failed) {
        free(t.p);
        return NULL;
    }
    return t.p;
}

/* The strings of a JSON array, ", " between them (malloc'd, or NULL). */
static char *joined(const json_t *a) {
    mon_text t = {0};
    size_t i;
    json_t *v;
    mon_text_put(&t, "", 0);
    json_array_foreach(a, i, v) {
        const char *s = json_string_value(v);
        if (i) mon_text_put(&t, ", ", 2);
        mon_text_put(&t, s ? s : "", s ? strlen(s) : 0);
    }
    if (t.failed) {
        free(t.p);
        return NULL;
    }
    return t.p;
}

static void add_cells(section *s, const json_t *p) {
    char id[24], window[2 * TR_TIME_BUFSZ + 8], vehicles[24] = "", personnel[24] = "";
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(p, "id")));
    snprintf(window, sizeof window, "%s \xE2\x80\x93 %s", json_string_value(json_object_get(p, "time_start")),
             json_string_value(json_object_get(p, "time_end")));
    if (json_object_get(p, "vehicles"))
        snprintf(vehicles, sizeof vehicles, "%lld",
                 (long long)json_integer_value(json_object_get(p, "vehicles")));
    if (json_object_get(p, "personnel"))
        snprintf(personnel, sizeof personnel, "%lld",
                 (long long)json_integer_value(json_object_get(p, "personnel")));
    char *cargo = cargo_text(json_object_get(p, "cargo"), s->lang),
         *orgs = joined(json_object_get(p, "organisations"));
    char *waiting = joined(json_object_get(json_object_get(p, "clearance"), "missing"));
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *row[NCOLS] = {id,
                              mon_tr(s->lang, json_string_value(json_object_get(p, "kind"))),
                              name ? name : "",
                              json_string_value(json_object_get(p, "owner")),
                              mon_tr(s->lang, word(json_string_value(json_object_get(p, "status")))),
                              window,
                              cargo ? cargo : "",
                              orgs ? orgs : "",
                              vehicles,
                              personnel,
                              mon_tr(s->lang, json_is_true(json_object_get(p, "cleared")) ? "yes" : "no"),
                              waiting ? waiting : ""};
    for (size_t k = 0; k < NCOLS; k++)
        json_array_append_new(s->cells, json_string(row[k]));
    free(cargo);
    free(orgs);
    free(waiting);
}

/* The JSON member's row: the movement's data, without its route and history. */
static json_t *row_json(const json_t *p) {
    static const char *const keys[] = {"id",         "kind",     "name",  "owner",         "status",
                                       "time_start", "time_end", "cargo", "organisations", "vehicles",
                                       "personnel",  "cleared"};
    json_t *r = json_object();
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        json_t *v = json_object_get(p, keys[k]);
        json_object_set(r, keys[k], v ? v : json_null());
    }
    json_object_set(r, "awaiting", json_object_get(json_object_get(p, "clearance"), "missing"));
    return r;
}

static int collect(tr_movement *m, void *ctx) {
    section *s = ctx;
    bool visible;
    int rc = centre_movement_visible(s->c, m, &centre_public, &visible, s->err);
    if (rc || !visible || m->time_end <= s->start || m->time_start >= s->end) return rc;
    json_t *f = tr_movement_to_feature(m);
    rc = f ? centre_movement_view(s->c, m, f, s->err) : tr_fail(s->err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) {
        const json_t *p = json_object_get(f, "properties");
        json_array_append_new(s->rows, row_json(p));
        add_cells(s, p);
    }
    json_decref(f);
    return rc;
}

int centre__movement_bulletin(centre *c, mon_bulletin *b, mon_lang lang, tr_err *err) {
    section s = {c, b->start, b->end, lang, json_array(), json_array(), err};
    int rc = s.rows && s.cells ? store_movement_each(c->store, collect, &s, err)
                               : tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t n = json_array_size(s.cells);
    const char **cells = calloc(n + 1, sizeof *cells);
    for (size_t i = 0; cells && i < n; i++)
        cells[i] = json_string_value(json_array_get(s.cells, i));
    if (rc == TR_OK && json_array_size(s.rows)) { /* only on days with a movement */
        if (!cells ||
            mon_bulletin_add_table(b, "movements", "Movements",
                                   "Public movements whose window overlaps these 24 hours: what they carry, "
                                   "and the parties whose acknowledgement is still missing.",
                                   COLS, NCOLS, cells, n / NCOLS, json_incref(s.rows)))
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    free(cells);
    json_decref(s.rows);
    json_decref(s.cells);
    return rc;
}
