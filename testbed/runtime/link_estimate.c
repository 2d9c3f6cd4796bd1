/* Per-device link estimates (see link_estimate.h). Exponentially weighted, so a link that changes (a bind
 * to a farther device, a mobility trace) is followed within a few messages. The RTT takes the lower of the
 * sample and the average quickly and rises slowly: queueing behind bulk transfers inflates single samples. */
#include "link_estimate.h"
#include "sync_thread.h"

#include <pthread.h>

struct link_state {
    double rtt_s, bw_Bps;
    bool have_rtt;
};

static struct link_state links[DMX_THREAD_PEERS];
static pthread_mutex_t links_lock = PTHREAD_MUTEX_INITIALIZER;

static void note_rtt(struct link_state *l, double sample)
{
    if (!l->have_rtt || sample < l->rtt_s)
        l->rtt_s = l->have_rtt ? 0.5 * l->rtt_s + 0.5 * sample : sample;
    else
        l->rtt_s = 0.9 * l->rtt_s + 0.1 * sample;
    l->have_rtt = true;
}

static void note_rate(struct link_state *l, uint64_t bytes, double net_s)
{
    double transfer = net_s - l->rtt_s;
    if (transfer <= net_s * 0.05)   /* all round trip: the rate cannot be seen in it */
        return;
    double sample = (double)bytes / transfer;
    l->bw_Bps = l->bw_Bps > 0 ? 0.75 * l->bw_Bps + 0.25 * sample : sample;
}

void link_estimate_note(uint32_t dev, uint64_t bytes, uint64_t net_ns)
{
    if (dev == 0 || dev >= DMX_THREAD_PEERS || net_ns == 0)
        return;
    double net_s = (double)net_ns / 1e9;
    pthread_mutex_lock(&links_lock);
    struct link_state *l = &links[dev];
    if (bytes <= LINK_SMALL_BYTES)
        note_rtt(l, net_s);
    else if (bytes >= LINK_LARGE_BYTES)
        note_rate(l, bytes, net_s);     /* before any RTT sample the whole time counts: a lower bound */
    pthread_mutex_unlock(&links_lock);
}

bool link_estimate_get(uint32_t dev, double *rtt_s, double *bw_Bps)
{
    if (dev == 0 || dev >= DMX_THREAD_PEERS)
        return false;
    pthread_mutex_lock(&links_lock);
    struct link_state l = links[dev];
    pthread_mutex_unlock(&links_lock);
    *rtt_s = l.rtt_s;
    *bw_Bps = l.bw_Bps;
    return l.have_rtt || l.bw_Bps > 0;
}
