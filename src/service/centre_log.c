/*
 * centre_log.c — the verifiable log seen from the centre: entries for every write,
 * the checkpoint key, the checkpoint thread, receipts, proofs and tiles.
 *
 * Entry encoding (docs/tlog.md, "Entries"): the compact JSON object, keys sorted,
 *   {"at":RFC3339,"object_sha256":HEX,"party":NAME,"ref":REF,"type":TYPE,"v":2}
 * where object_sha256 is the SHA-256 of the object's canonical bytes: the object's
 * JSON, compact, keys sorted, reals as the shortest decimal that reads back as the same
 * double (version 2; version 1 entries printed them with 17 digits: centre_objects.h).
 * The object itself stays in the store (log_entry.object): the public log commits to
 * restricted content without revealing it, and whoever holds the content can prove it
 * was logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_objects.h"


int centre__log(centre *c, const char *party, const tr_signature *sig, const char *type, const char *ref,
                const json_t *object, json_t *answer, tr_err *err) {
    return centre__log_at(c, tr_time_now(), party, sig, type, ref, object, answer, err);
}

int centre__log_at(centre *c, int64_t now, const char *party, const tr_signature *sig, const char *type,
                   const char *ref, const json_t *object, json_t *answer, tr_err *err) {
    char *obj = centre_object_bytes(object);
    if (!obj) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * sizeof h + 1], at[TR_TIME_BUFSZ];
    crypto_hash_sha256(h, (const unsigned char *)obj, strlen(obj));
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "at", tr_time_format(now, at), "object_sha256",
                          hex, "party", party, "ref", ref, "type", type, "v", CENTRE_LOG_VERSION);
    if (e && sig) {
        json_object_set_new(e, "body_sha256", json_string(sig->body_sha256));
        json_object_set_new(e, "signature", json_string(sig->signature));
    }
    char *entry = e ? centre_object_bytes(e) : NULL;
    json_decref(e);
    int rc;
    if (!entry) {
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    } else if (strlen(entry) > TLOG_ENTRY_MAX) {
        rc = tr_fail(err, TR_EINVAL, "", "log entry too long");
    } else {
        store_log_entry le = {.entry = (const uint8_t *)entry, .entry_len = strlen(entry), .party = party,
                              .type = type, .ref = ref, .at = now, .object = (const uint8_t *)obj,
                              .object_len = strlen(obj), .submission = sig ? sig->body : NULL,
                              .submission_len = sig ? sig->body_len : 0};
        tlog_hash leaf;
        rc = store_log_append(c->store, &le, &leaf, err);
        if (rc == TR_OK && answer) {
            char b64[TLOG_HASH_B64_SIZE];
            tlog_hash_to_base64(&leaf, b64);
            json_object_set_new(answer, "receipt", json_pack("{s:I, s:s}", "index", (json_int_t)le.index,
                                                             "leaf_hash", b64));
        }
    }
    free(entry);
    free(obj);
    return rc;
}

static int receipt_of(const store_log_entry *e, void *ctx) {
    tlog_hash leaf;
    char b64[TLOG_HASH_B64_SIZE];
    tlog_hash_leaf(e->entry, e->entry_len, &leaf);
    tlog_hash_to_base64(&leaf, b64);
    json_t *r = json_pack("{s:I, s:s}", "index", (json_int_t)e->index, "leaf_hash", b64);
    if (!r) return TR_ENOMEM;
    json_object_set_new(ctx, "receipt", r);
    return TR_OK;
}

int centre__receipt_of(centre *c, const char *type, const char *ref, json_t *answer, tr_err *err) {
    uint64_t index;
    int rc = store_log_index_of(c->store, type, ref, &index, err);
    if (rc) return rc;
    return store_log_entries(c->store, index, index + 1, receipt_of, answer, err);
}

/* ---- the key ---- */

static int write_key_file(const char *path, const char *skey, tr_err *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return tr_fail(err, TR_EIO, "--log-key", "cannot create %s: %s", path, strerror(errno));
    size_t n = strlen(skey);
    int ok = write(fd, skey, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        return tr_fail(err, TR_EIO, "--log-key", "cannot write %s", path);
    }
    return TR_OK;
}

static int read_key_file(const char *path, tlog_signer *s, tr_err *err) {
    FILE *f = fopen(path, "r");
    if (!f)
        return tr_fail(err, TR_EIO, "--log-key", "the log's signing key %s cannot be read (%s); it was created "
                       "at the first start and is needed to sign checkpoints", path, strerror(errno));
    char buf[TLOG_KEY_STRING_MAX + 2] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = '\0';
    int rc = tlog_signer_parse(buf, s, err);
    sodium_memzero(buf, sizeof buf);
    return rc ? tr_fail(err, TR_EINVAL, "--log-key", "%s does not hold a signer key", path) : TR_OK;
}

