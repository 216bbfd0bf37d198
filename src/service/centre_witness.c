/*
 * centre_witness.c — the centre's side of its witnesses (docs/tlog.md "Witnesses"): which
 * witnesses it has, what each has cosigned, the checkpoint it serves with their
 * cosignatures, and the add-checkpoint requests it sends them. The HTTP client that sends
 * them (a thread of `truce serve`) is edges/witness_client.c.
 *
 * Invariants:
 *  1. A cosignature is stored only after it verifies, with the witness's key, over the
 *     signed checkpoint of that size (tlog_cosigs_check): the table holds no junk.
 *  2. wit->known[k] is the size witness k has cosigned last as far as the centre knows:
 *     the largest size of its stored cosignatures, or what it answered in a 409.
 *  3. wit->witnessed is the largest checkpoint size with a quorum of cosignatures by the
 *     configured witnesses; it only grows while the centre runs. GET /v1/log/checkpoint
 *     serves that checkpoint (the latest signed one until a quorum was ever reached), and
 *     receipts are proofs to it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines/tlog_witness.h"
#include "service/centre_int.h"

#define WITNESSES_MAX 16

struct centre_witness_set {
    pthread_mutex_t mu; /* guards known and witnessed */
    size_t n, quorum;
    tlog_verifier keys[WITNESSES_MAX];
    char vkeys[WITNESSES_MAX][TLOG_KEY_STRING_MAX];
    uint64_t known[WITNESSES_MAX];
    uint64_t witnessed; /* 0 with none_yet: no checkpoint has reached the quorum */
    bool any_witnessed;
};

/* ---- start-up: the state in the store ---- */

typedef struct tally {
    centre_witness_set *w;
    uint64_t size;
    size_t count;
} tally;

static int tally_row(uint64_t size, const char *witness, void *ctx) {
    tally *t = ctx;
    if (size != t->size) {
        t->size = size;
        t->count = 0;
    }
    for (size_t k = 0; k < t->w->n; k++)
        if (strcmp(t->w->vkeys[k], witness) == 0) t->count++;
    if (t->count < t->w->quorum) return 0;
    t->w->witnessed = size;
    t->w->any_witnessed = true;
    return -1; /* found: the walk goes from the largest size down */
}

int centre_witnesses_set(centre *c, const char *const *vkeys, size_t n, size_t quorum, tr_err *err) {
    if (n == 0 || n > WITNESSES_MAX)
        return tr_fail(err, TR_EINVAL, "--witness", "give 1 to %d witnesses", WITNESSES_MAX);
    if (quorum < 1 || quorum > n)
        return tr_fail(err, TR_EINVAL, "--quorum", "the quorum must be 1 to the number of witnesses (%zu)",
                       n);
    centre_witness_set *w = calloc(1, sizeof *w);
    if (!w) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    w->n = n;
    w->quorum = quorum;
    int rc = TR_OK;
    for (size_t k = 0; rc == TR_OK && k < n; k++) {
        rc = tlog_cosig_vkey_parse(vkeys[k], &w->keys[k], err);
        if (rc) rc = tr_fail(err, TR_EINVAL, "--witness", "'%s': %s", vkeys[k], err->msg);
        for (size_t j = 0; rc == TR_OK && j < k; j++)
            if (strcmp(vkeys[j], vkeys[k]) == 0)
                rc = tr_fail(err, TR_EINVAL, "--witness", "%s is given twice", vkeys[k]);
        snprintf(w->vkeys[k], sizeof w->vkeys[k], "%s", vkeys[k]);
        bool any = false;
        if (rc == TR_OK) rc = store_log_cosigned_max(c->store, vkeys[k], &w->known[k], &any, err);
    }
    tally t = {w, UINT64_MAX, 0};
    if (rc == TR_OK) rc = store_log_cosigned_sizes(c->store, tally_row, &t, err);
    if (rc) {
        free(w);
        return rc;
    }
    pthread_mutex_init(&w->mu, NULL);
    c->wit = w;
    return TR_OK;
}

void centre_witnesses_clear(centre *c) {
    if (!c->wit) return;
    pthread_mutex_destroy(&c->wit->mu);
    free(c->wit);
    c->wit = NULL;
}

size_t centre_witness_count(const centre *c) {
    return c->wit ? c->wit->n : 0;
}

size_t centre_witness_quorum(const centre *c) {
    return c->wit ? c->wit->quorum : 0;
}

const tlog_verifier *centre_witness_key(const centre *c, size_t k, const char **vkey) {
    if (vkey) *vkey = c->wit->vkeys[k];
    return &c->wit->keys[k];
}

