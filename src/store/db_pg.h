/*
 * db_pg.h — the PostgreSQL side of db.h that tests and the schema code reach directly:
 * the `?` → `$n` translation, the SQLSTATE table, and the translation of the SQLite
 * migrations into PostgreSQL's schema (db_schema.c).
 */
#ifndef TRUCE_STORE_DB_PG_H
#define TRUCE_STORE_DB_PG_H

#include "base/err.h"

/* sql with every `?` outside literals, quoted identifiers and comments replaced by $1,
 * $2, …: *out is malloc'd (the caller frees it), *nparams the count. TR_OK or TR_ENOMEM. */
int db_pg_translate(const char *sql, char **out, int *nparams);

/* The tr_err code of a SQLSTATE (db.h "Errors"); TR_EIO for any other. */
tr_code db_pg_sqlstate_code(const char *state);

/* One SQLite migration (the dialect of src/store/migrations/README.md) as PostgreSQL
 * statements: *out malloc'd (caller frees). TR_EINVAL with err naming the construct and
 * the file when the migration uses anything outside that dialect. */
int db_pg_schema(const char *name, const char *sqlite_sql, char **out, tr_err *err);

/* The functions the translated schema uses (truce_geom, one rowid function per table
 * comes with its table), created before the first migration. */
extern const char DB_PG_PRELUDE[];

#endif
