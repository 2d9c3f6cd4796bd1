/* test_peer_link_watch: when heartbeats call the link to the master unstable (peer_link_watch.c). A steady
 * link with jitter never is; half the echoes late (TCP resending lost packets) makes it so, once; a single
 * spike does not; and it is stable again after a window of good echoes, ready to warn again. */
#include <glib.h>

#include "peer_link_watch.h"

#define MS 1000000ull

static void test_steady_link(void)
{
    struct link_watch w = { 0 };
    g_assert_cmpuint(link_watch_bar_ns(&w), ==, 0);
    for (int i = 0; i < 200; i++)       /* 4 ms round trips, jitter up to 3x */
        g_assert_false(link_watch_sample(&w, (4 + (uint64_t)(i % 9)) * MS));
    g_assert_cmpuint(w.best_ns, ==, 4 * MS);
    g_assert_cmpuint(link_watch_bar_ns(&w), ==, 19 * MS);   /* best + 15 ms beats 3 x best here */
    g_assert_false(w.unstable);
}

static void test_losses_turn_it_unstable_once(void)
{
    struct link_watch w = { 0 };
    for (int i = 0; i < 10; i++)
        link_watch_sample(&w, 4 * MS);
    g_assert_false(link_watch_sample(&w, 600 * MS));        /* one retransmission: no */
    for (int i = 0; i < 20; i++)
        g_assert_false(link_watch_sample(&w, 4 * MS));
    int turned = 0;
    for (int i = 0; i < 30; i++)                            /* every other echo held up by a resend */
        turned += link_watch_sample(&w, i % 2 ? 4 * MS : (200 + 10 * (uint64_t)i) * MS);
    g_assert_cmpint(turned, ==, 1);
    g_assert_true(w.unstable);
    for (int i = 0; i < LINK_WATCH_WINDOW - 1; i++)
        g_assert_false(link_watch_sample(&w, 5 * MS));
    g_assert_false(w.unstable);
    for (int i = 0; i < LINK_WATCH_LATE - 1; i++)
        g_assert_false(link_watch_sample(&w, 300 * MS));
    g_assert_true(link_watch_sample(&w, 300 * MS));         /* warns again */
}

static void test_slow_link_scales(void)
{
    struct link_watch w = { 0 };
    for (int i = 0; i < 10; i++)
        link_watch_sample(&w, 680 * MS);                    /* CloneCloud's 3G: slow, not unstable */
    g_assert_cmpuint(link_watch_bar_ns(&w), ==, 3 * 680 * MS);
    for (int i = 0; i < 10; i++)
        g_assert_false(link_watch_sample(&w, 1500 * MS));
    g_assert_false(link_watch_sample(&w, 0));               /* no sample */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/link-watch/steady-link", test_steady_link);
    g_test_add_func("/link-watch/losses-turn-it-unstable-once", test_losses_turn_it_unstable_once);
    g_test_add_func("/link-watch/slow-link-scales", test_slow_link_scales);
    return g_test_run();
}
