/* checkpoint_publish.h: with DMX_CHECKPOINT=publish (thread_recovery.h) a worker publishes nothing outside a
 * checkpoint cut, so that after a loss home holds exactly what the device's last cut recorded. Two steps of the
 * lock table would publish on their own, and are held back for a cut taken by a thread of libdmx's own (the
 * cutter: neither the receiver, which must go on reading, nor an app thread, which may be anywhere):
 *   - a grant of an app lock whose write notices name a pinned page being written here (a running thread's
 *     stack): invalidating it would flush its changes home. Other pages' changes are kept here (keep_changes,
 *     dsm_region.h), so those grants, and every grant of libdmx's own locks, apply at once. The cutter cuts (the
 *     changes go home with the threads' checkpoints), then applies the grant while the threads are still
 *     stopped, so nothing new can be flushed;
 *   - handing an app lock back while the device has written since its last cut (lock operations on a lock cached
 *     here take no cut). The lock stays here (no local thread takes it meanwhile) until the cutter's cut, then
 *     goes back. */
#ifndef CHECKPOINT_PUBLISH_H
#define CHECKPOINT_PUBLISH_H

#include <stdbool.h>

#include "sync_mutex.h"

/* DMX_CHECKPOINT=publish: install the hooks in t and start the cutter. 0, or -1 (logged). */
int checkpoint_publish_start(struct sync_table *t);

#endif