uint64_t centre_witness_known(centre *c, size_t k) {
    pthread_mutex_lock(&c->wit->mu);
    uint64_t v = c->wit->known[k];
    pthread_mutex_unlock(&c->wit->mu);
    return v;
}

void centre_witness_set_known(centre *c, size_t k, uint64_t size) {
    pthread_mutex_lock(&c->wit->mu);
    c->wit->known[k] = size;
    pthread_mutex_unlock(&c->wit->mu);
}

/* ---- requests and answers ---- */

int centre_witness_request(centre *c, size_t k, bool force, char **body, size_t *len, uint64_t *size,
                           tr_err *err) {
    tlog_hash root, proof[TLOG_PROOF_MAX];
    char *note = NULL;
    size_t np = 0;
    *body = NULL;
    if (store_log_checkpoint_latest(c->store, size, &root, &note, err)) return TR_EIO;
    uint64_t old = centre_witness_known(c, k);
    if (!note || (old == *size && !force)) {
        free(note);
        return TR_OK;
    }
    tlog_reader r = store_log_reader(c->store);
    int rc = TR_OK;
    if (old > *size)
        rc = tr_fail(err, TR_ECONFLICT, "",
                     "it has cosigned size %llu but the log's latest checkpoint has size %llu",
                     (unsigned long long)old, (unsigned long long)*size);
    else if (old < *size)
        rc = tlog_prove_consistency(&r, old, *size, proof, &np, err);
    if (rc == TR_OK && np > TLOG_WITNESS_PROOF_MAX) rc = tr_fail(err, TR_EINTERNAL, "", "proof too long");
    if (rc == TR_OK) rc = tlog_witness_req_format(old, proof, np, note, strlen(note), body, len, err);
    free(note);
    return rc;
}

int centre_witness_evidence(centre *c, const char *note, size_t len, tr_err *err) {
    tlog_checkpoint cp;
    tr_err e = {0};
    if (tlog_checkpoint_open(note, len, &c->verifier, 1, c->origin, &cp, &e))
        return tr_fail(err, TR_EINVAL, "", "what it serves is not a checkpoint signed by this log's key: %s",
                       e.msg);
    uint64_t n = 0;
    if (store_log_size(c->store, &n, err)) return TR_EIO;
    if (cp.size > n)
        return tr_fail(
            err, TR_ECONFLICT, "",
            "it holds a checkpoint of size %llu signed by this log's key, but this database's log has only "
            "%llu entries: the database is older than what was signed (restored from an older backup, "
            "or rolled back)",
            (unsigned long long)cp.size, (unsigned long long)n);
    tlog_hash root;
    tlog_reader r = store_log_reader(c->store);
    if (tlog_root_at(&r, cp.size, &root, err)) return TR_EIO;
    if (!tlog_hash_equal(&root, &cp.root))
        return tr_fail(err, TR_ECONFLICT, "",
                       "it holds a checkpoint of size %llu signed by this log's key whose root is not this "
                       "database's root at that size: the history was rewritten (a restored backup that grew "
                       "again, or a split view)",
                       (unsigned long long)cp.size);
    return TR_OK;
}

/* The witnessed size after witness k's cosignature of size was stored. */
static void count_quorum(centre *c, uint64_t size);

int centre_witness_cosigned(centre *c, size_t k, uint64_t size, const char *line, size_t line_len,
                            tr_err *err) {
    tlog_hash root;
    char *note = NULL;
    int rc = store_log_checkpoint_at(c->store, size, &root, &note, err);
    size_t nl = note ? strlen(note) : 0, nvalid = 0;
    char *all = rc == TR_OK ? malloc(nl + line_len + 1) : NULL;
    if (rc == TR_OK && !all) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    tlog_cosig_status st;
    if (rc == TR_OK) {
        memcpy(all, note, nl);
        memcpy(all + nl, line, line_len);
        all[nl + line_len] = '\0';
        rc = tlog_cosigs_check(all, nl + line_len, &c->wit->keys[k], 1, &st, &nvalid, err);
        if (rc == TR_OK && nvalid != 1)
            rc = tr_fail(err, TR_EAUTH, "",
                         "its answer is not a valid cosignature of the checkpoint of size %llu",
                         (unsigned long long)size);
    }
    if (rc == TR_OK && (rc = store_begin(c->store, err)) == TR_OK) {
        rc =
            store_log_cosignature_put(c->store, size, c->wit->vkeys[k], all + nl, (int64_t)st.timestamp, err);
        if (rc)
            store_rollback(c->store);
        else
            rc = store_commit(c->store, err);
    }
    free(all);
    free(note);
    if (rc == TR_OK) count_quorum(c, size);
    if (rc == TR_OK) centre_witness_set_known(c, k, size);
    return rc;
}

