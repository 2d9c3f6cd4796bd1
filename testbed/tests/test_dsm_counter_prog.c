/* dsm_counter: the two-device DSM check program (native for test_dsm_twoproc, aarch64 for test_dsm_qemu).
 *
 *   dsm_counter N [PAGES [THREADS]]
 * Every device adds 1 to a shared counter N times under global lock 1 (a sparse write: one word of page 0),
 * from each of THREADS threads (default 1), so the final value is N * THREADS * devices.
 * Device 1 also fills PAGES pages (default 32) under lock 2 at the start; the other devices read them all
 * sequentially after taking lock 2 (the prefetch case). Device 1 waits for every device's done flag and
 * prints final=<counter>. Each device prints its counters as one JSON line "report=...", plus
 * "seq_read_ns=..." (time to read the pages). Exit status 0 when all checks pass. */
#include "dmx.h"
#include "dsm_api.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define FILL_FIRST_PAGE 16u

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long n;
static volatile uint64_t *counter;

static void *add(void *arg)
{
    (void)arg;
    for (long i = 0; i < n; i++) {
        dmx_lock(1);
        (*counter)++;
        dmx_unlock(1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s N [PAGES]\n", argv[0]);
        return 2;
    }
    n = atol(argv[1]);
    unsigned pages = argc > 2 ? (unsigned)atoi(argv[2]) : 32;
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    if (threads < 1 || threads > 64)
        return 2;
    if (dmx_dsm_start() != 0)
        return 3;
    uint8_t *base = dmx_shared_base();
    counter = (volatile uint64_t *)base;
    volatile uint32_t *done = (volatile uint32_t *)(base + PAGE);           /* done[device] */
    volatile uint32_t *ready = (volatile uint32_t *)(base + 2 * PAGE);
    int self = dmx_device_index(), devices = dmx_device_count(), rc = 0;

    if (self == 1) {
        dmx_lock(2);
        for (unsigned p = 0; p < pages; p++) {
            volatile uint32_t *w = (volatile uint32_t *)(base + (FILL_FIRST_PAGE + p) * PAGE);
            for (unsigned i = 0; i < PAGE / 4; i++)
                w[i] = p * 7919u + i;
        }
        *ready = 1;
        dmx_unlock(2);
    }
    pthread_t tid[64];
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tid[t], NULL, add, NULL) != 0)
            return 5;
    add(NULL);
    for (int t = 1; t < threads; t++)
        pthread_join(tid[t], NULL);
    uint64_t seq_ns = 0;
    if (self != 1 && pages) {
        for (int ok = 0; !ok;) {
            dmx_lock(2);
            ok = *ready == 1;
            if (ok) {
                uint64_t t0 = now_ns();
                for (unsigned p = 0; p < pages && rc == 0; p++) {
                    volatile uint32_t *w = (volatile uint32_t *)(base + (FILL_FIRST_PAGE + p) * PAGE);
                    for (unsigned i = 0; i < PAGE / 4; i++)
                        if (w[i] != p * 7919u + i) {
                            fprintf(stderr, "page %u word %u: %u\n", p, i, w[i]);
                            rc = 4;
                            break;
                        }
                }
                seq_ns = now_ns() - t0;
            }
            dmx_unlock(2);
            if (!ok)
                usleep(1000);
        }
    }
    dmx_lock(1);
    done[self] = 1;
    dmx_unlock(1);
    if (self == 1) {
        uint64_t final = 0;
        for (int all = 0; !all;) {
            dmx_lock(1);
            all = 1;
            for (int d = 1; d <= devices; d++)
                all &= done[d] == 1;
            final = *counter;
            dmx_unlock(1);
            if (!all)
                usleep(1000);
        }
        printf("final=%llu\n", (unsigned long long)final);
        if (final != (uint64_t)n * (uint64_t)threads * (uint64_t)devices)
            rc = 1;
    }
    printf("seq_read_ns=%llu\n", (unsigned long long)seq_ns);
    printf("report=");
    dmx_dsm_report(stdout);
    fflush(stdout);
    dmx_dsm_stop();
    return rc;
}
