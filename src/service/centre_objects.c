/* centre_objects.c — the logged objects and their refs (see centre_objects.h). */
#include "service/centre_objects.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/json_text.h"

#define CANON_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

char *centre_text_v(const json_t *j, size_t flags, int v) {
    return v == 1 ? json_dumps(j, flags | JSON_REAL_PRECISION(17)) : tr_json_dumps(j, flags);
}

char *centre_object_bytes_v(const json_t *o, int v) {
    return centre_text_v(o, CANON_FLAGS, v);
}

char *centre_object_bytes(const json_t *o) {
    return centre_object_bytes_v(o, CENTRE_LOG_VERSION);
}

void centre_ref(tr_kind kind, int64_t id, char ref[CENTRE_REF_MAX]) {
    const tr_kind_desc *d = tr_kind_get(kind);
    snprintf(ref, CENTRE_REF_MAX, "%s/%lld", d ? d->name : "?", (long long)id);
}

void centre_ref_party(const char *name, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "party/%s", name);
}

void centre_ref_actor(const char *name, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "actor/%s", name);
}

void centre_ref_area(int64_t id, int version, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "area/%lld@%d", (long long)id, version);
}

void centre_ref_agreement(int64_t id, int version, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "agreement/%lld@%d", (long long)id, version);
}

json_t *centre_object_party(const char *name, const char *role, const char *full_name,
                            const char *token_sha256) {
    return json_pack("{s:s, s:s, s:s?, s:s}", "name", name, "role", role, "full_name", full_name,
                     "token_sha256", token_sha256);
}

json_t *centre_object_party_revoke(const char *name, int64_t revoked_at) {
    return json_pack("{s:s, s:o}", "name", name, "revoked_at", tr_json_time_value(revoked_at));
}

json_t *centre_object_party_key(const char *name, const char *public_key) {
    return json_pack("{s:s, s:s}", "name", name, "public_key", public_key);
}

json_t *centre_object_actor(const char *name, const char *full_name) {
    return json_pack("{s:s, s:s?}", "name", name, "full_name", full_name);
}

json_t *centre_object_area(const tr_area *a) {
    json_t *feature = tr_area_to_feature(a);
    json_object_del(json_object_get(feature, "properties"), "effective_to");
    return feature;
}

json_t *centre_object_agreement(const tr_agreement *a) {
    return tr_agreement_to_json(a);
}

json_t *centre_object_site(const tr_site *s) {
    return tr_site_to_feature(s);
}

json_t *centre_object_operation(const tr_operation *o) {
    return tr_operation_to_json(o);
}

json_t *centre_object_notice_ack(int64_t id, const char *party, int64_t acked_at) {
    return json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "party", party, "acked_at",
                     tr_json_time_value(acked_at));
}

json_t *centre_object_notice(int64_t id, const char *party, const char *kind, const char *about_type,
                             int64_t about_id, const json_t *payload, int64_t created_at, int64_t deadline,
                             bool clears) {
    char about[CENTRE_REF_MAX];
    snprintf(about, sizeof about, "%s/%lld", about_type, (long long)about_id);
    json_t *o =
        json_pack("{s:s, s:o, s:o, s:I, s:s, s:s, s:O}", "about", about, "created_at",
                  tr_json_time_value(created_at), "deadline", tr_json_time_value(deadline), "id",
                  (json_int_t)id, "kind", kind, "party", party, "payload", payload ? payload : json_null());
    if (o && clears && json_object_set_new(o, "clears", json_true())) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *centre_object_movement(const tr_movement *m) {
    return tr_movement_to_feature(m);
}

static json_t *str_or_null(const char *s) {
    return s && *s ? json_string(s) : json_null();
}

json_t *centre_report_classification(const store_report *r) {
    return json_pack("{s:o, s:s, s:o, s:s, s:o}", "agreement_id",
                     r->agreement_id ? json_integer(r->agreement_id) : json_null(), "class", r->cls,
                     "controller", str_or_null(r->controller), "reason", r->reason, "region",
                     str_or_null(r->region));
}

json_t *centre_object_report(const store_report *r) {
    json_t *body = json_loads(r->body, 0, NULL);
    if (!body) return NULL;
    return json_pack("{s:o, s:I, s:o}", "classification", centre_report_classification(r), "id",
                     (json_int_t)r->id, "report", body);
}

void centre_ref_incident_act(bool verdict, int64_t seq, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "%s/%lld", verdict ? "verdict" : "response", (long long)seq);
}

