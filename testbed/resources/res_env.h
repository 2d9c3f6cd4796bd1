/* Where a device's resources find their settings and leave their logs. */
#ifndef DMX_RES_ENV_H
#define DMX_RES_ENV_H

#include <stddef.h>
#include <stdint.h>

/* $DMX_RUN_DIR/devices/$DMX_DEVICE_NAME, created; 0, or -ENOENT outside a run, or -errno. */
int res_device_dir(char *buf, size_t len);
/* Unsigned integer from the environment, DEFAULT_VALUE if unset or malformed. */
uint32_t res_env_u32(const char *name, uint32_t default_value);
/* "WxH" from the environment into *w, *h; 0 if set and well-formed, else -1 (values untouched). */
int res_env_size(const char *name, uint32_t *w, uint32_t *h);

#endif