static int first_start(centre *c, const char *key_path, const char *origin, tr_err *err) {
    char name[TLOG_NAME_MAX + 1];
    if (origin) {
        snprintf(name, sizeof name, "%s", origin);
    } else {
        unsigned char r[4];
        randombytes_buf(r, sizeof r);
        snprintf(name, sizeof name, "truce.invalid/log-%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
    }
    if (!tlog_name_valid(name))
        return tr_fail(err, TR_EINVAL, "--log-origin", "'%s' is not a valid log name (no spaces or '+')", name);
    char skey[TLOG_KEY_STRING_MAX];
    int rc = tlog_key_generate(name, &c->signer, &c->verifier, err);
    if (rc == TR_OK) rc = tlog_signer_encode(&c->signer, skey, sizeof skey, err);
    if (rc == TR_OK) rc = tlog_verifier_encode(&c->verifier, c->vkey, sizeof c->vkey, err);
    if (rc == TR_OK) rc = write_key_file(key_path, skey, err);
    sodium_memzero(skey, sizeof skey);
    if (rc) return rc;
    if ((rc = store_begin(c->store, err)) == TR_OK) {
        rc = store_log_meta_put(c->store, "origin", name, err);
        if (rc == TR_OK) rc = store_log_meta_put(c->store, "vkey", c->vkey, err);
        if (rc) store_rollback(c->store);
        else rc = store_commit(c->store, err);
    }
    if (rc) unlink(key_path);
    snprintf(c->origin, sizeof c->origin, "%s", name);
    return rc;
}

int centre_log_open(centre *c, const char *key_path, const char *origin, tr_err *err) {
    char *vkey = NULL, *rec_origin = NULL;
    int rc = store_log_meta_get(c->store, "vkey", &vkey, err);
    if (rc == TR_OK) rc = store_log_meta_get(c->store, "origin", &rec_origin, err);
    if (rc == TR_OK && !vkey) {
        rc = first_start(c, key_path, origin, err);
    } else if (rc == TR_OK) {
        rc = read_key_file(key_path, &c->signer, err);
        if (rc == TR_OK) {
            tlog_signer_verifier(&c->signer, &c->verifier);
            rc = tlog_verifier_encode(&c->verifier, c->vkey, sizeof c->vkey, err);
        }
        if (rc == TR_OK && strcmp(c->vkey, vkey) != 0)
            rc = tr_fail(err, TR_EINVAL, "--log-key", "%s is not the key this log was started with (%s)", key_path, vkey);
        if (rc == TR_OK && origin && strcmp(origin, rec_origin ? rec_origin : "") != 0)
            rc = tr_fail(err, TR_EINVAL, "--log-origin", "this log's origin is '%s'", rec_origin ? rec_origin : "");
        snprintf(c->origin, sizeof c->origin, "%s", rec_origin ? rec_origin : "");
    }
    free(vkey);
    free(rec_origin);
    c->can_sign = rc == TR_OK;
    free(c->kept_path);
    c->kept_path = NULL;
    size_t n = strlen(key_path) + sizeof CENTRE_KEPT_SUFFIX;
    if (rc == TR_OK && (c->kept_path = malloc(n)))
        snprintf(c->kept_path, n, "%s%s", key_path, CENTRE_KEPT_SUFFIX);
    if (rc == TR_OK && !c->kept_path) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    return rc;
}

/* ---- checkpoints ---- */

int centre_log_checkpoint(centre *c, uint64_t *size, tr_err *err) {
    if (!c->can_sign) return tr_fail(err, TR_EUNAVAIL, "", "this centre has no log key");
    int rc = store_begin(c->store, err);
    /* Group commit: the log it signs is durable (no commit can come in: the writer lock is
     * held), so no signed checkpoint ever points past what a crash leaves. */
    if (rc == TR_OK && (rc = store_sync(c->store, err))) store_rollback(c->store);
    if (rc) return rc;
    uint64_t last;
    tlog_hash last_root;
    char *note = NULL;
    rc = store_log_checkpoint_latest(c->store, &last, &last_root, &note, err);
    const tlog_tree *t = store_log_tree(c->store);
    bool have = note != NULL;
    if (rc || (have && t->size == last)) {
        store_rollback(c->store);
        *size = last;
        /* Nothing new to sign: keep the latest if no file holds it yet (a first start). */
        if (rc == TR_OK && c->kept_path && access(c->kept_path, F_OK) != 0)
            rc = centre_kept_write(c->kept_path, note, err);
        free(note);
        return rc;
    }
    free(note);
    note = NULL;
    /* "prev": the checkpoint before this one, so that a deleted checkpoint is seen. */
    char prev[32];
    snprintf(prev, sizeof prev, have ? "prev %llu\n" : "prev none\n", (unsigned long long)last);
    tlog_checkpoint cp = {.size = t->size, .ext = prev, .ext_len = strlen(prev)};
    snprintf(cp.origin, sizeof cp.origin, "%s", c->origin);
    tlog_tree_root(t, &cp.root);
    size_t len;
    rc = tlog_checkpoint_sign(&cp, &c->signer, 1, &note, &len, err);
    if (rc == TR_OK) rc = store_log_checkpoint_put(c->store, cp.size, &cp.root, note, tr_time_now(), err);
    if (rc) {
        free(note);
        store_rollback(c->store);
        return rc;
    }
    *size = cp.size;
    rc = store_commit(c->store, err);
    /* Kept only once committed: the kept checkpoint is always one the database holds. */
    if (rc == TR_OK && c->kept_path) rc = centre_kept_write(c->kept_path, note, err);
    free(note);
    void (*hook)(void *) = __atomic_load_n(&c->on_checkpoint, __ATOMIC_SEQ_CST);
    if (rc == TR_OK && hook) hook(c->on_checkpoint_ctx);
    return rc;
}

struct centre_checkpointer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stop;
    unsigned interval_ms;
    centre *c;
};

