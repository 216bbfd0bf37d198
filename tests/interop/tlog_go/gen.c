/*
 * gen.c — the C side of the interoperability test of truce's transparency log with Go's
 * golang.org/x/mod/sumdb/{note,tlog} (see run.sh and main.go).
 *
 *   gen emit        builds a log of 1,000 random entries with the tlog engine, signs
 *                   checkpoints at sizes 300 and 1000 with a fresh key and prints JSON:
 *                   the verifier key, both signed checkpoints, inclusion proofs (index,
 *                   entry, leaf hash, proof), consistency proofs, and every tile and entry
 *                   bundle of the size-1000 tree under its C2SP path.
 *   gen emit-tampered  the same with one bit of one consistency proof flipped.
 *   gen check       reads the JSON main.go prints in its "sign" mode (a checkpoint signed
 *                   by a key Go generated, over a tree Go built, with Go's proofs) and
 *                   verifies all of it with the tlog engine.
 *
 * Exits 0 when everything verified, 1 otherwise. Base64 is standard and padded.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines/tlog.h"

#define ORIGIN "truce.example/interop"
#define N_ENTRIES 1000

static char *b64(const void *data, size_t len) {
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(cap);
    if (s == NULL) exit(1);
    sodium_bin2base64(s, cap, data, len, sodium_base64_VARIANT_ORIGINAL);
    return s;
}

static json_t *jb64(const void *data, size_t len) {
    char *s = b64(data, len);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *jproof(const tlog_hash *p, size_t len) {
    json_t *a = json_array();
    for (size_t k = 0; k < len; k++)
        json_array_append_new(a, jb64(p[k].b, TLOG_HASH_SIZE));
    return a;
}

static void die(const char *what, const tr_err *err) {
    fprintf(stderr, "gen: %s: %s%s%s\n", what, err ? err->msg : "", err && err->field[0] ? " at " : "",
            err ? err->field : "");
    exit(1);
}

/* ---------------------------------------------------------------- emit */

typedef struct emitter {
    tlog_reader r;
    uint64_t size;
    uint8_t (*entries)[128];
    size_t *lens;
    json_t *files;
} emitter;

static int emit_tile(void *ctx, const tlog_tile *t) {
    emitter *e = ctx;
    tr_err err = {0};
    char path[TLOG_TILE_PATH_MAX];
    if (tlog_tile_path(t, path, sizeof path, &err) != 0) die("tile path", &err);
    uint8_t buf[TLOG_TILE_WIDTH * (2 + 128)];
    size_t len = 0;
    if (t->level == TLOG_TILE_ENTRIES) {
        for (unsigned k = 0; k < t->width; k++) {
            uint64_t i = t->index * TLOG_TILE_WIDTH + k;
            if (tlog_bundle_add(buf, sizeof buf, &len, e->entries[i], e->lens[i], &err) != 0)
                die("bundle", &err);
        }
    } else if (tlog_tile_read(&e->r, t, e->size, buf, sizeof buf, &len, &err) != 0) {
        die("tile read", &err);
    }
    json_object_set_new(e->files, path, jb64(buf, len));
    return 0;
}

static json_t *inclusion(const tlog_reader *r, uint64_t i, uint64_t n, const uint8_t *entry, size_t elen) {
    tlog_hash leaf, proof[TLOG_PROOF_MAX];
    size_t len = 0;
    tr_err err = {0};
    tlog_hash_leaf(entry, elen, &leaf);
    if (tlog_prove_inclusion(r, i, n, proof, &len, &err) != 0) die("inclusion proof", &err);
    return json_pack("{s:I, s:I, s:o, s:o, s:o}", "index", (json_int_t)i, "size", (json_int_t)n, "entry",
                     jb64(entry, elen), "leaf", jb64(leaf.b, TLOG_HASH_SIZE), "proof", jproof(proof, len));
}

static json_t *consistency(const tlog_reader *r, uint64_t m, uint64_t n, int tamper) {
    tlog_hash proof[TLOG_PROOF_MAX], rm, rn;
    size_t len = 0;
    tr_err err = {0};
    if (tlog_prove_consistency(r, m, n, proof, &len, &err) != 0) die("consistency proof", &err);
    if (tamper && len > 0) proof[len / 2].b[7] ^= 0x10;
    if (tlog_root_at(r, m, &rm, &err) != 0 || tlog_root_at(r, n, &rn, &err) != 0) die("root", &err);
    return json_pack("{s:I, s:I, s:o, s:o, s:o}", "old", (json_int_t)m, "new", (json_int_t)n, "old_root",
                     jb64(rm.b, TLOG_HASH_SIZE), "new_root", jb64(rn.b, TLOG_HASH_SIZE), "proof",
                     jproof(proof, len));
}

