/* The device status monitor and the dynamix policy's loop (DynaMix 4.1.3 and 4.2.2), one per device.
 *
 * Every window (DMX_MONITOR_MS emulated ms, default 1000) it reads, for each app thread running here, what
 * the runtime counted since the last window (sync_thread.h): network stall (DSM fetches, remote lock grants,
 * forwarded I/O), lock use with the bytes written per lock, DSM bytes, and forwarded I/O per device; and
 * from the devmodel plugin's reports (RUN/devices/NAME/cpu.stats, through cpu_report.h) each thread's
 * instructions and each device's idle CPU.
 *
 * Network contention: a thread stalled more than DMX_STALL_THRESHOLD (default 0.30, the paper's value) of
 * the window. CPU contention: no network contention, the device's cores are over 95% busy, and its threads were
 * runnable without a core for DMX_CPU_WAIT (default 0.25) cores' worth of the window, per the devmodel plugin's
 * run and throttle times. On network contention the selector (migration_selector.c, sel_choose) runs over every
 * local thread; on CPU contention sel_choose_cpu weighs the CPU a group would get on a device with idle cores
 * (a device that joined mid-run too) against its network gain. The group picked is asked to migrate
 * (pthread_spawn.c carries it out at each thread's next safe point), and each of its threads is left alone
 * for a backoff that doubles each time it is picked again (DMX_BACKOFF_MS, default 4000, up to 64x).
 *
 * The log, RUN/devices/NAME/monitor.csv: one row per thread per window, and one per decision. */
#include "thread_takeover.h"
#include "cpu_report.h"
#include "device_files.h"
#include "dsm_region.h"
#include "link_estimate.h"
#include "migration_selector.h"
#include "sync_thread.h"
#include "thread_recovery.h"
#include "thread_start.h"
#include "wire_conn.h"

#include "dmx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct thread_snapshot {
    struct dmx_thread *rec;
    uint64_t t_ns, stall_ns, remote_acquires, fetch_bytes;
    uint64_t fetch_stall_ns, lock_stall_ns, io_stall_ns, faults;
    uint64_t lock_id[DMX_THREAD_LOCKS], acquires[DMX_THREAD_LOCKS], bytes[DMX_THREAD_LOCKS];
    uint64_t io_requests[DMX_THREAD_PEERS], io_bytes[DMX_THREAD_PEERS];
};

static struct {
    uint64_t period_ns, backoff_ns, precopy_timeout_ns;
    double stall_threshold, d_thre_Bps, d_thre_link_share, min_gain, cpu_wait_min;
    uint32_t self, ndev, master;
    struct thread_snapshot last[DMX_SPAWN_SLOTS];
    uint64_t backoff_until[DMX_SPAWN_SLOTS], backoff_len[DMX_SPAWN_SLOTS];
    FILE *log;
} mon;

static void take_snapshot(const struct dmx_local_thread *lt, uint64_t now, struct thread_snapshot *s)
{
    struct dmx_thread *t = lt->rec;
    memset(s, 0, sizeof *s);
    s->rec = t;
    s->t_ns = now;
    s->fetch_stall_ns = t->fetch_stall_ns;
    s->lock_stall_ns = t->lock_stall_ns;
    s->io_stall_ns = t->io_stall_ns;
    s->faults = t->faults;
    s->stall_ns = s->fetch_stall_ns + s->lock_stall_ns + s->io_stall_ns;
    s->remote_acquires = t->remote_acquires;
    s->fetch_bytes = t->fetch_bytes;
    for (int i = 0; i < DMX_THREAD_LOCKS; i++) {
        s->lock_id[i] = t->locks[i].id;
        s->acquires[i] = t->locks[i].acquires;
        s->bytes[i] = t->locks[i].bytes;
    }
    for (int d = 0; d < DMX_THREAD_PEERS; d++) {
        s->io_requests[d] = t->io_requests[d];
        s->io_bytes[d] = t->io_bytes[d];
    }
}

