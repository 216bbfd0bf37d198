/*
 * cli_data.c — the commands that read the centre's data: the monitoring options shared
 * with `serve` (recorded by the server, reused by the others), `import reports`,
 * `bulletin`, `export incidents` and `territory`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_text.h"
#include "base/timeutil.h"
#include "edges/cli_int.h"
#include "service/centre_mine.h"
#include "service/centre_monitor.h"

/* ---- monitoring configuration (docs/monitoring.md "Configuration") ---- */

/* The monitoring options into cfg, from their texts vals[] (in CENTRE_MON_OPTS order); with
 * a zone name *tz is loaded (free it after the centre). */
#define MON_OPT_NAMES CENTRE_MON_OPTS
#define NMON_OPTS CENTRE_NMON_OPTS

static int monitor_options(const cli_cmd *cmd, const char *const *vals, mon_config *cfg, tr_tz **tz) {
    tr_err err = {0};
    if (centre_mon_options(vals, cfg, tz, &err) == TR_OK) return 0;
    if (strncmp(err.field, "--", 2) == 0) return cli__usage_error(cmd, "%s", err.msg);
    fprintf(stderr, "truce %s: %s: %s\nsee 'truce %s --help'\n", cmd->name, err.field, err.msg, cmd->name);
    return CLI_USAGE;
}

static const char *given_opt(const cli_cmd *cmd, const cli_args *a, const char *name) {
    for (int i = 0; i < MAX_OPTS && cmd->opts[i].name; i++)
        if (strcmp(cmd->opts[i].name, name) == 0) return a->val[i];
    return NULL;
}

/* Opens the centre with the monitoring options: each one given on the command line, else
 * (not for the server) the one the server last ran with (the setting table), else its
 * default; the engine is rebuilt when they are not all defaults. The server (persist) runs
 * with what it is given or the defaults, and records them, so `truce bulletin` and `truce
 * export` answer what the server answers. */
int cli__open_monitoring(const cli_cmd *cmd, const cli_args *a, const geo_limits *lim, bool persist,
                         centre **c, tr_tz **tz) {
    *tz = NULL;
    if (cli__open_centre(cmd, a, lim, c)) return CLI_RUNTIME;
    char *stored[NMON_OPTS] = {0};
    const char *vals[NMON_OPTS];
    bool custom = false;
    tr_err err = {0};
    int rc = 0;
    for (size_t k = 0; k < NMON_OPTS && !rc; k++) {
        vals[k] = given_opt(cmd, a, MON_OPT_NAMES[k]);
        if (store_setting_get((*c)->store, MON_OPT_NAMES[k], &stored[k], &err))
            rc = cli__runtime_error(cmd, &err);
        if (!vals[k]) vals[k] = stored[k] && !persist ? stored[k] : cli__opt(cmd, a, MON_OPT_NAMES[k]);
        if (strcmp(vals[k], cli__opt(cmd, a, MON_OPT_NAMES[k])) != 0 || given_opt(cmd, a, MON_OPT_NAMES[k]))
            custom = true;
    }
    mon_config cfg;
    if (!rc) rc = monitor_options(cmd, vals, &cfg, tz);
    if (!rc && custom && centre_mon_configure(*c, &cfg, &err)) rc = cli__runtime_error(cmd, &err);
    if (!rc && persist && centre_settings_record(*c, MON_OPT_NAMES, vals, NMON_OPTS, &err))
        rc = cli__runtime_error(cmd, &err);
    for (size_t k = 0; k < NMON_OPTS; k++)
        free(stored[k]);
    if (rc) {
        centre_close(*c);
        *c = NULL;
        tr_tz_free(*tz);
        *tz = NULL;
    }
    return rc;
}

/* ---- import reports ---- */

#define IMPORT_SHOWN_MAX 200 /* bad records listed one by one; the rest are counted */

typedef struct bad_list {
    long shown, more;
} bad_list;

static void print_bad(void *ctx, long line, const char *field, const char *reason) {
    bad_list *b = ctx;
    if (b->shown < IMPORT_SHOWN_MAX) {
        fprintf(stderr, "line %ld: %s: %s\n", line, field, reason);
        b->shown++;
    } else {
        b->more++;
    }
}

static void print_actor(void *ctx, const char *name, const char *as_given) {
    (void)ctx;
    if (strcmp(name, as_given) == 0)
        fprintf(stderr, "new actor: %s\n", name);
    else
        fprintf(stderr, "new actor: %s (as given: %s)\n", name, as_given);
}

