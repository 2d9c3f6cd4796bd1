/* link_estimate.h: round-trip time and bandwidth from this device to each other device, learned from the
 * traffic the run really sends (DynaMix 4.2.4 takes them from heartbeats; here every forwarded I/O request
 * and every DSM round trip is a probe). A small message's network time is a round trip; a large one's is a
 * round trip plus its bytes at the link's rate, so bandwidth = bytes / (network time - RTT). */
#ifndef LINK_ESTIMATE_H
#define LINK_ESTIMATE_H

#include <stdbool.h>
#include <stdint.h>

#define LINK_SMALL_BYTES 2048u      /* at most this: the time is (nearly) all round trip */
#define LINK_LARGE_BYTES 65536u     /* at least this: enough bytes to see the rate */

/* A message exchange with device dev that moved bytes (both ways) and took net_ns of network time. */
void link_estimate_note(uint32_t dev, uint64_t bytes, uint64_t net_ns);
/* The estimates for dev: false until at least a round trip or a large transfer was seen. *bw_Bps is 0 while
 * unknown. */
bool link_estimate_get(uint32_t dev, double *rtt_s, double *bw_Bps);

#endif
