/* peer_link_watch.h: is the link to the master turning bad? (DynaMix 4.2.4: "the heartbeat communicator also
 * detects unstable devices by monitoring the connectivity (e.g., the number of packet drops)".) Over TCP a
 * dropped packet is not seen, it is resent after a timeout (200 ms of host time at least, so 50 ms of emulated
 * time at tdf 4) or a fast retransmit, so it shows as heartbeats whose
 * echo comes back late (and those behind it, held until it is resent). The watch keeps the best round trip
 * seen and calls the link unstable when at least LINK_WATCH_LATE of the last LINK_WATCH_WINDOW samples were
 * above max(3 x best, best + 15 ms), and stable again when at most one was. Pure; the caller serialises calls. */
#ifndef PEER_LINK_WATCH_H
#define PEER_LINK_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#define LINK_WATCH_WINDOW 10
#define LINK_WATCH_LATE   3

struct link_watch {
    uint64_t best_ns;           /* 0 until the first sample */
    uint32_t late;              /* bit i: sample i back was above the bar (LINK_WATCH_WINDOW bits) */
    uint32_t samples;
    bool unstable;
};

/* A round trip, or how late an echo that has not come back is. True exactly when the link has just turned
 * unstable. */
bool link_watch_sample(struct link_watch *w, uint64_t rtt_ns);
/* The bar a sample must stay under (0 before the first sample). */
uint64_t link_watch_bar_ns(const struct link_watch *w);

#endif
