/*
 * store_rows.c — the store's row layer (store_int.h): reading one row of a kind by id, and
 * scanning a kind's rows, with the messages and failure rules every kind shares. Each
 * kind's reader (read_site, read_movement, ...) stays typed in its own file.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/* "reading table <table>" for k's messages. */
static const char *reading(const store_rows *k, char *buf, size_t n) {
    const tr_kind_desc *d = tr_kind_get(k->kind);
    snprintf(buf, n, "reading table %s", d && d->table ? d->table : "?");
    return buf;
}

static const char *name_of(const store_rows *k) {
    const tr_kind_desc *d = tr_kind_get(k->kind);
    return d ? d->name : "?";
}

int store__get(store *s, const char *sql, int64_t id, const store_rows *k, void *out, tr_err *err) {
    char what[64];
    memset(out, 0, k->size);
    db_stmt *st = store__prep(s, sql, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int rc = store__one(st, store__step(st), reading(k, what, sizeof what), err);
    if (rc != TR_OK && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK) rc = k->read(s, st, out, err);
    db_reset(st);
    if (rc == TR_ENOTFOUND) return tr_fail(err, rc, "id", "there is no %s %lld", name_of(k), (long long)id);
    if (rc) k->clear(out);
    if (rc) memset(out, 0, k->size);
    if (rc == TR_EIO) return tr_fail(err, rc, "", "%s %lld is unreadable", name_of(k), (long long)id);
    return rc;
}

store_scan store__scan_on(store *s, db_stmt *st, const store_rows *k, tr_err *err) {
    return (store_scan){.s = s, .st = st, .k = k, .err = err, .step = STORE_DONE, .rc = st ? TR_OK : TR_EIO};
}

store_scan store__scan(store *s, const char *sql, const store_rows *k, tr_err *err) {
    return store__scan_on(s, store__prep(s, sql, err), k, err);
}

bool store__scan_next(store_scan *sc, void *row) {
    if (sc->held) sc->k->clear(sc->held);
    sc->held = NULL;
    while (sc->st && sc->rc == TR_OK && (sc->step = store__step(sc->st)) == STORE_ROW) {
        int64_t id = db_col_int(sc->st, 0);
        int rc = sc->k->read(sc->s, sc->st, row, sc->err);
        if (rc == TR_OK) {
            sc->held = row;
            return true;
        }
        sc->k->clear(row);
        if (rc == TR_EIO && sc->skip) continue;
        sc->rc = rc != TR_EIO ? rc
                              : tr_fail(sc->err, rc, "", "stored %s %lld is unreadable", name_of(sc->k),
                                        (long long)id);
    }
    return false;
}

int store__scan_close(store_scan *sc) {
    char what[64];
    if (sc->held) sc->k->clear(sc->held);
    sc->held = NULL;
    if (!sc->st) return sc->rc;
    return store__scan_end(sc->st, sc->step, sc->rc, reading(sc->k, what, sizeof what), sc->err);
}

void store__bind_box(db_stmt *st, int i, const geo_box *b) {
    db_bind_double(st, i, b->minx);
    db_bind_double(st, i + 1, b->miny);
    db_bind_double(st, i + 2, b->maxx);
    db_bind_double(st, i + 3, b->maxy);
}
