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

/* The level of the largest power of two <= x (x > 0). */
static inline int tlog__log2(uint64_t x) {
    return 63 - __builtin_clzll(x);
}

#endif