/* The format from the file's extension: .ndjson / .jsonl -> ndjson, .csv -> csv. */
static int format_from_name(const char *path, tr_report_format *fmt) {
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/')) return -1;
    if (strcmp(dot, ".ndjson") == 0 || strcmp(dot, ".jsonl") == 0)
        *fmt = TR_FMT_NDJSON;
    else if (strcmp(dot, ".csv") == 0)
        *fmt = TR_FMT_CSV;
    else
        return -1;
    return 0;
}

/* --new-actors and the format (--format, else the file name's): CLI_OK or a usage error. */
static int import_options(const cli_cmd *cmd, cli_args *a, const char *path, tr_report_format *fmt,
                          centre_new_actors *new_actors) {
    const char *f = cli__opt(cmd, a, "--format");
    if (centre_new_actors_parse(cli__opt(cmd, a, "--new-actors"), new_actors))
        return cli__usage_error(cmd, "--new-actors: '%s' is not reject, create or omit",
                                cli__opt(cmd, a, "--new-actors"));
    if (f ? tr_report_format_parse(f, fmt) != 0 : format_from_name(path, fmt) != 0)
        return cli__usage_error(cmd,
                                f ? "unknown format '%s': use ndjson, csv, acled or ucdp"
                                  : "cannot tell the format of '%s' from its name: give --format",
                                f ? f : path);
    return CLI_OK;
}

/* A failed import: a header error reads as a bad record ("line 1: column: reason"). */
static int import_failed(const cli_cmd *cmd, const tr_err *err) {
    if (strncmp(err->msg, "line ", 5) != 0) return cli__runtime_error(cmd, err);
    const char *m = strchr(err->msg, ':');
    fprintf(stderr, "%.*s: %s:%s\n", (int)(m - err->msg), err->msg, err->field[0] ? err->field : "header",
            m + 1);
    fprintf(stderr, "truce %s: nothing imported\n", cmd->name);
    return CLI_RUNTIME;
}

/* The summary line; CLI_RUNTIME when bad records stopped the import or nothing was imported. */
static int import_summary(const cli_cmd *cmd, const centre_import_stats *st, const bad_list *bad,
                          const centre_import_opts *o) {
    if (bad->more) fprintf(stderr, "... and %ld more bad records\n", bad->more);
    if (st->rejected && !o->partial)
        fprintf(stderr, "truce %s: %ld bad record%s: nothing imported (--partial imports the good ones)\n",
                cmd->name, st->rejected, st->rejected == 1 ? "" : "s");
    printf("rows read %ld, imported %ld, rejected %ld, incidents %ld", st->rows, st->imported, st->rejected,
           st->incidents);
    if (o->new_actors == CENTRE_NEW_ACTORS_CREATE) printf(", actors created %ld", st->actors_created);
    if (o->new_actors == CENTRE_NEW_ACTORS_OMIT) printf(", names omitted %ld", st->names_omitted);
    printf("\n");
    return st->rejected && (!o->partial || st->imported == 0) ? CLI_RUNTIME : CLI_OK;
}

int cli__cmd_import_reports(const cli_cmd *cmd, cli_args *a) {
    const char *path = a->pos[0], *party = cli__opt(cmd, a, "--as");
    if (!party) return cli__usage_error(cmd, "%s", "--as PARTY is required");
    bad_list bad = {0, 0};
    centre_import_opts o = {.partial = cli__opt(cmd, a, "--partial") != NULL,
                            .bad = print_bad,
                            .bad_ctx = &bad,
                            .actor = print_actor};
    int code = import_options(cmd, a, path, &o.fmt, &o.new_actors);
    if (code != CLI_OK) return code;
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in) {
        fprintf(stderr, "truce %s: cannot read %s: %s\n", cmd->name, path, strerror(errno));
        return CLI_RUNTIME;
    }
    centre *c;
    if (cli__open_centre(cmd, a, NULL, &c)) {
        if (in != stdin) fclose(in);
        return CLI_RUNTIME;
    }
    tr_err err = {0};
    centre_aliases *aliases = NULL;
    const char *aliases_path = cli__opt(cmd, a, "--aliases");
    int rc = aliases_path ? centre_aliases_load(c, aliases_path, &aliases, &err) : TR_OK;
    centre_import_stats st = {0};
    o.aliases = aliases;
    if (rc == TR_OK) rc = centre_reports_import(c, party, in, &o, &st, &err);
    centre_aliases_free(aliases);
    centre_close(c);
    if (in != stdin) fclose(in);
    return rc ? import_failed(cmd, &err) : import_summary(cmd, &st, &bad, &o);
}

