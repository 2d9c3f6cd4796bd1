/* strdup and strndup for the app. libc's own allocate through malloc from inside libc, and allocations libc
 * makes for itself stay in its private heap (heap_dsm.c): a name the app duplicated would then be invisible to
 * its threads on other devices (a photo gallery's file names read as empty strings there). Called by the app's
 * code on an active run, the copy goes to the shared heap, like the app's own malloc. */
#include "thread_takeover.h"

#include <errno.h>
#include <string.h>

extern void *__libc_malloc(size_t);

static char *copy_string(const char *s, size_t len, const void *ra)
{
    bool shared = dmx_takeover.active && dmx_app_code(ra);
    char *p = shared ? dmx_heap_alloc_shared(len + 1, 16) : __libc_malloc(len + 1);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

__attribute__((noinline)) char *strdup(const char *s)
{
    return copy_string(s, strlen(s), __builtin_return_address(0));
}

__attribute__((noinline)) char *strndup(const char *s, size_t n)
{
    return copy_string(s, strnlen(s, n), __builtin_return_address(0));
}

char *__strdup(const char *s);
__attribute__((noinline)) char *__strdup(const char *s)
{
    return copy_string(s, strlen(s), __builtin_return_address(0));
}
