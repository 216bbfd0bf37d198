/*
 * json_text.h — how truce prints numbers and JSON: one encoder for reals, one dump.
 *
 * Every real truce prints — in API answers, exports, the CLI and the canonical bytes of
 * log entries of version 2 (docs/tlog.md) — is the shortest decimal that reads back
 * (strtod) as the same double: 37.16, not 37.159999999999997. The layout is Python's
 * repr() of a float, so `json.dumps(v, sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False)` reproduces truce's canonical bytes exactly: fixed notation for
 * 1e-4 <= |v| < 1e16 with ".0" on whole values (36.0), otherwise d.ddde+XX (1e-05,
 * 1e+16); -0.0 keeps its sign.
 *
 * Ownership: tr_real_format writes into the caller's buffer; tr_json_dumps returns a
 * malloc'd NUL-terminated string the caller frees with free(), or NULL (out of memory, or
 * a value jansson cannot encode).
 */
#ifndef TRUCE_BASE_JSON_TEXT_H
#define TRUCE_BASE_JSON_TEXT_H

#include <jansson.h>
#include <stddef.h>

#define TR_REAL_BUFSZ 32 /* "-2.2250738585072014e-308" and its NUL fit */

/* The shortest round-trip decimal of v (finite) into buf; returns buf. Not finite: "null". */
const char *tr_real_format(double v, char buf[TR_REAL_BUFSZ]);

/* json_dumps(j, flags) with every real printed by tr_real_format (JSON_COMPACT,
 * JSON_INDENT(n), JSON_SORT_KEYS, JSON_ENCODE_ANY and JSON_ESCAPE_SLASH as jansson reads
 * them; any JSON_REAL_PRECISION is ignored; control characters in strings are escaped
 * \u00xx in lowercase, as Python does). Use it wherever JSON that may hold reals is printed. */
char *tr_json_dumps(const json_t *j, size_t flags);

#endif
