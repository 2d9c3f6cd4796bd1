/* pt_counter: an unmodified pthread program: NTHREADS threads add to a global counter and to a heap counter
 * under one statically initialised mutex (odd threads take it with pthread_mutex_trylock), ITERS times each. On any number of devices (libdmx shares the
 * globals, the heap and the mutex; DMX_PLACE or dmx_thread_hint put threads on other devices) it prints
 *   counter=<NTHREADS*ITERS> heap=<NTHREADS*ITERS> ok
 * and, on stderr, the device each thread ran on.
 * Usage: pt_counter [NTHREADS [ITERS]] */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long *heap_counter;
static long iters = 200;

struct job { int id, device; long done; };
static struct job jobs[64];

static void *work(void *arg)
{
    struct job *j = arg;
    const char *dev = getenv("DMX_DEVICE_INDEX");     /* where this thread runs (reported on stderr) */
    j->device = dev ? atoi(dev) : 1;
    for (long i = 0; i < iters; i++) {
        if (j->id % 2)                          /* odd threads spin on trylock */
            while (pthread_mutex_trylock(&lock) == EBUSY)
                sched_yield();
        else
            pthread_mutex_lock(&lock);
        counter++;
        (*heap_counter)++;
        pthread_mutex_unlock(&lock);
        j->done++;
    }
    return j;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 2;
    if (argc > 2)
        iters = atol(argv[2]);
    if (n < 1 || n > 64 || iters < 0)
        return 2;
    heap_counter = calloc(1, sizeof(*heap_counter));
    pthread_t th[64];
    for (int i = 0; i < n; i++) {
        jobs[i].id = i;
        if (pthread_create(&th[i], NULL, work, &jobs[i]) != 0)
            return 1;
    }
    long done = 0;
    for (int i = 0; i < n; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        done += ((struct job *)ret)->done;
        fprintf(stderr, "pt_counter: thread %d ran on device %d\n", i, jobs[i].device);
    }
    pthread_mutex_lock(&lock);
    long expect = n * iters;
    int ok = counter == expect && *heap_counter == expect && done == expect;
    printf("counter=%ld heap=%ld done=%ld %s\n", counter, *heap_counter, done, ok ? "ok" : "WRONG");
    pthread_mutex_unlock(&lock);
    free(heap_counter);
    return ok ? 0 : 1;
}