static json_t *signed_checkpoint(const tlog_tree *t, const tlog_signer *s) {
    tlog_checkpoint cp = {.size = t->size};
    snprintf(cp.origin, sizeof cp.origin, "%s", ORIGIN);
    tlog_tree_root(t, &cp.root);
    char *note = NULL;
    size_t len = 0;
    tr_err err = {0};
    if (tlog_checkpoint_sign(&cp, s, 1, &note, &len, &err) != 0) die("sign", &err);
    json_t *j = json_pack("{s:I, s:s%}", "size", (json_int_t)t->size, "note", note, len);
    free(note);
    return j;
}

/* With tamper, one bit of the 300 -> 1000 consistency proof is flipped, so that run.sh
 * can show the Go side rejects it. */
static int emit(int tamper) {
    tr_err err = {0};
    tlog_signer s;
    tlog_verifier v;
    if (tlog_key_generate(ORIGIN, &s, &v, &err) != 0) die("key", &err);
    char vkey[TLOG_KEY_STRING_MAX];
    if (tlog_verifier_encode(&v, vkey, sizeof vkey, &err) != 0) die("vkey", &err);

    static uint8_t entries[N_ENTRIES][128];
    static size_t lens[N_ENTRIES];
    tlog_memstore *ms = tlog_memstore_new();
    tlog_tree t;
    tlog_tree_init(&t);
    json_t *cps = json_array();
    for (uint64_t i = 0; i < N_ENTRIES; i++) {
        lens[i] = i == 0 ? 0 : 1 + randombytes_uniform(127); /* entry 0 is empty */
        randombytes_buf(entries[i], lens[i]);
        tlog_hash leaf;
        tlog_node_hash nodes[63];
        size_t nn = 0;
        tlog_hash_leaf(entries[i], lens[i], &leaf);
        if (tlog_tree_append(&t, &leaf, nodes, &nn, &err) != 0 || tlog_memstore_put(ms, nodes, nn, &err) != 0)
            die("append", &err);
        if (t.size == 300 || t.size == N_ENTRIES) json_array_append_new(cps, signed_checkpoint(&t, &s));
    }
    tlog_signer_wipe(&s);

    tlog_reader r = tlog_memstore_reader(ms);
    json_t *inc = json_array(), *con = json_array();
    const uint64_t idx[] = {0, 1, 2, 127, 255, 256, 257, 298, 299, 300, 511, 512, 767, 768, 998, 999};
    for (size_t k = 0; k < sizeof idx / sizeof *idx; k++) {
        uint64_t i = idx[k];
        if (i < 300) json_array_append_new(inc, inclusion(&r, i, 300, entries[i], lens[i]));
        json_array_append_new(inc, inclusion(&r, i, N_ENTRIES, entries[i], lens[i]));
    }
    for (int k = 0; k < 20; k++) {
        uint64_t n = 1 + randombytes_uniform(N_ENTRIES), i = randombytes_uniform((uint32_t)n);
        json_array_append_new(inc, inclusion(&r, i, n, entries[i], lens[i]));
    }
    const uint64_t pairs[][2] = {{300, 1000}, {1, 1000},   {2, 3},       {255, 256}, {256, 1000}, {257, 1000},
                                 {512, 1000}, {999, 1000}, {1000, 1000}, {300, 300}, {7, 300}};
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++)
        json_array_append_new(con, consistency(&r, pairs[k][0], pairs[k][1], tamper && k == 0));
    for (int k = 0; k < 20; k++) {
        uint64_t n = 1 + randombytes_uniform(N_ENTRIES), m = 1 + randombytes_uniform((uint32_t)n);
        json_array_append_new(con, consistency(&r, m, n, 0));
    }

    emitter e = {r, N_ENTRIES, entries, lens, json_object()};
    if (tlog_tiles_new(0, N_ENTRIES, emit_tile, &e) != 0) die("tiles", NULL);

    json_t *out = json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:I, s:o}}", "origin", ORIGIN, "vkey", vkey,
                            "checkpoints", cps, "inclusion", inc, "consistency", con, "tiles", "size",
                            (json_int_t)N_ENTRIES, "files", e.files);
    json_dumpf(out, stdout, JSON_INDENT(1));
    putchar('\n');
    json_decref(out);
    tlog_memstore_free(ms);
    return 0;
}

/* ---------------------------------------------------------------- check */

static int failures;

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "gen check: FAILED: %s\n", what);
        failures++;
    }
}

static int hash_of(json_t *j, tlog_hash *h) {
    const char *s = json_string_value(j);
    return s != NULL && tlog_hash_from_base64(s, strlen(s), h, "hash", NULL) == 0;
}

