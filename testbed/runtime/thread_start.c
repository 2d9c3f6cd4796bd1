/* Detached internal threads (see thread_start.h). */
#include "thread_start.h"

#include <pthread.h>

/* In an app this pthread_create is libdmx's own (pthread_spawn.c), which passes FN straight to libc's because
 * FN lies in libdmx's text (.dmx_text): libdmx's threads stay on this device, as plain libc threads. */
int dmx_thread_start_detached(void *(*fn)(void *), void *arg)
{
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    return rc;
}
