/*
 * cli.c — subcommands, their options and their help, declared as tables.
 *
 * Each command has a name path ("party add"), a usage line, a description, the
 * options it accepts and the number of positional arguments. One parser handles all
 * of them: unknown options, missing values and wrong argument counts are usage
 * errors (exit 2) with a pointer to --help.
 */
#include "edges/cli.h"
#include "base/json_text.h"
#include "edges/cli_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/timeutil.h"
#include "base/tz.h"
#include "edges/http.h"
#include "edges/static.h"
#include "edges/verify.h"
#include "edges/witness_client.h"
#include "service/centre.h"
#include "service/centre_lists.h"
#include "service/centre_mine.h"
#include "service/centre_monitor.h"
#include "store/db.h"

/* --db's value when none is given: $TRUCE_DB if set, else the option's default. */
static const char *opt_default(const cli_opt *o) {
    const char *env = strcmp(o->name, "--db") == 0 ? getenv("TRUCE_DB") : NULL;
    return env && *env ? env : o->dflt;
}

const char *cli__opt(const cli_cmd *cmd, const cli_args *a, const char *name) {
    for (int i = 0; i < MAX_OPTS && cmd->opts[i].name; i++)
        if (strcmp(cmd->opts[i].name, name) == 0) return a->val[i] ? a->val[i] : opt_default(&cmd->opts[i]);
    return NULL;
}

size_t cli__opt_all(const cli_cmd *cmd, const cli_args *a, const char *name, const char **out, size_t max) {
    size_t n = 0;
    for (int i = 0; i < a->nrep && n < max; i++)
        if (strcmp(cmd->opts[a->rep_opt[i]].name, name) == 0) out[n++] = a->rep[i];
    return n;
}

#define HELP_WIDTH 100 /* help lines are wrapped at word boundaries, never cut */

/* Prints first, then text's words wrapped at HELP_WIDTH (and at its own newlines), the
 * continuation lines indented by indent spaces; a word longer than a line is printed
 * whole on its own line. */
static void print_wrapped(FILE *f, const char *first, int indent, const char *text) {
    int col = fprintf(f, "%s", first);
    bool line_start = true; /* nothing of text on this line yet */
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, " \n");
        if (n == 0) {
            if (*p++ == '\n') {
                col = fprintf(f, "\n%*s", indent, "") - 1;
                line_start = true;
            }
            continue;
        }
        if (!line_start && col + 1 + (int)n > HELP_WIDTH) {
            col = fprintf(f, "\n%*s", indent, "") - 1;
            line_start = true;
        }
        col += fprintf(f, "%s%.*s", line_start ? "" : " ", (int)n, p);
        line_start = false;
        p += n;
    }
    fputc('\n', f);
}

#define HELP_OPT_COL 29 /* where an option's description starts */

static void print_help(FILE *f, const cli_cmd *cmd) {
    print_wrapped(f, "usage: truce ", 13, cmd->usage);
    fprintf(f, "\n%s\n", cmd->summary);
    if (cmd->opts[0].name) fprintf(f, "\noptions:\n");
    for (int i = 0; i < MAX_OPTS && cmd->opts[i].name; i++) {
        const cli_opt *o = &cmd->opts[i];
        char left[96], text[512];
        snprintf(left, sizeof left, "  %s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        size_t n = strlen(left);
        snprintf(left + n, sizeof left - n, "%*s", n < HELP_OPT_COL - 1 ? HELP_OPT_COL - (int)n : 1, "");
        snprintf(text, sizeof text, "%s%s%s%s", o->help, o->dflt ? " (default: " : "", o->dflt ? o->dflt : "",
                 o->dflt ? ")" : "");
        print_wrapped(f, left, HELP_OPT_COL, text);
    }
    fprintf(f, "  %-26s %s\n", "--help", "show this help");
}

int cli__usage_error(const cli_cmd *cmd, const char *fmt, const char *what) {
    fprintf(stderr, "truce %s: ", cmd->name);
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\nsee 'truce %s --help'\n", cmd->name);
    return CLI_USAGE;
}

static bool is_help(const char *s) {
    return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

/* Parses argv (after the command words) into a; returns -1 for --help. */
static int parse_args(const cli_cmd *cmd, int argc, char **argv, cli_args *a) {
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) /* --help wins over any mistake beside it */
        if (is_help(argv[i])) return -1;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (strncmp(s, "--", 2) != 0 || strcmp(s, "--") == 0) {
            if (a->npos == cmd->max_pos) return cli__usage_error(cmd, "unexpected argument '%s'", s);
            a->pos[a->npos++] = s;
            continue;
        }
        const char *eq = strchr(s, '=');
        size_t n = eq ? (size_t)(eq - s) : strlen(s);
        int k = -1;
        for (int j = 0; j < MAX_OPTS && cmd->opts[j].name; j++)
            if (strlen(cmd->opts[j].name) == n && strncmp(cmd->opts[j].name, s, n) == 0) k = j;
        if (k < 0) return cli__usage_error(cmd, "unknown option '%s'", s);
        if (!cmd->opts[k].arg) {
            if (eq) return cli__usage_error(cmd, "option '%s' takes no value", cmd->opts[k].name);
            a->val[k] = "1";
        } else if (eq) {
            a->val[k] = eq + 1;
        } else if (i + 1 < argc) {
            a->val[k] = argv[++i];
        } else {
            return cli__usage_error(cmd, "option '%s' needs a value", cmd->opts[k].name);
        }
        const char *arg = cmd->opts[k].arg;
        if (arg && strlen(arg) > 3 && strcmp(arg + strlen(arg) - 3, "...") == 0) {
            if (a->nrep == CLI_REPEAT_MAX)
                return cli__usage_error(cmd, "option '%s' is given too often", cmd->opts[k].name);
            a->rep_opt[a->nrep] = k;
            a->rep[a->nrep++] = a->val[k];
        }
    }
    if (a->npos < cmd->min_pos) return cli__usage_error(cmd, "%s", "missing argument");
    return 0;
}

int cli__runtime_error(const cli_cmd *cmd, const tr_err *err) {
    fprintf(stderr, "truce %s: %s%s%s\n", cmd->name, err->field, err->field[0] ? ": " : "", err->msg);
    return CLI_RUNTIME;
}

int cli__parse_uint(const cli_cmd *cmd, const char *name, const char *v, unsigned long long max,
                    unsigned long long *out) {
    char *end;
    errno = 0;
    unsigned long long x = v ? strtoull(v, &end, 10) : 0;
    if (!v || !*v || *end || errno || x == 0 || x > max || v[0] == '-') {
        fprintf(stderr, "truce %s: %s must be a whole number from 1 to %llu\n", cmd->name, name, max);
        return CLI_USAGE;
    }
    *out = x;
    return 0;
}

