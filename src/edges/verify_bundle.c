/*
 * verify_bundle.c — `truce verify bundle FILE --key VKEY [--witness VKEY... --quorum K]`:
 * a party's record (GET /v1/parties/{name}/record; service/centre_record.c) checked offline,
 * with nothing but the file and the keys.
 *
 *  1. The checkpoint must be signed by --key (and, with --witness, carry the quorum of
 *     cosignatures); tree_size must be its size.
 *  2. Each notice: its object (the bytes the party was told) is a notice to the bundle's
 *     party with that id, delivered when the bundle says, in the window; its entry is a
 *     notice.create about notice/ID whose object_sha256 is SHA-256 of those bytes; the
 *     entry's inclusion proof leads to the signed root.
 *  3. Its acknowledgement, if any: the same for the notice.ack entry (object {acked_at, id,
 *     party}, party the bundle's). A signed one: the submission hashes to body_sha256, names
 *     the notice, and its signature verifies with the public key of a party.key entry of that
 *     party, itself proven in the log before the acknowledgement.
 *
 * Problems are "FAIL notice N: ..." lines; the end says what the record proves.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "domain/kinds.h"
#include "edges/verify.h"

#define ULL(x) ((unsigned long long)(x))
#define BUNDLE_LIMIT ((size_t)256 << 20)

typedef struct bundle {
    verify__report *r;
    const char *party;
    int64_t from, to;
    tlog_checkpoint cp;
} bundle;

/* A proven entry: {"object": text, "entry": {"index", "entry", "proof"}}. */
typedef struct proven {
    const char *object, *entry;
    size_t object_len, entry_len;
    uint64_t index;
    json_t *parsed; /* the entry's JSON (owned) */
} proven;

