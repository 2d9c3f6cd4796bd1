/* test_offload_policy_cost: CloneCloud's cost model as the offload policy uses it (testbed/runtime/offload_cost.c),
 * natively, on hand-made profiles whose costs are worked out in each test. */
#include <glib.h>
#include <string.h>

#include "offload_cost.h"

#define EPS 1e-9

/* Three devices: 1 (self, the master) slow, 2 middling, 3 fast, all idle, linked at 100 Mbit/s with 4 ms RTT. */
static void three_devices(struct offload_input *in)
{
    memset(in, 0, sizeof *in);
    in->self = 1;
    in->master = 1;
    in->ndev = 3;
    in->horizon_s = 1;
    const double ips[] = { 0, 1.2e9, 1.5e9, 2.26e9 };
    for (uint32_t d = 1; d <= 3; d++)
        in->dev[d] = (struct offload_device){ true, ips[d], 4, 0.004, 12.5e6 };
    in->dev[1].idle_cores = 1;      /* the profiled thread keeps one of its two cores busy */
}

/* A thread that ran flat out on self for one second. */
static void busy_thread(struct offload_profile *p)
{
    memset(p, 0, sizeof *p);
    p->window_s = 1;
    p->insns = 1.2e9;
    p->stack_bytes = 20480;
}

static void test_fastest_wins(void)
{
    struct offload_input in;
    struct offload_profile p;
    struct offload_cost cost[OFFLOAD_MAX_DEVICES];
    three_devices(&in);
    busy_thread(&p);
    g_assert_cmpfloat_with_epsilon(offload_core_share(&in, &p), 1.0, EPS);
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 3);
    g_assert_cmpfloat_with_epsilon(cost[1].total_s, 1.0, EPS);              /* it reproduces the profile */
    g_assert_cmpfloat_with_epsilon(cost[3].compute_s, 1.2e9 / 2.26e9, EPS);
    g_assert_cmpfloat_with_epsilon(cost[2].compute_s, 0.8, EPS);
    g_assert_cmpfloat_with_epsilon(cost[3].migrate_s, 2 * 0.004 + 20480 / 12.5e6, EPS);
    g_assert_true(cost[3].total_s < cost[2].total_s && cost[2].total_s < cost[1].total_s);
}

/* CloneCloud's 3G: a 680 ms round trip and 0.4 Mbit/s make the move cost more than the faster CPU saves. */
static void test_slow_link_stays(void)
{
    struct offload_input in;
    struct offload_profile p;
    struct offload_cost cost[OFFLOAD_MAX_DEVICES];
    three_devices(&in);
    for (uint32_t d = 2; d <= 3; d++) {
        in.dev[d].rtt_s = 0.68;
        in.dev[d].bw_Bps = 0.4e6 / 8;
    }
    in.working_set_bytes = 1 << 20;
    busy_thread(&p);
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 1);
    g_assert_cmpfloat(cost[3].migrate_s, >, 2 * 0.68);
    /* A longer future pays the move back. */
    in.horizon_s = 60;
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 3);
}

/* A busy fast device is worth only the cores it has free; one with none is no candidate. */
static void test_free_cores(void)
{
    struct offload_input in;
    struct offload_profile p;
    struct offload_cost cost[OFFLOAD_MAX_DEVICES];
    three_devices(&in);
    busy_thread(&p);
    in.dev[3].idle_cores = 0.5;         /* 1.13e9 instructions/s for the thread: slower than device 2 */
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 2);
    g_assert_cmpfloat_with_epsilon(cost[3].compute_s, 1.2e9 / (2.26e9 * 0.5), EPS);
    in.dev[2].idle_cores = 0;
    in.dev[3].idle_cores = 0.01;
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 1);
    g_assert_false(cost[2].candidate);
    g_assert_false(cost[3].candidate);
    in.dev[3].idle_cores = -1;          /* unknown */
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 1);
    g_assert_false(cost[3].candidate);
}

