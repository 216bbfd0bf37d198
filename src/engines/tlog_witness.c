/*
 * tlog_witness.c — C2SP tlog-cosignature (Ed25519 cosignature/v1) and the checks of the
 * C2SP tlog-witness add-checkpoint request (tlog_witness.h states the invariants).
 */
#include "engines/tlog_witness.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines/tlog_int.h"

static const char COSIG_HEADER[] = "cosignature/v1\ntime ";

/* ======================================================================== cosigners */

uint32_t tlog_cosig_key_id(const char *name, const uint8_t pk[32]) {
    return tlog__key_id_alg(name, TLOG_ALG_COSIGNATURE_V1, pk);
}

void tlog_cosigner_from_signer(const tlog_signer *s, tlog_cosigner *out) {
    uint8_t pk[32];
    memset(out, 0, sizeof *out);
    memcpy(out->name, s->name, sizeof out->name);
    memcpy(out->sk, s->sk, sizeof out->sk);
    crypto_sign_ed25519_sk_to_pk(pk, s->sk);
    out->key_id = tlog_cosig_key_id(out->name, pk);
}

void tlog_cosigner_verifier(const tlog_cosigner *c, tlog_verifier *out) {
    memset(out, 0, sizeof *out);
    memcpy(out->name, c->name, sizeof out->name);
    out->key_id = c->key_id;
    crypto_sign_ed25519_sk_to_pk(out->pk, c->sk);
}

void tlog_cosigner_wipe(tlog_cosigner *c) {
    sodium_memzero(c, sizeof *c);
}

int tlog_cosig_vkey_encode(const tlog_verifier *v, char *buf, size_t cap, tr_err *err) {
    return tlog__key_encode("", v->name, v->key_id, TLOG_ALG_COSIGNATURE_V1, v->pk, buf, cap, err);
}

int tlog_cosig_vkey_parse(const char *vkey, tlog_verifier *out, tr_err *err) {
    tlog_verifier v;
    memset(&v, 0, sizeof v);
    if (tlog__key_decode(vkey, TLOG_ALG_COSIGNATURE_V1, v.name, &v.key_id, v.pk) != 0)
        return tr_fail(
            err, TR_EINVAL, "witness",
            "expected a witness key <name>+<8 hex digits>+<base64 of 0x04 and a 32-byte Ed25519 key> "
            "(as 'truce witness key' prints it)");
    if (tlog_cosig_key_id(v.name, v.pk) != v.key_id)
        return tr_fail(err, TR_EINVAL, "witness", "the key ID does not match the name and key");
    *out = v;
    return 0;
}

/* "cosignature/v1\ntime <t>\n" || text, malloc'd; NULL when out of memory. */
static uint8_t *cosig_message(const char *text, size_t len, uint64_t t, size_t *mlen) {
    char head[64];
    int hl = snprintf(head, sizeof head, "%s%llu\n", COSIG_HEADER, (unsigned long long)t);
    uint8_t *m = malloc((size_t)hl + len);
    if (!m) return NULL;
    memcpy(m, head, (size_t)hl);
    memcpy(m + hl, text, len);
    *mlen = (size_t)hl + len;
    return m;
}

int tlog_cosign(const tlog_cosigner *c, const char *text, size_t len, uint64_t timestamp, char *line,
                size_t cap, size_t *line_len, tr_err *err) {
    *line_len = 0;
    if (len == 0 || text[len - 1] != '\n')
        return tr_fail(err, TR_EINVAL, "text", "a checkpoint's note text ends in a newline");
    if (timestamp == 0 || timestamp > TLOG_SIZE_MAX)
        return tr_fail(err, TR_EINVAL, "timestamp", "a cosignature's timestamp is 1 to 2^63-1");
    if (cap < TLOG_COSIG_LINE_MAX) return tr_fail(err, TR_EINVAL, "", "cosignature buffer too small");
    size_t mlen = 0;
    uint8_t *msg = cosig_message(text, len, timestamp, &mlen);
    if (!msg) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    uint8_t raw[TLOG_COSIG_BYTES];
    for (int k = 0; k < 4; k++)
        raw[k] = (uint8_t)(c->key_id >> (24 - 8 * k));
    for (int k = 0; k < 8; k++)
        raw[4 + k] = (uint8_t)(timestamp >> (56 - 8 * k));
    crypto_sign_detached(raw + 12, NULL, msg, mlen, c->sk);
    free(msg);
    char b64[108];
    tlog__b64_encode(raw, sizeof raw, b64, sizeof b64);
    int n = snprintf(line, cap, "\xE2\x80\x94 %s %s\n", c->name, b64);
    *line_len = (size_t)n;
    return 0;
}

