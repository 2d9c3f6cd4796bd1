/* CloneCloud's cost model for one thread (see offload_cost.h). */
#include "offload_cost.h"

#include <string.h>

#define LOCK_HOPS_RTT 1.5           /* request to the master, grant, and the holder's hand-over: three hops */
#define MIGRATION_ROUND_TRIPS 2.0   /* the control lock's grant, then the live stack's batched fetch */

static double min_d(double a, double b) { return a < b ? a : b; }

/* The device whose link from self stands for the pair a, b (a != b): the end that is not self, else b. */
static uint32_t far_end(const struct offload_input *in, uint32_t a, uint32_t b)
{
    return a == in->self ? b : b == in->self ? a : b;
}

/* Round-trip time between a and b. A link self knows nothing about costs nothing from anywhere: a candidate's own
 * link is always known, so only traffic with a third device is left out, equally for every candidate. */
static double rtt(const struct offload_input *in, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    double r = in->dev[far_end(in, a, b)].rtt_s;
    return r > 0 ? r : 0;
}

/* Seconds to move bytes between a and b (nothing over an unknown link, as for rtt). */
static double transfer(const struct offload_input *in, uint32_t a, uint32_t b, double bytes)
{
    if (a == b || bytes <= 0)
        return 0;
    double bw = in->dev[far_end(in, a, b)].bw_Bps;
    return bw > 0 ? bytes / bw : 0;
}

static bool link_known(const struct offload_device *d) { return d->rtt_s >= 0 && d->bw_Bps > 0; }

static bool is_candidate(const struct offload_input *in, uint32_t l)
{
    const struct offload_device *d = &in->dev[l];
    if (l == in->self)
        return d->ips > 0;
    return d->present && d->ips > 0 && d->idle_cores >= OFFLOAD_MIN_FREE_CORES && link_known(d);
}

double offload_core_share(const struct offload_input *in, const struct offload_profile *p)
{
    double ips = in->dev[in->self].ips;
    if (ips <= 0 || p->window_s <= 0)
        return 0;
    return min_d(1, p->insns / (p->window_s * ips));
}

/* Seconds of the profiled window's instructions on l, at the speed the thread would get there. */
static double compute_time(const struct offload_input *in, const struct offload_profile *p, uint32_t l)
{
    const struct offload_device *d = &in->dev[l];
    double free_cores = d->idle_cores;
    if (l == in->self)      /* its own use is free for it; an unknown idle share leaves it what it got */
        free_cores = (free_cores > 0 ? free_cores : 0) + offload_core_share(in, p);
    double speed = d->ips * min_d(1, free_cores);
    return speed > 0 ? p->insns / speed : 0;
}

/* Seconds of network time the thread's I/O and DSM traffic over the window would cost from l. */
static double comm_time(const struct offload_input *in, const struct offload_profile *p, uint32_t l)
{
    double t = 0;
    for (uint32_t d = 1; d <= in->ndev && d < OFFLOAD_MAX_DEVICES; d++)
        if (d != l)
            t += p->io_requests[d] * rtt(in, l, d) + transfer(in, l, d, p->io_bytes[d]);
    if (l != in->master)
        t += p->lock_acquires * LOCK_HOPS_RTT * rtt(in, l, in->master) + transfer(in, l, in->master, p->dsm_bytes);
    return t;
}

static double migrate_time(const struct offload_input *in, const struct offload_profile *p, uint32_t l)
{
    if (l == in->self)
        return 0;
    double state = p->stack_bytes + (in->carried[l] ? 0 : in->working_set_bytes);
    return MIGRATION_ROUND_TRIPS * rtt(in, in->self, l) + transfer(in, in->self, l, state);
}

uint32_t offload_choose(const struct offload_input *in, const struct offload_profile *p,
                        struct offload_cost cost[OFFLOAD_MAX_DEVICES])
{
    memset(cost, 0, OFFLOAD_MAX_DEVICES * sizeof *cost);
    if (in->self == 0 || in->self >= OFFLOAD_MAX_DEVICES || !is_candidate(in, in->self) || p->window_s <= 0)
        return 0;
    double k = in->horizon_s / p->window_s;
    double busy_self = compute_time(in, p, in->self);
    double other = p->window_s - busy_self - p->stall_s;
    other = k * (other > 0 ? other : 0);
    uint32_t best = in->self;
    for (uint32_t l = 1; l <= in->ndev && l < OFFLOAD_MAX_DEVICES; l++) {
        struct offload_cost *c = &cost[l];
        if (!is_candidate(in, l))
            continue;
        c->candidate = true;
        c->compute_s = k * compute_time(in, p, l);
        c->comm_s = k * comm_time(in, p, l);
        c->migrate_s = migrate_time(in, p, l);
        c->other_s = other;
        c->total_s = c->compute_s + c->comm_s + c->migrate_s + c->other_s;
    }
    for (uint32_t l = 1; l <= in->ndev && l < OFFLOAD_MAX_DEVICES; l++)
        if (cost[l].candidate && cost[l].total_s < cost[best].total_s)
            best = l;
    return best;
}
