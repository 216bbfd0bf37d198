/*
 * test_tlog_witness.c — unit tests of witnesses (src/engines/tlog_witness.c): the C2SP
 * test vectors of signed-note (the example.com/foo verifier key and note),
 * tlog-cosignature (the example cosignature line, its timestamp and signed message) and
 * tlog-witness (the example add-checkpoint request and response), the cosignature vectors
 * of transparency-dev/formats (a native type-0x04 verifier key, a timestamp), cosigning
 * and checking, and every answer of add-checkpoint — including a split view: two logs
 * with the same key and origin that diverge, of which one witness cosigns only one.
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
#include "engines/tlog_witness.h"

/* ---------------------------------------------------------------- helpers */

/* A log of n entries "<tag> k": its tree and nodes. */
typedef struct test_log {
    tlog_tree tree;
    tlog_memstore *ms;
} test_log;

static void log_grow(test_log *l, const char *tag, uint64_t n) {
    while (l->tree.size < n) {
        char e[64];
        int len = snprintf(e, sizeof e, "%s %llu", tag, (unsigned long long)l->tree.size);
        tlog_hash leaf;
        tlog_node_hash nodes[63];
        size_t nn;
        tlog_hash_leaf(e, (size_t)len, &leaf);
        assert_int_equal(tlog_tree_append(&l->tree, &leaf, nodes, &nn, NULL), 0);
        assert_int_equal(tlog_memstore_put(l->ms, nodes, nn, NULL), 0);
    }
}

static void log_init(test_log *l) {
    tlog_tree_init(&l->tree);
    l->ms = tlog_memstore_new();
    assert_non_null(l->ms);
}

/* A signed checkpoint of l at its current size (free()). */
static char *log_sign(const test_log *l, const tlog_signer *s, size_t *len) {
    tlog_checkpoint cp = {.size = l->tree.size};
    snprintf(cp.origin, sizeof cp.origin, "%s", s->name);
    tlog_tree_root(&l->tree, &cp.root);
    char *note = NULL;
    assert_int_equal(tlog_checkpoint_sign(&cp, s, 1, &note, len, NULL), 0);
    return note;
}

/* An add-checkpoint request from old to l's size (free()). */
static char *request(test_log *l, const tlog_signer *s, uint64_t old, tlog_witness_req *req) {
    tlog_hash proof[TLOG_PROOF_MAX];
    size_t np = 0, nl = 0, bl = 0;
    tlog_reader r = tlog_memstore_reader(l->ms);
    if (old <= l->tree.size)
        assert_int_equal(tlog_prove_consistency(&r, old, l->tree.size, proof, &np, NULL), 0);
    char *note = log_sign(l, s, &nl), *body = NULL;
    assert_int_equal(tlog_witness_req_format(old, proof, np, note, nl, &body, &bl, NULL), 0);
    free(note);
    assert_int_equal(tlog_witness_req_parse(body, bl, req, NULL), 0);
    return body;
}

/* Asks the witness state w about l's checkpoint from old; on 200 records it. */
static int submit(tlog_witness_log *w, test_log *l, const tlog_signer *s, uint64_t old,
                  tlog_witness_verdict *v) {
    tlog_witness_req req;
    char *body = request(l, s, old, &req);
    int status = tlog_witness_check(w, 1, &req, v);
    if (status == 200) {
        w->size = v->cp.size;
        w->root = v->cp.root;
    }
    free(body);
    return status;
}

static void witness_for(const tlog_signer *s, tlog_witness_log *w) {
    memset(w, 0, sizeof *w);
    snprintf(w->origin, sizeof w->origin, "%s", s->name);
    tlog_signer_verifier(s, &w->keys[0]);
    w->nkeys = 1;
    tlog_hash_empty(&w->root);
}

/* ---------------------------------------------------------------- C2SP vectors */

