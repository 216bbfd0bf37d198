/*
 * verify_open.c — where `truce verify --db` reads from: the audit's snapshot
 * (store_audit_open: the log, and the rows store.h does not list) and the store, whose
 * per-kind reads (store_site_each, store_report_each, …) pass 4 uses. Both open the
 * database itself, a SQLite file or a PostgreSQL URI alike.
 */
#include "edges/verify_db.h"

int verify__open(db_audit *a, const char *uri) {
    int rc = store_open(uri, &a->s, &a->err);
    return rc ? rc : store_audit_open(uri, &a->db, &a->err);
}

void verify__close(db_audit *a) {
    store_audit_close(a->db);
    store_close(a->s);
    a->db = NULL;
    a->s = NULL;
}