/* Rates over the window between a (earlier) and b into th. */
static void window_rates(const struct thread_snapshot *a, const struct thread_snapshot *b, double secs,
                         struct sel_thread *th)
{
    for (int i = 0; i < DMX_THREAD_LOCKS && i < SEL_MAX_LOCKS; i++) {
        bool same = a->lock_id[i] == b->lock_id[i];
        th->lock_id[i] = b->lock_id[i];
        th->acquires_per_s[i] = (double)(b->acquires[i] - (same ? a->acquires[i] : 0)) / secs;
        th->bytes_per_s[i] = (double)(b->bytes[i] - (same ? a->bytes[i] : 0)) / secs;
    }
    th->home_acquires_per_s = (double)(b->remote_acquires - a->remote_acquires) / secs;
    th->home_bytes_per_s = (double)(b->fetch_bytes - a->fetch_bytes) / secs;
    for (int d = 1; d < DMX_THREAD_PEERS && d < SEL_MAX_DEVICES; d++) {
        th->io_requests_per_s[d] = (double)(b->io_requests[d] - a->io_requests[d]) / secs;
        th->io_bytes_per_s[d] = (double)(b->io_bytes[d] - a->io_bytes[d]) / secs;
    }
}

/* Links with no traffic yet are assumed as slow as the slowest known one: a move toward an unknown device
 * must not look free. */
static void fill_links(struct sel_input *in)
{
    double worst_rtt = 0, worst_bw = 0;
    bool known[SEL_MAX_DEVICES] = { false };
    for (uint32_t d = 1; d <= in->ndev; d++) {
        if (d == in->self || !link_estimate_get(d, &in->rtt_s[d], &in->bw_Bps[d]))
            continue;
        known[d] = true;
        worst_rtt = in->rtt_s[d] > worst_rtt ? in->rtt_s[d] : worst_rtt;
        if (in->bw_Bps[d] > 0 && (worst_bw == 0 || in->bw_Bps[d] < worst_bw))
            worst_bw = in->bw_Bps[d];
    }
    for (uint32_t d = 1; d <= in->ndev; d++) {
        if (d != in->self && !known[d])
            in->rtt_s[d] = worst_rtt;
        if (d != in->self && in->bw_Bps[d] == 0)
            in->bw_Bps[d] = worst_bw;
    }
}

/* A device that has not joined yet (join_at_s) or was lost is no destination. */
static bool joined(uint32_t d)
{
    volatile struct dmx_control *ctl = dmx_takeover.ctl;
    return d == mon.self || (dmx_device_usable(d) && (d == mon.master || (ctl && ctl->joined[d])));
}

static void fill_devices(struct sel_input *in)
{
    for (uint32_t d = 1; d <= in->ndev && d < SEL_MAX_DEVICES; d++) {
        cpu_report_read(d, d == in->self);
        struct cpu_device c = cpu_report_device(d);
        in->present[d] = joined(d);
        /* No plugin report (count-only or not yet written): the CPU cannot rule the device out. */
        in->idle_insns_per_s[d] = c.have && c.ips > 0 ? c.idle_insns_per_s : 1e18;
        in->core_ips[d] = c.have_idle ? c.ips : 0;     /* CPU relief needs a measured idle CPU */
    }
}

/* The cores are (nearly) all busy: the first half of the paper's CPU contention. */
static bool cpu_saturated(uint32_t self)
{
    struct cpu_device c = cpu_report_device(self);
    return c.have_idle && c.ips > 0 && c.idle_insns_per_s < 0.05 * c.ips * c.cores;
}

/* A thread's window: its stall (and its parts: DSM fetches, lock grants, forwarded I/O, in ms, and DSM faults),
 * CPU, each lock it used (id:acquires/s:bytes/s) and each I/O peer (dN:bytes/s). */
static void log_window(uint64_t now, const struct sel_thread *th, double stall, const struct thread_snapshot *a,
                       const struct thread_snapshot *b)
{
    fprintf(mon.log, "%" PRIu64 ",window,%u,,%.1f,%.0f,,,,fetch=%.0f lock=%.0f io=%.0f faults=%" PRIu64, now,
            th->slot, stall * 100, th->insns_per_s, (double)(b->fetch_stall_ns - a->fetch_stall_ns) / 1e6,
            (double)(b->lock_stall_ns - a->lock_stall_ns) / 1e6, (double)(b->io_stall_ns - a->io_stall_ns) / 1e6,
            b->faults - a->faults);
    for (int i = 0; i < SEL_MAX_LOCKS; i++)
        if (th->lock_id[i] && th->acquires_per_s[i] > 0)
            fprintf(mon.log, " %" PRIx64 ":%.1f:%.0f", th->lock_id[i], th->acquires_per_s[i], th->bytes_per_s[i]);
    for (int d = 1; d < SEL_MAX_DEVICES; d++)
        if (th->io_bytes_per_s[d] > 0)
            fprintf(mon.log, " d%d:%.0f", d, th->io_bytes_per_s[d]);
    fprintf(mon.log, "\n");
}

