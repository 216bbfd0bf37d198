/*
 * store_dc_probe.c — restricted objects and the probing of them (migration 0012): the
 * privacy records of restricted sites and movements, and the probe records with their
 * hits, from which a party's budget is counted. Rows are only ever inserted.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

/* ---- privacy ---- */

static const char SQL_PRIV_INSERT[] =
    "INSERT INTO dc_privacy(about_type, about_id, margin_m, secret, created_at) VALUES (?,?,?,?,?)";

int store_privacy_insert(store *s, const char *about_type, int64_t about_id, const tr_privacy *p,
                         tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PRIV_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, about_type);
    db_bind_int(st, 2, about_id);
    db_bind_double(st, 3, p->margin_m);
    db_bind_blob(st, 4, p->secret, sizeof p->secret);
    db_bind_int(st, 5, p->created_at);
    return store__step_done(s, st, "storing the privacy record", err);
}

/* Columns margin_m, secret, created_at from column i on. */
static int read_privacy(db_stmt *st, int i, tr_privacy *p) {
    memset(p, 0, sizeof *p);
    if (store__col_bytes(st, i + 1) != (int)sizeof p->secret) return TR_EIO;
    p->set = true;
    p->margin_m = db_col_double(st, i);
    memcpy(p->secret, store__col_blob(st, i + 1), sizeof p->secret);
    p->created_at = db_col_int(st, i + 2);
    return TR_OK;
}

static const char SQL_PRIV_GET[] =
    "SELECT margin_m, secret, created_at FROM dc_privacy WHERE about_type = ? AND about_id = ?";

int store_privacy_get(store *s, const char *about_type, int64_t about_id, tr_privacy *p, tr_err *err) {
    memset(p, 0, sizeof *p);
    db_stmt *st = store__prep(s, SQL_PRIV_GET, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, about_type);
    db_bind_int(st, 2, about_id);
    int step = store__step(st), rc = TR_OK;
    if (step == STORE_ROW && read_privacy(st, 0, p))
        rc = tr_fail(err, TR_EIO, "", "the privacy record of %s %lld is unreadable", about_type,
                     (long long)about_id);
    else if (step != STORE_ROW && step != STORE_DONE)
        rc = store__fail(err, -1, "reading table dc_privacy");
    db_reset(st);
    return rc;
}

static const char SQL_PRIV_ALL[] =
    "SELECT about_type, about_id, margin_m, secret, created_at FROM dc_privacy ORDER BY about_type, about_id";

int store_privacy_each(store *s,
                       int (*fn)(const char *about_type, int64_t about_id, const tr_privacy *p, void *ctx),
                       void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PRIV_ALL, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        tr_privacy p;
        const char *type = db_col_text(st, 0);
        int64_t id = db_col_int(st, 1);
        if (!type || read_privacy(st, 2, &p))
            rc = tr_fail(err, TR_EIO, "", "the privacy record of %s %lld is unreadable", type ? type : "?",
                         (long long)id);
        else
            rc = fn(type, id, &p, ctx);
    }
    return store__scan_end(st, step, rc, "reading table dc_privacy", err);
}

/* ---- probes ---- */

static const char SQL_PROBE_INSERT[] = "INSERT INTO dc_probe(party, asked_at, request, operation_id, "
                                       "volumes, outcome, refused, monitors_notified)"
                                       " VALUES (?,?,?,?,?,?,?,?) RETURNING id";
static const char SQL_HIT_INSERT[] = "INSERT INTO dc_probe_hit(probe_id, seq, about_type, about_id, owner, "
                                     "volume, exact) VALUES (?,?,?,?,?,?,?)";

static int hit_insert(store *s, int64_t probe, size_t seq, const store_probe_hit *h, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_HIT_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, probe);
    db_bind_int(st, 2, (int64_t)seq);
    db_bind_text(st, 3, h->about_type);
    db_bind_int(st, 4, h->about_id);
    db_bind_text(st, 5, h->owner);
    db_bind_int(st, 6, h->volume);
    db_bind_int(st, 7, h->exact);
    return store__step_done(s, st, "storing a probe's conflict", err);
}

