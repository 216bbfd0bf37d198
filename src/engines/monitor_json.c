/*
 * monitor_json.c — one incident as the API answers it (GET /v1/incidents/{id}): where,
 * when, what, class, grade and history, the summary of its reports, the page of reports
 * read with why each is there, responses, verdicts, regroups and ambiguity.
 */
#include <stdlib.h>

#include "base/timeutil.h"
#include "domain/domain.h"
#include "engines/monitor.h"

json_t *mon_range_json(const tr_range *r) {
    return r->known ? json_pack("{sIsI}", "min", (json_int_t)r->min, "max", (json_int_t)r->max) : json_null();
}

static json_t *str_or_null(const char *s) {
    return s ? json_string(s) : json_null();
}

static json_t *regroup_json(const mon_regroup *g) {
    json_t *a = json_array(), *b = json_array();
    for (size_t i = 0; i < g->nids; i++)
        json_array_append_new(i < g->nfirst ? a : b, json_integer(g->ids[i]));
    json_t *o = json_pack("{sssossssso}", "kind", g->split ? "split" : "merge", "at",
                          tr_json_time_value(g->at), "by", g->by, "why", g->why, "reports", a);
    if (g->split)
        json_object_set_new(o, "split_from", b);
    else
        json_object_set_new(o, "merged_with", b);
    return o;
}

/* The summary of every report of the incident: count, sources, casualty ranges, receipt. */
static json_t *summary_json(const mon_incident *inc) {
    json_t *kinds = json_object();
    for (int k = 0; k < SRC_COUNT; k++)
        json_object_set_new(kinds, tr_source_kind_name((tr_source_kind)k),
                            json_integer((json_int_t)inc->by_source_kind[k]));
    return json_pack("{sIs{sIso}sosos{soso}}", "reports", (json_int_t)inc->nreports, "sources", "independent",
                     (json_int_t)inc->nsources, "by_kind", kinds, "fatalities",
                     mon_range_json(&inc->fatalities), "injured", mon_range_json(&inc->injured), "received",
                     "first", tr_json_time_value(inc->first_received_at), "last",
                     tr_json_time_value(inc->last_received_at));
}

/* The page of reports read, with why each is in the incident. */
static json_t *reports_json(const mon_incident *inc) {
    json_t *reports = json_array();
    for (size_t i = 0; i < inc->nmembers; i++) {
        const mon_member *mb = &inc->members[i];
        json_t *r = json_pack("{sIsoso}", "id", (json_int_t)mb->report_id, "occurred_at",
                              tr_json_time_value(mb->occurred_at), "received_at",
                              tr_json_time_value(mb->received_at));
        if (mb->why[0]) {
            json_t *why = json_pack("{ss}", "why", mb->why);
            if (mb->partner_id) {
                json_object_set_new(why, "to", json_integer(mb->partner_id));
                json_object_set_new(why, "distance_m", json_integer(mb->distance_m));
                json_object_set_new(why, "gap_s", json_integer(mb->gap_s));
                json_object_set_new(why, "rule", json_string(mon_type_rule_name(mb->rule)));
            }
            json_object_set_new(r, "attached", why);
        }
        json_array_append_new(reports, r);
    }
    return reports;
}

/* Responses and verdicts into o. */
static void acts_json(const mon_incident *inc, json_t *o) {
    json_t *resp = json_array();
    for (size_t i = 0; i < inc->nresponses; i++) {
        const mon_response *p = &inc->responses[i];
        json_array_append_new(resp, json_pack("{sssssoso}", "party", p->party, "response",
                                              mon_response_kind_name(p->kind), "text", str_or_null(p->text),
                                              "at", tr_json_time_value(p->at)));
    }
    json_object_set_new(o, "responses", resp);
    json_t *verd = json_array();
    for (size_t i = 0; i < inc->nverdicts; i++) {
        const mon_verdict *v = &inc->verdicts[i];
        json_array_append_new(verd, json_pack("{sssssoso}", "monitor", v->monitor, "verdict",
                                              mon_verdict_kind_name(v->kind), "reason",
                                              str_or_null(v->reason), "at", tr_json_time_value(v->at)));
    }
    json_object_set_new(o, "verdicts", verd);
}

json_t *mon_incident_to_json(const mon_incident *inc) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(inc->id));
    json_object_set_new(o, "grade", json_string(mon_grade_name(inc->grade)));
    json_object_set_new(o, "grade_reason", json_string(inc->grade_reason));
    json_object_set_new(
        o, "classification",
        json_pack("{ssso}", "class", mon_class_name(inc->cls), "reason", str_or_null(inc->cls_reason)));
    json_object_set_new(o, "occurred_at", tr_json_time_value(inc->occurred_at));
    json_object_set_new(o, "time_precision", json_integer(inc->time_precision));
    json_object_set_new(o, "location",
                        json_pack("{sss[ff]}", "type", "Point", "coordinates", inc->lon, inc->lat));
    json_object_set_new(o, "geo_precision", json_integer(inc->geo_precision));
    json_object_set_new(o, "region", str_or_null(inc->region));
    json_object_set_new(o, "event_type", json_string(tr_event_type_name(inc->event_type)));
    json_object_set_new(o, "sub_event_type",
                        inc->sub_event_type ? json_string(tr_sub_event_type_name(inc->sub_event_type))
                                            : json_null());
    json_object_set_new(o, "alleged_perpetrator", str_or_null(inc->perpetrator));
    json_t *perps = json_array();
    for (size_t i = 0; i < inc->nperpetrators; i++)
        json_array_append_new(perps, json_string(inc->perpetrators[i]));
    json_object_set_new(o, "alleged_perpetrators", perps);
    json_object_set_new(o, "fatalities", mon_range_json(&inc->fatalities));
    json_object_set_new(o, "injured", mon_range_json(&inc->injured));
    json_object_set_new(o, "representative_report", json_integer(inc->representative));
    json_object_set_new(o, "first_received_at", tr_json_time_value(inc->first_received_at));
    json_object_set_new(o, "last_received_at", tr_json_time_value(inc->last_received_at));
    json_object_set_new(o, "reports", reports_json(inc));
    json_object_set_new(o, "summary", summary_json(inc));
    json_t *hist = json_array();
    for (size_t i = 0; i < inc->nhistory; i++) {
        const mon_grade_change *h = &inc->history[i];
        json_array_append_new(
            hist, json_pack("{sossso ssss}", "at", tr_json_time_value(h->at), "by", h->by, "from",
                            h->from == MON_GRADE_NONE ? json_null() : json_string(mon_grade_name(h->from)),
                            "to", mon_grade_name(h->to), "why", h->why));
    }
    json_object_set_new(o, "history", hist);
    acts_json(inc, o);
    json_t *rg = json_array();
    for (size_t i = 0; i < inc->nregroups; i++)
        json_array_append_new(rg, regroup_json(&inc->regroups[i]));
    json_object_set_new(o, "regroups", rg);
    json_t *amb = json_array();
    for (size_t i = 0; i < inc->nambiguous; i++)
        json_array_append_new(amb, json_integer(inc->ambiguous_with[i]));
    json_object_set_new(o, "ambiguous_with", amb);
    return o;
}
