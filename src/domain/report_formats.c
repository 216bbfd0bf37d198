/*
 * report_formats.c — bulk intake of reports (report.h): the CSV record splitter, the
 * formats' columns, and the mappers from an NDJSON line, a plain CSV row, an ACLED row or
 * a UCDP GED row to the JSON body a client would have sent, which then goes through
 * tr_report_parse (report.c), so every rule is the same. Errors name the line and the
 * column.
 */
#include "domain/report.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/names.h"
#include "base/timeutil.h"
#include "domain/domain.h"
#include "geo/geo.h"

/* ---- CSV records ---- */

bool tr_csv_record_complete(const char *text, size_t len) {
    bool in = false;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '"') in = !in;
    return !in;
}

void tr_csv_row_clear(tr_csv_row *row) {
    free(row->buf);
    free(row->fields);
    memset(row, 0, sizeof *row);
}

static int row_push(tr_csv_row *row, char *field) {
    if (row->n == row->cap) {
        size_t cap = row->cap ? row->cap * 2 : 32;
        char **f = realloc(row->fields, cap * sizeof *f);
        if (!f) return -1;
        row->fields = f;
        row->cap = cap;
    }
    row->fields[row->n++] = field;
    return 0;
}

int tr_csv_split(const char *rec, size_t len, tr_csv_row *row, tr_err *err) {
    if (len > 0 && rec[len - 1] == '\n') len--;
    if (len > 0 && rec[len - 1] == '\r') len--;
    char *buf = realloc(row->buf, len + 1);
    if (!buf) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    row->buf = buf;
    row->n = 0;
    /* Each field is copied to buf at wo, unquoted, and NUL-terminated where its comma
     * was; a field's text is never longer than its raw form, so buf never overflows. */
    size_t i = 0, wo = 0;
    for (;;) {
        char *start = buf + wo;
        if (i < len && rec[i] == '"') {
            for (i++;; i++) {
                if (i >= len) return tr_fail(err, TR_EINVAL, "", "a quoted field is not closed");
                if (rec[i] == '"') {
                    if (i + 1 < len && rec[i + 1] == '"') {
                        buf[wo++] = '"';
                        i++;
                        continue;
                    }
                    i++;
                    break;
                }
                buf[wo++] = rec[i];
            }
            if (i < len && rec[i] != ',')
                return tr_fail(err, TR_EINVAL, "", "a character follows the closing quote of field %zu",
                               row->n + 1);
        } else {
            for (; i < len && rec[i] != ','; i++) {
                if (rec[i] == '"')
                    return tr_fail(err, TR_EINVAL, "", "a quote inside unquoted field %zu", row->n + 1);
                buf[wo++] = rec[i];
            }
        }
        buf[wo++] = '\0';
        if (row_push(row, start)) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        if (i >= len) break;
        i++; /* the comma */
    }
    return TR_OK;
}

/* ---- formats and their columns ---- */

static const char *const format_names[] = {"ndjson", "csv", "acled", "ucdp"};
TR_NAMES_DEFINE_PARSE(tr_report_format, tr_report_format, format_names, 4)

typedef struct column {
    const char *name; /* column name in the header */
    const char *path; /* JSON path errors at which belong to this column ("" none) */
    bool required;
} column;

/* Plain CSV: one column per field of the JSON body. */
enum {
    PC_OCCURRED_AT,
    PC_TIME_PRECISION,
    PC_LON,
    PC_LAT,
    PC_GEO_PRECISION,
    PC_EVENT_TYPE,
    PC_SUB_EVENT_TYPE,
    PC_PERPETRATOR,
    PC_TARGET_KIND,
    PC_TARGET_NAME,
    PC_TARGET_FACILITY,
    PC_FATALITIES_MIN,
    PC_FATALITIES_MAX,
    PC_INJURED_MIN,
    PC_INJURED_MAX,
    PC_WEAPON,
    PC_DESCRIPTION,
    PC_SOURCE_KIND,
    PC_SOURCE_REF,
    PC_EVIDENCE,
    PC_LANGUAGE,
    PC_EXTERNAL_ID,
    PC_COUNT
};

