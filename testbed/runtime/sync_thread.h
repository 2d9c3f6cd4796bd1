/* sync_thread.h: the dmx thread record: libdmx's per-thread state. Today it holds the counters the device
 * monitor needs (faults, stall time); thread migration and the pthread takeover will hang the thread's
 * global id, context and lock set here. Records live in a fixed table and are never freed, so a signal
 * handler may use them and the counters outlive the thread. */
#ifndef SYNC_THREAD_H
#define SYNC_THREAD_H

#include <stdatomic.h>
#include <stdint.h>

#define DMX_THREADS_MAX 256

struct dmx_thread {
    uint32_t id;                    /* 1-based, local to this device for now */
    atomic_ullong faults;           /* DSM faults taken */
    atomic_ullong fetch_stall_ns;   /* time waiting for pages/diffs */
    atomic_ullong lock_stall_ns;    /* time waiting for remote lock grants */
    atomic_ullong lock_acquires;
};

/* This thread's record, made on first use (async-signal-safe: no allocation). NULL if the table is full. */
struct dmx_thread *dmx_thread_self(void);
/* Number of records so far and record i (0-based). */
uint32_t dmx_thread_count(void);
struct dmx_thread *dmx_thread_at(uint32_t i);
uint64_t dmx_now_ns(void);          /* CLOCK_MONOTONIC (dilated under QEMU_TDF: emulated time) */

#endif
