/* Algorithm 1 (see migration_selector.h). */
#include "migration_selector.h"

#include <string.h>

/* Bytes per second threads a and b exchange through locks they both take, and their shared acquires. */
static void pair_traffic(const struct sel_thread *a, const struct sel_thread *b, double *bytes, double *acquires)
{
    *bytes = *acquires = 0;
    for (int i = 0; i < SEL_MAX_LOCKS; i++)
        for (int j = 0; a->lock_id[i] && j < SEL_MAX_LOCKS; j++)
            if (a->lock_id[i] == b->lock_id[j]) {
                *bytes += a->bytes_per_s[i] + b->bytes_per_s[j];
                *acquires += a->acquires_per_s[i] < b->acquires_per_s[j] ? a->acquires_per_s[i] : b->acquires_per_s[j];
            }
}

static double group_traffic(const struct sel_input *in, const uint32_t *group_of, uint32_t g1, uint32_t g2)
{
    double sum = 0, bytes, acquires;
    for (uint32_t i = 0; i < in->nthreads; i++)
        for (uint32_t j = 0; j < in->nthreads; j++)
            if (group_of[i] == g1 && group_of[j] == g2) {
                pair_traffic(&in->thread[i], &in->thread[j], &bytes, &acquires);
                sum += bytes;
            }
    return sum;
}

/* The merge threshold: d_thre_Bps, or d_thre_link_share of the fastest known link from here when that is less.
 * A pair whose exchange fills that share of the best link would choke any link it is split across, and on a
 * slow link the exchange a pair can show is already capped by the link (the home theater at 10 Mbit/s: the
 * decoder and the player hand each other 1.2 MB/s, all the frames the screen's link lets through). */
double sel_merge_threshold(const struct sel_input *in)
{
    double fastest = 0;
    for (uint32_t d = 1; d <= in->ndev && d < SEL_MAX_DEVICES; d++)
        if (d != in->self && in->present[d] && in->bw_Bps[d] > fastest)
            fastest = in->bw_Bps[d];
    double cap = in->d_thre_link_share * fastest;
    return cap > 0 && cap < in->d_thre_Bps ? cap : in->d_thre_Bps;
}

/* Merge communicating groups until nothing changes; then number the groups 0..n-1. */
static uint32_t build_groups(const struct sel_input *in, uint32_t *group_of)
{
    double threshold = sel_merge_threshold(in);
    for (uint32_t i = 0; i < in->nthreads; i++)
        group_of[i] = i;
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t g1 = 0; g1 < in->nthreads && !changed; g1++)
            for (uint32_t g2 = g1 + 1; g2 < in->nthreads && !changed; g2++)
                if (group_traffic(in, group_of, g1, g2) > threshold) {
                    for (uint32_t i = 0; i < in->nthreads; i++)
                        if (group_of[i] == g2)
                            group_of[i] = g1;
                    changed = true;
                }
    }
    uint32_t renumber[SEL_MAX_THREADS], n = 0;
    for (uint32_t i = 0; i < SEL_MAX_THREADS; i++)
        renumber[i] = UINT32_MAX;
    for (uint32_t i = 0; i < in->nthreads; i++) {
        if (renumber[group_of[i]] == UINT32_MAX)
            renumber[group_of[i]] = n++;
        group_of[i] = renumber[group_of[i]];
    }
    return n;
}

/* Round trip and inverse bandwidth between devices a and b, seen from self (see the header). */
static void pair_link(const struct sel_input *in, uint32_t a, uint32_t b, double *rtt, double *inv_bw)
{
    *rtt = *inv_bw = 0;
    if (a == b)
        return;
    uint32_t far = a == in->self ? b : b == in->self ? a : b;     /* b is the fixed end (master, resource) */
    *rtt = in->rtt_s[far];
    *inv_bw = in->bw_Bps[far] > 0 ? 1.0 / in->bw_Bps[far] : 0;
}

/* Gain of moving thread t (of group g) to dst: control (*ct) and data (*dt) seconds per second. */
static void thread_gain(const struct sel_input *in, const uint32_t *group_of, uint32_t t, uint32_t dst,
                        double *ct, double *dt)
{
    const struct sel_thread *th = &in->thread[t];
    double rtt_new, ibw_new, rtt_old, ibw_old;
    pair_link(in, dst, in->self, &rtt_new, &ibw_new);
    for (uint32_t j = 0; j < in->nthreads; j++) {
        if (group_of[j] == group_of[t])
            continue;
        double bytes, acquires;
        pair_traffic(th, &in->thread[j], &bytes, &acquires);
        *ct -= acquires * 1.5 * rtt_new;
        *dt -= bytes * ibw_new;
    }
    pair_link(in, in->self, in->master, &rtt_old, &ibw_old);
    pair_link(in, dst, in->master, &rtt_new, &ibw_new);
    *ct += th->home_acquires_per_s * 1.5 * (rtt_old - rtt_new);
    *dt += th->home_bytes_per_s * (ibw_old - ibw_new);
    for (uint32_t d = 1; d < SEL_MAX_DEVICES; d++) {
        if (th->io_requests_per_s[d] == 0 && th->io_bytes_per_s[d] == 0)
            continue;
        pair_link(in, in->self, d, &rtt_old, &ibw_old);
        pair_link(in, dst, d, &rtt_new, &ibw_new);
        *ct += th->io_requests_per_s[d] * (rtt_old - rtt_new);
        *dt += th->io_bytes_per_s[d] * (ibw_old - ibw_new);
    }
}