int store_probe_insert(store *s, store_probe *p, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PROBE_INSERT, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, p->party);
    db_bind_int(st, 2, p->asked_at);
    db_bind_text(st, 3, p->request);
    if (p->operation_id > 0) db_bind_int(st, 4, p->operation_id);
    db_bind_text(st, 5, p->volumes);
    db_bind_text(st, 6, p->outcome);
    db_bind_int(st, 7, p->refused);
    db_bind_int(st, 8, p->monitors_notified);
    int rc = store__step_done(s, st, "storing the probe", err);
    if (rc == TR_OK) p->id = store__last_id();
    for (size_t i = 0; rc == TR_OK && i < p->nhits; i++)
        rc = hit_insert(s, p->id, i, &p->hits[i], err);
    return rc;
}

/* One integer from sql bound to (party, since); *v = 0 when NULL. */
static int party_since(store *s, const char *sql, const char *party, int64_t since, int64_t *v, tr_err *err) {
    db_stmt *st = store__prep(s, sql, err);
    if (!st) return TR_EIO;
    db_bind_text(st, 1, party);
    db_bind_int(st, 2, since);
    int rc = TR_OK;
    if (store__step(st) == STORE_ROW)
        *v = db_col_int(st, 0);
    else
        rc = store__fail(err, -1, "reading table dc_probe");
    db_reset(st);
    return rc;
}

static const char SQL_ANSWERED[] = "SELECT count(*) FROM dc_probe p JOIN dc_probe_hit h ON h.probe_id = p.id"
                                   " WHERE p.party = ? AND p.asked_at > ? AND p.outcome = 'answered'";

int store_probe_answered(store *s, const char *party, int64_t since, int64_t *n, tr_err *err) {
    return party_since(s, SQL_ANSWERED, party, since, n, err);
}

static const char SQL_TOLD[] = "SELECT coalesce(max(asked_at), 0) FROM dc_probe WHERE party = ? AND asked_at "
                               "> ? AND monitors_notified = 1";

int store_probe_monitors_told(store *s, const char *party, int64_t since, int64_t *at, tr_err *err) {
    return party_since(s, SQL_TOLD, party, since, at, err);
}

/* ---- reading every probe (verify) ---- */

static const char SQL_PROBE_ALL[] =
    "SELECT id, party, asked_at, request, operation_id, volumes, outcome, refused,"
    " monitors_notified FROM dc_probe ORDER BY id";
static const char SQL_HITS_OF[] =
    "SELECT about_type, about_id, owner, volume, exact FROM dc_probe_hit WHERE probe_id = ? ORDER BY seq";

static void hits_free(store_probe *p) {
    for (size_t i = 0; i < p->nhits; i++) {
        free((char *)p->hits[i].about_type);
        free((char *)p->hits[i].owner);
    }
    free(p->hits);
    p->hits = NULL;
    p->nhits = 0;
}

static int hits_read(store *s, store_probe *p, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_HITS_OF, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, p->id);
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_probe_hit *n = realloc(p->hits, (p->nhits + 1) * sizeof *n);
        if (!n) {
            rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
            break;
        }
        p->hits = n;
        p->hits[p->nhits++] = (store_probe_hit){db_col_dup(st, 0), db_col_int(st, 1), db_col_dup(st, 2),
                                                db_col_int(st, 3), db_col_int(st, 4) != 0};
        if (!p->hits[p->nhits - 1].about_type || !p->hits[p->nhits - 1].owner)
            rc = tr_fail(err, TR_EIO, "", "a conflict of probe %lld is unreadable", (long long)p->id);
    }
    if (rc == TR_OK && step != STORE_DONE) rc = store__fail(err, -1, "reading table dc_probe_hit");
    db_reset(st);
    return rc;
}

int store_probe_each(store *s, int (*fn)(const store_probe *p, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PROBE_ALL, err);
    if (!st) return TR_EIO;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        store_probe p = {.id = db_col_int(st, 0),
                         .party = db_col_text(st, 1),
                         .asked_at = db_col_int(st, 2),
                         .request = db_col_text(st, 3),
                         .operation_id = db_col_int(st, 4),
                         .volumes = db_col_text(st, 5),
                         .outcome = db_col_text(st, 6),
                         .refused = db_col_int(st, 7) != 0,
                         .monitors_notified = db_col_int(st, 8) != 0};
        if (!p.party || !p.request || !p.volumes || !p.outcome)
            rc = tr_fail(err, TR_EIO, "", "probe %lld is unreadable", (long long)p.id);
        if (rc == TR_OK) rc = hits_read(s, &p, err);
        if (rc == TR_OK) rc = fn(&p, ctx);
        hits_free(&p);
    }
    return store__scan_end(st, step, rc, "reading table dc_probe", err);
}
