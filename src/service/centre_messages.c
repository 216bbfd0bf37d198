/* centre_messages.c — formal notices between parties routed through the centre (issue 6):
 * a message is delivered into the addressee's notice feed, or first to a mediating party
 * that forwards it; acknowledgement is the notices' (POST /v1/notices/{id}/ack).
 * centre_humanitarian.h, docs/humanitarian.md "Messages". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeutil.h"
#include "service/centre_humanitarian.h"
#include "service/centre_int.h"
#include "service/centre_lists.h"
#include "service/centre_objects.h"

/* The notice for party: the message and the chain it came through. */
static int deliver(centre *c, const tr_message *m, const char *party, const char *kind, int64_t now,
                   tr_err *err) {
    json_t *payload = json_pack("{s:o, s:o}", "message", tr_message_to_json(m), "chain", tr_message_chain(m));
    if (payload && strcmp(kind, "message_relay") == 0)
        json_object_set_new(payload, "action", json_string("forward: POST /v1/messages/{id}/forward"));
    int rc = payload ? centre__notice(c, party, kind, "message", m->id, payload, now,
                                      centre_notice_deadline(c, now, TR_TIME_MIN), NULL, err)
                     : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(payload);
    return rc;
}

/* The message with its chain, state and deliveries into *out (NULL on failure). */
static int message_answer(centre *c, const tr_message *m, json_t **out, tr_err *err) {
    *out = NULL;
    json_t *deliveries = json_array();
    int rc = deliveries ? centre_message_notices_json(c->store, m->id, deliveries, err)
                        : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_t *o = rc ? NULL : tr_message_to_json(m);
    if (!o) {
        json_decref(deliveries);
        return rc ? rc : tr_fail(err, TR_ENOMEM, "", "out of memory");
    }
    const char *state = m->via && !m->forwarded_at ? "awaiting_forward" : "delivered";
    size_t i;
    json_t *d;
    json_array_foreach(deliveries, i, d) {
        if (strcmp(json_string_value(json_object_get(d, "party")), m->recipient) == 0 &&
            !json_is_null(json_object_get(d, "acked_at")))
            state = "acknowledged";
    }
    json_object_set_new(o, "chain", tr_message_chain(m));
    json_object_set_new(o, "state", json_string(state));
    json_object_set_new(o, "deliveries", deliveries);
    *out = o;
    return TR_OK;
}

static int send_tx(centre *c, const tr_party *by, tr_message *m, json_t **out, tr_err *err) {
    int rc = centre__check_party(c, m->recipient, "to", err);
    if (rc == TR_OK && m->via) rc = centre__check_party(c, m->via, "via", err);
    if (rc == TR_OK && m->reply_to) {
        tr_message r;
        rc = store_message_get(c->store, m->reply_to, &r, err);
        if (rc && rc != TR_ENOTFOUND) return rc; /* a storage failure is not a missing message */
        bool seen = rc == TR_OK && centre_message_visible(&r, by);
        if (rc == TR_OK) tr_message_clear(&r);
        rc = TR_OK;
        if (!seen)
            rc = tr_fail(err, TR_EINVAL, "reply_to", "there is no message %lld", (long long)m->reply_to);
    }
    if (rc) return rc;
    m->created_at = tr_time_now();
    if ((rc = store_message_insert(c->store, m, err))) return rc;
    json_t *obj = centre_object_message(m);
    char ref[CENTRE_REF_MAX];
    centre_ref(TR_KIND_MESSAGE, m->id, ref);
    json_t *logged = json_object(); /* receives the receipt */
    rc = obj ? centre__log(c, by->name, by->sig, TR_ENTRY(MESSAGE_CREATE), ref, obj, logged, err)
             : tr_fail(err, TR_ENOMEM, "", "out of memory");
    json_decref(obj);
    if (rc == TR_OK)
        rc = deliver(c, m, m->via ? m->via : m->recipient, m->via ? "message_relay" : "message",
                     m->created_at, err);
    if (rc == TR_OK && out && (rc = message_answer(c, m, out, err)) == TR_OK)
        json_object_set(*out, "receipt", json_object_get(logged, "receipt"));
    json_decref(logged);
    return rc;
}

