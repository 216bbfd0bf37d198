/*
 * attribution_json.c — the API answer of an attribution query (attr_result_to_json,
 * docs/openapi.yaml Attribution): the covering areas by kind, the controller, the
 * parties and actors, and the agreements that apply with the actors they exclude here.
 * Reads only the result's immutable fields, outside the engine's lock.
 */
#include <string.h>

#include "engines/attribution.h"

static json_t *area_ref(const tr_area *a) {
    json_t *o = json_object();
    json_object_set_new(o, "area_id", json_integer(a->id));
    json_object_set_new(o, "version", json_integer(a->version));
    json_object_set_new(o, "name", json_string(a->name));
    if (a->party) json_object_set_new(o, "party", json_string(a->party));
    if (a->actor) json_object_set_new(o, "actor", json_string(a->actor));
    return o;
}

/* Appends s to the JSON array of names if it is not there yet. */
static void add_name(json_t *arr, const char *s) {
    size_t i;
    json_t *v;
    if (!s) return;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return;
    json_array_append_new(arr, json_string(s));
}

/* Actors excluded from ag whose control or designated areas cover the point. */
static json_t *excluded_here(const tr_agreement *ag, const attr_result *r) {
    json_t *out = json_array();
    for (size_t i = 0; i < r->nareas; i++) {
        const tr_area *a = r->areas[i];
        if (!a->actor || (a->kind != AREA_CONTROL && a->kind != AREA_DESIGNATED)) continue;
        for (size_t j = 0; j < ag->nexcluded; j++)
            if (strcmp(ag->excluded[j], a->actor) == 0) add_name(out, a->actor);
    }
    return out;
}

json_t *attr_result_to_json(attr_engine *e, const attr_result *r, double lon, double lat, int64_t t) {
    (void)e;
    static const char *const lists[AREA_KIND_COUNT] = {
        [AREA_CONTROL] = "control",       [AREA_CEASEFIRE_ZONE] = "ceasefire_zones",
        [AREA_DESIGNATED] = "designated", [AREA_CORRIDOR] = "corridors",
        [AREA_NO_STRIKE] = "no_strike",   [AREA_REGION] = "regions"};
    json_t *o = json_object(), *parties = json_array(), *actors = json_array();
    json_object_set_new(o, "lon", json_real(lon));
    json_object_set_new(o, "lat", json_real(lat));
    json_object_set_new(o, "at", tr_json_time_value(t));
    for (int k = 0; k < AREA_KIND_COUNT; k++)
        json_object_set_new(o, lists[k], json_array());
    const tr_area *controller = NULL, *region = NULL;
    size_t ncontrol = 0;
    for (size_t i = 0; i < r->nareas; i++) {
        const tr_area *a = r->areas[i];
        json_array_append_new(json_object_get(o, lists[a->kind]), area_ref(a));
        add_name(parties, a->party);
        add_name(actors, a->actor);
        if (a->kind == AREA_CONTROL && ncontrol++ == 0) controller = a;
        if (a->kind == AREA_REGION && region == NULL) region = a;
    }
    json_object_set_new(o, "region", region ? json_string(region->name) : json_null());
    json_t *c = json_null();
    if (ncontrol == 1) {
        c = json_object();
        json_object_set_new(c, "name",
                            json_string(controller->party ? controller->party : controller->actor));
        json_object_set_new(c, "type", json_string(controller->party ? "party" : "actor"));
        json_object_set_new(c, "area_id", json_integer(controller->id));
    }
    json_object_set_new(o, "controller", c);
    json_object_set_new(o, "contested", json_boolean(ncontrol > 1));
    json_t *ags = json_array();
    for (size_t i = 0; i < r->nagreements; i++) {
        const tr_agreement *ag = r->agreements[i];
        json_t *j = json_object();
        json_object_set_new(j, "id", json_integer(ag->id));
        json_object_set_new(j, "name", json_string(ag->name));
        json_object_set_new(j, "excluded_actors_here", excluded_here(ag, r));
        json_array_append_new(ags, j);
    }
    json_object_set_new(o, "agreements", ags);
    json_object_set_new(o, "parties", parties);
    json_object_set_new(o, "actors", actors);
    return o;
}
