/* pt_bigheap: an unmodified pthread program whose threads allocate more heap than an equal share of libdmx's
 * shared heap: thread 0 mallocs BLOCKS blocks of MIB MiB, the other NTHREADS - 1 threads 3/8 as many each, and
 * each writes its tag at both ends of its blocks. Main then checks that no two blocks overlap and that each
 * block's first and last words still carry their owner's tag, and prints (the same on any number of devices)
 *   bigheap threads=<NTHREADS> blocks=<BLOCKS> mib=<MIB> ok
 * On several devices a device whose share runs out claims more from the heap's pool (heap_dsm.c); two devices
 * claiming at once must not get the same memory. Usage: pt_bigheap [NTHREADS [BLOCKS [MIB]]] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE 4096
#define MAX_THREADS 8
#define MAX_BLOCKS 64

struct owner {
    long id;
    uint64_t *block[MAX_BLOCKS];
    int failed, device;
};

static long blocks = 48;
static size_t block_bytes = 5u << 20;

static uint64_t tag_of(long id, long b)
{
    return 0xB16EA900000000ull | (uint64_t)id << 16 | (uint64_t)b;
}

static long blocks_of(long id)
{
    return id == 0 ? blocks : blocks * 3 / 8;
}

static void *work(void *arg)
{
    struct owner *o = arg;
    const char *dev = getenv("DMX_DEVICE_INDEX");
    o->device = dev ? atoi(dev) : 1;
    for (long b = 0; b < blocks_of(o->id); b++) {
        uint64_t *p = malloc(block_bytes);
        if (!p) {
            fprintf(stderr, "pt_bigheap: thread %ld on device %d: malloc of block %ld failed\n", o->id, o->device, b);
            o->failed = 1;
            return NULL;
        }
        p[0] = tag_of(o->id, b);
        p[block_bytes / sizeof *p - 1] = tag_of(o->id, b);
        o->block[b] = p;
    }
    return NULL;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 3;
    if (argc > 2)
        blocks = atol(argv[2]);
    if (argc > 3)
        block_bytes = (size_t)atol(argv[3]) << 20;
    if (n < 1 || n > MAX_THREADS || blocks < 1 || blocks > MAX_BLOCKS || block_bytes < PAGE)
        return 2;
    static struct owner owners[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    for (long i = 0; i < n; i++) {
        owners[i].id = i;
        if (pthread_create(&th[i], NULL, work, &owners[i]) != 0)
            return 1;
    }
    int bad = 0;
    static uintptr_t starts[MAX_THREADS * MAX_BLOCKS];
    long count = 0;
    for (long i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        fprintf(stderr, "pt_bigheap: thread %ld ran on device %d\n", i, owners[i].device);
        bad |= owners[i].failed;
        for (long b = 0; b < blocks_of(i) && !owners[i].failed; b++) {
            const uint64_t *p = owners[i].block[b];
            bad |= p[0] != tag_of(i, b) || p[block_bytes / sizeof *p - 1] != tag_of(i, b);
            starts[count++] = (uintptr_t)p;
        }
    }
    qsort(starts, (size_t)count, sizeof *starts, by_address);
    for (long k = 1; k < count; k++)
        bad |= starts[k] - starts[k - 1] < block_bytes;
    printf("bigheap threads=%ld blocks=%ld mib=%zu %s\n", n, blocks, block_bytes >> 20, bad ? "FAILED" : "ok");
    return bad;
}
