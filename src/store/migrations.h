/* migrations.h — the numbered schema migrations compiled into the binary
 * (generated from src/store/migrations/NNNN_name.sql by scripts/embed.cmake). */
#ifndef TRUCE_STORE_MIGRATIONS_H
#define TRUCE_STORE_MIGRATIONS_H

typedef struct store_migration {
    int version;       /* the file's number; applied in increasing order */
    const char *name;  /* file name, for messages */
    const char *sql;   /* the whole file */
} store_migration;

/* Terminated by an entry with version 0. */
extern const store_migration store_migrations[];

#endif
