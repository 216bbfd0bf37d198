/*
 * test_tlog.c — unit tests of the transparency-log engine (src/engines/tlog*): RFC 6962
 * roots and proofs against a naive recursive implementation, the RFC 9162 verifiers on
 * tampered proofs, proofs at huge sizes with O(log n) reads, the in-memory store,
 * C2SP tile paths, tile contents and entry bundles, the tile-backed reader, keys,
 * signed notes (with the Go sumdb/note example key and note, and the C2SP signed-note
 * example) and checkpoints (with the C2SP tlog-checkpoint example).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "engines/tlog.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static void assert_tile_equal(const tlog_tile *a, const tlog_tile *b) {
    assert_int_equal(a->level, b->level);
    assert_int_equal(a->index, b->index);
    assert_int_equal(a->width, b->width);
}

static void assert_verifier_equal(const tlog_verifier *a, const tlog_verifier *b) {
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->key_id, b->key_id);
    assert_memory_equal(a->pk, b->pk, sizeof a->pk);
}

static void hex_to_hash(const char *hex, tlog_hash *h) {
    size_t n = 0;
    assert_int_equal(sodium_hex2bin(h->b, 32, hex, strlen(hex), NULL, &n, NULL), 0);
    assert_int_equal(n, 32);
}

#define assert_hash_equal(x, y) assert_memory_equal((x)->b, (y)->b, TLOG_HASH_SIZE)

/* A log of random entries: leaf hashes, the tree, and its nodes in a memstore. */
typedef struct test_log {
    tlog_hash *leaves;
    uint64_t n;
    tlog_tree tree;
    tlog_memstore *ms;
} test_log;

static void log_build(test_log *lg, uint64_t n) {
    lg->leaves = malloc((size_t)(n ? n : 1) * sizeof(tlog_hash));
    assert_non_null(lg->leaves);
    lg->ms = tlog_memstore_new();
    assert_non_null(lg->ms);
    tlog_tree_init(&lg->tree);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t entry[40];
        size_t len = (size_t)(rnd() % sizeof entry);
        for (size_t k = 0; k < len; k++)
            entry[k] = (uint8_t)rnd();
        tlog_hash_leaf(entry, len, &lg->leaves[i]);
        tlog_node_hash nodes[63];
        size_t nn = 0;
        assert_int_equal(tlog_tree_append(&lg->tree, &lg->leaves[i], nodes, &nn, NULL), 0);
        assert_int_equal(tlog_memstore_put(lg->ms, nodes, nn, NULL), 0);
    }
    lg->n = n;
}

static void log_free(test_log *lg) {
    free(lg->leaves);
    tlog_memstore_free(lg->ms);
}

/* A reader over a memstore that refuses nodes absent at tree size `size` (invariant 5)
 * and counts what it is asked for. */
typedef struct strict_reader {
    tlog_memstore *ms;
    uint64_t size;
    size_t calls, nodes;
} strict_reader;

static int strict_read(void *ctx, const tlog_node *nodes, size_t n, tlog_hash *hashes, tr_err *err) {
    strict_reader *s = ctx;
    s->calls++;
    s->nodes += n;
    for (size_t k = 0; k < n; k++)
        if (nodes[k].index >= s->size >> nodes[k].level)
            return tr_fail(err, TR_EINTERNAL, "", "read node (%d, %llu) beyond size %llu", nodes[k].level,
                           (unsigned long long)nodes[k].index, (unsigned long long)s->size);
    tlog_reader r = tlog_memstore_reader(s->ms);
    return r.read(r.ctx, nodes, n, hashes, err);
}

/* ---------------------------------------------------------------- naive RFC 6962 */

