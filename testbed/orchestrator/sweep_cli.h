/* sweep_cli: the `dmx sweep` subcommand (its options and --help page). */
#pragma once

/* ARGV[0] is "sweep". Returns dmx's exit status (exit_codes.h). */
int dmx_sweep_cli(int argc, char **argv);
/* The man-page style help (dmx sweep --help, dmx help sweep). */
void dmx_sweep_print_help(void);
