/* Algorithm 1 on the home theater's shape after the screen moved to the TV (DynaMix Fig. 4 and 6): a loader
 * hands packets to a decoder through lock P, the decoder hands frames to the player through lock Q, and the
 * player forwards every frame to the TV's screen. The selector must group decoder and player, move them to the
 * TV, and refuse moves that do not pay: no idle CPU there, a group in backoff, a link that cannot carry the
 * frames between split threads. */
#include <glib.h>
#include <string.h>

#include "migration_selector.h"

enum { LOADER, DECODER, PLAYER };
#define LOCK_P 0x4ca0b0
#define LOCK_Q 0x4ca250
#define PHONE 1
#define TV 2
#define SPEAKER 3

static void uses(struct sel_thread *t, int i, uint64_t lock, double acquires, double bytes)
{
    t->lock_id[i] = lock;
    t->acquires_per_s[i] = acquires;
    t->bytes_per_s[i] = bytes;
}

/* Phone (the master), TV and speaker, seen from SELF: 4 ms and 100 Mbit/s to each other device. */
static void three_devices(struct sel_input *in, uint32_t self)
{
    memset(in, 0, sizeof *in);
    in->self = self;
    in->master = PHONE;
    in->ndev = 3;
    in->d_thre_Bps = 4e6;
    in->min_gain = 0.05;
    for (uint32_t d = 1; d <= 3; d++) {
        in->present[d] = true;
        in->rtt_s[d] = d == self ? 0 : 0.004;
        in->bw_Bps[d] = d == self ? 0 : 12.5e6;
    }
}

static void home_theater(struct sel_input *in)
{
    three_devices(in, PHONE);
    for (int d = 1; d <= 3; d++)
        in->idle_insns_per_s[d] = 2e9;
    in->nthreads = 3;
    struct sel_thread *t = in->thread;
    t[LOADER].slot = 0;
    t[LOADER].insns_per_s = 1e6;
    uses(&t[LOADER], 0, LOCK_P, 8, 300e3);
    t[DECODER].slot = 1;
    t[DECODER].insns_per_s = 1.3e8;
    uses(&t[DECODER], 0, LOCK_P, 8, 0);
    uses(&t[DECODER], 1, LOCK_Q, 8, 11e6);          /* 7.4 frames/s of 1.38 MB */
    t[PLAYER].slot = 2;
    t[PLAYER].insns_per_s = 1.1e7;
    uses(&t[PLAYER], 0, LOCK_Q, 8, 40e3);
    t[PLAYER].io_requests_per_s[TV] = 24;
    t[PLAYER].io_bytes_per_s[TV] = 10.2e6;
}

static void test_moves_decoder_and_player_to_tv(void)
{
    struct sel_input in;
    struct sel_result res;
    home_theater(&in);
    sel_choose(&in, &res);
    g_assert_cmpuint(res.ngroups, ==, 2);
    g_assert_cmpuint(res.group_of[DECODER], ==, res.group_of[PLAYER]);
    g_assert_cmpuint(res.group_of[LOADER], !=, res.group_of[PLAYER]);
    g_assert_cmpuint(res.dest, ==, TV);
    g_assert_cmpuint(res.victims, ==, (1u << DECODER) | (1u << PLAYER));
    /* data: 10.2 MB/s of frames no longer cross 12.5 MB/s, 300 kB/s of packets now do */
    g_assert_cmpfloat_with_epsilon(res.t_dt, (10.2e6 - 300e3) / 12.5e6, 1e-6);
    /* control: 24 forwarded requests/s stop paying an RTT, 8 acquires/s of P start paying 1.5 RTT */
    g_assert_cmpfloat_with_epsilon(res.t_ct, 24 * 0.004 - 8 * 1.5 * 0.004, 1e-9);
    g_assert_cmpfloat_with_epsilon(res.gain, res.t_ct + res.t_dt, 1e-12);
}

