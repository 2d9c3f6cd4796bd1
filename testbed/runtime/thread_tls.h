/* thread_tls.h: an app thread's thread-local variables move with it.
 *
 * An app thread is carried by a host thread of whichever device it runs on (pthread_spawn.c), and its
 * `__thread` / `_Thread_local` variables are that host thread's: the executable's block of static TLS, at a fixed
 * offset from the thread pointer. A migration saves the block on the thread's shared stack as it leaves and loads
 * it into the new host thread's block as it arrives (migrate_out). Since every carrier of a spawn slot has the
 * same thread pointer on every device (carrier_stacks.h), the variables also keep their addresses: code that keeps
 * one's address, or the thread pointer itself, in a register across a call (gcc hoists `mrs tpidr_el0` out of
 * loops) still finds them.
 *
 * libdmx is linked into the executable, so its own thread-local variables are in that block too. Most of them
 * belong to the host thread (which carrier this is, its place in a checkpoint cut): those are declared with
 * DMX_HOST_THREAD_LOCAL and a load leaves them alone. The others (a pthread_create hint, placement hints not yet
 * used) are the app thread's and move with it. Only the executable's block moves: shared libraries' variables
 * are the new host thread's, except libc's errno, which libdmx carries itself (thread_errno_set). */
#ifndef THREAD_TLS_H
#define THREAD_TLS_H

#include <stddef.h>

/* Bytes a saved block takes (0: the executable has no thread-local variables, or they could not be found). */
size_t thread_tls_size(void);
/* Copy the calling thread's block to image (thread_tls_size() bytes). */
void thread_tls_save(void *image);
/* Copy image into the calling thread's block, except the host thread's own variables. Async-signal-safe; never
 * writes the host thread's variables, so a signal handler that reads them meanwhile sees them whole. */
void thread_tls_load(const void *image);
/* The calling thread's thread pointer, read afresh (never a value the compiler kept from before a switch). */
void *thread_tls_pointer(void);
/* Registers var (a thread-local variable of the executable, len bytes) as the host thread's. Called before main()
 * by DMX_HOST_THREAD_LOCAL; offsets in the block are the same in every thread. */
void thread_tls_keep(const void *var, size_t len);

/* errno is libc's thread-local variable, so it stays with the host thread when an app thread moves, and libdmx's own
 * work inside an app's call (a poll, a futex, a socket read) may set it. So libdmx's locks, waits and moves save
 * the app's errno on entry and set it back on the way out with this, which is never inlined: __errno_location is
 * a const function, and gcc may keep its result, the errno of the host thread from before a move. */
void thread_errno_set(int value);

/* A libdmx thread-local variable that belongs to the host thread, not to the app thread it carries. Registered by a
 * constructor that runs before thread_takeover.c's (150), which starts libdmx's threads, and long before
 * worker_role.c's (65000), which never returns on a worker. */
#define DMX_HOST_THREAD_LOCAL(type, name, init)                                                                   \
    static __thread type name = init;                                                                              \
    __attribute__((constructor(110))) static void keep_host_local_##name(void)                                    \
    {                                                                                                              \
        thread_tls_keep(&name, sizeof(name));                                                                      \
    }

#endif