static void *checkpoint_loop(void *p) {
    centre_checkpointer *k = p;
    pthread_mutex_lock(&k->mu);
    while (!k->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += k->interval_ms / 1000;
        ts.tv_nsec += (long)(k->interval_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&k->cond, &k->mu, &ts);
        pthread_mutex_unlock(&k->mu);
        uint64_t n;
        tr_err err = {0};
        if (centre_log_checkpoint(k->c, &n, &err))
            fprintf(stderr, "truce: checkpoint failed: %s\n", err.msg);
        pthread_mutex_lock(&k->mu);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

int centre_checkpointer_start(centre *c, unsigned interval_ms, tr_err *err) {
    uint64_t n;
    if (centre_log_checkpoint(c, &n, err)) return err ? err->code : TR_EIO;
    centre_checkpointer *k = calloc(1, sizeof *k);
    if (!k) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    k->c = c;
    k->interval_ms = interval_ms ? interval_ms : 1;
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cond, NULL);
    if (pthread_create(&k->thread, NULL, checkpoint_loop, k) != 0) {
        free(k);
        return tr_fail(err, TR_EINTERNAL, "", "cannot start the checkpoint thread");
    }
    c->cp = k;
    return TR_OK;
}

void centre_checkpointer_stop(centre *c) {
    centre_checkpointer *k = c->cp;
    if (!k) return;
    pthread_mutex_lock(&k->mu);
    k->stop = true;
    pthread_cond_signal(&k->cond);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cond);
    free(k);
    c->cp = NULL;
    uint64_t n;
    tr_err err = {0};
    if (centre_log_checkpoint(c, &n, &err)) fprintf(stderr, "truce: last checkpoint failed: %s\n", err.msg);
}

int centre_log_latest(centre *c, char **note, uint64_t *size, tr_err *err) {
    bool witnessed;
    return centre_log_served(c, note, size, &witnessed, err);
}

/* ---- receipts and proofs ---- */

static json_t *proof_json(const tlog_hash *proof, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        char b64[TLOG_HASH_B64_SIZE];
        tlog_hash_to_base64(&proof[i], b64);
        json_array_append_new(a, json_string(b64));
    }
    return a;
}

typedef struct one_entry {
    json_t *out;
} one_entry;

static int take_entry(const store_log_entry *e, void *ctx) {
    one_entry *o = ctx;
    tlog_hash leaf;
    char b64[TLOG_HASH_B64_SIZE];
    tlog_hash_leaf(e->entry, e->entry_len, &leaf);
    tlog_hash_to_base64(&leaf, b64);
    o->out = json_pack("{s:I, s:s%, s:s}", "index", (json_int_t)e->index, "entry", (const char *)e->entry,
                       e->entry_len, "leaf_hash", b64);
    return o->out ? TR_OK : TR_ENOMEM;
}

/* The checkpoint a receipt of entry index is proved to: the served one (witnessed, when
 * the centre has witnesses). TR_ENOTFOUND, saying why, while it does not cover index. */
static int receipt_checkpoint(centre *c, uint64_t index, char **note, uint64_t *size, tr_err *err) {
    bool witnessed = false;
    int rc = centre_log_served(c, note, size, &witnessed, err);
    if (rc && rc != TR_ENOTFOUND) return rc;
    if (rc == TR_OK && index < *size && (witnessed || !c->wit)) return TR_OK;
    free(*note);
    *note = NULL;
    if (c->wit)
        return tr_fail(
            err, TR_ENOTFOUND, "index",
            "entry %llu is not covered by a witnessed checkpoint yet (one with %zu witness cosignatures; "
            "the largest so far has size %llu): the witnesses cosign each new checkpoint within seconds "
            "when they are reachable; retry",
            (unsigned long long)index, centre_witness_quorum(c),
            witnessed ? (unsigned long long)*size : 0ULL);
    return tr_fail(err, TR_ENOTFOUND, "index",
                   "entry %llu is not covered by a signed checkpoint yet (the log has %llu covered entries); "
                   "retry after the next checkpoint",
                   (unsigned long long)index, rc ? 0ULL : (unsigned long long)*size);
}

