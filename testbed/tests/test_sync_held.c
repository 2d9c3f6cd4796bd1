/* The lock table's two held steps (sync_mutex.h, checkpoint_publish.h): with exact checkpoints a worker hands a
 * lock back, or applies a grant that would flush its changes, only after a cut. If either leaked, a lost device's
 * changes would reach home ahead of its threads' checkpoints (effects counted twice after a recovery); if a held
 * step were never released, the lock would hang every other device. Native, with a fake link to the master. */
#include <glib.h>
#include <string.h>

#include "dsm_api.h"
#include "dsm_diff.h"
#include "dsm_region.h"
#include "sync_mutex.h"
#include "wire_msg.h"

#define NPAGES 16
#define LOCK 0x1234u
static struct dsm_region region;
static struct sync_table table;
static int acquires_sent, releases_sent;
static bool hold_next_grant, hold_give_backs;
static int grants_held, give_backs_held;

static int fake_request(void *ctx, uint32_t page, uint32_t count)
{
    (void)ctx;
    static const uint8_t zero[DSM_PAGE_SIZE];
    for (uint32_t i = 0; i < count; i++)
        dsm_region_apply_page(&region, page + i, 1, zero, i > 0);
    return 0;
}

static int fake_push(void *ctx, uint32_t page, uint32_t base_version, const uint8_t *diff, uint32_t len)
{
    (void)ctx, (void)page, (void)base_version, (void)diff, (void)len;
    return 0;
}

static int fake_send_lock(void *ctx, uint8_t type, uint64_t lock)
{
    (void)ctx;
    g_assert_cmpuint(lock, ==, LOCK);
    acquires_sent += type == WIRE_LOCK_ACQUIRE;
    releases_sent += type == WIRE_LOCK_RELEASE;
    return 0;
}

static bool test_hold_grant(const struct wire_msg *grant, const struct wire_notice *notices, uint32_t count)
{
    (void)grant, (void)notices, (void)count;
    grants_held += hold_next_grant;
    bool held = hold_next_grant;
    hold_next_grant = false;
    return held;
}

static bool test_hold_give_back(uint64_t lock)
{
    (void)lock;
    give_backs_held += hold_give_backs;
    return hold_give_backs;
}

static void setup(void)
{
    struct dsm_transport t = { .request = fake_request, .push = fake_push };
    g_assert_cmpint(dsm_region_init(&region, DSM_DEFAULT_BASE, NPAGES * DSM_PAGE_SIZE, &t), ==, 0);
    g_assert_cmpint(dsm_region_install_handler(&region), ==, 0);
    struct sync_transport st = { .send_lock = fake_send_lock };
    sync_table_init(&table, &region, &st);
    table.releases_pushed = true;       /* exact checkpoints: the cut pushed, a hand-back sends only RELEASE */
    table.defer_grant = test_hold_grant;
    table.defer_give_back = test_hold_give_back;
    acquires_sent = releases_sent = grants_held = give_backs_held = 0;
    hold_next_grant = hold_give_backs = false;
}

static void teardown(void)
{
    sync_table_destroy(&table);
    dsm_region_destroy(&region);
}

static void grant(bool speculative)
{
    struct wire_msg m;
    memset(&m, 0, sizeof(m));
    m.h.flags = speculative ? WIRE_F_SPECULATIVE : 0;
    m.u.grant.lock = LOCK;
    sync_on_grant(&table, &m);
}

static gpointer lock_in_thread(gpointer unused)
{
    (void)unused;
    g_assert_cmpint(sync_mutex_lock(&table, LOCK), ==, 0);
    return NULL;
}

/* Start an acquire on another thread and wait until it asked the master. */
static GThread *acquire_pending(void)
{
    int before = acquires_sent;
    GThread *t = g_thread_new("acquirer", lock_in_thread, NULL);
    for (int i = 0; i < 2000 && __atomic_load_n(&acquires_sent, __ATOMIC_SEQ_CST) == before; i++)
        g_usleep(1000);
    g_assert_cmpint(acquires_sent, ==, before + 1);
    return t;
}

/* A revoke of a cached lock while the device has written since its cut: the lock stays, no local thread takes it,
 * and it goes back (once) only when the cutter says the cut is done. */
static void test_give_back_waits(void)
{
    setup();
    GThread *t = acquire_pending();
    grant(true);
    g_thread_join(t);
    g_assert_cmpint(sync_mutex_unlock(&table, LOCK), ==, 0);
    g_assert_true(sync_mutex_cached(&table, LOCK));
    hold_give_backs = true;
    sync_on_revoke(&table, LOCK);
    g_assert_cmpint(give_backs_held, ==, 1);
    g_assert_cmpint(releases_sent, ==, 0);
    g_assert_false(sync_mutex_cached(&table, LOCK));     /* a local acquire would wait, not take it */
    sync_on_revoke(&table, LOCK);                        /* a second revoke changes nothing */
    g_assert_cmpint(releases_sent, ==, 0);
    sync_give_back_pending(&table);
    g_assert_cmpint(releases_sent, ==, 1);
    sync_give_back_pending(&table);
    g_assert_cmpint(releases_sent, ==, 1);
    teardown();
}

/* A held grant: the acquirer keeps waiting until sync_apply_grant; a revoke that came meanwhile is acted on then,
 * at the acquirer's release (it had the lock first, as after any grant). */
static void test_grant_waits(void)
{
    setup();
    GThread *t = acquire_pending();
    hold_next_grant = true;
    grant(true);
    g_assert_cmpint(grants_held, ==, 1);
    g_assert_false(sync_mutex_cached(&table, LOCK));
    sync_on_revoke(&table, LOCK);
    g_assert_cmpint(releases_sent, ==, 0);
    sync_apply_grant(&table, LOCK, true, NULL, 0);
    g_thread_join(t);                                    /* it has the lock */
    g_assert_cmpint(releases_sent, ==, 0);
    g_assert_cmpint(sync_mutex_unlock(&table, LOCK), ==, 0);
    g_assert_cmpint(releases_sent, ==, 1);               /* the revoke, at its release */
    teardown();
}

/* What the real hook asks: would these notices flush a change made here? */
static void test_notices_hit_changes(void)
{
    setup();
    struct wire_notice n = { 3, 2 };
    volatile uint32_t *w = (volatile uint32_t *)(region.base + 3 * DSM_PAGE_SIZE);
    (void)*w;                                            /* read: fetched, not changed */
    g_assert_false(dsm_region_notices_hit_changes(&region, &n, 1));
    *w = 7;
    g_assert_true(dsm_region_notices_hit_changes(&region, &n, 1));
    struct wire_notice other = { 4, 2 };
    g_assert_false(dsm_region_notices_hit_changes(&region, &other, 1));
    g_assert_cmpint(dsm_region_flush(&region), ==, 0);
    g_assert_false(dsm_region_notices_hit_changes(&region, &n, 1));
    teardown();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sync-held/give-back-waits-for-cut", test_give_back_waits);
    g_test_add_func("/sync-held/grant-waits-for-cut", test_grant_waits);
    g_test_add_func("/sync-held/notices-hit-changes", test_notices_hit_changes);
    return g_test_run();
}
