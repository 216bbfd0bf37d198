/*
 * centre_record.c — what a party was told, under the log (docs/tlog.md "Notices" and
 * "A party's record").
 *
 * Every notice the centre delivers is a log entry, notice.create, in the transaction that
 * delivers it: its object is the notice as the addressee reads it, payload included, so
 * the public log commits (by SHA-256) to exactly what that party was told, when, without
 * revealing it; the entry's party is "centre" so the log does not even say to whom. One
 * entry per notice (not one per transaction), so that a party's record proves each of its
 * notices without showing another party's. A notice that asks the addressee to clear a
 * movement says so in its object ("clears": true), so the clearance it records
 * (movement_clearance) is under the log too: `truce verify` derives every clearance row
 * from these entries.
 *
 * A record (GET /v1/parties/{name}/record) bundles, for a window of delivery times, every
 * notice delivered to that party: the object bytes, its notice.create entry and an
 * inclusion proof, and when acknowledged the notice.ack entry (with the signed request's
 * bytes and the party.key entry of the key that signed it) with theirs — all proofs to
 * one checkpoint, the witnessed one when the centre has witnesses. `truce verify bundle`
 * checks it offline (edges/verify_bundle.c).
 */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_int.h"
#include "service/centre_objects.h"

#define RECORD_MAX_NOTICES 10000

/* ---- delivering ---- */

/* Inserts the notice (and, with clears, party's clearance of the movement it is about),
 * logs notice.create and records the entry's index in the row. */
static int deliver(centre *c, const char *party, const char *kind, const char *about_type, int64_t about_id,
                   const json_t *payload, int64_t created_at, int64_t deadline, bool clears, int64_t *id,
                   tr_err *err) {
    int64_t nid = 0;
    int rc = store_notice_insert(c->store, party, kind, about_type, about_id, payload, created_at, deadline,
                                 &nid, err);
    if (rc == TR_OK && clears) rc = store_clearance_insert(c->store, about_id, party, nid, err);
    if (rc) return rc;
    char ref[CENTRE_REF_MAX];
    centre_ref(TR_KIND_NOTICE, nid, ref);
    json_t *obj =
        centre_object_notice(nid, party, kind, about_type, about_id, payload, created_at, deadline, clears);
    json_t *answer = json_object();
    rc = obj && answer ? centre__log(c, CENTRE_SELF, NULL, TR_ENTRY(NOTICE_CREATE), ref, obj, answer, err)
                       : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_t *index = json_object_get(json_object_get(answer, "receipt"), "index");
    if (rc == TR_OK) rc = store_notice_set_log_index(c->store, nid, (uint64_t)json_integer_value(index), err);
    json_decref(obj);
    json_decref(answer);
    if (rc == TR_OK && id) *id = nid;
    return rc;
}

int centre__notice(centre *c, const char *party, const char *kind, const char *about_type, int64_t about_id,
                   const json_t *payload, int64_t created_at, int64_t deadline, int64_t *id, tr_err *err) {
    return deliver(c, party, kind, about_type, about_id, payload, created_at, deadline, false, id, err);
}

int centre__notice_clearance(centre *c, const char *party, int64_t movement_id, const json_t *payload,
                             int64_t created_at, int64_t deadline, tr_err *err) {
    return deliver(c, party, "movement", "movement", movement_id, payload, created_at, deadline, true, NULL,
                   err);
}

/* ---- what a signed request is about ---- */

int centre__target(const json_t *body, const char *field, int64_t id, const tr_party *by, json_t **rest,
                   tr_err *err) {
    json_t *v = json_object_get(body, field);
    *rest = NULL;
    if (!v && by->sig)
        return tr_fail(
            err, TR_EINVAL, field,
            "a signed request names what it is about, so the signature cannot be replayed on another: "
            "add \"%s\": %lld to the body before signing it",
            field, (long long)id);
    if (v && (!json_is_integer(v) || json_integer_value(v) != id))
        return tr_fail(err, TR_EINVAL, field, "must be %lld, the %s this request is about", (long long)id,
                       field);
    *rest = v ? json_deep_copy(body) : json_incref((json_t *)body);
    if (v && *rest) json_object_del(*rest, field);
    return *rest ? TR_OK : tr_fail(err, TR_ENOMEM, "", "out of memory");
}

/* ---- the bundle ---- */

typedef struct record {
    centre *c;
    const geo_box *bbox;
    uint64_t size; /* the checkpoint's */
    json_t *notices, *unprovable;
    tr_err *err;
} record;

typedef struct proven {
    json_t *out;      /* {"index", "entry", "proof"} */
    json_t *object;   /* the object's canonical bytes as a string */
    json_t *signed_b; /* base64 of the signed submission, or NULL */
    const record *r;
} proven;

