/* Settings from the environment the orchestrator gives every device (docs/CONVENTIONS.md). */
#include "res_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int mkdir_p(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc < 0 && errno != EEXIST)
            return -errno;
    }
    return mkdir(path, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

int res_device_dir(char *buf, size_t len)
{
    const char *run_dir = getenv("DMX_RUN_DIR");
    const char *name = getenv("DMX_DEVICE_NAME");
    if (!run_dir || !*run_dir)
        return -ENOENT;
    int n = snprintf(buf, len, "%s/devices/%s", run_dir, name && *name ? name : "local");
    if (n < 0 || (size_t)n >= len)
        return -ENAMETOOLONG;
    return mkdir_p(buf);
}

uint32_t res_env_u32(const char *name, uint32_t default_value)
{
    const char *text = getenv(name);
    char *end;
    if (!text || !*text)
        return default_value;
    unsigned long value = strtoul(text, &end, 10);
    return *end || value > UINT32_MAX ? default_value : (uint32_t)value;
}

int res_env_size(const char *name, uint32_t *w, uint32_t *h)
{
    const char *text = getenv(name);
    unsigned a, b;
    char tail;
    if (!text || sscanf(text, "%ux%u%c", &a, &b, &tail) != 2 || a == 0 || b == 0)
        return -1;
    *w = a;
    *h = b;
    return 0;
}
