/* A device's knobs and its own logs (see device_files.h). */
#include "device_files.h"

#include "dmx.h"

#include <errno.h>
#include <stdlib.h>

double dmx_env_number(const char *name, double fallback)
{
    const char *v = getenv(name);
    char *end;
    if (!v || !*v)
        return fallback;
    double x = strtod(v, &end);
    return *end || x < 0 ? fallback : x;
}

FILE *dmx_device_log_open(const char *file, const char *header)
{
    const char *run = getenv("DMX_RUN_DIR");
    char path[4096];
    if (!run || !*run) {
        errno = 0;
        return NULL;
    }
    snprintf(path, sizeof path, "%s/devices/%s/%s", run, dmx_device_name(), file);
    FILE *f = fopen(path, "w");
    if (f && header)
        fprintf(f, "%s\n", header);
    return f;
}
