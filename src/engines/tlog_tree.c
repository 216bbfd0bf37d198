/*
 * tlog_tree.c — RFC 6962 hashing, the append-only tree (its frontier), proof generation
 * over a tlog_reader, the RFC 9162 verifiers, and the in-memory node store.
 *
 * Proofs are built in two passes over the same RFC 6962 recursion (PATH for inclusion,
 * SUBPROOF for consistency, MTH for a root): the first pass only lists the complete
 * subtrees whose hashes the proof needs, the reader is asked for all of them in one call,
 * and the second pass consumes them in the same order. Every range the recursion hashes
 * is either a complete subtree or a right edge [lo, n) with lo on the decomposition of n,
 * which is folded from its maximal complete subtrees (see range() below); at most one
 * right edge is ever needed per proof, so a proof reads O(log n) nodes.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "engines/tlog.h"
#include "engines/tlog_int.h"

/* ---------------------------------------------------------------- hashing */

void tlog_hash_leaf(const void *entry, size_t len, tlog_hash *out) {
    static const uint8_t prefix = 0x00;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    crypto_hash_sha256_update(&st, entry, len);
    crypto_hash_sha256_final(&st, out->b);
}

void tlog_hash_node(const tlog_hash *left, const tlog_hash *right, tlog_hash *out) {
    uint8_t buf[1 + 2 * TLOG_HASH_SIZE];
    buf[0] = 0x01;
    memcpy(buf + 1, left->b, TLOG_HASH_SIZE);
    memcpy(buf + 1 + TLOG_HASH_SIZE, right->b, TLOG_HASH_SIZE);
    crypto_hash_sha256(out->b, buf, sizeof buf);
}

void tlog_hash_empty(tlog_hash *out) {
    crypto_hash_sha256(out->b, (const uint8_t *)"", 0);
}

int tlog_hash_equal(const tlog_hash *a, const tlog_hash *b) {
    return memcmp(a->b, b->b, TLOG_HASH_SIZE) == 0;
}

void tlog_hash_to_base64(const tlog_hash *h, char out[TLOG_HASH_B64_SIZE]) {
    tlog__b64_encode(h->b, TLOG_HASH_SIZE, out, TLOG_HASH_B64_SIZE);
}

int tlog_hash_from_base64(const char *s, size_t len, tlog_hash *out, const char *field, tr_err *err) {
    size_t n = 0;
    uint8_t buf[TLOG_HASH_SIZE];
    if (tlog__b64_decode(s, len, buf, sizeof buf, &n) != 0 || n != TLOG_HASH_SIZE)
        return tr_fail(err, TR_EINVAL, field, "a hash must be 32 bytes in padded standard base64");
    memcpy(out->b, buf, TLOG_HASH_SIZE);
    return 0;
}

void tlog__b64_encode(const uint8_t *in, size_t n, char *out, size_t cap) {
    sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_ORIGINAL);
}

