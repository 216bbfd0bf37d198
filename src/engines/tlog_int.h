/*
 * tlog_int.h — helpers shared by the tlog_*.c files; not part of the engine's interface.
 */
#ifndef TRUCE_ENGINES_TLOG_INT_H
#define TRUCE_ENGINES_TLOG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "engines/tlog.h"

/* Decodes canonical padded standard base64 (len characters) into at most cap bytes.
 * Returns 0 and *out_len, or -1 for anything else. */
int tlog__b64_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* Encodes n bytes as padded standard base64 into out (cap >= 4*ceil(n/3)+1), NUL
 * terminated. */
void tlog__b64_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* SHA-256(name || 0x0A || alg || pk)[:4], big-endian: a signed-note key ID. */
uint32_t tlog__key_id_alg(const char *name, uint8_t alg, const uint8_t pk[32]);

/* "<prefix><name>+<8 hex id>+base64(alg || key)" into buf; TR_EINVAL for a bad name or
 * a small buffer. */
int tlog__key_encode(const char *prefix, const char *name, uint32_t id, uint8_t alg, const uint8_t key[32],
                     char *buf, size_t cap, tr_err *err);

/* Splits "<name>+<8 hex id>+<base64(alg || 32 bytes)>" into its parts; -1 when malformed
 * or of another algorithm. The key ID is not checked against the key. */
int tlog__key_decode(const char *s, uint8_t alg, char name[TLOG_NAME_MAX + 1], uint32_t *id, uint8_t key[32]);

/* The level of the largest power of two <= x (x > 0). */
static inline int tlog__log2(uint64_t x) {
    return 63 - __builtin_clzll(x);
}

#endif
