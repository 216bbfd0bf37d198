/* centre.c — the write path shared by all edges, and loading the engines at start. */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include "service/centre.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/timeutil.h"
#include "base/tz.h"
#include "service/centre_int.h"
#include "service/centre_monitor.h"
#include "service/centre_objects.h"

/* ---- publishing committed values to the engines ---- */

/* Clears each of the n values of arr with clear. */
#define CLEAR_EACH(arr, n, clear)                                                                            \
    for (size_t i_ = 0; i_ < (n); i_++)                                                                      \
    clear(&(arr)[i_])

void centre__pending_clear(centre_pending *p) {
    CLEAR_EACH(p->areas, p->nareas, tr_area_clear);
    CLEAR_EACH(p->agreements, p->nagreements, tr_agreement_clear);
    CLEAR_EACH(p->sites, p->nsites, tr_site_clear);
    CLEAR_EACH(p->operations, p->noperations, tr_operation_clear);
    CLEAR_EACH(p->movements, p->nmovements, tr_movement_clear);
    CLEAR_EACH(p->tf_active, p->ntf_active, tr_operation_clear);
    TR_FREE(p->tf_active, p->movements, p->dc_remove, p->areas, p->agreements, p->sites, p->operations);
    memset(p, 0, sizeof *p);
}

/* Moves *v to the end of arr (n entries) and zeroes *v; TR_ENOMEM from the function
 * it is used in when the array cannot grow (nothing moved then). */
#define PENDING_PUSH(arr, n, v)                                                                              \
    do {                                                                                                     \
        void *grown_ = realloc((arr), ((n) + 1) * sizeof *(arr));                                            \
        if (!grown_) return TR_ENOMEM;                                                                       \
        (arr) = grown_;                                                                                      \
        (arr)[(n)++] = *(v);                                                                                 \
        memset((v), 0, sizeof *(v));                                                                         \
    } while (0)

int centre__pending_area(centre_pending *p, tr_area *a) {
    PENDING_PUSH(p->areas, p->nareas, a);
    return TR_OK;
}

int centre__pending_site(centre_pending *p, tr_site *s) {
    PENDING_PUSH(p->sites, p->nsites, s);
    return TR_OK;
}

int centre__pending_operation(centre_pending *p, tr_operation *o) {
    PENDING_PUSH(p->operations, p->noperations, o);
    return TR_OK;
}

int centre__pending_op_active(centre_pending *p, tr_operation *o) {
    PENDING_PUSH(p->tf_active, p->ntf_active, o);
    return TR_OK;
}

int centre__pending_movement(centre_pending *p, tr_movement *m) {
    PENDING_PUSH(p->movements, p->nmovements, m);
    return TR_OK;
}

int centre__pending_agreement(centre_pending *p, tr_agreement *a) {
    PENDING_PUSH(p->agreements, p->nagreements, a);
    return TR_OK;
}

/* Commits the open transaction, then hands the pending values to the engines. A
 * failure to publish after a commit means the engines no longer mirror the store:
 * that is fatal for a server, so it is reported loudly and the process exits. */
typedef struct publish_ctx {
    centre *c;
    centre_pending *p;
} publish_ctx;

/* Hands committed values to the engines, under the store's writer lock (so in commit
 * order: two versions of one area can never arrive out of order). */
