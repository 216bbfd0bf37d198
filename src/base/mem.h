/*
 * mem.h — freeing several blocks at once.
 *
 *     TR_FREE(a->name, a->party, a->geometry);
 *
 * frees each pointer given (any object pointer, NULL allowed), in order. The list is a
 * compound literal of void *, so the count is never written by hand.
 */
#ifndef TRUCE_BASE_MEM_H
#define TRUCE_BASE_MEM_H

#include <stdlib.h>

static inline void tr_free_array(void *const *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(p[i]);
}

#define TR_FREE(...) tr_free_array((void *[]){__VA_ARGS__}, sizeof((void *[]){__VA_ARGS__}) / sizeof(void *))

#endif