static const column plain_cols[PC_COUNT] = {
    [PC_OCCURRED_AT] = {"occurred_at", "occurred_at", true},
    [PC_TIME_PRECISION] = {"time_precision", "time_precision", true},
    [PC_LON] = {"lon", "location.coordinates[0]", true},
    [PC_LAT] = {"lat", "location", true},
    [PC_GEO_PRECISION] = {"geo_precision", "geo_precision", true},
    [PC_EVENT_TYPE] = {"event_type", "event_type", true},
    [PC_SUB_EVENT_TYPE] = {"sub_event_type", "sub_event_type", false},
    [PC_PERPETRATOR] = {"alleged_perpetrator", "alleged_perpetrator", false},
    [PC_TARGET_KIND] = {"target_kind", "target", false},
    [PC_TARGET_NAME] = {"target_name", "target.name", false},
    [PC_TARGET_FACILITY] = {"target_facility", "target.facility", false},
    [PC_FATALITIES_MIN] = {"fatalities_min", "fatalities", false},
    [PC_FATALITIES_MAX] = {"fatalities_max", "fatalities.max", false},
    [PC_INJURED_MIN] = {"injured_min", "injured", false},
    [PC_INJURED_MAX] = {"injured_max", "injured.max", false},
    [PC_WEAPON] = {"weapon", "weapon", false},
    [PC_DESCRIPTION] = {"description", "description", false},
    [PC_SOURCE_KIND] = {"source_kind", "source", true},
    [PC_SOURCE_REF] = {"source_ref", "source.ref", false},
    [PC_EVIDENCE] = {"evidence", "evidence", false},
    [PC_LANGUAGE] = {"language", "language", false},
    [PC_EXTERNAL_ID] = {"external_id", "", false},
};

/* ACLED export: only the columns truce reads. */
enum {
    AC_EVENT_ID,
    AC_EVENT_DATE,
    AC_TIME_PRECISION,
    AC_EVENT_TYPE,
    AC_SUB_EVENT_TYPE,
    AC_ACTOR1,
    AC_ACTOR2,
    AC_CIVILIAN_TARGETING,
    AC_LATITUDE,
    AC_LONGITUDE,
    AC_GEO_PRECISION,
    AC_SOURCE,
    AC_NOTES,
    AC_FATALITIES,
    AC_COUNT
};

static const column acled_cols[AC_COUNT] = {
    [AC_EVENT_ID] = {"event_id_cnty", "", false},
    [AC_EVENT_DATE] = {"event_date", "occurred_at", true},
    [AC_TIME_PRECISION] = {"time_precision", "time_precision", true},
    [AC_EVENT_TYPE] = {"event_type", "event_type", true},
    [AC_SUB_EVENT_TYPE] = {"sub_event_type", "sub_event_type", true},
    [AC_ACTOR1] = {"actor1", "alleged_perpetrator", true},
    [AC_ACTOR2] = {"actor2", "target", false},
    [AC_CIVILIAN_TARGETING] = {"civilian_targeting", "", false},
    [AC_LATITUDE] = {"latitude", "location", true},
    [AC_LONGITUDE] = {"longitude", "location.coordinates[0]", true},
    [AC_GEO_PRECISION] = {"geo_precision", "geo_precision", true},
    [AC_SOURCE] = {"source", "source", false},
    [AC_NOTES] = {"notes", "description", false},
    [AC_FATALITIES] = {"fatalities", "fatalities", true},
};

