/* tap_stamp.h: when each frame entered a TAP device (its transmit into the TAP, i.e. the moment the sender's
 * kernel handed it to the link), recorded by a small eBPF socket filter attached with TUNSETFILTEREBPF into an
 * mmap-able array the medium reads without a syscall. The medium reads a frame only after waking up, which on a
 * loaded VM host takes 50-300 µs; measuring a link's delay from this timestamp instead of the read keeps that
 * wake-up inside the configured delay (as in the kernel's netem, whose clock starts at enqueue), instead of
 * adding it on top. Needs CAP_BPF/CAP_NET_ADMIN (root); without it the medium falls back to read time. */
#pragma once
#include <glib.h>

typedef struct TapStamp TapStamp;

/* Attaches the filter to the TAP behind fd. NULL (with error) if the fd is no TAP or BPF is not permitted. */
TapStamp *tap_stamp_attach(int tap_fd, GError **error);
/* The CLOCK_MONOTONIC ns at which the next frame read from the TAP (of `len` bytes) was transmitted into it.
 * Frames must be looked up in read order; FALSE when no matching record is found (e.g. the ring overflowed). */
gboolean tap_stamp_lookup(TapStamp *ts, guint32 len, guint64 *t_ns);
void tap_stamp_free(TapStamp *ts);
