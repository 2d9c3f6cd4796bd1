/* offload_cost.h: CloneCloud's cost model (paper 001, §3.2-3.3) for placing one thread, as the offload policy
 * uses it (offload_policy.c). Pure computation over one profile, so it can be tested natively.
 *
 * CloneCloud profiles an execution on each location and picks the partition with the least
 *   C = Comp + Migr:  Comp = the execution time of each part where it runs, Migr = per migration a suspend/resume
 *   cost plus the captured state's size times a per-byte transfer cost.
 * Here the unit is a thread and the locations are the run's devices. The thread is profiled once, on its device
 * (self), and its time elsewhere is derived from what the devmodel plugin models there, as CloneCloud's footnote 2
 * allows ("estimate this per-byte cost from memory, processor, and storage speeds, as well as network latency and
 * bandwidth"). For a horizon H of the thread's future, assumed to repeat the profiled window W (k = H / W), the
 * cost of running it on device l is, in seconds:
 *   compute(l) = k x insns / (ips(l) x min(1, cores free for it on l))   (self: the idle cores plus its own use)
 *   comm(l)    = k x [ sum over devices d != l of io_requests(d) x RTT(l,d) + io_bytes(d) / BW(l,d)
 *                      + (l != master) x (lock_acquires x 1.5 RTT(l,master) + dsm_bytes / BW(l,master)) ]
 *                (a forwarded request costs a round trip, a global lock three hops, as migration_selector.h)
 *   migrate(l) = (l != self) x (2 RTT(self,l) + (stack_bytes + working set, unless already carried) / BW(self,l))
 *                (the destination takes the control lock and fetches the live stack: two round trips)
 *   other      = k x (W - the profile's compute time on self - its network stall): sleeping, blocking, the same
 *                anywhere
 *   total(l)   = compute(l) + comm(l) + migrate(l) + other
 * RTT and BW are estimates from self. A pair without self (l and d both elsewhere) is taken to cost what self's
 * link to the far end costs. A device is a candidate when its speed, free cores and link are known; self always
 * is. The choice is the candidate with the smallest total; a tie stays. */
#ifndef OFFLOAD_COST_H
#define OFFLOAD_COST_H

#include <stdbool.h>
#include <stdint.h>

#define OFFLOAD_MAX_DEVICES 17      /* indices 1..16 */
#define OFFLOAD_MIN_FREE_CORES 0.05 /* a device with less free CPU than this cannot take a thread */

struct offload_device {
    bool present;
    double ips;                     /* per core, instructions per emulated second (0: unknown) */
    double idle_cores;              /* free over the profile (< 0: unknown) */
    double rtt_s, bw_Bps;           /* the link from self (< 0 / 0: unknown); unused for self */
};

/* One thread over its profile window on self. */
struct offload_profile {
    double window_s;
    double insns;
    double stall_s;                 /* network stall: DSM fetches, lock grants, forwarded I/O */
    double lock_acquires;           /* global lock acquires */
    double dsm_bytes;               /* bytes written in its critical sections + page/diff bytes its faults fetched */
    double io_requests[OFFLOAD_MAX_DEVICES], io_bytes[OFFLOAD_MAX_DEVICES];    /* served on each device, self too */
    double stack_bytes;             /* its own state a migration carries (the live stack) */
};

struct offload_input {
    uint32_t self, master, ndev;
    double horizon_s;
    double working_set_bytes;       /* pages written on self recently: the first thread to a device takes them */
    bool carried[OFFLOAD_MAX_DEVICES];  /* a thread already goes there with the working set */
    struct offload_device dev[OFFLOAD_MAX_DEVICES];
};

struct offload_cost {
    bool candidate;
    double compute_s, comm_s, migrate_s, other_s, total_s;
};

/* The share of one core the thread used on self over its window (0 when self's speed is unknown). */
double offload_core_share(const struct offload_input *in, const struct offload_profile *p);
/* Fills cost[1..ndev] and returns the device with the smallest total: self to stay, or 0 when self's speed is
 * unknown (nothing can be compared). */
uint32_t offload_choose(const struct offload_input *in, const struct offload_profile *p,
                        struct offload_cost cost[OFFLOAD_MAX_DEVICES]);

#endif