/* UCDP GED: only the columns truce reads. */
enum {
    UC_ID,
    UC_TYPE,
    UC_SIDE_A,
    UC_SIDE_B,
    UC_SOURCE_OFFICE,
    UC_HEADLINE,
    UC_WHERE_PREC,
    UC_LATITUDE,
    UC_LONGITUDE,
    UC_DATE_PREC,
    UC_DATE_START,
    UC_LOW,
    UC_HIGH,
    UC_COUNT
};

static const column ucdp_cols[UC_COUNT] = {
    [UC_ID] = {"id", "", true},
    [UC_TYPE] = {"type_of_violence", "event_type", true},
    [UC_SIDE_A] = {"side_a", "alleged_perpetrator", true},
    [UC_SIDE_B] = {"side_b", "target", true},
    [UC_SOURCE_OFFICE] = {"source_office", "source", false},
    [UC_HEADLINE] = {"source_headline", "description", false},
    [UC_WHERE_PREC] = {"where_prec", "geo_precision", true},
    [UC_LATITUDE] = {"latitude", "location", true},
    [UC_LONGITUDE] = {"longitude", "location.coordinates[0]", true},
    [UC_DATE_PREC] = {"date_prec", "time_precision", true},
    [UC_DATE_START] = {"date_start", "occurred_at", true},
    [UC_LOW] = {"low", "fatalities", true},
    [UC_HIGH] = {"high", "fatalities.max", true},
};

static const column *format_columns(tr_report_format fmt, size_t *n) {
    switch (fmt) {
    case TR_FMT_CSV:
        *n = PC_COUNT;
        return plain_cols;
    case TR_FMT_ACLED:
        *n = AC_COUNT;
        return acled_cols;
    case TR_FMT_UCDP:
        *n = UC_COUNT;
        return ucdp_cols;
    default:
        *n = 0;
        return NULL;
    }
}

static const char *format_label(tr_report_format fmt) {
    return fmt == TR_FMT_ACLED ? "ACLED" : fmt == TR_FMT_UCDP ? "UCDP GED" : "CSV";
}

int tr_report_columns_parse(tr_report_format fmt, const char *header, size_t len, tr_report_columns *out,
                            tr_err *err) {
    size_t n;
    const column *cols = format_columns(fmt, &n);
    if (!cols) return tr_fail(err, TR_EINVAL, "format", "line 1: this format has no header");
    memset(out, 0, sizeof *out);
    out->fmt = fmt;
    for (size_t k = 0; k < TR_CSV_MAX_COLUMNS; k++)
        out->idx[k] = -1;
    if (len >= 3 && memcmp(header, "\xEF\xBB\xBF", 3) == 0) header += 3, len -= 3; /* UTF-8 BOM */
    tr_csv_row row = {0};
    int rc = tr_csv_split(header, len, &row, err);
    if (rc == TR_OK && row.n > TR_CSV_MAX_COLUMNS)
        rc = tr_fail(err, TR_EINVAL, "", "line 1: more than %d columns", TR_CSV_MAX_COLUMNS);
    for (size_t i = 0; rc == TR_OK && i < row.n; i++) {
        size_t k = 0;
        while (k < n && strcmp(cols[k].name, row.fields[i]) != 0)
            k++;
        if (k == n) {
            if (fmt == TR_FMT_CSV)
                rc = tr_fail(err, TR_EINVAL, row.fields[i], "line 1: unknown column '%.60s'", row.fields[i]);
            continue;
        }
        if (out->idx[k] >= 0)
            rc = tr_fail(err, TR_EINVAL, row.fields[i], "line 1: column '%s' appears twice", row.fields[i]);
        out->idx[k] = (int)i;
    }
    for (size_t k = 0; rc == TR_OK && k < n; k++)
        if (cols[k].required && out->idx[k] < 0)
            rc = tr_fail(err, TR_EINVAL, cols[k].name, "line 1: a %s file needs the column '%s'",
                         format_label(fmt), cols[k].name);
    out->ncols = row.n;
    tr_csv_row_clear(&row);
    return rc;
}

/* ---- row -> JSON body -> tr_report ---- */