static json_t *proof_array(const tlog_hash *p, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++) {
        char b64[TLOG_HASH_B64_SIZE];
        tlog_hash_to_base64(&p[i], b64);
        json_array_append_new(a, json_string(b64));
    }
    return a;
}

static int take_proven(const store_log_entry *e, void *ctx) {
    proven *p = ctx;
    tlog_hash proof[TLOG_PROOF_MAX];
    size_t n = 0;
    tlog_reader rd = store_log_reader(p->r->c->store);
    int rc = tlog_prove_inclusion(&rd, e->index, p->r->size, proof, &n, p->r->err);
    if (rc) return rc;
    p->out = json_pack("{s:I, s:s%, s:o}", "index", (json_int_t)e->index, "entry", (const char *)e->entry,
                       e->entry_len, "proof", proof_array(proof, n));
    p->object = json_stringn((const char *)e->object, e->object_len);
    if (e->submission) {
        char *b64 = malloc(sodium_base64_ENCODED_LEN(e->submission_len, sodium_base64_VARIANT_ORIGINAL));
        if (b64)
            sodium_bin2base64(b64,
                              sodium_base64_ENCODED_LEN(e->submission_len, sodium_base64_VARIANT_ORIGINAL),
                              e->submission, e->submission_len, sodium_base64_VARIANT_ORIGINAL);
        p->signed_b = b64 ? json_string(b64) : NULL;
        free(b64);
    }
    return p->out && p->object ? TR_OK : tr_fail(p->r->err, TR_ENOMEM, "", "out of memory");
}

/* Entry index with its object and inclusion proof: {"object", "entry": {...}} plus, for a
 * signed entry, "submission" (base64 of the signed body). */
static json_t *prove(const record *r, uint64_t index, int *rc) {
    proven p = {NULL, NULL, NULL, r};
    *rc = store_log_entries(r->c->store, index, index + 1, take_proven, &p, r->err);
    if (*rc == TR_OK && !p.out)
        *rc = tr_fail(r->err, TR_EIO, "", "log entry %llu is missing", (unsigned long long)index);
    json_t *o = *rc == TR_OK ? json_pack("{s:o, s:o}", "object", p.object, "entry", p.out) : NULL;
    if (o && p.signed_b) json_object_set_new(o, "submission", p.signed_b);
    if (!o) {
        json_decref(p.out);
        json_decref(p.object);
        json_decref(p.signed_b);
    }
    return o;
}

/* The party.key entry in force when a signed acknowledgement was logged. */
static json_t *signing_key(const record *r, const char *party, uint64_t ack_index, int *rc) {
    char ref[CENTRE_REF_MAX];
    uint64_t idx = 0;
    bool found = false;
    centre_ref_party(party, ref);
    *rc = store_log_last_before(r->c->store, TR_ENTRY(PARTY_KEY), ref, ack_index, &idx, &found, r->err);
    return *rc == TR_OK && found ? prove(r, idx, rc) : NULL;
}

static json_t *acknowledgement(const record *r, const store_notice_row *n, int *rc) {
    json_t *ack = prove(r, n->ack_index, rc);
    if (*rc) return NULL;
    json_object_set_new(ack, "at", tr_json_time_value(n->acked_at));
    json_t *key = json_object_get(ack, "submission") ? signing_key(r, n->party, n->ack_index, rc) : NULL;
    json_object_set_new(ack, "key", key ? key : json_null());
    if (*rc) {
        json_decref(ack);
        return NULL;
    }
    return ack;
}

static void add_point(geo_box *b, bool *any, double lon, double lat) {
    *b = *any ? (geo_box){fmin(b->minx, lon), fmin(b->miny, lat), fmax(b->maxx, lon), fmax(b->maxy, lat)}
              : (geo_box){lon, lat, lon, lat};
    *any = true;
}

/* Widens b with the positions of a GeoJSON "coordinates" (or "position") value. */
static void widen_coords(const json_t *v, geo_box *b, bool *any) {
    size_t i;
    json_t *x;
    if (json_array_size(v) >= 2 && json_is_number(json_array_get(v, 0)) &&
        json_is_number(json_array_get(v, 1)))
        add_point(b, any, json_number_value(json_array_get(v, 0)), json_number_value(json_array_get(v, 1)));
    else
        json_array_foreach(v, i, x) widen_coords(x, b, any);
}

/* Widens b with every place in v: GeoJSON coordinates and positions, and the {"lat",
 * "lng"} points of ASTM volumes (circle centres, polygon vertices), at any depth. */
