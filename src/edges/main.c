/* main.c — the truce binary. */
#include "edges/cli.h"

int main(int argc, char **argv) {
    return cli_main(argc, argv);
}
