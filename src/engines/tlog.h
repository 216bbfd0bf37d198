/*
 * tlog.h — the pure engine of truce's transparency log: RFC 6962 Merkle hashing, an
 * append-only tree, inclusion and consistency proofs, C2SP tlog-tiles, C2SP
 * signed-note (Ed25519) and C2SP tlog-checkpoint.
 *
 * Layer 3 (engines): in memory, deterministic, no I/O. The engine never stores node
 * hashes itself: it reports the nodes an append completes (tlog_tree_append) and reads
 * the nodes a proof needs through a tlog_reader, so the store can keep them in SQLite,
 * in tile files, or in memory (tlog_memstore, for tests and benchmarks). docs/tlog.md
 * describes the formats for a third party.
 *
 * Design invariants:
 *  1. The tree of size n is the RFC 6962 Merkle tree over entries 0..n-1 with SHA-256:
 *     leaf hash = SHA-256(0x00 || entry), node hash = SHA-256(0x01 || left || right),
 *     and the root of the empty tree is SHA-256("").
 *  2. Node (level l, index i) is the root of the complete subtree over leaves
 *     [i*2^l, (i+1)*2^l). It exists in a tree of size n iff (i+1)*2^l <= n, and once it
 *     exists it never changes. Nodes are the only hashes ever stored. The hash of any
 *     other range (a root, a right edge) is folded, right to left, from the maximal
 *     complete subtrees covering it: at most 63 of them.
 *  3. Appending leaf n completes exactly 1 + (trailing one bits of n) nodes: (0, n) and
 *     its new ancestors. tlog_tree_append reports all of them and nothing else, so a store
 *     that keeps exactly what appends report holds every node of its tree.
 *  4. A tlog_tree holds only its size and its frontier: for each bit l set in the size,
 *     the hash of the complete subtree of 2^l leaves at that place in the right edge. Its
 *     root is the fold of the frontier; append is amortised O(1) hashes.
 *  5. A proof or a root at size n reads only nodes that exist at size n, at most
 *     TLOG_READ_MAX of them, in a single batch call of the reader: O(log n) lookups,
 *     whatever the size.
 *  6. Tile (L, N, W) is the W hashes of the level-8L nodes N*256 .. N*256+W-1; it exists
 *     at tree size n iff (N*256 + W) * 256^L <= n; its bytes never change, and the full
 *     tile (W = 256) extends every partial tile at the same (L, N).
 *  7. Sizes are at most TLOG_SIZE_MAX = 2^63 - 1 (an int64, as in Go's sumdb/tlog and
 *     SQLite), so a path has at most 63 steps and a proof at most TLOG_PROOF_MAX hashes.
 *  8. A signed note is accepted only if at least one signature by a known key verifies and
 *     no signature by a known key fails; signatures by unknown keys are ignored.
 *     Never signing two inconsistent checkpoints is the caller's duty: sign only roots of
 *     one growing tlog_tree.
 *
 * Errors: functions that can fail return 0 or a tr_code and fill the caller's tr_err
 * (see base/err.h): TR_EINVAL for malformed input (a bad path, note, key or checkpoint,
 * an index or size outside the tree), TR_EAUTH when a signature or a proof does not
 * verify (a proof of the wrong length included), TR_ENOTFOUND for a tile that does not
 * exist, TR_ENOMEM, or whatever the reader returned.
 *
 * Ownership: every struct here is a plain value the caller allocates (stack is fine) and
 * that holds no pointers, except tlog_memstore and tlog_tile_reader (opaque, freed with
 * their _free function), the strings tlog_note_sign / tlog_checkpoint_sign return
 * (malloc'd, freed with free()), and tlog_checkpoint.ext, which borrows the parsed text.
 *
 * Threads: the functions keep no global state; a value may be read from many threads and
 * written by one at a time. tlog_signer holds a secret key: wipe it with
 * tlog_signer_wipe.
 */
#ifndef TRUCE_ENGINES_TLOG_H
#define TRUCE_ENGINES_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define TLOG_HASH_SIZE 32
#define TLOG_SIZE_MAX ((uint64_t)INT64_MAX)
#define TLOG_PROOF_MAX 64 /* hashes in the longest proof for a size <= TLOG_SIZE_MAX */
#define TLOG_READ_MAX 256 /* nodes one proof or root reads, at most */

typedef struct tlog_hash {
    uint8_t b[TLOG_HASH_SIZE];
} tlog_hash;

/* A complete subtree: the node over leaves [index*2^level, (index+1)*2^level). */
typedef struct tlog_node {
    int level; /* 0 (a leaf) .. 62 */
    uint64_t index;
} tlog_node;

