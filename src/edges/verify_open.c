/*
 * verify_open.c — where `truce verify --db` reads from: the store (a SQLite file or a
 * PostgreSQL URI alike), inside one snapshot held on this thread's connection of the
 * store (store_audit_begin). The audit's own reads (store_audit.h: the log, and the rows
 * store.h does not list) and the store's per-kind reads (store_site_each,
 * store_report_each, …, pass 4) run on that one connection in that one snapshot, so a
 * write committed while verify runs on a live centre is seen by neither (issue 13 item 3).
 */
#include "edges/verify_db.h"

int verify__open(db_audit *a, const char *uri) {
    int rc = store_open(uri, &a->s, &a->err);
    return rc ? rc : store_audit_begin(a->s, &a->db, &a->err);
}

void verify__close(db_audit *a) {
    if (a->s) store_audit_end(a->s, a->db);
    store_close(a->s);
    a->db = NULL;
    a->s = NULL;
}
