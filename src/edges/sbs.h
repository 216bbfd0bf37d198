/*
 * sbs.h — reading the SBS-1 BaseStation text stream that ADS-B receivers such as dump1090
 * serve on TCP port 30003 (issue 16, docs/traffic.md "Feeds"), into track positions.
 *
 * A line is comma-separated: field 1 the message type (only "MSG" is read), 2 the
 * transmission type, 5 the aircraft's 24-bit ICAO address in hex, 7-8 the date and time the
 * message was generated (YYYY/MM/DD, HH:MM:SS.mmm), 11 the callsign, 12 the (barometric)
 * altitude in feet, 13 the ground speed in knots, 14 the track angle in degrees, 15-16
 * latitude and longitude, 17 the vertical rate in feet per minute. Transmission types read:
 * 1 (identification: callsign), 3 (airborne position: altitude, latitude, longitude) and 4
 * (airborne velocity: ground speed, track, vertical rate); the others are skipped.
 *
 * A position comes out of a type 3 message when the aircraft's velocity is known: from the
 * same line (some feeds fill every field), else from its latest type 4 message no more
 * than SBS_VELOCITY_MAX_AGE_MS older. Positions of one aircraft come out in strictly
 * increasing time (a repeated or older one is dropped). Altitudes are taken as metres
 * above WGS 84 without a correction (ADS-B barometric altitude; the difference is a few
 * hundred metres at most). The track id is the ICAO address (upper case).
 *
 * Layer: an importer of the edges; pure (no I/O). Ownership: the tracker owns its state;
 * free with sbs_tracker_free.
 */
#ifndef TRUCE_EDGES_SBS_H
#define TRUCE_EDGES_SBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "domain/track.h"

#define SBS_VELOCITY_MAX_AGE_MS 10000

typedef struct sbs_msg {
    int type;      /* transmission type 1..8 */
    char hex[8];   /* ICAO address, upper case */
    int64_t at_ms; /* generated date and time (as UTC) */
    char callsign[TR_CALLSIGN_MAX + 1];
    bool has_alt, has_pos, has_vel, has_vrate;
    double alt_ft, lat, lon, speed_kt, track_deg, vrate_fpm;
} sbs_msg;

/* Parses one line (without its line end; a trailing '\r' is ignored). TR_OK with *out
 * filled for an MSG line of type 1, 3 or 4; TR_ENOTFOUND for a line to skip (another
 * message type, another transmission type, a blank line); TR_EINVAL naming the field
 * ("field 15") for a malformed line. */
int sbs_parse_line(const char *line, sbs_msg *out, tr_err *err);

typedef struct sbs_stats {
    long lines, skipped, malformed, positions, no_velocity, not_later;
} sbs_stats;

typedef struct sbs_tracker sbs_tracker;
sbs_tracker *sbs_tracker_new(void);
void sbs_tracker_free(sbs_tracker *t);
/* Takes one message; returns true and fills *out (vis not set: public) when it yields a
 * position. */
bool sbs_tracker_add(sbs_tracker *t, const sbs_msg *m, tr_position *out, sbs_stats *st);

#endif
