/*
 * monitor_cap.c — a CAP 1.2 alert (OASIS Common Alerting Protocol) for an incident that
 * is a corroborated or confirmed violation (monitor_export.h, docs/monitoring.md "CAP").
 *
 * The alert is a function of the incident: `sent` is the time of the grade change that
 * made the incident corroborated or confirmed, the identifier joins the incident id and
 * that time, so the same data gives the same bytes, and a later change (corroborated ->
 * confirmed) gives a new alert. Element order follows the CAP 1.2 schema; times carry
 * "+00:00" (the schema's pattern has no "Z").
 */
#include <stdio.h>
#include <string.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "engines/monitor_export.h"

bool mon_cap_applies(const mon_incident *inc) {
    return inc->cls == MON_VIOLATION &&
           (inc->grade == MON_GRADE_CORROBORATED || inc->grade == MON_GRADE_CONFIRMED);
}

int64_t mon_cap_sent(const mon_incident *inc) {
    for (size_t i = inc->nhistory; i-- > 0;)
        if (inc->history[i].to == inc->grade) return inc->history[i].at;
    return inc->last_received_at;
}

void mon_cap_identifier(const mon_incident *inc, char *buf, size_t cap) {
    snprintf(buf, cap, "truce-incident-%lld-%s-%lld", (long long)inc->id, mon_grade_name(inc->grade),
             (long long)mon_cap_sent(inc));
}

static void text(mon_text *t, const char *s) {
    for (const char *p = s; *p; p++) {
        const char *e = *p == '&'   ? "&amp;"
                        : *p == '<' ? "&lt;"
                        : *p == '>' ? "&gt;"
                        : *p == '"' ? "&quot;"
                                    : NULL;
        if (e)
            mon_text_put(t, e, strlen(e));
        else
            mon_text_put(t, p, 1);
    }
}

static void elem(mon_text *t, const char *indent, const char *name, const char *value) {
    mon_text_printf(t, "%s<%s>", indent, name);
    text(t, value);
    mon_text_printf(t, "</%s>\n", name);
}

static void cap_time(int64_t at, char out[TR_TIME_BUFSZ + 8]) {
    char b[TR_TIME_BUFSZ];
    tr_time_format(at, b);
    size_t n = strlen(b);
    if (n && b[n - 1] == 'Z') b[n - 1] = '\0';
    snprintf(out, TR_TIME_BUFSZ + 8, "%s+00:00", b);
}

static void param(mon_text *t, const char *name, const char *value) {
    mon_text_printf(t, "    <parameter>\n");
    elem(t, "      ", "valueName", name);
    elem(t, "      ", "value", value);
    mon_text_printf(t, "    </parameter>\n");
}

/* The incident's event code (its ACLED sub-event type, else its event type). */
static const char *cap_type(const mon_incident *inc) {
    const char *sub = tr_sub_event_type_name(inc->sub_event_type);
    return sub && *sub ? sub : tr_event_type_name(inc->event_type);
}

/* What happened: event, urgency, severity, certainty, code, onset, headline, description. */
static void cap_event(const mon_incident *inc, mon_text *t) {
    char onset[TR_TIME_BUFSZ + 8], b[640];
    const char *type = cap_type(inc), *grade = mon_grade_name(inc->grade);
    bool killed = inc->fatalities.known && inc->fatalities.max > 0;
    bool hurt = inc->injured.known && inc->injured.max > 0;
    cap_time(inc->occurred_at, onset);
    elem(t, "    ", "event", "Ceasefire violation");
    mon_text_printf(t, "    <urgency>Past</urgency>\n");
    elem(t, "    ", "severity", killed ? "Severe" : hurt ? "Moderate" : "Unknown");
    elem(t, "    ", "certainty", inc->grade == MON_GRADE_CONFIRMED ? "Observed" : "Likely");
    mon_text_printf(t, "    <eventCode>\n      <valueName>ACLED</valueName>\n");
    elem(t, "      ", "value", type);
    mon_text_printf(t, "    </eventCode>\n");
    elem(t, "    ", "onset", onset);
    elem(t, "    ", "senderName", "truce ceasefire monitoring");
    snprintf(b, sizeof b, "%s violation: %s%s%s%s%s",
             inc->grade == MON_GRADE_CONFIRMED ? "Confirmed" : "Corroborated", type,
             inc->perpetrator ? " by " : "", inc->perpetrator ? inc->perpetrator : "",
             inc->region ? " in " : "", inc->region ? inc->region : "");
    elem(t, "    ", "headline", b);
    snprintf(b, sizeof b, "Incident %lld, %zu report%s. %s Grade %s: %s", (long long)inc->id, inc->nreports,
             inc->nreports == 1 ? "" : "s", inc->cls_reason ? inc->cls_reason : "", grade, inc->grade_reason);
    elem(t, "    ", "description", b);
}

/* The incident's figures as CAP parameters. */
static void cap_parameters(const mon_incident *inc, mon_text *t) {
    char b[64];
    snprintf(b, sizeof b, "%lld", (long long)inc->id);
    param(t, "incident_id", b);
    param(t, "grade", mon_grade_name(inc->grade));
    param(t, "classification", mon_class_name(inc->cls));
    snprintf(b, sizeof b, "%zu", inc->nreports);
    param(t, "reports", b);
    if (inc->fatalities.known) {
        snprintf(b, sizeof b, "%lld-%lld", (long long)inc->fatalities.min, (long long)inc->fatalities.max);
        param(t, "fatalities", b);
    }
    if (inc->injured.known) {
        snprintf(b, sizeof b, "%lld-%lld", (long long)inc->injured.min, (long long)inc->injured.max);
        param(t, "injured", b);
    }
}

/* Where: the region's name (else the point) and a circle of the geo precision's radius. */
static void cap_area(const mon_incident *inc, const mon_config *cfg, mon_text *t) {
    mon_text_printf(t, "    <area>\n");
    char lat[TR_REAL_BUFSZ], lon[TR_REAL_BUFSZ], km[TR_REAL_BUFSZ];
    tr_real_format(inc->lat, lat);
    tr_real_format(inc->lon, lon);
    if (inc->region) {
        elem(t, "      ", "areaDesc", inc->region);
    } else {
        char where[2 * TR_REAL_BUFSZ + 2];
        snprintf(where, sizeof where, "%s, %s", lat, lon);
        elem(t, "      ", "areaDesc", where);
    }
    int gp = inc->geo_precision >= 1 && inc->geo_precision <= 3 ? inc->geo_precision : 3;
    mon_text_printf(t, "      <circle>%s,%s %s</circle>\n", lat, lon,
                    tr_real_format(cfg->radius_m[gp - 1] / 1000.0, km));
    mon_text_printf(t, "    </area>\n");
}

void mon_cap_render(const mon_incident *inc, const mon_config *cfg, const char *sender, mon_text *t) {
    char sent[TR_TIME_BUFSZ + 8], b[640];
    cap_time(mon_cap_sent(inc), sent);
    mon_text_printf(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n");
    mon_cap_identifier(inc, b, sizeof b);
    elem(t, "  ", "identifier", b);
    elem(t, "  ", "sender", sender);
    elem(t, "  ", "sent", sent);
    mon_text_printf(t, "  <status>Actual</status>\n  <msgType>Alert</msgType>\n  <scope>Public</scope>\n");
    mon_text_printf(t, "  <info>\n    <language>en</language>\n    <category>Security</category>\n");
    cap_event(inc, t);
    cap_parameters(inc, t);
    cap_area(inc, cfg, t);
    mon_text_printf(t, "  </info>\n</alert>\n");
}
