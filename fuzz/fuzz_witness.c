/* fuzz_witness.c — fuzzes what a witness reads from the network (C2SP tlog-witness
 * add-checkpoint bodies: tlog_witness_req_parse, then tlog_witness_check against a fixed
 * state) and what a log or verifier reads back (cosignature lines: tlog_cosigs_check; witness
 * keys: tlog_cosig_vkey_parse). No crash or leak; a 200 verdict only for a checkpoint signed by
 * the log's key whose old size is the state's, with the log's origin and a size not below it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engines/tlog_witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The example key of Go's sumdb/note (docs/tlog.md): the log the fuzzed witness follows. */
static const char LOG_KEY[] = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static tlog_witness_log log;
    static tlog_verifier witness;
    if (!log.nkeys) {
        tlog_signer s;
        if (tlog_signer_parse(LOG_KEY, &s, NULL)) abort();
        tlog_signer_verifier(&s, &log.keys[0]);
        log.nkeys = 1;
        memcpy(log.origin, "PeterNeumann", 13);
        log.size = 3;
        memset(log.root.b, 0x5a, sizeof log.root.b);
        tlog_cosigner c;
        tlog_cosigner_from_signer(&s, &c);
        tlog_cosigner_verifier(&c, &witness);
        tlog_cosigner_wipe(&c);
        tlog_signer_wipe(&s);
    }
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    tlog_witness_req req;
    if (tlog_witness_req_parse(buf, size, &req, NULL) == 0) {
        tlog_witness_verdict v;
        int st = tlog_witness_check(&log, 1, &req, &v);
        if (st == 200 && (req.old_size != log.size || v.cp.size < log.size || strcmp(v.cp.origin, log.origin)))
            abort();
        tlog_cosig_status cs;
        size_t nvalid = 0;
        tlog_cosigs_check(req.note, req.note_len, &witness, 1, &cs, &nvalid, NULL);
    }
    tlog_cosig_status cs;
    size_t nvalid = 0;
    tlog_cosigs_check(buf, size, &witness, 1, &cs, &nvalid, NULL);
    tlog_verifier v;
    if (size < 512) tlog_cosig_vkey_parse(buf, &v, NULL);
    free(buf);
    return 0;
}
