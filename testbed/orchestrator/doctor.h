/* doctor: can this host run scenarios, and if not, what fixes it. */
#pragma once
#include "paths.h"

/* Prints one line per check and returns DMX_EXIT_OK when every required check passed, else DMX_EXIT_HOST. */
int dmx_doctor(const DmxPaths *paths);
