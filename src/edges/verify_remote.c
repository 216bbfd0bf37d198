/*
 * verify_remote.c — `truce verify --url` and `truce verify receipt`: auditing a running
 * truce over HTTP, from what it publishes, as an independent witness would.
 *
 * The witness audit (verify_remote):
 *  1. GET /v1/log/checkpoint and open it with the verifier key given (it must verify).
 *  2. GET every entry bundle of the tree of that size (/v1/log/tile/entries/N[.p/W]),
 *     hash every entry into a tree rebuilt in memory, and compare its root with the
 *     signed root.
 *  3. GET every hash tile of that size (/v1/log/tile/L/N[.p/W]) and compare it with the
 *     rebuilt tree; compute the root again from the tiles alone (tlog_tile_reader).
 *  4. With --checkpoint FILE (a checkpoint saved by an earlier run): the new checkpoint
 *     must extend it, checked twice: the server's proof (GET /v1/log/consistency) and a
 *     proof computed from the rebuilt tree, both verified with tlog_verify_consistency.
 *  5. With --save FILE, and only when every check passed: write the checkpoint for the
 *     next run (atomically: a temporary file renamed over FILE).
 *
 * HTTP: http_client.h (libcurl, http:// and https://), one handle kept alive for the whole
 * audit, the bearer token sent on every request.
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "edges/http_client.h"
#include "edges/verify.h"

#define ULL(x) ((unsigned long long)(x))
#define BODY_LIMIT ((size_t)64 << 20)

/* ======================================================================== the witness audit */

/* The tiles fetched, by level and index, for the tile reader. */
typedef struct tile_store {
    uint8_t **data[8]; /* data[L][N]: 32*W bytes, or NULL */
    uint64_t count[8];
} tile_store;

static int tile_from_store(void *ctx, const tlog_tile *t, uint8_t *out, tr_err *err) {
    tile_store *ts = ctx;
    if (t->level < 0 || t->level >= 8 || t->index >= ts->count[t->level] || !ts->data[t->level][t->index])
        return tr_fail(err, TR_ENOTFOUND, "", "tile (%d, %llu) was not fetched", t->level, ULL(t->index));
    memcpy(out, ts->data[t->level][t->index], (size_t)t->width * TLOG_HASH_SIZE);
    return TR_OK;
}

typedef struct witness {
    verify__report *r;
    const verify_options *o;
    tlog_verifier wkeys[VERIFY_WITNESSES_MAX]; /* --witness */
    http_client http;
    tlog_verifier key;
    tlog_checkpoint cp; /* the checkpoint audited */
    char *note;         /* its signed note */
    tlog_memstore *mem; /* the tree rebuilt from the entry bundles */
    tlog_tree tree;
    tile_store tiles;
    tr_err err;
} witness;

static int fetch_checkpoint(witness *w) {
    http_body b;
    int rc = http_client_get(&w->http, "/v1/log/checkpoint", &b, &w->err);
    if (rc) return rc;
    w->note = (char *)b.data;
    if (tlog_checkpoint_open(w->note, b.len, &w->key, 1, NULL, &w->cp, &w->err)) {
        verify__fail(w->r, "checkpoint: not signed by the verifier key: %s", w->err.msg);
        return -1;
    }
    w->cp.ext = NULL;
    char root[TLOG_HASH_B64_SIZE];
    tlog_hash_to_base64(&w->cp.root, root);
    fprintf(w->r->out, "checkpoint: %s, size %llu, root %s, signature verified\n", w->cp.origin,
            ULL(w->cp.size), root);
    verify__cosignatures(w->r, w->o, w->wkeys, w->note, b.len, w->cp.size, "checkpoint");
    return TR_OK;
}

