/* dmx: the testbed orchestrator. Everything is in cli.c and the files it calls. */
#include "cli.h"

int main(int argc, char **argv) { return dmx_cli_main(argc, argv); }
