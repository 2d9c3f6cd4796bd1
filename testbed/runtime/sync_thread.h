/* sync_thread.h: the dmx thread record: libdmx's per-thread state. Today it holds the counters the device
 * monitor needs (faults, stall time); thread migration and the pthread takeover will hang the thread's
 * global id, context and lock set here. Records live in a fixed table and are never freed, so a signal
 * handler may use them and the counters outlive the thread. */
#ifndef SYNC_THREAD_H
#define SYNC_THREAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define DMX_THREADS_MAX 256
#define DMX_THREAD_LOCKS 32         /* locks whose use is counted per thread (the first 32 it takes) */
#define DMX_THREAD_PEERS 17         /* devices 1..16 (WIRE_MAX_DEVICES), index 0 unused */

/* One lock as this thread uses it: how often it took it, and the bytes it wrote in the critical sections
 * that ended with its release (pages first written since the previous release x page size): the data the
 * next holder would need if it ran elsewhere (the thread manager's data communication, DynaMix 4.2.1). */
struct dmx_thread_lock {
    atomic_ullong id, acquires, bytes;
};

struct dmx_thread {
    uint32_t id;                    /* 1-based, local to this device for now */
    atomic_ullong faults;           /* DSM faults taken */
    atomic_ullong fetch_stall_ns;   /* time waiting for pages/diffs */
    atomic_ullong lock_stall_ns;    /* time waiting for remote lock grants */
    atomic_ullong lock_acquires;
    atomic_ullong remote_acquires;  /* acquires that waited for a grant from the master */
    atomic_ullong fetch_bytes;      /* page and diff bytes its faults brought */
    atomic_ullong diff_bytes_pushed;    /* diff bytes its flushes sent home (the receiver's: flushes home asked for) */
    atomic_ullong pending_writes;   /* pages first written since its last release */
    struct dmx_thread_lock locks[DMX_THREAD_LOCKS];
    /* I/O requests served on each device (this one's own resources too): count, bytes both ways, network wait */
    atomic_ullong io_requests[DMX_THREAD_PEERS], io_bytes[DMX_THREAD_PEERS], io_stall_ns;
};

/* Lock use by the calling thread (sync_mutex.c): an acquire of id, and its release. */
void dmx_thread_note_acquire(struct dmx_thread *t, uint64_t id, bool remote);
void dmx_thread_note_release(struct dmx_thread *t, uint64_t id);
/* An I/O request of the calling thread served on device: forwarded (io_forward.c: wire bytes, network wait), or
 * by this device's own resource (io_registry.c, io_vfd.c: data bytes, no wait). A thread that uses a local
 * screen must look tied to this device to the migration selector, not free to go. Device 0: only the wait
 * counts (a file read, which io_placement.c weighs read by read: not a stream that pulls the thread). */
void dmx_thread_note_io(uint32_t device, uint64_t bytes, uint64_t stall_ns);

/* This thread's record, made on first use (async-signal-safe: no allocation). NULL if the table is full. */
struct dmx_thread *dmx_thread_self(void);
/* Number of records so far and record i (0-based). */
uint32_t dmx_thread_count(void);
struct dmx_thread *dmx_thread_at(uint32_t i);
uint64_t dmx_now_ns(void);          /* CLOCK_MONOTONIC (dilated under QEMU_TDF: emulated time) */

#endif
