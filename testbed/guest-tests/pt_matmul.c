/* pt_matmul: an unmodified pthread program: C = A x B (integer matrices in the heap), rows split among T
 * threads, which meet at a barrier; the barrier's serial thread sums C into a global checksum. Main checks it
 * against its own sequential product. Prints (the same on any number of devices)
 *   matmul n=<N> threads=<T> checksum=<sum> ok
 * and, on stderr, the device each thread ran on. Usage: pt_matmul [N [T]] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long n = 64;
static long *a, *b, *c;
static pthread_barrier_t done;
static long checksum;
static int serial_threads;

struct part { int id, nthreads, device; };
static struct part parts[32];

static long sum_of(const long *m)
{
    long s = 0;
    for (long i = 0; i < n * n; i++)
        s += m[i] * (i % 13 + 1);
    return s;
}

static void *rows(void *arg)
{
    struct part *p = arg;
    const char *d = getenv("DMX_DEVICE_INDEX");
    p->device = d ? atoi(d) : 1;
    for (long i = n * p->id / p->nthreads; i < n * (p->id + 1) / p->nthreads; i++)
        for (long j = 0; j < n; j++) {
            long s = 0;
            for (long k = 0; k < n; k++)
                s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
    if (pthread_barrier_wait(&done) == PTHREAD_BARRIER_SERIAL_THREAD) {
        checksum = sum_of(c);       /* every row is in: the barrier made them visible */
        serial_threads++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        n = atol(argv[1]);
    int t = argc > 2 ? atoi(argv[2]) : 4;
    if (n < 1 || n > 1024 || t < 1 || t > 32)
        return 2;
    a = malloc((size_t)(n * n) * sizeof(long));
    b = malloc((size_t)(n * n) * sizeof(long));
    c = calloc((size_t)(n * n), sizeof(long));
    long *ref = calloc((size_t)(n * n), sizeof(long));
    if (!a || !b || !c || !ref)
        return 1;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            a[i * n + j] = (i + 2 * j) % 7 - 3;
            b[i * n + j] = (3 * i + j) % 5 - 2;
        }
    pthread_barrier_init(&done, NULL, (unsigned)t);
    pthread_t th[32];
    for (int i = 0; i < t; i++) {
        parts[i] = (struct part){ i, t, 0 };
        if (pthread_create(&th[i], NULL, rows, &parts[i]) != 0)
            return 1;
    }
    for (int i = 0; i < t; i++) {
        pthread_join(th[i], NULL);
        fprintf(stderr, "pt_matmul: thread %d ran on device %d\n", i, parts[i].device);
    }
    for (long i = 0; i < n; i++)
        for (long k = 0; k < n; k++)
            for (long j = 0; j < n; j++)
                ref[i * n + j] += a[i * n + k] * b[k * n + j];
    long want = sum_of(ref);
    int ok = checksum == want && sum_of(c) == want && serial_threads == 1;
    printf("matmul n=%ld threads=%d checksum=%ld %s\n", n, t, checksum, ok ? "ok" : "WRONG");
    pthread_barrier_destroy(&done);
    return ok ? 0 : 1;
}
