/* test_recovery_plan: what the master does with each spawn slot when a device is lost (recovery_plan.c).
 * A thread the lost device ran resumes on the master from its latest checkpoint (a release checkpoint before
 * the context it arrived with), or starts again when it has none; a thread on its way there goes on to the
 * master instead; a thread whose hint says so starts again whatever its checkpoint; nothing else changes. */
#include <glib.h>
#include <string.h>

#include "dsm_api.h"
#include "thread_recovery.h"

enum { MASTER = 1, LOST = 3, OTHER = 2 };
#define T_LOST 5000000000ull

static struct spawn_slot running_on(uint32_t device, uint64_t ckpt_ctx)
{
    struct spawn_slot s;
    memset(&s, 0, sizeof(s));
    s.state = SPAWN_RUNNING;
    s.device = device;
    s.fn = 0x401000;
    s.arg = 0x7f0000;
    s.stack_lo = 0x100000;
    s.stack_hi = 0x300000;
    s.src = OTHER;
    s.migrations = 2;
    s.ckpt_ctx = ckpt_ctx;
    s.t_detect = s.t_decide = 42;
    return s;
}

static void assert_reposted(const struct spawn_slot *s, uint32_t state, uint64_t ctx)
{
    g_assert_cmpuint(s->state, ==, state);
    g_assert_cmpuint(s->device, ==, MASTER);
    g_assert_cmphex(s->ctx, ==, ctx);
    g_assert_cmpuint(s->src, ==, LOST);
    g_assert_cmpuint(s->recovering, ==, 1);
    g_assert_cmpuint(s->t_request, ==, T_LOST);     /* its recovery time is measured from the loss */
    g_assert_cmpuint(s->t_detect, ==, 0);           /* not a policy's move */
    g_assert_cmpuint(s->fn, ==, 0x401000);          /* what it runs and its stack stay */
    g_assert_cmphex(s->stack_lo, ==, 0x100000);
}

static void test_resume_from_arrival(void)
{
    struct spawn_slot s = running_on(LOST, 0x2ff000);
    g_assert_cmpint(recovery_repost(&s, LOST, MASTER, T_LOST, 0), ==, RECOVER_RESUME);
    assert_reposted(&s, SPAWN_MIGRATING, 0x2ff000);
}

static void test_release_checkpoint_first(void)
{
    struct spawn_slot s = running_on(LOST, 0x2ff000);
    g_assert_cmpint(recovery_repost(&s, LOST, MASTER, T_LOST, 0x100010), ==, RECOVER_RESUME);
    assert_reposted(&s, SPAWN_MIGRATING, 0x100010);
}

static void test_restart_without_checkpoint(void)
{
    struct spawn_slot s = running_on(LOST, 0);      /* it started on the lost device */
    g_assert_cmpint(recovery_repost(&s, LOST, MASTER, T_LOST, 0), ==, RECOVER_RESTART);
    assert_reposted(&s, SPAWN_POSTED, 0);
}

/* The thread's hint DMX_ON_FAILURE_RESTART: from its start routine, whatever checkpoint it has. */
static void test_restart_hint(void)
{
    struct spawn_slot s = running_on(LOST, 0x2ff000);
    s.on_failure = DMX_ON_FAILURE_RESTART;
    g_assert_cmpint(recovery_repost(&s, LOST, MASTER, T_LOST, 0x100010), ==, RECOVER_RESTART);
    assert_reposted(&s, SPAWN_POSTED, 0);
}

static void test_on_its_way(void)
{
    struct spawn_slot s = running_on(LOST, 0);
    s.state = SPAWN_MIGRATING;      /* posted for the lost device, or its arrival there was lost with it */
    s.ctx = 0x2fe000;
    g_assert_cmpint(recovery_repost(&s, LOST, MASTER, T_LOST, 0), ==, RECOVER_RESUME);
    assert_reposted(&s, SPAWN_MIGRATING, 0x2fe000);

    /* Taken by the lost device's spawn server (RUNNING) before its carrier took the context: that context, not
     * the one it arrived with on the device before (a pt_tally thread started again from 0 and counted twice). */
    s = running_on(LOST, 0x2ff000);
    s.ctx = 0x2fe000;
    g_assert_cmpint(recovery_repost(&s, LOST, MASTER, T_LOST, 0), ==, RECOVER_RESUME);
    assert_reposted(&s, SPAWN_MIGRATING, 0x2fe000);

    s = running_on(LOST, 0);
    s.state = SPAWN_POSTED;         /* never started there */
    g_assert_cmpint(recovery_repost(&s, LOST, MASTER, T_LOST, 0), ==, RECOVER_RESTART);
    assert_reposted(&s, SPAWN_POSTED, 0);
}

static void test_others_untouched(void)
{
    struct spawn_slot cases[5];
    cases[0] = running_on(OTHER, 0x2ff000);
    cases[1] = running_on(MASTER, 0);
    cases[2] = running_on(LOST, 0x2ff000);
    cases[2].state = SPAWN_DONE;    /* ended there: its result was pushed home before DONE */
    cases[3] = running_on(LOST, 0);
    cases[3].state = SPAWN_FREE;
    cases[4] = running_on(OTHER, 0);
    cases[4].state = SPAWN_MIGRATING;
    cases[4].src = LOST;            /* left the lost device in time */
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct spawn_slot before = cases[i];
        g_assert_cmpint(recovery_repost(&cases[i], LOST, MASTER, T_LOST, 0x100010), ==, RECOVER_NONE);
        g_assert_cmpmem(&before, sizeof(before), &cases[i], sizeof(cases[i]));
    }
    struct spawn_slot s = running_on(MASTER, 0);    /* the master is never "lost" to itself */
    g_assert_cmpint(recovery_repost(&s, MASTER, MASTER, T_LOST, 0), ==, RECOVER_NONE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/recovery-plan/resume-from-arrival", test_resume_from_arrival);
    g_test_add_func("/recovery-plan/release-checkpoint-first", test_release_checkpoint_first);
    g_test_add_func("/recovery-plan/restart-without-checkpoint", test_restart_without_checkpoint);
    g_test_add_func("/recovery-plan/restart-hint", test_restart_hint);
    g_test_add_func("/recovery-plan/on-its-way", test_on_its_way);
    g_test_add_func("/recovery-plan/others-untouched", test_others_untouched);
    return g_test_run();
}
