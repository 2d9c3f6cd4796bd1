/* app_atfork.c: the app's pthread_atfork handlers, on every device.
 *
 * glibc keeps a process's fork handlers in that process, and on a multi-device run only the master runs the app's
 * constructors and main(): a thread that forked on another device skipped the handlers main() registered (a lock
 * of the app's left held in the child, a cached pid not reset). So while the takeover is active, pthread_atfork
 * records the handlers in the control block (dmx_control.atfork, under DMX_LOCK_CONTROL; the executable's code is
 * at the same address on every device), and libdmx's fork runs them on whichever device forks (process_start.c):
 * prepare in reverse order before the fork, parent in order after it, and child in order once the child has its
 * own copy of shared memory, so that what they write stays in the child. vfork runs none, as glibc's does.
 * Handlers registered before the takeover (a shared library's constructor), handlers outside the executable's
 * own code (a library's function, at another address elsewhere), and all of them on one device, are glibc's:
 * libdmx's pthread_atfork replaces only the executable's (glibc's is a static stub in libc_nonshared.a, linked
 * into the module that calls it). */
#include "app_atfork.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

extern int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso);
extern void *__dso_handle;

/* Is handler at the same address on every device (the executable's own code)? A library's is glibc's, here. */
static bool everywhere(void (*handler)(void))
{
    return !handler || dmx_app_own_code((const void *)(uintptr_t)handler);
}

int pthread_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
{
    volatile struct dmx_control *c = dmx_takeover.ctl;
    if (!dmx_takeover.active || !c || !everywhere(prepare) || !everywhere(parent) || !everywhere(child))
        return __register_atfork(prepare, parent, child, __dso_handle);
    int rc = 0;
    dmx_glock(DMX_LOCK_CONTROL);
    uint32_t n = c->atfork_count;
    if (n < DMX_ATFORK_MAX) {
        c->atfork[n].prepare = (uint64_t)(uintptr_t)prepare;
        c->atfork[n].parent = (uint64_t)(uintptr_t)parent;
        c->atfork[n].child = (uint64_t)(uintptr_t)child;
        c->atfork_count = n + 1;
    } else {
        rc = ENOMEM;
    }
    dmx_gunlock(DMX_LOCK_CONTROL);
    return rc;
}

void app_atfork_read(struct app_atfork_list *list)
{
    volatile struct dmx_control *c = dmx_takeover.ctl;
    list->count = 0;
    if (!c)
        return;
    dmx_glock(DMX_LOCK_CONTROL);
    uint32_t n = c->atfork_count < DMX_ATFORK_MAX ? c->atfork_count : DMX_ATFORK_MAX;
    for (uint32_t i = 0; i < n; i++)
        list->entry[i] = (struct app_atfork_entry){ c->atfork[i].prepare, c->atfork[i].parent, c->atfork[i].child };
    list->count = n;
    dmx_gunlock(DMX_LOCK_CONTROL);
}

static void call_handler(uint64_t fn)
{
    if (fn)
        ((void (*)(void))(uintptr_t)fn)();
}

void app_atfork_run(const struct app_atfork_list *list, enum app_atfork_phase phase)
{
    for (uint32_t i = 0; i < list->count; i++) {
        const struct app_atfork_entry *e = &list->entry[phase == APP_ATFORK_PREPARE ? list->count - 1 - i : i];
        call_handler(phase == APP_ATFORK_PREPARE ? e->prepare : phase == APP_ATFORK_PARENT ? e->parent : e->child);
    }
}
