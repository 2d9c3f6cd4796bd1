/* The unstable-link rule of peer_link_watch.h. */
#include "peer_link_watch.h"

uint64_t link_watch_bar_ns(const struct link_watch *w)
{
    uint64_t times = 3 * w->best_ns, plus = w->best_ns + 15000000ull;
    return w->best_ns ? (times > plus ? times : plus) : 0;
}

bool link_watch_sample(struct link_watch *w, uint64_t rtt_ns)
{
    if (rtt_ns == 0)
        return false;
    if (!w->best_ns || rtt_ns < w->best_ns)
        w->best_ns = rtt_ns;
    w->late = ((w->late << 1) | (rtt_ns > link_watch_bar_ns(w))) & ((1u << LINK_WATCH_WINDOW) - 1);
    w->samples++;
    int late = __builtin_popcount(w->late);
    if (late >= LINK_WATCH_LATE && !w->unstable) {
        w->unstable = true;
        return true;
    }
    if (late <= 1 && w->samples >= LINK_WATCH_WINDOW)
        w->unstable = false;
    return false;
}
