/* pt_hints: a pthread program that gives placement hints (dsm_api.h, paper 003's Listing 2) to three of its
 * threads, which then count under one mutex and call malloc/free (safe points) in a loop:
 *   local    DMX_PLACE_LOCAL: never leaves the device that created it
 *   bounded  a 1 us round-trip bound, which no real link meets: it cannot leave home either
 *   eager    DMX_PLACE_EAGER_REMOTE: starts on another device, then goes where the policy sends it
 * Prints (the same on any number of devices)
 *   hints rounds=<R> sum=<3*R> ok
 * and, on stderr, each thread's start device and the devices it ran on (a bit mask, bit d for device d).
 * Usage: pt_hints [ROUNDS] */
#include "dsm_api.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { LOCAL, BOUNDED, EAGER, THREADS };
static const char *const names[THREADS] = { "local", "bounded", "eager" };

static struct {
    pthread_mutex_t lock;
    long sum, rounds;
    int start[THREADS];
    unsigned ran_on[THREADS];
} shared = { PTHREAD_MUTEX_INITIALIZER, 0, 0, { 0 }, { 0 } };

static int where(void)
{
    const char *d = getenv("DMX_DEVICE_INDEX");
    return d ? atoi(d) : 1;
}

static void *worker(void *arg)
{
    int self = (int)(intptr_t)arg;
    shared.start[self] = where();
    unsigned seen = 0;
    for (long r = 0; r < shared.rounds; r++) {
        seen |= 1u << where();
        void *scratch = malloc(64);
        pthread_mutex_lock(&shared.lock);
        shared.sum++;
        pthread_mutex_unlock(&shared.lock);
        free(scratch);
    }
    pthread_mutex_lock(&shared.lock);
    shared.ran_on[self] = seen;
    pthread_mutex_unlock(&shared.lock);
    return NULL;
}

int main(int argc, char **argv)
{
    shared.rounds = argc > 1 ? atol(argv[1]) : 300;
    if (shared.rounds < 1) {
        fprintf(stderr, "usage: pt_hints [ROUNDS]\n");
        return 2;
    }
    const struct dmx_placement_hints hints[THREADS] = {
        { .strategy = DMX_PLACE_LOCAL }, { .latency_bound_us = 1, .strategy = DMX_PLACE_ANY },
        { .strategy = DMX_PLACE_EAGER_REMOTE } };
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        dmx_thread_hints(&hints[i]);
        pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < THREADS; i++)
        fprintf(stderr, "pt_hints: %s started on device %d, ran on devices 0x%x\n", names[i], shared.start[i],
                shared.ran_on[i]);
    int ok = shared.sum == THREADS * shared.rounds;
    printf("hints rounds=%ld sum=%ld %s\n", shared.rounds, shared.sum, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
