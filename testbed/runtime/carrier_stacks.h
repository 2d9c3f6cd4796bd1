/* carrier_stacks.h: the host threads that carry app threads (pthread_spawn.c) run on a stack at a fixed address
 * per spawn slot, the same on every device. glibc puts a thread's descriptor and static TLS at the top of a stack
 * it is given, so the carrier of slot k has the same thread pointer wherever the app thread of slot k runs, and
 * the app's thread-local variables keep their addresses across a migration (thread_tls.h).
 *
 * A slot's stack serves one carrier at a time: a carrier that the slot's thread left (or that ended it) is joined
 * before the next one starts there, which is at once, since it only posts the thread on and returns. */
#ifndef CARRIER_STACKS_H
#define CARRIER_STACKS_H

#include <stdbool.h>
#include <stdint.h>

#define CARRIER_STACKS_BASE  0x1F0000000000ull   /* below the DSM region (dsm_region.h) */
#define CARRIER_STACK_SIZE   (1u << 20)     /* with CARRIER_GUARD at its bottom */
#define CARRIER_GUARD        (64u << 10)

/* Start fn(arg) as slot's carrier, on the slot's stack when fixed is set and the stacks could be mapped here (else,
 * and said once, on a stack libc picks). Returns 0, or pthread_create's error number. */
int carrier_start(uint32_t slot, void *(*fn)(void *), void *arg, bool fixed);

#endif