/* ---- bulletin ---- */

int cli__cmd_bulletin(const cli_cmd *cmd, cli_args *a) {
    const char *date = cli__opt(cmd, a, "--date");
    if (!date) return cli__usage_error(cmd, "%s", "--date is required");
    centre *c;
    tr_tz *tz = NULL;
    int mrc = cli__open_monitoring(cmd, a, NULL, false, &c, &tz);
    if (mrc) return mrc;
    tr_err err = {0};
    char *text = NULL;
    size_t len = 0;
    const char *media = NULL;
    int rc = centre_bulletin(c, date, cli__opt(cmd, a, "--format"), cli__opt(cmd, a, "--lang"), &text, &len,
                             &media, &err);
    centre_close(c);
    tr_tz_free(tz);
    if (rc) return cli__runtime_error(cmd, &err);
    bool ok = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0;
    free(text);
    if (!ok) {
        fprintf(stderr, "truce %s: cannot write the bulletin: %s\n", cmd->name, strerror(errno));
        return CLI_RUNTIME;
    }
    return CLI_OK;
}

/* ---- export ---- */

int cli__cmd_export_incidents(const cli_cmd *cmd, cli_args *a) {
    tr_err err = {0};
    int64_t from, to;
    if (centre_window_parse(cli__opt(cmd, a, "--date"), cli__opt(cmd, a, "--from"), cli__opt(cmd, a, "--to"),
                            &from, &to, &err))
        return cli__usage_error(cmd, "%s", err.msg);
    centre *c;
    tr_tz *tz = NULL;
    int mrc = cli__open_monitoring(cmd, a, NULL, false, &c, &tz);
    if (mrc) return mrc;
    centre_export *x = NULL;
    const char *media, *name;
    int rc = centre_export_open(c, cli__opt(cmd, a, "--format"), from, to, &x, &media, &name, &err);
    if (rc) {
        centre_close(c);
        tr_tz_free(tz);
        return cli__runtime_error(cmd, &err);
    }
    static char buf[1 << 16];
    long n;
    bool ok = true;
    while (ok && (n = centre_export_read(x, buf, sizeof buf)) > 0)
        ok = fwrite(buf, 1, (size_t)n, stdout) == (size_t)n;
    if (ok && n < 0) {
        centre_export_free(x);
        centre_close(c);
        tr_tz_free(tz);
        fprintf(stderr, "truce %s: out of memory\n", cmd->name);
        return CLI_RUNTIME;
    }
    ok = ok && fflush(stdout) == 0;
    centre_export_free(x);
    centre_close(c);
    tr_tz_free(tz);
    if (!ok) {
        fprintf(stderr, "truce %s: cannot write the export: %s\n", cmd->name, strerror(errno));
        return CLI_RUNTIME;
    }
    return CLI_OK;
}

/* ---- territory (service/centre_territory.c) ---- */

int cli__cmd_territory(const cli_cmd *cmd, cli_args *a) {
    centre_territory_q q = {0};
    const char *at = cli__opt(cmd, a, "--at"), *from = cli__opt(cmd, a, "--from"),
               *to = cli__opt(cmd, a, "--to");
    const char *within = cli__opt(cmd, a, "--within");
    if ((from != NULL) != (to != NULL)) return cli__usage_error(cmd, "%s", "--from and --to go together");
    if (from && at) return cli__usage_error(cmd, "%s", "give either --at, or --from and --to");
    q.has_change = from != NULL;
    q.at = tr_time_now();
    if (at && tr_time_parse(at, &q.at))
        return cli__usage_error(cmd, "--at: '%s' is not an RFC 3339 time", at);
    if (from && (tr_time_parse(from, &q.from) || tr_time_parse(to, &q.to) || q.to <= q.from))
        return cli__usage_error(cmd, "%s", "--from and --to must be RFC 3339 times, from before to");
    if (within && (sscanf(within, "%" SCNd64, &q.within) != 1 || q.within <= 0))
        return cli__usage_error(cmd, "--within: '%s' is not an area id", within);
    centre *c;
    if (cli__open_centre(cmd, a, NULL, &c)) return CLI_RUNTIME;
    tr_err err = {0};
    json_t *out = NULL;
    int rc = centre_territory(c, NULL, &q, &out, &err); /* the operator sees every area */
    centre_close(c);
    if (rc) return cli__runtime_error(cmd, &err);
    char *text = tr_json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(out);
    if (text) printf("%s\n", text);
    free(text);
    return text ? CLI_OK : CLI_RUNTIME;
}