/* signed-note: "The following verifier key verifies the following signed note". */
static void test_c2sp_signed_note_vector(void **state) {
    (void)state;
    static const char vkey[] = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    static const char msg[] =
        "This is an example message.\n\n"
        "\xE2\x80\x94 example.com/foo "
        "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    tlog_verifier v;
    tlog_note note;
    assert_int_equal(tlog_verifier_parse(vkey, &v, NULL), 0);
    assert_int_equal(tlog_note_open(msg, strlen(msg), &v, 1, &note, NULL), 0);
    assert_int_equal(note.nverified, 1);
    assert_int_equal(note.text_len, strlen("This is an example message.\n"));
    char bad[sizeof msg];
    memcpy(bad, msg, sizeof msg);
    bad[5] = 'I';
    assert_int_equal(tlog_note_open(bad, strlen(bad), &v, 1, &note, NULL), TR_EAUTH);
    /* A plain note key is not a witness key. */
    assert_int_equal(tlog_cosig_vkey_parse(vkey, &v, NULL), TR_EINVAL);
}

static const char COSIGNED[] =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
    "\xE2\x80\x94 example.com/behind-the-sofa "
    "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "\xE2\x80\x94 witness.example.com/w1 "
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/"
    "zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

/* tlog-cosignature: the example cosigned checkpoint and the example signed message. The
 * spec gives no public key, so the line is checked for its layout (key ID, the timestamp of
 * the example message) and a key of ours signs the spec's message bytes exactly. */
static void test_c2sp_cosignature_vector(void **state) {
    (void)state;
    tlog_note note;
    assert_int_equal(tlog_note_parse(COSIGNED, strlen(COSIGNED), &note, NULL), 0);
    assert_int_equal(note.nsigs, 2);
    const tlog_note_sig *s = &note.sigs[1];
    assert_string_equal(s->name, "witness.example.com/w1");
    uint8_t raw[80];
    size_t n = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, COSIGNED + s->b64_off, s->b64_len, NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(n, TLOG_COSIG_BYTES);
    uint64_t ts = 0;
    for (int k = 0; k < 8; k++)
        ts = ts << 8 | raw[4 + k];
    assert_int_equal(ts, 1679315147); /* "time 1679315147" in the spec's signed message */
    assert_int_equal(s->key_id,
                     (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3]);

    /* Our cosigner signs exactly the spec's message. */
    static const char message[] = "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
                                  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    tlog_signer signer;
    tlog_cosigner c;
    tlog_verifier v;
    assert_int_equal(tlog_key_generate("witness.example.com/w1", &signer, NULL, NULL), 0);
    tlog_cosigner_from_signer(&signer, &c);
    tlog_cosigner_verifier(&c, &v);
    char line[TLOG_COSIG_LINE_MAX];
    size_t ll = 0;
    assert_int_equal(tlog_cosign(&c, COSIGNED, note.text_len, 1679315147, line, sizeof line, &ll, NULL), 0);
    assert_int_equal(ll, strlen(line));
    const char *b64 = line + 4 + strlen("witness.example.com/w1") + 1;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, b64, strlen(b64) - 1, NULL, &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(n, TLOG_COSIG_BYTES);
    assert_int_equal(crypto_sign_verify_detached(raw + 12, (const uint8_t *)message, strlen(message), v.pk),
                     0);

    /* The spec's line by a key with its name and key ID, but not its key: invalid; by another
     * key ID: ignored. */
    tlog_verifier fake = v;
    fake.key_id = s->key_id;
    tlog_cosig_status st[2];
    size_t nvalid = 9;
    tlog_verifier both[2] = {fake, v};
    assert_int_equal(tlog_cosigs_check(COSIGNED, strlen(COSIGNED), both, 2, st, &nvalid, NULL), 0);
    assert_int_equal(st[0].state, TLOG_COSIG_INVALID);
    assert_int_equal(st[1].state, TLOG_COSIG_ABSENT);
    assert_int_equal(nvalid, 0);
    tlog_signer_wipe(&signer);
    tlog_cosigner_wipe(&c);
}

/* transparency-dev/formats note_cosigv1_test.go: a native Ed25519 cosignature/v1 verifier
 * key (type 0x04: its key ID is computed with 0x04) and a plain one (0x01). */
