/* pt_prodcons: an unmodified pthread program: producers and consumers around a bounded ring guarded by one
 * mutex and two condition variables, all in the heap. Each of P producers puts 1..N; C consumers take until
 * everything is taken. Prints (the same on any number of devices)
 *   produced=<P*N> consumed=<P*N> sum=<P*N*(N+1)/2> ok
 * and, on stderr, the device each thread ran on. Usage: pt_prodcons [P [C [N]]] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define SLOTS 8

struct ring {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    long item[SLOTS];
    int head, count;
    long produced, consumed, sum, total;
};

struct role { struct ring *r; int id, device; long n; };

static int where(void)
{
    const char *d = getenv("DMX_DEVICE_INDEX");
    return d ? atoi(d) : 1;
}

static void *producer(void *arg)
{
    struct role *p = arg;
    struct ring *r = p->r;
    p->device = where();
    for (long v = 1; v <= p->n; v++) {
        pthread_mutex_lock(&r->lock);
        while (r->count == SLOTS)
            pthread_cond_wait(&r->not_full, &r->lock);
        r->item[(r->head + r->count) % SLOTS] = v;
        r->count++;
        r->produced++;
        pthread_cond_signal(&r->not_empty);
        pthread_mutex_unlock(&r->lock);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    struct role *c = arg;
    struct ring *r = c->r;
    c->device = where();
    for (;;) {
        pthread_mutex_lock(&r->lock);
        while (r->count == 0 && r->consumed < r->total)
            pthread_cond_wait(&r->not_empty, &r->lock);
        if (r->consumed == r->total) {
            pthread_cond_broadcast(&r->not_empty);      /* the others are done too */
            pthread_mutex_unlock(&r->lock);
            return NULL;
        }
        long v = r->item[r->head];
        r->head = (r->head + 1) % SLOTS;
        r->count--;
        r->consumed++;
        r->sum += v;
        if (r->consumed == r->total)
            pthread_cond_broadcast(&r->not_empty);
        pthread_cond_signal(&r->not_full);
        pthread_mutex_unlock(&r->lock);
    }
}

int main(int argc, char **argv)
{
    int np = argc > 1 ? atoi(argv[1]) : 2, nc = argc > 2 ? atoi(argv[2]) : 2;
    long n = argc > 3 ? atol(argv[3]) : 100;
    if (np < 1 || nc < 1 || np + nc > 32 || n < 1)
        return 2;
    struct ring *r = calloc(1, sizeof(*r));
    struct role *roles = calloc((size_t)(np + nc), sizeof(*roles));
    pthread_t th[32];
    if (!r || !roles)
        return 1;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->not_full, NULL);
    pthread_cond_init(&r->not_empty, NULL);
    r->total = np * n;
    for (int i = 0; i < np + nc; i++) {
        roles[i] = (struct role){ r, i, 0, n };
        if (pthread_create(&th[i], NULL, i < np ? producer : consumer, &roles[i]) != 0)
            return 1;
    }
    for (int i = 0; i < np + nc; i++) {
        pthread_join(th[i], NULL);
        fprintf(stderr, "pt_prodcons: %s %d ran on device %d\n", i < np ? "producer" : "consumer", i, roles[i].device);
    }
    pthread_mutex_lock(&r->lock);
    long want = np * n * (n + 1) / 2;
    int ok = r->produced == r->total && r->consumed == r->total && r->sum == want && r->count == 0;
    printf("produced=%ld consumed=%ld sum=%ld %s\n", r->produced, r->consumed, r->sum, ok ? "ok" : "WRONG");
    pthread_mutex_unlock(&r->lock);
    return ok ? 0 : 1;
}
