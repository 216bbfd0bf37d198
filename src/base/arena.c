/*
 * arena.c — the append-only huge-page arena (arena.h).
 */
#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A chunk of TR_ARENA_CHUNK bytes aligned on its size (a huge page can back it), from
 * the kernel: map twice the size, unmap the ends. NULL when out of memory. */
static void *map_chunk(void) {
    size_t len = 2 * TR_ARENA_CHUNK;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char *c = (char *)(((uintptr_t)p + TR_ARENA_CHUNK - 1) & ~(uintptr_t)(TR_ARENA_CHUNK - 1));
    if (c > p) munmap(p, (size_t)(c - p));
    if (c + TR_ARENA_CHUNK < p + len) munmap(c + TR_ARENA_CHUNK, (size_t)(p + len - (c + TR_ARENA_CHUNK)));
#ifdef MADV_HUGEPAGE
    (void)madvise(c, TR_ARENA_CHUNK, MADV_HUGEPAGE); /* a hint: without it, 4 KB pages */
#endif
    return c;
}

/* Starts a new chunk. 0 or -1. */
static int add_chunk(tr_arena *a) {
    if (a->nchunk == a->capchunk) {
        size_t cap = a->capchunk ? 2 * a->capchunk : 8;
        void **p = realloc(a->chunk, cap * sizeof *p);
        if (!p) return -1;
        a->chunk = p;
        a->capchunk = cap;
    }
    void *c = map_chunk();
    if (!c) return -1;
    a->chunk[a->nchunk++] = c;
    a->used = 0;
    return 0;
}

void *tr_arena_alloc(tr_arena *a, size_t n) {
    n = (n + 63) & ~(size_t)63;
    if (n == 0 || n > TR_ARENA_CHUNK / 4) return NULL;
    if ((a->nchunk == 0 || a->used + n > TR_ARENA_CHUNK) && add_chunk(a) != 0) return NULL;
    void *p = (char *)a->chunk[a->nchunk - 1] + a->used;
    a->used += n;
    return p;
}

size_t tr_arena_bytes(const tr_arena *a) {
    return a->nchunk * TR_ARENA_CHUNK;
}

void tr_arena_free(tr_arena *a) {
    for (size_t i = 0; i < a->nchunk; i++)
        munmap(a->chunk[i], TR_ARENA_CHUNK);
    free(a->chunk);
    memset(a, 0, sizeof *a);
}