static void test_needs_idle_cpu(void)
{
    struct sel_input in;
    struct sel_result res;
    home_theater(&in);
    in.idle_insns_per_s[TV] = 1e8;                  /* less than the decoder alone */
    sel_choose(&in, &res);
    g_assert_cmpuint(res.dest, !=, TV);
    in.present[TV] = false;
    sel_choose(&in, &res);
    g_assert_cmpuint(res.dest, !=, TV);
}

static void test_backoff(void)
{
    struct sel_input in;
    struct sel_result res;
    home_theater(&in);
    in.thread[PLAYER].in_backoff = true;            /* the whole group waits */
    sel_choose(&in, &res);
    g_assert_cmpuint(res.dest, ==, 0);
    g_assert_cmpfloat(res.gain, ==, 0);
}

static void test_split_group_does_not_pay(void)
{
    struct sel_input in;
    struct sel_result res;
    home_theater(&in);
    in.d_thre_Bps = 1e9;                            /* nothing merges: the player alone would drag the frames */
    sel_choose(&in, &res);
    g_assert_cmpuint(res.ngroups, ==, 3);
    g_assert_cmpuint(res.dest, ==, 0);
}

/* The home theater at 10 Mbit/s (Fig. 10's left end): the link lets 0.9 frames/s through, so the decoder and the
 * player can only show 1.2 MB/s of exchange, under D_thre. Against the link's rate that is its whole capacity:
 * with the threshold capped by the link they are one group, and it moves to the TV. */
static void test_threshold_follows_a_slow_link(void)
{
    struct sel_input in;
    struct sel_result res;
    home_theater(&in);
    for (uint32_t d = 1; d <= 3; d++)
        in.bw_Bps[d] = d == PHONE ? 0 : 1.25e6;
    in.thread[LOADER].bytes_per_s[0] = 40e3;        /* what 0.9 frames/s of the stream take */
    in.thread[DECODER].bytes_per_s[1] = 1.2e6;
    in.thread[PLAYER].io_requests_per_s[TV] = 2;
    in.thread[PLAYER].io_bytes_per_s[TV] = 1.2e6;
    sel_choose(&in, &res);                          /* D_thre alone: three groups, and no single move pays */
    g_assert_cmpfloat(sel_merge_threshold(&in), ==, 4e6);
    g_assert_cmpuint(res.ngroups, ==, 3);
    g_assert_cmpuint(res.dest, ==, 0);
    in.d_thre_link_share = 0.4;
    g_assert_cmpfloat_with_epsilon(sel_merge_threshold(&in), 0.5e6, 1e-6);
    sel_choose(&in, &res);
    g_assert_cmpuint(res.group_of[DECODER], ==, res.group_of[PLAYER]);
    g_assert_cmpuint(res.dest, ==, TV);
    g_assert_cmpuint(res.victims, ==, (1u << DECODER) | (1u << PLAYER));
    for (uint32_t d = 1; d <= 3; d++)               /* on the paper's 100 Mbit/s the share is 5 MB/s: D_thre stands */
        in.bw_Bps[d] = d == PHONE ? 0 : 12.5e6;
    g_assert_cmpfloat(sel_merge_threshold(&in), ==, 4e6);
    in.bw_Bps[TV] = 1.25e6;                         /* the fastest link counts, not the slowest */
    g_assert_cmpfloat(sel_merge_threshold(&in), ==, 4e6);
}

static void test_slow_link_to_destination(void)
{
    struct sel_input in;
    struct sel_result res;
    home_theater(&in);
    in.bw_Bps[TV] = 0.05e6;                         /* the packets alone would take more than the frames save */
    in.thread[PLAYER].io_bytes_per_s[TV] = 10e3;
    sel_choose(&in, &res);
    g_assert_cmpuint(res.dest, ==, 0);
}

static void test_empty(void)
{
    struct sel_input in;
    struct sel_result res;
    memset(&in, 0, sizeof in);
    sel_choose(&in, &res);
    g_assert_cmpuint(res.dest, ==, 0);
    g_assert_cmpuint(res.ngroups, ==, 0);
}

