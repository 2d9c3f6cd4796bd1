/* pt_blocks: an unmodified pthread program: NTHREADS threads each compute BLOCKS blocks of their own (16 KiB of a
 * hash chain, ROUNDS rounds over it), and after each block note under one mutex which device computed it. Main
 * checks every block against its own sequential computation and prints
 *   blocks threads=<NTHREADS> blocks=<BLOCKS> checksum=<hex> ok
 * (the same on any number of devices, and after a device is lost), then, per thread, how many of its blocks
 * were last computed on each device: "thread <i> blocks_on=<d1>,<d2>,<d3>,<d4>". A thread that resumed from a
 * checkpoint after its device was lost keeps the blocks computed before that checkpoint (test_recovery).
 * Usage: pt_blocks [NTHREADS [BLOCKS [ROUNDS]]] */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_WORDS (16384 / sizeof(uint64_t))
#define MAX_THREADS 16
#define MAX_DEVICES 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t *data;          /* [thread][block][word], in the shared heap */
static uint8_t *computed_on;    /* [thread][block]: the device that computed it last */
static long blocks = 200, rounds = 40;

static void compute_block(uint64_t *out, long thread, long block)
{
    uint64_t x = (uint64_t)thread * 1000003u + (uint64_t)block * 7919u + 1;
    for (long r = 0; r < rounds; r++)
        for (size_t w = 0; w < BLOCK_WORDS; w++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull + out[w] * (r > 0);
            out[w] = x ^ (x >> 29);
        }
}

static void *work(void *arg)
{
    long id = (long)(intptr_t)arg;
    for (long b = 0; b < blocks; b++) {
        uint64_t *out = data + ((size_t)id * blocks + b) * BLOCK_WORDS;
        memset(out, 0, BLOCK_WORDS * sizeof *out);
        compute_block(out, id, b);
        const char *dev = getenv("DMX_DEVICE_INDEX");   /* where this thread runs now */
        pthread_mutex_lock(&lock);
        computed_on[id * blocks + b] = (uint8_t)(dev ? atoi(dev) : 1);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2;
    if (argc > 2)
        blocks = atol(argv[2]);
    if (argc > 3)
        rounds = atol(argv[3]);
    if (n < 1 || n > MAX_THREADS || blocks < 1 || rounds < 1)
        return 2;
    data = calloc((size_t)n * blocks * BLOCK_WORDS, sizeof *data);
    computed_on = calloc((size_t)n * blocks, 1);
    uint64_t *check = malloc(BLOCK_WORDS * sizeof *check);
    if (!data || !computed_on || !check)
        return 1;
    pthread_t th[MAX_THREADS];
    for (long i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, work, (void *)(intptr_t)i) != 0)
            return 1;
    for (long i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    uint64_t sum = 0;
    int ok = 1;
    for (long i = 0; i < n; i++)
        for (long b = 0; b < blocks; b++) {
            const uint64_t *got = data + ((size_t)i * blocks + b) * BLOCK_WORDS;
            memset(check, 0, BLOCK_WORDS * sizeof *check);
            compute_block(check, i, b);
            ok &= memcmp(got, check, BLOCK_WORDS * sizeof *check) == 0;
            for (size_t w = 0; w < BLOCK_WORDS; w++)
                sum = sum * 31 + got[w];
        }
    printf("blocks threads=%ld blocks=%ld checksum=%016" PRIx64 " %s\n", n, blocks, sum, ok ? "ok" : "WRONG");
    for (long i = 0; i < n; i++) {
        long on[MAX_DEVICES + 1] = { 0 };
        for (long b = 0; b < blocks; b++)
            on[computed_on[i * blocks + b] <= MAX_DEVICES ? computed_on[i * blocks + b] : 0]++;
        printf("thread %ld blocks_on=%ld,%ld,%ld,%ld\n", i, on[1], on[2], on[3], on[4]);
    }
    return ok ? 0 : 1;
}
