/*
 * timeutil.h — instants as int64 seconds since 1970-01-01T00:00:00Z.
 *
 * Every time in truce is UTC seconds. TR_TIME_OPEN stands for "no end" (an open
 * valid_to) and TR_TIME_MIN for "no start". Intervals are half-open [from, to).
 */
#ifndef TRUCE_BASE_TIMEUTIL_H
#define TRUCE_BASE_TIMEUTIL_H

#include <stdint.h>

#define TR_TIME_OPEN INT64_MAX
#define TR_TIME_MIN INT64_MIN
#define TR_TIME_BUFSZ 32

/* Parses an RFC 3339 date-time ("2016-02-27T00:00:00Z", "...T02:00:00+02:00",
 * fractional seconds allowed and truncated) or a full date "2016-02-27" (midnight
 * UTC). The instant must fall in the years 0001..9999 (UTC). Returns 0 and sets
 * *out, or -1 if s is not such a time. */
int tr_time_parse(const char *s, int64_t *out);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" into buf (TR_TIME_BUFSZ bytes); returns buf. */
char *tr_time_format(int64_t t, char *buf);

/* The current time, in seconds. */
int64_t tr_time_now(void);

/* Milliseconds (track positions, docs/traffic.md): tr_time_parse's syntax, keeping the
 * fraction to the millisecond (truncated); 0 and *out, or -1. */
int tr_time_parse_ms(const char *s, int64_t *out);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (TR_TIME_BUFSZ bytes); returns buf. */
char *tr_time_format_ms(int64_t t_ms, char *buf);
/* The current time, in milliseconds. */
int64_t tr_time_now_ms(void);

/* Monotonic clock in nanoseconds, for latency figures. */
uint64_t tr_clock_ns(void);

#endif
