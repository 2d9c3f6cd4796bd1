/* pt_offload: an unmodified pthread program with compute-heavy workers and one light thread, for the offload
 * policy's end-to-end test. Each of W workers iterates a hash over its own state for R rounds of C steps; after
 * each round it adds the round's value into a shared total under a mutex (a libdmx call, so a safe point where a
 * policy can move it). The light thread takes the same mutex every 20 ms until the workers are done, counting
 * nothing into the result. Prints (the same on any number of devices, under any policy)
 *   offload workers=<W> rounds=<R> total=<hex> ok
 * ("ok" when every worker checked out; the total depends on W, R and C alone) and, on stderr, where each thread
 * started and finished. Usage: pt_offload [W [R [C]]] */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_WORKERS 8

struct worker {
    int id;
    long rounds, steps;
    int started_on, finished_on;
};

static pthread_mutex_t progress = PTHREAD_MUTEX_INITIALIZER;
static uint64_t total;
static int workers_left;
static struct worker workers[MAX_WORKERS];
static int light_started_on, light_finished_on;

static int device_now(void)
{
    const char *d = getenv("DMX_DEVICE_INDEX");     /* per process: after a move it names the new device */
    return d ? atoi(d) : 1;
}

/* xorshift-multiply: cheap, not vectorisable across rounds, and its value checks every step was done. */
static uint64_t round_value(uint64_t seed, long steps)
{
    uint64_t x = seed | 1;
    for (long i = 0; i < steps; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x *= 0x2545F4914F6CDD1Dull;
    }
    return x;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    w->started_on = device_now();
    for (long r = 0; r < w->rounds; r++) {
        uint64_t v = round_value((uint64_t)w->id << 32 | (uint64_t)r, w->steps);
        pthread_mutex_lock(&progress);
        total += v;
        pthread_mutex_unlock(&progress);
    }
    w->finished_on = device_now();
    pthread_mutex_lock(&progress);
    workers_left--;
    pthread_mutex_unlock(&progress);
    return NULL;
}

static void *light(void *arg)
{
    (void)arg;
    light_started_on = device_now();
    for (;;) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&progress);
        int left = workers_left;
        pthread_mutex_unlock(&progress);
        if (left == 0)
            break;
    }
    light_finished_on = device_now();
    return NULL;
}

int main(int argc, char **argv)
{
    int nworkers = argc > 1 ? atoi(argv[1]) : 1;
    long rounds = argc > 2 ? atol(argv[2]) : 40;
    long steps = argc > 3 ? atol(argv[3]) : 2000000;
    if (nworkers < 1 || nworkers > MAX_WORKERS || rounds < 1 || steps < 1)
        return 2;
    workers_left = nworkers;
    pthread_t th[MAX_WORKERS], lt;
    if (pthread_create(&lt, NULL, light, NULL) != 0)
        return 1;
    for (int i = 0; i < nworkers; i++) {
        workers[i] = (struct worker){ i, rounds, steps, 0, 0 };
        if (pthread_create(&th[i], NULL, work, &workers[i]) != 0)
            return 1;
    }
    for (int i = 0; i < nworkers; i++)
        pthread_join(th[i], NULL);
    pthread_join(lt, NULL);
    for (int i = 0; i < nworkers; i++)
        fprintf(stderr, "pt_offload: worker %d started on device %d, finished on device %d\n", i,
                workers[i].started_on, workers[i].finished_on);
    fprintf(stderr, "pt_offload: light thread started on device %d, finished on device %d\n", light_started_on,
            light_finished_on);
    int ok = workers_left == 0;
    printf("offload workers=%d rounds=%ld total=%016" PRIx64 " %s\n", nworkers, rounds, total, ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