int centre_log_receipt(centre *c, uint64_t index, json_t **out, tr_err *err) {
    char *note = NULL;
    uint64_t size = 0;
    int crc = receipt_checkpoint(c, index, &note, &size, err);
    if (crc) return crc;
    one_entry o = {NULL};
    tlog_hash proof[TLOG_PROOF_MAX];
    size_t n = 0;
    tlog_reader r = store_log_reader(c->store);
    int rc = store_log_entries(c->store, index, index + 1, take_entry, &o, err);
    if (rc == TR_OK && !o.out) rc = tr_fail(err, TR_EIO, "", "entry %llu is missing", (unsigned long long)index);
    if (rc == TR_OK) rc = tlog_prove_inclusion(&r, index, size, proof, &n, err);
    if (rc == TR_OK) {
        json_object_set_new(o.out, "tree_size", json_integer((json_int_t)size));
        json_object_set_new(o.out, "proof", proof_json(proof, n));
        json_object_set_new(o.out, "checkpoint", json_string(note));
        *out = o.out;
    } else {
        json_decref(o.out);
    }
    free(note);
    return rc;
}

int centre_log_consistency(centre *c, uint64_t from, uint64_t to, json_t **out, tr_err *err) {
    uint64_t size;
    tlog_hash root;
    char *note = NULL;
    if (store_log_checkpoint_latest(c->store, &size, &root, &note, err)) return TR_EIO;
    free(note);
    if (from > to) return tr_fail(err, TR_EINVAL, "from", "must not be greater than to");
    if (to > size)
        return tr_fail(err, TR_EINVAL, "to", "the latest signed checkpoint has size %llu", (unsigned long long)size);
    tlog_hash proof[TLOG_PROOF_MAX];
    size_t n = 0;
    tlog_reader r = store_log_reader(c->store);
    int rc = tlog_prove_consistency(&r, from, to, proof, &n, err);
    if (rc == TR_OK)
        *out = json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to, "proof", proof_json(proof, n));
    return rc;
}

typedef struct bundle_ctx {
    uint8_t *buf;
    size_t len, cap;
    tr_err *err;
} bundle_ctx;

static int add_to_bundle(const store_log_entry *e, void *ctx) {
    bundle_ctx *b = ctx;
    size_t need = b->len + 2 + e->entry_len;
    if (need > b->cap) {
        size_t cap = b->cap * 2 > need ? b->cap * 2 : need;
        uint8_t *nb = realloc(b->buf, cap);
        if (!nb) return tr_fail(b->err, TR_ENOMEM, "", "out of memory");
        b->buf = nb;
        b->cap = cap;
    }
    return tlog_bundle_add(b->buf, b->cap, &b->len, e->entry, e->entry_len, b->err);
}

int centre_log_tile(centre *c, const char *path, uint8_t **data, size_t *len, tr_err *err) {
    tlog_tile t;
    if (tlog_tile_parse_path(path, &t, err)) return tr_fail(err, TR_ENOTFOUND, "", "no such tile: %s", path);
    uint64_t size;
    tlog_hash root;
    char *note = NULL;
    if (store_log_checkpoint_latest(c->store, &size, &root, &note, err)) return TR_EIO;
    free(note);
    if (tlog_tile_check(&t, size, err)) return tr_fail(err, TR_ENOTFOUND, "", "%s does not exist at size %llu", path, (unsigned long long)size);
    if (t.level == TLOG_TILE_ENTRIES) {
        bundle_ctx b = {malloc(4096), 0, 4096, err};
        if (!b.buf) return tr_fail(err, TR_ENOMEM, "", "out of memory");
        uint64_t from = t.index * TLOG_TILE_WIDTH;
        int rc = store_log_entries(c->store, from, from + t.width, add_to_bundle, &b, err);
        if (rc) {
            free(b.buf);
            return rc;
        }
        *data = b.buf;
        *len = b.len;
        return TR_OK;
    }
    size_t cap = (size_t)t.width * TLOG_HASH_SIZE;
    *data = malloc(cap);
    if (!*data) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    tlog_reader r = store_log_reader(c->store);
    int rc = tlog_tile_read(&r, &t, size, *data, cap, len, err);
    if (rc) {
        free(*data);
        *data = NULL;
    }
    return rc;
}