/* Prefixes err->msg with "line N: ". */
static void at_line(tr_err *err, long line) {
    if (!err) return;
    char m[sizeof err->msg + 32];
    int k = snprintf(m, sizeof m, "line %ld: %s", line, err->msg);
    size_t n = k < 0 ? 0 : (size_t)k;
    if (n >= sizeof err->msg) n = sizeof err->msg - 1;
    memcpy(err->msg, m, n);
    err->msg[n] = '\0';
}

int tr_report_from_ndjson(const char *text, size_t len, long line, int64_t now, tr_report *out, tr_err *err) {
    json_error_t je;
    memset(out, 0, sizeof *out);
    json_t *body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!body) {
        tr_fail(err, TR_EINVAL, "", "not a JSON object: %s (column %d)", je.text, je.column);
        at_line(err, line);
        return TR_EINVAL;
    }
    int rc = tr_report_parse(body, now, out, err);
    json_decref(body);
    if (rc != TR_OK) at_line(err, line);
    return rc;
}

/* A row and what it maps to. */
typedef struct mapper {
    const tr_report_columns *cols;
    tr_csv_row row;
    json_t *body;
} mapper;

/* The cell of known column k, or NULL when the column is absent or the cell empty. */
static const char *cell(const mapper *m, int k) {
    int i = m->cols->idx[k];
    if (i < 0 || (size_t)i >= m->row.n || m->row.fields[i][0] == '\0') return NULL;
    return m->row.fields[i];
}

/* A cell as a JSON value: an integer or a finite number when it reads fully as one, else a
 * string (which tr_report_parse then rejects with the rule the field breaks). NULL when
 * the text is not valid UTF-8. */
static json_t *number_or_string(const char *s) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end != s && *end == '\0') return json_integer(v);
    double d = strtod(s, &end);
    if (end != s && *end == '\0' && isfinite(d)) return json_real(d);
    return json_string(s);
}

/* Sets body[key] (or a nested object's key) to a string cell; false on invalid UTF-8. */
static bool put_str(json_t *o, const char *key, const char *s) {
    if (!s) return true;
    json_t *v = json_string(s);
    if (!v) return false;
    json_object_set_new(o, key, v);
    return true;
}

static bool put_num(json_t *o, const char *key, const char *s) {
    if (!s) return true;
    json_t *v = number_or_string(s);
    if (!v) return false;
    json_object_set_new(o, key, v);
    return true;
}

/* A {"min","max"} object from two cells (either may be missing). */
static bool put_range(json_t *o, const char *key, const char *lo, const char *hi) {
    if (!lo && !hi) return true;
    json_t *r = json_object();
    json_object_set_new(o, key, r);
    return put_num(r, "min", lo) && put_num(r, "max", hi);
}

/* UCDP's low and high estimates as a range: in the order of their values, since 37 rows of
 * the 2016-17 file give low > high (e.g. event 236249: low 8, high 7) and the two are still
 * the dataset's bounds. Cells that are not whole numbers are left to the range's checks. */
static bool put_estimates(json_t *o, const char *key, const char *lo, const char *hi) {
    char *e1, *e2;
    long long a = lo ? strtoll(lo, &e1, 10) : 0, b = hi ? strtoll(hi, &e2, 10) : 0;
    if (lo && hi && *lo && *hi && !*e1 && !*e2 && a > b) return put_range(o, key, hi, lo);
    return put_range(o, key, lo, hi);
}

/* A coordinate cell must read fully as a finite number in [lo, hi]: checked here so the
 * error names the column (a GeoJSON error would name only "coordinates"). */
static int check_coord(const char *s, const char *col, double lo, double hi, long line, tr_err *err) {
    if (!s) return TR_OK;
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return tr_fail(err, TR_EINVAL, col, "line %ld: '%.40s' is not a number of decimal degrees", line, s);
    if (v < lo || v > hi)
        return tr_fail(err, TR_EINVAL, col, "line %ld: %.40s is outside [%g, %g]", line, s, lo, hi);
    return TR_OK;
}

