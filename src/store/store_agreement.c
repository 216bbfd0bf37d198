/* store_agreement.c — agreements and their provisions in SQLite.
 * The agreement row keeps the normalised body (without provisions) as JSON in `doc`,
 * which tr_agreement_parse reads back: one parser for what clients send and what is
 * stored. Provisions are rows of their own so their status can change one by one. */
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "store/store_int.h"

/* The body form of a (what POST /v1/agreements takes), without provisions. */
static char *agreement_doc(const tr_agreement *a) {
    json_t *j = tr_agreement_to_json(a);
    static const char *const drop[] = {"id", "version", "provisions", "created_by", "created_at"};
    for (size_t i = 0; i < sizeof drop / sizeof *drop; i++)
        json_object_del(j, drop[i]);
    if (json_is_null(json_object_get(j, "zones"))) json_object_del(j, "zones");
    if (json_is_null(json_object_get(j, "end"))) json_object_del(j, "end");
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

static const char SQL_AG_INSERT[] =
    "INSERT INTO agreement(version, name, start_at, end_at, doc, visibility, created_by, created_at)"
    " VALUES (1,?,?,?,?,?,?,?) RETURNING id";
static const char SQL_PROV_INSERT[] = "INSERT INTO provision(agreement_id, seq, text, responsible, deadline, "
                                      "status) VALUES (?,?,?,?,?,?) RETURNING id";

static int insert_provisions(store *s, tr_agreement *a, tr_err *err) {
    for (size_t i = 0; i < a->nprovisions; i++) {
        tr_provision *p = &a->provisions[i];
        db_stmt *st = store__prep(s, SQL_PROV_INSERT, err);
        if (!st) return TR_EIO;
        db_bind_int(st, 1, a->id);
        db_bind_int(st, 2, p->seq);
        db_bind_text(st, 3, p->text);
        db_bind_text(st, 4, p->responsible);
        if (p->deadline != TR_TIME_OPEN) db_bind_int(st, 5, p->deadline);
        db_bind_text(st, 6, tr_provision_status_name(p->status));
        if (store__step_done(s, st, "storing a provision", err)) return TR_EIO;
        p->id = store__last_id();
    }
    return TR_OK;
}

int store_agreement_insert(store *s, tr_agreement *a, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_AG_INSERT, err);
    if (!st) return TR_EIO;
    char *doc = agreement_doc(a), *vis = tr_vis_to_text(&a->vis);
    db_bind_text(st, 1, a->name);
    db_bind_int(st, 2, a->start);
    db_bind_int(st, 3, a->end);
    db_bind_text(st, 4, doc);
    db_bind_text(st, 5, vis);
    db_bind_text(st, 6, a->created_by);
    db_bind_int(st, 7, a->created_at);
    free(doc);
    free(vis);
    int rc = store__step_done(s, st, "storing the agreement", err);
    if (rc == TR_ECONFLICT)
        return tr_fail(err, TR_ECONFLICT, "name", "an agreement named '%s' already exists", a->name);
    if (rc) return rc;
    a->id = store__last_id();
    a->version = 1;
    return insert_provisions(s, a, err);
}

static const char SQL_PROV_OF[] =
    "SELECT id, seq, text, responsible, deadline, status FROM provision WHERE agreement_id = ? ORDER BY seq";

static int read_provisions(store *s, tr_agreement *a, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_PROV_OF, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, a->id);
    size_t cap = 0;
    int rc = TR_OK, step = STORE_DONE;
    while (rc == TR_OK && (step = store__step(st)) == STORE_ROW) {
        if (a->nprovisions == cap) {
            cap = cap ? cap * 2 : 8;
            tr_provision *np = realloc(a->provisions, cap * sizeof *np);
            if (!np) {
                rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
                break;
            }
            a->provisions = np;
        }
        tr_provision *p = &a->provisions[a->nprovisions++];
        memset(p, 0, sizeof *p);
        p->id = db_col_int(st, 0);
        p->seq = db_col_int(st, 1);
        p->text = db_col_dup(st, 2);
        p->responsible = db_col_dup(st, 3);
        p->deadline = db_col_type(st, 4) == DB_NULL ? TR_TIME_OPEN : db_col_int(st, 4);
        if (tr_provision_status_parse(db_col_text(st, 5), &p->status))
            rc = tr_fail(err, TR_EIO, "", "provision %lld has an unknown status", (long long)p->id);
    }
    return store__scan_end(st, step, rc, "reading table provision", err);
}

/* Fills out from a row (id, version, doc, created_by, created_at). */
static int read_agreement(store *s, db_stmt *st, tr_agreement *out, tr_err *err) {
    int64_t id = db_col_int(st, 0);
    json_t *doc = json_loads(db_col_text(st, 2), 0, NULL);
    int rc = tr_agreement_parse(doc, out, err);
    json_decref(doc);
    if (rc) return tr_fail(err, TR_EIO, "", "stored agreement %lld is unreadable", (long long)id);
    out->id = id;
    out->version = db_col_int(st, 1);
    out->created_by = db_col_dup(st, 3);
    out->created_at = db_col_int(st, 4);
    return TR_OK;
}

static const char SQL_AG_GET[] =
    "SELECT id, version, doc, created_by, created_at FROM agreement WHERE id = ?";

int store_agreement_get(store *s, int64_t id, tr_agreement *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    db_stmt *st = store__prep(s, SQL_AG_GET, err);
    if (!st) return TR_EIO;
    db_bind_int(st, 1, id);
    int rc = store__one(st, store__step(st), "reading table agreement", err);
    if (rc == TR_OK)
        rc = read_agreement(s, st, out, err);
    else if (rc == TR_ENOTFOUND)
        tr_fail(err, TR_ENOTFOUND, "id", "there is no agreement %lld", (long long)id);
    db_reset(st);
    if (rc == TR_OK) rc = read_provisions(s, out, err);
    if (rc) tr_agreement_clear(out);
    return rc;
}

static const char SQL_AG_ALL[] = "SELECT id FROM agreement ORDER BY id";

int store_agreement_each(store *s, int (*fn)(tr_agreement *a, void *ctx), void *ctx, tr_err *err) {
    db_stmt *st = store__prep(s, SQL_AG_ALL, err);
    if (!st) return TR_EIO;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int step;
    while ((step = store__step(st)) == STORE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *ni = realloc(ids, cap * sizeof *ni);
            if (!ni) {
                free(ids);
                db_reset(st);
                return tr_fail(err, TR_ENOMEM, "", "out of memory");
            }
            ids = ni;
        }
        ids[n++] = db_col_int(st, 0);
    }
    int rc = store__scan_end(st, step, TR_OK, "reading table agreement", err);
    for (size_t i = 0; rc == TR_OK && i < n; i++) {
        tr_agreement a;
        rc = store_agreement_get(s, ids[i], &a, err);
        if (rc == TR_OK) {
            rc = fn(&a, ctx);
            tr_agreement_clear(&a);
        }
    }
    free(ids);
    return rc;
}