static void log_decision(uint64_t now, const struct sel_input *in, const struct sel_result *res, uint64_t t_detect,
                         bool for_cpu)
{
    if (!mon.log)
        return;
    fprintf(mon.log, "%" PRIu64 ",%s,", now, for_cpu ? "cpu-decision" : "decision");
    for (uint32_t i = 0, first = 1; i < in->nthreads; i++)
        if (res->victims >> i & 1) {
            fprintf(mon.log, "%s%u", first ? "" : " ", in->thread[i].slot);
            first = 0;
        }
    fprintf(mon.log, ",%u,,,%.4f,%.4f,%.4f,%" PRIu64 ",d_thre=%.0f\n", res->dest, res->gain, res->t_ct, res->t_dt,
            t_detect, sel_merge_threshold(in));
    fflush(mon.log);
}

static void decide(uint64_t now, struct sel_input *in, uint64_t t_detect, bool for_cpu)
{
    struct sel_result res;
    fill_links(in);
    if (for_cpu)
        sel_choose_cpu(in, &res);
    else
        sel_choose(in, &res);
    if (!res.dest)
        return;
    uint64_t t_decide = dmx_now_ns();
    log_decision(now, in, &res, t_detect, for_cpu);
    long pages = dmx_precopy_post(res.dest, 3 * mon.period_ns / 2, mon.precopy_timeout_ns);
    if (mon.log)
        fprintf(mon.log, "%" PRIu64 ",precopy,,%u,,,,,,,pages=%ld ms=%.1f\n", dmx_now_ns(), res.dest, pages,
                (double)(dmx_now_ns() - t_decide) / 1e6);
    for (uint32_t i = 0; i < in->nthreads; i++) {
        if (!(res.victims >> i & 1))
            continue;
        uint32_t slot = in->thread[i].slot;
        mon.backoff_len[slot] = mon.backoff_len[slot] ? mon.backoff_len[slot] * 2 : mon.backoff_ns;
        if (mon.backoff_len[slot] > 64 * mon.backoff_ns)
            mon.backoff_len[slot] = 64 * mon.backoff_ns;
        mon.backoff_until[slot] = now + mon.backoff_len[slot];
        dmx_request_migration(slot, res.dest, t_detect, t_decide);
    }
}

/* A thread that arrived here by migration waits out the backoff its move started (decided on the device it
 * came from: this device's monitor must not send it straight back on a window of its warm-up). The backoff runs
 * from the end of the post-copy fetch that followed it, not from its arrival: on a slow link the fetch takes
 * seconds, and everything else on the link (its lock grants too) waits behind it meanwhile. */
static bool recently_moved(const struct dmx_local_thread *lt, uint64_t now)
{
    if (lt->migrations == 0)
        return false;
    uint64_t settled = dmx_precopy_settled_ns(), from = lt->since_ns;
    if (settled == UINT64_MAX)
        return true;
    if (settled > from)
        from = settled;
    uint32_t doublings = lt->migrations - 1 < 6 ? lt->migrations - 1 : 6;
    return now < from + (mon.backoff_ns << doublings);
}

/* The device's DSM over the window: faults by kind, notices, held pages, flush requests, bytes received. */
static void log_device(uint64_t now)
{
    static struct { uint64_t rf, wf, inv, held, flushes, bytes; } last;
    struct dsm_region *r = dmx_dsm_region();
    if (!mon.log || !r)
        return;
    uint64_t rf = r->stats.read_faults, wf = r->stats.write_faults, inv = r->stats.invalidations;
    uint64_t held = r->stats.pages_held, flushes = r->stats.flush_requests;
    uint64_t bytes = r->stats.page_bytes_received + r->stats.diff_bytes_received;
    fprintf(mon.log, "%" PRIu64 ",device,,,,,,,,,read_faults=%" PRIu64 " write_faults=%" PRIu64 " invalidations=%" PRIu64
            " held=%" PRIu64 " flush_requests=%" PRIu64 " bytes_in=%" PRIu64 "\n", now, rf - last.rf, wf - last.wf,
            inv - last.inv, held - last.held, flushes - last.flushes, bytes - last.bytes);
    last.rf = rf, last.wf = wf, last.inv = inv, last.held = held, last.flushes = flushes, last.bytes = bytes;
}

