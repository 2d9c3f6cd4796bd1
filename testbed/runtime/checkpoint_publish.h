/* checkpoint_publish.h: with exact checkpoints (DMX_CHECKPOINT=release or publish, thread_recovery.h) a worker
 * publishes nothing outside a checkpoint cut, so that after a loss home holds exactly what the device's last cut
 * recorded. Two steps of the lock table would publish on their own, and are held back for a cut taken by a thread
 * of libdmx's own (the cutter: neither the receiver, which must go on reading, nor an app thread, which may be
 * anywhere):
 *   - a grant whose write notices name pages changed here since the last cut: invalidating them would flush
 *     those changes home. The cutter cuts (the changes go home with the threads' checkpoints), then applies the
 *     grant while the threads are still stopped, so nothing new can be flushed;
 *   - with publish, where lock operations on a lock cached here take no cut: handing an app lock back while
 *     the device has written since its last cut. The lock stays here (no local thread takes it meanwhile) until
 *     the cutter's cut, then goes back. */
#ifndef CHECKPOINT_PUBLISH_H
#define CHECKPOINT_PUBLISH_H

#include <stdbool.h>

#include "sync_mutex.h"

/* Install the hooks in t (the hand-back one when defer_give_backs) and start the cutter. 0, or -1 (logged). */
int checkpoint_publish_start(struct sync_table *t, bool defer_give_backs);

#endif
