/* pt_bank: an unmodified pthread program: T tellers make random transfers between ACCOUNTS accounts (global
 * balances, one global mutex per account, taken in index order); main audits the total under all the locks
 * while they run. Transfers are additions, so the final balances do not depend on the interleaving. Prints
 * (the same on any number of devices)
 *   bank total=<ACCOUNTS*1000> transfers=<T*K> audits=<A> bad_audits=0 balances=<checksum> ok
 * and, on stderr, the device each teller ran on. Usage: pt_bank [T [K]] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ACCOUNTS 16
#define AUDITS   10

static long balance[ACCOUNTS];
static pthread_mutex_t account_lock[ACCOUNTS];     /* zero = PTHREAD_MUTEX_INITIALIZER */
static long transfers_per_teller = 200;

struct teller { unsigned seed; int device; long done; };
static struct teller tellers[32];

static unsigned next(unsigned *s) { return *s = *s * 1103515245u + 12345u, (*s >> 16) & 0x7fff; }

static void *teller(void *arg)
{
    struct teller *t = arg;
    const char *d = getenv("DMX_DEVICE_INDEX");
    t->device = d ? atoi(d) : 1;
    for (long k = 0; k < transfers_per_teller; k++) {
        int from = (int)(next(&t->seed) % ACCOUNTS), to = (int)(next(&t->seed) % (ACCOUNTS - 1));
        if (to >= from)
            to++;
        long amount = next(&t->seed) % 100;
        int lo = from < to ? from : to, hi = from < to ? to : from;
        pthread_mutex_lock(&account_lock[lo]);
        pthread_mutex_lock(&account_lock[hi]);
        balance[from] -= amount;
        balance[to] += amount;
        pthread_mutex_unlock(&account_lock[hi]);
        pthread_mutex_unlock(&account_lock[lo]);
        t->done++;
    }
    return NULL;
}

static long audit(void)
{
    long total = 0;
    for (int i = 0; i < ACCOUNTS; i++)
        pthread_mutex_lock(&account_lock[i]);
    for (int i = 0; i < ACCOUNTS; i++)
        total += balance[i];
    for (int i = ACCOUNTS - 1; i >= 0; i--)
        pthread_mutex_unlock(&account_lock[i]);
    return total;
}

int main(int argc, char **argv)
{
    int nt = argc > 1 ? atoi(argv[1]) : 4;
    if (argc > 2)
        transfers_per_teller = atol(argv[2]);
    if (nt < 1 || nt > 32 || transfers_per_teller < 0)
        return 2;
    for (int i = 0; i < ACCOUNTS; i++)
        balance[i] = 1000;
    const long total = ACCOUNTS * 1000L;
    pthread_t th[32];
    for (int i = 0; i < nt; i++) {
        tellers[i] = (struct teller){ (unsigned)i * 7919u + 1u, 0, 0 };
        if (pthread_create(&th[i], NULL, teller, &tellers[i]) != 0)
            return 1;
    }
    int bad = 0;
    for (int a = 0; a < AUDITS; a++) {
        bad += audit() != total;
        nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
    }
    long done = 0;
    for (int i = 0; i < nt; i++) {
        pthread_join(th[i], NULL);
        done += tellers[i].done;
        fprintf(stderr, "pt_bank: teller %d ran on device %d\n", i, tellers[i].device);
    }
    long final = audit(), check = 0;
    for (int i = 0; i < ACCOUNTS; i++)
        check = check * 31 + balance[i];
    int ok = !bad && final == total && done == nt * transfers_per_teller;
    printf("bank total=%ld transfers=%ld audits=%d bad_audits=%d balances=%ld %s\n", final, done, AUDITS, bad, check,
           ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
