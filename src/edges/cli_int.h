/*
 * cli_int.h — what the command line's files share: the command table's types, option
 * access and errors (cli.c), and the commands that read the centre's data (cli_data.c:
 * monitoring options, import reports, bulletin, export, territory).
 */
#ifndef TRUCE_EDGES_CLI_INT_H
#define TRUCE_EDGES_CLI_INT_H

#include <signal.h>
#include <stdio.h>

#include "base/tz.h"
#include "edges/cli.h"
#include "service/centre.h"

#define MAX_OPTS 40

#define CLI_REPEAT_MAX 32 /* values of repeatable options (those whose arg ends in "...") */

typedef struct cli_opt {
    const char *name; /* "--db" */
    const char *arg;  /* value placeholder, NULL for a flag; "VKEY...": may be given more than once */
    const char *help;
    const char *dflt; /* default value, or NULL */
} cli_opt;

typedef struct cli_args {
    const char *val[MAX_OPTS]; /* by option index; flags get "1"; a repeated option: its last value */
    const char *pos[4];
    int npos;
    const char *rep[CLI_REPEAT_MAX]; /* every value of repeatable options, in order */
    int rep_opt[CLI_REPEAT_MAX];     /* the option index of each */
    int nrep;
} cli_args;

typedef struct cli_cmd cli_cmd;
struct cli_cmd {
    const char *name;  /* "party add" */
    const char *usage; /* after "truce " */
    const char *summary;
    int min_pos, max_pos;
    cli_opt opts[MAX_OPTS];
    int (*run)(const cli_cmd *cmd, cli_args *a);
};

/* The monitoring options (docs/monitoring.md "Configuration"), in a command's option list. */
#define MON_OPTS                                                                                             \
    {"--cluster-radius-m", "R1,R2,R3", "same-event distance per geo precision 1,2,3 (metres)",               \
     "2000,5000,15000"},                                                                                     \
        {"--cluster-window-s", "W1,W2,W3", "same-event time window per time precision 1,2,3 (seconds)",      \
         "43200,302400,1296000"},                                                                            \
        {"--bulletin-hour", "H", "the bulletin's day ends at this local hour, 1..24", "24"}, {               \
        "--bulletin-tz", "ZONE",                                                                             \
            "the bulletin's time zone: IANA name (Asia/Damascus) or fixed offset (+03:00)", "+03:00"         \
    }

/* An option's value as given, else its default (NULL if the command has no such option). */
const char *cli__opt(const cli_cmd *cmd, const cli_args *a, const char *name);
/* Every value given to the repeatable option name, in order, into out (at most max);
 * returns how many. */
size_t cli__opt_all(const cli_cmd *cmd, const cli_args *a, const char *name, const char **out, size_t max);
/* Prints "truce CMD: <fmt what>" and the help hint; returns CLI_USAGE. */
int cli__usage_error(const cli_cmd *cmd, const char *fmt, const char *what);
/* Prints the error (field: message); returns CLI_RUNTIME. */
int cli__runtime_error(const cli_cmd *cmd, const tr_err *err);
/* A whole number in [1, max] for option name (CLI_USAGE after a message). */
int cli__parse_uint(const cli_cmd *cmd, const char *name, const char *v, unsigned long long max,
                    unsigned long long *out);
/* Blocks SIGTERM and SIGINT in every thread started after (the caller waits for them with
 * sigwait(set)) and ignores SIGPIPE: the servers' way to stop. */
void cli__block_stop_signals(sigset_t *set);
/* Opens the centre on --db with lim (NULL: defaults). */
int cli__open_centre(const cli_cmd *cmd, const cli_args *a, const geo_limits *lim, centre **c);

/* cli_data.c */
int cli__open_monitoring(const cli_cmd *cmd, const cli_args *a, const geo_limits *lim, bool persist,
                         centre **c, tr_tz **tz);
int cli__cmd_import_reports(const cli_cmd *cmd, cli_args *a);
int cli__cmd_bulletin(const cli_cmd *cmd, cli_args *a);
int cli__cmd_export_incidents(const cli_cmd *cmd, cli_args *a);
int cli__cmd_territory(const cli_cmd *cmd, cli_args *a);

/* cli_measures.c: `truce separation` and `truce aid` (issue 20) */
int cli__cmd_separation(const cli_cmd *cmd, cli_args *a);
int cli__cmd_aid(const cli_cmd *cmd, cli_args *a);

/* cli_witness.c: `truce witness key`, `truce witness serve`, and the witness options of
 * `truce serve` and `truce verify`. */
int cli__cmd_witness_key(const cli_cmd *cmd, cli_args *a);
int cli__cmd_witness_serve(const cli_cmd *cmd, cli_args *a);
/* `truce serve`'s --witness, --quorum, --witness-timeout-ms: starts the witness client on c
 * (*wc NULL without --witness). CLI_OK, CLI_USAGE or CLI_RUNTIME (reported). */
typedef struct witness_client witness_client;
int cli__serve_witnesses(const cli_cmd *cmd, const cli_args *a, centre *c, witness_client **wc);
/* cli_traffic.c: live tracks (issue 16) */
#include "engines/traffic.h"
/* serve's traffic options (docs/traffic.md "Settings"), parsed into cfg and stale_s
 * (CLI_USAGE after a message when unusable). */
#define TRAFFIC_OPTS                                                                                        \
    {"--traffic-separation-m", "H,V", "traffic alert minima, horizontal and vertical (metres)", "9260,304.8"}, \
        {"--traffic-lookahead-s", "S", "how far ahead tracks are projected (seconds)", "120"},               \
        {"--traffic-levels-s", "L1,L2,L3", "alert levels 1, 2, 3 at a time to loss of separation within (s)", \
         "120,60,30"},                                                                                      \
        {"--traffic-low-altitude-m", "M", "below this altitude tracks alert over sites and no-strike areas",  \
         "1500"},                                                                                           \
    {                                                                                                       \
        "--track-stale-s", "S", "a track without a position for this long ends (seconds)", "60"             \
    }
int cli__traffic_options(const cli_cmd *cmd, const cli_args *a, tf_config *cfg, double *stale_s);
/* Applies them to the open centre; then, once its log is open, starts the stale sweeper
 * (which writes track.stale entries). CLI_OK or CLI_RUNTIME (reported). */
int cli__traffic_configure(const cli_cmd *cmd, const tf_config *cfg, double stale_s, centre *c);
int cli__traffic_start(const cli_cmd *cmd, centre *c);
/* The options of the feed commands. */
#define FEED_OPTS                                                                                        \
    {"--as", "PARTY", "the reporting party (the token's, with --url)", NULL},                             \
        {"--db", "PATH", "write into this database (no server running on it)", "truce.db"},              \
        {"--url", "URL", "send to the truce server at this base URL instead (POST /v1/tracks)", NULL},   \
        {"--token", "T", "with --url: the party's API token (default: $TRUCE_TOKEN)", NULL},              \
        {"--visibility", "V", "public, or the parties (comma-separated) that may see the tracks", NULL}, \
        {"--flush-ms", "MS", "send what was read at least this often (milliseconds)", "500"},            \
    {                                                                                                    \
        "--max-seconds", "S", "stop after this many seconds", NULL                                       \
    }
int cli__cmd_feed_sbs(const cli_cmd *cmd, cli_args *a);
int cli__cmd_feed_file(const cli_cmd *cmd, cli_args *a);
int cli__cmd_replay(const cli_cmd *cmd, cli_args *a);
/* cli_store.c: `truce store copy` (issue 13) */
int cli__cmd_store_copy(const cli_cmd *cmd, cli_args *a);

#endif