static int publish(void *ctx, tr_err *err) {
    centre *c = ((publish_ctx *)ctx)->c;
    centre_pending *p = ((publish_ctx *)ctx)->p;
    int rc = centre__traffic_publish(c, p, err); /* first: the attribution engine takes the areas */
    for (size_t i = 0; rc == TR_OK && i < p->nareas; i++)
        rc = attr_engine_add_area(c->attr, &p->areas[i], err);
    for (size_t i = 0; rc == TR_OK && i < p->nagreements; i++)
        rc = attr_engine_add_agreement(c->attr, &p->agreements[i], err);
    for (size_t i = 0; rc == TR_OK && i < p->nsites; i++)
        rc = centre__dc_add_site(c, &p->sites[i], p->dc_held, err);
    for (size_t i = 0; rc == TR_OK && i < p->noperations; i++)
        rc = centre__dc_add_operation(c, &p->operations[i], p->operations[i].owner_id, p->dc_held, err);
    for (size_t i = 0; rc == TR_OK && i < p->nmovements; i++)
        rc = centre__dc_add_movement(c, &p->movements[i], p->dc_held, err);
    for (size_t i = 0; rc == TR_OK && i < p->ndc_remove; i++) { /* absent already: nothing to do */
        int r = p->dc_held ? dc_engine_remove_held(c->dc, p->dc_remove[i])
                           : dc_engine_remove(c->dc, p->dc_remove[i]);
        if (r != TR_OK && r != TR_ENOTFOUND)
            rc = tr_fail(err, r, "", "cannot remove a volume from the engine");
    }
    if (rc != TR_OK) {
        fprintf(stderr, "truce: FATAL: committed write could not be published to the engines: %s\n",
                err ? err->msg : "?");
        abort();
    }
    return rc;
}

int centre__publish(centre *c, centre_pending *p, tr_err *err) {
    publish_ctx x = {c, p};
    return publish(&x, err);
}

int centre__commit(centre *c, centre_pending *p, tr_err *err) {
    publish_ctx x = {c, p};
    int rc =
        p->shared ? store_commit_shared(c->store, err) : store_commit_publish(c->store, publish, &x, err);
    centre__pending_clear(p);
    return rc;
}

