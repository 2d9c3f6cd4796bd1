/* Forward or move (DynaMix 5.3, Table 1), policy dynamix: before an app thread reads a large part of a file
 * held by another device, it weighs forwarding the read (the bytes at the link's rate, a round trip per
 * forwarded request) against moving itself to the file's device (what moves have cost so far, measured: the
 * downtime and the fetches of the thread's warm-up on its new device, see learn_move_cost) and, when
 * forwarding costs more than DMX_MOVE_MARGIN (default 1) moves, migrates there first; the read then runs locally. Small
 * reads are forwarded: a move would cost more than they do. A thread that moved less than
 * DMX_IO_MOVE_BACKOFF_MS ago (default 500 emulated ms) forwards, so it does not bounce between the devices of
 * consecutive files (the paper's migrated threads "use request forwarding during a certain time period").
 *
 * With no link rate measured yet, the read is cut to its first PROBE_BYTES (a short read, as POSIX allows for
 * files): forwarding them measures the rate, and the app's next read of the rest is weighed with it.
 *
 * Only storage files: their bytes are consumed by the reader. A camera frame or a decoded picture is handed
 * to other threads, and the monitor's Algorithm 1 (device_monitor.c) weighs such groups.
 *
 * Every decision is a row of RUN/devices/NAME/io-moves.csv. */
#include "io_placement.h"

#include "device_files.h"

#include "io_vfd.h"
#include "link_estimate.h"
#include "migration_selector.h"
#include "sync_thread.h"
#include "thread_takeover.h"
#include "wire_conn.h"
#include "wire_msg.h"

#include "dmx.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Weak: the I/O layer also links (and runs) without the thread manager (native unit tests). */
#pragma weak dmx_takeover
#pragma weak dmx_current_thread
#pragma weak dmx_migrate_self_decided
#pragma weak dmx_migration_mean_downtime_ns
#pragma weak dmx_glock
#pragma weak dmx_move_allowed
#pragma weak dmx_gunlock

#define MOVE_MIN_BYTES (64u << 10)      /* below this a read is never worth a move: skip the bookkeeping */
#define DEFAULT_MOVE_STACK_BYTES (64u << 10)
#define PROBE_BYTES (256u << 10)        /* a forwarded read this long measures a link's rate */

