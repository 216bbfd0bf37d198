/*
 * centre_targets.c — reports about objects (issue 3, docs/monitoring.md "Reports about
 * objects"): a report's target may name a deconfliction site or movement by id. The
 * reporter must be able to see it (else the report is refused, as if the object did not
 * exist); an incident about such objects shows, to a viewer who may see them, their
 * notification history: the log entry that created the object, each notice (to whom,
 * when, its deadline) and each acknowledgement with its log index.
 *
 * Notices are read through the deconfliction store's own function (store_notice_list,
 * as JSON by centre_notice_list_json), a page at a time, keeping those about the object.
 */
#include <stdlib.h>
#include <string.h>

#include "service/centre_int.h"
#include "service/centre_kinds.h"
#include "service/centre_lists.h"
#include "service/centre_monitor.h"
#include "service/centre_objects.h"

#define NOTICE_PAGE 500

/* Whether viewer may see site / movement id (centre_visible.c: hidden answers as missing);
 * a storage failure is returned, never taken for "missing". */
static int object_visible(centre *c, tr_target_kind kind, int64_t id, const tr_party *viewer, bool *visible,
                          tr_err *err) {
    return centre_kind_visible(c, kind == TARGET_SITE ? TR_KIND_SITE : TR_KIND_MOVEMENT, id, viewer, visible,
                               err);
}

int centre__report_check_target(centre *c, const tr_party *by, const tr_report *r, tr_err *err) {
    const tr_target *t = &r->target;
    if (!t->present || (t->kind != TARGET_SITE && t->kind != TARGET_MOVEMENT)) return TR_OK;
    bool visible;
    int rc = object_visible(c, t->kind, t->object_id, by, &visible, err);
    if (rc) return rc;
    if (!visible)
        return tr_fail(err, TR_EINVAL, "target.id", "there is no %s %lld", tr_target_kind_name(t->kind),
                       (long long)t->object_id);
    return TR_OK;
}

typedef struct object_ref {
    tr_target_kind kind;
    int64_t id;
} object_ref;

/* The site/movement targets of the incident's reports, distinct, in report order (the
 * engine keeps them with the incident's summary: no report is read back). */
static size_t incident_objects(const mon_incident *inc, object_ref *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < inc->ntargets && n < cap; i++)
        out[n++] = (object_ref){inc->targets[i] > 0 ? TARGET_SITE : TARGET_MOVEMENT,
                                inc->targets[i] > 0 ? inc->targets[i] : -inc->targets[i]};
    return n;
}

/* The object's notification history: {kind, id, created_index, notices: [...]} appended
 * to list; a storage failure is returned (never a shorter history). */
static int object_history(centre *c, const object_ref *o, json_t *list, tr_err *err) {
    const char *kind = tr_target_kind_name(o->kind);
    char ref[CENTRE_REF_MAX], type[32];
    if (o->kind == TARGET_SITE)
        centre_ref(TR_KIND_SITE, o->id, ref);
    else
        centre_ref(TR_KIND_MOVEMENT, o->id, ref);
    snprintf(type, sizeof type, "%s.create", kind);
    uint64_t created = 0;
    int rc = store_log_index_of(c->store, type, ref, &created, err);
    if (rc && rc != TR_ENOTFOUND) return rc;
    json_t *h = json_pack("{s:s, s:I}", "kind", kind, "id", (json_int_t)o->id);
    json_object_set_new(h, "created_index", rc == TR_OK ? json_integer((json_int_t)created) : json_null());
    json_t *notices = json_array();
    int64_t after = 0;
    bool more = true;
    rc = TR_OK;
    while (more) {
        json_t *page = json_array();
        int64_t next = after;
        if ((rc = centre_notice_list_json(c->store, NULL, after, 0, NOTICE_PAGE, page, &next, &more, err))) {
            json_decref(page);
            break;
        }
        size_t i;
        json_t *x;
        json_array_foreach(page, i, x) {
            json_t *about = json_object_get(x, "about");
            if (!json_string_value(json_object_get(about, "type")) ||
                strcmp(json_string_value(json_object_get(about, "type")), kind) != 0 ||
                json_integer_value(json_object_get(about, "id")) != o->id)
                continue;
            json_array_append_new(
                notices,
                json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "notice_id", json_object_get(x, "id"), "party",
                          json_object_get(x, "party"), "notified_at", json_object_get(x, "created_at"),
                          "deadline", json_object_get(x, "deadline"), "acked_at",
                          json_object_get(x, "acked_at"), "ack_index", json_object_get(x, "ack_index")));
        }
        json_decref(page);
        if (next == after) break;
        after = next;
    }
    json_object_set_new(h, "notices", notices);
    if (rc == TR_OK)
        json_array_append_new(list, h);
    else
        json_decref(h);
    return rc;
}

int centre_incident_objects(centre *c, const tr_party *viewer, int64_t id, json_t **out, tr_err *err) {
    mon_incident inc;
    memset(&inc, 0, sizeof inc);
    pthread_mutex_lock(&c->mon_mu);
    int rc = mon_engine_incident_page(c->mon, id, false, 0, 0, &inc, err);
    pthread_mutex_unlock(&c->mon_mu);
    if (rc) return rc;
    object_ref objs[32];
    size_t n = incident_objects(&inc, objs, 32);
    mon_incident_clear(&inc);
    json_t *a = json_array();
    for (size_t i = 0; a && rc == TR_OK && i < n; i++) {
        bool visible;
        rc = object_visible(c, objs[i].kind, objs[i].id, viewer, &visible, err);
        if (rc == TR_OK && visible) rc = object_history(c, &objs[i], a, err);
    }
    if (rc) {
        json_decref(a);
        return rc;
    }
    if (!a) return tr_fail(err, TR_ENOMEM, "", "out of memory");
    *out = a;
    return TR_OK;
}