/* Fetches entry bundle index (as published at the checkpoint's size) into the tree. */
static int fetch_bundle(witness *w, uint64_t index) {
    tlog_tile t;
    char path[16 + TLOG_TILE_PATH_MAX];
    int rc = tlog_tile_at(0, index, w->cp.size, &t, &w->err);
    if (rc) return rc;
    t.level = TLOG_TILE_ENTRIES;
    memcpy(path, "/v1/log/", 8);
    if ((rc = tlog_tile_path(&t, path + 8, sizeof path - 8, &w->err))) return rc;
    http_body b;
    if ((rc = http_client_get(&w->http, path, &b, &w->err))) return rc;
    const uint8_t *entries[TLOG_TILE_WIDTH];
    size_t lens[TLOG_TILE_WIDTH], n = 0;
    tr_err e = {0};
    if (tlog_bundle_split(b.data, b.len, entries, lens, TLOG_TILE_WIDTH, &n, &e) || n != t.width) {
        verify__fail(w->r, "%s: not an entry bundle of %u entries (%s)", path + 8, t.width,
                     e.msg[0] ? e.msg : "count");
        free(b.data);
        return -1;
    }
    for (size_t k = 0; k < n && rc == TR_OK; k++) {
        tlog_hash leaf;
        tlog_node_hash nodes[63];
        size_t nn;
        tlog_hash_leaf(entries[k], lens[k], &leaf);
        rc = tlog_tree_append(&w->tree, &leaf, nodes, &nn, &w->err);
        if (rc == TR_OK) rc = tlog_memstore_put(w->mem, nodes, nn, &w->err);
    }
    free(b.data);
    return rc;
}

/* Fetches hash tile (level, index) at the checkpoint's size, compares it with the rebuilt
 * tree and keeps it for the tile reader. */
static int fetch_tile(witness *w, int level, uint64_t index) {
    tlog_tile t;
    char path[16 + TLOG_TILE_PATH_MAX];
    int rc = tlog_tile_at(level, index, w->cp.size, &t, &w->err);
    if (rc == TR_OK) rc = tlog_tile_path(&t, path + 8, sizeof path - 8, &w->err);
    if (rc) return rc;
    memcpy(path, "/v1/log/", 8);
    http_body b;
    if ((rc = http_client_get(&w->http, path, &b, &w->err))) return rc;
    size_t want_len = (size_t)t.width * TLOG_HASH_SIZE, len = 0;
    uint8_t *want = malloc(want_len);
    tlog_reader r = tlog_memstore_reader(w->mem);
    if (!want || tlog_tile_read(&r, &t, w->cp.size, want, want_len, &len, &w->err)) {
        free(want);
        free(b.data);
        return w->err.code ? w->err.code : TR_ENOMEM;
    }
    if (b.len != want_len) {
        verify__fail(w->r, "%s: %zu bytes, a tile of width %u has %zu", path + 8, b.len, t.width, want_len);
    } else {
        if (memcmp(b.data, want, want_len) != 0) {
            size_t k = 0;
            while (memcmp(b.data + k * TLOG_HASH_SIZE, want + k * TLOG_HASH_SIZE, TLOG_HASH_SIZE) == 0)
                k++;
            verify__fail(
                w->r, "%s: hash %zu (node (%d, %llu)) differs from the tree rebuilt from the entry bundles",
                path + 8, k, 8 * level, ULL(index * TLOG_TILE_WIDTH + k));
        }
        w->tiles.data[level][index] = b.data; /* kept either way: the root from the tiles is checked too */
        b.data = NULL;
    }
    free(want);
    free(b.data);
    return TR_OK;
}