/* Checks one signature line (its base64 at msg[off .. off+b64len-1]) as a cosignature of
 * text by v; fills *t with its timestamp. */
static bool cosig_line_ok(const char *msg, const tlog_note_sig *s, size_t text_len, const tlog_verifier *v,
                          uint64_t *t) {
    uint8_t raw[TLOG_COSIG_BYTES + 3];
    size_t n = 0;
    if (tlog__b64_decode(msg + s->b64_off, s->b64_len, raw, sizeof raw, &n) != 0 || n != TLOG_COSIG_BYTES)
        return false;
    uint64_t ts = 0;
    for (int k = 0; k < 8; k++)
        ts = ts << 8 | raw[4 + k];
    if (ts > TLOG_SIZE_MAX) return false;
    size_t mlen = 0;
    uint8_t *m = cosig_message(msg, text_len, ts, &mlen);
    bool ok = m && crypto_sign_verify_detached(raw + 12, m, mlen, v->pk) == 0;
    free(m);
    *t = ts;
    return ok;
}

int tlog_cosigs_check(const char *msg, size_t len, const tlog_verifier *w, size_t nw,
                      tlog_cosig_status *status, size_t *nvalid, tr_err *err) {
    tlog_note note;
    *nvalid = 0;
    memset(status, 0, nw * sizeof *status);
    int rc = tlog_note_parse(msg, len, &note, err);
    if (rc) return rc;
    for (size_t k = 0; k < nw; k++) {
        for (size_t i = 0; i < note.nsigs; i++) {
            const tlog_note_sig *s = &note.sigs[i];
            uint64_t t = 0;
            if (s->key_id != w[k].key_id || strcmp(s->name, w[k].name) != 0) continue;
            if (!cosig_line_ok(msg, s, note.text_len, &w[k], &t)) {
                status[k].state = TLOG_COSIG_INVALID;
                break;
            }
            status[k] = (tlog_cosig_status){TLOG_COSIG_VALID, t};
        }
        bool dup = false;
        for (size_t j = 0; j < k && !dup; j++)
            dup = w[j].key_id == w[k].key_id && memcmp(w[j].pk, w[k].pk, 32) == 0 &&
                  strcmp(w[j].name, w[k].name) == 0;
        if (status[k].state == TLOG_COSIG_VALID && !dup) (*nvalid)++;
    }
    return 0;
}

/* ======================================================================== add-checkpoint */

static int bad_req(tr_err *err, const char *why) {
    return tr_fail(err, TR_EINVAL, "body", "not an add-checkpoint request: %s", why);
}

/* A decimal without leading zeroes ("0" alone), up to 2^63-1, in s[0 .. len-1]. */
static bool parse_size(const char *s, size_t len, uint64_t *out) {
    uint64_t v = 0;
    if (len == 0 || (s[0] == '0' && len > 1)) return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (TLOG_SIZE_MAX - (uint64_t)(s[i] - '0')) / 10) return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

int tlog_witness_req_parse(const char *body, size_t len, tlog_witness_req *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    const char *p = body, *end = body + len;
    const char *nl = memchr(p, '\n', len);
    if (!nl || nl - p < 5 || memcmp(p, "old ", 4) != 0 ||
        !parse_size(p + 4, (size_t)(nl - p - 4), &out->old_size))
        return bad_req(err,
                       "the first line must be 'old <size>', the size in decimal without leading zeroes");
    for (p = nl + 1; p < end; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) return bad_req(err, "no empty line before the checkpoint");
        if (nl == p) break;
        if (out->nproof == TLOG_WITNESS_PROOF_MAX)
            return bad_req(err, "more than 63 consistency proof lines");
        if (tlog_hash_from_base64(p, (size_t)(nl - p), &out->proof[out->nproof++], "proof", NULL))
            return bad_req(err, "a consistency proof line is not the base64 of a 32-byte hash");
    }
    if (p >= end) return bad_req(err, "no empty line before the checkpoint");
    out->note = nl + 1;
    out->note_len = (size_t)(end - nl - 1);
    if (out->note_len == 0) return bad_req(err, "no checkpoint after the empty line");
    return 0;
}