static const char *str(const json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

/* Reads and proves x: the entry's object_sha256 is SHA-256 of the object, its type and ref
 * are these, and its inclusion proof leads to the checkpoint's root. false (reported) if not. */
static bool prove(bundle *b, const char *what, const json_t *x, const char *type, const char *ref,
                  proven *p) {
    json_t *e = json_object_get(x, "entry"), *proof = json_object_get(e, "proof"), *h;
    json_t *idx = json_object_get(e, "index");
    memset(p, 0, sizeof *p);
    p->object = str(x, "object");
    p->entry = str(e, "entry");
    if (!p->object || !p->entry || !json_is_integer(idx) || json_integer_value(idx) < 0 ||
        !json_is_array(proof) || json_array_size(proof) > TLOG_PROOF_MAX) {
        verify__fail(b->r, "%s: needs object and entry {index, entry, proof}", what);
        return false;
    }
    p->object_len = json_string_length(json_object_get(x, "object"));
    p->entry_len = json_string_length(json_object_get(e, "entry"));
    p->index = (uint64_t)json_integer_value(idx);
    p->parsed = json_loadb(p->entry, p->entry_len, 0, NULL);
    uint8_t sha[32];
    char hex[65];
    crypto_hash_sha256(sha, (const uint8_t *)p->object, p->object_len);
    sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
    const char *t = str(p->parsed, "type"), *r = str(p->parsed, "ref"), *o = str(p->parsed, "object_sha256");
    if (!t || strcmp(t, type) != 0 || !r || strcmp(r, ref) != 0) {
        verify__fail(b->r, "%s: entry %llu is not a %s entry about %s", what, ULL(p->index), type, ref);
        return false;
    }
    if (!o || strcmp(o, hex) != 0) {
        verify__fail(b->r, "%s: the object is not what entry %llu commits to (its SHA-256 is %s)", what,
                     ULL(p->index), hex);
        return false;
    }
    tlog_hash leaf, path[TLOG_PROOF_MAX];
    size_t i;
    tr_err err = {0};
    json_array_foreach(proof, i, h) {
        const char *s = json_string_value(h);
        if (!s || tlog_hash_from_base64(s, strlen(s), &path[i], "proof", &err)) {
            verify__fail(b->r, "%s: proof[%zu] is not a base64 hash", what, i);
            return false;
        }
    }
    tlog_hash_leaf(p->entry, p->entry_len, &leaf);
    if (tlog_verify_inclusion(&leaf, p->index, b->cp.size, &b->cp.root, path, json_array_size(proof), &err)) {
        verify__fail(b->r, "%s: entry %llu's inclusion proof does not lead to the signed root: %s", what,
                     ULL(p->index), err.msg);
        return false;
    }
    return true;
}

/* The signed body of an acknowledgement (base64 in "submission") into body: it must hash to
 * the entry's body_sha256 and name the notice. */
static uint8_t *signed_body(bundle *b, const char *what, const json_t *ack, const proven *p, int64_t notice,
                            size_t *blen) {
    const char *sub = str(ack, "submission"), *want = str(p->parsed, "body_sha256");
    uint8_t sha[32], *body = sub ? malloc(strlen(sub) / 4 * 3 + 4) : NULL;
    char hex[65];
    if (!body || sodium_base642bin(body, strlen(sub) / 4 * 3 + 3, sub, strlen(sub), NULL, blen, NULL,
                                   sodium_base64_VARIANT_ORIGINAL)) {
        verify__fail(b->r, "%s: a signed acknowledgement needs its submission (base64)", what);
        free(body);
        return NULL;
    }
    crypto_hash_sha256(sha, body, *blen);
    sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
    json_t *j = json_loadb((const char *)body, *blen, 0, NULL), *n = json_object_get(j, "notice");
    bool names = json_is_integer(n) && json_integer_value(n) == notice;
    json_decref(j);
    if (!want || strcmp(want, hex) != 0)
        verify__fail(b->r, "%s: the submission is not what the acknowledgement's entry commits to", what);
    else if (!names)
        verify__fail(b->r, "%s: the signed body does not name notice %lld", what, (long long)notice);
    if (want && strcmp(want, hex) == 0 && names) return body;
    free(body);
    return NULL;
}

/* The public key of the party.key entry given with a signed acknowledgement (entry index
 * before), proven in the log. */
static bool signing_key(bundle *b, const char *what, const json_t *ack, uint64_t before, uint8_t pk[32],
                        uint64_t *at) {
    char ref[160];
    proven kp;
    snprintf(ref, sizeof ref, "party/%s", b->party);
    json_t *key = json_object_get(ack, "key");
    if (!json_is_object(key)) {
        verify__fail(b->r, "%s: a signed acknowledgement needs the party.key entry of its key", what);
        return false;
    }
    bool ok = prove(b, what, key, TR_ENTRY(PARTY_KEY), ref, &kp);
    json_t *ko = ok ? json_loads(kp.object, 0, NULL) : NULL;
    const char *name = str(ko, "name"), *pkb = str(ko, "public_key");
    size_t n = 0;
    if (ok && (kp.index >= before || !name || strcmp(name, b->party) != 0 || !pkb ||
               sodium_base642bin(pk, 32, pkb, strlen(pkb), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) ||
               n != 32))
        ok = false,
        verify__fail(b->r, "%s: entry %llu does not register a key of %s before the acknowledgement", what,
                     ULL(kp.index), b->party);
    *at = kp.index;
    json_decref(ko);
    json_decref(kp.parsed);
    return ok;
}

static void check_signed(bundle *b, const char *what, const json_t *ack, const proven *p, int64_t notice) {
    uint8_t pk[32], sig[64];
    size_t blen = 0, n = 0;
    uint64_t key_at = 0;
    const char *sig_b64 = str(p->parsed, "signature");
    uint8_t *body = signed_body(b, what, ack, p, notice, &blen);
    if (!body || !signing_key(b, what, ack, p->index, pk, &key_at)) {
        free(body);
        return;
    }
    if (sodium_base642bin(sig, 64, sig_b64, strlen(sig_b64), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) ||
        n != 64 || crypto_sign_verify_detached(sig, body, blen, pk) != 0)
        verify__fail(b->r, "%s: the signature does not verify with %s's key of entry %llu", what, b->party,
                     ULL(key_at));
    else
        fprintf(b->r->out, "  acknowledged in a request signed by %s (its key: entry %llu)\n", b->party,
                ULL(key_at));
    free(body);
}

/* The acknowledgement of notice id. */
static void check_ack(bundle *b, const char *what, const json_t *ack, int64_t id) {
    char ref[64];
    proven p;
    snprintf(ref, sizeof ref, "notice/%lld", (long long)id);
    if (!prove(b, what, ack, TR_ENTRY(NOTICE_ACK), ref, &p)) {
        json_decref(p.parsed);
        return;
    }
    json_t *o = json_loads(p.object, 0, NULL);
    const char *party = str(o, "party"), *at = str(o, "acked_at"), *by = str(p.parsed, "party");
    if (!json_is_integer(json_object_get(o, "id")) || json_integer_value(json_object_get(o, "id")) != id ||
        !party || strcmp(party, b->party) != 0 || !by || strcmp(by, b->party) != 0 || !at)
        verify__fail(b->r, "%s: the acknowledgement is not %s's of notice %lld", what, b->party,
                     (long long)id);
    else
        fprintf(b->r->out, "  acknowledged at %s (entry %llu)\n", at, ULL(p.index));
    if (str(p.parsed, "signature")) check_signed(b, what, ack, &p, id);
    json_decref(o);
    json_decref(p.parsed);
}

/* One notice of the record. */
static void check_notice(bundle *b, const json_t *x, uint64_t *acked) {
    json_t *idv = json_object_get(x, "notice");
    int64_t id = json_integer_value(idv);
    char what[64], ref[64];
    proven p;
    snprintf(what, sizeof what, "notice %lld", (long long)id);
    snprintf(ref, sizeof ref, "notice/%lld", (long long)id);
    if (!json_is_integer(idv)) {
        verify__fail(b->r, "notices: an item without a notice id");
        return;
    }
    if (prove(b, what, x, TR_ENTRY(NOTICE_CREATE), ref, &p)) {
        json_t *o = json_loads(p.object, 0, NULL);
        const char *party = str(o, "party"), *at = str(o, "created_at"), *kind = str(o, "kind"),
                   *about = str(o, "about");
        int64_t t = 0;
        if (json_integer_value(json_object_get(o, "id")) != id || !party || strcmp(party, b->party) != 0 ||
            !at || tr_time_parse(at, &t) || !str(x, "delivered_at") ||
            strcmp(at, str(x, "delivered_at")) != 0)
            verify__fail(b->r, "%s: the object logged is not a notice to %s delivered when the record says",
                         what, b->party);
        else if (t < b->from || t >= b->to)
            verify__fail(b->r, "%s: delivered at %s, outside the record's window", what, at);
        else
            fprintf(b->r->out, "notice %lld (%s about %s): delivered to %s at %s, entry %llu in the log\n",
                    (long long)id, kind ? kind : "?", about ? about : "?", b->party, at, ULL(p.index));
        json_decref(o);
    }
    json_decref(p.parsed);
    json_t *ack = json_object_get(x, "acknowledged");
    if (json_is_object(ack)) {
        check_ack(b, what, ack, id);
        (*acked)++;
    } else {
        fprintf(b->r->out, "  %s\n",
                json_is_true(json_object_get(x, "ack_pending"))
                    ? "acknowledged after the record's checkpoint: not proven here"
                    : "not acknowledged");
    }
}

/* The record's header: party, window, checkpoint (signed, witnessed). false: stop. */
static bool check_head(bundle *b, const verify_options *o, const json_t *j, const tlog_verifier *key,
                       const tlog_verifier *wkeys) {
    const char *note = str(j, "checkpoint"), *from = str(j, "from"), *to = str(j, "to");
    json_t *size = json_object_get(j, "tree_size");
    tr_err err = {0};
    b->party = str(j, "party");
    if (!b->party || !note || !from || !to || !json_is_integer(size) ||
        !json_is_array(json_object_get(j, "notices")) || tr_time_parse(from, &b->from) ||
        tr_time_parse(to, &b->to)) {
        verify__fail(b->r, "bundle: not a party's record (party, from, to, checkpoint, tree_size, notices)");
        return false;
    }
    if (tlog_checkpoint_open(note, strlen(note), key, 1, NULL, &b->cp, &err)) {
        verify__fail(b->r, "checkpoint: not signed by the verifier key: %s", err.msg);
        return false;
    }
    b->cp.ext = NULL;
    if ((uint64_t)json_integer_value(size) != b->cp.size)
        verify__fail(b->r, "checkpoint: tree_size %lld is not its size %llu",
                     (long long)json_integer_value(size), ULL(b->cp.size));
    fprintf(b->r->out, "record of %s, notices delivered from %s to %s\n", b->party, from, to);
    fprintf(b->r->out, "checkpoint: %s, size %llu, signed by %s\n", b->cp.origin, ULL(b->cp.size), key->name);
    verify__cosignatures(b->r, o, wkeys, note, strlen(note), b->cp.size, "checkpoint");
    return true;
}

int verify_bundle(const verify_options *o) {
    verify__report rep = {o->out, 0};
    tlog_verifier key, wkeys[VERIFY_WITNESSES_MAX];
    int rc = verify__keys(o, &key, wkeys);
    if (rc) return rc;
    char *text = NULL;
    size_t len = 0;
    tr_err err = {0};
    json_t *j = NULL;
    bundle b = {.r = &rep};
    if (verify__read_file(o->bundle, BUNDLE_LIMIT, &text, &len, &err))
        verify__fail(&rep, "bundle: %s", err.msg);
    else if (!(j = json_loadb(text, len, 0, NULL)))
        verify__fail(&rep, "bundle: %s is not JSON", o->bundle);
    uint64_t n = 0, acked = 0;
    if (j && check_head(&b, o, j, &key, wkeys)) {
        size_t i;
        json_t *x;
        json_array_foreach(json_object_get(j, "notices"), i, x) {
            check_notice(&b, x, &acked);
            n++;
        }
        json_array_foreach(json_object_get(j, "not_provable"), i, x)
            fprintf(o->out, "note: notice %lld is not proven by this record: %s\n",
                    (long long)json_integer_value(json_object_get(x, "notice")),
                    str(x, "reason") ? str(x, "reason") : "");
    }
    char what[200];
    snprintf(what, sizeof what,
             "the record of %s: %llu notice%s (%llu acknowledged) proven against the checkpoint of size %llu",
             b.party ? b.party : "?", ULL(n), n == 1 ? "" : "s", ULL(acked), ULL(b.cp.size));
    json_decref(j);
    free(text);
    return rep.problems ? verify__finish(&rep, o->bundle) : verify__finish(&rep, what);
}
