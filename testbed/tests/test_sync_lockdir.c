/* The master's lock directory state machine. */
#include <glib.h>

#include "master_cond_dir.h"
#include "master_lock_dir.h"

static void test_grant_queue_release(void)
{
    struct master_lock_dir d;
    struct lockdir_action a;
    lockdir_init(&d, true);
    g_assert_cmpint(lockdir_acquire(&d, 7, 2, &a), ==, 0);
    g_assert_cmpuint(a.grant_to, ==, 2);
    g_assert_false(a.speculative);
    g_assert_cmpint(lockdir_acquire(&d, 7, 3, &a), ==, 0);
    g_assert_cmpuint(a.grant_to, ==, 0);
    g_assert_cmpuint(a.revoke_from, ==, 0);                        /* not speculative: no revoke */
    g_assert_cmpint(lockdir_acquire(&d, 7, 1, &a), ==, 0);
    g_assert_cmpint(lockdir_release(&d, 7, 2, &a), ==, 0);
    g_assert_cmpuint(a.grant_to, ==, 3);                           /* FIFO */
    g_assert_cmpint(lockdir_release(&d, 7, 3, &a), ==, 0);
    g_assert_cmpuint(a.grant_to, ==, 1);
    g_assert_cmpint(lockdir_release(&d, 7, 1, &a), ==, 0);
    g_assert_cmpuint(a.grant_to, ==, 0);
    g_assert_cmpuint(lockdir_find(&d, 7)->owner, ==, 0);
    /* independent locks */
    g_assert_cmpint(lockdir_acquire(&d, 8, 2, &a), ==, 0);
    g_assert_cmpint(lockdir_acquire(&d, 9, 3, &a), ==, 0);
    g_assert_cmpuint(a.grant_to, ==, 3);
    lockdir_free(&d);
}

static void test_violations(void)
{
    struct master_lock_dir d;
    struct lockdir_action a;
    lockdir_init(&d, true);
    g_assert_cmpint(lockdir_release(&d, 1, 2, &a), ==, -1);        /* unknown lock */
    g_assert_cmpint(lockdir_acquire(&d, 1, 2, &a), ==, 0);
    g_assert_cmpint(lockdir_acquire(&d, 1, 2, &a), ==, -1);        /* owner asks again */
    g_assert_cmpint(lockdir_release(&d, 1, 3, &a), ==, -1);        /* not the owner */
    g_assert_cmpint(lockdir_acquire(&d, 1, 3, &a), ==, 0);
    g_assert_cmpint(lockdir_acquire(&d, 1, 3, &a), ==, -1);        /* queued twice */
    g_assert_cmpint(lockdir_acquire(&d, 1, 0, &a), ==, -1);
    g_assert_cmpint(lockdir_acquire(&d, 1, WIRE_MAX_DEVICES + 1, &a), ==, -1);
    lockdir_free(&d);
}

static void test_speculation(void)
{
    struct master_lock_dir d;
    struct lockdir_action a;
    lockdir_init(&d, true);
    for (int i = 1; i <= LOCKDIR_SPECULATE_AFTER; i++) {
        g_assert_cmpint(lockdir_acquire(&d, 5, 2, &a), ==, 0);
        g_assert_cmpuint(a.grant_to, ==, 2);
        g_assert_cmpint(a.speculative, ==, i >= LOCKDIR_SPECULATE_AFTER);
        if (i < LOCKDIR_SPECULATE_AFTER)
            g_assert_cmpint(lockdir_release(&d, 5, 2, &a), ==, 0);
    }
    /* device 3 asks: one revoke to the speculative holder, even if more ask */
    g_assert_cmpint(lockdir_acquire(&d, 5, 3, &a), ==, 0);
    g_assert_cmpuint(a.revoke_from, ==, 2);
    g_assert_cmpint(lockdir_acquire(&d, 5, 4, &a), ==, 0);
    g_assert_cmpuint(a.revoke_from, ==, 0);
    g_assert_cmpint(lockdir_release(&d, 5, 2, &a), ==, 0);
    g_assert_cmpuint(a.grant_to, ==, 3);
    g_assert_false(a.speculative);                                  /* others wait */
    g_assert_cmpint(lockdir_release(&d, 5, 3, &a), ==, 0);
    g_assert_cmpuint(a.grant_to, ==, 4);
    g_assert_false(a.speculative);
    g_assert_cmpuint(lockdir_find(&d, 5)->revokes, ==, 1);
    lockdir_free(&d);

    lockdir_init(&d, false);                                        /* DMX_SPECULATE=0 */
    for (int i = 0; i < 10; i++) {
        g_assert_cmpint(lockdir_acquire(&d, 5, 2, &a), ==, 0);
        g_assert_false(a.speculative);
        g_assert_cmpint(lockdir_release(&d, 5, 2, &a), ==, 0);
    }
    lockdir_free(&d);
}

