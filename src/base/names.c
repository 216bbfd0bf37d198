/* names.c — see names.h. */
#include "base/names.h"

#include <string.h>

const char *tr_name_of(const char *const *names, int n, int v) {
    return v >= 0 && v < n ? names[v] : "unknown";
}

int tr_name_find(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}