static size_t proof_of(json_t *a, tlog_hash *p) {
    size_t n = json_array_size(a);
    if (n > TLOG_PROOF_MAX) return SIZE_MAX;
    for (size_t k = 0; k < n; k++)
        if (!hash_of(json_array_get(a, k), &p[k])) return SIZE_MAX;
    return n;
}

/* The Go side's checkpoints, keyed by size. */
typedef struct go_cp {
    uint64_t size;
    tlog_hash root;
} go_cp;

static const tlog_hash *root_for(const go_cp *cps, size_t n, uint64_t size) {
    for (size_t k = 0; k < n; k++)
        if (cps[k].size == size) return &cps[k].root;
    return NULL;
}

static int check_go(void) {
    json_error_t je;
    json_t *in = json_loadf(stdin, 0, &je);
    if (in == NULL) {
        fprintf(stderr, "gen check: bad JSON: %s\n", je.text);
        return 1;
    }
    tr_err err = {0};
    tlog_verifier v;
    const char *vkey = json_string_value(json_object_get(in, "vkey"));
    const char *origin = json_string_value(json_object_get(in, "origin"));
    check(vkey && origin && tlog_verifier_parse(vkey, &v, &err) == 0, "parse Go's verifier key");

    go_cp cps[8];
    size_t ncps = 0;
    json_t *j;
    size_t k;
    json_array_foreach(json_object_get(in, "checkpoints"), k, j) {
        const char *note = json_string_value(json_object_get(j, "note"));
        tlog_checkpoint cp;
        int ok = note && ncps < 8 && tlog_checkpoint_open(note, strlen(note), &v, 1, origin, &cp, &err) == 0;
        check(ok, "open a checkpoint Go signed");
        if (!ok) continue;
        check(cp.size == (uint64_t)json_integer_value(json_object_get(j, "size")), "checkpoint size");
        cps[ncps++] = (go_cp){cp.size, cp.root};
        /* The same note with one byte changed must fail. */
        char *bad = strdup(note);
        bad[strlen(origin) + 1] ^= 1;
        check(tlog_checkpoint_open(bad, strlen(bad), &v, 1, origin, &cp, NULL) != 0, "reject a changed note");
        free(bad);
    }
    size_t ninc = 0, ncon = 0;
    json_array_foreach(json_object_get(in, "inclusion"), k, j) {
        uint64_t i = (uint64_t)json_integer_value(json_object_get(j, "index"));
        uint64_t n = (uint64_t)json_integer_value(json_object_get(j, "size"));
        const char *e64 = json_string_value(json_object_get(j, "entry"));
        uint8_t entry[256];
        size_t elen = 0;
        tlog_hash leaf, p[TLOG_PROOF_MAX];
        size_t len = proof_of(json_object_get(j, "proof"), p);
        const tlog_hash *root = root_for(cps, ncps, n);
        int ok = e64 && sodium_base642bin(entry, sizeof entry, e64, strlen(e64), NULL, &elen, NULL,
                                          sodium_base64_VARIANT_ORIGINAL) == 0;
        tlog_hash_leaf(entry, elen, &leaf);
        ok = ok && root && len != SIZE_MAX && tlog_verify_inclusion(&leaf, i, n, root, p, len, &err) == 0;
        check(ok, "verify an inclusion proof Go made");
        ninc += ok;
    }
    json_array_foreach(json_object_get(in, "consistency"), k, j) {
        uint64_t m = (uint64_t)json_integer_value(json_object_get(j, "old"));
        uint64_t n = (uint64_t)json_integer_value(json_object_get(j, "new"));
        tlog_hash p[TLOG_PROOF_MAX];
        size_t len = proof_of(json_object_get(j, "proof"), p);
        const tlog_hash *rm = root_for(cps, ncps, m), *rn = root_for(cps, ncps, n);
        int ok = rm && rn && len != SIZE_MAX && tlog_verify_consistency(m, n, rm, rn, p, len, &err) == 0;
        check(ok, "verify a consistency proof Go made");
        ncon += ok;
    }
    if (failures == 0)
        printf("C verified %zu checkpoints signed by Go (key %s), %zu inclusion and %zu consistency proofs "
               "Go made\n",
               ncps, vkey, ninc, ncon);
    json_decref(in);
    return failures ? 1 : 0;
}

int main(int argc, char **argv) {
    if (sodium_init() < 0) return 1;
    if (argc == 2 && strcmp(argv[1], "emit") == 0) return emit(0);
    if (argc == 2 && strcmp(argv[1], "emit-tampered") == 0) return emit(1);
    if (argc == 2 && strcmp(argv[1], "check") == 0) return check_go();
    fprintf(stderr, "usage: gen emit | gen emit-tampered | gen check < go.json\n");
    return 2;
}
