/* thread_recovery.h: a device that vanishes mid-run (DynaMix 4.2.1 checkpoints, 4.2.4 unexpected
 * disconnection). The master notices (its link closed, or it fell silent past DMX_HEARTBEAT_TIMEOUT_MS:
 * master_server.c), drops its locks and the changes only it held (master_page_dir.c), marks it lost in the
 * control block, and reposts its threads to the master, which is failure-free:
 *   - a thread that migrated there resumes from its checkpoint: the context it arrived with and its stack as
 *     the source pushed it home on the way (the device never pushes a running thread's pinned stack, so the
 *     home copy stays that image);
 *   - a thread that started there starts again;
 *   - with DMX_CHECKPOINT=release, publish (the default) or refresh, either resumes from where the device's
 *     latest checkpoint cut found it, when one did during its stay there (checkpoint_cut.h: a cut of all the device's app threads at
 *     a lock operation of one of them; with publish, only before the device's changes would leave it or past
 *     DMX_CHECKPOINT_REFRESH_KB, checkpoint_publish.h; with refresh, at the first one after the device wrote
 *     DMX_CHECKPOINT_REFRESH_KB of shared pages since the last).
 * Shared memory keeps every change the lost device published (pushed home, or fetched by another device);
 * what only it held is gone. So a lost thread redoes the work since its checkpoint: exactly-once when that
 * work's effects are its own (rows of a product, labels of its photos), not for a counter it published to
 * after the checkpoint (DMX_CHECKPOINT=migration: the migration's checkpoint only, as the paper's workloads'
 * scenario files choose). With DMX_CHECKPOINT=release or publish a device publishes nothing but its cuts, which
 * home applies whole, so every thread of the lost device (one or several) resumes exactly where the memory it sees was
 * published: each effect on shared memory counts once. No thread is placed on or moved to a lost device
 * afterwards. */
#ifndef THREAD_RECOVERY_H
#define THREAD_RECOVERY_H

#include <stdbool.h>
#include <stdint.h>

#include "thread_takeover.h"

enum recovery_action {
    RECOVER_NONE = 0,           /* the slot is not the lost device's */
    RECOVER_RESUME,             /* from the context it arrived with */
    RECOVER_RESTART,            /* from its start routine */
};

/* Pure: repost slot s, which device `lost` may have been running, to device `to` (t_lost: when the loss was
 * noticed, emulated ns; release_ctx: its release checkpoint's context, 0 if none). Returns what the thread
 * will do there. */
enum recovery_action recovery_repost(struct spawn_slot *s, uint32_t lost, uint32_t to, uint64_t t_lost,
                                     uint64_t release_ctx);

/* The master server's callback (master_lost_fn): recover device dev's threads on a thread of their own. */
void dmx_recovery_device_lost(uint32_t dev, uint64_t last_heard_ns, void *unused);

/* On a worker under dynamix with DMX_LINK_WATCH=1 (off by default: a link saturated by the app's own traffic
 * looks the same), when its heartbeats say the link to the master turned
 * unstable: ask every app thread here to move to the master at its next safe point, before a loss would make
 * it redo work from its checkpoint (DynaMix 4.2.4). */
void dmx_recovery_link_unstable(uint64_t rtt_ns, uint64_t best_ns, void *unused);

/* May threads be placed on or moved to device dev (it has not been lost)? */
bool dmx_device_usable(uint32_t dev);

/* pthread_spawn.c, on the device that resumed a reposted thread: the recovery's row in
 * RUN/devices/NAME/recoveries.csv. */
void dmx_recovery_log(uint32_t slot, uint32_t lost, enum recovery_action action, uint64_t t_lost,
                      uint64_t t_resumed, uint64_t bytes_fetched);

#endif