static void widen(const json_t *v, geo_box *b, bool *any) {
    size_t i;
    const char *k;
    json_t *x;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (json_is_object(x) || json_is_array(x)) widen(x, b, any);
        return;
    }
    if (!json_is_object(v)) return;
    if (json_is_number(json_object_get(v, "lat")) && json_is_number(json_object_get(v, "lng")))
        add_point(b, any, json_number_value(json_object_get(v, "lng")),
                  json_number_value(json_object_get(v, "lat")));
    json_object_foreach((json_t *)v, k, x) {
        if (strcmp(k, "coordinates") == 0 || strcmp(k, "position") == 0)
            widen_coords(x, b, any);
        else
            widen(x, b, any);
    }
}

/* Whether a notice's payload has a place that meets the record's bbox. */
static bool in_bbox(const record *r, const json_t *payload) {
    if (!r->bbox) return true;
    geo_box b = {0, 0, 0, 0};
    bool any = false;
    widen(payload, &b, &any);
    return any && b.minx <= r->bbox->maxx && b.maxx >= r->bbox->minx && b.miny <= r->bbox->maxy &&
           b.maxy >= r->bbox->miny;
}

static int unprovable(record *r, const store_notice_row *n, const char *why) {
    json_t *x = json_pack("{s:I, s:o, s:s}", "notice", (json_int_t)n->id, "delivered_at",
                          tr_json_time_value(n->created_at), "reason", why);
    return x && !json_array_append_new(r->unprovable, x) ? TR_OK
                                                         : tr_fail(r->err, TR_ENOMEM, "", "out of memory");
}

static int add_notice(const store_notice_row *n, void *ctx) {
    record *r = ctx;
    json_t *payload = json_loads(n->payload ? n->payload : "null", JSON_DECODE_ANY, NULL);
    bool keep = in_bbox(r, payload);
    json_decref(payload);
    if (!keep) return TR_OK;
    if (!n->logged) return unprovable(r, n, "delivered before deliveries were logged (migration 0015)");
    if (n->log_index >= r->size) return unprovable(r, n, "delivered after the checkpoint of this record");
    int rc = TR_OK;
    json_t *item = prove(r, n->log_index, &rc);
    if (rc) return rc;
    json_object_set_new(item, "notice", json_integer(n->id));
    json_object_set_new(item, "delivered_at", tr_json_time_value(n->created_at));
    json_t *ack = json_null();
    if (n->acked && n->ack_index < r->size)
        ack = acknowledgement(r, n, &rc);
    else if (n->acked)
        json_object_set_new(item, "ack_pending", json_true()); /* acknowledged after the checkpoint */
    if (rc) {
        json_decref(item);
        return rc;
    }
    json_object_set_new(item, "acknowledged", ack);
    return json_array_append_new(r->notices, item) ? tr_fail(r->err, TR_ENOMEM, "", "out of memory") : TR_OK;
}

/* The record's checkpoint: the served one (witnessed when the centre has witnesses). */
static int record_checkpoint(centre *c, json_t *out, uint64_t *size, tr_err *err) {
    char *note = NULL;
    bool witnessed = false;
    int rc = centre_log_served(c, &note, size, &witnessed, err);
    if (rc) return rc;
    json_object_set_new(out, "checkpoint", json_string(note));
    json_object_set_new(out, "tree_size", json_integer((json_int_t)*size));
    json_object_set_new(out, "witnessed", json_boolean(witnessed));
    free(note);
    return TR_OK;
}

int centre_party_record(centre *c, const tr_party *viewer, const char *name, int64_t from, int64_t to,
                        const geo_box *bbox, json_t **out, tr_err *err) {
    bool known = false;
    if (store_party_known(c->store, name, &known, err)) return TR_EIO;
    if (!known || !centre_record_visible(name, viewer))
        return tr_fail(err, TR_ENOTFOUND, "name", "there is no party '%s'", name);
    if (to <= from) return tr_fail(err, TR_EINVAL, "to", "must be after from");
    record r = {c, bbox, 0, json_array(), json_array(), err};
    json_t *o = json_pack("{s:s, s:o, s:o}", "party", name, "from", tr_json_time_value(from), "to",
                          tr_json_time_value(to));
    json_object_set_new(o, "bbox",
                        bbox ? json_pack("[f, f, f, f]", bbox->minx, bbox->miny, bbox->maxx, bbox->maxy)
                             : json_null());
    size_t count = 0;
    int rc = record_checkpoint(c, o, &r.size, err);
    if (rc == TR_OK)
        rc = store_notice_record(c->store, name, from, to, RECORD_MAX_NOTICES, add_notice, &r, &count, err);
    if (rc == TR_OK && count > RECORD_MAX_NOTICES)
        rc = tr_fail(err, TR_EINVAL, "from", "more than %d notices were delivered in this window: narrow it",
                     RECORD_MAX_NOTICES);
    json_object_set_new(o, "notices", r.notices);
    json_object_set_new(o, "not_provable", r.unprovable);
    if (rc) {
        json_decref(o);
        return rc;
    }
    *out = o;
    return TR_OK;
}
