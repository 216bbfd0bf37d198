/* cli.h — the `truce` command line: subcommands like git's, each with --help.
 * Exit codes: 0 success, 1 runtime error, 2 usage error. */
#ifndef TRUCE_EDGES_CLI_H
#define TRUCE_EDGES_CLI_H

enum { CLI_OK = 0, CLI_RUNTIME = 1, CLI_USAGE = 2 };

int cli_main(int argc, char **argv);

#endif
