/* The offload policy (DESIGN.md §5; CloneCloud, paper 001): compute-heavy threads go to the device where
 * CloneCloud's cost model (offload_cost.h) says they cost least, chosen once from a profile and never adapted.
 *
 * It runs on the device that runs main() (the master), on one libdmx thread, once:
 *   1. wait for the app's first thread;
 *   2. profile for DMX_OFFLOAD_PROFILE_MS emulated ms (default 1000): each local app thread's instructions (the
 *      devmodel plugin's per-thread counts), network stall, global lock acquires, DSM bytes and forwarded I/O per
 *      device (its dmx thread record, sync_thread.h), and every device's model speed and idle cores over the same
 *      window (cpu_report.h). Meanwhile it measures the link to every other device, as CloneCloud measured its
 *      per-byte cost: a few small requests (round trip) and one bulk one (rate) to that device's resource server,
 *      of a class no device serves, so they are received in full, answered -ENOENT, and touch no resource;
 *   3. decide: the threads that kept at least DMX_OFFLOAD_MIN_CPU (default 0.5) of a core busy, busiest first,
 *      each go to the device with the smallest total cost for a horizon of DMX_OFFLOAD_HORIZON_MS (default: the
 *      profile's length) -- staying is a candidate; a device loses the cores it has been given;
 *   4. post the recently written pages to each destination (migration_precopy.c) and ask the threads to move
 *      (they do at their next safe point). Then the policy thread ends: nothing is ever decided again, and no other
 *      device runs a policy (threads never move on a device's own initiative under offload).
 *
 * The log, RUN/devices/NAME/offload.csv: t_ns,event,slot,device,detail with events start, link (per device),
 * device (speed and idle cores), profile (per thread), cost (per thread and candidate), decision (per thread) and
 * precopy (per destination). */
#include "thread_takeover.h"
#include "cpu_report.h"
#include "device_files.h"
#include "dsm_region.h"
#include "io_forward.h"
#include "io_resource.h"
#include "offload_cost.h"
#include "sync_thread.h"
#include "thread_start.h"
#include "wire_conn.h"

#include "dmx.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_THREADS 64
#define WAIT_POLL_NS 10000000ull            /* how often it looks for the app's first thread */
#define REPORT_WAIT_NS 2000000000ull        /* and for the devices' first CPU reports */
#define PROBE_SMALL_ROUNDS 3                /* the first also opens the connection: not timed */
#define PROBE_BULK_BYTES (128u << 10)       /* enough to see the rate on a fast link, ~2.6 s over 3G */
#define PROBE_CLASS "link-probe"            /* served by no device (at most WIRE_IO_CLASS_MAX) */
#define STACK_STATE_BYTES (20u << 10)       /* a moving thread's live stack: 16 KiB below its sp + its frames */
#define WORKING_SET_MAX_PAGES 16384u

/* A thread's cumulative counters at one instant. */
struct counters {
    uint64_t t_ns, insns, insns_ns;         /* insns at the plugin report of time insns_ns (the plugin's clock) */
    uint64_t stall_ns, acquires, dsm_bytes;
    uint64_t io_requests[OFFLOAD_MAX_DEVICES], io_bytes[OFFLOAD_MAX_DEVICES];
};

struct profiled {
    struct dmx_local_thread lt;
    struct offload_profile prof;
    double share;                           /* of one core of self */
};

struct link_probe {
    bool ok;
    double rtt_s, bw_Bps;
};

static struct {
    uint64_t profile_ns, horizon_ns;
    double min_share;
    uint32_t self, ndev;
    int64_t plugin_behind_ns;               /* dmx_now_ns() - the plugin's clock (same rate, other epoch) */
    bool have_clock;
    FILE *log;
    struct counters start[DMX_SPAWN_SLOTS];
    struct dmx_thread *start_rec[DMX_SPAWN_SLOTS];
} off;

static const struct io_class_ops probe_class = { .name = PROBE_CLASS };