static uint64_t naive_split(uint64_t n) {
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

static void naive_mth(const tlog_hash *d, uint64_t n, tlog_hash *out) {
    if (n == 0) {
        crypto_hash_sha256(out->b, (const uint8_t *)"", 0);
        return;
    }
    if (n == 1) {
        *out = d[0];
        return;
    }
    uint64_t k = naive_split(n);
    tlog_hash l, r;
    naive_mth(d, k, &l);
    naive_mth(d + k, n - k, &r);
    uint8_t buf[65];
    buf[0] = 1;
    memcpy(buf + 1, l.b, 32);
    memcpy(buf + 33, r.b, 32);
    crypto_hash_sha256(out->b, buf, 65);
}

/* RFC 6962 section 2.1.1 PATH(m, D[n]). */
static void naive_path(uint64_t m, const tlog_hash *d, uint64_t n, tlog_hash *out, size_t *len) {
    if (n <= 1) return;
    uint64_t k = naive_split(n);
    if (m < k) {
        naive_path(m, d, k, out, len);
        naive_mth(d + k, n - k, &out[(*len)++]);
    } else {
        naive_path(m - k, d + k, n - k, out, len);
        naive_mth(d, k, &out[(*len)++]);
    }
}

/* RFC 6962 section 2.1.2 SUBPROOF(m, D[n], b). */
static void naive_subproof(uint64_t m, const tlog_hash *d, uint64_t n, int b, tlog_hash *out, size_t *len) {
    if (m == n) {
        if (!b) naive_mth(d, n, &out[(*len)++]);
        return;
    }
    uint64_t k = naive_split(n);
    if (m <= k) {
        naive_subproof(m, d, k, b, out, len);
        naive_mth(d + k, n - k, &out[(*len)++]);
    } else {
        naive_subproof(m - k, d + k, n - k, 0, out, len);
        naive_mth(d, k, &out[(*len)++]);
    }
}

/* ---------------------------------------------------------------- hashing and roots */

static void test_empty_and_vectors(void **state) {
    (void)state;
    tlog_hash h, want, root;
    tlog_hash_empty(&h);
    hex_to_hash("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", &want);
    assert_hash_equal(&h, &want);
    tlog_tree t;
    tlog_tree_init(&t);
    tlog_tree_root(&t, &root);
    assert_hash_equal(&root, &want);
    tlog_memstore *ms = tlog_memstore_new();
    tlog_reader r = tlog_memstore_reader(ms);
    assert_int_equal(tlog_root_at(&r, 0, &root, NULL), 0);
    assert_hash_equal(&root, &want);

    /* The certificate-transparency reference vectors: roots of the first n of 8 leaves. */
    static const struct {
        const char *hex;
        size_t len;
    } in[8] = {{"", 0},
               {"00", 1},
               {"10", 1},
               {"2021", 2},
               {"3031", 2},
               {"40414243", 4},
               {"5051525354555657", 8},
               {"606162636465666768696a6b6c6d6e6f", 16}};
    static const char *roots[8] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                                   "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                                   "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                                   "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                                   "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                                   "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                                   "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                                   "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
    for (int i = 0; i < 8; i++) {
        uint8_t entry[16];
        size_t n = 0;
        sodium_hex2bin(entry, sizeof entry, in[i].hex, strlen(in[i].hex), NULL, &n, NULL);
        assert_int_equal(n, in[i].len);
        tlog_hash leaf;
        tlog_hash_leaf(entry, n, &leaf);
        tlog_node_hash nodes[63];
        size_t nn = 0;
        assert_int_equal(tlog_tree_append(&t, &leaf, nodes, &nn, NULL), 0);
        assert_int_equal(tlog_memstore_put(ms, nodes, nn, NULL), 0);
        tlog_tree_root(&t, &root);
        hex_to_hash(roots[i], &want);
        assert_hash_equal(&root, &want);
        assert_int_equal(tlog_root_at(&r, (uint64_t)i + 1, &root, NULL), 0);
        assert_hash_equal(&root, &want);
    }
    tlog_memstore_free(ms);
}

static void test_roots_against_naive(void **state) {
    (void)state;
    test_log lg;
    log_build(&lg, 300);
    strict_reader sr = {lg.ms, 0, 0, 0};
    tlog_reader r = {&sr, strict_read};
    tlog_tree t;
    tlog_tree_init(&t);
    for (uint64_t n = 0; n <= 300; n++) {
        tlog_hash want, got;
        naive_mth(lg.leaves, n, &want);
        tlog_tree_root(&t, &got); /* the frontier, grown one leaf at a time */
        assert_hash_equal(&got, &want);
        sr.size = n;
        assert_int_equal(tlog_root_at(&r, n, &got, NULL), 0);
        assert_hash_equal(&got, &want);
        tlog_tree loaded;
        assert_int_equal(tlog_tree_load(&loaded, n, &r, NULL), 0);
        tlog_tree_root(&loaded, &got);
        assert_hash_equal(&got, &want);
        if (n < 300) {
            tlog_node_hash nodes[63];
            size_t nn = 0;
            assert_int_equal(tlog_tree_append(&t, &lg.leaves[n], nodes, &nn, NULL), 0);
            /* Invariant 3: 1 + trailing ones of n nodes, the leaf first. */
            assert_int_equal(nn, 1 + (size_t)__builtin_ctzll(~n));
            assert_int_equal(nodes[0].node.level, 0);
            assert_int_equal(nodes[0].node.index, n);
            assert_hash_equal(&nodes[0].hash, &lg.leaves[n]);
        }
    }
    for (int l = 0; l < 10; l++)
        assert_int_equal(tlog_memstore_count(lg.ms, l), 300 >> l);
    log_free(&lg);
}

/* ---------------------------------------------------------------- proofs */

#define PROOF_N 70

static void tamper_inclusion(const tlog_hash *leaf, uint64_t i, uint64_t n, const tlog_hash *root,
                             const tlog_hash *proof, size_t len) {
    tlog_hash p[TLOG_PROOF_MAX + 1];
    memcpy(p, proof, len * sizeof *p);
    for (size_t k = 0; k < len; k++) { /* each element, one bit */
        p[k].b[rnd() % 32] ^= (uint8_t)(1u << (rnd() % 8));
        assert_int_equal(tlog_verify_inclusion(leaf, i, n, root, p, len, NULL), TR_EAUTH);
        p[k] = proof[k];
    }
    if (len > 0) assert_int_equal(tlog_verify_inclusion(leaf, i, n, root, p, len - 1, NULL), TR_EAUTH);
    p[len] = *root;
    assert_int_equal(tlog_verify_inclusion(leaf, i, n, root, p, len + 1, NULL), TR_EAUTH);
    tlog_hash bad = *leaf;
    bad.b[0] ^= 1;
    assert_int_equal(tlog_verify_inclusion(&bad, i, n, root, p, len, NULL), TR_EAUTH);
    assert_int_equal(tlog_verify_inclusion(leaf, i, n, &bad, p, len, NULL), TR_EAUTH);
    if (n > 1) /* the same proof for the neighbouring index */
        assert_int_not_equal(tlog_verify_inclusion(leaf, i ^ 1, n, root, p, len, NULL), 0);
}

static void test_inclusion_all_pairs(void **state) {
    (void)state;
    test_log lg;
    log_build(&lg, PROOF_N);
    strict_reader sr = {lg.ms, 0, 0, 0};
    tlog_reader r = {&sr, strict_read};
    for (uint64_t n = 1; n <= PROOF_N; n++) {
        tlog_hash root;
        naive_mth(lg.leaves, n, &root);
        sr.size = n;
        for (uint64_t i = 0; i < n; i++) {
            tlog_hash proof[TLOG_PROOF_MAX], want[TLOG_PROOF_MAX];
            size_t len = 0, wlen = 0;
            sr.calls = 0;
            assert_int_equal(tlog_prove_inclusion(&r, i, n, proof, &len, NULL), 0);
            assert_true(sr.calls <= 1); /* one batch read */
            naive_path(i, lg.leaves, n, want, &wlen);
            assert_int_equal(len, wlen);
            for (size_t k = 0; k < len; k++)
                assert_hash_equal(&proof[k], &want[k]);
            assert_int_equal(tlog_verify_inclusion(&lg.leaves[i], i, n, &root, proof, len, NULL), 0);
            tamper_inclusion(&lg.leaves[i], i, n, &root, proof, len);
        }
        tlog_hash proof[TLOG_PROOF_MAX];
        size_t len = 0;
        tr_err err = {0};
        assert_int_equal(tlog_prove_inclusion(&r, n, n, proof, &len, &err), TR_EINVAL);
        assert_string_equal(err.field, "index");
        assert_int_equal(tlog_verify_inclusion(&lg.leaves[0], n, n, &root, proof, 0, NULL), TR_EINVAL);
    }
    log_free(&lg);
}

static void test_consistency_all_pairs(void **state) {
    (void)state;
    test_log lg;
    log_build(&lg, PROOF_N);
    strict_reader sr = {lg.ms, 0, 0, 0};
    tlog_reader r = {&sr, strict_read};
    tlog_hash roots[PROOF_N + 1];
    for (uint64_t n = 0; n <= PROOF_N; n++)
        naive_mth(lg.leaves, n, &roots[n]);
    for (uint64_t n = 1; n <= PROOF_N; n++) {
        sr.size = n;
        for (uint64_t m = 0; m <= n; m++) {
            tlog_hash proof[TLOG_PROOF_MAX + 1], want[TLOG_PROOF_MAX];
            size_t len = 0, wlen = 0;
            assert_int_equal(tlog_prove_consistency(&r, m, n, proof, &len, NULL), 0);
            if (m > 0 && m < n) naive_subproof(m, lg.leaves, n, 1, want, &wlen);
            assert_int_equal(len, wlen);
            for (size_t k = 0; k < len; k++)
                assert_hash_equal(&proof[k], &want[k]);
            assert_int_equal(tlog_verify_consistency(m, n, &roots[m], &roots[n], proof, len, NULL), 0);

            /* Tampering: any element, either root, a shorter or longer proof, other sizes. */
            for (size_t k = 0; k < len; k++) {
                proof[k].b[rnd() % 32] ^= 0x80;
                assert_int_equal(tlog_verify_consistency(m, n, &roots[m], &roots[n], proof, len, NULL),
                                 TR_EAUTH);
                proof[k] = want[k];
            }
            tlog_hash bad = roots[n];
            bad.b[31] ^= 1;
            if (m > 0) /* the empty tree is a prefix of every tree */
                assert_int_equal(tlog_verify_consistency(m, n, &roots[m], &bad, proof, len, NULL), TR_EAUTH);
            bad = roots[m];
            bad.b[31] ^= 1;
            assert_int_equal(tlog_verify_consistency(m, n, &bad, &roots[n], proof, len, NULL), TR_EAUTH);
            if (len > 0)
                assert_int_equal(tlog_verify_consistency(m, n, &roots[m], &roots[n], proof, len - 1, NULL),
                                 TR_EAUTH);
            proof[len] = roots[n];
            assert_int_equal(tlog_verify_consistency(m, n, &roots[m], &roots[n], proof, len + 1, NULL),
                             TR_EAUTH);
            if (m > 0 && m < n - 1)
                assert_int_not_equal(
                    tlog_verify_consistency(m + 1, n, &roots[m + 1], &roots[n], proof, len, NULL), 0);
        }
        tlog_hash proof[TLOG_PROOF_MAX];
        size_t len = 0;
        assert_int_equal(tlog_prove_consistency(&r, n + 1, n, proof, &len, NULL), TR_EINVAL);
        assert_int_equal(tlog_verify_consistency(n + 1, n, &roots[n], &roots[n], proof, 0, NULL), TR_EINVAL);
    }
    log_free(&lg);
}

/* A tree whose leaves are all the same: node (l, i) = N_l for every i, so any size,
 * even 2^63 - 1, can be read without storing anything. */
typedef struct uniform_reader {
    tlog_hash level[63];
    uint64_t size;
    size_t calls, nodes;
} uniform_reader;

static int uniform_read(void *ctx, const tlog_node *nodes, size_t n, tlog_hash *hashes, tr_err *err) {
    uniform_reader *u = ctx;
    u->calls++;
    u->nodes += n;
    for (size_t k = 0; k < n; k++) {
        if (nodes[k].index >= u->size >> nodes[k].level)
            return tr_fail(err, TR_EINTERNAL, "", "node beyond the tree");
        hashes[k] = u->level[nodes[k].level];
    }
    return 0;
}

static void test_huge_trees(void **state) {
    (void)state;
    uniform_reader u;
    tlog_hash_leaf("truce", 5, &u.level[0]);
    for (int l = 1; l < 63; l++)
        tlog_hash_node(&u.level[l - 1], &u.level[l - 1], &u.level[l]);
    tlog_reader r = {&u, uniform_read};
    const uint64_t sizes[] = {10000000, 10000001, (1ULL << 40) + 12345, TLOG_SIZE_MAX - 1, TLOG_SIZE_MAX};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        uint64_t n = sizes[s];
        u.size = n;
        tlog_hash root;
        assert_int_equal(tlog_root_at(&r, n, &root, NULL), 0);
        tlog_tree t;
        assert_int_equal(tlog_tree_load(&t, n, &r, NULL), 0);
        tlog_hash root2;
        tlog_tree_root(&t, &root2);
        assert_hash_equal(&root, &root2);
        for (int rep = 0; rep < 50; rep++) {
            uint64_t i = rep == 0 ? 0 : rep == 1 ? n - 1 : rnd() % n;
            tlog_hash proof[TLOG_PROOF_MAX];
            size_t len = 0;
            u.calls = u.nodes = 0;
            assert_int_equal(tlog_prove_inclusion(&r, i, n, proof, &len, NULL), 0);
            assert_int_equal(u.calls, 1);
            assert_true(u.nodes <= 2 * 63); /* O(log n): the path and one right edge */
            assert_int_equal(tlog_verify_inclusion(&u.level[0], i, n, &root, proof, len, NULL), 0);

            uint64_t m = rep == 0 ? 1 : rep == 1 ? n - 1 : 1 + rnd() % n;
            u.size = m;
            tlog_hash root_m;
            assert_int_equal(tlog_root_at(&r, m, &root_m, NULL), 0);
            u.size = n;
            u.calls = u.nodes = 0;
            assert_int_equal(tlog_prove_consistency(&r, m, n, proof, &len, NULL), 0);
            assert_true(u.calls <= 1);
            assert_true(u.nodes <= 2 * 63 + 1);
            assert_int_equal(tlog_verify_consistency(m, n, &root_m, &root, proof, len, NULL), 0);
        }
    }
    tlog_tree t;
    tlog_tree_init(&t);
    t.size = TLOG_SIZE_MAX;
    tlog_node_hash nodes[63];
    size_t nn = 0;
    assert_int_equal(tlog_tree_append(&t, &u.level[0], nodes, &nn, NULL), TR_EINVAL);
    assert_int_equal(tlog_root_at(&r, TLOG_SIZE_MAX + 1, &u.level[0], NULL), TR_EINVAL);
}

