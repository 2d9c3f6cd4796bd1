/* migration_selector.h: DynaMix's Algorithm 1 (paper 000, §4.2.2): which group of this device's threads to
 * move, and where, for the largest network gain. Pure computation over one monitoring window, so it can be
 * tested natively; device_monitor.c fills the input from the runtime's counters.
 *
 * Thread groups: threads whose data communication (bytes written in critical sections of a lock both use,
 * per second) exceeds the merge threshold are merged, repeatedly, until no two groups communicate more than
 * that. The threshold is the paper's D_thre (d_thre_Bps), lowered to d_thre_link_share of the fastest known
 * link from self when that is less (sel_merge_threshold).
 * Network gain of moving group G from this device (self) to dst, in seconds of network time per second:
 *   T_ct = sum over i in G of: acquires shared with local threads outside G x (0 - 1.5 RTT(dst, self))
 *          + acquires through the home x 1.5 (RTT(self, master) - RTT(dst, master))
 *          + forwarded I/O requests to device d x (RTT(self, d) - RTT(dst, d))
 *   T_dt = the same with bytes / bandwidth instead of counts x latency.
 * A lock acquire costs three hops (1.5 RTT); a forwarded request one round trip. A pair this device has no
 * estimate for (neither end is self) is taken to cost what self's link to the far end costs, so it adds
 * nothing either way. Only devices with idle CPU (instructions/s, from the devmodel plugin) for the whole
 * group are considered: the paper's scaling factor Perf(dst, src) is implicit, since a group's demand is
 * counted in instructions, which are the same on every device. Groups in backoff are skipped. */
#ifndef MIGRATION_SELECTOR_H
#define MIGRATION_SELECTOR_H

#include <stdbool.h>
#include <stdint.h>

#define SEL_MAX_THREADS 64
#define SEL_MAX_LOCKS   32
#define SEL_MAX_DEVICES 17          /* indices 1..16 */

struct sel_thread {
    uint32_t slot;                  /* the caller's name for it (spawn slot) */
    bool in_backoff;                /* recently moved: its group is not a candidate */
    uint32_t barred_dests;          /* bit d: its placement hints keep it off device d (so its group too) */
    double insns_per_s;             /* CPU demand */
    double runnable;                /* share of the window it ran or waited for a core (0..1) */
    uint64_t lock_id[SEL_MAX_LOCKS];
    double acquires_per_s[SEL_MAX_LOCKS], bytes_per_s[SEL_MAX_LOCKS];
    double home_acquires_per_s, home_bytes_per_s;           /* DSM traffic with the master */
    double io_requests_per_s[SEL_MAX_DEVICES], io_bytes_per_s[SEL_MAX_DEVICES];
};

struct sel_input {
    uint32_t self, master, ndev;
    double d_thre_Bps;              /* group merge threshold (D_thre) */
    double d_thre_link_share;       /* at most this share of the fastest link's rate (0: D_thre alone) */
    double min_gain;                /* seconds per second below which nothing moves */
    bool present[SEL_MAX_DEVICES];
    double idle_insns_per_s[SEL_MAX_DEVICES];
    double core_ips[SEL_MAX_DEVICES];   /* instructions per second of one core (0: unknown) */
    double rtt_s[SEL_MAX_DEVICES], bw_Bps[SEL_MAX_DEVICES];  /* from self; bw 0 = unknown */
    uint32_t nthreads;
    struct sel_thread thread[SEL_MAX_THREADS];
};

struct sel_result {
    uint32_t ngroups;
    uint32_t group_of[SEL_MAX_THREADS];     /* group index of each input thread */
    uint64_t victims;                       /* bit i: input thread i moves */
    uint32_t dest;                          /* 0: nothing worth moving */
    double gain, t_ct, t_dt;
};

/* Forward or move, for one large transfer from a file on another device (DynaMix 5.3, Table 1): sending the
 * bytes costs their time at the link's rate plus a round trip per forwarded chunk; moving the reading thread
 * to the file's device costs move_s (what its moves have cost so far). The thread moves when forwarding
 * would cost more than margin x move_s. Unknown links (bw 0) never look cheaper to leave. */
struct sel_transfer {
    double bytes, chunk_bytes;      /* the read, and the most one forwarded request carries */
    double rtt_s, bw_Bps;           /* to the file's device */
    double move_s, margin;
};
struct sel_transfer_cost {
    double forward_s, move_s;
    bool move;
};
void sel_transfer_choice(const struct sel_transfer *in, struct sel_transfer_cost *out);

/* The group merge threshold in bytes per second (see above); fill_links must have run (bw_Bps). */
double sel_merge_threshold(const struct sel_input *in);

/* Runs Algorithm 1. Always fills the groups; dest = 0 when no move gains more than min_gain. */
void sel_choose(const struct sel_input *in, struct sel_result *out);

/* CPU contention (DynaMix 4.1.3: the cores are busy, and threads wait for them rather than for the network): a
 * thread's wait is the share of the window it was runnable but not running, runnable - insns_per_s / core_ips[self].
 * Moving group G to dst gives each of its threads up to a core of dst (the paper's scaling factor: core_ips[dst] /
 * core_ips[self]), so G gains, in seconds of this device's core per second,
 *   T_cpu = sum over i in G of min(runnable_i, Perf(dst, self)) - insns_per_s_i / core_ips[self]
 * when dst has idle CPU for what G would run there; the move's network gain (T_ct + T_dt, usually a loss: the group
 * leaves its data) is added. The group with the largest total above min_gain moves; gain holds the total and t_ct,
 * t_dt the network part. A device with no measured idle CPU or core rate is not a destination. */
double sel_cpu_wait(const struct sel_input *in, const struct sel_thread *t);
void sel_choose_cpu(const struct sel_input *in, struct sel_result *out);

#endif