typedef struct tlog_node_hash {
    tlog_node node;
    tlog_hash hash;
} tlog_node_hash;

/* ======================================================================== hashing */

/* SHA-256(0x00 || entry): the leaf hash of an entry of len bytes. */
void tlog_hash_leaf(const void *entry, size_t len, tlog_hash *out);

/* SHA-256(0x01 || left || right). */
void tlog_hash_node(const tlog_hash *left, const tlog_hash *right, tlog_hash *out);

/* SHA-256(""), the root of the empty tree. */
void tlog_hash_empty(tlog_hash *out);

int tlog_hash_equal(const tlog_hash *a, const tlog_hash *b);

#define TLOG_HASH_B64_SIZE 45 /* 44 characters and a NUL */

/* Standard base64 (RFC 4648 section 4, padded) of h into out. */
void tlog_hash_to_base64(const tlog_hash *h, char out[TLOG_HASH_B64_SIZE]);

/* Decodes exactly 32 bytes from canonical padded base64 (len characters, no NUL needed).
 * TR_EINVAL otherwise; field names the input for the message. */
int tlog_hash_from_base64(const char *s, size_t len, tlog_hash *out, const char *field, tr_err *err);

/* ======================================================================== hash storage */

/*
 * Where node hashes live. read fills hashes[k] with the hash of nodes[k] for k < n (n is
 * at most TLOG_READ_MAX); the engine asks only for nodes that exist at the tree size it
 * works on (invariant 2). It returns 0, or a tr_code with err filled (TR_ENOTFOUND for a
 * node the store lacks, TR_EIO ...), which the engine passes back unchanged. The reader is
 * a borrowed value: the engine keeps no reference after the call returns.
 */
typedef struct tlog_reader {
    void *ctx;
    int (*read)(void *ctx, const tlog_node *nodes, size_t n, tlog_hash *hashes, tr_err *err);
} tlog_reader;

/* ======================================================================== the tree */

typedef struct tlog_tree {
    uint64_t size;          /* leaves appended */
    tlog_hash frontier[63]; /* frontier[l]: the right-edge complete subtree of 2^l
                               leaves; meaningful iff bit l of size is set */
} tlog_tree;

/* An empty tree. */
void tlog_tree_init(tlog_tree *t);

/* Restores t at size from the nodes a reader holds (the frontier: one batch read of at
 * most 63 nodes). Returns 0, TR_EINVAL (size > TLOG_SIZE_MAX) or the reader's error;
 * t is unchanged on error. */
int tlog_tree_load(tlog_tree *t, uint64_t size, const tlog_reader *r, tr_err *err);

/* Appends a leaf hash (see tlog_hash_leaf). Writes the nodes the append completes to
 * out[0 .. *nout-1] in increasing level — at most 63, the leaf first — for the caller to
 * store (invariant 3). Returns 0, or TR_EINVAL when the tree is full. */
int tlog_tree_append(tlog_tree *t, const tlog_hash *leaf, tlog_node_hash out[63], size_t *nout, tr_err *err);

/* The root hash of t at its current size. */
void tlog_tree_root(const tlog_tree *t, tlog_hash *out);

/* ======================================================================== proofs */

/* The root of the tree of size n, from the nodes in r (at most 63 reads). n == 0 gives
 * SHA-256(""). Returns 0, TR_EINVAL (n > TLOG_SIZE_MAX) or the reader's error. */
int tlog_root_at(const tlog_reader *r, uint64_t n, tlog_hash *out, tr_err *err);

/* The RFC 6962 audit path (inclusion proof) of leaf index in the tree of size n, bottom
 * up, into proof[0 .. *len-1]. Returns 0, TR_EINVAL (index >= n, n too large) or the
 * reader's error. */
int tlog_prove_inclusion(const tlog_reader *r, uint64_t index, uint64_t n, tlog_hash proof[TLOG_PROOF_MAX],
                         size_t *len, tr_err *err);

/* The RFC 6962 consistency proof from size m to size n (0 <= m <= n) into proof[0 ..
 * *len-1]; empty when m == 0 or m == n. Returns 0, TR_EINVAL (m > n, n too large) or
 * the reader's error. */
int tlog_prove_consistency(const tlog_reader *r, uint64_t m, uint64_t n, tlog_hash proof[TLOG_PROOF_MAX],
                           size_t *len, tr_err *err);