static void test_transparency_dev_vectors(void **state) {
    (void)state;
    tlog_verifier v;
    assert_int_equal(tlog_cosig_vkey_parse(
                         "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", &v, NULL),
                     0);
    assert_string_equal(v.name, "remora.n621.de");
    assert_int_equal(v.key_id, 0xda77ade7);
    char back[TLOG_KEY_STRING_MAX];
    assert_int_equal(tlog_cosig_vkey_encode(&v, back, sizeof back, NULL), 0);
    assert_string_equal(back, "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
    /* A wrong key ID, a plain note key, garbage: refused. */
    assert_int_equal(tlog_cosig_vkey_parse(
                         "remora.n621.de+da77ade8+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", &v, NULL),
                     TR_EINVAL);
    assert_int_equal(
        tlog_cosig_vkey_parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", &v, NULL),
        TR_EINVAL);
    assert_int_equal(
        tlog_verifier_parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6", &v, NULL), 0);
    assert_int_equal(tlog_cosig_vkey_parse("rekor.sigstore.dev+12345678+AwEB", &v, NULL), TR_EINVAL);
    /* The timestamp of their cosignature vector. */
    static const char sig[] = "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/"
                              "iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==";
    uint8_t raw[80];
    size_t n = 0;
    assert_int_equal(
        sodium_base642bin(raw, sizeof raw, sig, strlen(sig), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL),
        0);
    assert_int_equal(n, TLOG_COSIG_BYTES);
    uint64_t ts = 0;
    for (int k = 0; k < 8; k++)
        ts = ts << 8 | raw[4 + k];
    assert_int_equal(ts, 1727964367);
}

/* tlog-witness: the example request body and response body. */
static void test_c2sp_witness_vectors(void **state) {
    (void)state;
    static const char body[] =
        "old 20852014\n"
        "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
        "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
        "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
        "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
        "\n"
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n"
        "\xE2\x80\x94 example.com/behind-the-sofa "
        "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
        "\xE2\x80\x94 example.com/behind-the-sofa "
        "opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";
    tlog_witness_req req;
    assert_int_equal(tlog_witness_req_parse(body, strlen(body), &req, NULL), 0);
    assert_int_equal(req.old_size, 20852014);
    assert_int_equal(req.nproof, 4);
    char b64[TLOG_HASH_B64_SIZE];
    tlog_hash_to_base64(&req.proof[3], b64);
    assert_string_equal(b64, "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=");
    tlog_note note;
    tlog_checkpoint cp;
    assert_int_equal(tlog_note_parse(req.note, req.note_len, &note, NULL), 0);
    assert_int_equal(note.nsigs, 2);
    assert_int_equal(tlog_checkpoint_parse(req.note, note.text_len, &cp, NULL), 0);
    assert_int_equal(cp.size, 20852163);
    /* Formatting the parsed request gives the same bytes back. */
    char *again = NULL;
    size_t len = 0;
    assert_int_equal(tlog_witness_req_format(req.old_size, req.proof, req.nproof, req.note, req.note_len,
                                             &again, &len, NULL),
                     0);
    assert_int_equal(len, strlen(body));
    assert_memory_equal(again, body, len);
    free(again);
    /* The example response: signature lines a log appends to its checkpoint. */
    static const char resp[] =
        "\xE2\x80\x94 witness.example/w1 "
        "CMp+6LWBU0anHGH5aNDTJkH/"
        "gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3DXDqI5G2HgLatVs0pWh6Up69HVOw==\n"
        "\xE2\x80\x94 witness.example/w1 "
        "I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64vWhO+DlkL0+UfzuOBMh9ChdMkP1vi/"
        "lCAsmlw==\n"
        "\xE2\x80\x94 witness.example/w2 "
        "AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKbYKA7nC3HNJhm/"
        "kWl7oJlqU3rXXvpysAdyP3wQ==\n";
    char all[2048];
    snprintf(all, sizeof all, "%.*s%s", (int)req.note_len, req.note, resp);
    assert_int_equal(tlog_note_parse(all, strlen(all), &note, NULL), 0);
    assert_int_equal(note.nsigs, 5);
    assert_string_equal(note.sigs[4].name, "witness.example/w2");
    /* Malformed bodies. */
    static const char *const bad[] = {
        "old 01\n\nx\n",
        "old -1\n\nx\n",
        "olds 1\n\nx\n",
        "old 1\nnot-a-hash\n\nx\n",
        "old 1\n",
        "old 1\n\n",
        "",
        "old 9223372036854775808\n\nx\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(tlog_witness_req_parse(bad[i], strlen(bad[i]), &req, NULL), TR_EINVAL);
    char many[64 * 46 + 64];
    size_t off = (size_t)snprintf(many, sizeof many, "old 1\n");
    for (int i = 0; i < 64; i++)
        off += (size_t)snprintf(many + off, sizeof many - off, "%s\n", b64);
    snprintf(many + off, sizeof many - off, "\nx\n");
    assert_int_equal(tlog_witness_req_parse(many, strlen(many), &req, NULL), TR_EINVAL);
}

/* ---------------------------------------------------------------- cosigning */

static void test_cosign_and_check(void **state) {
    (void)state;
    tlog_signer s1, s2, logkey;
    tlog_cosigner c1, c2;
    tlog_verifier w[3];
    assert_int_equal(tlog_key_generate("w1.example", &s1, NULL, NULL), 0);
    assert_int_equal(tlog_key_generate("w2.example", &s2, NULL, NULL), 0);
    assert_int_equal(tlog_key_generate("log.example", &logkey, NULL, NULL), 0);
    tlog_cosigner_from_signer(&s1, &c1);
    tlog_cosigner_from_signer(&s2, &c2);
    tlog_cosigner_verifier(&c1, &w[0]);
    tlog_cosigner_verifier(&c2, &w[1]);
    w[2] = w[0]; /* the same witness twice counts once */
    /* The vkey round trip, and its key ID is not the note key's. */
    char vk[TLOG_KEY_STRING_MAX];
    tlog_verifier back, plain;
    assert_int_equal(tlog_cosig_vkey_encode(&w[0], vk, sizeof vk, NULL), 0);
    assert_int_equal(tlog_cosig_vkey_parse(vk, &back, NULL), 0);
    assert_memory_equal(&back, &w[0], sizeof back);
    tlog_signer_verifier(&s1, &plain);
    assert_int_not_equal(plain.key_id, w[0].key_id);
    assert_int_equal(tlog_verifier_parse(vk, &plain, NULL), TR_EINVAL);

    test_log l;
    log_init(&l);
    log_grow(&l, "e", 5);
    size_t len = 0;
    char *note = log_sign(&l, &logkey, &len);
    tlog_note parsed;
    assert_int_equal(tlog_note_parse(note, len, &parsed, NULL), 0);
    char line[TLOG_COSIG_LINE_MAX], all[4096];
    size_t ll = 0, nvalid = 0;
    assert_int_equal(tlog_cosign(&c1, note, parsed.text_len, 1700000000, line, sizeof line, &ll, NULL), 0);
    snprintf(all, sizeof all, "%s%s", note, line);
    tlog_cosig_status st[3];
    assert_int_equal(tlog_cosigs_check(all, strlen(all), w, 3, st, &nvalid, NULL), 0);
    assert_int_equal(st[0].state, TLOG_COSIG_VALID);
    assert_int_equal(st[0].timestamp, 1700000000);
    assert_int_equal(st[1].state, TLOG_COSIG_ABSENT);
    assert_int_equal(nvalid, 1);
    /* The log's own signature still opens, the cosignature is ignored by the log key. */
    tlog_verifier lv;
    tlog_signer_verifier(&logkey, &lv);
    assert_int_equal(tlog_note_open(all, strlen(all), &lv, 1, &parsed, NULL), 0);
    /* A cosignature does not verify as a plain note signature by the same key. */
    assert_int_equal(tlog_note_open(all, strlen(all), &plain, 0, &parsed, NULL), TR_EAUTH);
    /* Two witnesses. */
    assert_int_equal(tlog_cosign(&c2, note, parsed.text_len, 1700000001, line, sizeof line, &ll, NULL), 0);
    strcat(all, line);
    assert_int_equal(tlog_cosigs_check(all, strlen(all), w, 3, st, &nvalid, NULL), 0);
    assert_int_equal(nvalid, 2);
    /* The same line over another checkpoint's text: invalid. */
    char *other = strdup(all);
    other[strlen("log.example\n")] = other[strlen("log.example\n")] == '5' ? '6' : '5';
    assert_int_equal(tlog_cosigs_check(other, strlen(other), w, 2, st, &nvalid, NULL), 0);
    assert_int_equal(st[0].state, TLOG_COSIG_INVALID);
    assert_int_equal(st[1].state, TLOG_COSIG_INVALID);
    assert_int_equal(nvalid, 0);
    free(other);
    /* Timestamps of 0 and above 2^63-1 are refused; texts without a final newline too. */
    assert_int_equal(tlog_cosign(&c1, note, parsed.text_len, 0, line, sizeof line, &ll, NULL), TR_EINVAL);
    assert_int_equal(tlog_cosign(&c1, note, parsed.text_len, 1ULL << 63, line, sizeof line, &ll, NULL),
                     TR_EINVAL);
    assert_int_equal(tlog_cosign(&c1, note, parsed.text_len - 1, 5, line, sizeof line, &ll, NULL), TR_EINVAL);
    free(note);
    tlog_memstore_free(l.ms);
}

/* ---------------------------------------------------------------- add-checkpoint */

static void test_witness_answers(void **state) {
    (void)state;
    tlog_signer logkey, other;
    assert_int_equal(tlog_key_generate("centre.example/log", &logkey, NULL, NULL), 0);
    assert_int_equal(tlog_key_generate("centre.example/log", &other, NULL, NULL),
                     0); /* same name, other key */
    tlog_witness_log w;
    witness_for(&logkey, &w);
    tlog_witness_verdict v;
    test_log l;
    log_init(&l);
    log_grow(&l, "e", 10);
    /* 200 from nothing with old 0. */
    assert_int_equal(submit(&w, &l, &logkey, 0, &v), 200);
    assert_int_equal(w.size, 10);
    assert_int_equal(v.text_len, strlen("centre.example/log\n10\n") + 45);
    /* A stale old size: 409 with the size cosigned. */
    log_grow(&l, "e", 20);
    assert_int_equal(submit(&w, &l, &logkey, 0, &v), 409);
    assert_int_equal(v.known, 10);
    assert_int_equal(submit(&w, &l, &logkey, 12, &v), 409);
    /* An extension with a correct proof: 200; the same checkpoint again: 200 (old size =
     * size, roots equal, empty proof). */
    assert_int_equal(submit(&w, &l, &logkey, 10, &v), 200);
    assert_int_equal(w.size, 20);
    assert_int_equal(submit(&w, &l, &logkey, 20, &v), 200);
    /* old size above the checkpoint's: 400. */
    tlog_witness_req req;
    char *body = request(&l, &logkey, 20, &req);
    req.old_size = 21;
    assert_int_equal(tlog_witness_check(&w, 1, &req, &v), 400);
    /* A proof that does not verify: 422. */
    log_grow(&l, "e", 30);
    free(body);
    body = request(&l, &logkey, 20, &req);
    req.proof[0].b[0] ^= 1;
    assert_int_equal(tlog_witness_check(&w, 1, &req, &v), 422);
    free(body);
    /* Signed by another key of the same name: 403. Unknown origin: 404. */
    body = request(&l, &other, 20, &req);
    assert_int_equal(tlog_witness_check(&w, 1, &req, &v), 403);
    free(body);
    tlog_signer stranger;
    assert_int_equal(tlog_key_generate("stranger.example/log", &stranger, NULL, NULL), 0);
    body = request(&l, &stranger, 20, &req);
    assert_int_equal(tlog_witness_check(&w, 1, &req, &v), 404);
    free(body);
    /* A tampered signature: 403. */
    body = request(&l, &logkey, 20, &req);
    char *sig = strstr(body, "\xE2\x80\x94 ");
    sig[strlen(sig) - 6] = sig[strlen(sig) - 6] == 'A' ? 'B' : 'A';
    assert_int_equal(tlog_witness_check(&w, 1, &req, &v), 403);
    free(body);
    assert_int_equal(w.size, 20);
    tlog_memstore_free(l.ms);
}

/* Size-zero checkpoints and proofs sent with old size 0. */
static void test_witness_empty_tree(void **state) {
    (void)state;
    tlog_signer logkey;
    assert_int_equal(tlog_key_generate("empty.example/log", &logkey, NULL, NULL), 0);
    tlog_witness_log w;
    witness_for(&logkey, &w);
    tlog_witness_verdict v;
    test_log l;
    log_init(&l);
    assert_int_equal(submit(&w, &l, &logkey, 0, &v), 200);
    assert_int_equal(w.size, 0);
    /* Size 0 with another root: 422. */
    tlog_checkpoint cp = {.size = 0};
    snprintf(cp.origin, sizeof cp.origin, "%s", logkey.name);
    memset(cp.root.b, 7, sizeof cp.root.b);
    char *note = NULL, *body = NULL;
    size_t nl = 0, bl = 0;
    assert_int_equal(tlog_checkpoint_sign(&cp, &logkey, 1, &note, &nl, NULL), 0);
    assert_int_equal(tlog_witness_req_format(0, NULL, 0, note, nl, &body, &bl, NULL), 0);
    tlog_witness_req req;
    assert_int_equal(tlog_witness_req_parse(body, bl, &req, NULL), 0);
    assert_int_equal(tlog_witness_check(&w, 1, &req, &v), 422);
    free(note);
    free(body);
    /* A proof with old size 0: 422. */
    log_grow(&l, "e", 3);
    body = request(&l, &logkey, 0, &req);
    req.nproof = 1;
    assert_int_equal(tlog_witness_check(&w, 1, &req, &v), 422);
    req.nproof = 0;
    assert_int_equal(tlog_witness_check(&w, 1, &req, &v), 200);
    free(body);
    tlog_memstore_free(l.ms);
}

/* Two logs with the same key and origin that share 8 entries, then diverge (a split
 * view, or a centre restored from an older backup that grew again): a witness that
 * cosigned one refuses the other, whatever old size and proof the other sends. */
static void test_split_view(void **state) {
    (void)state;
    tlog_signer logkey;
    assert_int_equal(tlog_key_generate("split.example/log", &logkey, NULL, NULL), 0);
    test_log a, b;
    log_init(&a);
    log_init(&b);
    log_grow(&a, "common", 8);
    log_grow(&b, "common", 8);
    log_grow(&a, "A", 12);
    log_grow(&b, "B", 12);
    tlog_witness_log w;
    witness_for(&logkey, &w);
    tlog_witness_verdict v;
    assert_int_equal(submit(&w, &a, &logkey, 0, &v), 200);
    /* B at the same size: the roots differ. */
    assert_int_equal(submit(&w, &b, &logkey, 12, &v), 422);
    /* B larger, with its own proof from 12: not consistent with A's root. */
    log_grow(&b, "B", 15);
    assert_int_equal(submit(&w, &b, &logkey, 12, &v), 422);
    /* B from any other old size: 409, the witness says where it stands. */
    assert_int_equal(submit(&w, &b, &logkey, 8, &v), 409);
    assert_int_equal(v.known, 12);
    assert_int_equal(submit(&w, &b, &logkey, 0, &v), 409);
    /* B shrunk (a restored backup): old size 12 is above its size. */
    test_log c;
    log_init(&c);
    log_grow(&c, "common", 8);
    assert_int_equal(submit(&w, &c, &logkey, 8, &v), 409);
    assert_int_equal(v.known, 12);
    tlog_witness_req req;
    char *body = request(&c, &logkey, 8, &req);
    req.old_size = 12;
    assert_int_equal(tlog_witness_check(&w, 1, &req, &v), 400);
    free(body);
    /* A goes on and is cosigned. */
    log_grow(&a, "A", 20);
    assert_int_equal(submit(&w, &a, &logkey, 12, &v), 200);
    assert_int_equal(w.size, 20);
    tlog_memstore_free(a.ms);
    tlog_memstore_free(b.ms);
    tlog_memstore_free(c.ms);
}

int main(void) {
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c2sp_signed_note_vector),  cmocka_unit_test(test_c2sp_cosignature_vector),
        cmocka_unit_test(test_transparency_dev_vectors), cmocka_unit_test(test_c2sp_witness_vectors),
        cmocka_unit_test(test_cosign_and_check),         cmocka_unit_test(test_witness_answers),
        cmocka_unit_test(test_witness_empty_tree),       cmocka_unit_test(test_split_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