static void test_memstore(void **state) {
    (void)state;
    tlog_memstore *ms = tlog_memstore_new();
    tlog_hash a, b;
    tlog_hash_leaf("a", 1, &a);
    tlog_hash_leaf("b", 1, &b);
    tlog_node_hash one = {{0, 0}, a};
    assert_int_equal(tlog_memstore_put(ms, &one, 1, NULL), 0);
    assert_int_equal(tlog_memstore_put(ms, &one, 1, NULL), 0); /* the same again is fine */
    tlog_node_hash gap[2] = {{{0, 1}, b}, {{0, 3}, b}};
    tr_err err = {0};
    assert_int_equal(tlog_memstore_put(ms, gap, 2, &err), TR_EINVAL);
    assert_int_equal(tlog_memstore_count(ms, 0), 1); /* nothing of a failed put is kept */
    tlog_node_hash other = {{0, 0}, b};
    assert_int_equal(tlog_memstore_put(ms, &other, 1, &err), TR_EINVAL);
    assert_string_equal(err.field, "hash");
    tlog_reader r = tlog_memstore_reader(ms);
    tlog_node want = {0, 1};
    assert_int_equal(r.read(r.ctx, &want, 1, &a, NULL), TR_ENOTFOUND);
    tlog_memstore_free(ms);
}

/* ---------------------------------------------------------------- tiles */