/* A player whose placement hints bar the TV keeps its whole group (the decoder too) off it. */
static void test_barred_by_hints(void)
{
    struct sel_input in;
    struct sel_result res;
    home_theater(&in);
    in.thread[PLAYER].barred_dests = 1u << TV;
    sel_choose(&in, &res);
    g_assert_cmpuint(res.dest, !=, TV);
    g_assert_cmpuint(res.victims & ((1u << DECODER) | (1u << PLAYER)), ==, 0);
    in.thread[DECODER].barred_dests = 1u << SPEAKER;        /* another device barred: the TV is fine again */
    in.thread[PLAYER].barred_dests = 0;
    sel_choose(&in, &res);
    g_assert_cmpuint(res.dest, ==, TV);
}

/* Table 1's shape at 100 Mbit/s, 4 ms RTT and a 75 ms move: a thumbnail is forwarded, a camera photo moves
 * its reader. */
static void test_transfer_small_forwarded_large_moved(void)
{
    struct sel_transfer in = { .chunk_bytes = 16 << 20, .rtt_s = 0.004, .bw_Bps = 12.5e6, .move_s = 0.075,
                               .margin = 2 };
    struct sel_transfer_cost cost;
    in.bytes = 6e3;
    sel_transfer_choice(&in, &cost);
    g_assert_false(cost.move);
    g_assert_cmpfloat_with_epsilon(cost.forward_s, 0.004 + 6e3 / 12.5e6, 1e-9);
    in.bytes = 5e6;
    sel_transfer_choice(&in, &cost);
    g_assert_true(cost.move);
    /* The same photo over a link four times faster is not worth the move. */
    in.bw_Bps = 50e6;
    in.bytes = 1.5e6;
    sel_transfer_choice(&in, &cost);
    g_assert_false(cost.move);
}

/* Each forwarded request of at most chunk_bytes costs a round trip; an unknown rate never moves anything. */
static void test_transfer_chunks_and_unknown_rate(void)
{
    struct sel_transfer in = { .bytes = 3e6, .chunk_bytes = 1e6, .rtt_s = 0.1, .bw_Bps = 1e9, .move_s = 0.1,
                               .margin = 2 };
    struct sel_transfer_cost cost;
    sel_transfer_choice(&in, &cost);
    g_assert_cmpfloat_with_epsilon(cost.forward_s, 3 * 0.1 + 3e6 / 1e9, 1e-9);
    g_assert_true(cost.move);
    in.bw_Bps = 0;
    sel_transfer_choice(&in, &cost);
    g_assert_false(cost.move);
}

/*
 * CPU contention: three compute threads on a 2-core speaker (1.2 G instructions/s per core) each get two thirds of
 * a core and wait the rest; a phone with idle cores has joined. Thread 2 also shares a lock with thread 0.
 */
static void cpu_bound(struct sel_input *in)
{
    three_devices(in, SPEAKER);
    in->core_ips[SPEAKER] = 1.2e9;
    in->idle_insns_per_s[SPEAKER] = 0;
    in->core_ips[PHONE] = 2.26e9;
    in->idle_insns_per_s[PHONE] = 4 * 2.26e9;
    in->core_ips[TV] = 0;                           /* no measured idle CPU: not a destination */
    in->idle_insns_per_s[TV] = 1e18;
    in->nthreads = 3;
    for (int i = 0; i < 3; i++) {
        in->thread[i].slot = (uint32_t)i;
        in->thread[i].runnable = 1;
        in->thread[i].insns_per_s = 0.8e9;
    }
    uses(&in->thread[0], 0, LOCK_P, 2, 1e6);
    uses(&in->thread[2], 0, LOCK_P, 2, 1e6);
}