static int check_point(const char *lon, const char *lon_col, const char *lat, const char *lat_col, long line,
                       tr_err *err) {
    if (!lon != !lat)
        return tr_fail(err, TR_EINVAL, lon ? lat_col : lon_col, "line %ld: is required beside %s", line,
                       lon ? lon_col : lat_col);
    if (check_coord(lon, lon_col, -180, 180, line, err) || check_coord(lat, lat_col, -90, 90, line, err))
        return TR_EINVAL;
    return TR_OK;
}

static bool put_point(json_t *o, const char *lon, const char *lat) {
    if (!lon && !lat) return true;
    json_t *c = json_array();
    json_t *x = lon ? number_or_string(lon) : json_null();
    json_t *y = lat ? number_or_string(lat) : json_null();
    if (!x || !y) {
        json_decref(x);
        json_decref(y);
        json_decref(c);
        return false;
    }
    json_array_append_new(c, x);
    json_array_append_new(c, y);
    json_object_set_new(o, "location", json_pack("{ssso}", "type", "Point", "coordinates", c));
    return true;
}

/* Finds the column a JSON error path belongs to: the longest column path that is a prefix
 * of it (at a path boundary). */
static const char *column_for(const column *cols, size_t n, const char *path) {
    const char *best = NULL;
    size_t bestlen = 0;
    for (size_t k = 0; k < n; k++) {
        size_t l = strlen(cols[k].path);
        if (l == 0 || strncmp(cols[k].path, path, l) != 0) continue;
        if (path[l] != '\0' && path[l] != '.' && path[l] != '[') continue;
        if (l > bestlen || (l == bestlen && best == NULL)) {
            best = cols[k].name;
            bestlen = l;
        }
    }
    return best;
}

/* Parses the built body; renames the error field to its column and adds the line. */
static int finish(mapper *m, const column *cols, size_t n, long line, int64_t now, tr_report *out,
                  tr_err *err) {
    int rc = tr_report_parse(m->body, now, out, err);
    if (rc != TR_OK && err) {
        const char *col = column_for(cols, n, err->field);
        if (col) snprintf(err->field, sizeof err->field, "%s", col);
        at_line(err, line);
    }
    return rc;
}

