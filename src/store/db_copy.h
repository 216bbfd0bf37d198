/*
 * db_copy.h — the schema as the database itself describes it, and `truce store copy`.
 *
 * The catalog functions read what a database holds (SQLite's sqlite_master and
 * table_info, PostgreSQL's information_schema), so the copy is generic over the tables
 * of the schema: a new migration's tables are copied without a line here.
 */
#ifndef TRUCE_STORE_DB_COPY_H
#define TRUCE_STORE_DB_COPY_H

#include <stdint.h>

#include "store/db.h"

typedef struct db_names {
    char **v; /* malloc'd strings */
    size_t n;
} db_names;

void db_names_free(db_names *n);

/* truce's tables, by name: SQLite's tables and rtree tables (not their shadow tables),
 * PostgreSQL's base tables of the current schema less PostGIS's spatial_ref_sys. */
int db_table_names(db *d, db_names *out, tr_err *err);
/* A table's stored columns in their order (PostgreSQL's generated columns left out). */
int db_column_names(db *d, const char *table, db_names *out, tr_err *err);
/* A table's primary-key columns in key order (none: empty). */
int db_key_names(db *d, const char *table, db_names *out, tr_err *err);

/* Called after each table copied. */
typedef void (*db_copy_progress)(void *ctx, const char *table, int64_t rows);

/* Copies every table (the log's too) of the database at from into the one at to (either
 * SQLite or PostgreSQL, db_open's URIs). Both are migrated first and must then hold the
 * same migrations, tables and stored columns. The target must be empty (no row in any
 * table but schema_version); its schema_version rows become the source's. The rows are
 * read in one snapshot of the source and written in one transaction on the target, with
 * references checked at commit: on any failure nothing is written (but the target keeps
 * the schema its migration made). *rows: rows copied. */
int db_copy(const char *from, const char *to, db_copy_progress fn, void *ctx, int64_t *rows, tr_err *err);

#endif
