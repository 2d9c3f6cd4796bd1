/* pt_tls: an unmodified pthread program that keeps per-thread state in thread-local variables. NTHREADS threads each
 * run ROUNDS rounds; a round adds to a shared counter under a mutex (a safe point, where a thread may move to
 * another device) and then to the thread's own _Thread_local tally, through the variable and through a pointer to
 * it taken once at the start. The loop keeps the thread pointer in a register across the lock calls (gcc hoists
 * `mrs tpidr_el0` out of it), so a thread that moved must find its variables at the same address. errno, libc's
 * thread-local variable, is set before each round's lock calls and free() and must read the same after them
 * (neither may change it, even when the thread moved in between). Prints (the same on any number of devices)
 *   tls threads=<N> rounds=<R> shared=<N*R> tallies_ok=<N> ok
 * and, on stderr, each thread's tallies and the devices it ran on.
 * Usage: pt_tls [NTHREADS [ROUNDS]] */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long shared;

static _Thread_local long tally;
static _Thread_local long tally_by_pointer;
static _Thread_local char name[24] = "unnamed";

struct job { int id; long rounds, tally, by_pointer, errno_lost; unsigned devices; char name[24]; };
static struct job jobs[32];

static unsigned device_bit(void)
{
    const char *dev = getenv("DMX_DEVICE_INDEX");
    int d = dev ? atoi(dev) : 1;
    return d > 0 && d < 32 ? 1u << d : 1u;
}

static void *work(void *arg)
{
    struct job *j = arg;
    snprintf(name, sizeof(name), "thread-%d", j->id);
    long *mine = &tally_by_pointer;
    for (long i = 0; i < j->rounds; i++) {
        errno = 1000 + j->id;
        pthread_mutex_lock(&lock);
        shared++;
        pthread_mutex_unlock(&lock);
        free(malloc(64));
        j->errno_lost += errno != 1000 + j->id;
        tally++;
        (*mine)++;
        j->devices |= device_bit();
    }
    j->tally = tally;
    j->by_pointer = tally_by_pointer;
    memcpy(j->name, name, sizeof(j->name));
    return j;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2;
    long rounds = argc > 2 ? atol(argv[2]) : 500;
    if (n < 1 || n > 32 || rounds < 0)
        return 2;
    pthread_t th[32];
    for (int i = 0; i < n; i++) {
        jobs[i] = (struct job){ .id = i, .rounds = rounds };
        if (pthread_create(&th[i], NULL, work, &jobs[i]) != 0)
            return 1;
    }
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        char want[24];
        snprintf(want, sizeof(want), "thread-%d", i);
        bool good = jobs[i].tally == rounds && jobs[i].by_pointer == rounds && strcmp(jobs[i].name, want) == 0 &&
                    jobs[i].errno_lost == 0;
        ok += good;
        fprintf(stderr, "pt_tls: thread %d: tally %ld, by pointer %ld, name %s, errno lost %ld, devices 0x%x%s\n", i,
                jobs[i].tally, jobs[i].by_pointer, jobs[i].name, jobs[i].errno_lost, jobs[i].devices, good ? "" : " WRONG");
    }
    printf("tls threads=%d rounds=%ld shared=%ld tallies_ok=%d %s\n", n, rounds, shared, ok,
           ok == n && shared == n * rounds ? "ok" : "WRONG");
    return ok == n && shared == n * rounds ? 0 : 1;
}