static bool group_fits(const struct sel_input *in, const uint32_t *group_of, uint32_t g, uint32_t dst)
{
    double demand = 0;
    for (uint32_t i = 0; i < in->nthreads; i++)
        if (group_of[i] == g) {
            if (in->thread[i].in_backoff || (dst < 32 && (in->thread[i].barred_dests >> dst & 1)))
                return false;
            demand += in->thread[i].insns_per_s;
        }
    return in->present[dst] && in->idle_insns_per_s[dst] >= demand;
}

double sel_cpu_wait(const struct sel_input *in, const struct sel_thread *t)
{
    double core = in->core_ips[in->self];
    double wait = core > 0 ? t->runnable - t->insns_per_s / core : 0;
    return wait > 0 ? wait : 0;
}

/* What group g would gain in CPU on dst (seconds of self's core per second), or a negative number if it does not
 * fit in dst's idle CPU or may not go there. */
static double group_cpu_gain(const struct sel_input *in, const uint32_t *group_of, uint32_t g, uint32_t dst)
{
    double self_core = in->core_ips[in->self], perf = in->core_ips[dst] / self_core, gain = 0, need = 0;
    if (!in->present[dst] || in->core_ips[dst] <= 0 || self_core <= 0)
        return -1;
    for (uint32_t i = 0; i < in->nthreads; i++) {
        const struct sel_thread *t = &in->thread[i];
        if (group_of[i] != g)
            continue;
        if (t->in_backoff || (dst < 32 && (t->barred_dests >> dst & 1)))
            return -1;
        double gets = t->runnable < perf ? t->runnable : perf;     /* of self's core, per second, on dst */
        gain += gets - t->insns_per_s / self_core;
        need += gets * self_core;
    }
    return in->idle_insns_per_s[dst] >= need ? gain : -1;
}

/* The best group and destination by network gain, plus (for_cpu) the CPU gain that makes a destination eligible. */
static void choose(const struct sel_input *in, struct sel_result *out, bool for_cpu)
{
    memset(out, 0, sizeof(*out));
    if (in->nthreads == 0 || in->nthreads > SEL_MAX_THREADS)
        return;
    out->ngroups = build_groups(in, out->group_of);
    out->gain = in->min_gain;
    for (uint32_t g = 0; g < out->ngroups; g++)
        for (uint32_t dst = 1; dst <= in->ndev && dst < SEL_MAX_DEVICES; dst++) {
            double cpu = 0;
            if (dst == in->self)
                continue;
            if (for_cpu ? (cpu = group_cpu_gain(in, out->group_of, g, dst)) <= 0
                        : !group_fits(in, out->group_of, g, dst))
                continue;
            double ct = 0, dt = 0;
            for (uint32_t t = 0; t < in->nthreads; t++)
                if (out->group_of[t] == g)
                    thread_gain(in, out->group_of, t, dst, &ct, &dt);
            if (cpu + ct + dt > out->gain) {
                out->gain = cpu + ct + dt;
                out->t_ct = ct;
                out->t_dt = dt;
                out->dest = dst;
                out->victims = 0;
                for (uint32_t t = 0; t < in->nthreads; t++)
                    if (out->group_of[t] == g)
                        out->victims |= 1ull << t;
            }
        }
    if (!out->dest)
        out->gain = 0;
}

void sel_choose(const struct sel_input *in, struct sel_result *out)
{
    choose(in, out, false);
}

void sel_choose_cpu(const struct sel_input *in, struct sel_result *out)
{
    choose(in, out, true);
}

void sel_transfer_choice(const struct sel_transfer *in, struct sel_transfer_cost *out)
{
    double chunks = in->chunk_bytes > 0 ? (double)(uint64_t)((in->bytes + in->chunk_bytes - 1) / in->chunk_bytes) : 1;
    out->move_s = in->move_s;
    out->forward_s = in->bw_Bps > 0 ? in->bytes / in->bw_Bps + chunks * in->rtt_s : 0;
    out->move = in->bw_Bps > 0 && out->forward_s > in->margin * in->move_s;
}
