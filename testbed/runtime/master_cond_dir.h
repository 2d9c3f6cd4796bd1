/* master_cond_dir.h: the condition-variable table of the master's thread directory: a pure state machine
 * (no I/O).
 *
 * A waiter's device registers for a cond before the waiter lets go of its mutex (COND_WAIT); a signal
 * (COND_SIGNAL from any device) takes every registered device off the cond, and the master tells each of them
 * (COND_SIGNAL back), whose local waiters of that cond then wake. One bit per device and cond: however many
 * threads of a device wait, it is told once, and an entry exists only while some device is registered. A
 * signal with nobody registered costs the master nothing. Why this is enough for POSIX (no lost wake-up for a
 * waiter whose signaller takes the mutex first) is in pthread_sync.c. */
#ifndef MASTER_COND_DIR_H
#define MASTER_COND_DIR_H

#include <stdint.h>

#include "wire_msg.h"

#define CONDDIR_BUCKETS 256

struct conddir_cond {
    uint64_t id;
    uint32_t waiting;           /* bit dev-1: a device with waiters */
    struct conddir_cond *next;
};

struct master_cond_dir {
    struct conddir_cond *buckets[CONDDIR_BUCKETS];
    uint64_t waits, signals, wakes_sent;
};

void conddir_init(struct master_cond_dir *d);
void conddir_free(struct master_cond_dir *d);

/* Device dev has a waiter on cond id. 0, or -1 (a device index out of range, or no memory). */
int conddir_wait(struct master_cond_dir *d, uint64_t id, uint32_t dev);

/* A signal or broadcast of cond id: the devices to tell (bit dev-1), now off the cond. */
uint32_t conddir_signal(struct master_cond_dir *d, uint64_t id);

/* Device dev left: it waits on nothing any more. */
void conddir_drop_device(struct master_cond_dir *d, uint32_t dev);

#endif
