/*
 * cli_measures.c — `truce separation` and `truce aid` (issue 20; docs/separation.md):
 * the answers of GET /v1/agreements/{id}/separation and GET /v1/aid (or its export) from
 * the database, as the operator sees it (every area and movement).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "base/tz.h"
#include "edges/cli_int.h"
#include "service/centre_measures.h"

/* An option that is an RFC 3339 time (absent: *out unchanged). */
static int opt_time(const cli_cmd *cmd, const cli_args *a, const char *name, int64_t *out, bool *given) {
    const char *v = cli__opt(cmd, a, name);
    if (given) *given = v != NULL;
    if (v && tr_time_parse(v, out)) return cli__usage_error(cmd, "'%s' is not an RFC 3339 time", v);
    return CLI_OK;
}

static int opt_id(const cli_cmd *cmd, const cli_args *a, const char *name, int64_t *out) {
    const char *v = cli__opt(cmd, a, name);
    *out = 0;
    if (v && (sscanf(v, "%" SCNd64, out) != 1 || *out <= 0))
        return cli__usage_error(cmd, "'%s' is not an id", v);
    return CLI_OK;
}

static int print_json(const cli_cmd *cmd, int rc, json_t *out, const tr_err *err) {
    if (rc) return cli__runtime_error(cmd, err);
    char *text = tr_json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(out);
    if (text) printf("%s\n", text);
    free(text);
    return text ? CLI_OK : CLI_RUNTIME;
}

int cli__cmd_separation(const cli_cmd *cmd, cli_args *a) {
    centre_separation_q q = {.at = tr_time_now()};
    bool at_given, from_given, to_given;
    int u = opt_id(cmd, a, "--agreement", &q.agreement);
    if (!u) u = opt_id(cmd, a, "--within", &q.within);
    if (!u) u = opt_time(cmd, a, "--at", &q.at, &at_given);
    if (!u) u = opt_time(cmd, a, "--from", &q.from, &from_given);
    if (!u) u = opt_time(cmd, a, "--to", &q.to, &to_given);
    if (u) return u;
    if (!q.agreement) return cli__usage_error(cmd, "%s", "--agreement is required");
    if (from_given != to_given) return cli__usage_error(cmd, "%s", "--from and --to go together");
    if (from_given && at_given) return cli__usage_error(cmd, "%s", "give either --at, or --from and --to");
    q.has_series = from_given;
    if (q.has_series && (q.to < q.from || (q.to - q.from) / 86400 >= CENTRE_SERIES_MAX_DAYS))
        return cli__usage_error(cmd, "%s", "--to must follow --from, within the series' limit of days");
    centre *c;
    tr_tz *tz = NULL;
    int mrc = cli__open_monitoring(cmd, a, NULL, false, &c, &tz); /* incidents come from monitoring */
    if (mrc) return mrc;
    tr_err err = {0};
    json_t *out = NULL;
    int rc = centre_separation(c, NULL, &q, &out, &err);
    centre_close(c);
    tr_tz_free(tz);
    return print_json(cmd, rc, out, &err);
}

int cli__cmd_aid(const cli_cmd *cmd, cli_args *a) {
    centre_aid_q q = {0};
    bool from_given, to_given;
    int u = opt_id(cmd, a, "--within", &q.within);
    if (!u) u = opt_time(cmd, a, "--from", &q.from, &from_given);
    if (!u) u = opt_time(cmd, a, "--to", &q.to, &to_given);
    if (u) return u;
    if (!from_given || !to_given) return cli__usage_error(cmd, "%s", "--from and --to are required");
    const char *format = cli__opt(cmd, a, "--format");
    centre *c;
    if (cli__open_centre(cmd, a, NULL, &c)) return CLI_RUNTIME;
    tr_err err = {0};
    int rc;
    if (format && strcmp(format, "json") != 0) {
        char *text = NULL;
        size_t len = 0;
        const char *media;
        rc = centre_aid_export(c, NULL, &q, format, &text, &len, &media, &err);
        centre_close(c);
        if (rc) return cli__runtime_error(cmd, &err);
        bool ok = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0;
        free(text);
        return ok ? CLI_OK : CLI_RUNTIME;
    }
    json_t *out = NULL;
    rc = centre_aid(c, NULL, &q, &out, &err);
    centre_close(c);
    return print_json(cmd, rc, out, &err);
}