int tlog__b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len) {
    /* libsodium rejects bad characters, missing padding and non-zero trailing bits, so
     * only the canonical encoding of a byte string is accepted. */
    const char *end = NULL;
    if (len == 0 || len % 4 != 0) return -1;
    if (sodium_base642bin(out, cap, s, len, NULL, out_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    return end == s + len ? 0 : -1;
}

/* ---------------------------------------------------------------- the tree */

void tlog_tree_init(tlog_tree *t) {
    memset(t, 0, sizeof *t);
}

void tlog_tree_root(const tlog_tree *t, tlog_hash *out) {
    if (t->size == 0) {
        tlog_hash_empty(out);
        return;
    }
    /* Fold the frontier from its smallest (rightmost) subtree leftwards. */
    int l = __builtin_ctzll(t->size);
    tlog_hash r = t->frontier[l];
    for (l++; l < 63; l++)
        if (t->size >> l & 1) tlog_hash_node(&t->frontier[l], &r, &r);
    *out = r;
}

int tlog_tree_append(tlog_tree *t, const tlog_hash *leaf, tlog_node_hash out[63], size_t *nout, tr_err *err) {
    *nout = 0;
    if (t->size >= TLOG_SIZE_MAX) return tr_fail(err, TR_EINVAL, "", "the log is full");
    uint64_t n = t->size;
    tlog_hash carry = *leaf;
    int l = 0;
    out[(*nout)++] = (tlog_node_hash){{0, n}, carry};
    /* Each set low bit of n is a complete subtree the new leaf now pairs with. */
    while (n >> l & 1) {
        tlog_hash_node(&t->frontier[l], &carry, &carry);
        l++;
        out[(*nout)++] = (tlog_node_hash){{l, ((n + 1) >> l) - 1}, carry};
    }
    t->frontier[l] = carry;
    t->size = n + 1;
    return 0;
}

/* ---------------------------------------------------------------- the prover */

typedef struct prover {
    int collect;                     /* pass 1: list nodes; pass 2: consume hashes */
    int bad;                         /* set when the index math is wrong (a bug) */
    tlog_node nodes[TLOG_READ_MAX];  /* pass 1 output */
    tlog_hash hashes[TLOG_READ_MAX]; /* the reader's answers, in the same order */
    size_t nnodes, next;
    tlog_hash *out; /* pass 2: the proof being written */
    size_t nout;
} prover;

/* The hash of leaves [lo, hi): pass 1 lists the maximal complete subtrees covering the
 * range, left to right; pass 2 folds their hashes right to left into out[nout++]. */
static void range(prover *p, uint64_t lo, uint64_t hi) {
    size_t first = p->next, count = 0;
    while (lo < hi) {
        int l = tlog__log2(hi - lo);
        uint64_t k = (uint64_t)1 << l;
        if (lo & (k - 1)) {
            p->bad = 1;
            return;
        }
        if (p->collect) {
            if (p->nnodes == TLOG_READ_MAX) {
                p->bad = 1;
                return;
            }
            p->nodes[p->nnodes++] = (tlog_node){l, lo >> l};
        }
        count++;
        lo += k;
    }
    if (p->collect) return;
    if (count == 0 || p->nout == TLOG_PROOF_MAX || first + count > p->nnodes) {
        p->bad = 1;
        return;
    }
    tlog_hash h = p->hashes[first + count - 1];
    for (size_t k = count - 1; k-- > 0;)
        tlog_hash_node(&p->hashes[first + k], &h, &h);
    p->next = first + count;
    p->out[p->nout++] = h;
}

/* Largest power of two strictly below x (x >= 2): the RFC 6962 split point. */
static uint64_t split(uint64_t x) {
    return (uint64_t)1 << tlog__log2(x - 1);
}

/* RFC 6962 PATH(m, D[lo:hi]) with m absolute. */
static void path(prover *p, uint64_t m, uint64_t lo, uint64_t hi) {
    if (hi - lo <= 1) return;
    uint64_t k = split(hi - lo);
    if (m < lo + k) {
        path(p, m, lo, lo + k);
        range(p, lo + k, hi);
    } else {
        path(p, m, lo + k, hi);
        range(p, lo, lo + k);
    }
}

/* RFC 6962 SUBPROOF(m, D[lo:hi], whole) with m absolute. */
static void subproof(prover *p, uint64_t m, uint64_t lo, uint64_t hi, int whole) {
    if (m == hi) {
        if (!whole) range(p, lo, hi);
        return;
    }
    uint64_t k = split(hi - lo);
    if (m <= lo + k) {
        subproof(p, m, lo, lo + k, whole);
        range(p, lo + k, hi);
    } else {
        subproof(p, m, lo + k, hi, 0);
        range(p, lo, lo + k);
    }
}

enum { WALK_ROOT, WALK_PATH, WALK_SUBPROOF };

static void walk(prover *p, int kind, uint64_t a, uint64_t n) {
    switch (kind) {
    case WALK_ROOT:
        range(p, 0, n);
        break;
    case WALK_PATH:
        path(p, a, 0, n);
        break;
    default:
        subproof(p, a, 0, n, 1);
        break;
    }
}

/* Runs both passes of a walk; the hashes go to out[0 .. *len-1]. */
static int prove(const tlog_reader *r, int kind, uint64_t a, uint64_t n, tlog_hash *out, size_t *len,
                 tr_err *err) {
    prover *p = malloc(sizeof *p);
    if (p == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    p->collect = 1;
    p->bad = 0;
    p->nnodes = p->next = p->nout = 0;
    p->out = out;
    walk(p, kind, a, n);
    int rc = 0;
    if (!p->bad && p->nnodes > 0) rc = r->read(r->ctx, p->nodes, p->nnodes, p->hashes, err);
    if (rc == 0 && !p->bad) {
        p->collect = 0;
        walk(p, kind, a, n);
    }
    if (rc == 0 && (p->bad || p->next != p->nnodes))
        rc = tr_fail(err, TR_EINTERNAL, "", "tlog: bad index math for a proof at size %llu",
                     (unsigned long long)n);
    *len = rc == 0 ? p->nout : 0;
    free(p);
    return rc;
}

int tlog_root_at(const tlog_reader *r, uint64_t n, tlog_hash *out, tr_err *err) {
    if (n > TLOG_SIZE_MAX) return tr_fail(err, TR_EINVAL, "size", "tree size out of range");
    if (n == 0) {
        tlog_hash_empty(out);
        return 0;
    }
    size_t len = 0;
    return prove(r, WALK_ROOT, 0, n, out, &len, err);
}

int tlog_prove_inclusion(const tlog_reader *r, uint64_t index, uint64_t n, tlog_hash proof[TLOG_PROOF_MAX],
                         size_t *len, tr_err *err) {
    *len = 0;
    if (n > TLOG_SIZE_MAX) return tr_fail(err, TR_EINVAL, "size", "tree size out of range");
    if (index >= n)
        return tr_fail(err, TR_EINVAL, "index", "entry %llu is not in a tree of size %llu",
                       (unsigned long long)index, (unsigned long long)n);
    if (n == 1) return 0;
    return prove(r, WALK_PATH, index, n, proof, len, err);
}

int tlog_prove_consistency(const tlog_reader *r, uint64_t m, uint64_t n, tlog_hash proof[TLOG_PROOF_MAX],
                           size_t *len, tr_err *err) {
    *len = 0;
    if (n > TLOG_SIZE_MAX) return tr_fail(err, TR_EINVAL, "size", "tree size out of range");
    if (m > n)
        return tr_fail(err, TR_EINVAL, "old_size", "old size %llu exceeds new size %llu",
                       (unsigned long long)m, (unsigned long long)n);
    if (m == 0 || m == n) return 0;
    return prove(r, WALK_SUBPROOF, m, n, proof, len, err);
}

int tlog_tree_load(tlog_tree *t, uint64_t size, const tlog_reader *r, tr_err *err) {
    if (size > TLOG_SIZE_MAX) return tr_fail(err, TR_EINVAL, "size", "tree size out of range");
    tlog_node nodes[63];
    tlog_hash hashes[63];
    size_t n = 0;
    for (int l = 62; l >= 0; l--)
        if (size >> l & 1) nodes[n++] = (tlog_node){l, (size >> l) - 1};
    if (n > 0) {
        int rc = r->read(r->ctx, nodes, n, hashes, err);
        if (rc != 0) return rc;
    }
    tlog_tree_init(t);
    t->size = size;
    for (size_t k = 0; k < n; k++)
        t->frontier[nodes[k].level] = hashes[k];
    return 0;
}

/* ---------------------------------------------------------------- verifiers */

static int proof_fails(tr_err *err, const char *what) {
    return tr_fail(err, TR_EAUTH, "proof", "the %s proof does not verify", what);
}

int tlog_verify_inclusion(const tlog_hash *leaf, uint64_t index, uint64_t n, const tlog_hash *root,
                          const tlog_hash *proof, size_t len, tr_err *err) {
    if (n > TLOG_SIZE_MAX) return tr_fail(err, TR_EINVAL, "size", "tree size out of range");
    if (index >= n)
        return tr_fail(err, TR_EINVAL, "index", "entry %llu is not in a tree of size %llu",
                       (unsigned long long)index, (unsigned long long)n);
    uint64_t fn = index, sn = n - 1;
    tlog_hash r = *leaf;
    for (size_t k = 0; k < len; k++) {
        if (sn == 0) return proof_fails(err, "inclusion");
        if ((fn & 1) || fn == sn) {
            tlog_hash_node(&proof[k], &r, &r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            tlog_hash_node(&r, &proof[k], &r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || !tlog_hash_equal(&r, root)) return proof_fails(err, "inclusion");
    return 0;
}

int tlog_verify_consistency(uint64_t m, uint64_t n, const tlog_hash *root_m, const tlog_hash *root_n,
                            const tlog_hash *proof, size_t len, tr_err *err) {
    if (n > TLOG_SIZE_MAX) return tr_fail(err, TR_EINVAL, "size", "tree size out of range");
    if (m > n)
        return tr_fail(err, TR_EINVAL, "old_size", "old size %llu exceeds new size %llu",
                       (unsigned long long)m, (unsigned long long)n);
    if (m == 0) {
        tlog_hash e;
        tlog_hash_empty(&e);
        if (len != 0 || !tlog_hash_equal(root_m, &e)) return proof_fails(err, "consistency");
        return 0;
    }
    if (m == n) {
        if (len != 0 || !tlog_hash_equal(root_m, root_n)) return proof_fails(err, "consistency");
        return 0;
    }
    if (len == 0) return proof_fails(err, "consistency");
    /* When m is a power of two the old root is itself a node of the path: it leads. */
    int lead = (m & (m - 1)) == 0;
    size_t total = len + (size_t)lead;
    uint64_t fn = m - 1, sn = n - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    tlog_hash fr = lead ? *root_m : proof[0], sr = fr;
    for (size_t k = 1; k < total; k++) {
        const tlog_hash *c = &proof[k - (size_t)lead];
        if (sn == 0) return proof_fails(err, "consistency");
        if ((fn & 1) || fn == sn) {
            tlog_hash_node(c, &fr, &fr);
            tlog_hash_node(c, &sr, &sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            tlog_hash_node(&sr, c, &sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || !tlog_hash_equal(&fr, root_m) || !tlog_hash_equal(&sr, root_n))
        return proof_fails(err, "consistency");
    return 0;
}

/* ---------------------------------------------------------------- in-memory store */

typedef struct mem_level {
    tlog_hash *h;
    uint64_t n, cap;
} mem_level;

struct tlog_memstore {
    mem_level level[63];
};

tlog_memstore *tlog_memstore_new(void) {
    return calloc(1, sizeof(tlog_memstore));
}

void tlog_memstore_free(tlog_memstore *m) {
    if (m == NULL) return;
    for (int l = 0; l < 63; l++)
        free(m->level[l].h);
    free(m);
}

uint64_t tlog_memstore_count(const tlog_memstore *m, int level) {
    return level >= 0 && level < 63 ? m->level[level].n : 0;
}

static int mem_reserve(mem_level *lv, uint64_t want) {
    if (want <= lv->cap) return 0;
    uint64_t cap = lv->cap ? lv->cap : 1024;
    while (cap < want)
        cap *= 2;
    if (cap > SIZE_MAX / sizeof(tlog_hash)) return -1;
    tlog_hash *h = realloc(lv->h, (size_t)cap * sizeof(tlog_hash));
    if (h == NULL) return -1;
    lv->h = h;
    lv->cap = cap;
    return 0;
}

/* The hash of node (l, i) as it will be after this put: held, or earlier in the batch. */
static const tlog_hash *mem_pending(const tlog_memstore *m, const tlog_node_hash *nodes, size_t k, int l,
                                    uint64_t i) {
    if (i < m->level[l].n) return &m->level[l].h[i];
    for (size_t j = 0; j < k; j++)
        if (nodes[j].node.level == l && nodes[j].node.index == i) return &nodes[j].hash;
    return NULL;
}

int tlog_memstore_put(tlog_memstore *m, const tlog_node_hash *nodes, size_t n, tr_err *err) {
    uint64_t next[63];
    for (int l = 0; l < 63; l++)
        next[l] = m->level[l].n;
    for (size_t k = 0; k < n; k++) { /* validate everything before changing anything */
        int l = nodes[k].node.level;
        uint64_t i = nodes[k].node.index;
        if (l < 0 || l >= 63) return tr_fail(err, TR_EINVAL, "level", "node level %d out of range", l);
        if (i == next[l]) {
            next[l]++;
            continue;
        }
        const tlog_hash *old = i < next[l] ? mem_pending(m, nodes, k, l, i) : NULL;
        if (old == NULL)
            return tr_fail(err, TR_EINVAL, "index", "node (%d, %llu) would leave a gap", l,
                           (unsigned long long)i);
        if (!tlog_hash_equal(old, &nodes[k].hash))
            return tr_fail(err, TR_EINVAL, "hash", "node (%d, %llu) is already held with another hash", l,
                           (unsigned long long)i);
    }
    for (int l = 0; l < 63; l++)
        if (mem_reserve(&m->level[l], next[l]) != 0) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    for (size_t k = 0; k < n; k++) {
        mem_level *lv = &m->level[nodes[k].node.level];
        uint64_t i = nodes[k].node.index;
        lv->h[i] = nodes[k].hash;
        if (i >= lv->n) lv->n = i + 1;
    }
    return 0;
}

static int mem_read(void *ctx, const tlog_node *nodes, size_t n, tlog_hash *hashes, tr_err *err) {
    const tlog_memstore *m = ctx;
    for (size_t k = 0; k < n; k++) {
        int l = nodes[k].level;
        if (l < 0 || l >= 63 || nodes[k].index >= m->level[l].n)
            return tr_fail(err, TR_ENOTFOUND, "", "node (%d, %llu) is not stored", l,
                           (unsigned long long)nodes[k].index);
        hashes[k] = m->level[l].h[nodes[k].index];
    }
    return 0;
}

tlog_reader tlog_memstore_reader(tlog_memstore *m) {
    return (tlog_reader){m, mem_read};
}
