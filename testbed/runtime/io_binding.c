/* Class bindings of the whole app (see io_binding.h). */
#include "io_binding.h"

#include "dmx.h"
#include "io_fd_directory.h"
#include "io_link.h"
#include "io_registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define POKE_TIMEOUT_S 10
#define POKE_CONNECT_MS 2000 /* a device that is not up yet reads the directory when its files next check */

/* One rebind of this device at a time, so the pokes of two rebinds never overtake each other. */
static pthread_mutex_t rebind_lock = PTHREAD_MUTEX_INITIALIZER;
/* Joined links to the other devices' servers, kept from one rebind to the next (under rebind_lock). */
static struct wire_conn *poke_conn[WIRE_MAX_DEVICES + 1];

/* Every range's copy (io_fd_directory.h), each under its own lock. */
static void write_directory(int index, int device)
{
    for (uint32_t d = 1; d <= io_fdd_ranges(); d++) {
        io_fdd_lock_device(d);
        io_fdd_bindings_of(d)[index] = (uint32_t)device;
        io_fdd_unlock_device(d);
    }
}

/* This device's registry takes every binding of the directory. */
static void catch_up(void)
{
    uint32_t binding[IO_MAX_CLASSES];
    io_fdd_lock_own();
    memcpy(binding, io_fdd_bindings_of(io_fdd_self()), sizeof binding);
    io_fdd_unlock_own();
    for (int i = 0; i < IO_MAX_CLASSES && io_class_at(i); i++)
        io_bind_index_local(i, (int)binding[i]);
}

static struct wire_conn *poke_link(int device)
{
    if (poke_conn[device])
        return poke_conn[device];
    struct wire_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (io_link_connect(c, device, POKE_CONNECT_MS) != 0) {
        free(c);
        return NULL;
    }
    poke_conn[device] = c;
    return c;
}

static void drop_link(int device)
{
    wire_conn_destroy(poke_conn[device]);
    free(poke_conn[device]);
    poke_conn[device] = NULL;
}

/* Tells DEVICE that the app's binding of NAME changed (it catches up with the directory). A link that broke
 * since the last rebind is made again once. */
static void poke(int device, const char *name, int bound)
{
    int rc = -EIO;
    for (int attempt = 0; attempt < 2 && rc == -EIO; attempt++) {
        struct wire_conn *c = poke_link(device);
        if (!c)
            break;
        rc = io_link_control_bind(c, io_fdd_self(), name, bound, POKE_TIMEOUT_S);
        if (rc == -EIO)
            drop_link(device);
    }
    if (rc != 0)
        wire_log("io: device %d did not take the rebind of %s: %s", device, name, strerror(rc < 0 ? -rc : EIO));
}

/* The app's binding of class NAME to DEVICE (0 = each device its own): the directory first (a file that checks
 * because this device's epoch moved must find the new binding there), this device, then, with POKE_OTHERS and
 * a class whose files follow, every other device. 0 or -errno. */
static int rebind_app(const char *name, int device, bool poke_others)
{
    int rc = io_bind_check(name, device);
    if (rc < 0)
        return rc;
    const struct io_class_ops *cls = io_find_class(name, strlen(name));
    int index = io_class_index(cls);
    pthread_mutex_lock(&rebind_lock);
    write_directory(index, device);
    io_bind_index_local(index, device);
    int self = (int)io_fdd_self();
    for (int d = 1; poke_others && cls->ioctl_is_setup && d <= dmx_device_count() && d <= WIRE_MAX_DEVICES; d++)
        if (d != self)
            poke(d, name, device);
    pthread_mutex_unlock(&rebind_lock);
    return 0;
}

static int bind_app(const char *name, int device)
{
    if (!io_fdd_active())
        return io_bind_local(name, device);
    int rc = rebind_app(name, device, true);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

void io_binding_install(void)
{
    io_set_binder(bind_app);
}

int io_binding_initial(const char *name, int device, bool for_the_app)
{
    if (!for_the_app || !io_fdd_active())
        return io_bind_local(name, device);
    int rc = rebind_app(name, device, false);
    if (rc < 0) {
        errno = -rc;
        return -1;
    }
    return 0;
}

int io_binding_on_control(const char *name, int device, bool from_host)
{
    if (!io_fdd_active())
        return io_bind_local(name, device) == 0 ? 0 : -errno;
    if (from_host)
        return rebind_app(name, device, true);
    int rc = io_bind_check(name, device);
    if (rc == 0)
        catch_up();
    return rc;
}