/* parse_uint's range, or 0 (a separation: footprints / bands must meet; a lead time: due at the start). */
static int parse_uint0(const cli_cmd *cmd, const char *name, const char *v, unsigned long long max,
                       unsigned long long *out) {
    if (v && strcmp(v, "0") == 0) {
        *out = 0;
        return 0;
    }
    return cli__parse_uint(cmd, name, v, max, out);
}

/* The commands that create the database when --db names no file; every other command
 * needs an existing one, and says so rather than create an empty database. */
static const char *const DB_CREATORS[] = {"serve", "party add", "import scenario", NULL};

static int check_db_exists(const cli_cmd *cmd, const char *path) {
    for (size_t i = 0; DB_CREATORS[i]; i++)
        if (strcmp(cmd->name, DB_CREATORS[i]) == 0) return 0;
    if (db_uri_is_pg(path) || access(path, F_OK) == 0) return 0; /* a server says itself */
    fprintf(stderr,
            "truce %s: no database at %s (%s); give --db PATH of an existing database\n"
            "('truce import scenario' or 'truce party add' creates one)\n",
            cmd->name, path, strerror(errno));
    return CLI_RUNTIME;
}

int cli__open_centre(const cli_cmd *cmd, const cli_args *a, const geo_limits *lim, centre **c) {
    if (check_db_exists(cmd, cli__opt(cmd, a, "--db"))) return CLI_RUNTIME;
    tr_err err = {0};
    geo_limits dflt = {GEO_DEFAULT_MAX_VERTICES, GEO_DEFAULT_MAX_WIDTH_M};
    if (centre_open(cli__opt(cmd, a, "--db"), lim ? lim : &dflt, c, &err))
        return cli__runtime_error(cmd, &err);
    return 0;
}

/* ---- serve ---- */

