/* main_stack: main() runs on a stack in the shared region, so what it keeps there is shared memory too.
 *
 * Programs hand their threads pointers into main()'s frame all the time: a pthread_create argument, an array
 * of per-thread arguments or results, a frame pool. On a multi-device run the threads that read them may run
 * on another device, where a private stack would be another device's memory. dmx-cc links with
 * -Wl,--wrap=main, so crt1's call of main() comes here first: on the master of an active run, main() is
 * started on a block of the shared heap (the same address on every device) through makecontext/swapcontext,
 * as pthread_spawn.c starts every app thread.
 *
 * Its pages are pinned on the master (writable and twinned: the kernel may write into them, and they do not
 * fault after every release) and published (dsm_region_publish_pinned): each release announces the pages
 * main() changed, so a thread that acquires after it sees them, wherever it runs. main() itself never moves.
 *
 * Off with DMX_SHARED_STACKS=0 (threads keep private stacks then too), on one device, and on workers. The size
 * is the stack rlimit's (8 MiB when unlimited or larger). DMX_SHARED_MAIN_STACK=0 turns off this part alone. */
#include "dmx.h"
#include "dsm_diff.h"
#include "dsm_region.h"
#include "thread_takeover.h"
#include "wire_conn.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <ucontext.h>

#define MAIN_STACK_MAX      (8u << 20)
#define MAIN_STACK_MIN      (256u << 10)
#define MAIN_STACK_EAGER    (64u << 10)     /* writable from the start: no fault for main()'s first frames */
#define MAIN_ALTSTACK_SIZE  (64u << 10)     /* a fault on the shared stack is handled off it */

/* --wrap=main: the app's main. Weak, so libdmx links into a program built without dmx-cc's flags too. */
extern int __real_main(int argc, char **argv, char **envp) __attribute__((weak));

static struct {
    int argc;
    char **argv, **envp;
    int status;
    ucontext_t caller, shared;
} main_run;

static bool wanted(void)
{
    const char *own = getenv("DMX_SHARED_MAIN_STACK");
    return dmx_takeover.active && dmx_takeover.runs_main && dmx_shared_stacks() && !(own && strcmp(own, "0") == 0);
}

static size_t stack_size(void)
{
    struct rlimit rl;
    size_t n = MAIN_STACK_MAX;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < MAIN_STACK_MAX)
        n = rl.rlim_cur > MAIN_STACK_MIN ? (size_t)rl.rlim_cur : MAIN_STACK_MIN;
    return (n + DSM_PAGE_SIZE - 1) / DSM_PAGE_SIZE * DSM_PAGE_SIZE;
}

static void run_app_main(void)
{
    main_run.status = __real_main(main_run.argc, main_run.argv, main_run.envp);
}

/* The shared stack, pinned and published; NULL (logged) when it cannot be had: main() then runs as before. */
static void *take_shared_stack(size_t size)
{
    struct dsm_region *r = dmx_dsm_region();
    uint8_t *lo = dmx_heap_alloc_shared(size, DSM_PAGE_SIZE);
    if (!lo) {
        wire_log("main stack: no %zu KiB in the shared heap: main() keeps its private stack", size >> 10);
        return NULL;
    }
    uintptr_t hi = (uintptr_t)lo + size;
    if (dsm_region_pin(r, (uintptr_t)lo, hi, hi - MAIN_STACK_EAGER) != 0 ||
        dsm_region_publish_pinned(r, (uintptr_t)lo, hi) != 0) {
        wire_log("main stack: cannot pin %p..%#lx: main() keeps its private stack", (void *)lo, (unsigned long)hi);
        dsm_region_unpin(r, (uintptr_t)lo, hi);
        dmx_heap_free_shared(lo);
        return NULL;
    }
    return lo;
}

static bool use_altstack(void)
{
    stack_t alt = { .ss_sp = malloc(MAIN_ALTSTACK_SIZE), .ss_size = MAIN_ALTSTACK_SIZE, .ss_flags = 0 };
    if (alt.ss_sp && sigaltstack(&alt, NULL) == 0)
        return true;
    free(alt.ss_sp);
    wire_log("main stack: no signal stack for main(): it keeps its private stack");
    return false;
}

int __wrap_main(int argc, char **argv, char **envp)
{
    if (!wanted() || !use_altstack())
        return __real_main(argc, argv, envp);
    size_t size = stack_size();
    void *stack = take_shared_stack(size);
    if (!stack)
        return __real_main(argc, argv, envp);
    main_run.argc = argc;
    main_run.argv = argv;
    main_run.envp = envp;
    if (getcontext(&main_run.shared) != 0) {
        wire_log("main stack: getcontext failed: main() keeps its private stack");
        return __real_main(argc, argv, envp);
    }
    main_run.shared.uc_stack.ss_sp = stack;
    main_run.shared.uc_stack.ss_size = size;
    main_run.shared.uc_link = &main_run.caller;
    makecontext(&main_run.shared, run_app_main, 0);
    if (swapcontext(&main_run.caller, &main_run.shared) != 0) {
        wire_log("main stack: swapcontext failed: main() keeps its private stack");
        return __real_main(argc, argv, envp);
    }
    /* Back on the private stack: exit() and the atexit handlers (the run's shutdown) run here. */
    return main_run.status;
}
