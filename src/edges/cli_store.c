/*
 * cli_store.c — `truce store copy`: moving a centre between SQLite and PostgreSQL
 * (store/db_copy.h, docs/operations.md "Choosing a store").
 */
#include <inttypes.h>
#include <stdio.h>

#include "edges/cli_int.h"
#include "store/db_copy.h"

static void progress(void *ctx, const char *table, int64_t rows) {
    (void)ctx;
    if (rows) fprintf(stderr, "  %-28s %" PRId64 " rows\n", table, rows);
}

int cli__cmd_store_copy(const cli_cmd *cmd, cli_args *a) {
    const char *from = cli__opt(cmd, a, "--from"), *to = cli__opt(cmd, a, "--to");
    if (!from || !to) return cli__usage_error(cmd, "%s", "--from and --to are both required");
    char f[512], t[512];
    db_uri_redact(from, f, sizeof f);
    db_uri_redact(to, t, sizeof t);
    fprintf(stderr, "truce: copying %s to %s\n", f, t);
    tr_err err = {0};
    int64_t rows = 0;
    if (db_copy(from, to, progress, NULL, &rows, &err)) return cli__runtime_error(cmd, &err);
    fprintf(stderr, "truce: %" PRId64 " rows copied in one transaction\n", rows);
    return CLI_OK;
}
