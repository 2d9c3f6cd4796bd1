/* pt_mainstack: an unmodified pthread program that keeps everything its threads share on main()'s stack: their
 * arguments, a result slot each, a mutex and a running total, a condition variable with its flag, and a message
 * main() writes after the threads have started. Each thread waits for the flag, checks the message, sums the
 * squares of its range into its slot and adds that to the total under the mutex. main() joins them and checks
 * that the slots add up to the total and to the closed form. On any number of devices it prints
 *   sum=<sum of i*i for i < NTHREADS*PER> message=<the message> ok
 * and, on stderr, the device each thread ran on.
 * Usage: pt_mainstack [NTHREADS [PER]] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 16

struct shared {                 /* lives in main()'s frame */
    pthread_mutex_t lock;
    pthread_cond_t go_changed;
    int go;
    long total;
    char message[64];
};

struct task {
    struct shared *shared;
    long from, to;
    long *result;
    int device;
    int saw_message;
};

static void *sum_squares(void *arg)
{
    struct task *t = arg;
    struct shared *s = t->shared;
    const char *dev = getenv("DMX_DEVICE_INDEX");
    t->device = dev ? atoi(dev) : 1;
    pthread_mutex_lock(&s->lock);
    while (!s->go)
        pthread_cond_wait(&s->go_changed, &s->lock);
    t->saw_message = strcmp(s->message, "written after pthread_create") == 0;
    pthread_mutex_unlock(&s->lock);
    long sum = 0;
    for (long i = t->from; i < t->to; i++)
        sum += i * i;
    *t->result = sum;
    pthread_mutex_lock(&s->lock);
    s->total += sum;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    long per = argc > 2 ? atol(argv[2]) : 1000;
    if (n < 1 || n > MAX_THREADS || per < 1)
        return 2;
    struct shared shared = { .go = 0, .total = 0 };
    struct task tasks[MAX_THREADS];
    long results[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    pthread_mutex_init(&shared.lock, NULL);
    pthread_cond_init(&shared.go_changed, NULL);
    for (int i = 0; i < n; i++) {
        results[i] = -1;
        tasks[i] = (struct task){ &shared, i * per, (i + 1) * per, &results[i], 0, 0 };
        if (pthread_create(&th[i], NULL, sum_squares, &tasks[i]) != 0)
            return 1;
    }
    pthread_mutex_lock(&shared.lock);
    strcpy(shared.message, "written after pthread_create");
    shared.go = 1;
    pthread_cond_broadcast(&shared.go_changed);
    pthread_mutex_unlock(&shared.lock);
    long slots = 0, m = (long)n * per;
    int saw = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        slots += results[i];
        saw += tasks[i].saw_message;
        fprintf(stderr, "pt_mainstack: thread %d ran on device %d\n", i, tasks[i].device);
    }
    long expect = (m - 1) * m * (2 * m - 1) / 6;
    if (slots != shared.total || slots != expect || saw != n) {
        printf("sum=%ld total=%ld expected=%ld saw_message=%d of %d FAILED\n", slots, shared.total, expect, saw, n);
        return 1;
    }
    printf("sum=%ld message=%s ok\n", slots, shared.message);
    return 0;
}