json_t *centre_object_incident_act(bool verdict, const store_incident_act *a) {
    return json_pack("{s:o, s:I, s:s, s:s, s:I, s:s?}", "at", tr_json_time_value(a->at), "incident_id",
                     (json_int_t)a->anchor, verdict ? "monitor" : "party", a->who,
                     verdict ? "verdict" : "response", a->kind, "seq", (json_int_t)a->seq,
                     verdict ? "reason" : "text", a->text);
}

/* ---- monitoring: regroups (issue 3) ---- */

void centre_ref_regroup(int64_t seq, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "regroup/%lld", (long long)seq);
}

json_t *centre_object_regroup(const store_regroup *g) {
    json_t *one = json_array(), *two = json_array();
    for (size_t i = 0; one && two && i < g->nids; i++)
        json_array_append_new(i < g->nfirst ? one : two, json_integer(g->ids[i]));
    return json_pack("{s:o, s:s, s:s, s:o, s:o, s:s, s:I}", "at", tr_json_time_value(g->at), "kind",
                     g->split ? "split" : "merge", "monitor", g->monitor, "others", two, "reports", one,
                     "reason", g->reason, "seq", (json_int_t)g->seq);
}

/* ---- humanitarian access, agreement steps, messages (issue 6) ---- */

json_t *centre_object_corridor_event(const tr_corridor_event *e) {
    return tr_corridor_event_to_json(e);
}

void centre_ref_step_event(int64_t seq, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "step_event/%lld", (long long)seq);
}

json_t *centre_object_step(const tr_step *s) {
    return tr_step_to_json(s);
}

json_t *centre_object_step_event(const tr_step_event *e) {
    return tr_step_event_to_json(e);
}

json_t *centre_object_message(const tr_message *m) {
    return tr_message_to_json(m);
}

json_t *centre_object_message_forward(const tr_message *m) {
    return tr_message_forward_to_json(m);
}

/* ---- operation and movement events ---- */

void centre_ref_dc_event(int64_t id, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "dc_event/%lld", (long long)id);
}

json_t *centre_object_dc_event(const store_dc_event *e) {
    json_t *o =
        json_pack("{s:I, s:s, s:I, s:s, s:o, s:s, s:o}", "id", (json_int_t)e->id, "about_type", e->about_type,
                  "about_id", (json_int_t)e->about_id, "kind", e->kind, "at", tr_json_time_value(e->at), "by",
                  e->by, "created_at", tr_json_time_value(e->created_at));
    if (o && e->value) json_object_set_new(o, "value", json_string(e->value));
    if (o && e->has_position) json_object_set_new(o, "position", json_pack("[f, f]", e->lon, e->lat));
    if (o && e->reason) json_object_set_new(o, "reason", json_string(e->reason));
    return o;
}

const char *centre_dc_event_type(const store_dc_event *e) {
    if (strcmp(e->about_type, "operation") == 0) return TR_ENTRY(OPERATION_STATE);
    return strcmp(e->kind, "position") == 0 ? TR_ENTRY(MOVEMENT_POSITION) : TR_ENTRY(MOVEMENT_STATUS);
}

/* ---- mine action (issue 6) ---- */

void centre_ref_mine(const char *kind, int64_t id, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "%s/%lld", kind, (long long)id);
}

json_t *centre_object_hazard(const tr_hazard *h) {
    return tr_hazard_to_feature(h);
}