int centre_message_send(centre *c, const tr_party *by, const json_t *body, json_t **out, tr_err *err) {
    tr_message m;
    int rc = tr_message_parse(body, by->name, &m, err);
    if (rc) return rc;
    centre_pending p = {0};
    if ((rc = store_begin(c->store, err)) == TR_OK)
        rc = centre__finish(c, &p, send_tx(c, by, &m, out, err), out, err);
    tr_message_clear(&m);
    return rc;
}

/* ---- forwarding by the mediator ---- */

static int forward_tx(centre *c, const tr_party *by, int64_t id, const char *note, json_t **out,
                      tr_err *err) {
    tr_message m;
    int rc = store_message_get(c->store, id, &m, err);
    if (rc && rc != TR_ENOTFOUND) return rc; /* a storage failure is not a missing message */
    if (rc || !centre_message_visible(&m, by)) {
        if (rc == TR_OK) tr_message_clear(&m);
        return tr_fail(err, TR_ENOTFOUND, "id", "there is no message %lld", (long long)id);
    }
    if (!m.via)
        rc = tr_fail(err, TR_ECONFLICT, "id", "message %lld went directly to %s: there is nothing to forward",
                     (long long)id, m.recipient);
    else if (strcmp(m.via, by->name) != 0)
        rc = tr_fail(err, TR_EFORBIDDEN, "id", "only the mediator (%s) forwards message %lld", m.via,
                     (long long)id);
    else if (m.forwarded_at)
        rc = tr_fail(err, TR_ECONFLICT, "id", "message %lld is already forwarded", (long long)id);
    if (rc == TR_OK) {
        m.forwarded_at = tr_time_now();
        m.forward_note = note ? strdup(note) : NULL;
        rc = store_message_forward_insert(c->store, &m, err);
    }
    json_t *logged = json_object(), *obj = rc ? NULL : centre_object_message_forward(&m);
    char ref[CENTRE_REF_MAX];
    centre_ref(TR_KIND_MESSAGE, id, ref);
    if (rc == TR_OK)
        rc = obj ? centre__log(c, by->name, by->sig, TR_ENTRY(MESSAGE_FORWARD), ref, obj, logged, err)
                 : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc == TR_OK) rc = deliver(c, &m, m.recipient, "message", m.forwarded_at, err);
    if (rc == TR_OK && out && (rc = message_answer(c, &m, out, err)) == TR_OK)
        json_object_set(*out, "receipt", json_object_get(logged, "receipt"));
    json_decref(obj);
    json_decref(logged);
    tr_message_clear(&m);
    return rc;
}

int centre_message_forward(centre *c, const tr_party *by, int64_t id, const json_t *body, json_t **out,
                           tr_err *err) {
    static const char *const keys[] = {"note", NULL};
    char *note = NULL;
    if (!json_is_object(body))
        return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object ({} or {\"note\"})");
    if (tr_json_only_keys(body, keys, "", err) || tr_json_str(body, "note", "", 2000, &note, err))
        return TR_EINVAL;
    centre_pending p = {0};
    int rc = store_begin(c->store, err);
    if (rc == TR_OK) rc = centre__finish(c, &p, forward_tx(c, by, id, note, out, err), out, err);
    free(note);
    return rc;
}

int centre_message_list(centre *c, const tr_party *viewer, int64_t after, int limit, json_t **out,
                        tr_err *err) {
    tr_message *v = NULL;
    size_t n = 0;
    bool more = false;
    int rc = store_message_list(c->store, tr_party_is_privileged(viewer) ? NULL : viewer->name, after, limit,
                                &v, &n, &more, err);
    if (rc) return rc;
    json_t *items = json_array(), *one = NULL;
    for (size_t i = 0; i < n && rc == TR_OK; i++)
        if ((rc = message_answer(c, &v[i], &one, err)) == TR_OK) json_array_append_new(items, one);
    char cur[32];
    snprintf(cur, sizeof cur, "%lld", (long long)(n ? v[n - 1].id : after));
    if (rc == TR_OK)
        *out = json_pack("{s:o, s:s, s:b}", "items", items, "next_cursor", cur, "more", more);
    else
        json_decref(items);
    for (size_t i = 0; i < n; i++)
        tr_message_clear(&v[i]);
    free(v);
    return rc;
}