static struct {
    bool enabled;
    double margin;
    uint64_t backoff_ns;
    FILE *log;
    pthread_mutex_t log_lock;
} placement = { .log_lock = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t placement_once = PTHREAD_ONCE_INIT;

static void read_settings(void)
{
    const char *policy = getenv("DMX_POLICY");
    placement.enabled = policy && strcmp(policy, "dynamix") == 0 && dmx_env_number("DMX_IO_MOVES", 1) != 0;
    placement.margin = dmx_env_number("DMX_MOVE_MARGIN", 1.0);
    placement.backoff_ns = (uint64_t)(dmx_env_number("DMX_IO_MOVE_BACKOFF_MS", 500) * 1e6);
    if (placement.enabled)
        placement.log = dmx_device_log_open("io-moves.csv",
                                            "t_ns,thread,from,to,bytes,rtt_ms,bw_mbit,forward_ms,move_ms,decision");
}

/* What a move costs: learned from the moves so far (learn_move_cost), else the mean downtime of the moves
 * that ended here, else a few round trips and the top of a stack at the link's rate. */
static double move_cost_s(double rtt_s, double bw_Bps)
{
    uint64_t learned = dmx_takeover.ctl->move_cost_ns;
    uint64_t downtime = dmx_migration_mean_downtime_ns();
    if (learned)
        return (double)learned / 1e9;
    if (downtime)
        return (double)downtime / 1e9;
    return 4 * rtt_s + (bw_Bps > 0 ? DEFAULT_MOVE_STACK_BYTES / bw_Bps : 0);
}

/* A move costs its downtime and then the pages the thread fetches while it warms up on its new device (its
 * buffers, a model's weights the first time). Once a thread that moved has run here for LEARN_AFTER_NS, that
 * sum is a sample of the cost, shared by every device through the control block. */
#define LEARN_AFTER_NS 250000000ull

static void learn_move_cost(const struct dmx_local_thread *me, uint64_t now)
{
    static uint64_t learned_arrival[DMX_SPAWN_SLOTS];
    if (me->migrations == 0 || !me->rec || me->slot >= DMX_SPAWN_SLOTS || now < me->since_ns + LEARN_AFTER_NS ||
        learned_arrival[me->slot] == me->since_ns || !dmx_glock)
        return;
    learned_arrival[me->slot] = me->since_ns;
    uint64_t sample = dmx_migration_mean_downtime_ns() + atomic_load(&me->rec->fetch_stall_ns);
    dmx_glock(DMX_LOCK_CONTROL);
    volatile struct dmx_control *c = dmx_takeover.ctl;
    c->move_cost_ns = c->move_cost_ns ? (3 * c->move_cost_ns + sample) / 4 : sample;
    dmx_gunlock(DMX_LOCK_CONTROL);
}

static void log_decision(uint32_t slot, uint32_t to, size_t len, const struct sel_transfer *in,
                         const struct sel_transfer_cost *cost, const char *decision)
{
    if (!placement.log)
        return;
    pthread_mutex_lock(&placement.log_lock);
    fprintf(placement.log, "%" PRIu64 ",%u,%u,%u,%zu,%.2f,%.1f,%.1f,%.1f,%s\n", dmx_now_ns(), slot,
            dmx_takeover.self, to, len, in->rtt_s * 1e3, in->bw_Bps * 8 / 1e6, cost->forward_s * 1e3,
            cost->move_s * 1e3, decision);
    fflush(placement.log);
    pthread_mutex_unlock(&placement.log_lock);
}

/* The round trip and rate to device: its own estimates, else the rate of the slowest link this device has
 * measured (the devices share one medium). False when no rate is known at all. */
static bool known_link_rate(uint32_t device, double *rtt_s, double *bw_Bps)
{
    if (!link_estimate_get(device, rtt_s, bw_Bps))
        *rtt_s = *bw_Bps = 0;
    for (uint32_t d = 1; *bw_Bps == 0 && d <= dmx_takeover.ndev; d++) {
        double rtt, bw;
        if (d != device && d != dmx_takeover.self && link_estimate_get(d, &rtt, &bw) && bw > 0)
            *bw_Bps = bw;
    }
    return *bw_Bps > 0;
}

size_t io_placement_before_read(int fd, size_t len)
{
    pthread_once(&placement_once, read_settings);
    if (!placement.enabled || len < MOVE_MIN_BYTES || !io_vfd_in_range(fd) || !&dmx_takeover ||
        !dmx_takeover.active || !dmx_current_thread || !dmx_move_allowed)
        return len;
    const struct io_class_ops *cls;
    uint32_t device;
    struct dmx_local_thread me;
    if (!io_vfd_where(fd, &cls, &device) || device == dmx_takeover.self || !io_placement_per_read(cls) ||
        !dmx_current_thread(&me))
        return len;
    uint64_t t_detect = dmx_now_ns();
    learn_move_cost(&me, t_detect);
    struct sel_transfer in = { .bytes = (double)len, .chunk_bytes = WIRE_IO_MAX_DATA, .margin = placement.margin };
    if (!known_link_rate(device, &in.rtt_s, &in.bw_Bps))
        return len < 4 * PROBE_BYTES ? len : PROBE_BYTES;
    in.move_s = move_cost_s(in.rtt_s, in.bw_Bps);
    struct sel_transfer_cost cost;
    sel_transfer_choice(&in, &cost);
    bool settling = me.migrations > 0 && t_detect < me.since_ns + placement.backoff_ns;
    bool barred = cost.move && !dmx_move_allowed(me.slot, device);
    const char *decision = !cost.move ? "forward" : settling ? "forward-backoff" : barred ? "forward-hint" : "move";
    log_decision(me.slot, device, len, &in, &cost, decision);
    if (!cost.move || settling || barred)
        return len;
    /* No bulk post-copy as after the monitor's moves: several readers leave the master at once here, and
     * their copies shared its uplink (16 photos on 4 phones: 2.04 s with it, 1.76 s without). */
    if (dmx_migrate_self_decided(device, t_detect, dmx_now_ns()) != 0)
        wire_log("placement: thread %u could not move to device %u for its read", me.slot, device);
    return len;
}