/* One window: measure every local thread, detect contention, and act on it. */
static void monitor_tick(void)
{
    struct dmx_local_thread local[SEL_MAX_THREADS];
    uint32_t n = dmx_local_threads(local, SEL_MAX_THREADS);
    uint64_t now = dmx_now_ns();
    static struct sel_input in;
    memset(&in, 0, sizeof in);
    in.self = mon.self;
    in.master = mon.master;
    in.ndev = mon.ndev;
    in.d_thre_Bps = mon.d_thre_Bps;
    in.d_thre_link_share = mon.d_thre_link_share;
    in.min_gain = mon.min_gain;
    fill_devices(&in);
    bool network = false;
    double cpu_wait = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct thread_snapshot cur, *prev = &mon.last[local[i].slot];
        take_snapshot(&local[i], now, &cur);
        if (prev->rec != cur.rec) {         /* arrived since the last window: its counters start at zero */
            memset(prev, 0, sizeof *prev);
            prev->rec = cur.rec;
            prev->t_ns = local[i].since_ns;
        }
        double secs = (double)(now - prev->t_ns) / 1e9;
        if (secs < 0.25 * (double)mon.period_ns / 1e9)
            continue;                       /* too new to say anything about */
        struct sel_thread *th = &in.thread[in.nthreads++];
        th->slot = local[i].slot;
        th->in_backoff = now < mon.backoff_until[local[i].slot] || recently_moved(&local[i], now);
        th->barred_dests = dmx_barred_dests(local[i].slot);
        th->insns_per_s = cpu_report_tid_rate(local[i].tid);
        th->runnable = cpu_report_tid_runnable(local[i].tid);
        window_rates(prev, &cur, secs, th);
        double stall = (double)(cur.stall_ns - prev->stall_ns) / 1e9 / secs;
        network |= stall > mon.stall_threshold && !th->in_backoff;
        cpu_wait += th->in_backoff ? 0 : sel_cpu_wait(&in, th);
        if (mon.log)
            log_window(now, th, stall, prev, &cur);
        *prev = cur;
    }
    log_device(now);
    if (network) {
        decide(now, &in, now, false);
    } else if (cpu_wait >= mon.cpu_wait_min && cpu_saturated(mon.self)) {
        if (mon.log)
            fprintf(mon.log, "%" PRIu64 ",cpu-contention,,,,,,,,,wait_cores=%.2f\n", now, cpu_wait);
        decide(now, &in, now, true);
    }
    if (mon.log)
        fflush(mon.log);
}

static void *monitor_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = { (time_t)(mon.period_ns / 1000000000ull), (long)(mon.period_ns % 1000000000ull) };
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        monitor_tick();
    }
    return NULL;
}

int dmx_monitor_start(void)
{
    mon.period_ns = (uint64_t)(dmx_env_number("DMX_MONITOR_MS", 1000) * 1e6);
    mon.backoff_ns = (uint64_t)(dmx_env_number("DMX_BACKOFF_MS", 4000) * 1e6);
    mon.precopy_timeout_ns = (uint64_t)(dmx_env_number("DMX_PRECOPY_MS", 0) * 1e6);
    mon.stall_threshold = dmx_env_number("DMX_STALL_THRESHOLD", 0.30);
    mon.d_thre_Bps = dmx_env_number("DMX_D_THRE_BYTES", 4e6);
    mon.d_thre_link_share = dmx_env_number("DMX_D_THRE_LINK_SHARE", 0);
    mon.min_gain = dmx_env_number("DMX_MIN_GAIN", 0.05);
    mon.cpu_wait_min = dmx_env_number("DMX_CPU_WAIT", 0.25);
    mon.self = dmx_takeover.self;
    mon.ndev = dmx_takeover.ndev < SEL_MAX_DEVICES ? dmx_takeover.ndev : SEL_MAX_DEVICES - 1;
    mon.master = 1;
    if (mon.period_ns < 10000000ull)
        mon.period_ns = 10000000ull;
    mon.log = dmx_device_log_open("monitor.csv", "t_ns,event,slots,dest,stall_pct,insns_per_s,gain,t_ct,t_dt,t_detect_ns,use");
    int rc = dmx_thread_start_detached(monitor_main, NULL);
    if (rc != 0)
        wire_log("monitor: cannot start: %s", strerror(rc));
    return rc == 0 ? 0 : -1;
}