json_t *centre_object_hazard_status(const store_hazard_status *x) {
    return json_pack("{s:o, s:I, s:s, s:s?, s:I, s:s}", "at", tr_json_time_value(x->at), "hazard_id",
                     (json_int_t)x->hazard_id, "party", x->party, "reason", x->reason, "seq",
                     (json_int_t)x->seq, "status", x->status);
}

json_t *centre_object_task(const tr_task *t) {
    return tr_task_to_json(t);
}

json_t *centre_object_task_close(int64_t id, int64_t date, const char *outcome, const char *party) {
    return json_pack("{s:o, s:I, s:s, s:s}", "date", tr_json_time_value(date), "id", (json_int_t)id,
                     "outcome", outcome, "party", party);
}

json_t *centre_object_progress(const tr_progress *p) {
    return tr_progress_to_json(p);
}

json_t *centre_object_accident(const tr_accident *a) {
    return tr_accident_to_json(a);
}

/* ---- restricted objects and probes (issue 11) ---- */

void centre_ref_privacy(const char *about_type, int64_t about_id, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "privacy/%s/%lld", about_type, (long long)about_id);
}

json_t *centre_object_privacy(const char *about_type, int64_t about_id, const tr_privacy *p) {
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * sizeof h + 1];
    crypto_hash_sha256(h, p->secret, sizeof p->secret);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    return json_pack("{s:s, s:I, s:f, s:s, s:o}", "about_type", about_type, "about_id", (json_int_t)about_id,
                     "margin_m", p->margin_m, "secret_sha256", hex, "created_at",
                     tr_json_time_value(p->created_at));
}

void centre_ref_probe(int64_t id, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "probe/%lld", (long long)id);
}

json_t *centre_object_probe(const store_probe *p) {
    json_t *hits = json_array(), *vols = json_loads(p->volumes, 0, NULL);
    for (size_t i = 0; hits && i < p->nhits; i++)
        json_array_append_new(hits, json_pack("{s:s, s:I, s:s, s:i, s:b}", "about_type",
                                              p->hits[i].about_type, "about_id",
                                              (json_int_t)p->hits[i].about_id, "owner", p->hits[i].owner,
                                              "volume", p->hits[i].volume, "exact", p->hits[i].exact));
    json_t *op = p->operation_id > 0 ? json_integer(p->operation_id) : json_null();
    return json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:s, s:b, s:b, s:o}", "id", (json_int_t)p->id, "party",
                     p->party, "asked_at", tr_json_time_value(p->asked_at), "request", p->request,
                     "operation_id", op, "volumes", vols ? vols : json_null(), "outcome", p->outcome,
                     "refused", p->refused, "monitors_notified", p->monitors_notified, "hits", hits);
}

/* ---- what the centre records on its own (issue 11) ---- */

void centre_ref_alert(const char *identifier, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "alert/%s", identifier);
}

json_t *centre_object_alert(const store_alert_row *a) {
    return json_pack("{s:o, s:s, s:s, s:I, s:o}", "created_at", tr_json_time_value(a->created_at), "grade",
                     a->grade, "identifier", a->identifier, "incident_id", (json_int_t)a->incident_id, "sent",
                     tr_json_time_value(a->sent));
}

void centre_ref_setting(const char *name, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "setting/%s", name);
}

json_t *centre_object_setting(const store_setting_row *x) {
    return json_pack("{s:s, s:o, s:s}", "name", x->name, "set_at", tr_json_time_value(x->set_at), "value",
                     x->value);
}

void centre_ref_rollback(uint64_t log_size, char ref[CENTRE_REF_MAX]) {
    snprintf(ref, CENTRE_REF_MAX, "log/rollback@%llu", (unsigned long long)log_size);
}

json_t *centre_object_rollback(const char *checkpoint, uint64_t log_size, const char *reason) {
    return json_pack("{s:s, s:I, s:s}", "checkpoint", checkpoint, "log_size", (json_int_t)log_size, "reason",
                     reason);
}
