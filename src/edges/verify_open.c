/*
 * verify_open.c — where `truce verify --db` reads from: the audit's snapshot
 * (store_audit_open: the log, and the rows store.h does not list) and the store, whose
 * per-kind reads (store_site_each, store_report_each, …) pass 4 uses.
 *
 * On SQLite both open the file. On PostgreSQL the audit's snapshot reads the database
 * itself; the store's per-kind reads are still written for SQLite (store_*.c, being
 * ported onto db.h), so until then they read a copy of the database taken by
 * `truce store copy` (db_copy: one snapshot, every table and column as stored, with its
 * type) into a private temporary SQLite file, removed when the audit ends. A change to
 * any row on PostgreSQL is therefore in what pass 4 reads. Once store_open takes a
 * PostgreSQL URI, verify__open opens it directly and the copy goes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edges/verify_db.h"
#include "store/db_copy.h"

static const char *const COPY_FILES[] = {"state.db", "state.db-wal", "state.db-shm", "state.db-journal"};

static void copy_path(const db_audit *a, size_t k, char *out, size_t n) {
    snprintf(out, n, "%s/%s", a->copy_dir, COPY_FILES[k]);
}

/* The store on a private SQLite copy of the PostgreSQL database at uri. */
static int open_copy(db_audit *a, const char *uri) {
    const char *tmp = getenv("TMPDIR");
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/truce-verify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return tr_fail(&a->err, TR_EIO, "", "cannot make a temporary folder: %s", strerror(errno));
    if (!(a->copy_dir = strdup(dir))) return tr_fail(&a->err, TR_ENOMEM, "", "out of memory");
    copy_path(a, 0, path, sizeof path);
    int64_t rows = 0;
    int rc = db_copy(uri, path, NULL, NULL, &rows, &a->err);
    if (rc) a->err.field[0] = '\0'; /* db_copy's option names ("--from") are not verify's */
    if (rc == TR_OK) rc = store_open(path, &a->s, &a->err);
    if (rc == TR_OK)
        fprintf(a->r->out,
                "state: the store's per-kind reads run on a copy taken now (%lld rows; truce store copy)\n",
                (long long)rows);
    return rc;
}

int verify__open(db_audit *a, const char *uri) {
    int rc = db_uri_is_pg(uri) ? open_copy(a, uri) : store_open(uri, &a->s, &a->err);
    return rc ? rc : store_audit_open(uri, &a->db, &a->err);
}

void verify__close(db_audit *a) {
    store_audit_close(a->db);
    store_close(a->s);
    a->db = NULL;
    a->s = NULL;
    if (!a->copy_dir) return;
    char path[4200];
    for (size_t k = 0; k < sizeof COPY_FILES / sizeof *COPY_FILES; k++) {
        copy_path(a, k, path, sizeof path);
        unlink(path);
    }
    rmdir(a->copy_dir);
    free(a->copy_dir);
    a->copy_dir = NULL;
}
