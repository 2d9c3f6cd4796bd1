/* pt_handoff: an unmodified pthread program: producers allocate each item on the heap, fill it and hand the
 * pointer over a mutex/condvar ring; consumers check every field and free the item. An item may be made on one
 * device and checked and freed on another. Prints (the same on any number of devices)
 *   items=<P*N> bad=0 sum=<P*N*(N+1)/2> ok
 * Usage: pt_handoff [P [C [N]]] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4
#define WORDS 300 /* an item spans a page boundary more often than not */

struct item {
    long value;
    long words[WORDS];
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    struct item *slot[SLOTS];
    int head, count, producers_left;
    long items, bad, sum;
} ring = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, { 0 }, 0, 0, 0, 0, 0, 0 };

static long per_producer;
static int ran_on[32];  /* the device each thread started on (stderr) */

static int where(void)
{
    const char *d = getenv("DMX_DEVICE_INDEX");
    return d ? atoi(d) : 1;
}

static void put(struct item *it)
{
    pthread_mutex_lock(&ring.lock);
    while (ring.count == SLOTS)
        pthread_cond_wait(&ring.not_full, &ring.lock);
    ring.slot[(ring.head + ring.count++) % SLOTS] = it;
    pthread_cond_signal(&ring.not_empty);
    pthread_mutex_unlock(&ring.lock);
}

/* NULL once every producer is done and the ring is empty. */
static struct item *take(void)
{
    pthread_mutex_lock(&ring.lock);
    while (ring.count == 0 && ring.producers_left > 0)
        pthread_cond_wait(&ring.not_empty, &ring.lock);
    struct item *it = NULL;
    if (ring.count > 0) {
        it = ring.slot[ring.head];
        ring.head = (ring.head + 1) % SLOTS;
        ring.count--;
        pthread_cond_signal(&ring.not_full);
    }
    pthread_mutex_unlock(&ring.lock);
    return it;
}

static void *producer(void *arg)
{
    ran_on[(intptr_t)arg] = where();
    for (long v = 1; v <= per_producer; v++) {
        struct item *it = calloc(1, sizeof *it);
        if (!it)
            abort();
        it->value = v;
        for (int w = 0; w < WORDS; w++)
            it->words[w] = v * 1000003 + w;
        put(it);
    }
    pthread_mutex_lock(&ring.lock);
    ring.producers_left--;
    pthread_cond_broadcast(&ring.not_empty);
    pthread_mutex_unlock(&ring.lock);
    return NULL;
}

static void *consumer(void *arg)
{
    ran_on[(intptr_t)arg] = where();
    struct item *it;
    while ((it = take()) != NULL) {
        long bad = 0;
        for (int w = 0; w < WORDS; w++)
            bad += it->words[w] != it->value * 1000003 + w;
        pthread_mutex_lock(&ring.lock);
        ring.items++;
        ring.bad += bad != 0 || it->value < 1 || it->value > per_producer;
        ring.sum += it->value;
        pthread_mutex_unlock(&ring.lock);
        free(it);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int producers = argc > 1 ? atoi(argv[1]) : 2, consumers = argc > 2 ? atoi(argv[2]) : 2;
    per_producer = argc > 3 ? atol(argv[3]) : 200;
    if (producers < 1 || producers > 16 || consumers < 1 || consumers > 16 || per_producer < 1) {
        fprintf(stderr, "usage: pt_handoff [P [C [N]]] (P, C 1..16)\n");
        return 2;
    }
    ring.producers_left = producers;
    pthread_t threads[32];
    for (int i = 0; i < producers; i++)
        pthread_create(&threads[i], NULL, producer, (void *)(intptr_t)i);
    for (int i = 0; i < consumers; i++)
        pthread_create(&threads[producers + i], NULL, consumer, (void *)(intptr_t)(producers + i));
    for (int i = 0; i < producers + consumers; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < producers + consumers; i++)
        fprintf(stderr, "pt_handoff: %s %d ran on device %d\n", i < producers ? "producer" : "consumer", i, ran_on[i]);
    long expect = producers * per_producer * (per_producer + 1) / 2;
    int ok = ring.items == producers * per_producer && ring.bad == 0 && ring.sum == expect;
    printf("items=%ld bad=%ld sum=%ld %s\n", ring.items, ring.bad, ring.sum, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
