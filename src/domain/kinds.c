/* kinds.c — the registry of stored kinds and log entry types (kinds.h). */
#include "domain/kinds.h"

#include <string.h>

/* clang-format off */
#define KIND_ROW_(id, name, table, cols, route, engine) {TR_KIND_##id, name, table, cols, route, engine},
#define ENTRY_ROW_(id, s, kind, table) {TR_ENTRY_##id, s, TR_KIND_##kind, table},
static const tr_kind_desc KINDS[] = {TR_KIND_MAP(KIND_ROW_)};
static const tr_entry_desc ENTRIES[] = {TR_ENTRY_MAP(ENTRY_ROW_)};
/* clang-format on */

const tr_kind_desc *tr_kind_get(tr_kind k) {
    return (int)k >= 0 && k < TR_KIND_COUNT ? &KINDS[k] : NULL;
}

const tr_kind_desc *tr_kind_find(const char *name) {
    for (size_t i = 0; name && i < TR_KIND_COUNT; i++)
        if (strcmp(KINDS[i].name, name) == 0) return &KINDS[i];
    return NULL;
}

const tr_entry_desc *tr_entry_get(tr_entry e) {
    return (int)e >= 0 && e < TR_ENTRY_COUNT ? &ENTRIES[e] : NULL;
}

const char *tr_entry_name(tr_entry e) {
    const tr_entry_desc *d = tr_entry_get(e);
    return d ? d->type : "unknown";
}

const tr_entry_desc *tr_entry_find(const char *type) {
    for (size_t i = 0; type && i < TR_ENTRY_COUNT; i++)
        if (strcmp(ENTRIES[i].type, type) == 0) return &ENTRIES[i];
    return NULL;
}