struct emitted { uint64_t lock; uint32_t to; int n; };

static void emit(void *ctx, uint64_t lock, const struct lockdir_action *a)
{
    struct emitted *e = ctx;
    e->lock = lock;
    e->to = a->grant_to;
    e->n++;
}

static void test_drop_device(void)
{
    struct master_lock_dir d;
    struct lockdir_action a;
    struct emitted e = { 0 };
    lockdir_init(&d, true);
    lockdir_acquire(&d, 1, 2, &a);
    lockdir_acquire(&d, 1, 3, &a);
    lockdir_acquire(&d, 2, 4, &a);
    lockdir_acquire(&d, 2, 2, &a);                                  /* 2 waits for lock 2 */
    lockdir_drop_device(&d, 2, emit, &e);
    g_assert_cmpint(e.n, ==, 1);
    g_assert_cmpuint(e.lock, ==, 1);
    g_assert_cmpuint(e.to, ==, 3);
    g_assert_cmpint(lockdir_release(&d, 2, 4, &a), ==, 0);
    g_assert_cmpuint(a.grant_to, ==, 0);                            /* 2 is no longer queued */
    lockdir_free(&d);
}

/* The master's cond table: a signal wakes every device that registered a waiter, once each, and only those;
 * a device that left is not told. */
static void test_cond_wake_registered(void)
{
    struct master_cond_dir d;
    conddir_init(&d);
    g_assert_cmpuint(conddir_signal(&d, 0x1000), ==, 0);           /* nobody waits: nothing to send */
    g_assert_cmpint(conddir_wait(&d, 0x1000, 2), ==, 0);
    g_assert_cmpint(conddir_wait(&d, 0x1000, 2), ==, 0);           /* two waiters on one device: told once */
    g_assert_cmpint(conddir_wait(&d, 0x1000, 4), ==, 0);
    g_assert_cmpint(conddir_wait(&d, 0x2000, 3), ==, 0);
    g_assert_cmpuint(conddir_signal(&d, 0x1000), ==, (1u << 1) | (1u << 3));
    g_assert_cmpuint(conddir_signal(&d, 0x1000), ==, 0);           /* they must register again */
    conddir_drop_device(&d, 3);
    g_assert_cmpuint(conddir_signal(&d, 0x2000), ==, 0);
    g_assert_cmpint(conddir_wait(&d, 0x3000, 0), ==, -1);
    g_assert_cmpint(conddir_wait(&d, 0x3000, WIRE_MAX_DEVICES + 1), ==, -1);
    g_assert_cmpint(conddir_wait(&d, 0x3000, WIRE_MAX_DEVICES), ==, 0);
    g_assert_cmpuint(conddir_signal(&d, 0x3000), ==, 1u << (WIRE_MAX_DEVICES - 1));
    for (int b = 0; b < CONDDIR_BUCKETS; b++)
        g_assert_null(d.buckets[b]);                               /* no entry outlives its waiters */
    conddir_free(&d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sync-lockdir/grant-queue-release", test_grant_queue_release);
    g_test_add_func("/sync-lockdir/violations", test_violations);
    g_test_add_func("/sync-lockdir/speculation", test_speculation);
    g_test_add_func("/sync-lockdir/drop-device", test_drop_device);
    g_test_add_func("/sync-lockdir/cond-wake-registered", test_cond_wake_registered);
    return g_test_run();
}