static int fetch_all(witness *w) {
    uint64_t n = w->cp.size;
    int rc = TR_OK;
    uint64_t bundles = (n + TLOG_TILE_WIDTH - 1) / TLOG_TILE_WIDTH, tiles = 0;
    for (uint64_t i = 0; rc == TR_OK && i < bundles; i++)
        rc = fetch_bundle(w, i);
    if (rc) return rc;
    for (int level = 0; level < 8 && rc == TR_OK; level++) {
        uint64_t hashes = level * TLOG_TILE_HEIGHT < 64 ? n >> (level * TLOG_TILE_HEIGHT) : 0;
        uint64_t count = (hashes + TLOG_TILE_WIDTH - 1) / TLOG_TILE_WIDTH;
        if (!count) break;
        if (!(w->tiles.data[level] = calloc(count, sizeof(uint8_t *))))
            return tr_fail(&w->err, TR_ENOMEM, "", "out of memory");
        w->tiles.count[level] = count;
        for (uint64_t i = 0; rc == TR_OK && i < count; i++, tiles++)
            rc = fetch_tile(w, level, i);
    }
    fprintf(w->r->out, "fetched %llu entry bundles and %llu hash tiles\n", ULL(bundles), ULL(tiles));
    return rc;
}

static void check_roots(witness *w) {
    tlog_hash root;
    char b1[TLOG_HASH_B64_SIZE], b2[TLOG_HASH_B64_SIZE];
    tlog_hash_to_base64(&w->cp.root, b1);
    tlog_tree_root(&w->tree, &root);
    tlog_hash_to_base64(&root, b2);
    if (!tlog_hash_equal(&root, &w->cp.root))
        verify__fail(w->r, "checkpoint: the signed root %s is not the root of the %llu entries served (%s)",
                     b1, ULL(w->tree.size), b2);
    else
        fprintf(w->r->out, "root recomputed from the %llu entries: matches the checkpoint\n",
                ULL(w->tree.size));
    tlog_tile_reader *tr = tlog_tile_reader_new(w->cp.size, (tlog_tile_source){&w->tiles, tile_from_store});
    if (!tr) return;
    tlog_reader r = tlog_tile_reader_reader(tr);
    tr_err e = {0};
    if (tlog_root_at(&r, w->cp.size, &root, &e))
        verify__fail(w->r, "tiles: the root cannot be computed from the tiles served: %s", e.msg);
    else if (!tlog_hash_equal(&root, &w->cp.root))
        verify__fail(w->r, "tiles: the root computed from the tiles served is not the signed root");
    tlog_tile_reader_free(tr);
}

/* The server's consistency proof from the saved checkpoint to the audited one. */
static void check_server_proof(witness *w, const char *path, const tlog_checkpoint *old) {
    char q[128];
    snprintf(q, sizeof q, "/v1/log/consistency?from=%llu&to=%llu", ULL(old->size), ULL(w->cp.size));
    http_body b;
    tr_err e = {0};
    if (http_client_get(&w->http, q, &b, &e)) {
        verify__fail(w->r, "saved checkpoint %s: no consistency proof: %s", path, e.msg);
        return;
    }
    json_t *j = json_loadb((const char *)b.data, b.len, 0, NULL), *p = json_object_get(j, "proof"), *h;
    tlog_hash proof[TLOG_PROOF_MAX];
    size_t n = 0, i;
    int bad = !json_is_array(p) || json_array_size(p) > TLOG_PROOF_MAX;
    json_array_foreach(p, i, h) {
        const char *s = json_string_value(h);
        if (bad || !s || tlog_hash_from_base64(s, strlen(s), &proof[n++], "proof", &e)) bad = 1;
    }
    if (bad)
        verify__fail(w->r, "saved checkpoint %s: the server's consistency proof is malformed", path);
    else if (tlog_verify_consistency(old->size, w->cp.size, &old->root, &w->cp.root, proof, n, &e))
        verify__fail(w->r,
                     "saved checkpoint %s (size %llu): not consistent with the checkpoint of size %llu: the "
                     "server's consistency proof does not verify",
                     path, ULL(old->size), ULL(w->cp.size));
    else
        fprintf(w->r->out,
                "saved checkpoint %s (size %llu): the server's consistency proof to size %llu verifies\n",
                path, ULL(old->size), ULL(w->cp.size));
    json_decref(j);
    free(b.data);
}

