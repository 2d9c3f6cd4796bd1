/* Host-side control client (see io_control_client.h). */
#include "io_control_client.h"

#include "io_link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Joins as this index: any authenticated index may send control messages; the orchestrator is not a device. */
#define CONTROL_CLIENT_INDEX WIRE_MAX_DEVICES

static int connect_unix(const char *path, int timeout_s)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path)
        return -ENAMETOOLONG;
    strcpy(sa.sun_path, path);
    for (int waited_ms = 0;; waited_ms += 50) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0)
            return fd;
        int e = errno;
        close(fd);
        if (waited_ms >= timeout_s * 1000)
            return -e;
        struct timespec pause = { 0, 50 * 1000000L };
        nanosleep(&pause, NULL);
    }
}

int dmx_io_control_bind(const char *sock_path, const char *secret_hex, const char *class_name, int device,
                        int timeout_s, char *err, size_t err_len)
{
    uint8_t secret[WIRE_SECRET_MAX];
    int secret_len = wire_secret_parse(secret_hex, secret);
    if (secret_len <= 0) {
        snprintf(err, err_len, "malformed secret");
        return -EINVAL;
    }
    int fd = connect_unix(sock_path, timeout_s);
    if (fd < 0) {
        snprintf(err, err_len, "%s: %s", sock_path, strerror(-fd));
        return fd;
    }
    struct wire_conn c;
    wire_conn_init(&c, fd, CONTROL_CLIENT_INDEX, WIRE_CLIENT_AWAIT_CHALLENGE);
    int rc;
    if (io_link_join_client(&c, CONTROL_CLIENT_INDEX, "control", 0, secret, (size_t)secret_len) != 0) {
        snprintf(err, err_len, "%s: the join failed (wrong secret?)", sock_path);
        rc = -EACCES;
        goto out;
    }
    rc = io_link_control_bind(&c, CONTROL_CLIENT_INDEX, class_name, device, timeout_s);
    if (rc == -EINVAL)
        snprintf(err, err_len, "bad class '%s' or device %d", class_name, device);
    else if (rc == -EIO)
        snprintf(err, err_len, "%s: no answer", sock_path);
    else if (rc < 0)
        snprintf(err, err_len, "the device refused: %s", strerror(-rc));
    else if (err_len)
        err[0] = '\0';
out:
    wire_conn_destroy(&c);
    return rc;
}
