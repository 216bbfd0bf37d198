/*
 * tlog_witness.h — witnesses of a transparency log: C2SP tlog-cosignature (Ed25519
 * cosignature/v1, signature type 0x04) and the checks of C2SP tlog-witness's
 * add-checkpoint request.
 *
 * Layer 3 (engines): pure, no I/O. A witness (edges/witness.c) keeps, for each log it
 * follows, the latest checkpoint it cosigned; tlog_witness_check decides what to answer
 * to one add-checkpoint request and, when it may cosign, which checkpoint becomes the new
 * state. The caller must check and record that state under one lock and persist it before
 * it answers (the race the spec describes). A log (service/centre_witness.c) formats its
 * requests with tlog_witness_req_format and reads the answers with tlog_cosigs_check.
 *
 * Design invariants:
 *  1. A cosignature line is "— <witness name> base64(key ID || u64 timestamp || Ed25519
 *     signature)" and the signature is over "cosignature/v1\ntime <timestamp>\n" followed by
 *     the checkpoint's note text (its final newline included, not its signatures). The key
 *     ID is SHA-256(name || 0x0A || 0x04 || public key)[:4], so a witness's verifier key
 *     ("<name>+<id>+base64(0x04 || key)") never verifies a plain note signature (0x01).
 *  2. A witness never cosigns a checkpoint that is not a consistent extension of the
 *     latest one it cosigned for that origin: old size must equal its size, and the
 *     consistency proof must lead from its root to the new root (tlog_verify_consistency).
 *     So two checkpoints of one origin that are not consistent are never both cosigned by
 *     one witness: a split view needs the witnesses to collude.
 *  3. The checks run in the spec's order and answer its statuses: 400 (malformed request,
 *     old size above the checkpoint's), 404 (unknown origin), 403 (no valid signature by
 *     the log's keys), 409 (old size is not the size it cosigned last; the body is that
 *     size), 422 (a size-0 checkpoint with another root than the empty tree's, or a proof
 *     that does not verify, or one sent with old size 0), 200.
 *
 * Errors: functions return 0 or a tr_code with err filled: TR_EINVAL (malformed input),
 * TR_ENOMEM. tlog_witness_check does not fail: its verdict carries the status.
 *
 * Ownership: tlog_cosigner holds a secret key (wipe with tlog_cosigner_wipe);
 * tlog_witness_req and tlog_witness_verdict borrow the request body they were parsed
 * from; tlog_witness_req_format returns a malloc'd string the caller frees with free().
 */
#ifndef TRUCE_ENGINES_TLOG_WITNESS_H
#define TRUCE_ENGINES_TLOG_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engines/tlog.h"

#define TLOG_ALG_COSIGNATURE_V1 0x04 /* signed-note type of a timestamped Ed25519 cosignature */
#define TLOG_COSIG_BYTES 76          /* key ID (4), timestamp (8), Ed25519 signature (64) */
/* "— " name " " base64(76 bytes: 104 characters) "\n" and a NUL */
#define TLOG_COSIG_LINE_MAX (4 + TLOG_NAME_MAX + 1 + 104 + 2)
#define TLOG_WITNESS_PROOF_MAX 63 /* consistency proof lines an add-checkpoint may carry */
#define TLOG_WITNESS_LOG_KEYS 4   /* keys one log may have at a witness (rotation) */

/* ======================================================================== cosigners */

/* A witness's signing key: an Ed25519 key under a name, with its cosignature key ID. */
typedef struct tlog_cosigner {
    char name[TLOG_NAME_MAX + 1];
    uint32_t key_id; /* SHA-256(name || 0x0A || 0x04 || public key)[:4] */
    uint8_t sk[64];  /* libsodium secret key: seed || public key */
} tlog_cosigner;

/* The cosignature key ID of an Ed25519 public key under name. */
uint32_t tlog_cosig_key_id(const char *name, const uint8_t pk[32]);

/* The cosigner of a note signer key (the same name and Ed25519 key; its key ID is the
 * type-0x04 one). A witness keeps its key in the note signer format of Go's
 * golang.org/x/mod/sumdb/note, as transparency-dev's witness does. */
void tlog_cosigner_from_signer(const tlog_signer *s, tlog_cosigner *out);
/* The cosigner's verifier (key_id is the type-0x04 ID). */
void tlog_cosigner_verifier(const tlog_cosigner *c, tlog_verifier *out);
void tlog_cosigner_wipe(tlog_cosigner *c);

