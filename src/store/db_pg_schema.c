/*
 * db_pg_schema.c — PostgreSQL's schema, translated from the SQLite migrations.
 *
 * The numbered files in src/store/migrations/ stay the one source of the schema; each is
 * translated when it is applied to PostgreSQL (db_migrate). The dialect they are written
 * in is small and checked here (anything else is refused, naming the file):
 *   CREATE TABLE t (column definitions and table constraints) [WITHOUT ROWID]
 *   CREATE VIRTUAL TABLE t USING rtree(id, minx, maxx, miny, maxy)
 *   CREATE [UNIQUE] INDEX i ON t (columns)
 *   ALTER TABLE t ADD COLUMN definition
 * with the types INTEGER, REAL, TEXT and BLOB and the column constraints NOT NULL,
 * PRIMARY KEY, UNIQUE, REFERENCES t(c), DEFAULT literal and CHECK (…).
 *
 * Translation: INTEGER → BIGINT, REAL → DOUBLE PRECISION, BLOB → BYTEA; a rowid column
 * (INTEGER PRIMARY KEY of a rowid table) gets a trigger that gives a missing id as SQLite
 * does, max + 1 (so the same writes give the same ids on both stores); references are
 * DEFERRABLE (a copy defers them); an rtree becomes a plain table of its columns; a
 * `geometry` TEXT column (GeoJSON) gets a PostGIS twin `geom geometry(Geometry, 4326)`,
 * and a table with `lon` and `lat` a `geom geometry(Point, 4326)`: both are generated
 * columns (STORED), computed by PostgreSQL itself from the row, so no writer — truce,
 * a copy or an analyst — can let them drift; GeoJSON PostGIS cannot read gives NULL.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/db_pg.h"

const char DB_PG_PRELUDE[] =
    "CREATE OR REPLACE FUNCTION truce_geom(g text) RETURNS geometry LANGUAGE plpgsql IMMUTABLE"
    " PARALLEL SAFE AS $f$ BEGIN RETURN ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(g)), 4326);"
    " EXCEPTION WHEN others THEN RETURN NULL; END $f$";

#define MAX_TOK 512

typedef struct tokens {
    char *t[MAX_TOK];
    int n;
} tokens;

/* A growing output string; a failed append marks it failed (oom). */
typedef struct buf {
    char *s;
    size_t len, cap;
    bool oom;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->oom || n < 0) return;
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = (b->len + (size_t)n + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static bool is(const char *tok, const char *word) {
    return tok && strcasecmp(tok, word) == 0;
}

/* Splits one statement into words, numbers, 'literals' and single punctuation. */
static int tokenize(char *s, tokens *tk) {
    tk->n = 0;
    while (*s) {
        if (isspace((unsigned char)*s)) {
            *s++ = '\0';
            continue;
        }
        if (tk->n == MAX_TOK) return -1;
        tk->t[tk->n++] = s;
        if (isalnum((unsigned char)*s) || *s == '_' || *s == '-') {
            s++;
            while (isalnum((unsigned char)*s) || *s == '_' || *s == '.')
                s++;
        } else if (*s == '\'') {
            for (s++; *s && !(*s == '\'' && s[1] != '\''); s += *s == '\'' ? 2 : 1) {
            }
            if (*s) s++;
        } else {
            memmove(s + 1, s, strlen(s) + 1); /* room for the terminator after a 1-char token */
            s[1] = '\0';
            s += 2;
            continue;
        }
        if (*s && !isspace((unsigned char)*s)) {
            memmove(s + 1, s, strlen(s) + 1);
            *s++ = '\0';
        }
    }
    return 0;
}

typedef struct ctx {
    const char *file;
    tr_err *err;
    int bad; /* set once */
} ctx;

static int refuse(ctx *c, const char *what, const char *tok) {
    if (!c->bad)
        tr_fail(c->err, TR_EINVAL, c->file, "%s: %s%s%s is not in the migrations' dialect (db_pg_schema.c)",
                c->file, what, tok ? " near " : "", tok ? tok : "");
    c->bad = 1;
    return -1;
}

static const char *const TYPES[][2] = {
    {"INTEGER", "BIGINT"}, {"REAL", "DOUBLE PRECISION"}, {"TEXT", "TEXT COLLATE \"C\""}, {"BLOB", "BYTEA"}};

static const char *pg_type(const char *t) {
    for (size_t i = 0; i < sizeof TYPES / sizeof *TYPES; i++)
        if (is(t, TYPES[i][0])) return TYPES[i][1];
    return NULL;
}

/* Copies tokens [i, end) with REFERENCES t(c) made DEFERRABLE; refuses unknown words. */
static int constraints(ctx *c, buf *b, tokens *tk, int i, int end) {
    static const char *const OK[] = {"NOT", "NULL", "PRIMARY", "KEY", "UNIQUE", "DEFAULT", "CHECK", NULL};
    int depth = 0;
    for (; i < end; i++) {
        const char *t = tk->t[i];
        bool known = depth > 0 || t[0] == '\'' || isdigit((unsigned char)t[0]) || t[0] == '-' || t[0] == ',';
        for (int k = 0; OK[k] && !known; k++)
            known = is(t, OK[k]);
        if (is(t, "REFERENCES") && i + 4 < end && tk->t[i + 2][0] == '(') {
            put(b, " REFERENCES %s(%s) DEFERRABLE INITIALLY IMMEDIATE", tk->t[i + 1], tk->t[i + 3]);
            if (tk->t[i + 4][0] != ')') return refuse(c, "a reference", tk->t[i + 1]);
            i += 4;
            continue;
        }
        if (t[0] == '(') depth++, known = true;
        if (t[0] == ')') depth--, known = true;
        if (!known) return refuse(c, "the word", t);
        put(b, "%s%s", t[0] == ',' || t[0] == ')' || (i > 0 && tk->t[i - 1][0] == '(') ? "" : " ", t);
    }
    return 0;
}

/* What a table definition says beyond its SQL (for triggers and geometry twins). */
typedef struct table_info {
    const char *name;
    const char *rowid; /* the INTEGER PRIMARY KEY column, or NULL */
    bool geometry, lon, lat, geom;
} table_info;

/* One column definition, tokens [i, end). */
static int column(ctx *c, buf *b, tokens *tk, int i, int end, table_info *ti) {
    const char *name = tk->t[i], *type = i + 1 < end ? tk->t[i + 1] : NULL;
    const char *pt = pg_type(type);
    if (!pt) return refuse(c, "the column type", type ? type : name);
    put(b, "%s %s", name, pt);
    if (is(type, "INTEGER") && i + 3 < end && is(tk->t[i + 2], "PRIMARY") && is(tk->t[i + 3], "KEY"))
        ti->rowid = name;
    ti->geometry |= is(name, "geometry") && is(type, "TEXT");
    ti->lon |= is(name, "lon") && is(type, "REAL");
    ti->lat |= is(name, "lat") && is(type, "REAL");
    ti->geom |= is(name, "geom");
    return constraints(c, b, tk, i + 2, end);
}

static void geom_twins(buf *b, const table_info *ti, const char *sep) {
    if (ti->geometry)
        put(b, "%sgeom geometry(Geometry, 4326) GENERATED ALWAYS AS (truce_geom(geometry)) STORED", sep);
    else if (ti->lon && ti->lat)
        put(b,
            "%sgeom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) "
            "STORED",
            sep);
}

static void rowid_trigger(buf *b, const table_info *ti) {
    put(b,
        ";\nCREATE FUNCTION truce_rowid_%s() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN"
        " IF NEW.%s IS NULL THEN SELECT coalesce(max(%s), 0) + 1 INTO NEW.%s FROM %s; END IF; RETURN NEW; "
        "END $f$;\n"
        "CREATE TRIGGER truce_rowid BEFORE INSERT ON %s FOR EACH ROW EXECUTE FUNCTION truce_rowid_%s()",
        ti->name, ti->rowid, ti->rowid, ti->rowid, ti->name, ti->name, ti->name);
}

static bool table_constraint(const char *t) {
    return is(t, "PRIMARY") || is(t, "UNIQUE") || is(t, "FOREIGN") || is(t, "CHECK") || is(t, "CONSTRAINT");
}

/* CREATE TABLE name ( items ) [WITHOUT ROWID] */
static int create_table(ctx *c, buf *b, tokens *tk) {
    if (tk->n < 6 || tk->t[3][0] != '(') return refuse(c, "a CREATE TABLE", tk->n > 2 ? tk->t[2] : NULL);
    table_info ti = {.name = tk->t[2]};
    int close = tk->n - 1;
    bool without_rowid = tk->n > 3 && is(tk->t[tk->n - 1], "ROWID") && is(tk->t[tk->n - 2], "WITHOUT");
    if (without_rowid) close -= 2;
    if (tk->t[close][0] != ')') return refuse(c, "the end of table", ti.name);
    put(b, "CREATE TABLE %s (", ti.name);
    for (int i = 4, start = 4, depth = 0; i <= close; i++) {
        const char *t = tk->t[i];
        if (t[0] == '(') depth++;
        if (t[0] == ')' && i < close) depth--;
        if (!(depth == 0 && (t[0] == ',' || i == close))) continue;
        if (start == i) return refuse(c, "an empty item in table", ti.name);
        put(b, "%s\n  ", start == 4 ? "" : ",");
        bool tc = table_constraint(tk->t[start]);
        if (tc) put(b, "%s", tk->t[start]);
        if (tc ? constraints(c, b, tk, start + 1, i) : column(c, b, tk, start, i, &ti)) return -1;
        start = i + 1;
    }
    if (ti.geom && (ti.geometry || (ti.lon && ti.lat))) return refuse(c, "a column named geom in", ti.name);
    geom_twins(b, &ti, ",\n  ");
    put(b, "\n)");
    if (ti.rowid && !without_rowid) rowid_trigger(b, &ti);
    return 0;
}

/* CREATE VIRTUAL TABLE name USING rtree(id, minx, maxx, miny, maxy) */
static int create_rtree(ctx *c, buf *b, tokens *tk) {
    if (tk->n != 17 || !is(tk->t[4], "USING") || !is(tk->t[5], "rtree") || tk->t[6][0] != '(')
        return refuse(c, "a virtual table (only rtree)", tk->n > 3 ? tk->t[3] : NULL);
    put(b, "CREATE TABLE %s (%s BIGINT PRIMARY KEY", tk->t[3], tk->t[7]);
    for (int i = 9; i < 16; i += 2)
        put(b, ", %s DOUBLE PRECISION NOT NULL", tk->t[i]);
    put(b, ")");
    return 0;
}

/* CREATE [UNIQUE] INDEX name ON table ( columns ) — as is. */
static int create_index(ctx *c, buf *b, tokens *tk) {
    int k = is(tk->t[1], "UNIQUE") ? 3 : 2;
    if (tk->n < k + 5 || !is(tk->t[k + 1], "ON") || tk->t[k + 3][0] != '(' || tk->t[tk->n - 1][0] != ')')
        return refuse(c, "an index", tk->n > k ? tk->t[k] : NULL);
    put(b, "CREATE %sINDEX %s ON %s (", k == 3 ? "UNIQUE " : "", tk->t[k], tk->t[k + 2]);
    for (int i = k + 4; i < tk->n - 1; i++) {
        if (!isalnum((unsigned char)tk->t[i][0]) && tk->t[i][0] != '_' && tk->t[i][0] != ',')
            return refuse(c, "the index column", tk->t[i]);
        put(b, "%s%s", tk->t[i][0] == ',' || i == k + 4 ? "" : " ", tk->t[i]);
    }
    put(b, ")");
    return 0;
}

/* ALTER TABLE name ADD COLUMN definition */
static int alter_table(ctx *c, buf *b, tokens *tk) {
    if (tk->n < 7 || !is(tk->t[3], "ADD") || !is(tk->t[4], "COLUMN"))
        return refuse(c, "an ALTER TABLE (only ADD COLUMN)", tk->n > 2 ? tk->t[2] : NULL);
    table_info ti = {.name = tk->t[2]};
    put(b, "ALTER TABLE %s ADD COLUMN ", ti.name);
    if (column(c, b, tk, 5, tk->n, &ti)) return -1;
    if (ti.rowid) return refuse(c, "an added INTEGER PRIMARY KEY", ti.name);
    geom_twins(b, &ti, ", ADD COLUMN ");
    return 0;
}

static int statement(ctx *c, buf *b, tokens *tk) {
    if (tk->n >= 3 && is(tk->t[0], "CREATE") && is(tk->t[1], "TABLE")) return create_table(c, b, tk);
    if (tk->n >= 4 && is(tk->t[0], "CREATE") && is(tk->t[1], "VIRTUAL")) return create_rtree(c, b, tk);
    if (tk->n >= 3 && is(tk->t[0], "CREATE") && (is(tk->t[1], "INDEX") || is(tk->t[1], "UNIQUE")))
        return create_index(c, b, tk);
    if (tk->n >= 3 && is(tk->t[0], "ALTER") && is(tk->t[1], "TABLE")) return alter_table(c, b, tk);
    return refuse(c, "the statement", tk->t[0]);
}

/* The migration without comments, in statements split at ';' (all in one malloc'd copy). */
static char *strip_comments(const char *sql) {
    char *s = malloc(strlen(sql) + 1), *o = s;
    if (!s) return NULL;
    for (const char *p = sql; *p;) {
        if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
            continue;
        }
        if (*p == '\'') {
            const char *e = p + 1;
            while (*e && !(*e == '\'' && e[1] != '\''))
                e += *e == '\'' ? 2 : 1;
            size_t n = (size_t)(e - p) + (*e ? 1 : 0);
            memcpy(o, p, n);
            o += n;
            p += n;
            continue;
        }
        *o++ = *p++;
    }
    *o = '\0';
    return s;
}

int db_pg_schema(const char *name, const char *sqlite_sql, char **out, tr_err *err) {
    ctx c = {name, err, 0};
    buf b = {0};
    char *s = strip_comments(sqlite_sql);
    /* Room for the tokenizer's terminators: each token may grow the text by two bytes. */
    char *work = s ? malloc(strlen(s) * 3 + 2) : NULL;
    if (!s || !work) {
        free(s);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    tokens tk;
    for (char *stmt = s, *next; stmt && !c.bad; stmt = next) {
        next = strchr(stmt, ';');
        if (next) *next++ = '\0';
        strcpy(work, stmt);
        if (tokenize(work, &tk)) refuse(&c, "a statement this long", NULL);
        if (tk.n == 0 || c.bad) continue;
        if (statement(&c, &b, &tk) == 0) put(&b, ";\n");
    }
    free(work);
    free(s);
    if (b.oom && !c.bad) tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (c.bad || b.oom) {
        free(b.s);
        return c.bad ? TR_EINVAL : TR_ENOMEM;
    }
    *out = b.s ? b.s : strdup("");
    return *out ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}
