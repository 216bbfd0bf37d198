/*
 * witness.h — `truce witness`: a transparency-log witness any party can run (C2SP
 * tlog-witness, cosignatures per C2SP tlog-cosignature; docs/tlog.md "Witnesses",
 * docs/operations.md "Running a witness").
 *
 * A witness follows the logs whose verifier keys it was given. For each it keeps the
 * latest checkpoint it cosigned — durably, as one file per log in its state directory
 * (the checkpoint with the log's signatures and its own cosignature, written to a
 * temporary file, fsynced, renamed, the directory fsynced) — and answers:
 *
 *   POST /add-checkpoint            old size, consistency proof lines, a blank line and a
 *                                   signed checkpoint: 200 and its cosignature line, or
 *                                   400, 403, 404, 409 (body: the size it cosigned last,
 *                                   text/x.tlog.size), 422, as the spec says
 *                                   (engines/tlog_witness.h)
 *   GET /<sha256(origin) hex>/checkpoint   the latest checkpoint it cosigned for that log
 *
 * Checking a request and recording its checkpoint happen under one lock, and the state is
 * on disk before the cosignature is sent: a witness never cosigns two checkpoints of a log
 * that are not consistent with each other, even across restarts.
 *
 * Ownership: witness_start returns a server freed by witness_stop. Options are read at
 * start and not kept.
 */
#ifndef TRUCE_EDGES_WITNESS_H
#define TRUCE_EDGES_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "engines/tlog.h"

typedef struct witness_options {
    const char *key_path;    /* --key: the witness's key file (made by witness_key_create) */
    const char *listen;      /* --listen HOST:PORT; port 0 picks a free one */
    const char *const *logs; /* --log: verifier keys of the logs it follows (a log may have several) */
    size_t nlogs;
    const char *state_dir; /* --state: where the latest cosigned checkpoints live (NULL: KEY.state) */
    unsigned threads;      /* worker threads */
} witness_options;

/* Creates a witness key named name: writes its signer key (the note format of Go's
 * sumdb/note) to path (mode 0600, never overwritten) and its verifier key (type 0x04:
 * what logs and verifiers are configured with) into vkey. TR_EINVAL (bad name), TR_EIO. */
int witness_key_create(const char *path, const char *name, char vkey[TLOG_KEY_STRING_MAX], tr_err *err);

typedef struct witness_server witness_server;

/* Reads the key and the state of every log (refusing a state file that is not a
 * checkpoint of that log cosigned by this key), then listens. Prints what it follows and
 * "truce witness: listening on http://HOST:PORT" on stderr. */
int witness_start(const witness_options *o, witness_server **out, tr_err *err);
uint16_t witness_port(const witness_server *w);
/* Stops listening, lets requests in flight finish, frees w. */
void witness_stop(witness_server *w);

#endif