/* "<name>+<8 hex id>+base64(0x04 || public key)" into buf (cap >= TLOG_KEY_STRING_MAX). */
int tlog_cosig_vkey_encode(const tlog_verifier *v, char *buf, size_t cap, tr_err *err);
/* Parses a witness's verifier key (type 0x04); the key ID must match name and key.
 * TR_EINVAL (field "witness") otherwise. */
int tlog_cosig_vkey_parse(const char *vkey, tlog_verifier *out, tr_err *err);

/* Cosigns a checkpoint's note text (len bytes, ending in a newline) at timestamp (POSIX
 * seconds, 1 .. 2^63-1): writes the signature line, with its newline and a NUL, into line
 * (cap >= TLOG_COSIG_LINE_MAX), *line_len without the NUL. TR_EINVAL for a bad text or
 * timestamp. */
int tlog_cosign(const tlog_cosigner *c, const char *text, size_t len, uint64_t timestamp, char *line,
                size_t cap, size_t *line_len, tr_err *err);

enum { TLOG_COSIG_ABSENT = 0, TLOG_COSIG_VALID = 1, TLOG_COSIG_INVALID = 2 };

typedef struct tlog_cosig_status {
    int state;          /* TLOG_COSIG_ABSENT, _VALID or _INVALID */
    uint64_t timestamp; /* of the valid cosignature */
} tlog_cosig_status;

/* Checks the cosignatures on a signed note (a checkpoint with its signature lines) by nw
 * witnesses: status[k] is witness k's — VALID when every line with its name and key ID
 * verifies (timestamp of the last), INVALID when one does not (or its timestamp is above
 * 2^63-1), ABSENT when there is none. Other lines are ignored. *nvalid counts the VALID
 * witnesses (a witness given twice counts once). Returns 0 or TR_EINVAL (not a signed note). */
int tlog_cosigs_check(const char *msg, size_t len, const tlog_verifier *w, size_t nw,
                      tlog_cosig_status *status, size_t *nvalid, tr_err *err);

/* ======================================================================== add-checkpoint */

typedef struct tlog_witness_req {
    uint64_t old_size;
    tlog_hash proof[TLOG_WITNESS_PROOF_MAX];
    size_t nproof;
    const char *note; /* the signed checkpoint: borrowed from the body */
    size_t note_len;
} tlog_witness_req;

/* Parses an add-checkpoint body: "old <size>\n", at most 63 base64 hash lines, an empty
 * line, a signed checkpoint. TR_EINVAL (the witness answers 400) naming what is wrong. */
int tlog_witness_req_parse(const char *body, size_t len, tlog_witness_req *out, tr_err *err);

/* Formats an add-checkpoint body (malloc'd, NUL terminated; *out_len without the NUL). */
int tlog_witness_req_format(uint64_t old_size, const tlog_hash *proof, size_t n, const char *note,
                            size_t note_len, char **out, size_t *out_len, tr_err *err);

/* A log a witness follows, and the latest checkpoint the witness cosigned for it. */
typedef struct tlog_witness_log {
    char origin[TLOG_ORIGIN_MAX + 1];
    tlog_verifier keys[TLOG_WITNESS_LOG_KEYS]; /* the log's keys (all named origin) */
    size_t nkeys;
    uint64_t size;  /* 0 until it cosigned a checkpoint */
    tlog_hash root; /* of that checkpoint (the empty tree's at size 0) */
} tlog_witness_log;

typedef struct tlog_witness_verdict {
    int status;         /* 200, 400, 403, 404, 409 or 422 (invariant 3) */
    size_t log;         /* the log concerned (all statuses but 400 and 404) */
    uint64_t known;     /* 409: the size of the latest checkpoint cosigned */
    tlog_checkpoint cp; /* 200: the checkpoint to cosign and record */
    size_t text_len;    /* 200: its note text is req->note[0 .. text_len-1] */
    char why[200];      /* a sentence for the log's operator */
} tlog_witness_verdict;

/* Decides the answer to req for a witness following logs[0 .. n-1] (invariants 2, 3). On
 * 200 the caller records v->cp as logs[v->log]'s new size and root, persists it, and only
 * then cosigns and answers. Returns v->status. */
int tlog_witness_check(const tlog_witness_log *logs, size_t n, const tlog_witness_req *req,
                       tlog_witness_verdict *v);

#endif
