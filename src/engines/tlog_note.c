/*
 * tlog_note.c — C2SP signed-note with Ed25519 (key IDs, key strings, signing, opening)
 * and C2SP tlog-checkpoint bodies.
 *
 * The rules follow the specs and, where they leave room, Go's golang.org/x/mod/sumdb/note
 * (the reference implementation third parties verify with): a note is valid UTF-8 with no
 * control character but newline; the text is everything up to the last blank line; each
 * signature line is "— <name> <base64(key ID || signature)>"; a key name is non-empty
 * UTF-8 without Unicode spaces or '+'. One deliberate difference: a repeated signature
 * line by a known key is verified again rather than skipped, so a note carrying a bad
 * copy of a good signature is rejected.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engines/tlog.h"
#include "engines/tlog_int.h"

static const char EM_DASH_SP[] = "\xE2\x80\x94 "; /* U+2014 and a space: 4 bytes */
#define SIG_PREFIX_LEN 4
#define SIG_B64_MAX 8192 /* decoded bytes of one signature line we accept (C2SP: PQ ~5 kB) */

/* ---------------------------------------------------------------- UTF-8 and names */

/* Decodes one UTF-8 sequence from s[0 .. len-1]; returns its length, or 0 if invalid
 * (truncated, overlong, surrogate, above U+10FFFF). */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp) {
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || n > len || s[0] > 0xF4) return 0;
    uint32_t c = s[0] & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        c = c << 6 | (s[k] & 0x3F);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return n;
}

/* Go's unicode.IsSpace. */
static int is_space(uint32_t c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

/* 1 if s[0 .. len-1] is valid UTF-8 without control characters other than newline. */
static int text_valid(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t c = 0;
        size_t n = utf8_next(u + i, len - i, &c);
        if (n == 0 || (c < 0x20 && c != '\n')) return 0;
        i += n;
    }
    return 1;
}

static int name_valid(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0 || len > TLOG_NAME_MAX) return 0;
    for (size_t i = 0; i < len;) {
        uint32_t c = 0;
        size_t n = utf8_next(u + i, len - i, &c);
        if (n == 0 || c < 0x20 || c == '+' || is_space(c)) return 0;
        i += n;
    }
    return 1;
}

int tlog_name_valid(const char *name) {
    return name != NULL && name_valid(name, strlen(name));
}

/* ---------------------------------------------------------------- keys */