static void save_checkpoint(witness *w, const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    size_t len = strlen(w->note);
    bool ok = f && fwrite(w->note, 1, len, f) == len;
    if (f)
        ok = fclose(f) == 0 && ok;
    else if (fd >= 0)
        close(fd);
    if (ok && rename(tmp, path) == 0) {
        fprintf(w->r->out, "saved the checkpoint of size %llu to %s\n", ULL(w->cp.size), path);
        return;
    }
    if (fd >= 0) unlink(tmp);
    verify__fail(w->r, "--save %s: cannot write: %s", path, strerror(errno));
}

int verify_remote(const verify_options *o) {
    verify__report rep = {o->out, 0};
    witness w = {.r = &rep, .o = o};
    int rc = verify__keys(o, &w.key, w.wkeys);
    if (rc) return rc;
    tlog_tree_init(&w.tree);
    fprintf(o->out, "log at %s, verifier key %s\n", o->url, o->key);
    rc = http_client_open(&w.http, o->url, o->token, 0, "--url", &w.err);
    if (rc == TR_OK && !(w.mem = tlog_memstore_new())) rc = tr_fail(&w.err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = fetch_checkpoint(&w);
    if (rc == TR_OK) rc = fetch_all(&w);
    if (rc == TR_OK) check_roots(&w);
    if (rc == TR_OK && o->checkpoint) {
        tlog_reader r = tlog_memstore_reader(w.mem);
        tlog_checkpoint old;
        bool opened;
        verify__saved_checkpoint(&rep, o->checkpoint, &w.key, &r, w.cp.size, &w.cp.root, &old, &opened);
        if (opened && old.size <= w.cp.size) check_server_proof(&w, o->checkpoint, &old);
    }
    if (rc > 0) verify__fail(&rep, "the audit stopped: %s", w.err.msg);
    if (rc == TR_OK && rep.problems == 0 && o->save)
        save_checkpoint(&w, o->save);
    else if (o->save)
        fprintf(o->out, "not saving the checkpoint: the audit failed\n");
    for (int l = 0; l < 8; l++) {
        for (uint64_t i = 0; i < w.tiles.count[l]; i++)
            free(w.tiles.data[l][i]);
        free(w.tiles.data[l]);
    }
    tlog_memstore_free(w.mem);
    free(w.note);
    http_client_close(&w.http);
    return verify__finish(&rep, o->url);
}

/* ======================================================================== receipts */

typedef struct receipt {
    uint64_t index, size;
    const char *entry, *leaf_hash, *note;
    size_t entry_len;
    tlog_hash proof[TLOG_PROOF_MAX];
    size_t nproof;
} receipt;

/* Reads the fields of a receipt (GET /v1/log/receipts/N); problems are reported. */
static bool read_receipt(verify__report *rep, json_t *j, receipt *rc) {
    json_t *idx = json_object_get(j, "index"), *size = json_object_get(j, "tree_size");
    json_t *entry = json_object_get(j, "entry"), *proof = json_object_get(j, "proof"), *h;
    rc->note = json_string_value(json_object_get(j, "checkpoint"));
    rc->leaf_hash = json_string_value(json_object_get(j, "leaf_hash"));
    if (!json_is_integer(idx) || json_integer_value(idx) < 0 || !json_is_integer(size) ||
        json_integer_value(size) < 0 || !json_is_string(entry) || !json_is_array(proof) || !rc->note ||
        json_array_size(proof) > TLOG_PROOF_MAX) {
        verify__fail(rep, "receipt: not a receipt (it needs index, entry, tree_size, proof and checkpoint)");
        return false;
    }
    rc->index = (uint64_t)json_integer_value(idx);
    rc->size = (uint64_t)json_integer_value(size);
    rc->entry = json_string_value(entry);
    rc->entry_len = json_string_length(entry);
    size_t i;
    tr_err e = {0};
    json_array_foreach(proof, i, h) {
        const char *s = json_string_value(h);
        if (!s || tlog_hash_from_base64(s, strlen(s), &rc->proof[i], "proof", &e)) {
            verify__fail(rep, "receipt %llu: proof[%zu] is not a base64 hash", ULL(rc->index), i);
            return false;
        }
    }
    rc->nproof = json_array_size(proof);
    return true;
}

static void check_receipt(verify__report *rep, const verify_options *o, const tlog_verifier *key,
                          const tlog_verifier *wkeys, const receipt *rc) {
    tlog_checkpoint cp;
    tr_err e = {0};
    unsigned long before = rep->problems;
    if (tlog_checkpoint_open(rc->note, strlen(rc->note), key, 1, NULL, &cp, &e)) {
        verify__fail(rep, "receipt %llu: the checkpoint is not signed by the verifier key: %s",
                     ULL(rc->index), e.msg);
        return;
    }
    if (cp.size != rc->size)
        verify__fail(rep, "receipt %llu: tree_size %llu is not the checkpoint's size %llu", ULL(rc->index),
                     ULL(rc->size), ULL(cp.size));
    tlog_hash leaf, given;
    char b64[TLOG_HASH_B64_SIZE];
    tlog_hash_leaf(rc->entry, rc->entry_len, &leaf);
    if (rc->leaf_hash &&
        (tlog_hash_from_base64(rc->leaf_hash, strlen(rc->leaf_hash), &given, "leaf_hash", &e) ||
         !tlog_hash_equal(&given, &leaf)))
        verify__fail(rep, "receipt %llu: leaf_hash is not SHA-256(0x00 || entry)", ULL(rc->index));
    if (tlog_verify_inclusion(&leaf, rc->index, cp.size, &cp.root, rc->proof, rc->nproof, &e))
        verify__fail(rep,
                     "receipt %llu: the inclusion proof does not lead to the signed root of size %llu: %s",
                     ULL(rc->index), ULL(cp.size), e.msg);
    if (rep->problems != before) return;
    tlog_hash_to_base64(&cp.root, b64);
    fprintf(rep->out, "entry %llu: %.*s\n", ULL(rc->index), (int)rc->entry_len, rc->entry);
    fprintf(rep->out, "included in %s at size %llu (root %s), checkpoint signed by %s\n", cp.origin,
            ULL(cp.size), b64, key->name);
    verify__cosignatures(rep, o, wkeys, rc->note, strlen(rc->note), cp.size, "the receipt's checkpoint");
}

int verify_receipt(const verify_options *o) {
    verify__report rep = {o->out, 0};
    tlog_verifier key, wkeys[VERIFY_WITNESSES_MAX];
    int rc = verify__keys(o, &key, wkeys);
    if (rc) return rc;
    char *text = NULL, what[64];
    size_t len = 0;
    tr_err err = {0};
    if (o->receipt) {
        rc = verify__read_file(o->receipt, BODY_LIMIT, &text, &len, &err);
    } else {
        http_client h;
        http_body b = {0};
        snprintf(what, sizeof what, "/v1/log/receipts/%llu", ULL(o->index));
        rc = http_client_open(&h, o->url, o->token, 0, "--url", &err);
        if (rc == TR_OK) rc = http_client_get(&h, what, &b, &err);
        http_client_close(&h);
        text = (char *)b.data;
        len = b.len;
    }
    json_t *j = rc == TR_OK ? json_loadb(text, len, 0, NULL) : NULL;
    receipt r;
    if (rc)
        verify__fail(&rep, "receipt: %s", err.msg);
    else if (!j)
        verify__fail(&rep, "receipt: not JSON");
    else if (read_receipt(&rep, j, &r) && o->has_index && r.index != o->index)
        verify__fail(&rep, "receipt: it is the receipt of entry %llu, not %llu", ULL(r.index), ULL(o->index));
    else if (rep.problems == 0)
        check_receipt(&rep, o, &key, wkeys, &r);
    json_decref(j);
    free(text);
    snprintf(what, sizeof what, "the receipt");
    return verify__finish(&rep, what);
}
