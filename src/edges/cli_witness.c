/*
 * cli_witness.c — `truce witness key`, `truce witness serve` (a witness, edges/witness.h)
 * and the witness options of `truce serve` (edges/witness_client.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edges/cli_int.h"
#include "edges/witness.h"
#include "edges/witness_client.h"

int cli__cmd_witness_key(const cli_cmd *cmd, cli_args *a) {
    const char *name = cli__opt(cmd, a, "--name");
    if (!name) return cli__usage_error(cmd, "%s", "--name NAME is required (e.g. witness.example.org/w1)");
    char vkey[TLOG_KEY_STRING_MAX];
    tr_err err = {0};
    if (witness_key_create(a->pos[0], name, vkey, &err)) return cli__runtime_error(cmd, &err);
    printf("%s\n", vkey);
    fprintf(
        stderr,
        "truce: witness key written to %s (mode 0600); give its verifier key (above) to the logs it\n"
        "  witnesses (truce serve --witness URL=VKEY) and to their verifiers (truce verify --witness VKEY)\n",
        a->pos[0]);
    return CLI_OK;
}

int cli__cmd_witness_serve(const cli_cmd *cmd, cli_args *a) {
    const char *logs[CLI_REPEAT_MAX];
    size_t nlogs = cli__opt_all(cmd, a, "--log", logs, CLI_REPEAT_MAX);
    if (!cli__opt(cmd, a, "--key"))
        return cli__usage_error(cmd, "%s", "--key FILE is required (truce witness key)");
    if (nlogs == 0)
        return cli__usage_error(cmd, "%s", "--log VKEY is required: the verifier key of a log to witness");
    unsigned long long threads;
    if (cli__parse_uint(cmd, "--threads", cli__opt(cmd, a, "--threads"), 64, &threads)) return CLI_USAGE;
    sigset_t set;
    cli__block_stop_signals(&set);
    witness_options o = {.key_path = cli__opt(cmd, a, "--key"),
                         .listen = cli__opt(cmd, a, "--listen"),
                         .logs = logs,
                         .nlogs = nlogs,
                         .state_dir = cli__opt(cmd, a, "--state"),
                         .threads = (unsigned)threads};
    witness_server *w;
    tr_err err = {0};
    if (witness_start(&o, &w, &err)) return cli__runtime_error(cmd, &err);
    int sig = 0;
    sigwait(&set, &sig);
    witness_stop(w);
    fprintf(stderr, "truce witness: stopped cleanly\n");
    return CLI_OK;
}

int cli__serve_witnesses(const cli_cmd *cmd, const cli_args *a, centre *c, witness_client **wc) {
    const char *specs[CLI_REPEAT_MAX];
    size_t n = cli__opt_all(cmd, a, "--witness", specs, CLI_REPEAT_MAX);
    const char *q = cli__opt(cmd, a, "--quorum");
    unsigned long long quorum = 0, timeout;
    *wc = NULL;
    if (!n && q) return cli__usage_error(cmd, "%s", "--quorum goes with --witness URL=VKEY");
    if (!n) return CLI_OK;
    if ((q && cli__parse_uint(cmd, "--quorum", q, n, &quorum)) ||
        cli__parse_uint(cmd, "--witness-timeout-ms", cli__opt(cmd, a, "--witness-timeout-ms"), 600000,
                        &timeout))
        return CLI_USAGE;
    witness_client_options o = {specs, n, (size_t)quorum, (unsigned)timeout};
    tr_err err = {0};
    int rc = witness_client_start(c, &o, wc, &err);
    if (rc == TR_EINVAL) {
        fprintf(stderr, "truce %s: %s: %s\nsee 'truce %s --help'\n", cmd->name, err.field, err.msg,
                cmd->name);
        return CLI_USAGE;
    }
    return rc ? cli__runtime_error(cmd, &err) : CLI_OK;
}
