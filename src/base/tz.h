/*
 * tz.h — IANA time zones read from the system's TZif files (RFC 8536), for the bulletin's
 * day (docs/monitoring.md "The daily bulletin"). No global state: unlike setenv("TZ") +
 * mktime, a tr_tz can be used from any thread.
 *
 * Offsets come from the file's transitions (the 64-bit data of version 2+ files) and,
 * after the last transition, from its footer, a POSIX TZ string ("EET-2EEST,M3.5.5/0,
 * M10.5.5/0"; rules in the Mm.w.d form, the only one tzdata emits; a footer in another
 * form keeps the last transition's offset).
 *
 * Ownership: tr_tz_load allocates; free with tr_tz_free.
 */
#ifndef TRUCE_BASE_TZ_H
#define TRUCE_BASE_TZ_H

#include <stdint.h>

#include "base/err.h"

typedef struct tr_tz tr_tz;

/* Loads zone `name` ("Asia/Damascus") from $TZDIR or /usr/share/zoneinfo. TR_EINVAL
 * naming `field` for a name that is not a zone (unsafe characters, no such file, not a
 * TZif file). */
int tr_tz_load(const char *name, const char *field, tr_tz **out, tr_err *err);
void tr_tz_free(tr_tz *z);
const char *tr_tz_name(const tr_tz *z);

/* The offset east of UTC, in seconds, in force at instant t. */
int32_t tr_tz_offset(const tr_tz *z, int64_t t);

/* The instant at which the zone's wall clock reads `local` (seconds since 1970-01-01
 * 00:00 of the wall clock). In a gap (spring forward) the instant of the same wall time
 * under the earlier offset; in an overlap, the earlier of the two. */
int64_t tr_tz_to_utc(const tr_tz *z, int64_t local);

#endif
