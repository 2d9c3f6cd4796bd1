/* pt_tally: an unmodified pthread program whose threads keep running tallies in shared memory outside any lock:
 * NTHREADS threads each add a weight to their own slot of a global array ROUNDS times (a private partition of
 * shared memory, written in place), and take a mutex to add to a shared total at a rhythm of their own: thread i
 * every EVERY * 10^i rounds (thread 0 often, thread 1 seldom). Main checks every slot and the total against the
 * sums it expects and prints
 *   tally threads=<NTHREADS> rounds=<ROUNDS> total=<total> ok
 * The same on any number of devices, and after a device running several of the threads is lost: a thread resumed
 * from its checkpoint must find its slot as it was then, neither behind (work lost) nor ahead (added twice) of
 * where it resumes (test_recovery /recovery/killed/siblings).
 * HOLD rounds' worth of work inside the mutex make each critical section long (0: none).
 * Usage: pt_tally [NTHREADS [ROUNDS [EVERY [HOLD]]]] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_THREADS 8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile uint64_t tally[MAX_THREADS];   /* written in place each round, as an array an app fills would be */
static uint64_t total;
static long rounds = 200000, every = 10, hold = 0;

/* The weight of round k, with enough arithmetic that a round is not free. */
static uint64_t weight(long k)
{
    uint64_t x = (uint64_t)k * 2654435761u + 1;
    for (int i = 0; i < 64; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    return (x >> 60) + 1;       /* 1 .. 16 */
}

static void *work(void *arg)
{
    long id = (long)(intptr_t)arg, rhythm = every;
    for (long i = 0; i < id; i++)
        rhythm *= 10;
    uint64_t since = 0;
    for (long k = 0; k < rounds; k++) {
        uint64_t w = weight(k);
        tally[id] += w;
        since += w;
        if ((k + 1) % rhythm == 0 || k + 1 == rounds) {
            pthread_mutex_lock(&lock);
            total += since;
            volatile uint64_t busy = 0;     /* a long critical section, when asked for */
            for (long h = 0; h < hold; h++)
                busy += weight(h);
            pthread_mutex_unlock(&lock);
            since = 0;
        }
    }
    const char *dev = getenv("DMX_DEVICE_INDEX");
    fprintf(stderr, "pt_tally: thread %ld ended on device %s\n", id, dev ? dev : "1");
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2;
    if (argc > 2)
        rounds = atol(argv[2]);
    if (argc > 3)
        every = atol(argv[3]);
    if (argc > 4)
        hold = atol(argv[4]);
    if (n < 1 || n > MAX_THREADS || rounds < 1 || every < 1 || hold < 0)
        return 2;
    pthread_t th[MAX_THREADS];
    for (long i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, work, (void *)(intptr_t)i) != 0)
            return 1;
    for (long i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    uint64_t expect = 0;
    for (long k = 0; k < rounds; k++)
        expect += weight(k);
    int ok = total == expect * (uint64_t)n;
    for (long i = 0; i < n; i++)
        if (tally[i] != expect) {
            printf("thread %ld: tally %llu, expected %llu\n", i, (unsigned long long)tally[i],
                   (unsigned long long)expect);
            ok = 0;
        }
    pthread_mutex_lock(&lock);
    printf("tally threads=%ld rounds=%ld total=%llu %s\n", n, rounds, (unsigned long long)total, ok ? "ok" : "WRONG");
    pthread_mutex_unlock(&lock);
    return ok ? 0 : 1;
}
