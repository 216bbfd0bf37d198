/*
 * arena.h — append-only memory for data that lives as long as its owner and is read at
 * random: blocks carved from 2 MB chunks mapped from the kernel (not the malloc heap),
 * aligned and advised as huge pages (MADV_HUGEPAGE), so that reading them costs fewer
 * cache and TLB misses than blocks scattered through the heap. Everything is freed at
 * once by tr_arena_free. (glibc's mallinfo does not count it: see tr_arena_bytes.)
 *
 * Not thread-safe: the owner serialises calls (the attribution engine, under its write
 * lock). Ownership: the caller owns the tr_arena (zero it before the first use); the
 * blocks belong to the arena.
 */
#ifndef TRUCE_BASE_ARENA_H
#define TRUCE_BASE_ARENA_H

#include <stddef.h>

#define TR_ARENA_CHUNK ((size_t)2 << 20)

typedef struct tr_arena {
    void **chunk; /* chunks, the last one being filled */
    size_t nchunk, capchunk;
    size_t used; /* bytes used in the last chunk */
} tr_arena;

/* A block of n bytes aligned on 64, or NULL when out of memory or when n is more than
 * a quarter of a chunk (the caller keeps such data in the heap). */
void *tr_arena_alloc(tr_arena *a, size_t n);

/* Bytes the arena holds (whole chunks). */
size_t tr_arena_bytes(const tr_arena *a);

/* Frees every block; the arena is empty again. */
void tr_arena_free(tr_arena *a);

#endif
