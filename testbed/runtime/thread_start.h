/* thread_start.h: how libdmx starts its own threads (servers, connection readers, the monitor, carriers of app
 * threads): detached, since nothing joins them; each ends by itself or with the process. */
#ifndef THREAD_START_H
#define THREAD_START_H

/* Starts fn(arg) on a new detached thread. Returns 0, or pthread_create's error number. */
int dmx_thread_start_detached(void *(*fn)(void *), void *arg);

#endif