/* Checks that leaf (a leaf hash) is entry index of the tree of size n with this root,
 * by the algorithm of RFC 9162 section 2.1.3.2. Returns 0, TR_EINVAL (index >= n or
 * n > TLOG_SIZE_MAX) or TR_EAUTH (the proof does not lead to root, or has the wrong
 * length). */
int tlog_verify_inclusion(const tlog_hash *leaf, uint64_t index, uint64_t n, const tlog_hash *root,
                          const tlog_hash *proof, size_t len, tr_err *err);

/* Checks that the tree of size m with root_m is a prefix of the tree of size n with
 * root_n, by the algorithm of RFC 9162 section 2.1.4.2. For m == n the proof must be
 * empty and the roots equal; for m == 0 the proof must be empty and root_m the empty
 * root. Returns 0, TR_EINVAL (m > n or n > TLOG_SIZE_MAX) or TR_EAUTH (the proof does
 * not lead to both roots, or has the wrong length). */
int tlog_verify_consistency(uint64_t m, uint64_t n, const tlog_hash *root_m, const tlog_hash *root_n,
                            const tlog_hash *proof, size_t len, tr_err *err);

/* ======================================================================== in-memory store */

/*
 * Node hashes in memory: one growable array per level. For tests, benchmarks and small
 * logs; 32 bytes per node, about 2 nodes per entry. Reads may run in parallel with each
 * other, not with tlog_memstore_put.
 */
typedef struct tlog_memstore tlog_memstore;

/* A new empty store, or NULL when out of memory. Free with tlog_memstore_free. */
tlog_memstore *tlog_memstore_new(void);
void tlog_memstore_free(tlog_memstore *m);

/* Stores nodes as tlog_tree_append reported them: each must be the next index at its
 * level, or an index already held with the same hash. Returns 0, TR_EINVAL (a gap or a
 * different hash: nothing of the call is stored) or TR_ENOMEM. */
int tlog_memstore_put(tlog_memstore *m, const tlog_node_hash *nodes, size_t n, tr_err *err);

/* Nodes held at a level. */
uint64_t tlog_memstore_count(const tlog_memstore *m, int level);

/* A reader over m (borrowing it); reading a node m lacks gives TR_ENOTFOUND. */
tlog_reader tlog_memstore_reader(tlog_memstore *m);

/* ======================================================================== tiles */

#define TLOG_TILE_HEIGHT 8
#define TLOG_TILE_WIDTH 256
#define TLOG_TILE_ENTRIES (-1) /* tlog_tile.level of an entry bundle */
#define TLOG_TILE_PATH_MAX 64  /* longest tile path with its NUL */
#define TLOG_ENTRY_MAX 65535   /* longest entry an entry bundle can hold */

/* A tile (level >= 0) or an entry bundle (level == TLOG_TILE_ENTRIES) of a C2SP tiled log. */
typedef struct tlog_tile {
    int level;      /* L: 0..63, or TLOG_TILE_ENTRIES */
    uint64_t index; /* N */
    unsigned width; /* W: 1..256; 256 is a full tile */
} tlog_tile;

/* Writes t's path as C2SP tlog-tiles names it, without a prefix: "tile/<L>/<N>[.p/<W>]" or
 * "tile/entries/<N>[.p/<W>]", N in 3-digit elements ("x001/x234/067"). Returns 0, or
 * TR_EINVAL for a bad tile or a buffer smaller than TLOG_TILE_PATH_MAX. */
int tlog_tile_path(const tlog_tile *t, char *buf, size_t cap, tr_err *err);

/* Parses a path (no prefix, no leading '/') in the canonical form tlog_tile_path writes;
 * anything else (leading zeroes, "x000" elements, W of 0 or 256, L > 63, trailing bytes)
 * is TR_EINVAL with field "path". */
int tlog_tile_parse_path(const char *path, tlog_tile *out, tr_err *err);

/* 0 if tile t exists at tree size n (invariant 6; an entry bundle exists as its level-0
 * tile does), else TR_ENOTFOUND with a message. */
int tlog_tile_check(const tlog_tile *t, uint64_t n, tr_err *err);

/* The tile (level, index) as published at tree size n: full (W = 256) when complete at n,
 * else the partial tile of width (n / 256^level) mod 256. Returns 0, or TR_ENOTFOUND when
 * that tile has no hash at n. */
int tlog_tile_at(int level, uint64_t index, uint64_t n, tlog_tile *out, tr_err *err);

/* The content of tile t (not an entry bundle) at tree size n: its W hashes, 32 bytes each,
 * into out (cap >= 32*W bytes), *len = 32*W. One batch read of W nodes. Returns 0,
 * TR_ENOTFOUND (t does not exist at n), TR_EINVAL (cap) or the reader's error. */
