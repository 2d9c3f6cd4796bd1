/* cli: dmx's subcommands (run, doctor, help) and their --help pages. */
#pragma once

/* Returns dmx's exit status (exit_codes.h). */
int dmx_cli_main(int argc, char **argv);