int tlog_witness_req_format(uint64_t old_size, const tlog_hash *proof, size_t n, const char *note,
                            size_t note_len, char **out, size_t *out_len, tr_err *err) {
    *out = NULL;
    if (n > TLOG_WITNESS_PROOF_MAX) return tr_fail(err, TR_EINVAL, "proof", "more than 63 proof hashes");
    size_t cap = 32 + n * (TLOG_HASH_B64_SIZE + 1) + 1 + note_len + 1;
    char *buf = malloc(cap);
    if (!buf) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t off = (size_t)snprintf(buf, cap, "old %llu\n", (unsigned long long)old_size);
    for (size_t i = 0; i < n; i++) {
        tlog_hash_to_base64(&proof[i], buf + off);
        off += TLOG_HASH_B64_SIZE - 1;
        buf[off++] = '\n';
    }
    buf[off++] = '\n';
    memcpy(buf + off, note, note_len);
    off += note_len;
    buf[off] = '\0';
    *out = buf;
    *out_len = off;
    return 0;
}

static int verdict(tlog_witness_verdict *v, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int verdict(tlog_witness_verdict *v, int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    v->status = status;
    vsnprintf(v->why, sizeof v->why, fmt, ap);
    va_end(ap);
    return status;
}

/* The consistency checks once origin and signature are known (invariant 3's 409 and 422). */
static int check_consistency(const tlog_witness_log *l, const tlog_witness_req *req,
                             tlog_witness_verdict *v) {
    const tlog_checkpoint *cp = &v->cp;
    tlog_hash empty;
    tlog_hash_empty(&empty);
    if (req->old_size != l->size) {
        v->known = l->size;
        return verdict(v, 409, "%s: old size %llu is not the size of the latest checkpoint cosigned (%llu)",
                       l->origin, (unsigned long long)req->old_size, (unsigned long long)l->size);
    }
    if (cp->size == 0 && !tlog_hash_equal(&cp->root, &empty))
        return verdict(v, 422, "%s: a checkpoint of size 0 must have the empty tree's root", l->origin);
    if (req->old_size == 0 && req->nproof > 0)
        return verdict(v, 422, "%s: a consistency proof from size 0 must be empty (%zu lines sent)",
                       l->origin, req->nproof);
    if (tlog_verify_consistency(req->old_size, cp->size, &l->root, &cp->root, req->proof, req->nproof, NULL))
        return verdict(
            v, 422,
            "%s: the checkpoint of size %llu is not consistent with the one of size %llu cosigned before",
            l->origin, (unsigned long long)cp->size, (unsigned long long)l->size);
    return verdict(v, 200, "%s: checkpoint of size %llu cosigned (was %llu)", l->origin,
                   (unsigned long long)cp->size, (unsigned long long)l->size);
}

int tlog_witness_check(const tlog_witness_log *logs, size_t n, const tlog_witness_req *req,
                       tlog_witness_verdict *v) {
    memset(v, 0, sizeof *v);
    tlog_note note;
    tlog_checkpoint cp;
    tr_err e = {0};
    if (tlog_note_parse(req->note, req->note_len, &note, &e) ||
        tlog_checkpoint_parse(req->note, note.text_len, &cp, &e))
        return verdict(v, 400, "the checkpoint is malformed: %s", e.msg);
    size_t k = 0;
    while (k < n && strcmp(logs[k].origin, cp.origin) != 0)
        k++;
    if (k == n) return verdict(v, 404, "unknown log origin '%s'", cp.origin);
    v->log = k;
    if (tlog_checkpoint_open(req->note, req->note_len, logs[k].keys, logs[k].nkeys, cp.origin, &v->cp, &e))
        return verdict(v, 403, "%s: no valid signature by the log's key: %s", cp.origin, e.msg);
    v->text_len = note.text_len;
    if (req->old_size > v->cp.size)
        return verdict(v, 400, "%s: old size %llu is above the checkpoint's size %llu", cp.origin,
                       (unsigned long long)req->old_size, (unsigned long long)v->cp.size);
    return check_consistency(&logs[k], req, v);
}