int tlog_tile_read(const tlog_reader *r, const tlog_tile *t, uint64_t n, uint8_t *out, size_t cap,
                   size_t *len, tr_err *err);

/* Calls fn for every tile and entry bundle a log must publish when it grows from size
 * old_n to new_n (the tiles whose content is new), level 0 first, entry bundles with
 * their level-0 tiles. Stops at and returns fn's first non-zero result; TR_EINVAL when
 * old_n > new_n or new_n > TLOG_SIZE_MAX. */
int tlog_tiles_new(uint64_t old_n, uint64_t new_n, int (*fn)(void *ctx, const tlog_tile *t), void *ctx);

/* Appends an entry (at most TLOG_ENTRY_MAX bytes) to an entry bundle being built in
 * buf[0 .. *len-1]: a big-endian uint16 length, then the bytes. Returns 0 or TR_EINVAL
 * (entry too long, buffer too small: buf and *len unchanged). */
int tlog_bundle_add(uint8_t *buf, size_t cap, size_t *len, const void *entry, size_t entry_len, tr_err *err);

/* Splits a bundle into at most cap entries: entries[k] points into data (borrowed),
 * lens[k] its length. Returns 0 or TR_EINVAL (truncated, or more than cap entries). */
int tlog_bundle_split(const uint8_t *data, size_t len, const uint8_t **entries, size_t *lens, size_t cap,
                      size_t *count, tr_err *err);

/*
 * A reader that computes node hashes from tiles, for a verifier holding only a tiled
 * log (files, or fetched over HTTP): node (l, i) is read from the level-l/8 tile that
 * holds it at tree size n and hashed up l%8 levels. read_tile fills out with the 32*W
 * bytes of tile t (never an entry bundle) or returns a tr_code. The hashes are not
 * authenticated by this reader: check what you compute from them against a signed
 * checkpoint, as tlog_verify_* do. A few recent tiles are cached, so one tile reader
 * serves one thread at a time.
 */
typedef struct tlog_tile_source {
    void *ctx;
    int (*read_tile)(void *ctx, const tlog_tile *t, uint8_t *out, tr_err *err);
} tlog_tile_source;

typedef struct tlog_tile_reader tlog_tile_reader;

/* A reader over the tiles of the tree of size n, or NULL when out of memory. Free with
 * tlog_tile_reader_free. */
tlog_tile_reader *tlog_tile_reader_new(uint64_t n, tlog_tile_source src);
void tlog_tile_reader_free(tlog_tile_reader *tr);
tlog_reader tlog_tile_reader_reader(tlog_tile_reader *tr);

/* ======================================================================== signed notes */

#define TLOG_NAME_MAX 128       /* bytes in a key name */
#define TLOG_KEY_STRING_MAX 256 /* longest key string with its NUL */
#define TLOG_NOTE_SIGS_MAX 32   /* signature lines accepted in one note (C2SP: >= 16) */
#define TLOG_ALG_ED25519 0x01   /* signed-note signature type of Ed25519 */

/* An Ed25519 note signer. Holds the secret key: wipe with tlog_signer_wipe. */
typedef struct tlog_signer {
    char name[TLOG_NAME_MAX + 1];
    uint32_t key_id; /* SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian */
    uint8_t sk[64];  /* libsodium secret key: seed || public key */
} tlog_signer;

typedef struct tlog_verifier {
    char name[TLOG_NAME_MAX + 1];
    uint32_t key_id;
    uint8_t pk[32];
} tlog_verifier;

/* The key ID of an Ed25519 public key under name. */
uint32_t tlog_key_id(const char *name, const uint8_t pk[32]);

/* 1 if name is a valid key name: 1..TLOG_NAME_MAX bytes of UTF-8 with no Unicode space,
 * no control character and no '+'. */
int tlog_name_valid(const char *name);

/* A fresh Ed25519 key pair under name (random seed from libsodium). v may be NULL.
 * Returns 0, TR_EINVAL (bad name) or TR_EINTERNAL (libsodium failed to start). */
int tlog_key_generate(const char *name, tlog_signer *s, tlog_verifier *v, tr_err *err);

/* The verifier of a signer. */
void tlog_signer_verifier(const tlog_signer *s, tlog_verifier *out);

/* Zeroes the secret key. */
void tlog_signer_wipe(tlog_signer *s);