static int begin(mapper *m, const tr_report_columns *cols, tr_report_format want, const char *rec, size_t len,
                 long line, tr_report *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    m->cols = cols;
    m->body = NULL;
    memset(&m->row, 0, sizeof m->row);
    if (cols->fmt != want)
        return tr_fail(err, TR_EINVAL, "format", "line %ld: columns of another format", line);
    int rc = tr_csv_split(rec, len, &m->row, err);
    if (rc != TR_OK) {
        at_line(err, line);
        return rc;
    }
    if (m->row.n == 1 && m->row.fields[0][0] == '\0')
        return tr_fail(err, TR_EINVAL, "", "line %ld: empty line", line);
    if (m->row.n != cols->ncols)
        return tr_fail(err, TR_EINVAL, "", "line %ld: %zu fields where the header has %zu columns", line,
                       m->row.n, cols->ncols);
    m->body = json_object();
    return m->body ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

static void end(mapper *m) {
    json_decref(m->body);
    tr_csv_row_clear(&m->row);
}

static int bad_utf8(const char *col, long line, tr_err *err) {
    return tr_fail(err, TR_EINVAL, col, "line %ld: a cell in or near column '%s' is not valid UTF-8", line,
                   col);
}

/* The plain CSV evidence cell: "URL SHA256 URL SHA256 ...". */
static bool put_evidence(json_t *o, const char *s) {
    if (!s) return true;
    json_t *a = json_array();
    json_object_set_new(o, "evidence", a);
    char *copy = strdup(s), *save = NULL;
    if (!copy) return false;
    bool ok = true;
    for (char *url = strtok_r(copy, " \t", &save); ok && url; url = strtok_r(NULL, " \t", &save)) {
        char *hash = strtok_r(NULL, " \t", &save);
        json_t *e = json_object();
        ok = put_str(e, "url", url) && put_str(e, "sha256", hash);
        json_array_append_new(a, e);
    }
    free(copy);
    return ok;
}

int tr_report_from_csv(const tr_report_columns *cols, const char *rec, size_t len, long line, int64_t now,
                       tr_report *out, tr_err *err) {
    mapper m;
    int rc = begin(&m, cols, TR_FMT_CSV, rec, len, line, out, err);
    if (rc != TR_OK) {
        end(&m);
        return rc;
    }
    json_t *b = m.body;
    if (check_point(cell(&m, PC_LON), "lon", cell(&m, PC_LAT), "lat", line, err)) {
        end(&m);
        return TR_EINVAL;
    }
    bool ok = put_str(b, "occurred_at", cell(&m, PC_OCCURRED_AT)) &&
              put_num(b, "time_precision", cell(&m, PC_TIME_PRECISION)) &&
              put_point(b, cell(&m, PC_LON), cell(&m, PC_LAT)) &&
              put_num(b, "geo_precision", cell(&m, PC_GEO_PRECISION)) &&
              put_str(b, "event_type", cell(&m, PC_EVENT_TYPE)) &&
              put_str(b, "sub_event_type", cell(&m, PC_SUB_EVENT_TYPE)) &&
              put_str(b, "alleged_perpetrator", cell(&m, PC_PERPETRATOR)) &&
              put_range(b, "fatalities", cell(&m, PC_FATALITIES_MIN), cell(&m, PC_FATALITIES_MAX)) &&
              put_range(b, "injured", cell(&m, PC_INJURED_MIN), cell(&m, PC_INJURED_MAX)) &&
              put_str(b, "weapon", cell(&m, PC_WEAPON)) &&
              put_str(b, "description", cell(&m, PC_DESCRIPTION)) && put_evidence(b, cell(&m, PC_EVIDENCE)) &&
              put_str(b, "language", cell(&m, PC_LANGUAGE));
    if (ok && (cell(&m, PC_TARGET_KIND) || cell(&m, PC_TARGET_NAME) || cell(&m, PC_TARGET_FACILITY))) {
        json_t *t = json_object();
        json_object_set_new(b, "target", t);
        ok = put_str(t, "kind", cell(&m, PC_TARGET_KIND)) && put_str(t, "name", cell(&m, PC_TARGET_NAME)) &&
             put_str(t, "facility", cell(&m, PC_TARGET_FACILITY));
    }
    if (ok && (cell(&m, PC_SOURCE_KIND) || cell(&m, PC_SOURCE_REF))) {
        json_t *s = json_object();
        json_object_set_new(b, "source", s);
        ok = put_str(s, "kind", cell(&m, PC_SOURCE_KIND)) && put_str(s, "ref", cell(&m, PC_SOURCE_REF));
    }
    if (!ok)
        rc = bad_utf8("", line, err);
    else
        rc = finish(&m, plain_cols, PC_COUNT, line, now, out, err);
    if (rc == TR_OK && cell(&m, PC_EXTERNAL_ID) && !(out->external_id = strdup(cell(&m, PC_EXTERNAL_ID))))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc != TR_OK) tr_report_clear(out);
    end(&m);
    return rc;
}

