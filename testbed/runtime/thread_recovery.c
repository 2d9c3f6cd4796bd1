/* Recovery of the threads of a lost device (see thread_recovery.h). */
#include "thread_recovery.h"

#include "device_files.h"
#include "dmx.h"
#include "sync_thread.h"
#include "thread_start.h"
#include "wire_conn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dmx_recovery_link_unstable(uint64_t rtt_ns, uint64_t best_ns, void *unused)
{
    (void)unused;
    struct dmx_local_thread here[DMX_SPAWN_SLOTS];
    uint32_t n = dmx_local_threads(here, DMX_SPAWN_SLOTS), asked = 0;
    uint64_t now = dmx_now_ns();
    for (uint32_t i = 0; i < n; i++)
        if (dmx_move_allowed(here[i].slot, 1)) {
            dmx_request_migration(here[i].slot, 1, now, now);
            asked++;
        }
    wire_log("heartbeat: round trip %.0f ms against %.1f ms at best: %u of %u app thread(s) here move to the "
             "master", rtt_ns / 1e6, best_ns / 1e6, asked, n);
}

bool dmx_device_usable(uint32_t dev)
{
    volatile struct dmx_control *ctl = dmx_takeover.ctl;
    return dev >= 1 && dev <= WIRE_MAX_DEVICES && (!ctl || !ctl->lost[dev]);
}

struct lost_device {
    uint32_t dev;
    uint64_t last_heard_ns;
};

static void *recover_main(void *arg)
{
    struct lost_device lost = *(struct lost_device *)arg;
    free(arg);
    volatile struct dmx_control *ctl = dmx_takeover.ctl;
    uint64_t t_lost = dmx_now_ns();
    uint32_t resumed = 0, restarted = 0;
    dmx_glock(DMX_LOCK_CONTROL);       /* the lost device's cached grant of it was reclaimed with the drop */
    bool leaving = ctl->shutdown != 0;
    ctl->lost[lost.dev] = 1;
    for (uint32_t i = 0; i < DMX_SPAWN_SLOTS && !leaving; i++) {
        struct spawn_slot s = *(struct spawn_slot *)&ctl->slot[i];
        uint64_t release_ctx = s.device == lost.dev && s.state == SPAWN_RUNNING
                                   ? dmx_release_checkpoint(s.stack_lo, s.migrations) : 0;
        enum recovery_action a = recovery_repost(&s, lost.dev, dmx_takeover.self, t_lost, release_ctx);
        if (a == RECOVER_NONE)
            continue;
        memcpy((void *)&ctl->slot[i], &s, sizeof(s));
        resumed += a == RECOVER_RESUME;
        restarted += a == RECOVER_RESTART;
    }
    dmx_gunlock(DMX_LOCK_CONTROL);
    if (resumed + restarted)
        dmx_wake_notify(&ctl->server_wake[dmx_takeover.self]);
    if (leaving)
        return NULL;            /* the app has finished: a device leaving now is no loss */
    double silent_ms = lost.last_heard_ns && t_lost > lost.last_heard_ns ? (t_lost - lost.last_heard_ns) / 1e6 : 0;
    wire_log("recovery: device %u is gone (last heard %.0f ms ago): %u thread(s) resume from their checkpoints "
             "and %u start again on device %u", lost.dev, silent_ms, resumed, restarted, dmx_takeover.self);
    return NULL;
}

void dmx_recovery_device_lost(uint32_t dev, uint64_t last_heard_ns, void *unused)
{
    (void)unused;
    /* The master set shutdown itself, so its own copy is current: devices leaving at the end lost nothing, and
     * the control lock may soon be out of reach (the master's link closes). */
    if (dmx_takeover.active && dmx_takeover.ctl->shutdown)
        return;
    struct lost_device *lost = malloc(sizeof(*lost));
    if (!lost || !dmx_takeover.active) {
        free(lost);
        return;
    }
    *lost = (struct lost_device){ dev, last_heard_ns };
    /* Not on the connection's thread: taking the control lock goes through the master server. */
    if (dmx_thread_start_detached(recover_main, lost) != 0) {
        free(lost);
        wire_log("recovery: cannot start recovering device %u: its threads are lost", dev);
    }
}

void dmx_recovery_log(uint32_t slot, uint32_t lost, enum recovery_action action, uint64_t t_lost,
                      uint64_t t_resumed, uint64_t bytes_fetched)
{
    double ms = (t_resumed - t_lost) / 1e6;
    wire_log("recovery: thread %u of device %u %s here %.3f ms after the loss", slot, lost,
             action == RECOVER_RESUME ? "resumed from its checkpoint" : "started again", ms);
    static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
    static FILE *log;
    pthread_mutex_lock(&log_lock);
    if (!log)
        log = dmx_device_log_open("recoveries.csv", "thread,lost_device,action,t_lost_ns,t_resumed_ns,recovery_ns,"
                                                    "bytes_fetched");
    if (log) {
        fprintf(log, "%u,%u,%s,%llu,%llu,%llu,%llu\n", slot, lost, action == RECOVER_RESUME ? "resume" : "restart",
                (unsigned long long)t_lost, (unsigned long long)t_resumed, (unsigned long long)(t_resumed - t_lost),
                (unsigned long long)bytes_fetched);
        fflush(log);
    }
    pthread_mutex_unlock(&log_lock);
}
