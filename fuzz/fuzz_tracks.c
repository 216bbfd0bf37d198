/* fuzz_tracks.c — fuzzes the readers of positions (issue 16): any bytes as a POST /v1/tracks
 * body (JSON and NDJSON) and as SBS-1 BaseStation lines through the tracker. They must never
 * crash or leak, and never accept a position out of its ranges or a batch whose tracks go
 * back in time. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/track.h"
#include "edges/sbs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const tr_position *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const tr_position *p = &v[i];
        if (!(fabs(p->lon) <= 180 && fabs(p->lat) <= 90 && p->alt_m >= TR_TRACK_ALT_MIN_M &&
              p->alt_m <= TR_TRACK_ALT_MAX_M && hypot(p->vx, p->vy) <= TR_TRACK_MAX_SPEED_MPS * (1 + 1e-12) &&
              fabs(p->vz) <= TR_TRACK_MAX_VRATE_MPS && p->track[0]))
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(v[j].track, p->track) == 0 && v[j].at_ms >= p->at_ms) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tr_position *v;
    size_t n;
    tr_err err;
    for (int nd = 0; nd < 2; nd++)
        if (tr_positions_parse((const char *)data, size, nd, &v, &n, &err) == TR_OK) {
            check(v, n);
            tr_positions_free(v, n);
        }
    char line[600];
    sbs_tracker *t = sbs_tracker_new();
    sbs_stats st = {0};
    for (size_t off = 0; t && off < size;) {
        const uint8_t *nl = memchr(data + off, '\n', size - off);
        size_t len = nl ? (size_t)(nl - (data + off)) : size - off;
        if (len < sizeof line && !memchr(data + off, '\0', len)) {
            memcpy(line, data + off, len);
            line[len] = '\0';
            sbs_msg m;
            tr_position p;
            if (sbs_parse_line(line, &m, &err) == TR_OK && sbs_tracker_add(t, &m, &p, &st)) check(&p, 1);
        }
        off += len + 1;
    }
    sbs_tracker_free(t);
    return 0;
}