static void log_row(const char *event, uint32_t slot, uint32_t dev, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void log_row(const char *event, uint32_t slot, uint32_t dev, const char *fmt, ...)
{
    if (!off.log)
        return;
    fprintf(off.log, "%" PRIu64 ",%s,", dmx_now_ns(), event);
    if (slot < DMX_SPAWN_SLOTS)
        fprintf(off.log, "%u", slot);
    fprintf(off.log, ",");
    if (dev)
        fprintf(off.log, "%u", dev);
    fprintf(off.log, ",");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(off.log, fmt, ap);
    va_end(ap);
    fprintf(off.log, "\n");
}

#define NO_SLOT DMX_SPAWN_SLOTS

/* A dmx_now_ns() instant on the plugin's clock (emulated ns since the run's epoch). */
static uint64_t plugin_time(uint64_t now_ns)
{
    int64_t t = (int64_t)now_ns - off.plugin_behind_ns;
    return t > 0 ? (uint64_t)t : 0;
}

static void take_counters(const struct dmx_local_thread *lt, uint64_t now, struct counters *c)
{
    const struct dmx_thread *t = lt->rec;
    memset(c, 0, sizeof *c);
    c->t_ns = now;
    c->stall_ns = t->fetch_stall_ns + t->lock_stall_ns + t->io_stall_ns;
    c->acquires = t->lock_acquires;
    c->dsm_bytes = t->fetch_bytes;
    for (int i = 0; i < DMX_THREAD_LOCKS; i++)
        c->dsm_bytes += t->locks[i].bytes;
    for (uint32_t d = 1; d < DMX_THREAD_PEERS && d < OFFLOAD_MAX_DEVICES; d++) {
        c->io_requests[d] = t->io_requests[d];
        c->io_bytes[d] = t->io_bytes[d];
    }
    if (!cpu_report_tid_count(lt->tid, &c->insns, &c->insns_ns)) {
        c->insns = 0;               /* not in a report yet: nothing since it started here */
        c->insns_ns = plugin_time(lt->since_ns);
    }
}

/* Counters of a thread that was not here at the start of the profile: it arrived with nothing counted. */
static void arrival_counters(const struct dmx_local_thread *lt, struct counters *c)
{
    memset(c, 0, sizeof *c);
    c->t_ns = lt->since_ns;
    c->insns_ns = plugin_time(lt->since_ns);
}

/* Every device's report, and the offset between the two clocks: a report is at most one rewrite old, so the
 * smallest difference seen is the closest. */
static void read_reports(void)
{
    for (uint32_t d = 1; d <= off.ndev; d++)
        cpu_report_read(d, d == off.self);
    struct cpu_device self = cpu_report_device(off.self);
    int64_t behind = (int64_t)dmx_now_ns() - (int64_t)self.emul_ns;
    if (self.have && (!off.have_clock || behind < off.plugin_behind_ns)) {
        off.plugin_behind_ns = behind;
        off.have_clock = true;
    }
}

/* Round trip: the quickest small request after the one that opened the connection. Rate: one bulk request's
 * bytes over its time beyond that round trip. Each request also feeds link_estimate.h. */
static struct link_probe probe_link(uint32_t dev, const char *bulk)
{
    struct link_probe p = { .ok = false, .rtt_s = -1 };
    struct stat st;
    for (int i = 0; i < PROBE_SMALL_ROUNDS; i++) {
        struct io_request r = { .cls = &probe_class, .op = IO_OP_FSTAT, .out = &st, .out_len = sizeof st };
        uint64_t t0 = dmx_now_ns();
        if (io_forward((int)dev, &r) != 0)
            return p;                   /* logged by the forwarder */
        double s = (double)(dmx_now_ns() - t0) / 1e9;
        if (i > 0 && (p.rtt_s < 0 || s < p.rtt_s))
            p.rtt_s = s;
    }
    struct io_request r = { .cls = &probe_class, .op = IO_OP_WRITE, .in = bulk, .in_len = PROBE_BULK_BYTES };
    uint64_t t0 = dmx_now_ns();
    if (io_forward((int)dev, &r) != 0)
        return p;
    double s = (double)(dmx_now_ns() - t0) / 1e9 - p.rtt_s;
    p.bw_Bps = s > 0 ? PROBE_BULK_BYTES / s : 0;
    p.ok = p.bw_Bps > 0;
    return p;
}

static void probe_links(struct link_probe links[OFFLOAD_MAX_DEVICES])
{
    char *bulk = calloc(1, PROBE_BULK_BYTES);
    for (uint32_t d = 1; d <= off.ndev; d++) {
        links[d] = (struct link_probe){ .ok = false, .rtt_s = -1 };
        if (d == off.self || !bulk)
            continue;
        uint64_t t0 = dmx_now_ns();
        links[d] = probe_link(d, bulk);
        log_row("link", NO_SLOT, d, "rtt_ms=%.3f bw_mbit=%.3f probe_ms=%.1f%s", links[d].rtt_s * 1e3,
                links[d].bw_Bps * 8 / 1e6, (double)(dmx_now_ns() - t0) / 1e6, links[d].ok ? "" : " unknown");
    }
    free(bulk);
}

/* Bytes of the pages this device wrote since emulated second since_s: what the destinations fetch. */
static double working_set_bytes(uint64_t since_ns)
{
    struct dsm_region *r = dmx_dsm_region();
    uint32_t *pages = malloc(WORKING_SET_MAX_PAGES * sizeof *pages);   /* private memory, as the region wants */
    if (!r || !pages) {
        free(pages);
        return 0;
    }
    uint32_t n = dsm_region_recent_writes(r, (uint32_t)(since_ns / 1000000000ull), pages, WORKING_SET_MAX_PAGES);
    free(pages);
    return (double)n * WIRE_PAGE_SIZE;
}

static void fill_devices(struct offload_input *in, const struct link_probe links[OFFLOAD_MAX_DEVICES])
{
    for (uint32_t d = 1; d <= in->ndev; d++) {
        struct cpu_device c = cpu_report_device(d);
        struct offload_device *od = &in->dev[d];
        od->present = c.have;
        od->ips = c.have ? c.ips : 0;
        od->idle_cores = c.have_idle && c.ips > 0 ? c.idle_insns_per_s / c.ips : -1;
        od->rtt_s = links[d].ok ? links[d].rtt_s : -1;
        od->bw_Bps = links[d].ok ? links[d].bw_Bps : 0;
        log_row("device", NO_SLOT, d, "name=%s ips=%.3g cores=%.0f idle_cores=%.2f", cpu_report_device_name(d),
                od->ips, c.cores, od->idle_cores);
    }
}

/* The profile of one thread between a (the start, or its arrival) and b (the end of the window). */
static void make_profile(const struct counters *a, const struct counters *b, struct offload_profile *p)
{
    memset(p, 0, sizeof *p);
    p->window_s = (double)(b->t_ns - a->t_ns) / 1e9;
    double insns_s = (double)(b->insns_ns - a->insns_ns) / 1e9;
    double rate = insns_s > 0 && b->insns >= a->insns ? (double)(b->insns - a->insns) / insns_s : 0;
    p->insns = rate * p->window_s;
    p->stall_s = (double)(b->stall_ns - a->stall_ns) / 1e9;
    p->lock_acquires = (double)(b->acquires - a->acquires);
    p->dsm_bytes = (double)(b->dsm_bytes - a->dsm_bytes);
    for (uint32_t d = 1; d < OFFLOAD_MAX_DEVICES; d++) {
        p->io_requests[d] = (double)(b->io_requests[d] - a->io_requests[d]);
        p->io_bytes[d] = (double)(b->io_bytes[d] - a->io_bytes[d]);
    }
    p->stack_bytes = STACK_STATE_BYTES;
}

static void log_profile(const struct profiled *t)
{
    const struct offload_profile *p = &t->prof;
    char io[512] = "";
    size_t used = 0;
    for (uint32_t d = 1; d < OFFLOAD_MAX_DEVICES && used < sizeof io; d++)
        if (p->io_requests[d] > 0)
            used += (size_t)snprintf(io + used, sizeof io - used, " io=d%u:%.0f:%.0f", d, p->io_requests[d],
                                     p->io_bytes[d]);
    log_row("profile", t->lt.slot, off.self,
            "tid=%d window_ms=%.1f insns=%.4g insns_per_s=%.4g cpu=%.2f stall_ms=%.1f lock_acquires=%.0f "
            "dsm_bytes=%.0f stack_bytes=%.0f%s", t->lt.tid, p->window_s * 1e3, p->insns,
            p->window_s > 0 ? p->insns / p->window_s : 0, t->share, p->stall_s * 1e3, p->lock_acquires,
            p->dsm_bytes, p->stack_bytes, io);
}

/* The app threads here now, with their profiles since the start of the window (or their arrival). */
static uint32_t profile_threads(struct offload_input *in, struct profiled *out)
{
    struct dmx_local_thread local[MAX_THREADS];
    uint32_t n = dmx_local_threads(local, MAX_THREADS), kept = 0;
    uint64_t now = dmx_now_ns();
    for (uint32_t i = 0; i < n; i++) {
        struct counters a, b;
        if (off.start_rec[local[i].slot] == local[i].rec)
            a = off.start[local[i].slot];
        else
            arrival_counters(&local[i], &a);
        take_counters(&local[i], now, &b);
        if (b.t_ns - a.t_ns < off.profile_ns / 4)
            continue;                   /* too new to say anything about */
        struct profiled *t = &out[kept++];
        t->lt = local[i];
        make_profile(&a, &b, &t->prof);
        t->share = offload_core_share(in, &t->prof);
        log_profile(t);
    }
    return kept;
}

static int busiest_first(const void *x, const void *y)
{
    const struct profiled *a = x, *b = y;
    return (a->prof.insns < b->prof.insns) - (a->prof.insns > b->prof.insns);
}

/* Places one thread; returns its destination (self to stay) and gives it the destination's cores. */
static uint32_t place(struct offload_input *in, const struct profiled *t)
{
    struct offload_cost cost[OFFLOAD_MAX_DEVICES];
    uint32_t dest = offload_choose(in, &t->prof, cost);
    for (uint32_t d = 1; d <= in->ndev; d++)
        if (cost[d].candidate)
            log_row("cost", t->lt.slot, d, "compute_s=%.4f comm_s=%.4f migrate_s=%.4f other_s=%.4f total_s=%.4f",
                    cost[d].compute_s, cost[d].comm_s, cost[d].migrate_s, cost[d].other_s, cost[d].total_s);
    if (dest == 0) {
        log_row("decision", t->lt.slot, in->self, "stay: this device's speed is unknown");
        return in->self;
    }
    if (dest != in->self) {
        in->dev[dest].idle_cores -= t->share;
        in->carried[dest] = true;
        wire_log("offload: thread %u moves to device %u (%.3f s there, %.3f s here)", t->lt.slot, dest,
                 cost[dest].total_s, cost[in->self].total_s);
    }
    log_row("decision", t->lt.slot, dest, "%s total_s=%.4f stay_s=%.4f", dest == in->self ? "stay" : "move",
            cost[dest].total_s, cost[in->self].total_s);
    return dest;
}

/* The decision, once: place every compute-heavy thread, then send the working set and the threads. */
static void decide(struct offload_input *in, struct profiled *threads, uint32_t n, uint64_t t_profiled)
{
    uint32_t dest[MAX_THREADS];
    bool to[OFFLOAD_MAX_DEVICES] = { false };
    qsort(threads, n, sizeof *threads, busiest_first);
    for (uint32_t i = 0; i < n; i++) {
        dest[i] = in->self;
        if (threads[i].share < off.min_share)
            log_row("decision", threads[i].lt.slot, in->self, "stay: light (cpu %.2f < %.2f)", threads[i].share,
                    off.min_share);
        else
            dest[i] = place(in, &threads[i]);
        if (dest[i] != in->self)
            to[dest[i]] = true;
    }
    uint64_t t_decide = dmx_now_ns();
    for (uint32_t d = 1; d <= in->ndev; d++)
        if (to[d])
            log_row("precopy", NO_SLOT, d, "pages=%ld", dmx_precopy_post(d, off.profile_ns, 0));
    for (uint32_t i = 0; i < n; i++)
        if (dest[i] != in->self)
            dmx_request_migration(threads[i].lt.slot, dest[i], t_profiled, t_decide);
}

static void wait_for_app_thread(void)
{
    struct dmx_local_thread one;
    while (dmx_local_threads(&one, 1) == 0)
        dmx_nap(WAIT_POLL_NS);
}

/* Every device's first CPU report, for up to REPORT_WAIT_NS: the devmodel plugin writes one a report interval
 * after its device started, and a profile begun before it has no CPU figures at all (every thread idle). On a
 * fast host the app's first thread came before it, and the offload test failed 3 runs in 3. */
static void wait_for_reports(void)
{
    for (uint64_t waited = 0; waited < REPORT_WAIT_NS; waited += WAIT_POLL_NS) {
        uint32_t have = 0;
        for (uint32_t d = 1; d <= off.ndev; d++)
            have += cpu_report_read(d, false) == 0;
        if (have == off.ndev)
            return;
        dmx_nap(WAIT_POLL_NS);
    }
    wire_log("offload: not every device's CPU report came within %.1f s: their CPU figures are missing",
             (double)REPORT_WAIT_NS / 1e9);
}

static void start_profile(void)
{
    struct dmx_local_thread local[MAX_THREADS];
    read_reports();
    uint32_t n = dmx_local_threads(local, MAX_THREADS);
    uint64_t now = dmx_now_ns();
    for (uint32_t i = 0; i < n; i++) {
        off.start_rec[local[i].slot] = local[i].rec;
        take_counters(&local[i], now, &off.start[local[i].slot]);
    }
}

static void *offload_main(void *arg)
{
    (void)arg;
    static struct offload_input in;
    static struct profiled threads[MAX_THREADS];
    struct link_probe links[OFFLOAD_MAX_DEVICES];
    wait_for_app_thread();
    wait_for_reports();
    uint64_t t0 = dmx_now_ns();
    start_profile();
    probe_links(links);
    uint64_t now = dmx_now_ns();
    if (now < t0 + off.profile_ns)
        dmx_nap(t0 + off.profile_ns - now);
    read_reports();
    in.self = off.self;
    in.master = off.self;               /* the policy runs where main() and the DSM's home are */
    in.ndev = off.ndev;
    in.horizon_s = (double)off.horizon_ns / 1e9;
    fill_devices(&in, links);
    uint32_t n = profile_threads(&in, threads);
    in.working_set_bytes = working_set_bytes(t0);
    log_row("working_set", NO_SLOT, off.self, "bytes=%.0f", in.working_set_bytes);
    decide(&in, threads, n, dmx_now_ns());
    if (off.log)
        fclose(off.log);
    off.log = NULL;
    return NULL;
}

static void open_log(void)
{
    off.log = dmx_device_log_open("offload.csv", "t_ns,event,slot,device,detail");
    if (!off.log) {
        if (errno)
            wire_log("offload: cannot write its log offload.csv: %s", strerror(errno));
        return;
    }
    setvbuf(off.log, NULL, _IOLBF, 0);     /* a run cut short keeps what was decided */
}

int dmx_offload_start(void)
{
    if (!dmx_takeover.runs_main)
        return 0;                       /* decided by the master alone: other devices never move a thread */
    off.profile_ns = (uint64_t)(dmx_env_number("DMX_OFFLOAD_PROFILE_MS", 1000) * 1e6);
    if (off.profile_ns < 10000000ull)
        off.profile_ns = 10000000ull;
    off.horizon_ns = (uint64_t)(dmx_env_number("DMX_OFFLOAD_HORIZON_MS", (double)off.profile_ns / 1e6) * 1e6);
    off.min_share = dmx_env_number("DMX_OFFLOAD_MIN_CPU", 0.5);
    off.self = dmx_takeover.self;
    off.ndev = dmx_takeover.ndev < OFFLOAD_MAX_DEVICES ? dmx_takeover.ndev : OFFLOAD_MAX_DEVICES - 1;
    open_log();
    log_row("start", NO_SLOT, off.self, "profile_ms=%.0f horizon_ms=%.0f min_cpu=%.2f", (double)off.profile_ns / 1e6,
            (double)off.horizon_ns / 1e6, off.min_share);
    int rc = dmx_thread_start_detached(offload_main, NULL);
    if (rc != 0)
        wire_log("offload: cannot start: %s", strerror(rc));
    return rc == 0 ? 0 : -1;
}
