/*
 * db_catalog.c — the tables, columns and keys a database holds (db_copy.h).
 */
#include <stdlib.h>
#include <string.h>

#include "store/db_copy.h"

void db_names_free(db_names *n) {
    for (size_t i = 0; i < n->n; i++)
        free(n->v[i]);
    free(n->v);
    n->v = NULL;
    n->n = 0;
}

static int push(void *ctx, db_stmt *st, tr_err *err) {
    db_names *n = ctx;
    char **v = realloc(n->v, (n->n + 1) * sizeof *v);
    if (!v) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    n->v = v;
    if (!(v[n->n] = db_col_dup(st, 0))) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    n->n++;
    return TR_OK;
}

/* Every first column of sql's rows (with text parameters p1, p2 when not NULL). */
static int names(db *d, const char *sql, const char *p1, db_names *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    db_stmt *st;
    int rc = db_prepare(d, sql, &st, err);
    if (rc) return rc;
    if (p1) db_bind_text(st, 1, p1);
    rc = db_each(st, push, out, err);
    db_finalize(st);
    if (rc) db_names_free(out);
    return rc;
}

static const char *const SQL_TABLES[] = {
    [DB_SQLITE] = "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'virtual')"
                  " AND name NOT LIKE 'sqlite_%' ORDER BY name",
    [DB_PG] = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
              " AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys' ORDER BY table_name",
};

static const char *const SQL_COLUMNS[] = {
    [DB_SQLITE] = "SELECT name FROM pragma_table_info(?) ORDER BY cid",
    [DB_PG] = "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
              " AND table_name = ? AND is_generated = 'NEVER' ORDER BY ordinal_position",
};

static const char *const SQL_KEYS[] = {
    [DB_SQLITE] = "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk",
    [DB_PG] = "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
              " AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND i.indrelid = CAST(? AS regclass)"
              " ORDER BY array_position(CAST(i.indkey AS int2[]), a.attnum)",
};

int db_table_names(db *d, db_names *out, tr_err *err) {
    return names(d, SQL_TABLES[db_kind_of(d)], NULL, out, err);
}

int db_column_names(db *d, const char *table, db_names *out, tr_err *err) {
    return names(d, SQL_COLUMNS[db_kind_of(d)], table, out, err);
}

int db_key_names(db *d, const char *table, db_names *out, tr_err *err) {
    return names(d, SQL_KEYS[db_kind_of(d)], table, out, err);
}
