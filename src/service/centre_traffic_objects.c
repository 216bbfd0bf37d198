/*
 * centre_traffic_objects.c — the objects the log entries of tracks and alerts commit to
 * (centre_traffic.h). The centre builds them when it writes; `truce verify --db` rebuilds
 * them from the rows; both call these functions. A batch's entry commits to its positions
 * through the SHA-256 of the canonical bytes of their JSON array (never kept whole: it is
 * hashed position by position), so the log holds one small object per batch.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_traffic.h"

void centre_ref_track_batch(int64_t id, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "track_batch/%lld", (long long)id);
}

void centre_ref_traffic_alert(int64_t id, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "traffic_alert/%lld", (long long)id);
}

json_t *centre_object_position(const store_position *sp) {
    const tr_position *p = &sp->p;
    char at[TR_TIME_BUFSZ];
    json_t *o = json_pack("{s:f, s:s, s:f, s:f, s:s, s:I, s:o, s:f, s:f, s:f}", "alt_m", p->alt_m, "at",
                          tr_time_format_ms(p->at_ms, at), "lat", p->lat, "lon", p->lon, "track", p->track,
                          "track_id", (json_int_t)sp->track_id, "visibility", tr_vis_to_json(&p->vis),
                          "vx_mps", p->vx, "vy_mps", p->vy, "vz_mps", p->vz);
    if (o && p->callsign[0]) json_object_set_new(o, "callsign", json_string(p->callsign));
    return o;
}

struct centre_hash_state {
    crypto_hash_sha256_state st;
    size_t n;
};

centre_hash_state *centre_positions_hash_begin(void) {
    centre_hash_state *h = malloc(sizeof *h);
    if (!h) return NULL;
    crypto_hash_sha256_init(&h->st);
    crypto_hash_sha256_update(&h->st, (const unsigned char *)"[", 1);
    h->n = 0;
    return h;
}

int centre_positions_hash_add(centre_hash_state *h, const store_position *p) {
    json_t *o = centre_object_position(p);
    char *bytes = o ? centre_object_bytes(o) : NULL;
    json_decref(o);
    if (!bytes) return TR_ENOMEM;
    if (h->n++) crypto_hash_sha256_update(&h->st, (const unsigned char *)",", 1);
    crypto_hash_sha256_update(&h->st, (const unsigned char *)bytes, strlen(bytes));
    free(bytes);
    return TR_OK;
}

void centre_positions_hash_end(centre_hash_state *h, char hex[65]) {
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_update(&h->st, (const unsigned char *)"]", 1);
    crypto_hash_sha256_final(&h->st, d);
    sodium_bin2hex(hex, 65, d, sizeof d);
    free(h);
}

json_t *centre_object_track_batch(const store_track_batch *b, const char *config_body,
                                  const char *positions_sha256, const json_t *tracks) {
    char at[TR_TIME_BUFSZ];
    json_t *config = json_loads(config_body ? config_body : "null", JSON_DECODE_ANY, NULL);
    json_t *o = json_pack("{s:o, s:I, s:I, s:s, s:s, s:s}", "config", config ? config : json_null(), "count",
                          (json_int_t)b->count, "id", (json_int_t)b->id, "kind", b->kind, "party", b->party,
                          "received_at", tr_time_format_ms(b->received_ms, at));
    if (o && positions_sha256) json_object_set_new(o, "positions_sha256", json_string(positions_sha256));
    if (o && tracks) json_object_set(o, "tracks", (json_t *)tracks);
    return o;
}

static json_t *opt_real(double v) {
    return v < 0 ? json_null() : json_real(v);
}

json_t *centre_object_traffic_alert(const store_traffic_alert *a) {
    char at[TR_TIME_BUFSZ];
    json_t *o = json_pack(
        "{s:s, s:I, s:s, s:o, s:o, s:s, s:i, s:I, s:i, s:s, s:o, s:o, s:I, s:o}", "at",
        tr_time_format_ms(a->at_ms, at), "batch", (json_int_t)a->batch_id, "change", a->change, "distance_m",
        opt_real(a->distance), "h_sep_m", opt_real(a->h_sep), "kind", a->kind, "level", a->level, "other",
        (json_int_t)a->other_id, "part", a->part, "reason", a->reason, "time_to_cpa_s", opt_real(a->t_cpa),
        "time_to_los_s", opt_real(a->t_los), "track", (json_int_t)a->track_id, "v_sep_m", opt_real(a->v_sep));
    if (o && a->id) json_object_set_new(o, "id", json_integer(a->id));
    return o;
}