/* "PRIVATE+KEY+<name>+<key id, 8 hex>+base64(0x01 || seed)" into buf (cap >=
 * TLOG_KEY_STRING_MAX). Returns 0 or TR_EINVAL. */
int tlog_signer_encode(const tlog_signer *s, char *buf, size_t cap, tr_err *err);

/* Parses a signer key string; the key ID must match name and key. TR_EINVAL otherwise. */
int tlog_signer_parse(const char *skey, tlog_signer *out, tr_err *err);

/* "<name>+<key id, 8 hex>+base64(0x01 || public key)" into buf (cap >= TLOG_KEY_STRING_MAX). */
int tlog_verifier_encode(const tlog_verifier *v, char *buf, size_t cap, tr_err *err);

/* Parses a verifier key string; the key ID must match name and key. TR_EINVAL otherwise. */
int tlog_verifier_parse(const char *vkey, tlog_verifier *out, tr_err *err);

/*
 * Signs text (len bytes: valid UTF-8, no control characters but newlines, ending in a
 * newline) with each of n signers, in order. *out receives the signed note, NUL
 * terminated, *out_len its length without the NUL; the caller frees it with free().
 * Returns 0, TR_EINVAL (bad text or signer) or TR_ENOMEM.
 */
int tlog_note_sign(const char *text, size_t len, const tlog_signer *signers, size_t n, char **out,
                   size_t *out_len, tr_err *err);

typedef struct tlog_note_sig {
    char name[TLOG_NAME_MAX + 1];
    uint32_t key_id;
    int verifier;   /* index in the known verifiers whose signature verified, or -1 */
    size_t b64_off; /* the line's base64 (key ID and signature) is msg[b64_off .. b64_off+b64_len-1] */
    size_t b64_len;
} tlog_note_sig;

typedef struct tlog_note {
    size_t text_len; /* the note text is msg[0 .. text_len-1], its final newline included */
    size_t nsigs;    /* signature lines, in order (repeated lines are kept) */
    tlog_note_sig sigs[TLOG_NOTE_SIGS_MAX];
    size_t nverified; /* signatures verified by a known key */
} tlog_note;

/* Parses a signed note without verifying anything (every sigs[k].verifier is -1).
 * Returns 0 or TR_EINVAL (not a well-formed signed note). */
int tlog_note_parse(const char *msg, size_t len, tlog_note *out, tr_err *err);

/* Parses msg and verifies it against the nknown known verifiers (invariant 8): a
 * signature whose name and key ID match a known key must verify; others are ignored.
 * Returns 0 (out->nverified >= 1), TR_EINVAL (malformed) or TR_EAUTH (a known key's
 * signature fails, or no known key signed). */
int tlog_note_open(const char *msg, size_t len, const tlog_verifier *known, size_t nknown, tlog_note *out,
                   tr_err *err);

/* ======================================================================== checkpoints */

#define TLOG_ORIGIN_MAX 255

typedef struct tlog_checkpoint {
    char origin[TLOG_ORIGIN_MAX + 1]; /* the log's identity, e.g. "truce.example/log" */
    uint64_t size;
    tlog_hash root;
    const char *ext; /* extension lines, each non-empty and ending in '\n', or NULL;
                        borrowed: after parsing it points into the parsed text */
    size_t ext_len;
} tlog_checkpoint;

/* The note text "<origin>\n<size>\n<base64 root>\n<ext>" into buf, NUL terminated, *len
 * without the NUL. Returns 0 or TR_EINVAL (bad origin or extension lines, small buffer). */
int tlog_checkpoint_format(const tlog_checkpoint *c, char *buf, size_t cap, size_t *len, tr_err *err);

/* Parses a checkpoint note text (not a signed note: see tlog_checkpoint_open). Returns 0
 * or TR_EINVAL naming the bad line ("origin", "size", "root", "ext"). */
int tlog_checkpoint_parse(const char *text, size_t len, tlog_checkpoint *out, tr_err *err);

/* Formats c and signs it with n signers: see tlog_note_sign (the caller frees *out). */
int tlog_checkpoint_sign(const tlog_checkpoint *c, const tlog_signer *signers, size_t n, char **out,
                         size_t *out_len, tr_err *err);

/* Opens a signed checkpoint with tlog_note_open and parses its text into out (ext then
 * points into msg). If origin is not NULL the checkpoint's origin must equal it.
 * Returns 0, TR_EINVAL or TR_EAUTH. */
int tlog_checkpoint_open(const char *msg, size_t len, const tlog_verifier *known, size_t nknown,
                         const char *origin, tlog_checkpoint *out, tr_err *err);

#endif