static void test_tile_paths(void **state) {
    (void)state;
    static const struct {
        tlog_tile t;
        const char *path;
    } ok[] = {
        {{0, 1234067, 256}, "tile/0/x001/x234/067"},
        {{0, 0, 256}, "tile/0/000"},
        {{1, 0, 5}, "tile/1/000.p/5"},
        {{2, 999, 255}, "tile/2/999.p/255"},
        {{0, 1000, 256}, "tile/0/x001/000"},
        {{63, 7, 1}, "tile/63/007.p/1"},
        {{TLOG_TILE_ENTRIES, 5, 256}, "tile/entries/005"},
        {{TLOG_TILE_ENTRIES, 1234067, 112}, "tile/entries/x001/x234/067.p/112"},
        {{0, UINT64_MAX, 1}, "tile/0/x018/x446/x744/x073/x709/x551/615.p/1"},
    };
    for (size_t k = 0; k < sizeof ok / sizeof *ok; k++) {
        char buf[TLOG_TILE_PATH_MAX];
        assert_int_equal(tlog_tile_path(&ok[k].t, buf, sizeof buf, NULL), 0);
        assert_string_equal(buf, ok[k].path);
        tlog_tile t;
        assert_int_equal(tlog_tile_parse_path(ok[k].path, &t, NULL), 0);
        assert_int_equal(t.level, ok[k].t.level);
        assert_int_equal(t.index, ok[k].t.index);
        assert_int_equal(t.width, ok[k].t.width);
    }
    static const char *bad[] = {"",
                                "tile",
                                "tile/",
                                "tile/0",
                                "tile/0/",
                                "/tile/0/000",
                                "tile/0/1234067",
                                "tile/00/000",
                                "tile/64/000",
                                "tile/-1/000",
                                "tile/ 0/000",
                                "tile/data/000",
                                "tile/8/0/000",
                                "tile/0/x000/001",
                                "tile/0/000.p/0",
                                "tile/0/000.p/256",
                                "tile/0/000.p/01",
                                "tile/0/000.p/",
                                "tile/0/000.p/5/",
                                "tile/0/000.P/5",
                                "tile/0/00",
                                "tile/0/0000",
                                "tile/0/x001",
                                "tile/0/x001/",
                                "tile/0/001/",
                                "tile/0/x01/000",
                                "tile/0/001x",
                                "tile/entries/x001/x002",
                                "tile/entries/",
                                "tile/0/000/",
                                "tile/0/x999/x999/x999/x999/x999/x999/999",
                                "tile/0/x018/x446/x744/x073/x709/x551/616",
                                "tile/0/x001/x002/x003/x004/x005/x006/x007/008",
                                "tile/0/000.p/5\n",
                                "tile/0/abc"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        tlog_tile t = {9, 9, 9};
        tr_err err = {0};
        if (tlog_tile_parse_path(bad[k], &t, &err) != TR_EINVAL) fail_msg("accepted bad path '%s'", bad[k]);
        assert_string_equal(err.field, "path");
        assert_int_equal(t.level, 9); /* untouched */
    }
    for (int k = 0; k < 2000; k++) { /* random round trips */
        tlog_tile t = {(int)(rnd() % 65) - 1, rnd() >> (rnd() % 64), 1 + (unsigned)(rnd() % 256)}, u;
        char buf[TLOG_TILE_PATH_MAX];
        assert_int_equal(tlog_tile_path(&t, buf, sizeof buf, NULL), 0);
        assert_int_equal(tlog_tile_parse_path(buf, &u, NULL), 0);
        assert_tile_equal(&t, &u);
    }
    tlog_tile t = {0, 0, 0};
    char buf[TLOG_TILE_PATH_MAX];
    assert_int_equal(tlog_tile_path(&t, buf, sizeof buf, NULL), TR_EINVAL);
}

typedef struct tile_list {
    tlog_tile t[1024];
    size_t n;
} tile_list;

static int collect_tile(void *ctx, const tlog_tile *t) {
    tile_list *l = ctx;
    if (l->n == 1024) return TR_ETOOBIG;
    l->t[l->n++] = *t;
    return 0;
}

static size_t count_tiles(const tile_list *l, int level, unsigned width) {
    size_t c = 0;
    for (size_t k = 0; k < l->n; k++)
        c += l->t[k].level == level && l->t[k].width == width;
    return c;
}

/* The root of a full tile's 256 hashes (the level-above hash of that tile). */
static void tile_root(const uint8_t *data, tlog_hash *out) {
    tlog_hash h[256];
    for (int k = 0; k < 256; k++)
        memcpy(h[k].b, data + 32 * k, 32);
    for (int c = 256; c > 1; c /= 2)
        for (int k = 0; k < c / 2; k++)
            tlog_hash_node(&h[2 * k], &h[2 * k + 1], &h[k]);
    *out = h[0];
}