/* "2016-09-19", "19 September 2016" or "19-September-2016" -> RFC 3339 midnight UTC. */
static int acled_date(const char *s, char *out, size_t cap) {
    static const char *const months[] = {"january",   "february", "march",    "april",
                                         "may",       "june",     "july",     "august",
                                         "september", "october",  "november", "december"};
    int64_t t;
    if (strlen(s) == 10 && s[4] == '-' && tr_time_parse(s, &t) == 0) {
        snprintf(out, cap, "%sT00:00:00Z", s);
        return 0;
    }
    int d, y;
    char mon[16];
    if (sscanf(s, "%d%*[ -]%15[A-Za-z]%*[ -]%d", &d, mon, &y) != 3) return -1;
    for (int i = 0; i < 12; i++)
        if (strcasecmp(mon, months[i]) == 0 || (strlen(mon) == 3 && strncasecmp(mon, months[i], 3) == 0)) {
            snprintf(out, cap, "%04d-%02d-%02dT00:00:00Z", y, i + 1, d);
            return tr_time_parse(out, &t) == 0 ? 0 : -1;
        }
    return -1;
}

static bool starts_with_ci(const char *s, const char *prefix) {
    return s && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int tr_report_from_acled(const tr_report_columns *cols, const char *rec, size_t len, long line, int64_t now,
                         tr_report *out, tr_err *err) {
    mapper m;
    int rc = begin(&m, cols, TR_FMT_ACLED, rec, len, line, out, err);
    if (rc != TR_OK) {
        end(&m);
        return rc;
    }
    json_t *b = m.body;
    char when[TR_TIME_BUFSZ];
    const char *date = cell(&m, AC_EVENT_DATE);
    if (date && acled_date(date, when, sizeof when) != 0) {
        rc = tr_fail(err, TR_EINVAL, "event_date",
                     "line %ld: '%.40s' is not a date such as 2016-09-19 or "
                     "19 September 2016",
                     line, date);
        end(&m);
        return rc;
    }
    if (check_point(cell(&m, AC_LONGITUDE), "longitude", cell(&m, AC_LATITUDE), "latitude", line, err)) {
        end(&m);
        return TR_EINVAL;
    }
    const char *actor2 = cell(&m, AC_ACTOR2), *civ = cell(&m, AC_CIVILIAN_TARGETING);
    bool civilians = starts_with_ci(civ, "Civilian") || starts_with_ci(actor2, "Civilians");
    bool ok = put_str(b, "occurred_at", date ? when : NULL) &&
              put_num(b, "time_precision", cell(&m, AC_TIME_PRECISION)) &&
              put_point(b, cell(&m, AC_LONGITUDE), cell(&m, AC_LATITUDE)) &&
              put_num(b, "geo_precision", cell(&m, AC_GEO_PRECISION)) &&
              put_str(b, "event_type", cell(&m, AC_EVENT_TYPE)) &&
              put_str(b, "sub_event_type", cell(&m, AC_SUB_EVENT_TYPE)) &&
              put_str(b, "alleged_perpetrator", cell(&m, AC_ACTOR1)) &&
              put_range(b, "fatalities", cell(&m, AC_FATALITIES), cell(&m, AC_FATALITIES)) &&
              put_str(b, "description", cell(&m, AC_NOTES));
    if (ok && (actor2 || civilians)) {
        json_t *t = json_object();
        json_object_set_new(b, "target", t);
        ok = put_str(t, "kind", civilians ? "civilians" : "actor") && put_str(t, "name", actor2);
    }
    if (ok) {
        json_t *s = json_pack("{ss}", "kind", "media");
        json_object_set_new(b, "source", s);
        ok = put_str(s, "ref", cell(&m, AC_SOURCE));
    }
    rc = ok ? finish(&m, acled_cols, AC_COUNT, line, now, out, err) : bad_utf8("", line, err);
    if (rc == TR_OK) {
        out->target.kind_guessed = out->target.present && !civilians;
        if (cell(&m, AC_EVENT_ID) && !(out->external_id = strdup(cell(&m, AC_EVENT_ID))))
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (rc != TR_OK) tr_report_clear(out);
    end(&m);
    return rc;
}

/* UCDP precision codes -> truce's 1..3; 0 when the code is not UCDP's. */
static int ucdp_time_prec(const char *s) {
    int v = s ? atoi(s) : 0;
    return v == 1 ? 1 : (v == 2 || v == 3) ? 2 : (v == 4 || v == 5) ? 3 : 0;
}

static int ucdp_geo_prec(const char *s) {
    int v = s ? atoi(s) : 0;
    return v == 1 ? 1 : (v == 2 || v == 3) ? 2 : (v >= 4 && v <= 7) ? 3 : 0;
}

int tr_report_from_ucdp(const tr_report_columns *cols, const char *rec, size_t len, long line, int64_t now,
                        tr_report *out, tr_err *err) {
    mapper m;
    int rc = begin(&m, cols, TR_FMT_UCDP, rec, len, line, out, err);
    if (rc != TR_OK) {
        end(&m);
        return rc;
    }
    json_t *b = m.body;
    const char *type = cell(&m, UC_TYPE), *date = cell(&m, UC_DATE_START);
    int tp = ucdp_time_prec(cell(&m, UC_DATE_PREC)), gp = ucdp_geo_prec(cell(&m, UC_WHERE_PREC));
    char when[TR_TIME_BUFSZ];
    if (!type || (strcmp(type, "1") && strcmp(type, "2") && strcmp(type, "3")))
        rc = tr_fail(err, TR_EINVAL, "type_of_violence", "line %ld: must be 1, 2 or 3", line);
    else if (!tp)
        rc = tr_fail(err, TR_EINVAL, "date_prec", "line %ld: must be a UCDP date precision 1 to 5", line);
    else if (!gp)
        rc = tr_fail(err, TR_EINVAL, "where_prec", "line %ld: must be a UCDP place precision 1 to 7", line);
    else if (!date || acled_date(date, when, sizeof when) != 0)
        rc = tr_fail(err, TR_EINVAL, "date_start", "line %ld: must be a date such as 2016-09-19", line);
    else
        rc = check_point(cell(&m, UC_LONGITUDE), "longitude", cell(&m, UC_LATITUDE), "latitude", line, err);
    if (rc != TR_OK) {
        end(&m);
        return rc;
    }
    bool one_sided = strcmp(type, "3") == 0;
    json_object_set_new(b, "occurred_at", json_string(when));
    json_object_set_new(b, "time_precision", json_integer(tp));
    json_object_set_new(b, "geo_precision", json_integer(gp));
    json_object_set_new(b, "event_type", json_string(one_sided ? "Violence against civilians" : "Battles"));
    json_object_set_new(b, "sub_event_type", json_string(one_sided ? "Attack" : "Armed clash"));
    json_t *t = json_pack("{ss}", "kind", one_sided ? "civilians" : "actor");
    json_object_set_new(b, "target", t);
    json_t *s = json_pack("{ss}", "kind", "media");
    json_object_set_new(b, "source", s);
    bool ok = put_point(b, cell(&m, UC_LONGITUDE), cell(&m, UC_LATITUDE)) &&
              put_str(b, "alleged_perpetrator", cell(&m, UC_SIDE_A)) &&
              put_estimates(b, "fatalities", cell(&m, UC_LOW), cell(&m, UC_HIGH)) &&
              put_str(b, "description", cell(&m, UC_HEADLINE)) &&
              put_str(s, "ref", cell(&m, UC_SOURCE_OFFICE)) &&
              (one_sided || put_str(t, "name", cell(&m, UC_SIDE_B)));
    rc = ok ? finish(&m, ucdp_cols, UC_COUNT, line, now, out, err) : bad_utf8("", line, err);
    if (rc == TR_OK) {
        char ext[48];
        out->target.kind_guessed = !one_sided;
        const char *id = cell(&m, UC_ID);
        snprintf(ext, sizeof ext, "ucdp:%.40s", id ? id : "");
        if (!(out->external_id = strdup(ext))) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    if (rc != TR_OK) tr_report_clear(out);
    end(&m);
    return rc;
}
