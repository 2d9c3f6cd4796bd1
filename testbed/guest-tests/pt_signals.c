/* pt_signals: an unmodified pthread program that sets signal actions in main, as a program with a crash reporter,
 * a guard-page allocator or a socket writer does. main installs a SIGSEGV handler with signal() and replaces it
 * with sigaction(), checking that each call returns the handler before it, and ignores SIGPIPE. NTHREADS threads
 * then add to a global counter under a mutex, ITERS times each, and each writes once to a pipe whose reader has
 * gone: with SIGPIPE ignored, the write must fail with EPIPE. A thread whose id is 3 mod 4 blocks every signal
 * first, as pool threads often do; every other thread touches a guard page of its own (PROT_NONE, outside
 * shared memory) once, and the program's handler must see that fault and jump back. Once every thread runs (a
 * barrier), main sets a SIGTRAP handler and lets them go on through a second barrier; each waits (up to 10 s)
 * until sigaction reports that handler where it runs, then raises SIGTRAP, which must reach it rather than kill
 * the thread's device. On any number of devices it prints
 *   counter=<NTHREADS*ITERS> caught=<threads with a guard page> epipe=<NTHREADS> trapped=<the same> ok
 * On stderr: the device each thread ran on, and whether the system let it handle SIGRTMIN+6 (libdmx keeps that
 * one for checkpoints).
 * Usage: pt_signals [NTHREADS [ITERS]] */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter, caught, epipe, trapped;
static long iters = 200;
static pthread_barrier_t started, late;     /* every thread runs; main's SIGTRAP handler is set */
static _Thread_local volatile sig_atomic_t trap_seen;

struct job { int id, device; char *guard; sigjmp_buf back; };
static struct job jobs[64];
static _Thread_local struct job *current;

static void on_guard_fault(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    if (current && info->si_addr == current->guard)
        siglongjmp(current->back, 1);
    signal(sig, SIG_DFL);       /* a real crash: let it kill us */
}

static void on_first_handler(int sig)
{
    (void)sig;
}

static void on_trap(int sig)
{
    (void)sig;
    trap_seen = 1;
}

/* An action main set after the threads started reaches other devices a poll later (app_signals.c). */
static void wait_for_trap_handler(void)
{
    struct sigaction now;
    struct timespec tick = { 0, 10000000L };
    for (int i = 0; i < 1000; i++) {
        if (sigaction(SIGTRAP, NULL, &now) == 0 && now.sa_handler == on_trap)
            return;
        nanosleep(&tick, NULL);
    }
    fprintf(stderr, "pt_signals: the SIGTRAP handler did not arrive in 10 s\n");
}

/* A thread that blocks every signal keeps SIGTRAP pending: it counts only where it is delivered. */
static void raise_trap(void)
{
    wait_for_trap_handler();
    raise(SIGTRAP);
    if (trap_seen) {
        pthread_mutex_lock(&lock);
        trapped++;
        pthread_mutex_unlock(&lock);
    }
}

static void touch_guard(struct job *j)
{
    current = j;
    if (sigsetjmp(j->back, 1) == 0) {
        *(volatile char *)j->guard = 1;
        fprintf(stderr, "pt_signals: thread %d wrote its guard page\n", j->id);
        return;
    }
    pthread_mutex_lock(&lock);
    caught++;
    pthread_mutex_unlock(&lock);
}

static bool blocks_signals(int id)
{
    return id % 4 == 3;
}

static void write_to_closed_pipe(void)
{
    int p[2];
    if (pipe(p) != 0)
        return;
    close(p[0]);
    if (write(p[1], "x", 1) < 0 && errno == EPIPE) {
        pthread_mutex_lock(&lock);
        epipe++;
        pthread_mutex_unlock(&lock);
    }
    close(p[1]);
}

static void *work(void *arg)
{
    struct job *j = arg;
    const char *dev = getenv("DMX_DEVICE_INDEX");
    j->device = dev ? atoi(dev) : 1;
    pthread_barrier_wait(&started);
    if (blocks_signals(j->id)) {
        sigset_t all;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, NULL);
    }
    j->guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (j->guard == MAP_FAILED)
        return NULL;
    for (long i = 0; i < iters; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        if (i == iters / 2 && !blocks_signals(j->id))
            touch_guard(j);
    }
    write_to_closed_pipe();
    pthread_barrier_wait(&late);
    if (!blocks_signals(j->id))
        raise_trap();
    return j;
}

/* The handler each call replaced must be the one set before it. */
static int install_handlers(void)
{
    if (signal(SIGSEGV, on_first_handler) == SIG_ERR || signal(SIGSEGV, SIG_DFL) != on_first_handler) {
        fprintf(stderr, "pt_signals: signal() did not return the previous handler\n");
        return -1;
    }
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_guard_fault;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &old) != 0 || old.sa_handler != SIG_DFL ||
        sigaction(SIGSEGV, NULL, &old) != 0 || old.sa_sigaction != on_guard_fault) {
        fprintf(stderr, "pt_signals: sigaction() did not return the handler set before\n");
        return -1;
    }
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        return -1;
    struct sigaction rt;
    memset(&rt, 0, sizeof(rt));
    rt.sa_handler = on_first_handler;
    if (sigaction(SIGRTMIN + 6, &rt, NULL) == 0)
        fprintf(stderr, "pt_signals: SIGRTMIN+6 handler installed\n");
    else
        fprintf(stderr, "pt_signals: SIGRTMIN+6 handler refused (%s)\n", strerror(errno));
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2;
    if (argc > 2)
        iters = atol(argv[2]);
    if (n < 1 || n > 64 || iters < 1 || install_handlers() != 0 ||
        pthread_barrier_init(&started, NULL, (unsigned)n + 1) != 0 ||
        pthread_barrier_init(&late, NULL, (unsigned)n + 1) != 0)
        return 2;
    pthread_t th[64];
    for (int i = 0; i < n; i++) {
        jobs[i].id = i;
        if (pthread_create(&th[i], NULL, work, &jobs[i]) != 0)
            return 1;
    }
    pthread_barrier_wait(&started);
    if (signal(SIGTRAP, on_trap) == SIG_ERR)
        return 2;
    pthread_barrier_wait(&late);
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        fprintf(stderr, "pt_signals: thread %d ran on device %d\n", i, jobs[i].device);
    }
    int guarded = 0;
    for (int i = 0; i < n; i++)
        guarded += !blocks_signals(i);
    pthread_mutex_lock(&lock);
    int ok = counter == n * iters && caught == guarded && epipe == n && trapped == guarded;
    printf("counter=%ld caught=%ld epipe=%ld trapped=%ld %s\n", counter, caught, epipe, trapped, ok ? "ok" : "WRONG");
    pthread_mutex_unlock(&lock);
    return ok ? 0 : 1;
}