/* A thread that forwards 4 MB/s to device 2's resource is cheaper next to it, though device 3 is faster. */
static void test_io_pulls_to_resource(void)
{
    struct offload_input in;
    struct offload_profile p;
    struct offload_cost cost[OFFLOAD_MAX_DEVICES];
    three_devices(&in);
    busy_thread(&p);
    p.io_requests[2] = 100;
    p.io_bytes[2] = 4e6;
    p.insns = 0.8 * 1.2e9;              /* its stall took the rest of the window */
    p.stall_s = 0.2;
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 2);
    g_assert_cmpfloat_with_epsilon(cost[2].comm_s, 0, EPS);
    g_assert_cmpfloat_with_epsilon(cost[3].comm_s, 100 * 0.004 + 4e6 / 12.5e6, EPS);
    g_assert_cmpfloat_with_epsilon(cost[1].comm_s, cost[3].comm_s, EPS);
}

/* Lock traffic with the master costs three hops per acquire from anywhere else. */
static void test_locks_tie_to_master(void)
{
    struct offload_input in;
    struct offload_profile p;
    struct offload_cost cost[OFFLOAD_MAX_DEVICES];
    three_devices(&in);
    busy_thread(&p);
    p.lock_acquires = 200;
    p.dsm_bytes = 1e6;
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 1);
    g_assert_cmpfloat_with_epsilon(cost[3].comm_s, 200 * 1.5 * 0.004 + 1e6 / 12.5e6, EPS);
    g_assert_cmpfloat_with_epsilon(cost[1].comm_s, 0, EPS);
}

/* The working set follows the first thread to a device only. */
static void test_working_set_once(void)
{
    struct offload_input in;
    struct offload_profile p;
    struct offload_cost cost[OFFLOAD_MAX_DEVICES];
    three_devices(&in);
    busy_thread(&p);
    in.working_set_bytes = 2.5e6;
    offload_choose(&in, &p, cost);
    double first = cost[3].migrate_s;
    in.carried[3] = true;
    offload_choose(&in, &p, cost);
    g_assert_cmpfloat_with_epsilon(first - cost[3].migrate_s, 2.5e6 / 12.5e6, EPS);
}

/* Nothing to compare without self's speed; an equal device is no reason to move; a half-idle thread keeps its
 * sleeping time wherever it runs. */
static void test_edges(void)
{
    struct offload_input in;
    struct offload_profile p;
    struct offload_cost cost[OFFLOAD_MAX_DEVICES];
    three_devices(&in);
    busy_thread(&p);
    in.dev[1].ips = 0;
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 0);
    three_devices(&in);
    in.ndev = 2;
    in.dev[2].ips = 1.2e9;
    in.dev[2].rtt_s = 0;
    p.stack_bytes = 0;                  /* a free move to an equally fast device: a tie */
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 1);
    three_devices(&in);
    busy_thread(&p);
    p.insns = 0.6e9;                    /* half a core: half the window was spent sleeping */
    g_assert_cmpfloat_with_epsilon(offload_core_share(&in, &p), 0.5, EPS);
    g_assert_cmpuint(offload_choose(&in, &p, cost), ==, 3);
    g_assert_cmpfloat_with_epsilon(cost[1].compute_s, 0.5, EPS);
    g_assert_cmpfloat_with_epsilon(cost[3].other_s, 0.5, EPS);
    g_assert_cmpfloat_with_epsilon(cost[1].total_s, 1.0, EPS);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/offload/cost/fastest-wins", test_fastest_wins);
    g_test_add_func("/offload/cost/slow-link-stays", test_slow_link_stays);
    g_test_add_func("/offload/cost/free-cores", test_free_cores);
    g_test_add_func("/offload/cost/io-pulls-to-resource", test_io_pulls_to_resource);
    g_test_add_func("/offload/cost/locks-tie-to-master", test_locks_tie_to_master);
    g_test_add_func("/offload/cost/working-set-once", test_working_set_once);
    g_test_add_func("/offload/cost/edges", test_edges);
    return g_test_run();
}
