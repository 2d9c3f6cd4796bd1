/* Which device of the run this process is, read once from the environment the orchestrator sets
 * (docs/CONVENTIONS.md). Apps built by dmx-cc run unchanged outside the testbed, so every value has a
 * single-device default. */
#include "dmx.h"

#include <stdlib.h>
#include <string.h>

const char *dmx_device_name(void)
{
    const char *name = getenv("DMX_DEVICE_NAME");
    return name && *name ? name : "local";
}

int dmx_device_index(void)
{
    const char *index = getenv("DMX_DEVICE_INDEX");
    int value = index ? atoi(index) : 0;
    return value > 0 ? value : 1;
}

int dmx_device_count(void)
{
    const char *devices = getenv("DMX_DEVICES");
    int count = 1;
    if (!devices || !*devices)
        return 1;
    for (const char *p = devices; (p = strchr(p, ',')) != NULL; p++)
        count++;
    return count;
}