uint32_t tlog__key_id_alg(const char *name, uint8_t alg, const uint8_t pk[32]) {
    const uint8_t sep[2] = {'\n', alg};
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_update(&st, sep, sizeof sep);
    crypto_hash_sha256_update(&st, pk, 32);
    crypto_hash_sha256_final(&st, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

uint32_t tlog_key_id(const char *name, const uint8_t pk[32]) {
    return tlog__key_id_alg(name, TLOG_ALG_ED25519, pk);
}

static int bad_name(tr_err *err) {
    return tr_fail(err, TR_EINVAL, "name",
                   "a key name must be 1 to %d bytes of UTF-8 without spaces, control characters or '+'",
                   TLOG_NAME_MAX);
}

/* Fills s from a 32-byte seed. */
static void signer_from_seed(tlog_signer *s, const char *name, const uint8_t seed[32]) {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    crypto_sign_seed_keypair(pk, s->sk, seed);
    s->key_id = tlog_key_id(name, pk);
}

void tlog_signer_verifier(const tlog_signer *s, tlog_verifier *out) {
    memset(out, 0, sizeof *out);
    memcpy(out->name, s->name, sizeof out->name);
    out->key_id = s->key_id;
    crypto_sign_ed25519_sk_to_pk(out->pk, s->sk);
}

void tlog_signer_wipe(tlog_signer *s) {
    sodium_memzero(s, sizeof *s);
}

int tlog_key_generate(const char *name, tlog_signer *s, tlog_verifier *v, tr_err *err) {
    if (!tlog_name_valid(name)) return bad_name(err);
    if (sodium_init() < 0) return tr_fail(err, TR_EINTERNAL, "", "libsodium failed to initialise");
    uint8_t seed[32];
    randombytes_buf(seed, sizeof seed);
    signer_from_seed(s, name, seed);
    sodium_memzero(seed, sizeof seed);
    if (v != NULL) tlog_signer_verifier(s, v);
    return 0;
}

int tlog__key_encode(const char *prefix, const char *name, uint32_t id, uint8_t alg, const uint8_t key[32],
                     char *buf, size_t cap, tr_err *err) {
    if (!tlog_name_valid(name)) return bad_name(err);
    uint8_t raw[33];
    char b64[sizeof raw * 4 / 3 + 4];
    raw[0] = alg;
    memcpy(raw + 1, key, 32);
    tlog__b64_encode(raw, sizeof raw, b64, sizeof b64);
    sodium_memzero(raw, sizeof raw);
    int n = snprintf(buf, cap, "%s%s+%08x+%s", prefix, name, id, b64);
    sodium_memzero(b64, sizeof b64);
    if (n < 0 || (size_t)n >= cap) return tr_fail(err, TR_EINVAL, "", "key string buffer too small");
    return 0;
}

int tlog__key_decode(const char *s, uint8_t alg, char name[TLOG_NAME_MAX + 1], uint32_t *id,
                     uint8_t key[32]) {
    const char *p1 = strchr(s, '+');
    if (p1 == NULL || !name_valid(s, (size_t)(p1 - s))) return -1;
    const char *hex = p1 + 1, *p2 = strchr(hex, '+');
    if (p2 == NULL || p2 - hex != 8) return -1;
    uint32_t v = 0;
    for (int k = 0; k < 8; k++) {
        char c = hex[k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v << 4 | (uint32_t)d;
    }
    uint8_t raw[33];
    size_t n = 0;
    const char *b64 = p2 + 1;
    int rc = tlog__b64_decode(b64, strlen(b64), raw, sizeof raw, &n);
    if (rc != 0 || n != 33 || raw[0] != alg) rc = -1;
    if (rc == 0) {
        memcpy(name, s, (size_t)(p1 - s));
        name[p1 - s] = '\0';
        memcpy(key, raw + 1, 32);
        *id = v;
    }
    sodium_memzero(raw, sizeof raw);
    return rc;
}

int tlog_signer_encode(const tlog_signer *s, char *buf, size_t cap, tr_err *err) {
    uint8_t seed[32];
    crypto_sign_ed25519_sk_to_seed(seed, s->sk);
    int rc = tlog__key_encode("PRIVATE+KEY+", s->name, s->key_id, TLOG_ALG_ED25519, seed, buf, cap, err);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

int tlog_signer_parse(const char *skey, tlog_signer *out, tr_err *err) {
    char name[TLOG_NAME_MAX + 1];
    uint8_t seed[32];
    uint32_t id = 0;
    if (strncmp(skey, "PRIVATE+KEY+", 12) != 0 ||
        tlog__key_decode(skey + 12, TLOG_ALG_ED25519, name, &id, seed) != 0)
        return tr_fail(err, TR_EINVAL, "signer_key",
                       "expected PRIVATE+KEY+<name>+<8 hex digits>+<base64 of 0x01 and a 32-byte seed>");
    tlog_signer s;
    signer_from_seed(&s, name, seed);
    sodium_memzero(seed, sizeof seed);
    if (s.key_id != id) {
        tlog_signer_wipe(&s);
        return tr_fail(err, TR_EINVAL, "signer_key", "the key ID does not match the name and key");
    }
    *out = s;
    tlog_signer_wipe(&s);
    return 0;
}

int tlog_verifier_encode(const tlog_verifier *v, char *buf, size_t cap, tr_err *err) {
    return tlog__key_encode("", v->name, v->key_id, TLOG_ALG_ED25519, v->pk, buf, cap, err);
}

int tlog_verifier_parse(const char *vkey, tlog_verifier *out, tr_err *err) {
    tlog_verifier v;
    memset(&v, 0, sizeof v);
    if (tlog__key_decode(vkey, TLOG_ALG_ED25519, v.name, &v.key_id, v.pk) != 0)
        return tr_fail(err, TR_EINVAL, "verifier_key",
                       "expected <name>+<8 hex digits>+<base64 of 0x01 and a 32-byte Ed25519 key>");
    if (tlog_key_id(v.name, v.pk) != v.key_id)
        return tr_fail(err, TR_EINVAL, "verifier_key", "the key ID does not match the name and key");
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- notes */

int tlog_note_sign(const char *text, size_t len, const tlog_signer *signers, size_t n, char **out,
                   size_t *out_len, tr_err *err) {
    *out = NULL;
    *out_len = 0;
    if (len == 0 || text[len - 1] != '\n' || !text_valid(text, len))
        return tr_fail(err, TR_EINVAL, "text",
                       "a note text must be UTF-8 without control characters and end in a newline");
    if (n == 0) return tr_fail(err, TR_EINVAL, "signers", "a note needs at least one signer");
    size_t cap = len + 2;
    for (size_t k = 0; k < n; k++) {
        if (!tlog_name_valid(signers[k].name)) return bad_name(err);
        cap += SIG_PREFIX_LEN + strlen(signers[k].name) + 1 + 92 + 1;
    }
    char *buf = malloc(cap);
    if (buf == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    memcpy(buf, text, len);
    size_t off = len;
    buf[off++] = '\n';
    for (size_t k = 0; k < n; k++) {
        uint8_t sig[4 + crypto_sign_BYTES];
        char b64[93];
        uint32_t id = signers[k].key_id;
        sig[0] = (uint8_t)(id >> 24), sig[1] = (uint8_t)(id >> 16), sig[2] = (uint8_t)(id >> 8),
        sig[3] = (uint8_t)id;
        crypto_sign_detached(sig + 4, NULL, (const unsigned char *)text, len, signers[k].sk);
        tlog__b64_encode(sig, sizeof sig, b64, sizeof b64);
        off += (size_t)snprintf(buf + off, cap - off, "%s%s %s\n", EM_DASH_SP, signers[k].name, b64);
    }
    *out = buf;
    *out_len = off;
    return 0;
}

static int malformed(tr_err *err, const char *why) {
    return tr_fail(err, TR_EINVAL, "note", "not a well-formed signed note: %s", why);
}

/* Parses one signature line (without its newline) into s; the decoded key ID and
 * signature go to sig (SIG_B64_MAX bytes), *sl their length. */
static int sig_line(const char *line, size_t ll, tlog_note_sig *s, uint8_t *sig, size_t *sl, tr_err *err) {
    if (ll < SIG_PREFIX_LEN || memcmp(line, EM_DASH_SP, SIG_PREFIX_LEN) != 0)
        return malformed(err, "a signature line does not start with an em dash and a space");
    const char *name = line + SIG_PREFIX_LEN, *eol = line + ll;
    const char *sp = memchr(name, ' ', (size_t)(eol - name));
    if (sp == NULL || !name_valid(name, (size_t)(sp - name)))
        return malformed(err, "a signature line has no valid key name");
    if (tlog__b64_decode(sp + 1, (size_t)(eol - sp - 1), sig, SIG_B64_MAX, sl) != 0 || *sl < 5)
        return malformed(err, "a signature is not base64 of a key ID and a signature");
    memcpy(s->name, name, (size_t)(sp - name));
    s->name[sp - name] = '\0';
    s->b64_off = (size_t)(sp + 1 - line); /* relative to the line; note_scan makes it absolute */
    s->b64_len = (size_t)(eol - sp - 1);
    s->key_id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
    s->verifier = -1;
    return 0;
}

/* Parses msg into out; with verify, checks each signature by a key in known. */
static int note_scan(const char *msg, size_t len, const tlog_verifier *known, size_t nknown, int verify,
                     tlog_note *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    if (!text_valid(msg, len)) return malformed(err, "invalid UTF-8 or a control character");
    size_t split = len;
    for (size_t i = len; i >= 2; i--)
        if (msg[i - 2] == '\n' && msg[i - 1] == '\n') {
            split = i - 2;
            break;
        }
    if (split == len) return malformed(err, "no blank line before the signatures");
    size_t text_len = split + 1, p = split + 2;
    if (p >= len || msg[len - 1] != '\n') return malformed(err, "no signature line");
    out->text_len = text_len;
    uint8_t *sig = malloc(SIG_B64_MAX);
    if (sig == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    int rc = 0;
    while (rc == 0 && p < len) {
        const char *line = msg + p, *eol = memchr(line, '\n', len - p);
        size_t ll = (size_t)(eol - line), sl = 0;
        p += ll + 1;
        if (out->nsigs == TLOG_NOTE_SIGS_MAX) {
            rc = malformed(err, "too many signatures");
            break;
        }
        tlog_note_sig *s = &out->sigs[out->nsigs++];
        rc = sig_line(line, ll, s, sig, &sl, err);
        s->b64_off += (size_t)(line - msg);
        for (size_t k = 0; rc == 0 && verify && k < nknown; k++) {
            if (known[k].key_id != s->key_id || strcmp(known[k].name, s->name) != 0) continue;
            if (sl != 4 + crypto_sign_BYTES ||
                crypto_sign_verify_detached(sig + 4, (const unsigned char *)msg, text_len, known[k].pk) !=
                    0) {
                rc = tr_fail(err, TR_EAUTH, "note", "the signature by %s+%08x does not verify", s->name,
                             s->key_id);
                break;
            }
            s->verifier = (int)k;
            out->nverified++;
            break;
        }
    }
    free(sig);
    return rc;
}

int tlog_note_parse(const char *msg, size_t len, tlog_note *out, tr_err *err) {
    return note_scan(msg, len, NULL, 0, 0, out, err);
}

int tlog_note_open(const char *msg, size_t len, const tlog_verifier *known, size_t nknown, tlog_note *out,
                   tr_err *err) {
    int rc = note_scan(msg, len, known, nknown, 1, out, err);
    if (rc != 0) return rc;
    if (out->nverified == 0) return tr_fail(err, TR_EAUTH, "note", "the note is not signed by a known key");
    return 0;
}

/* ---------------------------------------------------------------- checkpoints */

/* 1 if ext is empty or non-empty lines, each ending in a newline, of valid text. */
static int ext_valid(const char *ext, size_t len) {
    if (len == 0) return 1;
    if (ext[len - 1] != '\n' || ext[0] == '\n' || !text_valid(ext, len)) return 0;
    for (size_t i = 1; i < len; i++)
        if (ext[i] == '\n' && ext[i - 1] == '\n') return 0;
    return 1;
}

int tlog_checkpoint_format(const tlog_checkpoint *c, char *buf, size_t cap, size_t *len, tr_err *err) {
    *len = 0;
    size_t ol = strnlen(c->origin, sizeof c->origin);
    if (ol == 0 || ol > TLOG_ORIGIN_MAX || memchr(c->origin, '\n', ol) || !text_valid(c->origin, ol))
        return tr_fail(err, TR_EINVAL, "origin", "the origin must be one non-empty line of UTF-8 text");
    if (c->size > TLOG_SIZE_MAX) return tr_fail(err, TR_EINVAL, "size", "tree size out of range");
    size_t el = c->ext ? c->ext_len : 0;
    if (!ext_valid(c->ext, el))
        return tr_fail(err, TR_EINVAL, "ext", "extension lines must be non-empty and end in a newline");
    char b64[TLOG_HASH_B64_SIZE];
    tlog_hash_to_base64(&c->root, b64);
    int n = snprintf(buf, cap, "%s\n%llu\n%s\n", c->origin, (unsigned long long)c->size, b64);
    if (n < 0 || (size_t)n + el >= cap) return tr_fail(err, TR_EINVAL, "", "checkpoint buffer too small");
    if (el > 0) memcpy(buf + n, c->ext, el);
    buf[(size_t)n + el] = '\0';
    *len = (size_t)n + el;
    return 0;
}

static int bad_line(tr_err *err, const char *field, const char *why) {
    return tr_fail(err, TR_EINVAL, field, "not a checkpoint: %s", why);
}

int tlog_checkpoint_parse(const char *text, size_t len, tlog_checkpoint *out, tr_err *err) {
    if (len == 0 || text[len - 1] != '\n' || !text_valid(text, len))
        return bad_line(err, "checkpoint", "the text must be UTF-8 lines ending in newlines");
    tlog_checkpoint c;
    memset(&c, 0, sizeof c);
    const char *p = text, *end = text + len;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == p || (size_t)(nl - p) > TLOG_ORIGIN_MAX) return bad_line(err, "origin", "bad origin line");
    memcpy(c.origin, p, (size_t)(nl - p));
    p = nl + 1;
    nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    if (nl == NULL || nl == p || (*p == '0' && nl - p > 1))
        return bad_line(err, "size", "the size must be a decimal number without leading zeroes");
    for (; p < nl; p++) {
        if (*p < '0' || *p > '9' || c.size > (TLOG_SIZE_MAX - (uint64_t)(*p - '0')) / 10)
            return bad_line(err, "size", "the size must be a decimal number up to 2^63-1");
        c.size = c.size * 10 + (uint64_t)(*p - '0');
    }
    p = nl + 1;
    nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    if (nl == NULL || tlog_hash_from_base64(p, (size_t)(nl - p), &c.root, "root", NULL) != 0)
        return bad_line(err, "root", "the root must be a 32-byte hash in base64");
    p = nl + 1;
    if (!ext_valid(p, (size_t)(end - p))) return bad_line(err, "ext", "extension lines must be non-empty");
    c.ext = p < end ? p : NULL;
    c.ext_len = (size_t)(end - p);
    *out = c;
    return 0;
}

int tlog_checkpoint_sign(const tlog_checkpoint *c, const tlog_signer *signers, size_t n, char **out,
                         size_t *out_len, tr_err *err) {
    *out = NULL;
    *out_len = 0;
    size_t cap = TLOG_ORIGIN_MAX + 64 + (c->ext ? c->ext_len : 0);
    char *text = malloc(cap);
    if (text == NULL) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    size_t len = 0;
    int rc = tlog_checkpoint_format(c, text, cap, &len, err);
    if (rc == 0) rc = tlog_note_sign(text, len, signers, n, out, out_len, err);
    free(text);
    return rc;
}

int tlog_checkpoint_open(const char *msg, size_t len, const tlog_verifier *known, size_t nknown,
                         const char *origin, tlog_checkpoint *out, tr_err *err) {
    tlog_note note;
    int rc = tlog_note_open(msg, len, known, nknown, &note, err);
    if (rc != 0) return rc;
    tlog_checkpoint c;
    rc = tlog_checkpoint_parse(msg, note.text_len, &c, err);
    if (rc != 0) return rc;
    if (origin != NULL && strcmp(origin, c.origin) != 0)
        return tr_fail(err, TR_EAUTH, "origin", "the checkpoint is for log '%s', not '%s'", c.origin, origin);
    *out = c;
    return 0;
}
