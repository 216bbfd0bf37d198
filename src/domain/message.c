/* message.c — formal notices between parties routed through the centre, directly or
 * through a mediating party (humanitarian.h, docs/humanitarian.md "Messages"). */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/names.h"
#include "base/timeutil.h"
#include "domain/humanitarian.h"

static const char *const kind_names[] = {TR_MESSAGE_KIND_MAP(TR_NAME_STR)};

void tr_message_clear(tr_message *m) {
    TR_FREE(m->sender, m->recipient, m->via, m->subject, m->text, m->forward_note);
    memset(m, 0, sizeof *m);
}

TR_NAMES_DEFINE(tr_message_kind, tr_message_kind, kind_names, MSG_KIND_COUNT)

static int parse_kind(const json_t *body, tr_message_kind *out, tr_err *err) {
    if (tr_message_kind_parse(json_string_value(json_object_get(body, "kind")), out))
        return tr_fail(err, TR_EINVAL, "kind", "must be one of proposal, request, reply, statement");
    return TR_OK;
}

static int parse_fields(const json_t *body, tr_message *m, tr_err *err) {
    static const char *const keys[] = {"to", "via", "kind", "subject", "text", "reply_to", NULL};
    if (!json_is_object(body)) return tr_fail(err, TR_EINVAL, "", "the body must be a JSON object");
    if (tr_json_only_keys(body, keys, "", err)) return TR_EINVAL;
    if (tr_json_str(body, "to", "", TR_NAME_MAX, &m->recipient, err)) return TR_EINVAL;
    if (!m->recipient) return tr_fail(err, TR_EINVAL, "to", "is required (the addressee's party name)");
    if (tr_name_check(m->recipient, "to", err)) return TR_EINVAL;
    if (tr_json_str(body, "via", "", TR_NAME_MAX, &m->via, err)) return TR_EINVAL;
    if (m->via && tr_name_check(m->via, "via", err)) return TR_EINVAL;
    if (parse_kind(body, &m->kind, err)) return TR_EINVAL;
    if (tr_json_str(body, "subject", "", 200, &m->subject, err)) return TR_EINVAL;
    if (tr_json_str(body, "text", "", 8000, &m->text, err)) return TR_EINVAL;
    if (!m->text || !m->text[0]) return tr_fail(err, TR_EINVAL, "text", "is required");
    json_t *r = json_object_get(body, "reply_to");
    if (r && !json_is_null(r)) {
        if (!json_is_integer(r) || json_integer_value(r) <= 0)
            return tr_fail(err, TR_EINVAL, "reply_to", "must be a message id (a positive integer)");
        m->reply_to = json_integer_value(r);
    }
    if (strcmp(m->recipient, m->sender) == 0) return tr_fail(err, TR_EINVAL, "to", "is the sender itself");
    if (m->via && strcmp(m->via, m->sender) == 0)
        return tr_fail(err, TR_EINVAL, "via", "is the sender itself");
    if (m->via && strcmp(m->via, m->recipient) == 0)
        return tr_fail(err, TR_EINVAL, "via", "is the addressee itself");
    return TR_OK;
}

int tr_message_parse(const json_t *body, const char *sender, tr_message *out, tr_err *err) {
    memset(out, 0, sizeof *out);
    out->sender = strdup(sender);
    int rc = out->sender ? parse_fields(body, out, err) : tr_fail(err, TR_ENOMEM, "", "out of memory");
    if (rc) tr_message_clear(out);
    return rc;
}

static json_t *str_or_null(const char *s) {
    return s ? json_string(s) : json_null();
}

json_t *tr_message_to_json(const tr_message *m) {
    return json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:s, s:o, s:o}", "id", (json_int_t)m->id, "from",
                     m->sender ? m->sender : "", "to", m->recipient ? m->recipient : "", "via",
                     str_or_null(m->via), "kind", tr_message_kind_name(m->kind), "subject",
                     str_or_null(m->subject), "text", m->text ? m->text : "", "reply_to",
                     m->reply_to ? json_integer(m->reply_to) : json_null(), "created_at",
                     tr_json_time_value(m->created_at));
}

json_t *tr_message_forward_to_json(const tr_message *m) {
    return json_pack("{s:I, s:s, s:o, s:o}", "message_id", (json_int_t)m->id, "party", m->via ? m->via : "",
                     "note", str_or_null(m->forward_note), "at", tr_json_time_value(m->forwarded_at));
}

json_t *tr_message_chain(const tr_message *m) {
    json_t *c = json_array();
    json_array_append_new(c, json_pack("{s:s, s:s, s:o}", "party", m->sender, "role", "sender", "at",
                                       tr_json_time_value(m->created_at)));
    if (m->via && m->forwarded_at)
        json_array_append_new(c, json_pack("{s:s, s:s, s:o, s:o}", "party", m->via, "role", "mediator", "at",
                                           tr_json_time_value(m->forwarded_at), "note",
                                           str_or_null(m->forward_note)));
    return c;
}
