/*
 * verify.h — `truce verify`: audits truce's verifiable log (docs/verify.md).
 *
 * Three audits, each what a party or an independent witness runs:
 *  - verify_db: a database file at rest. Recomputes every leaf hash and the whole tree
 *    from log_entry and compares it with log_node; checks every stored checkpoint's
 *    signature, its root and its consistency with the checkpoint before it; checks each
 *    entry against its row and its object; and checks every table of the state against
 *    the log: each row against the object its entry logged, rebuilt with the code the
 *    centre logs with (service/centre_objects.h), and every other column that matters
 *    against what the logged facts make it (docs/verify.md).
 *  - verify_remote: a running truce over HTTP, from what it publishes (C2SP checkpoint,
 *    tiles and entry bundles) and a consistency proof to a checkpoint saved earlier.
 *  - verify_receipt: one entry's inclusion proof against the signed checkpoint of its
 *    receipt (GET /v1/log/receipts/N, fetched or read from a file).
 *
 * Output: every problem is one line on o->out, "FAIL <where>: <what>", where names the
 * table and row or the log index or tile; other lines describe what was checked.
 *
 * Return value: VERIFY_OK (0) when every check passed, VERIFY_FAIL (1) when a problem was
 * found or the audit could not be carried out, VERIFY_USAGE (2) for a bad option value
 * (a malformed key), reported on stderr. The functions read the options and own nothing.
 */
#ifndef TRUCE_EDGES_VERIFY_H
#define TRUCE_EDGES_VERIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum { VERIFY_OK = 0, VERIFY_FAIL = 1, VERIFY_USAGE = 2 };

#define VERIFY_WITNESSES_MAX 32

typedef struct verify_options {
    const char *db;         /* --db: the database file (verify_db) */
    const char *url;        /* --url: base URL of a truce server, http:// or https:// */
    const char *key;        /* --key: the log's verifier key string (NULL: log_meta's, --db only) */
    const char *token;      /* --token: API bearer token (tiles, proofs and receipts need one) */
    const char *checkpoint; /* --checkpoint: a signed checkpoint saved earlier, to check consistency with */
    const char *save;       /* --save: where to write the verified checkpoint (verify_remote) */
    const char *receipt;    /* --receipt: a receipt's JSON (verify_receipt) */
    bool has_index;         /* --index given */
    uint64_t index;         /* --index: the entry whose receipt to fetch or expect */
    const char *const *witnesses; /* --witness: witnesses' verifier keys (type 0x04) */
    size_t nwitnesses;
    size_t quorum;      /* --quorum: valid cosignatures required (0: every --witness) */
    const char *bundle; /* verify bundle FILE */
    FILE *out;          /* the report (stdout) */
} verify_options;

int verify_db(const verify_options *o);
/* The i-th entry type verify checks against a state table (verify_match.c STATE_TYPES),
 * NULL past the last: the types the centre writes besides log.rollback. */
const char *verify_entry_type(size_t i);
int verify_remote(const verify_options *o);
int verify_receipt(const verify_options *o);
/* `truce verify bundle FILE`: a party's record (GET /v1/parties/{name}/record) offline:
 * the checkpoint (and its witnesses), every notice's object, entry and inclusion proof, and
 * every acknowledgement's, with the signature of a signed one (verify_bundle.c). */
int verify_bundle(const verify_options *o);

/* ---- shared by verify.c and verify_remote.c (not for other callers) ---- */

#include "base/err.h"
#include "engines/tlog.h"

typedef struct verify__report {
    FILE *out;
    unsigned long problems;
} verify__report;

/* Prints "FAIL " and the formatted line, and counts it. */
void verify__fail(verify__report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the closing line and returns VERIFY_OK or VERIFY_FAIL. */
int verify__finish(verify__report *r, const char *what);
/* Parses a verifier key string into v; when malformed, prints a usage message on stderr
 * and returns VERIFY_USAGE. */
int verify__key(const char *key, tlog_verifier *v);
/* Reads a file of at most limit bytes into *data (malloc'd, NUL terminated, freed by the
 * caller with free()); TR_EIO with a message naming the file. */
int verify__read_file(const char *path, size_t limit, char **data, size_t *len, tr_err *err);
/* Reads the checkpoint saved in path and opens it with v (*opened, *saved), then checks it
 * against the log of size n whose nodes r reads and whose root at n is root: the saved root
 * must be the root of the first m entries, and a consistency proof from m to n computed
 * from r must verify. Problems are reported as "saved checkpoint PATH (size m): ...". */
void verify__saved_checkpoint(verify__report *rep, const char *path, const tlog_verifier *v,
                              const tlog_reader *r, uint64_t n, const tlog_hash *root, tlog_checkpoint *saved,
                              bool *opened);

/* The same for a checkpoint already read from path (note, len bytes). */
void verify__saved_note(verify__report *rep, const char *path, const char *note, size_t len,
                        const tlog_verifier *v, const tlog_reader *r, uint64_t n, const tlog_hash *root,
                        tlog_checkpoint *saved, bool *opened);

/* verify_witness.c: the --witness keys into keys (VERIFY_WITNESSES_MAX); VERIFY_USAGE with a
 * message on stderr for a bad one. */
int verify__witness_keys(const verify_options *o, tlog_verifier *keys);
/* Starts libsodium and parses --key into key and the --witness keys into wkeys: VERIFY_OK,
 * or VERIFY_FAIL / VERIFY_USAGE (reported). */
int verify__keys(const verify_options *o, tlog_verifier *key, tlog_verifier *wkeys);
/* The quorum required: --quorum, else every --witness. */
size_t verify__quorum(const verify_options *o);
/* With --witness: prints each witness's cosignature on the signed checkpoint note (of size),
 * fails an invalid one, and fails when fewer than the quorum verify; what names it. */
void verify__cosignatures(verify__report *r, const verify_options *o, const tlog_verifier *keys,
                          const char *note, size_t len, uint64_t size, const char *what);

#endif