static void test_cpu_contention_moves_to_idle_cores(void)
{
    struct sel_input in;
    struct sel_result res;
    cpu_bound(&in);
    g_assert_cmpfloat_with_epsilon(sel_cpu_wait(&in, &in.thread[1]), 1 - 0.8 / 1.2, 1e-9);
    sel_choose(&in, &res);
    g_assert_cmpuint(res.dest, ==, 0);              /* no network contention: Algorithm 1 sees no gain */
    sel_choose_cpu(&in, &res);
    g_assert_cmpuint(res.dest, ==, PHONE);
    /* thread 1 alone: it gets a whole core (capped by what it wants), and loses no shared data; threads 0 and 2
     * would each leave the other's 2 MB/s behind */
    g_assert_cmpuint(res.victims, ==, 1u << 1);
    g_assert_cmpfloat_with_epsilon(res.gain, 1 - 0.8 / 1.2, 1e-9);
    g_assert_cmpfloat(res.t_ct + res.t_dt, ==, 0);
}

static void test_cpu_contention_needs_room(void)
{
    struct sel_input in;
    struct sel_result res;
    cpu_bound(&in);
    in.idle_insns_per_s[PHONE] = 0.5e9;             /* less than a core of this device */
    sel_choose_cpu(&in, &res);
    g_assert_cmpuint(res.dest, ==, 0);
    cpu_bound(&in);
    in.present[PHONE] = false;                      /* not joined yet, or lost */
    sel_choose_cpu(&in, &res);
    g_assert_cmpuint(res.dest, ==, 0);
    cpu_bound(&in);
    for (int i = 0; i < 3; i++)
        in.thread[i].insns_per_s = 1.2e9;           /* busy, but nobody waits for a core */
    sel_choose_cpu(&in, &res);
    g_assert_cmpuint(res.dest, ==, 0);
}

/* A group whose data would then cross a slow link pays more in network time than it gains in CPU. */
static void test_cpu_gain_against_network_loss(void)
{
    struct sel_input in;
    struct sel_result res;
    cpu_bound(&in);
    in.thread[1].insns_per_s = 1.15e9;              /* waits only 4% of the time */
    uses(&in.thread[1], 0, LOCK_Q, 8, 1e6);
    in.nthreads = 3;
    in.thread[0].lock_id[1] = LOCK_Q;               /* thread 0 reads what thread 1 writes: 1 MB/s */
    in.thread[0].acquires_per_s[1] = 8;
    in.d_thre_Bps = 4e6;                            /* not enough to group them */
    in.bw_Bps[PHONE] = 1e6;                         /* 1 MB/s: the data would cost a second per second */
    sel_choose_cpu(&in, &res);
    g_assert_cmpuint(res.dest, ==, 0);             /* and threads 0 and 2 would leave 2 MB/s of each other's data */
    in.bw_Bps[PHONE] = 12.5e6;                      /* on the paper's 100 Mbit/s, thread 2 may go (0.33 - 0.17) */
    sel_choose_cpu(&in, &res);
    g_assert_cmpuint(res.dest, ==, PHONE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/selector/moves-decoder-and-player-to-tv", test_moves_decoder_and_player_to_tv);
    g_test_add_func("/selector/needs-idle-cpu", test_needs_idle_cpu);
    g_test_add_func("/selector/backoff", test_backoff);
    g_test_add_func("/selector/split-group-does-not-pay", test_split_group_does_not_pay);
    g_test_add_func("/selector/slow-link-to-destination", test_slow_link_to_destination);
    g_test_add_func("/selector/threshold-follows-a-slow-link", test_threshold_follows_a_slow_link);
    g_test_add_func("/selector/empty", test_empty);
    g_test_add_func("/selector/cpu-contention-moves-to-idle-cores", test_cpu_contention_moves_to_idle_cores);
    g_test_add_func("/selector/cpu-contention-needs-room", test_cpu_contention_needs_room);
    g_test_add_func("/selector/cpu-gain-against-network-loss", test_cpu_gain_against_network_loss);
    g_test_add_func("/selector/barred-by-hints", test_barred_by_hints);
    g_test_add_func("/selector/transfer-small-forwarded-large-moved", test_transfer_small_forwarded_large_moved);
    g_test_add_func("/selector/transfer-chunks-and-unknown-rate", test_transfer_chunks_and_unknown_rate);
    return g_test_run();
}
