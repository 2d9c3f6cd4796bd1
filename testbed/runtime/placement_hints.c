/* Placement hints (paper 003, Listing 2; dsm_api.h has the interface): what an app may say about where a
 * thread may run, kept in its spawn slot from creation on, and asked before every move (pthread_spawn.c:
 * a policy's request, a random migration, dmx_migrate_self) and by the monitor's selector (barred devices).
 * Round trips are this device's estimates (link_estimate.c): exact while the thread is at home, the closest
 * measure there is when it is elsewhere. */
#include "dsm_api.h"
#include "link_estimate.h"
#include "thread_takeover.h"

static __thread struct dmx_placement_hints pending;     /* the app thread's: moves with it (thread_tls.h) */

void dmx_thread_hints(const struct dmx_placement_hints *hints)
{
    pending = hints ? *hints : (struct dmx_placement_hints){ 0, DMX_PLACE_ANY, DMX_ON_FAILURE_RESUME };
}

void placement_hints_take(uint32_t *latency_bound_us, uint32_t *strategy, uint32_t *on_failure)
{
    *latency_bound_us = pending.latency_bound_us;
    *strategy = pending.strategy == DMX_PLACE_EAGER_REMOTE || pending.strategy == DMX_PLACE_LOCAL
                    ? (uint32_t)pending.strategy : DMX_PLACE_ANY;
    *on_failure = pending.on_failure == DMX_ON_FAILURE_RESTART ? DMX_ON_FAILURE_RESTART : DMX_ON_FAILURE_RESUME;
    pending = (struct dmx_placement_hints){ 0, DMX_PLACE_ANY, DMX_ON_FAILURE_RESUME };
}

/* The round trip to dev in seconds, or a negative number when not measured yet. */
static double measured_rtt(uint32_t dev)
{
    double rtt, bw;
    return link_estimate_get(dev, &rtt, &bw) && rtt > 0 ? rtt : -1;
}

bool placement_move_allowed(uint32_t latency_bound_us, uint32_t strategy, uint32_t home, uint32_t dest)
{
    if (dest == home)
        return true;
    if (strategy == DMX_PLACE_LOCAL)
        return false;
    if (latency_bound_us == 0)
        return true;
    double rtt = measured_rtt(dest);
    return rtt >= 0 && rtt * 1e6 <= latency_bound_us;
}

uint32_t placement_eager_device(uint32_t latency_bound_us)
{
    uint32_t best = 0, self = dmx_takeover.self, ndev = dmx_takeover.ndev;
    double best_rtt = 0;
    for (uint32_t d = 1; d <= ndev; d++) {
        double rtt = measured_rtt(d);
        if (d == self || (latency_bound_us && (rtt < 0 || rtt * 1e6 > latency_bound_us)))
            continue;
        if (rtt >= 0 && (!best || best_rtt < 0 || rtt < best_rtt)) {
            best = d;
            best_rtt = rtt;
        } else if (!best) {
            best = d;           /* nothing measured yet (and no bound): the first other device */
            best_rtt = rtt;
        }
    }
    return best;
}
