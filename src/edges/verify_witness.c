/*
 * verify_witness.c — witnesses in `truce verify` (docs/verify.md "Witnesses"): with
 * --witness VKEY... [--quorum K], a checkpoint (of --url, of a receipt, of a bundle) must
 * carry K valid cosignatures (C2SP tlog-cosignature) by those witnesses; and `--db` checks
 * every stored cosignature (log_cosignature) against the checkpoint it cosigns.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "edges/verify_db.h"
#include "engines/tlog_witness.h"

int verify__witness_keys(const verify_options *o, tlog_verifier *keys) {
    for (size_t k = 0; k < o->nwitnesses; k++) {
        tr_err err = {0};
        if (tlog_cosig_vkey_parse(o->witnesses[k], &keys[k], &err) == TR_OK) continue;
        fprintf(stderr,
                "truce verify: --witness: '%s' is not a witness's verifier key (NAME+KEYID+BASE64 of 0x04 "
                "and the "
                "key, as 'truce witness key' prints it): %s\nsee 'truce verify --help'\n",
                o->witnesses[k], err.msg);
        return VERIFY_USAGE;
    }
    return VERIFY_OK;
}

int verify__keys(const verify_options *o, tlog_verifier *key, tlog_verifier *wkeys) {
    if (sodium_init() < 0) return VERIFY_FAIL;
    int rc = verify__key(o->key, key);
    return rc ? rc : verify__witness_keys(o, wkeys);
}

size_t verify__quorum(const verify_options *o) {
    return o->quorum ? o->quorum : o->nwitnesses;
}

void verify__cosignatures(verify__report *r, const verify_options *o, const tlog_verifier *keys,
                          const char *note, size_t len, uint64_t size, const char *what) {
    if (o->nwitnesses == 0) return;
    tlog_cosig_status st[VERIFY_WITNESSES_MAX];
    size_t nvalid = 0;
    tr_err err = {0};
    if (tlog_cosigs_check(note, len, keys, o->nwitnesses, st, &nvalid, &err)) {
        verify__fail(r, "%s: not a signed note: %s", what, err.msg);
        return;
    }
    for (size_t k = 0; k < o->nwitnesses; k++) {
        char at[TR_TIME_BUFSZ];
        if (st[k].state == TLOG_COSIG_VALID)
            fprintf(r->out, "witness %s: cosigned the checkpoint of size %llu at %s\n", keys[k].name,
                    (unsigned long long)size, tr_time_format((int64_t)st[k].timestamp, at));
        else if (st[k].state == TLOG_COSIG_INVALID)
            verify__fail(r, "%s: the cosignature by witness %s does not verify", what, keys[k].name);
        else
            fprintf(r->out, "witness %s: no cosignature on the checkpoint of size %llu\n", keys[k].name,
                    (unsigned long long)size);
    }
    size_t need = verify__quorum(o);
    if (nvalid < need)
        verify__fail(
            r,
            "%s (size %llu): %zu valid witness cosignature%s, %zu required (--quorum %zu): its witnesses "
            "have "
            "not cosigned it — they are unreachable, or refuse it (a split view or a rolled-back log is "
            "refused)",
            what, (unsigned long long)size, nvalid, nvalid == 1 ? "" : "s", need, need);
    else
        fprintf(r->out, "%s (size %llu): the quorum holds: %zu of %zu witnesses cosigned it (%zu required)\n",
                what, (unsigned long long)size, nvalid, o->nwitnesses, need);
}

/* ---- the database: log_cosignature ---- */

typedef struct cosig_audit {
    db_audit *a;
    const verify_options *o;
    const tlog_verifier *keys;
    uint64_t rows, best; /* the largest size with a quorum of --witness cosignatures */
    bool have_best;
    uint64_t size;  /* the size of the rows being read, */
    size_t counted; /* and how many of them count for the quorum */
} cosig_audit;

/* One row of log_cosignature. */
typedef struct cosig_row {
    uint64_t size;
    const char *witness, *line, *note; /* note: the checkpoint of that size, or NULL */
    int64_t timestamp;
} cosig_row;

/* One row: its line must be a valid cosignature, by its own witness key, of the checkpoint
 * of its size, signed at its timestamp. Returns whether it counts for the quorum (a
 * --witness key). */
static bool check_cosig_row(cosig_audit *x, const cosig_row *c) {
    tlog_verifier v;
    tr_err e = {0};
    char where[160];
    snprintf(where, sizeof where, "log_cosignature (size %llu, %.60s)", ULL(c->size), c->witness);
    if (tlog_cosig_vkey_parse(c->witness, &v, &e)) {
        FAIL(x->a, "%s: not a witness key: %s", where, e.msg);
        return false;
    }
    if (!c->note) {
        FAIL(x->a, "%s: no checkpoint of that size", where);
        return false;
    }
    size_t nl = strlen(c->note), ll = strlen(c->line), nvalid = 0;
    char *all = malloc(nl + ll + 1);
    tlog_cosig_status st = {0};
    bool ok = all && (memcpy(all, c->note, nl), memcpy(all + nl, c->line, ll + 1), true) &&
              tlog_cosigs_check(all, nl + ll, &v, 1, &st, &nvalid, &e) == TR_OK && nvalid == 1;
    free(all);
    if (!ok) FAIL(x->a, "%s: the line is not a valid cosignature of that checkpoint by that witness", where);
    if (ok && (uint64_t)c->timestamp != st.timestamp)
        FAIL(x->a, "%s: timestamp is %lld but the witness signed %llu", where, (long long)c->timestamp,
             ULL(st.timestamp));
    for (size_t k = 0; ok && k < x->o->nwitnesses; k++)
        if (x->keys[k].key_id == v.key_id && memcmp(x->keys[k].pk, v.pk, 32) == 0 &&
            !strcmp(x->keys[k].name, v.name))
            return true;
    return false;
}

static int cosig_of_row(db_audit *a, const store_audit_row *r) {
    cosig_audit *x = a->pass;
    uint64_t s = (uint64_t)store_audit_int(r, 0);
    if (s != x->size) x->size = s, x->counted = 0;
    x->rows++;
    cosig_row c = {s, store_audit_text(r, 1), store_audit_text(r, 2), store_audit_text(r, 3),
                   store_audit_int(r, 4)};
    if (check_cosig_row(x, &c) && ++x->counted == verify__quorum(x->o)) x->best = s, x->have_best = true;
    return TR_OK;
}

int verify__log_cosignature(db_audit *a, uint64_t *rows) {
    const verify_options *o = a->o;
    cosig_audit x = {a, o, a->wkeys, 0, 0, false, UINT64_MAX, 0};
    a->pass = &x;
    int rc = verify__scan(a, AUDIT_COSIGNATURES, cosig_of_row, NULL);
    a->pass = NULL;
    if (rc) return rc;
    *rows = x.rows;
    if (!o->nwitnesses) return TR_OK;
    if (!x.have_best)
        FAIL(a, "log_cosignature: no checkpoint has %zu valid cosignatures by the --witness keys",
             verify__quorum(o));
    else
        fprintf(a->r->out, "witnesses: the largest checkpoint with a quorum of %zu has size %llu\n",
                verify__quorum(o), ULL(x.best));
    return TR_OK;
}
