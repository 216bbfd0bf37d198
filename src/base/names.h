/*
 * names.h — enums spelled by a table of names, one lookup for all of them.
 *
 * An enum whose values are 0..COUNT-1 and whose spellings are a `const char *const[]`
 * (usually made from the enum's X-macro map with TR_NAME_STR) gets its pair of
 * functions from TR_NAMES_DEFINE:
 *
 *     static const char *const role_names[] = {TR_ROLE_MAP(TR_NAME_STR)};
 *     TR_NAMES_DEFINE(tr_role, tr_role, role_names, ROLE_COUNT)
 *
 * defines `const char *tr_role_name(tr_role)` ("unknown" for a value out of range) and
 * `int tr_role_parse(const char *s, tr_role *out)` (0, or -1 when s is NULL or not an
 * exact spelling; *out untouched then).
 */
#ifndef TRUCE_BASE_NAMES_H
#define TRUCE_BASE_NAMES_H

/* clang-format off */

/* For X-macro maps X(enum, spelling): expands to the spelling and a comma. */
#define TR_NAME_STR(e, s) s,

/* For X-macro maps X(enum, spelling): expands to the enum constant and a comma. */
#define TR_NAME_ENUM(e, s) e,

/* Declares `typedef enum {MAP's constants…, count} type;` with fn_name and fn_parse. */
#define TR_NAMES_ENUM(type, fn, MAP, count) \
    typedef enum { MAP(TR_NAME_ENUM) count } type; \
    const char *fn##_name(type v); \
    int fn##_parse(const char *s, type *out);

/* names[v] when 0 <= v < n, else "unknown". */
const char *tr_name_of(const char *const *names, int n, int v);
/* The index of s in names[0..n), or -1 (also for s NULL). */
int tr_name_find(const char *const *names, int n, const char *s);

/* Defines only fn_parse (for enums spelled elsewhere or not at all). */
#define TR_NAMES_DEFINE_PARSE(type, fn, names, count) \
    int fn##_parse(const char *s_, type *out_) { \
        int i_ = tr_name_find(names, (int)(count), s_); \
        if (i_ < 0) return -1; \
        *out_ = (type)i_; \
        return 0; \
    }

#define TR_NAMES_DEFINE(type, fn, names, count) \
    const char *fn##_name(type v) { \
        return tr_name_of(names, (int)(count), (int)v); \
    } \
    TR_NAMES_DEFINE_PARSE(type, fn, names, count)

/* clang-format on */

#endif