typedef struct count_ctx {
    centre_witness_set *w;
    size_t n;
} count_ctx;

static int count_one(const char *witness, const char *line, int64_t timestamp, void *ctx) {
    count_ctx *x = ctx;
    (void)line;
    (void)timestamp;
    for (size_t k = 0; k < x->w->n; k++)
        if (strcmp(x->w->vkeys[k], witness) == 0) x->n++;
    return TR_OK;
}

/* Whether the checkpoint of size has its quorum of cosignatures: then it is the newest
 * witnessed one. A storage failure leaves the witnessed size where it was (the next
 * cosignature counts again) and is said on stderr. */
static void count_quorum(centre *c, uint64_t size) {
    count_ctx x = {c->wit, 0};
    tr_err err = {0};
    if (store_log_cosignatures(c->store, size, count_one, &x, &err)) {
        fprintf(stderr, "truce: counting the cosignatures of checkpoint %llu: %s\n", (unsigned long long)size,
                err.msg);
        return;
    }
    if (x.n < c->wit->quorum) return;
    pthread_mutex_lock(&c->wit->mu);
    if (!c->wit->any_witnessed || size > c->wit->witnessed) c->wit->witnessed = size;
    c->wit->any_witnessed = true;
    pthread_mutex_unlock(&c->wit->mu);
}

/* ---- what is served ---- */

typedef struct append_ctx {
    char *buf;
    size_t len, cap;
} append_ctx;

static int append_line(const char *witness, const char *line, int64_t timestamp, void *ctx) {
    append_ctx *a = ctx;
    (void)witness;
    (void)timestamp;
    size_t n = strlen(line);
    if (a->len + n + 1 > a->cap) {
        size_t cap = (a->len + n + 1) * 2;
        char *b = realloc(a->buf, cap);
        if (!b) return TR_ENOMEM;
        a->buf = b;
        a->cap = cap;
    }
    memcpy(a->buf + a->len, line, n + 1);
    a->len += n;
    return TR_OK;
}

int centre_log_served(centre *c, char **note, uint64_t *size, bool *witnessed, tr_err *err) {
    tlog_hash root;
    *note = NULL;
    *witnessed = false;
    if (c->wit) {
        pthread_mutex_lock(&c->wit->mu);
        *witnessed = c->wit->any_witnessed;
        *size = c->wit->witnessed;
        pthread_mutex_unlock(&c->wit->mu);
    }
    int rc = *witnessed ? store_log_checkpoint_at(c->store, *size, &root, note, err)
                        : store_log_checkpoint_latest(c->store, size, &root, note, err);
    if (rc) return rc;
    if (!*note) return tr_fail(err, TR_ENOTFOUND, "", "no checkpoint has been signed yet");
    if (!c->wit) return TR_OK;
    append_ctx a = {*note, strlen(*note), strlen(*note) + 1};
    rc = store_log_cosignatures(c->store, *size, append_line, &a, err);
    *note = a.buf;
    if (rc) {
        free(*note);
        *note = NULL;
        return rc == TR_ENOMEM ? tr_fail(err, TR_ENOMEM, "", "out of memory") : rc;
    }
    return TR_OK;
}

int centre_witnesses_json(centre *c, json_t **out, tr_err *err) {
    json_t *list = json_array();
    uint64_t signed_size = 0;
    tlog_hash root;
    char *note = NULL;
    if (store_log_checkpoint_latest(c->store, &signed_size, &root, &note, err)) {
        json_decref(list);
        return TR_EIO;
    }
    free(note);
    centre_witness_set *w = c->wit;
    for (size_t k = 0; w && k < w->n; k++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:I}", "name", w->keys[k].name, "vkey", w->vkeys[k],
                                              "cosigned_size", (json_int_t)centre_witness_known(c, k)));
    bool any = false;
    uint64_t witnessed = 0;
    if (w) {
        pthread_mutex_lock(&w->mu);
        any = w->any_witnessed;
        witnessed = w->witnessed;
        pthread_mutex_unlock(&w->mu);
    }
    *out = json_pack("{s:I, s:o, s:o, s:I}", "quorum", (json_int_t)(w ? w->quorum : 0), "witnesses", list,
                     "witnessed_size", any ? json_integer((json_int_t)witnessed) : json_null(), "signed_size",
                     (json_int_t)signed_size);
    return *out ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}