static void test_tiles(void **state) {
    (void)state;
    test_log lg;
    log_build(&lg, 70000);
    tlog_reader r = tlog_memstore_reader(lg.ms);

    /* The C2SP example: a tree of 70,000 entries. */
    tile_list *l = calloc(1, sizeof *l);
    assert_int_equal(tlog_tiles_new(0, 70000, collect_tile, l), 0);
    assert_int_equal(count_tiles(l, 0, 256), 273);
    assert_int_equal(count_tiles(l, 0, 112), 1);
    assert_int_equal(count_tiles(l, TLOG_TILE_ENTRIES, 256), 273);
    assert_int_equal(count_tiles(l, TLOG_TILE_ENTRIES, 112), 1);
    assert_int_equal(count_tiles(l, 1, 256), 1);
    assert_int_equal(count_tiles(l, 1, 17), 1);
    assert_int_equal(count_tiles(l, 2, 1), 1);
    assert_int_equal(l->n, 2 * 274 + 3);
    l->n = 0; /* "a tree of size 256: a full level 0 tile and a partial level 1 tile of width 1" */
    assert_int_equal(tlog_tiles_new(0, 256, collect_tile, l), 0);
    assert_int_equal(l->n, 3);
    assert_int_equal(count_tiles(l, 0, 256), 1);
    assert_int_equal(count_tiles(l, 1, 1), 1);

    /* Around the 256 boundaries: every published tile holds what the spec says. */
    const uint64_t sizes[] = {1, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537, 70000};
    uint8_t *data = malloc(TLOG_TILE_WIDTH * TLOG_HASH_SIZE);
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        uint64_t n = sizes[s];
        l->n = 0;
        assert_int_equal(tlog_tiles_new(s ? sizes[s - 1] : 0, n, collect_tile, l), 0);
        assert_true(l->n > 0);
        for (size_t k = 0; k < l->n; k++) {
            const tlog_tile *t = &l->t[k];
            size_t len = 0;
            assert_int_equal(tlog_tile_check(t, n, NULL), 0);
            if (t->level == TLOG_TILE_ENTRIES) {
                assert_int_equal(tlog_tile_read(&r, t, n, data, 8192, &len, NULL), TR_EINVAL);
                continue;
            }
            assert_int_equal(tlog_tile_read(&r, t, n, data, 8192, &len, NULL), 0);
            assert_int_equal(len, 32 * (size_t)t->width);
            tlog_tile at;
            assert_int_equal(tlog_tile_at(t->level, t->index, n, &at, NULL), 0);
            assert_tile_equal(&at, t);
            for (unsigned j = 0; j < t->width; j++) {
                uint64_t i = t->index * 256 + j; /* hash j covers entries [i*256^L, (i+1)*256^L) */
                uint64_t span = 1ULL << (8 * t->level);
                tlog_hash want;
                naive_mth(lg.leaves + i * span, span, &want);
                assert_memory_equal(data + 32 * j, want.b, 32);
            }
            if (t->level > 0 && t->width > 0) { /* and it is the root of the full tile below */
                uint8_t below[8192];
                tlog_tile b = {t->level - 1, t->index * 256, 256};
                assert_int_equal(tlog_tile_read(&r, &b, n, below, sizeof below, &len, NULL), 0);
                tlog_hash h;
                tile_root(below, &h);
                assert_memory_equal(data, h.b, 32);
            }
        }
        /* A tile beyond the tree does not exist; a narrower partial tile still does. */
        tlog_tile beyond = {0, n / 256, (unsigned)(n % 256) + 1};
        if (beyond.width <= 256) assert_int_equal(tlog_tile_check(&beyond, n, NULL), TR_ENOTFOUND);
        if (n % 256 > 1) {
            tlog_tile narrow = {0, n / 256, 1};
            assert_int_equal(tlog_tile_check(&narrow, n, NULL), 0);
        }
    }
    tlog_tile none;
    assert_int_equal(tlog_tile_at(0, 1, 256, &none, NULL), TR_ENOTFOUND);
    assert_int_equal(tlog_tile_at(1, 0, 255, &none, NULL), TR_ENOTFOUND);
    assert_int_equal(tlog_tiles_new(5, 4, collect_tile, l), TR_EINVAL);
    free(data);
    free(l);
    log_free(&lg);
}

/* Tiles served from a memstore, read back through tlog_tile_reader. */
typedef struct tile_server {
    tlog_memstore *ms;
    uint64_t n;
    size_t fetches;
} tile_server;

static int serve_tile(void *ctx, const tlog_tile *t, uint8_t *out, tr_err *err) {
    tile_server *s = ctx;
    tlog_reader r = tlog_memstore_reader(s->ms);
    size_t len = 0;
    s->fetches++;
    return tlog_tile_read(&r, t, s->n, out, 8192, &len, err);
}

static void test_tile_reader(void **state) {
    (void)state;
    test_log lg;
    log_build(&lg, 70000);
    const uint64_t sizes[] = {1, 2, 255, 256, 257, 4097, 65536, 69999, 70000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        uint64_t n = sizes[s];
        tile_server srv = {lg.ms, n, 0};
        tlog_tile_reader *tr = tlog_tile_reader_new(n, (tlog_tile_source){&srv, serve_tile});
        assert_non_null(tr);
        tlog_reader r = tlog_tile_reader_reader(tr), mr = tlog_memstore_reader(lg.ms);
        tlog_hash root, want;
        assert_int_equal(tlog_root_at(&r, n, &root, NULL), 0);
        naive_mth(lg.leaves, n, &want);
        assert_hash_equal(&root, &want);
        for (int rep = 0; rep < 20; rep++) {
            uint64_t i = rnd() % n, m = 1 + rnd() % n;
            tlog_hash p1[TLOG_PROOF_MAX], p2[TLOG_PROOF_MAX];
            size_t l1 = 0, l2 = 0;
            assert_int_equal(tlog_prove_inclusion(&r, i, n, p1, &l1, NULL), 0);
            assert_int_equal(tlog_prove_inclusion(&mr, i, n, p2, &l2, NULL), 0);
            assert_int_equal(l1, l2);
            assert_memory_equal(p1, p2, l1 * sizeof *p1);
            assert_int_equal(tlog_verify_inclusion(&lg.leaves[i], i, n, &root, p1, l1, NULL), 0);
            assert_int_equal(tlog_prove_consistency(&r, m, n, p1, &l1, NULL), 0);
            assert_int_equal(tlog_prove_consistency(&mr, m, n, p2, &l2, NULL), 0);
            assert_int_equal(l1, l2);
            assert_memory_equal(p1, p2, l1 * sizeof *p1);
        }
        tlog_node past = {0, n};
        tlog_hash h;
        assert_int_equal(r.read(r.ctx, &past, 1, &h, NULL), TR_ENOTFOUND);
        tlog_tile_reader_free(tr);
    }
    log_free(&lg);
}

static void test_bundles(void **state) {
    (void)state;
    uint8_t buf[4096];
    size_t len = 0;
    const char *entries[] = {"", "a", "party add", "{\"kind\":\"notice\"}"};
    for (int k = 0; k < 4; k++)
        assert_int_equal(tlog_bundle_add(buf, sizeof buf, &len, entries[k], strlen(entries[k]), NULL), 0);
    assert_int_equal(len, 8 + 0 + 1 + 9 + 17);
    assert_int_equal(buf[0], 0);
    assert_int_equal(buf[1], 0);
    assert_int_equal(buf[2], 0);
    assert_int_equal(buf[3], 1);
    assert_int_equal(buf[4], 'a');
    const uint8_t *e[8];
    size_t lens[8], n = 0;
    assert_int_equal(tlog_bundle_split(buf, len, e, lens, 8, &n, NULL), 0);
    assert_int_equal(n, 4);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(lens[k], strlen(entries[k]));
        assert_memory_equal(e[k], entries[k], lens[k]);
    }
    assert_int_equal(tlog_bundle_split(buf, len - 1, e, lens, 8, &n, NULL), TR_EINVAL);
    assert_int_equal(tlog_bundle_split(buf, 1, e, lens, 8, &n, NULL), TR_EINVAL);
    assert_int_equal(tlog_bundle_split(buf, len, e, lens, 3, &n, NULL), TR_EINVAL);
    assert_int_equal(tlog_bundle_split(buf, 0, e, lens, 8, &n, NULL), 0);
    assert_int_equal(n, 0);

    uint8_t *big = calloc(1, 70000);
    size_t blen = 0;
    assert_int_equal(tlog_bundle_add(big, 70000, &blen, big, 65536, NULL), TR_EINVAL);
    assert_int_equal(tlog_bundle_add(big, 70000, &blen, big + 2, 65535, NULL), 0);
    assert_int_equal(big[0], 0xff);
    assert_int_equal(big[1], 0xff);
    size_t before = len;
    assert_int_equal(tlog_bundle_add(buf, sizeof buf, &len, big, 4095, NULL), TR_EINVAL);
    assert_int_equal(len, before);
    free(big);
}

