/*
 * witness_client.h — `truce serve --witness URL=VKEY ... --quorum K`: the centre asks its
 * witnesses (C2SP tlog-witness) to cosign each new checkpoint (docs/tlog.md "Witnesses",
 * docs/operations.md "Running with witnesses").
 *
 * At start, the latest checkpoint is sent to every witness once, each answer bounded by
 * the timeout, and the outcome is printed. A witness that answers that it has cosigned more
 * than this log holds (409 with a larger size) or something this log does not extend (422)
 * is asked for the checkpoint it cosigned (GET URL/<sha256(origin)>/checkpoint); if that
 * checkpoint is signed by this log's key and this database does not extend it, the
 * database was restored from an older backup or rewritten: the start fails with that
 * evidence. A witness that is unreachable or refuses without such evidence is reported and
 * asked again later.
 *
 * Then one thread of its own sends each new checkpoint (with a consistency proof from the
 * size the witness cosigned last) to the witnesses that lack it, stores their cosignatures
 * (centre_witness_cosigned), follows a 409's size once, and retries failures with a
 * backoff (0.5 s doubling to 60 s). Writes never wait for it: it works outside every write
 * transaction, and the checkpoint thread only wakes it.
 *
 * Ownership: witness_client_start returns a client freed by witness_client_stop (which
 * joins its thread and unhooks it from the centre). Call it after centre_checkpointer_stop
 * (whose thread calls the hook) and before centre_close.
 */
#ifndef TRUCE_EDGES_WITNESS_CLIENT_H
#define TRUCE_EDGES_WITNESS_CLIENT_H

#include <stddef.h>

#include "base/err.h"
#include "service/centre.h"

typedef struct witness_client_options {
    const char *const *specs; /* "URL=VKEY": the witness's submission URL and verifier key */
    size_t n;
    size_t quorum;       /* 1..n (0: n) */
    unsigned timeout_ms; /* per request (0: 5000) */
} witness_client_options;

typedef struct witness_client witness_client;

/* Configures c's witnesses, runs the start-up round and starts the thread. TR_EINVAL for a
 * bad spec (field --witness or --quorum), TR_ECONFLICT when a witness proves the database is
 * not the log it cosigned (the message says which and how). */
int witness_client_start(centre *c, const witness_client_options *o, witness_client **out, tr_err *err);
void witness_client_stop(witness_client *wc);

#endif