int centre__finish(centre *c, centre_pending *p, int rc, json_t **out, tr_err *err) {
    if (rc == TR_OK) {
        rc = centre__commit(c, p, err);
    } else {
        store_rollback(c->store);
        centre__pending_clear(p);
    }
    if (rc && out && *out) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- opening ---- */

static int load_area(tr_area *a, void *ctx) {
    centre *c = ctx;
    tr_err err = {0};
    int rc = tr_area_build_shape(a, &err);
    if (rc == TR_OK) rc = attr_engine_add_area(c->attr, a, &err);
    if (rc) fprintf(stderr, "truce: area %lld v%d not loaded: %s\n", (long long)a->id, a->version, err.msg);
    return rc;
}

static int load_agreement(tr_agreement *a, void *ctx) {
    centre *c = ctx;
    return attr_engine_add_agreement(c->attr, a, NULL);
}

static int load_site(tr_site *s, void *ctx) {
    centre *c = ctx;
    tr_err err = {0};
    int rc = s->vis.is_public ? TR_OK : store_privacy_get(c->store, "site", s->id, &s->priv, &err);
    if (rc == TR_OK) rc = centre__dc_add_site(c, s, false, &err);
    if (rc) fprintf(stderr, "truce: site %lld not loaded: %s\n", (long long)s->id, err.msg);
    return rc;
}

/* What loading the deconfliction engine needs besides each row: the objects that left
 * it (one query each, not one per row). */
typedef struct dc_load {
    centre *c;
    int64_t *retired;
    size_t nretired;
} dc_load;

static int cmp_id(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static bool load_retired(const dc_load *l, int64_t id) {
    return l->nretired && bsearch(&id, l->retired, l->nretired, sizeof id, cmp_id);
}

static int load_movement(tr_movement *m, void *ctx) {
    dc_load *l = ctx;
    tr_err err = {0};
    if (load_retired(l, m->id)) return TR_OK;
    int rc = m->vis.is_public ? TR_OK : store_privacy_get(l->c->store, "movement", m->id, &m->priv, &err);
    if (rc == TR_OK) rc = centre__dc_add_movement(l->c, m, false, &err);
    if (rc) fprintf(stderr, "truce: movement %lld not loaded: %s\n", (long long)m->id, err.msg);
    return rc;
}

/* Fills c->dc from the store: sites, operations and movements still taking part. */
static int load_dc(centre *c, tr_err *err) {
    dc_load l = {.c = c};
    dc_engine_load_begin(c->dc); /* indexed at once by the pack below */
    int rc = store_site_each(c->store, load_site, c, err);
    if (rc == TR_OK) rc = store_dc_retired(c->store, "operation", &l.retired, &l.nretired, err);
    if (rc == TR_OK) rc = centre__dc_load_operations(c, l.retired, l.nretired, err); /* centre_dc_load.c */
    free(l.retired);
    l.retired = NULL;
    if (rc == TR_OK) rc = store_dc_retired(c->store, "movement", &l.retired, &l.nretired, err);
    if (rc == TR_OK) rc = store_movement_each(c->store, load_movement, &l, err);
    free(l.retired);
    if (rc == TR_OK && dc_engine_pack(c->dc) != TR_OK) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    return rc;
}

int64_t centre_notice_deadline(const centre *c, int64_t now, int64_t start) {
    int64_t least = now + c->notice_deadline_s;
    if (start == TR_TIME_MIN || start == TR_TIME_OPEN) return least;
    int64_t before = start - c->notice_lead_s;
    return before > least ? before : least;
}

int64_t centre__conflict_deadline(const centre *c, int64_t now, const json_t *conflict) {
    int64_t start = TR_TIME_MIN;
    const char *s = json_string_value(json_object_get(conflict, "time_start"));
    if (!s || tr_time_parse(s, &start)) start = TR_TIME_MIN;
    return centre_notice_deadline(c, now, start);
}

/* Fills c->attr from the store: every area version and agreement. */
static int load_attr(centre *c, tr_err *err) {
    int rc = store_area_each(c->store, load_area, c, err);
    if (rc == TR_OK) rc = store_agreement_each(c->store, load_agreement, c, err);
    if (rc == TR_OK) attr_engine_pack(c->attr);
    return rc;
}

/* ---- lost log entries: every engine reloaded (store.h) ---- */

/* store_follow_reload's load, holding c->engines for writing (no request reads an engine):
 * each engine made again from the store as centre_open makes it. On a failure every
 * engine is still a valid one, and the store stays lost (requests answer 503). */
static int reload_all(void *ctx, tr_err *err) {
    centre *c = ctx;
    attr_engine *attr = attr_engine_new();
    dc_engine *dc = dc_engine_new();
    if (!attr || !dc) {
        attr_engine_free(attr);
        dc_engine_free(dc);
        return tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    attr_engine_free(c->attr);
    dc_engine_free(c->dc);
    c->attr = attr;
    c->dc = dc;
    int rc = load_attr(c, err);
    if (rc == TR_OK) rc = load_dc(c, err);
    pthread_mutex_lock(&c->mon_mu);
    mon_config cfg = *mon_engine_config(c->mon);
    pthread_mutex_unlock(&c->mon_mu);
    if (rc == TR_OK) rc = centre_mon_configure(c, &cfg, err);
    if (rc == TR_OK) rc = centre__traffic_reload(c, err);
    return rc;
}

static int reload_engines(void *ctx, tr_err *err) {
    centre *c = ctx;
    pthread_rwlock_wrlock(&c->engines);
    int rc = store_follow_reload(c->store, reload_all, c, err);
    pthread_rwlock_unlock(&c->engines);
    return rc;
}

int centre_engines_enter(centre *c, tr_err *err) {
    pthread_rwlock_rdlock(&c->engines);
    if (!store_follow_lost(c->store)) return TR_OK;
    pthread_rwlock_unlock(&c->engines);
    return tr_fail(err, TR_EUNAVAIL, "",
                   "this instance is reloading its engines: the database lost log entries it had applied (a "
                   "failover); try again");
}

void centre_engines_leave(centre *c) {
    pthread_rwlock_unlock(&c->engines);
}

/* Requests must not starve a reload: writers first. */
static void engines_lock_init(pthread_rwlock_t *l) {
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(l, &a);
    pthread_rwlockattr_destroy(&a);
}

int centre_open(const char *db_path, const geo_limits *limits, centre **out, tr_err *err) {
    if (sodium_init() < 0) return tr_fail(err, TR_EINTERNAL, "", "libsodium failed to initialise");
    centre *c = calloc(1, sizeof *c);
    if (!c) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    c->limits = *limits;
    pthread_mutex_init(&c->mon_mu, NULL);
    engines_lock_init(&c->engines);
    int rc = store_open(db_path, &c->store, err);
    /* Shared (PostgreSQL): the writers' lock is held while the engines load, so they
     * reflect exactly the log's first `applied` entries; what commits later is followed. */
    bool held = rc == TR_OK && store_shared(c->store) && (rc = store_begin(c->store, err)) == TR_OK;
    if (rc == TR_OK && !(c->attr = attr_engine_new())) rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = load_attr(c, err);
    c->site_buffer_m = CENTRE_SITE_BUFFER_M;
    c->op_sep = (dc_sep){CENTRE_OP_HORIZONTAL_M, CENTRE_OP_VERTICAL_M};
    c->notice_deadline_s = CENTRE_NOTICE_DEADLINE_S;
    c->notice_lead_s = CENTRE_NOTICE_LEAD_S;
    c->privacy_margin_m = CENTRE_PRIVACY_MARGIN_M;
    c->probe_budget = CENTRE_PROBE_BUDGET;
    c->probe_window_s = CENTRE_PROBE_WINDOW_S;
    if (rc == TR_OK && (!(c->dc = dc_engine_new()) || !(c->dc_tags = centre__dc_tags_new())))
        rc = tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = load_dc(c, err);
    if (rc == TR_OK) rc = centre__mon_load(c, err);
    if (rc == TR_OK) rc = centre__traffic_open(c, err);
    if (held) {
        store_follow_set(c->store, centre__follow, c, store_log_tree(c->store)->size);
        store_follow_on_lost(c->store, reload_engines, c);
        store_rollback(c->store);
    }
    if (rc != TR_OK) {
        centre_close(c);
        return rc;
    }
    *out = c;
    return TR_OK;
}

void centre_close(centre *c) {
    if (!c) return;
    if (c->store) store_follower_stop(c->store); /* it applies entries to the engines freed below */
    centre_witnesses_clear(c);
    attr_engine_free(c->attr);
    dc_engine_free(c->dc);
    centre__dc_tags_free(c->dc_tags);
    mon_engine_free(c->mon);
    centre__traffic_close(c);
    for (size_t i = 0; i < c->nzones; i++)
        tr_tz_free(c->zones[i]);
    free(c->zones);
    pthread_mutex_destroy(&c->mon_mu);
    pthread_rwlock_destroy(&c->engines);
    store_close(c->store);
    free(c->kept_path);
    free(c);
}

/* ---- parties, tokens, actors ---- */

static void token_hash(const char *token, char hex[65]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(hex, 65, h, sizeof h);
}

int centre__party_add_tx(centre *c, const char *by, const char *name, const char *role, const char *full_name,
                         char token[CENTRE_TOKEN_LEN + 1], tr_err *err) {
    tr_role r;
    if (tr_name_check(name, "name", err)) return TR_EINVAL;
    if (!role || tr_role_parse(role, &r))
        return tr_fail(err, TR_EINVAL, "role",
                       "unknown role '%s': use admin, monitor, guarantor, belligerent, observer, "
                       "humanitarian or mine_action",
                       role ? role : "");
    bool actor;
    if (store_actor_exists(c->store, name, &actor, err)) return TR_EIO;
    if (actor) return tr_fail(err, TR_ECONFLICT, "name", "'%s' is already an actor's name", name);
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(token, "truce_", 6);
    sodium_bin2base64(token + 6, CENTRE_TOKEN_LEN - 6 + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char hex[65];
    token_hash(token, hex);
    int64_t now = tr_time_now(); /* created_at and the entry's at: verify checks they are equal */
    int rc = store_party_insert(c->store, name, r, full_name, hex, now, NULL, err);
    if (rc) return rc;
    char ref[CENTRE_REF_MAX];
    centre_ref_party(name, ref);
    json_t *obj = centre_object_party(name, role, full_name, hex);
    rc = centre__log_at(c, now, by, NULL, TR_ENTRY(PARTY_ADD), ref, obj, NULL, err);
    json_decref(obj);
    return rc;
}

int centre_party_revoke(centre *c, const char *name, tr_err *err) {
    int rc = store_begin(c->store, err);
    if (rc) return rc;
    int64_t now = tr_time_now();
    rc = store_party_revoke(c->store, name, now, err);
    if (rc == TR_OK) {
        char ref[CENTRE_REF_MAX];
        centre_ref_party(name, ref);
        json_t *obj = centre_object_party_revoke(name, now);
        rc = centre__log(c, CENTRE_OPERATOR, NULL, TR_ENTRY(PARTY_REVOKE), ref, obj, NULL, err);
        json_decref(obj);
    }
    if (rc) {
        store_rollback(c->store);
        return rc;
    }
    return store_commit(c->store, err);
}

int centre_party_add(centre *c, const char *name, const char *role, const char *full_name,
                     char token[CENTRE_TOKEN_LEN + 1], tr_err *err) {
    if (store_begin(c->store, err)) return TR_EIO;
    int rc = centre__party_add_tx(c, CENTRE_OPERATOR, name, role, full_name, token, err);
    if (rc) {
        store_rollback(c->store);
        return rc;
    }
    return store_commit(c->store, err);
}

int centre_party_set_key(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err) {
    static const char *const keys[] = {"public_key", NULL};
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    if (tr_json_only_keys(body, keys, "", err)) return TR_EINVAL;
    const char *b64 = json_string_value(json_object_get(body, "public_key"));
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    size_t n = 0;
    if (!b64 ||
        sodium_base642bin(pk, sizeof pk, b64, strlen(b64), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) ||
        n != sizeof pk)
        return tr_fail(err, TR_EINVAL, "public_key",
                       "must be the base64 (standard, padded) of a 32-byte Ed25519 public key");
    char canon[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(canon, sizeof canon, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
    json_t *answer = json_pack("{s:s, s:s}", "name", by->name, "public_key", canon);
    int rc = store_begin(c->store, err);
    if (rc == TR_OK) {
        rc = store_party_key_set(c->store, by->name, canon, err);
        char ref[CENTRE_REF_MAX];
        centre_ref_party(by->name, ref);
        json_t *obj = centre_object_party_key(by->name, canon);
        if (rc == TR_OK) rc = centre__log(c, by->name, by->sig, TR_ENTRY(PARTY_KEY), ref, obj, answer, err);
        json_decref(obj);
        if (rc)
            store_rollback(c->store);
        else
            rc = store_commit(c->store, err);
    }
    if (rc)
        json_decref(answer);
    else
        *out = answer;
    return rc;
}

int centre_check_signature(centre *c, const char *party, const char *signature_b64, const void *body,
                           size_t len, tr_signature *sig, tr_err *err) {
    char *pk_b64 = NULL;
    if (store_party_key_get(c->store, party, &pk_b64, err)) return TR_EIO;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], s[crypto_sign_BYTES];
    size_t n = 0;
    int rc = TR_OK;
    if (!pk_b64)
        rc = tr_fail(err, TR_EINVAL, "Truce-Signature",
                     "party '%s' has no registered key: PUT /v1/me/key first", party);
    else if (sodium_base642bin(pk, sizeof pk, pk_b64, strlen(pk_b64), NULL, &n, NULL,
                               sodium_base64_VARIANT_ORIGINAL) ||
             n != sizeof pk)
        rc = tr_fail(err, TR_EIO, "", "the stored key of '%s' is unreadable", party);
    else if (sodium_base642bin(s, sizeof s, signature_b64, strlen(signature_b64), NULL, &n, NULL,
                               sodium_base64_VARIANT_ORIGINAL) ||
             n != sizeof s)
        rc = tr_fail(err, TR_EINVAL, "Truce-Signature",
                     "must be the base64 (standard, padded) of a 64-byte Ed25519 signature");
    else if (crypto_sign_verify_detached(s, body, len, pk) != 0)
        rc = tr_fail(err, TR_EAUTH, "Truce-Signature",
                     "the signature does not verify over this body with the key of '%s'", party);
    free(pk_b64);
    if (rc) return rc;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, body, len);
    sodium_bin2hex(sig->body_sha256, sizeof sig->body_sha256, h, sizeof h);
    sodium_bin2base64(sig->signature, sizeof sig->signature, s, sizeof s, sodium_base64_VARIANT_ORIGINAL);
    sig->body = body;
    sig->body_len = len;
    return TR_OK;
}

int centre_authenticate(centre *c, const char *token, tr_party *out, tr_err *err) {
    if (token == NULL || strncmp(token, "truce_", 6) != 0 || strlen(token) != CENTRE_TOKEN_LEN)
        return tr_fail(err, TR_EAUTH, "Authorization", "unknown or revoked token");
    char hex[65];
    token_hash(token, hex);
    return store_party_auth(c->store, hex, out, err);
}

int centre__actor_add_tx(centre *c, const char *by, const tr_signature *sig, const char *name,
                         const char *full_name, json_t *answer, tr_err *err) {
    if (tr_name_check(name, "name", err)) return TR_EINVAL;
    tr_party p;
    tr_err ignored;
    if (store_party_get(c->store, name, &p, &ignored) == TR_OK)
        return tr_fail(err, TR_ECONFLICT, "name", "'%s' is a party's name", name);
    int64_t now = tr_time_now();
    int rc = store_actor_insert(c->store, name, full_name, now, err);
    if (rc) return rc;
    char ref[CENTRE_REF_MAX];
    centre_ref_actor(name, ref);
    json_t *obj = centre_object_actor(name, full_name);
    rc = centre__log_at(c, now, by, sig, TR_ENTRY(ACTOR_ADD), ref, obj, answer, err);
    json_decref(obj);
    return rc;
}

int centre_actor_add(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err) {
    static const char *const keys[] = {"name", "full_name", NULL};
    if (!tr_party_is_privileged(by))
        return tr_fail(err, TR_EFORBIDDEN, "", "only admin and monitor parties register actors");
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    if (tr_json_only_keys(body, keys, "", err)) return TR_EINVAL;
    char *name = NULL, *full = NULL;
    int rc = tr_json_str(body, "name", "", TR_NAME_MAX, &name, err);
    if (rc == TR_OK) rc = tr_json_str(body, "full_name", "", 200, &full, err);
    if (rc == TR_OK && !name) rc = tr_fail(err, TR_EINVAL, "name", "is required");
    json_t *answer = json_pack("{s:s?, s:s?}", "name", name, "full_name", full);
    if (rc == TR_OK && (rc = store_begin(c->store, err)) == TR_OK) {
        rc = centre__actor_add_tx(c, by->name, by->sig, name, full, answer, err);
        if (rc)
            store_rollback(c->store);
        else
            rc = store_commit(c->store, err);
    }
    if (rc == TR_OK) {
        if (!json_object_get(answer, "full_name")) json_object_set_new(answer, "full_name", json_null());
        *out = answer;
    } else {
        json_decref(answer);
    }
    free(name);
    free(full);
    return rc;
}

/* ---- references that need the store ---- */

int centre__check_party(centre *c, const char *name, const char *field, tr_err *err) {
    tr_party p;
    tr_err e2;
    if (store_party_get(c->store, name, &p, &e2) == TR_OK) return TR_OK;
    if (e2.code != TR_ENOTFOUND) return tr_fail(err, e2.code, field, "%s", e2.msg);
    bool actor = false;
    if (store_actor_exists(c->store, name, &actor, err)) return err->code;
    if (actor) return tr_fail(err, TR_EINVAL, field, "'%s' is an actor, not a party", name);
    return tr_fail(err, TR_EINVAL, field, "there is no party named '%s'", name);
}

int centre__check_actor(centre *c, const char *name, const char *field, tr_err *err) {
    bool actor = false;
    if (store_actor_exists(c->store, name, &actor, err)) return err->code;
    if (actor) return TR_OK;
    tr_party p;
    int rc = store_party_get(c->store, name, &p, err);
    if (rc == TR_OK) return tr_fail(err, TR_EINVAL, field, "'%s' is a party, not an actor", name);
    if (rc != TR_ENOTFOUND) return rc;
    return tr_fail(err, TR_EINVAL, field, "there is no actor named '%s' (register it with POST /v1/actors)",
                   name);
}

int centre__check_vis(centre *c, const tr_vis *v, const char *field, tr_err *err) {
    for (size_t i = 0; i < v->nparties; i++) {
        char f[160];
        snprintf(f, sizeof f, "%s[%zu]", field, i);
        if (centre__check_party(c, v->parties[i], f, err)) return err->code;
    }
    return TR_OK;
}