void cli__block_stop_signals(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* The dashboard's directory: --web DIR (must hold index.html; "none" serves no page), else
 * the built web/dist found beside the binary or the repository (static.h), else none. */
static int serve_web_root(const char *dir, char *out, size_t n) {
    out[0] = '\0';
    if (dir && strcmp(dir, "none") == 0) return 0;
    if (dir) {
        char idx[4200];
        snprintf(idx, sizeof idx, "%s/index.html", dir);
        if (access(idx, R_OK) != 0 || !realpath(dir, out) || strlen(out) >= n) {
            out[0] = '\0';
            fprintf(stderr, "truce serve: --web: %s has no readable index.html (build it: make web)\n", dir);
            return -1;
        }
    } else if (!static_default_root(out, n)) {
        fprintf(stderr, "truce: no dashboard found (web/dist not built); serving the API only\n");
        return 0;
    }
    fprintf(stderr, "truce: dashboard from %s\n", out);
    return 0;
}

/* The log's signing key: --log-key, else its default place (centre_key_path). */
static void serve_key_path(const cli_cmd *cmd, const cli_args *a, char *out, size_t n) {
    const char *k = cli__opt(cmd, a, "--log-key");
    if (k)
        snprintf(out, n, "%s", k);
    else
        centre_key_path(cli__opt(cmd, a, "--db"), out, n);
}

/* Before anything is written: the database's log must extend the checkpoint kept beside
 * the key (centre_kept_check). Refused with the reason (CLI_RUNTIME) unless
 * --accept-rollback; then *kept and reason are set for the log.rollback entry. */
static int serve_guard(const cli_cmd *cmd, const cli_args *a, const char *key_path, char **kept,
                       tr_err *why) {
    char path[4200];
    snprintf(path, sizeof path, "%s%s", key_path, CENTRE_KEPT_SUFFIX);
    int rc = centre_kept_check(cli__opt(cmd, a, "--db"), path, kept, why);
    if (rc == TR_OK) return 0;
    if (rc != TR_ECONFLICT) return cli__runtime_error(cmd, why);
    if (cli__opt(cmd, a, "--accept-rollback")) {
        fprintf(stderr, "truce serve: --accept-rollback: serving anyway, and logging it: %s\n", why->msg);
        return 0;
    }
    free(*kept);
    *kept = NULL;
    fprintf(
        stderr,
        "truce serve: refusing to start: %s.\nTo serve this database anyway (a backup restored on purpose), "
        "start with --accept-rollback: the server logs it (log.rollback). See docs/operations.md.\n",
        why->msg);
    return CLI_RUNTIME;
}

/* The log of a serving centre: its key, the checkpoint thread, and the witnesses
 * (--witness). On failure nothing of it is left running. */
static int serve_log(const cli_cmd *cmd, const cli_args *a, centre *c, const char *key_path, unsigned cp_ms,
                     witness_client **wc) {
    tr_err lerr = {0};
    if (centre_log_open(c, key_path, cli__opt(cmd, a, "--log-origin"), &lerr) ||
        centre_checkpointer_start(c, cp_ms, &lerr))
        return cli__runtime_error(cmd, &lerr);
    fprintf(stderr, "truce: log %s, verifier key %s\n", c->origin, c->vkey);
    int rc = cli__serve_witnesses(cmd, a, c, wc);
    if (rc) centre_checkpointer_stop(c);
    return rc;
}

/* The deconfliction and notice options (applied to the centre once it is open). */
typedef struct serve_dc {
    unsigned long long site_buf, op_h, op_v, notice_s, lead_s, budget, margin;
    tf_config traffic; /* live tracks (issue 16) */
    double stale_s;
} serve_dc;

static int serve_dc_options(const cli_cmd *cmd, const cli_args *a, serve_dc *d) {
    if (cli__parse_uint(cmd, "--notice-deadline-s", cli__opt(cmd, a, "--notice-deadline-s"), 365ull * 86400,
                        &d->notice_s) ||
        parse_uint0(cmd, "--notice-lead-s", cli__opt(cmd, a, "--notice-lead-s"), 365ull * 86400,
                    &d->lead_s) ||
        cli__parse_uint(cmd, "--probe-budget", cli__opt(cmd, a, "--probe-budget"), 1000000000, &d->budget) ||
        cli__parse_uint(cmd, "--privacy-margin-m", cli__opt(cmd, a, "--privacy-margin-m"),
                        (unsigned long long)TR_PRIVACY_MAX_MARGIN_M, &d->margin) ||
        cli__parse_uint(cmd, "--site-buffer-m", cli__opt(cmd, a, "--site-buffer-m"), 100000, &d->site_buf) ||
        parse_uint0(cmd, "--op-horizontal-m", cli__opt(cmd, a, "--op-horizontal-m"), 100000, &d->op_h) ||
        parse_uint0(cmd, "--op-vertical-m", cli__opt(cmd, a, "--op-vertical-m"), 10000, &d->op_v) ||
        cli__traffic_options(cmd, a, &d->traffic, &d->stale_s))
        return CLI_USAGE;
    return 0;
}

static void serve_dc_apply(centre *c, const serve_dc *d) {
    c->site_buffer_m = (double)d->site_buf;
    c->op_sep = (dc_sep){(double)d->op_h, (double)d->op_v};
    c->notice_deadline_s = (int64_t)d->notice_s;
    c->notice_lead_s = (int64_t)d->lead_s;
    c->probe_budget = (int64_t)d->budget;
    c->privacy_margin_m = (double)d->margin;
}

/* Opens the centre (after the rollback guard), logs an accepted rollback first, applies
 * the options, sweeps CAP alerts and starts the log. On failure *c may be open (the caller
 * closes it) but nothing of the log is running. */
static int serve_open(const cli_cmd *cmd, cli_args *a, const serve_dc *d, const geo_limits *lim, centre **c,
                      tr_tz **tz, witness_client **wc, unsigned cp_ms) {
    char key_path[4096], *kept = NULL;
    tr_err why = {0}, aerr = {0};
    serve_key_path(cmd, a, key_path, sizeof key_path);
    int rc = serve_guard(cmd, a, key_path, &kept, &why);
    if (rc == 0) rc = cli__open_monitoring(cmd, a, lim, true, c, tz);
    if (rc == 0 && kept && centre_kept_accept(*c, kept, why.msg, &aerr)) rc = cli__runtime_error(cmd, &aerr);
    free(kept);
    if (rc) return rc;
    serve_dc_apply(*c, d);
    if ((rc = cli__traffic_configure(cmd, &d->traffic, d->stale_s, *c))) return rc;
    if (centre_alerts_sweep(*c, &aerr)) fprintf(stderr, "truce: CAP alerts not swept: %s\n", aerr.msg);
    fprintf(stderr, "truce: database %s, schema version %d, %zu area versions loaded\n",
            cli__opt(cmd, a, "--db"), store_schema_version((*c)->store),
            attr_engine_area_versions((*c)->attr));
    return serve_log(cmd, a, *c, key_path, cp_ms, wc);
}

static int cmd_serve(const cli_cmd *cmd, cli_args *a) {
    unsigned long long threads, body, raw, maxv, drain, cp_ms;
    if (cli__parse_uint(cmd, "--checkpoint-ms", cli__opt(cmd, a, "--checkpoint-ms"), 3600000, &cp_ms) ||
        cli__parse_uint(cmd, "--threads", cli__opt(cmd, a, "--threads"), 256, &threads) ||
        cli__parse_uint(cmd, "--body-limit", cli__opt(cmd, a, "--body-limit"), 1ull << 30, &body) ||
        cli__parse_uint(cmd, "--import-limit", cli__opt(cmd, a, "--import-limit"), 1ull << 34, &raw) ||
        cli__parse_uint(cmd, "--max-vertices", cli__opt(cmd, a, "--max-vertices"), 10000000, &maxv) ||
        cli__parse_uint(cmd, "--drain-seconds", cli__opt(cmd, a, "--drain-seconds"), 3600, &drain))
        return CLI_USAGE;
    unsigned long long req_deadline, max_conns, per_addr;
    if (cli__parse_uint(cmd, "--request-deadline-s", cli__opt(cmd, a, "--request-deadline-s"), 3600,
                        &req_deadline) ||
        cli__parse_uint(cmd, "--max-connections", cli__opt(cmd, a, "--max-connections"), 1000000,
                        &max_conns) ||
        cli__parse_uint(cmd, "--max-connections-per-address",
                        cli__opt(cmd, a, "--max-connections-per-address"), 1000000, &per_addr))
        return CLI_USAGE;
    serve_dc d;
    char web_root[4096];
    if (serve_dc_options(cmd, a, &d) || serve_web_root(cli__opt(cmd, a, "--web"), web_root, sizeof web_root))
        return CLI_USAGE;
    const char *group = cli__opt(cmd, a, "--group-commit");
    if (group && strcmp(group, "on") != 0 && strcmp(group, "off") != 0)
        return cli__usage_error(cmd, "--group-commit must be on or off, not '%s'", group);
    sigset_t set;
    cli__block_stop_signals(&set);
    geo_limits lim = {(size_t)maxv, GEO_DEFAULT_MAX_WIDTH_M};
    centre *c = NULL;
    tr_tz *tz = NULL;
    witness_client *wc = NULL;
    int rc = serve_open(cmd, a, &d, &lim, &c, &tz, &wc, (unsigned)cp_ms);
    bool logging = rc == 0; /* the checkpoint thread (and the witness client) run */
    if (rc == 0) rc = cli__traffic_start(cmd, c);
    tr_err gerr = {0};
    if (rc == 0 && store_group_commit(c->store, !group || strcmp(group, "off") != 0, &gerr))
        rc = cli__runtime_error(cmd, &gerr);
    if (rc == 0 && store_follower_start(c->store, &gerr))
        rc = cli__runtime_error(cmd, &gerr); /* PostgreSQL */
    http_options o = {.listen = cli__opt(cmd, a, "--listen"),
                      .threads = (unsigned)threads,
                      .body_limit = (size_t)body,
                      .raw_body_limit = (size_t)raw,
                      .drain_seconds = (unsigned)drain,
                      .web_root = web_root[0] ? web_root : NULL,
                      .deadline_s = (unsigned)req_deadline,
                      .max_conns = (unsigned)max_conns,
                      .max_per_addr = (unsigned)per_addr};
    http_server *srv = NULL;
    tr_err err = {0};
    if (rc == 0 && http_server_start(c, &o, &srv, &err)) rc = cli__runtime_error(cmd, &err);
    if (rc == 0) {
        int sig = 0;
        sigwait(&set, &sig);
        fprintf(stderr, "truce: %s received, finishing in-flight requests\n",
                sig == SIGTERM ? "SIGTERM" : "SIGINT");
        http_server_stop(srv);
    }
    if (logging) {
        centre_checkpointer_stop(c); /* before the witness client: its last checkpoint wakes it */
        witness_client_stop(wc);
    }
    centre_close(c);
    tr_tz_free(tz);
    if (rc == 0) fprintf(stderr, "truce: stopped cleanly\n");
    return rc;
}

/* ---- parties ---- */

static int cmd_party_add(const cli_cmd *cmd, cli_args *a) {
    if (!cli__opt(cmd, a, "--role")) return cli__usage_error(cmd, "%s", "--role is required");
    centre *c;
    if (cli__open_centre(cmd, a, NULL, &c)) return CLI_RUNTIME;
    char token[CENTRE_TOKEN_LEN + 1];
    tr_err err = {0};
    int rc = centre_party_add(c, a->pos[0], cli__opt(cmd, a, "--role"), cli__opt(cmd, a, "--full-name"),
                              token, &err);
    centre_close(c);
    if (rc) return cli__runtime_error(cmd, &err);
    printf("%s\n", token);
    return CLI_OK;
}

static int cmd_party_list(const cli_cmd *cmd, cli_args *a) {
    centre *c;
    if (cli__open_centre(cmd, a, NULL, &c)) return CLI_RUNTIME;
    json_t *list = NULL;
    tr_err err = {0};
    int rc = centre_party_list_json(c->store, &list, &err);
    centre_close(c);
    if (rc) return cli__runtime_error(cmd, &err);
    if (cli__opt(cmd, a, "--json")) {
        char *s = tr_json_dumps(list, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    } else {
        size_t i;
        json_t *p;
        printf("%-20s %-13s %-21s %s\n", "NAME", "ROLE", "CREATED", "STATUS");
        json_array_foreach(list, i, p) {
            json_t *rev = json_object_get(p, "revoked_at");
            printf("%-20s %-13s %-21s %s%s\n", json_string_value(json_object_get(p, "name")),
                   json_string_value(json_object_get(p, "role")),
                   json_string_value(json_object_get(p, "created_at")),
                   json_is_null(rev) ? "active" : "revoked ",
                   json_is_null(rev) ? "" : json_string_value(rev));
        }
    }
    json_decref(list);
    return CLI_OK;
}

static int cmd_party_revoke(const cli_cmd *cmd, cli_args *a) {
    centre *c;
    if (cli__open_centre(cmd, a, NULL, &c)) return CLI_RUNTIME;
    tr_err err = {0};
    int rc = centre_party_revoke(c, a->pos[0], &err);
    centre_close(c);
    if (rc) return cli__runtime_error(cmd, &err);
    fprintf(stderr, "truce: party '%s' revoked; its token no longer works\n", a->pos[0]);
    return CLI_OK;
}

/* ---- import ---- */

/* Opens a private (0600) temporary file beside path, for an atomic replace. */
static FILE *open_beside(const char *path, char *tmp, size_t n) {
    snprintf(tmp, n, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
    }
    return f;
}

/* One line per repaired area version on stderr: where, what GEOS found, the area change. */
static void print_repair(void *ctx, const char *where, const char *name, const json_t *r) {
    (void)ctx;
    fprintf(stderr, "repaired %s (%s): %s; area %lld m2 -> %lld m2 (%+lld m2)\n", where, name ? name : "",
            json_string_value(json_object_get(r, "reason")),
            (long long)json_integer_value(json_object_get(r, "area_before_m2")),
            (long long)json_integer_value(json_object_get(r, "area_after_m2")),
            (long long)json_integer_value(json_object_get(r, "area_change_m2")));
}

static int cmd_import_scenario(const cli_cmd *cmd, cli_args *a) {
    const char *tokens_path = cli__opt(cmd, a, "--tokens");
    char tmp[4096];
    FILE *tokens = stdout;
    if (tokens_path && !(tokens = open_beside(tokens_path, tmp, sizeof tmp))) {
        fprintf(stderr, "truce %s: cannot write beside %s: %s\n", cmd->name, tokens_path, strerror(errno));
        return CLI_RUNTIME;
    }
    centre *c;
    int rc = cli__open_centre(cmd, a, NULL, &c) ? TR_EIO : TR_OK;
    tr_err err = {0};
    bool hint = false;
    if (rc == TR_OK) {
        centre_scenario_opts o = {.regions = cli__opt(cmd, a, "--regions"),
                                  .make_valid = cli__opt(cmd, a, "--make-valid") != NULL,
                                  .repaired = print_repair};
        rc = centre_import_scenario_with(c, a->pos[0], &o, tokens, &err);
        hint = rc == TR_EINVAL && !o.make_valid && strstr(err.msg, "invalid polygon") != NULL;
        if (rc == TR_OK)
            fprintf(stderr, "truce: scenario %s imported; %zu area versions in %s\n", a->pos[0],
                    attr_engine_area_versions(c->attr), cli__opt(cmd, a, "--db"));
        centre_close(c);
    }
    if (tokens != stdout) {
        if (fclose(tokens) != 0 && rc == TR_OK)
            rc = tr_fail(&err, TR_EIO, "--tokens", "cannot write %s", tokens_path);
        if (rc == TR_OK && rename(tmp, tokens_path) != 0)
            rc = tr_fail(&err, TR_EIO, "--tokens", "cannot write %s: %s", tokens_path, strerror(errno));
        if (rc != TR_OK) unlink(tmp);
    }
    if (rc == TR_EIO && err.code == TR_OK) return CLI_RUNTIME; /* open_centre reported it */
    if (rc) cli__runtime_error(cmd, &err);
    if (hint)
        fprintf(stderr,
                "truce %s: --make-valid repairs such a polygon (GEOS MakeValid) and lists what it changed\n",
                cmd->name);
    return rc ? CLI_RUNTIME : CLI_OK;
}

/* ---- verify (edges/verify.c) ---- */

static const char *verify_witnesses[CLI_REPEAT_MAX];

static verify_options verify_opts(const cli_cmd *cmd, const cli_args *a) {
    const char *token = cli__opt(cmd, a, "--token");
    return (verify_options){.witnesses = verify_witnesses,
                            .nwitnesses = cli__opt_all(cmd, a, "--witness", verify_witnesses, CLI_REPEAT_MAX),
                            .db = cli__opt(cmd, a, "--db"),
                            .url = cli__opt(cmd, a, "--url"),
                            .key = cli__opt(cmd, a, "--key"),
                            .token = token ? token : getenv("TRUCE_TOKEN"),
                            .checkpoint = cli__opt(cmd, a, "--checkpoint"),
                            .save = cli__opt(cmd, a, "--save"),
                            .receipt = cli__opt(cmd, a, "--receipt"),
                            .out = stdout};
}

/* --quorum K (1 .. the number of --witness keys), only with --witness. */
static int verify_quorum(const cli_cmd *cmd, const cli_args *a, verify_options *o) {
    const char *q = cli__opt(cmd, a, "--quorum");
    unsigned long long k = 0;
    if (q && !o->nwitnesses) return cli__usage_error(cmd, "%s", "--quorum goes with --witness VKEY");
    if (q && cli__parse_uint(cmd, "--quorum", q, o->nwitnesses, &k)) return CLI_USAGE;
    o->quorum = (size_t)k;
    return CLI_OK;
}

static int cmd_verify(const cli_cmd *cmd, cli_args *a) {
    verify_options o = verify_opts(cmd, a);
    if (verify_quorum(cmd, a, &o)) return CLI_USAGE;
    if (!o.db == !o.url) return cli__usage_error(cmd, "%s", "give either --db PATH or --url URL");
    if (o.url && !o.key) return cli__usage_error(cmd, "%s", "--url needs --key VKEY, the log's verifier key");
    if (o.db && (cli__opt(cmd, a, "--token") || o.save))
        return cli__usage_error(cmd, "%s", "--token and --save go with --url");
    return o.db ? verify_db(&o) : verify_remote(&o);
}

static int cmd_verify_bundle(const cli_cmd *cmd, cli_args *a) {
    verify_options o = verify_opts(cmd, a);
    if (verify_quorum(cmd, a, &o)) return CLI_USAGE;
    if (!o.key) return cli__usage_error(cmd, "%s", "--key VKEY is required");
    o.bundle = a->pos[0];
    return verify_bundle(&o);
}

static int cmd_verify_receipt(const cli_cmd *cmd, cli_args *a) {
    verify_options o = verify_opts(cmd, a);
    if (verify_quorum(cmd, a, &o)) return CLI_USAGE;
    unsigned long long index = 0;
    const char *idx = cli__opt(cmd, a, "--index");
    if (!o.key) return cli__usage_error(cmd, "%s", "--key VKEY is required");
    if (!o.url == !o.receipt)
        return cli__usage_error(cmd, "%s", "give either --url URL --index N or --receipt FILE");
    if (o.url && !idx) return cli__usage_error(cmd, "%s", "--url needs --index N");
    if (idx && !(strcmp(idx, "0") == 0 || cli__parse_uint(cmd, "--index", idx, INT64_MAX, &index) == 0))
        return CLI_USAGE;
    o.has_index = idx != NULL;
    o.index = index;
    return verify_receipt(&o);
}

/* ---- a party's signing key ---- */

static int cmd_key_generate(const cli_cmd *cmd, cli_args *a) {
    if (sodium_init() < 0) return CLI_RUNTIME;
    const char *path = a->pos[0];
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    char skb[sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES, sodium_base64_VARIANT_ORIGINAL)];
    char pkb[sodium_base64_ENCODED_LEN(crypto_sign_PUBLICKEYBYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(skb, sizeof skb, sk, sizeof sk, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(pkb, sizeof pkb, pk, sizeof pk, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(sk, sizeof sk);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    bool ok = fd >= 0 && write(fd, skb, strlen(skb)) == (ssize_t)strlen(skb) && write(fd, "\n", 1) == 1 &&
              fsync(fd) == 0;
    if (fd >= 0) close(fd);
    sodium_memzero(skb, sizeof skb);
    if (!ok) {
        fprintf(stderr, "truce %s: cannot create %s: %s\n", cmd->name, path, strerror(errno));
        return CLI_RUNTIME;
    }
    printf("%s\n", pkb);
    fprintf(stderr,
            "truce: secret key written to %s (mode 0600); register the public key with\n"
            "  PUT /v1/me/key {\"public_key\": \"%s\"}\n",
            path, pkb);
    return CLI_OK;
}

/* Reads a whole file (or stdin for "-") into a malloc'd buffer. */
static char *slurp(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    if (f != stdin) fclose(f);
    *len = n;
    return buf;
}

static int cmd_key_sign(const cli_cmd *cmd, cli_args *a) {
    if (!cli__opt(cmd, a, "--key")) return cli__usage_error(cmd, "%s", "--key is required");
    if (sodium_init() < 0) return CLI_RUNTIME;
    size_t klen = 0, blen = 0;
    const char *key_path = cli__opt(cmd, a, "--key");
    char *kb = slurp(key_path, &klen);
    char *body = slurp(a->pos[0], &blen);
    unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
    size_t n = 0;
    while (kb && klen > 0 && (kb[klen - 1] == '\n' || kb[klen - 1] == '\r'))
        klen--;
    int rc = CLI_OK;
    if (!kb || !body) {
        fprintf(stderr, "truce %s: cannot read %s: %s\n", cmd->name, !kb ? key_path : a->pos[0],
                strerror(errno));
        rc = CLI_RUNTIME;
    } else if (sodium_base642bin(sk, sizeof sk, kb, klen, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) ||
               n != sizeof sk) {
        fprintf(stderr, "truce %s: %s is not a key made by 'truce key generate'\n", cmd->name, key_path);
        rc = CLI_RUNTIME;
    } else {
        crypto_sign_detached(sig, NULL, (const unsigned char *)body, blen, sk);
        char out[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(out, sizeof out, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
        printf("%s\n", out);
    }
    sodium_memzero(sk, sizeof sk);
    if (kb) sodium_memzero(kb, klen);
    free(kb);
    free(body);
    return rc;
}

/* ---- routes, version ---- */

static int cmd_routes(const cli_cmd *cmd, cli_args *a) {
    (void)cmd;
    (void)a;
    size_t nroutes;
    const http_route *routes = api_routes(&nroutes);
    for (size_t i = 0; i < nroutes; i++) {
        const http_route *r = &routes[i];
        char pattern[128]; /* as OpenAPI writes it: {*path} -> {path} */
        size_t n = 0;
        for (const char *p = r->pattern; *p && n + 1 < sizeof pattern; p++)
            if (!(*p == '*' && p > r->pattern && p[-1] == '{')) pattern[n++] = *p;
        pattern[n] = '\0';
        printf("%s %s", r->method, pattern);
        if (!r->roles) printf(" %s", (r->flags & ROUTE_LOOPBACK) ? "loopback" : "open");
        for (int k = 0; k < ROLE_COUNT && r->roles; k++)
            if (r->roles & ROLE_BIT(k))
                printf("%s%s", k == __builtin_ctz(r->roles) ? " " : ",", tr_role_name((tr_role)k));
        printf("\n");
    }
    return CLI_OK;
}

static int cmd_version(const cli_cmd *cmd, cli_args *a) {
    (void)cmd;
    (void)a;
    printf("truce 0.1.0\n");
    return CLI_OK;
}

#define WITNESS_OPTS                                                                                         \
    {"--witness", "VKEY...", "a witness's verifier key (truce witness key): its cosignature is checked",     \
     NULL},                                                                                                  \
    {                                                                                                        \
        "--quorum", "K", "valid --witness cosignatures the checkpoint needs (default: all of them)", NULL    \
    }

#define DB_OPT                                                                                               \
    {                                                                                                        \
        "--db", "PATH|URI",                                                                                  \
            "SQLite database file (created if absent) or postgresql:// URI ($TRUCE_DB when not given)",      \
            "truce.db"                                                                                       \
    }
#define DB_OPT_EXISTING                                                                                      \
    {                                                                                                        \
        "--db", "PATH|URI",                                                                                  \
            "SQLite database file (must exist) or postgresql:// URI ($TRUCE_DB when not given)", "truce.db"  \
    }

static const cli_cmd commands[] = {
    {"serve",
     "serve [--db PATH] [--listen HOST:PORT] [options]",
     "Serves the truce API over HTTP until SIGTERM or SIGINT, then finishes in-flight requests\n"
     "and closes the database cleanly.",
     0,
     0,
     {DB_OPT,
      {"--listen", "HOST:PORT", "address to listen on; [::1]:PORT for IPv6, port 0 picks one",
       "127.0.0.1:8080"},
      {"--threads", "N", "worker threads (also the most writes that can share one flush)", "4"},
      {"--group-commit", "on|off",
       "concurrent writes share flushes (each answered once durable); off: one fsync per write", "on"},
      {"--body-limit", "BYTES", "largest request body accepted (413 beyond)", "4194304"},
      {"--import-limit", "BYTES", "largest file accepted by the bulk import routes (413 beyond)",
       "268435456"},
      {"--max-vertices", "N", "most vertices one geometry may have", "100000"},
      {"--drain-seconds", "N", "how long a stop waits for in-flight requests", "30"},
      {"--request-deadline-s", "S",
       "seconds a request has for its head and body in all; a slow sender is "
       "answered 408 however it trickles",
       "30"},
      {"--max-connections", "N", "connections open at once (503 beyond); fitted to the open-file limit",
       "4096"},
      {"--max-connections-per-address", "N",
       "connections open at once from one client address, IPv6 by /64 "
       "(429 beyond)",
       "64"},
      {"--checkpoint-ms", "MS", "sign a log checkpoint at most this often", "1000"},
      {"--site-buffer-m", "M", "operation-site horizontal buffer, metres", "500"},
      {"--op-horizontal-m", "M", "operation-operation horizontal separation, metres (0: footprints meet)",
       "1000"},
      {"--op-vertical-m", "M", "operation-operation vertical separation, metres (0: bands meet)", "300"},
      {"--notice-deadline-s", "S", "least seconds a party has to acknowledge a notice", "1800"},
      {"--notice-lead-s", "S", "a notice about an object that starts later is due S seconds before its start",
       "3600"},
      {"--probe-budget", "N", "conflicts with hidden objects answered per party per hour, then withheld",
       "30"},
      {"--privacy-margin-m", "M", "default margin restricted objects are coarsened by for others, metres",
       "2000"},
      {"--log-key", "PATH",
       "the log's signing key, created at first start (default: DB.key; for a postgresql:// --db, NAME.key "
       "in the current directory, NAME the database's name)",
       NULL},
      {"--log-origin", "NAME", "the log's origin line, fixed at first start (default: generated)", NULL},
      {"--accept-rollback", NULL,
       "start on a log that does not extend the checkpoint kept beside the key (a restored "
       "backup); logged",
       NULL},
      {"--web", "DIR", "serve the dashboard from DIR at / ('none': no page; default: the built web/dist)",
       NULL},
      {"--witness", "URL=VKEY...", "a witness (its URL and verifier key) that is asked to cosign checkpoints",
       NULL},
      {"--quorum", "K", "cosignatures a checkpoint needs to be served (default: every witness)", NULL},
      {"--witness-timeout-ms", "MS", "how long one request to a witness may take", "5000"},
      MON_OPTS,
      TRAFFIC_OPTS},
     cmd_serve},
    {"party add",
     "party add NAME --role ROLE [--full-name TEXT] [--db PATH]",
     "Creates a party and prints its new API token alone on stdout. The token is shown this once;\n"
     "only its SHA-256 is stored. Roles: admin, monitor, guarantor, belligerent, observer,\n"
     "humanitarian, mine_action.",
     1,
     1,
     {DB_OPT,
      {"--role", "ROLE", "the party's role", NULL},
      {"--full-name", "TEXT", "the party's full name", NULL}},
     cmd_party_add},
    {"party list",
     "party list [--db PATH] [--json]",
     "Lists parties with their roles and status.",
     0,
     0,
     {DB_OPT_EXISTING, {"--json", NULL, "print JSON instead of a table", NULL}},
     cmd_party_list},
    {"party revoke",
     "party revoke NAME [--db PATH]",
     "Revokes a party's token at once; the party and everything it wrote stay.",
     1,
     1,
     {DB_OPT_EXISTING},
     cmd_party_revoke},
    {"import scenario",
     "import scenario FILE [--db PATH] [--tokens FILE] [--regions GEOJSON] [--make-valid]",
     "Loads a scenario (parties, actors, areas with versions, agreements) in one transaction:\n"
     "all of it or, on any error, nothing. The new parties' tokens are printed as\n"
     "NAME<TAB>ROLE<TAB>TOKEN lines (to stdout, or to --tokens FILE). An invalid polygon (a\n"
     "ring crossing itself, as published boundary files often have) is refused, naming the\n"
     "feature, unless --make-valid repairs it; each repair is listed on stderr with the area\n"
     "before and after.",
     1,
     1,
     {DB_OPT,
      {"--tokens", "FILE", "write the new tokens here instead of stdout", NULL},
      {"--regions", "GEOJSON", "use this FeatureCollection's polygons as the region areas", NULL},
      {"--make-valid", NULL, "repair invalid polygons (areas and --regions) with GEOS MakeValid", NULL}},
     cmd_import_scenario},
    {"import reports",
     "import reports FILE --as PARTY [--format ndjson|csv|acled|ucdp] [--aliases FILE] [--new-actors "
     "reject|create|omit] [--partial] [--db PATH]",
     "Imports violation reports from FILE ('-' for stdin), streamed, each as if PARTY had sent\n"
     "it to POST /v1/reports (classification, store, log, incidents). Every bad record is\n"
     "listed on stderr as 'line N: FIELD: REASON'. Without --partial a file with any bad record\n"
     "imports nothing (exit 1); with --partial the good records are imported (exit 0 when at\n"
     "least one was, or none was bad). One transaction either way. Prints 'rows read N,\n"
     "imported N, rejected N, incidents N' (and 'actors created N' or 'names omitted N' with\n"
     "--new-actors) (docs/monitoring.md, \"Bulk import\").",
     1,
     1,
     {DB_OPT_EXISTING,
      {"--as", "PARTY", "the reporting party (not an observer)", NULL},
      {"--format", "FMT", "ndjson, csv, acled or ucdp (default: from the extension: .ndjson/.jsonl, .csv)",
       NULL},
      {"--aliases", "FILE", "'dataset name<TAB>truce name' lines mapping the file's actor names", NULL},
      {"--new-actors", "MODE",
       "a perpetrator or target no party or actor has: reject the record, create an actor (logged, listed on "
       "stderr) or omit the name (the report keeps it in as_reported)",
       "reject"},
      {"--partial", NULL, "import the good records even if some are bad", NULL}},
     cli__cmd_import_reports},
    {"bulletin",
     "bulletin --date YYYY-MM-DD [--format md|html|json|csv] [--lang en|ar|ru] [--db PATH]",
     "Prints the daily bulletin of a date (docs/monitoring.md) in English, Arabic or Russian:\n"
     "the same bytes as GET /v1/bulletins/{date}?format=F&lang=L for the same data.",
     0,
     0,
     {DB_OPT_EXISTING,
      {"--date", "YYYY-MM-DD", "the bulletin's date", NULL},
      {"--format", "FMT", "md, html, json or csv", "json"},
      {"--lang", "LANG", "en, ar or ru", "en"},
      MON_OPTS},
     cli__cmd_bulletin},
    {"export incidents",
     "export incidents --format geojson|hxl|acled [--date YYYY-MM-DD | --from T --to T] [--db PATH]",
     "Writes every incident (or those with a report that occurred in the window) to stdout as a\n"
     "GeoJSON FeatureCollection, CSV with an HXL hashtag row, or ACLED-column CSV: the same bytes\n"
     "as GET /v1/exports/incidents for the same data, streamed (docs/monitoring.md \"Exports\").",
     0,
     0,
     {DB_OPT_EXISTING,
      {"--format", "FMT", "geojson, hxl or acled", NULL},
      {"--date", "YYYY-MM-DD", "incidents with a report that occurred on this UTC day", NULL},
      {"--from", "T", "with --to: incidents with a report that occurred in [from, to) (RFC 3339)", NULL},
      {"--to", "T", "the window's end (RFC 3339)", NULL},
      MON_OPTS},
     cli__cmd_export_incidents},
    {"territory",
     "territory [--at T | --from T --to T] [--within AREA_ID] [--db PATH]",
     "Prints territory control as GET /v1/territory answers it (docs/territory.md), over every\n"
     "area: per party or actor the controlled and claimed km2 at --at (default now), or the\n"
     "change between --from and --to, optionally inside area --within.",
     0,
     0,
     {DB_OPT_EXISTING,
      {"--at", "T", "the instant (RFC 3339 or YYYY-MM-DD); default now", NULL},
      {"--from", "T", "start of the change", NULL},
      {"--to", "T", "end of the change", NULL},
      {"--within", "AREA_ID", "count only ground inside this area", NULL}},
     cli__cmd_territory},
    {"separation",
     "separation --agreement ID [--at T | --from T --to T] [--within AREA_ID] [--db PATH]",
     "Prints the separation of an agreement's parties from its excluded actors as\n"
     "GET /v1/agreements/{id}/separation answers it (docs/separation.md), over every area: the\n"
     "commingled km2 per party and designated area at --at (default now), or a daily series\n"
     "from --from to --to, and the incidents by excluded actors inside the parties' areas.",
     0,
     0,
     {DB_OPT_EXISTING,
      {"--agreement", "ID", "the agreement (one with excluded actors)", NULL},
      {"--at", "T", "the instant (RFC 3339); default now", NULL},
      {"--from", "T", "the series' first day (RFC 3339)", NULL},
      {"--to", "T", "the series' last day (RFC 3339)", NULL},
      {"--within", "AREA_ID", "count only ground inside this area", NULL},
      MON_OPTS},
     cli__cmd_separation},
    {"aid",
     "aid --from T --to T [--within AREA_ID] [--format json|csv|hxl] [--db PATH]",
     "Prints the aid delivered as GET /v1/aid answers it (docs/separation.md): tonnes by cargo\n"
     "kind, organisation, notifying party and destination area of the movements that arrived in\n"
     "[--from, --to), those aborted or hit apart, and the people who crossed corridors; with\n"
     "--format csv or hxl, the rows of GET /v1/exports/aid.",
     0,
     0,
     {DB_OPT_EXISTING,
      {"--from", "T", "the period's start (RFC 3339)", NULL},
      {"--to", "T", "the period's end, exclusive (RFC 3339)", NULL},
      {"--within", "AREA_ID", "only movements whose destination lies in this area", NULL},
      {"--format", "FMT", "json (default), csv or hxl", "json"}},
     cli__cmd_aid},
    {"verify",
     "verify --db DB [--key VKEY] [--checkpoint FILE] | --url URL --key VKEY [--token T] [--checkpoint "
     "FILE] [--save FILE]",
     "Audits the verifiable log (docs/verify.md). With --db: recomputes every leaf hash and the\n"
     "tree from log_entry and compares log_node, checks every checkpoint's signature, root,\n"
     "consistency and predecessor, checks every row of every table against the object its log\n"
     "entry recorded and every other column that matters against the logged facts, and the log\n"
     "against the checkpoint the server keeps beside its key (DB.key.checkpoint; for a PostgreSQL\n"
     "URI: NAME.key.checkpoint in the current directory) if there is one.\n"
     "With --url: audits a running truce from its checkpoint, tiles and entry bundles, as an\n"
     "independent witness. Prints one FAIL line per problem; exit 0 when every check passes,\n"
     "1 otherwise.",
     0,
     0,
     {{"--db", "DB",
       "audit this database: a SQLite file or a postgresql:// URI (a live centre's too: one snapshot)",
       NULL},
      {"--url", "URL", "audit the truce server at this base URL, e.g. http://127.0.0.1:8080", NULL},
      {"--key", "VKEY", "the log's verifier key (GET /v1/log/key); with --db, default: log_meta's", NULL},
      {"--token", "T", "API token for the tile and proof routes (default: $TRUCE_TOKEN)", NULL},
      {"--checkpoint", "FILE",
       "a checkpoint saved earlier: the log must extend it (--db: default DB.key.checkpoint, or "
       "NAME.key.checkpoint for a PostgreSQL URI)",
       NULL},
      {"--save", "FILE", "with --url: write the checkpoint, once verified, for the next run", NULL},
      WITNESS_OPTS},
     cmd_verify},
    {"verify receipt",
     "verify receipt --key VKEY (--url URL --index N [--token T] | --receipt FILE)",
     "Verifies a receipt: the entry's inclusion proof against the signed checkpoint it carries\n"
     "(GET /v1/log/receipts/N, fetched with --url, or saved in a file), and prints the entry.",
     0,
     0,
     {{"--key", "VKEY", "the log's verifier key (GET /v1/log/key)", NULL},
      {"--url", "URL", "fetch the receipt from the truce server at this base URL", NULL},
      {"--index", "N", "the entry's index in the log", NULL},
      {"--token", "T", "API token (default: $TRUCE_TOKEN)", NULL},
      {"--receipt", "FILE", "read the receipt's JSON from this file instead", NULL},
      WITNESS_OPTS},
     cmd_verify_receipt},
    {"verify bundle",
     "verify bundle FILE --key VKEY [--witness VKEY... --quorum K]",
     "Verifies a party's record offline (GET /v1/parties/{name}/record saved to FILE): the\n"
     "checkpoint's signature (and its witnesses' cosignatures), and for every notice the object\n"
     "the party was told, its log entry and inclusion proof, and its acknowledgement's (with the\n"
     "party's signature when it signed it). Prints what each notice proves.",
     1,
     1,
     {{"--key", "VKEY", "the log's verifier key (GET /v1/log/key)", NULL}, WITNESS_OPTS},
     cmd_verify_bundle},
    {"key generate",
     "key generate FILE",
     "Creates an Ed25519 key pair for a party: writes the secret key to FILE (mode 0600, never\n"
     "overwritten) and prints the public key, to register with PUT /v1/me/key.",
     1,
     1,
     {{0}},
     cmd_key_generate},
    {"key sign",
     "key sign BODYFILE --key FILE",
     "Prints the signature of BODYFILE's exact bytes ('-' for stdin) with the secret key, for the\n"
     "header 'Truce-Signature: <signature>' of a request whose body is those bytes.",
     1,
     1,
     {{"--key", "FILE", "the secret key made by 'truce key generate'", NULL}},
     cmd_key_sign},
    {"witness key",
     "witness key FILE --name NAME",
     "Creates a witness's Ed25519 key: writes it to FILE (mode 0600, never overwritten) and prints\n"
     "its verifier key (C2SP tlog-cosignature, type 0x04), which logs and verifiers configure.",
     1,
     1,
     {{"--name", "NAME", "the witness's name, a URL without scheme (e.g. witness.example.org/w1)", NULL}},
     cli__cmd_witness_key},
    {"witness serve",
     "witness serve --key FILE --log VKEY... [--listen HOST:PORT] [--state DIR]",
     "Runs a C2SP tlog-witness for the logs given (docs/tlog.md \"Witnesses\"): POST /add-checkpoint\n"
     "cosigns a checkpoint that extends the last one it cosigned for that log (consistency proof\n"
     "checked) and refuses any other; GET /<sha256(origin)>/checkpoint serves that checkpoint. The\n"
     "latest checkpoint cosigned per log is kept in --state, fsynced before answering. Stops on\n"
     "SIGTERM or SIGINT.",
     0,
     0,
     {{"--key", "FILE", "the witness's key (truce witness key)", NULL},
      {"--log", "VKEY...", "the verifier key of a log to witness (GET /v1/log/key of a truce centre)", NULL},
      {"--listen", "HOST:PORT", "address to listen on; port 0 picks one", "127.0.0.1:8081"},
      {"--state", "DIR", "where the latest cosigned checkpoints are kept (default: FILE.state)", NULL},
      {"--threads", "N", "worker threads", "2"}},
     cli__cmd_witness_serve},
    {"feed sbs",
     "feed sbs --connect HOST:PORT --as PARTY [--db PATH | --url URL --token T] [options]",
     "Reads the SBS-1 BaseStation text stream an ADS-B receiver such as dump1090 serves (port\n"
     "30003): airborne position (MSG,3) and velocity (MSG,4) messages become positions of\n"
     "PARTY's tracks (the ICAO address is the track id; MSG,1 gives the callsign), sent in\n"
     "batches (POST /v1/tracks, or into the database). Runs until the receiver closes the\n"
     "stream, SIGINT/SIGTERM or --max-seconds; prints what it sent (docs/traffic.md).",
     0,
     0,
     {{"--connect", "HOST:PORT", "the receiver's SBS port, e.g. 127.0.0.1:30003", NULL},
      {"--clock", "C", "date positions when read (received) or by the message's time (message)", "received"},
      FEED_OPTS},
     cli__cmd_feed_sbs},
    {"feed file",
     "feed file FILE --as PARTY [--db PATH | --url URL --token T] [--speed X | --fast] [options]",
     "Replays a recorded file ('-' for stdin): SBS-1 lines (.sbs, .txt, .csv) or positions as\n"
     "NDJSON (.ndjson, .jsonl; the body of POST /v1/tracks), at the pace of its own times (or\n"
     "--speed X faster, or --fast: at once), dated by the messages' times (docs/traffic.md).",
     1,
     1,
     {{"--format", "F", "sbs or ndjson (default: from the extension)", NULL},
      {"--speed", "X", "replay X times faster than recorded", "1"},
      {"--fast", NULL, "send everything as fast as possible", NULL},
      FEED_OPTS},
     cli__cmd_feed_file},
    {"replay",
     "replay [--from T] [--to T] [--format text|ndjson] [--db PATH]",
     "Runs the tactical conflict detection again over the stored positions, sweeps and objects,\n"
     "in the log's order with each batch's own settings, and lists the alert changes it gives\n"
     "in [--from, --to) (by position time); says whether they are the same as were raised\n"
     "(exit 0) or not (exit 1). Nothing is written (docs/traffic.md).",
     0,
     0,
     {DB_OPT,
      {"--from", "T", "first position time (RFC 3339)", NULL},
      {"--to", "T", "end of the window (RFC 3339)", NULL},
      {"--format", "F", "text or ndjson (one traffic.alert object per line)", "text"}},
     cli__cmd_replay},
    {"store copy",
     "store copy --from DB --to DB",
     "Copies a whole centre, every table and the log, from one database into a new one: SQLite\n"
     "to PostgreSQL or back (a DB is a SQLite file or a postgresql:// URI). Both are brought to\n"
     "the same schema first; the target must be empty; the rows are written in one transaction,\n"
     "so a failed copy writes nothing. Stop the server first (or copy from a backup). Prints\n"
     "the rows per table (docs/operations.md \"Choosing a store\").",
     0,
     0,
     {{"--from", "DB", "the database to copy: a SQLite file or a postgresql:// URI", NULL},
      {"--to", "DB", "the new database: a SQLite file (created) or an empty PostgreSQL database", NULL}},
     cli__cmd_store_copy},
    {"routes", "routes", "Prints the API route table: METHOD PATH ROLES.", 0, 0, {{0}}, cmd_routes},
    {"version", "version", "Prints the version.", 0, 0, {{0}}, cmd_version},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void print_overview(FILE *f) {
    fprintf(f, "usage: truce <command> [options]\n\ntruce — joint monitoring and deconfliction "
               "centre.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char left[32];
        snprintf(left, sizeof left, "  %-18s ", commands[i].name);
        print_wrapped(f, left, 23, commands[i].usage);
    }
    fprintf(f, "\n'truce <command> --help' describes a command.\n");
}

/* The commands of a group word ("party"), as usage lines on f; how many there are. */
static int print_group(FILE *f, const char *word) {
    int n = 0;
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strncmp(commands[i].name, word, strlen(word)) == 0 && commands[i].name[strlen(word)] == ' ') {
            if (!n++)
                fprintf(f, "truce %s: the commands of this group ('truce %s <command> --help'):\n", word,
                        word);
            print_wrapped(f, "  truce ", 8, commands[i].usage);
        }
    return n;
}

int cli_main(int argc, char **argv) {
    if (argc < 2 || is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        print_overview(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    /* The longest command whose words match argv[1..]. */
    const cli_cmd *cmd = NULL;
    int words = 0;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", commands[i].name);
        int n = 0, ok = 1;
        for (char *w = strtok(buf, " "); w; w = strtok(NULL, " "), n++)
            if (1 + n >= argc || strcmp(argv[1 + n], w) != 0) ok = 0;
        if (ok && n > words) {
            cmd = &commands[i];
            words = n;
        }
    }
    if (!cmd) {
        /* A group word ("truce party") lists its commands: with --help on stdout (exit 0),
         * alone as a usage error. */
        bool help = argc > 2 && is_help(argv[2]);
        int group = print_group(help ? stdout : stderr, argv[1]);
        if (group && help) return CLI_OK;
        if (!group) {
            fprintf(stderr, "truce: unknown command '%s'\n", argv[1]);
            print_overview(stderr);
        }
        return CLI_USAGE;
    }
    cli_args a;
    int rc = parse_args(cmd, argc - 1 - words, argv + 1 + words, &a);
    if (rc < 0) {
        print_help(stdout, cmd);
        return CLI_OK;
    }
    if (rc) return rc;
    return cmd->run(cmd, &a);
}
