/* uplink.h: a NAT station to the host, built on libslirp. The stations reach the host's loopback through it at a
 * fixed address (default 10.77.0.254, which slirp maps to 127.0.0.1) without root, routes or host interfaces.
 *
 * Slirp runs in its own thread with its own poll loop; the medium sees it as one more station whose "TAP" is one
 * end of a SOCK_SEQPACKET socketpair (one Ethernet frame per datagram). So the uplink's frames cross the same
 * per-link netem queues, pcap and counters as any device's. Slirp answers ARP for its address itself. */
#pragma once
#include <glib.h>

#define UPLINK_DEFAULT_ADDR "10.77.0.254"
#define UPLINK_STATION_NAME "uplink"

typedef struct Uplink Uplink;

/* ADDR is the host's address on the devices' network 10.77.0.0/24. *MEDIUM_FD receives the end to `attach`. */
Uplink *uplink_start(const char *addr, int *medium_fd, GError **error);
/* Stops the thread and frees everything (the medium closes its own end). */
void uplink_stop(Uplink *u);
