/* io_forward.h: the forwarder (DynaMix §4.1.2, the host side of the I/O engine). io_dispatch() hands it every
 * operation on a /dev/dmx/ file whose class is bound to another device; it carries the operation to that
 * device's resource server (io_server.h) and waits for the reply, synchronously like the system call it
 * stands for. Each thread has its own authenticated connection per destination device, so requests of
 * different threads never queue behind each other on this side.
 *
 * Counters: per class in io_registry (dmx_io_get_forward_counters, io-counters CSV), per thread here
 * (dmx_io_get_thread_forward_counters, $DMX_RUN_DIR/devices/NAME/io-forward-threads.PID.csv at exit). */
#ifndef DMX_IO_FORWARD_H
#define DMX_IO_FORWARD_H

#include "io_resource.h"

/* The io_forwarder_fn installed by io_forward_install(). */
int io_forward(int device, struct io_request *req);
/* Installs the forwarder and the storage file directory's locator; idempotent. */
void io_forward_install(void);
/* Writes the per-thread counters file (at exit; a worker, which leaves by _exit, calls it). */
void io_forward_write_report(void);

#endif