/* ---------------------------------------------------------------- keys and notes */

/* The example of Go's golang.org/x/mod/sumdb/note documentation (the reference
 * implementation of C2SP signed-note). */
static const char PETER_SKEY[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char PETER_VKEY[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char PETER_TEXT[] = "If you think cryptography is the answer to your problem,\n"
                                 "then you don't know what your problem is.\n";
static const char PETER_NOTE[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

/* The example of the C2SP signed-note specification (c2sp.org/signed-note); the spec
 * gives no public key for it, so it is only parsed. */
static const char C2SP_NOTE[] =
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed \xC3\xA8 subito sera.\n"
    "\n"
    "\xE2\x80\x94 quasimodo.example/salvatore "
    "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

static void test_signed_note_vectors(void **state) {
    (void)state;
    tlog_verifier v;
    assert_int_equal(tlog_verifier_parse(PETER_VKEY, &v, NULL), 0);
    assert_string_equal(v.name, "PeterNeumann");
    assert_int_equal(v.key_id, 0xc74f20a3);
    char buf[TLOG_KEY_STRING_MAX];
    assert_int_equal(tlog_verifier_encode(&v, buf, sizeof buf, NULL), 0);
    assert_string_equal(buf, PETER_VKEY);

    tlog_signer s;
    assert_int_equal(tlog_signer_parse(PETER_SKEY, &s, NULL), 0);
    assert_int_equal(tlog_signer_encode(&s, buf, sizeof buf, NULL), 0);
    assert_string_equal(buf, PETER_SKEY);
    tlog_verifier sv;
    tlog_signer_verifier(&s, &sv);
    assert_verifier_equal(&sv, &v);

    /* Ed25519 is deterministic: signing the text gives the example note exactly. */
    char *msg = NULL;
    size_t len = 0;
    assert_int_equal(tlog_note_sign(PETER_TEXT, strlen(PETER_TEXT), &s, 1, &msg, &len, NULL), 0);
    assert_string_equal(msg, PETER_NOTE);
    assert_int_equal(len, strlen(PETER_NOTE));
    free(msg);
    tlog_signer_wipe(&s);

    tlog_note note;
    assert_int_equal(tlog_note_open(PETER_NOTE, strlen(PETER_NOTE), &v, 1, &note, NULL), 0);
    assert_int_equal(note.text_len, strlen(PETER_TEXT));
    assert_int_equal(note.nsigs, 1);
    assert_int_equal(note.nverified, 1);
    assert_int_equal(note.sigs[0].verifier, 0);
    assert_int_equal(note.sigs[0].key_id, 0xc74f20a3);

    /* Any changed byte makes the note fail: malformed, unknown key or bad signature. */
    char copy[sizeof PETER_NOTE];
    for (size_t i = 0; i < strlen(PETER_NOTE); i++) {
        memcpy(copy, PETER_NOTE, sizeof copy);
        copy[i] ^= (char)(i % 2 ? 0x01 : 0x20);
        int rc = tlog_note_open(copy, strlen(PETER_NOTE), &v, 1, &note, NULL);
        if (rc != TR_EINVAL && rc != TR_EAUTH) fail_msg("byte %zu changed: rc %d", i, rc);
    }
    tr_err err = {0};
    memcpy(copy, PETER_NOTE, sizeof copy);
    copy[0] = 'i';
    assert_int_equal(tlog_note_open(copy, strlen(copy), &v, 1, &note, &err), TR_EAUTH);
    assert_non_null(strstr(err.msg, "PeterNeumann+c74f20a3"));

    /* The C2SP example parses; with no key of its signer it is not accepted. */
    assert_int_equal(tlog_note_parse(C2SP_NOTE, strlen(C2SP_NOTE), &note, NULL), 0);
    assert_int_equal(note.nsigs, 1);
    assert_string_equal(note.sigs[0].name, "quasimodo.example/salvatore");
    assert_int_equal(note.sigs[0].key_id, 0x367ba04b);
    assert_int_equal(note.sigs[0].verifier, -1);
    assert_int_equal(note.text_len, strlen(C2SP_NOTE) - strlen(strstr(C2SP_NOTE, "\n\n\xE2\x80\x94")) + 1);
    assert_int_equal(tlog_note_open(C2SP_NOTE, strlen(C2SP_NOTE), &v, 1, &note, &err), TR_EAUTH);
}

static void test_keys(void **state) {
    (void)state;
    tlog_signer s;
    tlog_verifier v, v2;
    assert_int_equal(tlog_key_generate("truce.example/log", &s, &v, NULL), 0);
    assert_int_equal(v.key_id, tlog_key_id("truce.example/log", v.pk));
    char sk[TLOG_KEY_STRING_MAX], vk[TLOG_KEY_STRING_MAX];
    assert_int_equal(tlog_signer_encode(&s, sk, sizeof sk, NULL), 0);
    assert_int_equal(tlog_verifier_encode(&v, vk, sizeof vk, NULL), 0);
    assert_true(strncmp(sk, "PRIVATE+KEY+truce.example/log+", 30) == 0);
    char idhex[9];
    snprintf(idhex, sizeof idhex, "%08x", v.key_id);
    assert_memory_equal(vk + strlen("truce.example/log+"), idhex, 8);
    tlog_signer s2;
    assert_int_equal(tlog_signer_parse(sk, &s2, NULL), 0);
    assert_string_equal(s2.name, s.name);
    assert_int_equal(s2.key_id, s.key_id);
    assert_memory_equal(s2.sk, s.sk, sizeof s.sk);
    assert_int_equal(tlog_verifier_parse(vk, &v2, NULL), 0);
    assert_verifier_equal(&v2, &v);

    static const char *bad_names[] = {
        "", "a+b", "a b", "tab\there", "nbsp\xC2\xA0", "ideo\xE3\x80\x80", "bad\xFF", "over\xC0\xAF"};
    for (size_t k = 0; k < sizeof bad_names / sizeof *bad_names; k++) {
        assert_false(tlog_name_valid(bad_names[k]));
        assert_int_equal(tlog_key_generate(bad_names[k], &s2, NULL, NULL), TR_EINVAL);
    }
    assert_true(tlog_name_valid("caf\xC3\xA9.example/\xE2\x80\x94"));

    static const char *bad_vkeys[] = {
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",         /* wrong key ID */
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",          /* short ID */
        "PeterNeumann+c74f20ag+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",         /* not hex */
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",         /* unknown type */
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", /* length */
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",          /* bad base64 */
        "PeterNeumann+c74f20a3",
        "PeterNeumann",
        "",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"};
    for (size_t k = 0; k < sizeof bad_vkeys / sizeof *bad_vkeys; k++)
        if (tlog_verifier_parse(bad_vkeys[k], &v2, NULL) != TR_EINVAL)
            fail_msg("accepted '%s'", bad_vkeys[k]);
    assert_int_equal(tlog_signer_parse(PETER_VKEY, &s2, NULL), TR_EINVAL);
    assert_int_equal(
        tlog_signer_parse("PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
                          &s2, NULL),
        TR_EINVAL);
    tlog_signer_wipe(&s);
    tlog_signer_wipe(&s2);
    assert_int_equal(tlog_signer_encode(&s2, sk, sizeof sk, NULL), TR_EINVAL); /* wiped: no name */
}

static void test_notes(void **state) {
    (void)state;
    tlog_signer s[2];
    tlog_verifier v[2];
    assert_int_equal(tlog_key_generate("log.example/a", &s[0], &v[0], NULL), 0);
    assert_int_equal(tlog_key_generate("witness.example/b", &s[1], &v[1], NULL), 0);
    const char text[] = "hello\n\nworld\n";
    char *msg = NULL;
    size_t len = 0;
    assert_int_equal(tlog_note_sign(text, strlen(text), s, 2, &msg, &len, NULL), 0);
    tlog_note note;
    /* Either key alone suffices; the other signature is ignored. */
    assert_int_equal(tlog_note_open(msg, len, &v[1], 1, &note, NULL), 0);
    assert_int_equal(note.text_len, strlen(text));
    assert_int_equal(note.nsigs, 2);
    assert_int_equal(note.nverified, 1);
    assert_int_equal(note.sigs[0].verifier, -1);
    assert_int_equal(note.sigs[1].verifier, 0);
    assert_int_equal(tlog_note_open(msg, len, v, 2, &note, NULL), 0);
    assert_int_equal(note.nverified, 2);
    /* A known key whose signature fails spoils the note, even if another verifies. */
    tlog_verifier wrong = v[0];
    wrong.pk[0] ^= 1;
    tlog_verifier both[2] = {wrong, v[1]};
    assert_int_equal(tlog_note_open(msg, len, both, 2, &note, NULL), TR_EAUTH);
    /* Same name, other key ID: unknown, ignored. */
    wrong = v[0];
    wrong.key_id ^= 1;
    assert_int_equal(tlog_note_open(msg, len, &wrong, 1, &note, NULL), TR_EAUTH);
    assert_int_equal(tlog_note_open(msg, len, NULL, 0, &note, NULL), TR_EAUTH);
    free(msg);

    static const char *bad_texts[] = {"", "no newline", "tab\there\n", "bad \xFF utf8\n"};
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(tlog_note_sign(bad_texts[k], strlen(bad_texts[k]), s, 1, &msg, &len, NULL),
                         TR_EINVAL);
    assert_null(msg);

    char note_buf[8192];
    static const char *bad_notes[] = {
        "text\n",                              /* no signatures */
        "text\n\n",                            /* empty signature block */
        "text\n\n\xE2\x80\x94 a AAAAAA==\n",   /* signature shorter than 5 bytes */
        "text\n\n- a AAAAAAAA\n",              /* not an em dash */
        "text\n\n\xE2\x80\x94 a AAAAAAAA",     /* no final newline */
        "text\n\n\xE2\x80\x94 a+b AAAAAAAA\n", /* '+' in the name */
        "text\n\n\xE2\x80\x94 AAAAAAAA\n",     /* no name */
        "text\n\n\xE2\x80\x94 a AAAAAAAA!\n",  /* not base64 */
        "te\rxt\n\n\xE2\x80\x94 a AAAAAAAA\n", /* a control character */
    };
    for (size_t k = 0; k < sizeof bad_notes / sizeof *bad_notes; k++)
        if (tlog_note_open(bad_notes[k], strlen(bad_notes[k]), v, 2, &note, NULL) != TR_EINVAL)
            fail_msg("accepted bad note %zu", k);
    /* Too many signature lines. */
    size_t off = (size_t)snprintf(note_buf, sizeof note_buf, "text\n\n");
    for (int k = 0; k <= TLOG_NOTE_SIGS_MAX; k++)
        off += (size_t)snprintf(note_buf + off, sizeof note_buf - off, "\xE2\x80\x94 x%d AAAAAAAA\n", k);
    assert_int_equal(tlog_note_parse(note_buf, off, &note, NULL), TR_EINVAL);
    tlog_signer_wipe(&s[0]);
    tlog_signer_wipe(&s[1]);
}

/* ---------------------------------------------------------------- checkpoints */

static void test_checkpoints(void **state) {
    (void)state;
    /* The C2SP tlog-checkpoint example body. */
    const char ex[] = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    tlog_checkpoint c;
    assert_int_equal(tlog_checkpoint_parse(ex, strlen(ex), &c, NULL), 0);
    assert_string_equal(c.origin, "example.com/behind-the-sofa");
    assert_int_equal(c.size, 20852163);
    tlog_hash want;
    hex_to_hash("0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62", &want);
    assert_hash_equal(&c.root, &want);
    assert_null(c.ext);
    char buf[1024];
    size_t len = 0;
    assert_int_equal(tlog_checkpoint_format(&c, buf, sizeof buf, &len, NULL), 0);
    assert_string_equal(buf, ex);

    /* The example of docs/tlog.md: the eight CT vector entries, signed. */
    const char doc_vkey[] = "truce.example/log+ef843893+ARVCcg19lfZICyZFkgxnPLitiGfMZmz4j4mJgMKFneU6";
    const char doc_note[] = "truce.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n"
                            "\xE2\x80\x94 truce.example/log "
                            "74Q4k5cLadg+V5TaX2r55fVbihgdwYLqauR3Wd93vBB5NxYl4mx9lsFz5Xv6c2Kaz/"
                            "wXLgyTU298ksKbMVXZd6yt4w4=\n";
    tlog_verifier dv;
    assert_int_equal(tlog_verifier_parse(doc_vkey, &dv, NULL), 0);
    assert_int_equal(tlog_checkpoint_open(doc_note, strlen(doc_note), &dv, 1, "truce.example/log", &c, NULL), 0);
    assert_int_equal(c.size, 8);
    hex_to_hash("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", &want);
    assert_hash_equal(&c.root, &want);

    /* Round trip with extension lines, signed and opened. */
    tlog_signer s;
    tlog_verifier v;
    assert_int_equal(tlog_key_generate("truce.example/log", &s, &v, NULL), 0);
    tlog_checkpoint cp = {.size = 1000};
    snprintf(cp.origin, sizeof cp.origin, "truce.example/log");
    tlog_hash_leaf("root", 4, &cp.root);
    cp.ext = "time 1700000000\nextra\n";
    cp.ext_len = strlen(cp.ext);
    char *msg = NULL;
    size_t mlen = 0;
    assert_int_equal(tlog_checkpoint_sign(&cp, &s, 1, &msg, &mlen, NULL), 0);
    tlog_checkpoint got;
    assert_int_equal(tlog_checkpoint_open(msg, mlen, &v, 1, "truce.example/log", &got, NULL), 0);
    assert_string_equal(got.origin, cp.origin);
    assert_int_equal(got.size, 1000);
    assert_hash_equal(&got.root, &cp.root);
    assert_int_equal(got.ext_len, cp.ext_len);
    assert_memory_equal(got.ext, cp.ext, cp.ext_len);
    tr_err err = {0};
    assert_int_equal(tlog_checkpoint_open(msg, mlen, &v, 1, "other.example/log", &got, &err), TR_EAUTH);
    assert_string_equal(err.field, "origin");
    msg[strlen("truce.example/log\n")] = '2'; /* 2000 entries claimed */
    assert_int_equal(tlog_checkpoint_open(msg, mlen, &v, 1, NULL, &got, NULL), TR_EAUTH);
    free(msg);
    tlog_signer_wipe(&s);

    static const struct {
        const char *text, *field;
    } bad[] = {
        {"\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "origin"},
        {"o\n05\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "size"},
        {"o\n-5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "size"},
        {"o\n\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "size"},
        {"o\n9223372036854775808\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "size"},
        {"o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2=\n", "root"},
        {"o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "root"}, /* non-canonical */
        {"o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", "root"},
        {"o\n5\n", "root"},
        {"o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\next\n", "ext"},
        {"o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=", "checkpoint"},
        {"o\n5", "checkpoint"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        tr_err e = {0};
        if (tlog_checkpoint_parse(bad[k].text, strlen(bad[k].text), &c, &e) != TR_EINVAL)
            fail_msg("accepted bad checkpoint %zu", k);
        assert_string_equal(e.field, bad[k].field);
    }
    const char max[] = "o\n9223372036854775807\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    assert_int_equal(tlog_checkpoint_parse(max, strlen(max), &c, NULL), 0);
    assert_int_equal(c.size, TLOG_SIZE_MAX);
    const char zero[] = "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
    assert_int_equal(tlog_checkpoint_parse(zero, strlen(zero), &c, NULL), 0);
    assert_int_equal(c.size, 0);

    tlog_checkpoint f = {.size = 1};
    assert_int_equal(tlog_checkpoint_format(&f, buf, sizeof buf, &len, NULL), TR_EINVAL); /* no origin */
    snprintf(f.origin, sizeof f.origin, "two\nlines");
    assert_int_equal(tlog_checkpoint_format(&f, buf, sizeof buf, &len, NULL), TR_EINVAL);
    snprintf(f.origin, sizeof f.origin, "o");
    f.ext = "no newline";
    f.ext_len = strlen(f.ext);
    assert_int_equal(tlog_checkpoint_format(&f, buf, sizeof buf, &len, NULL), TR_EINVAL);
    f.ext = NULL;
    assert_int_equal(tlog_checkpoint_format(&f, buf, 20, &len, NULL), TR_EINVAL);
}

/* The whole flow a log runs: append, sign checkpoints, hand out proofs a client checks
 * against the signed checkpoints only. */
static void test_log_flow(void **state) {
    (void)state;
    test_log lg;
    log_build(&lg, 0);
    tlog_signer s;
    tlog_verifier v;
    assert_int_equal(tlog_key_generate("truce.example/log", &s, &v, NULL), 0);
    tlog_reader r = tlog_memstore_reader(lg.ms);
    char *prev = NULL;
    size_t prev_len = 0;
    for (int round = 0; round < 5; round++) {
        for (int k = 0; k < 97; k++) {
            char entry[32];
            int el = snprintf(entry, sizeof entry, "write %d.%d", round, k);
            tlog_hash leaf;
            tlog_hash_leaf(entry, (size_t)el, &leaf);
            tlog_node_hash nodes[63];
            size_t nn = 0;
            assert_int_equal(tlog_tree_append(&lg.tree, &leaf, nodes, &nn, NULL), 0);
            assert_int_equal(tlog_memstore_put(lg.ms, nodes, nn, NULL), 0);
        }
        tlog_checkpoint cp = {.size = lg.tree.size};
        snprintf(cp.origin, sizeof cp.origin, "truce.example/log");
        tlog_tree_root(&lg.tree, &cp.root);
        char *msg = NULL;
        size_t mlen = 0;
        assert_int_equal(tlog_checkpoint_sign(&cp, &s, 1, &msg, &mlen, NULL), 0);

        tlog_checkpoint now;
        assert_int_equal(tlog_checkpoint_open(msg, mlen, &v, 1, "truce.example/log", &now, NULL), 0);
        char entry[32];
        int el = snprintf(entry, sizeof entry, "write %d.%d", round, 13);
        uint64_t index = (uint64_t)round * 97 + 13;
        tlog_hash leaf, proof[TLOG_PROOF_MAX];
        size_t len = 0;
        tlog_hash_leaf(entry, (size_t)el, &leaf);
        assert_int_equal(tlog_prove_inclusion(&r, index, now.size, proof, &len, NULL), 0);
        assert_int_equal(tlog_verify_inclusion(&leaf, index, now.size, &now.root, proof, len, NULL), 0);
        if (prev != NULL) {
            tlog_checkpoint old;
            assert_int_equal(tlog_checkpoint_open(prev, prev_len, &v, 1, NULL, &old, NULL), 0);
            assert_int_equal(tlog_prove_consistency(&r, old.size, now.size, proof, &len, NULL), 0);
            assert_int_equal(
                tlog_verify_consistency(old.size, now.size, &old.root, &now.root, proof, len, NULL), 0);
        }
        free(prev);
        prev = msg;
        prev_len = mlen;
    }
    free(prev);
    tlog_signer_wipe(&s);
    log_free(&lg);
}

int main(void) {
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_vectors),
        cmocka_unit_test(test_roots_against_naive),
        cmocka_unit_test(test_inclusion_all_pairs),
        cmocka_unit_test(test_consistency_all_pairs),
        cmocka_unit_test(test_huge_trees),
        cmocka_unit_test(test_memstore),
        cmocka_unit_test(test_tile_paths),
        cmocka_unit_test(test_tiles),
        cmocka_unit_test(test_tile_reader),
        cmocka_unit_test(test_bundles),
        cmocka_unit_test(test_signed_note_vectors),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_notes),
        cmocka_unit_test(test_checkpoints),
        cmocka_unit_test(test_log_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
