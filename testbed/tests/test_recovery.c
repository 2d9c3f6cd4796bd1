/* test_recovery: a device lost mid-run (DynaMix 4.2.1, 4.2.4; testbed/runtime/thread_recovery.h), with real
 * emulated devices under `dmx run --app` on 3 devices (DMX_PLACE=2,3: a thread on each worker):
 *
 *   /recovery/killed/matmul         SIGKILL of dev3's qemu while its thread computes its rows: dmx goes on
 *                                   without it (devices_left in summary.json), the master restarts the thread,
 *                                   and pt_matmul's product is still right ("ok": it checks it against its own
 *                                   sequential product). RUN/devices/dev1/recoveries.csv has the thread's row.
 *   /recovery/killed/counter        pt_counter with DMX_CHECKPOINT=release, dev3 killed while its thread adds:
 *                                   that thread resumes on the master from its last release checkpoint (or starts
 *                                   again, killed before its first), so every
 *                                   increment counts exactly once (counter = threads x iterations).
 *   /recovery/killed/prodcons       pt_prodcons the same way, the consumer on dev3: its condition-variable waits
 *                                   poll the lock, and the checkpoints of polls that wrote nothing are skipped
 *                                   (dev2's dsm.json counts them); still every item is consumed exactly once.
 *   /recovery/killed/refresh        pt_blocks with DMX_CHECKPOINT=refresh (256 KiB): dev3's thread, which started
 *                                   there, resumes on the master from its latest refreshed checkpoint, so the
 *                                   blocks it computed before that stay computed on dev3.
 *   /recovery/killed/siblings       pt_tally with DMX_CHECKPOINT=release, both threads on dev3, each with a tally of
 *                                   its own outside any lock: both resume from the last cut of dev3's threads, and
 *                                   every tally is exact (checkpoint_cut.h).
 *   /recovery/killed/shared-page    pt_tally again, thread 0 on the master and threads 1 and 2 on dev3, all their
 *                                   tallies and the total on one page, and critical sections two thirds of the
 *                                   time: the master's writes reach dev3 with every grant while dev3's own
 *                                   changes wait for its next cut, and every tally is still exact.
 *   /recovery/killed/publish        the same with the default checkpoints (publish): exact too (checkpoint_publish.h).
 *   /recovery/killed/moving         the same under publish with threads moving at random every 300 ms while dev3
 *                                   is killed: exact, and no thread is left waiting on the lost device.
 *   /recovery/killed/tls            pt_tls with DMX_CHECKPOINT=release, both threads on dev3 keeping tallies in
 *                                   thread-local variables, dev3 killed: the threads resumed on the master find
 *                                   their thread-local tallies as their checkpoints had them (checkpoint_cut.h),
 *                                   so every tally and the shared counter come out exact.
 *   /recovery/publish/cost          pt_tally's two threads on dev3 under release and publish, no loss: publish
 *                                   cuts and sends a twentieth or less of what release does.
 *   /recovery/silent/matmul         dev3 frozen (SIGSTOP) instead: only the heartbeat watchdog can tell; the master
 *                                   drops it after DMX_HEARTBEAT_TIMEOUT_MS of silence and recovers as above.
 *   /recovery/scenario/churn        scenarios/churn.ini under rf: the TV killed while it classifies photos; its
 *                                   classifier starts again on the phone and every photo gets its label.
 *   /recovery/lossy-link            a scenario whose links start dropping 20% of packets at 1 s, under dynamix: the
 *                                   tablet's heartbeats come back late, and its thread moves to the master before
 *                                   anything is lost (migrations.csv: tablet -> phone, detected after 1 s);
 *                                   DMX_LINK_WATCH=1, as the watch is off by default.
 *
 * Skips when qemu-aarch64, dmx-medium or the programs are not built. */
#include <gio/gio.h>
#include <glib.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_TIMEOUT_S 400
#include "test_dmx.h"

struct outcome {
    RunResult rr;
    char *recoveries;   /* RUN/devices/dev1/recoveries.csv */
    char *summary;
    char *master_err;
    char *survivor_dsm;  /* RUN/devices/dev2/dsm.json */
};

/* dev3's qemu pid from RUN/events.log once dmx has started the devices, or 0 after 60 s. */
static int worker_pid(const char *out)
{
    g_autofree char *log = g_build_filename(out, "events.log", NULL);
    g_autoptr(GRegex) re = g_regex_new("device dev3: pid ([0-9]+),", 0, 0, NULL);
    for (int i = 0; i < 600; i++, g_usleep(100000)) {
        g_autofree char *text = NULL;
        g_autoptr(GMatchInfo) mi = NULL;
        if (!g_file_get_contents(log, &text, NULL, NULL) || !strstr(text, "started 3 devices") ||
            !g_regex_match(re, text, 0, &mi))
            continue;
        g_autofree char *pid = g_match_info_fetch(mi, 1);
        return atoi(pid);
    }
    return 0;
}

/* Runs PROG ARGS on 3 devices (EXTRA_ENV: one more NAME=VALUE, or NULL) and sends SIG to dev3's qemu AFTER_MS
 * (host) after the devices started. */
static struct outcome run_losing_dev3_once(const char *prog, const char *const *args, const char *checkpoint,
                                          const char *place, const char *extra_env, int sig, int after_ms)
{
    g_autofree char *app = g_strdup_printf("%s/build/guest/tests/%s", top(), prog);
    g_autofree char *out = g_dir_make_tmp("dmx-recovery-XXXXXX", NULL);
    g_autoptr(GPtrArray) a = g_ptr_array_new();
    const char *head[] = { "dmx", "run", "--app", app, "--devices", "3", "--out", out, "--tdf", "4", "--" };
    for (size_t i = 0; i < G_N_ELEMENTS(head); i++)
        g_ptr_array_add(a, (char *)head[i]);
    for (; *args; args++)
        g_ptr_array_add(a, (char *)*args);
    g_ptr_array_add(a, NULL);
    /* NULL: DMX_CHECKPOINT unset, the default */
    g_autofree char *ckpt = checkpoint ? g_strdup_printf("DMX_CHECKPOINT=%s", checkpoint) : g_strdup("DMX_CHECKPOINT");
    g_autofree char *placement = g_strdup_printf("DMX_PLACE=%s", place);
    const char *env[] = { placement, ckpt, "DMX_MIGRATE_RANDOM_MS", extra_env, NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(GSubprocess) p = spawn_dmx((const char *const *)a->pdata, env, &err);
    g_assert_no_error(err);
    int pid = worker_pid(out);
    g_assert_cmpint(pid, >, 1);
    g_usleep((gulong)after_ms * 1000);
    g_test_message("sending SIG%s to dev3 (pid %d)", sigabbrev_np(sig), pid);
    g_assert_cmpint(kill(pid, sig), ==, 0);
    struct outcome o = { .rr = finish_dmx(p) };
    o.recoveries = read_or_empty(out, "devices/dev1/recoveries.csv");
    o.summary = read_or_empty(out, "summary.json");
    o.master_err = read_or_empty(out, "devices/dev1/stderr.log");
    o.survivor_dsm = read_or_empty(out, "devices/dev2/dsm.json");
    g_test_message("recoveries.csv:\n%s", o.recoveries);
    remove_tree(out);
    return o;
}

static void outcome_clear(struct outcome *o)
{
    run_result_clear(&o->rr);
    g_free(o->recoveries);
    g_free(o->summary);
    g_free(o->master_err);
    g_free(o->survivor_dsm);
}

/* The kill is timed in host time, and a program's pace is not: pt_counter's 9,000 increments took 0.8 emulated
 * seconds in one run (the lock stayed on one device for long bursts) and 24 in the next (it moved almost every
 * round). A kill that comes after dev3's threads have all ended tests nothing, so the run is repeated with the
 * kill twice as early, up to 3 times; every attempt's outcome must still be right, which the caller checks on
 * the last. */
static struct outcome run_losing_dev3_env(const char *prog, const char *const *args, const char *checkpoint,
                                          const char *place, const char *extra_env, int sig, int after_ms)
{
    for (int attempt = 1;; attempt++, after_ms /= 2) {
        struct outcome o = run_losing_dev3_once(prog, args, checkpoint, place, extra_env, sig, after_ms);
        bool nothing_lost = strstr(o.rr.err, " 0 thread(s) resume from their checkpoints and 0 start again") != NULL;
        if (!nothing_lost || attempt == 4)
            return o;
        g_test_message("dev3 had no thread left %d ms in (the run: exit %d); again with the kill at %d ms", after_ms,
                       o.rr.status, after_ms / 2);
        g_assert_cmpint(o.rr.status, ==, 0);
        outcome_clear(&o);
    }
}

static struct outcome run_losing_dev3(const char *prog, const char *const *args, const char *checkpoint, int sig,
                                      int after_ms)
{
    return run_losing_dev3_env(prog, args, checkpoint, "2,3", NULL, sig, after_ms);
}

/* The rows of recoveries.csv for lost device 3, each checked for a sane recovery time; returns how many. */
static int dev3_recoveries(const char *csv, const char *want_action)
{
    g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
    int n = 0;
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, ",", -1);
        if (g_strv_length(f) != 7 || strcmp(f[1], "3") != 0)
            continue;
        if (want_action)
            g_assert_cmpstr(f[2], ==, want_action);
        double ms = g_ascii_strtod(f[5], NULL) / 1e6;
        g_test_message("thread %s of dev3: %s, %.1f ms after the loss", f[0], f[2], ms);
        g_assert_cmpfloat(ms, >, 0);
        g_assert_cmpfloat(ms, <, 5000);         /* generous: the host is slow and shared */
        n++;
    }
    return n;
}

static const char *const matmul[] = { "pt_matmul", "build/guest/tests/pt_matmul", NULL };

static void check_matmul_lost(int sig)
{
    if (!need_devices(matmul + 1))
        return;
    const char *args[] = { "800", "2", NULL };
    /* The thread on dev3 computes 400 of 800 rows, several emulated seconds: 3 host seconds in, it is busy. */
    struct outcome o = run_losing_dev3("pt_matmul", args, "migration", sig, 3000);
    g_assert_cmpint(o.rr.status, ==, 0);
    g_assert_nonnull(strstr(o.rr.out, "matmul n=800 threads=2 checksum="));
    g_assert_nonnull(strstr(o.rr.out, " ok\n"));
    g_assert_nonnull(strstr(o.rr.err, "thread 1 ran on device 1"));     /* finished where it was recovered */
    g_assert_cmpint(dev3_recoveries(o.recoveries, NULL), ==, 1);
    if (sig == SIGKILL) {
        g_assert_nonnull(strstr(o.summary, "\"devices_left\": [{\"name\": \"dev3\""));
        g_assert_nonnull(strstr(o.rr.err, "device dev3 left"));
    } else {
        g_assert_nonnull(strstr(o.master_err, "master: device 3 silent for"));
    }
    outcome_clear(&o);
}

static void check_killed_matmul(void) { check_matmul_lost(SIGKILL); }
static void check_silent_matmul(void) { check_matmul_lost(SIGSTOP); }

static void check_killed_counter(void)
{
    const char *guests[] = { "build/guest/tests/pt_counter", NULL };
    if (!need_devices(guests))
        return;
    /* 3,000 rounds each: 0.8 to 26 s of emulated time on one host (see run_losing_dev3_env), the kill 0.5 s in. */
    const char *args[] = { "3", "3000", NULL };
    struct outcome o = run_losing_dev3("pt_counter", args, "release", SIGKILL, 2000);
    g_assert_cmpint(o.rr.status, ==, 0);
    g_assert_nonnull(strstr(o.rr.out, "counter=9000 heap=9000"));
    g_assert_nonnull(strstr(o.rr.out, " ok\n"));
    g_assert_cmpint(dev3_recoveries(o.recoveries, NULL), ==, 1);  /* resume, or restart if killed before its first checkpoint */
    outcome_clear(&o);
}

/* Condition-variable waits across devices poll the lock: most of those acquires follow a release that wrote
 * nothing, and their checkpoints are skipped (the older one, already home, is as good). The consumer on dev3 is
 * lost mid-run; whatever checkpoint it resumes from, each item is still taken exactly once. */
static void check_killed_prodcons(void)
{
    const char *guests[] = { "build/guest/tests/pt_prodcons", NULL };
    if (!need_devices(guests))
        return;
    const char *args[] = { "1", "1", "300", NULL };
    struct outcome o = run_losing_dev3("pt_prodcons", args, "release", SIGKILL, 3000);
    g_assert_cmpint(o.rr.status, ==, 0);
    g_assert_nonnull(strstr(o.rr.out, "produced=300 consumed=300 sum=45150 ok"));
    g_assert_cmpint(dev3_recoveries(o.recoveries, NULL), ==, 1);
    double taken = number_after(o.survivor_dsm, "\"checkpoints\":");
    double skipped = number_after(o.survivor_dsm, "\"checkpoints_skipped\":");
    g_test_message("producer's device: %.0f checkpoints pushed, %.0f skipped", taken, skipped);
    g_assert_cmpfloat(taken, >, 0);
    g_assert_cmpfloat(skipped, >, 0);
    outcome_clear(&o);
}

/* Checkpoints refreshed past a size threshold (DMX_CHECKPOINT=refresh, 256 KiB): dev3's thread started there, so
 * it has no migration checkpoint, but it passed a refreshed one every ten blocks or so. Lost mid-run, it resumes
 * on the master from the latest: the blocks computed before it stay dev3's, only the later ones are computed
 * again (with migration checkpoints it would start again and compute every block on the master). */
static void check_killed_refresh(void)
{
    const char *guests[] = { "build/guest/tests/pt_blocks", NULL };
    if (!need_devices(guests))
        return;
    /* 800 rounds a block: enough CPU that dev3 is still at work when it is killed 5 s (host) in, however fast its
     * pages come (with 40, a run finished all 200 blocks in 0.97 emulated s, 3.9 s host, and the kill found no
     * process). */
    const char *args[] = { "2", "200", "800", NULL };
    struct outcome o = run_losing_dev3_env("pt_blocks", args, "refresh", "2,3", "DMX_CHECKPOINT_REFRESH_KB=256",
                                           SIGKILL, 5000);
    g_assert_cmpint(o.rr.status, ==, 0);
    g_assert_nonnull(strstr(o.rr.out, "blocks threads=2 blocks=200 checksum="));
    g_assert_nonnull(strstr(o.rr.out, " ok\n"));
    g_assert_cmpint(dev3_recoveries(o.recoveries, "resume"), ==, 1);
    const char *line = strstr(o.rr.out, "thread 1 blocks_on=");
    g_assert_nonnull(line);
    int on[4] = { 0 };
    g_assert_cmpint(sscanf(line, "thread 1 blocks_on=%d,%d,%d,%d", &on[0], &on[1], &on[2], &on[3]), ==, 4);
    g_test_message("dev3's thread: %d blocks kept from dev3, %d computed again on the master", on[2], on[0]);
    g_assert_cmpint(on[2], >, 0);
    g_assert_cmpint(on[0], >, 0);
    g_assert_cmpint(on[0] + on[2], ==, 200);
    outcome_clear(&o);
}

/* Two threads on one device (DMX_PLACE=3,3), each keeping a running tally in shared memory outside any lock and
 * taking a mutex at its own rhythm (pt_tally); dev3 is killed mid-run. A checkpoint pushes every change of the
 * device, the sibling's too, so it is a cut through both threads (checkpoint_cut.h): the sibling is stopped by a
 * signal in its own code, or found inside a lock operation, and its checkpoint is where the cut found it; home
 * applies the cut only whole. Each thread resumes on the master from the last cut, and every slot and the total
 * come out exact. With DMX_CHECKPOINT_CUT=0 (each checkpoint the taker's alone) 7 of 8 such runs came out WRONG:
 * a sibling's tally pushed ahead of its checkpoint, then added to again from there. */
static void check_killed_siblings(void)
{
    const char *guests[] = { "build/guest/tests/pt_tally", NULL };
    if (!need_devices(guests))
        return;
    const char *args[] = { "2", "6000000", "1000", NULL };
    struct outcome o = run_losing_dev3_env("pt_tally", args, "release", "3,3", NULL, SIGKILL, 2000);
    g_assert_cmpint(o.rr.status, ==, 0);
    g_assert_nonnull(strstr(o.rr.out, "tally threads=2 rounds=6000000 total=102000000 ok"));
    g_assert_cmpint(dev3_recoveries(o.recoveries, NULL), ==, 2);
    g_assert_nonnull(strstr(o.rr.err, "thread 0 ended on device 1"));
    g_assert_nonnull(strstr(o.rr.err, "thread 1 ended on device 1"));
    outcome_clear(&o);
}

/* Cuts and false sharing across devices. The page holding every tally and the total is written by the master's
 * thread all the time and by dev3's two threads between cuts; dev3's thread 1 holds the mutex for 2,000 rounds'
 * work each time it takes it, so the kill most likely finds it inside, after a grant brought the master's
 * changes to the page. Nothing dev3 wrote since its last cut may reach home before its next one: 6 of 6 runs
 * exact when written; without checkpoints the same kill left threads 1 and 2 at 17,306,004 and 19,805,011 of
 * 16,999,996 (WRONG). */
static void killed_shared_page(const char *checkpoints)
{
    const char *guests[] = { "build/guest/tests/pt_tally", NULL };
    if (!need_devices(guests))
        return;
    const char *args[] = { "3", "2000000", "100", "2000", NULL };
    struct outcome o = run_losing_dev3_env("pt_tally", args, checkpoints, "1,3,3", NULL, SIGKILL, 3000);
    g_assert_cmpint(o.rr.status, ==, 0);
    g_assert_nonnull(strstr(o.rr.out, "tally threads=3 rounds=2000000 total=50999988 ok"));
    g_assert_cmpint(dev3_recoveries(o.recoveries, NULL), ==, 2);
    g_assert_nonnull(strstr(o.rr.err, "thread 1 ended on device 1"));
    g_assert_nonnull(strstr(o.rr.err, "thread 2 ended on device 1"));
    outcome_clear(&o);
}

static void check_killed_shared_page(void) { killed_shared_page("release"); }

/* The same under publish checkpoints, the default (DMX_CHECKPOINT unset), where the lock's hand-backs to the master
 * and the grants that would flush dev3's changes wait for a cut of dev3's threads (checkpoint_publish.h): 5 of 5
 * runs exact when written. */
static void check_killed_publish(void) { killed_shared_page(NULL); }

/* The same under publish with threads moving at random every 300 ms (DMX_MIGRATE_RANDOM_MS), dev3 killed while
 * threads come and go. A carrier taking the control block's lock as a thread arrives or leaves gets write notices
 * for the tally page, which used to send dev3's changes since its last cut home (a tally added to twice: 1 run of
 * 2); now they stay on dev3 (notices_kept, dsm_region.h). A thread posted to dev3 after the master's recovery had
 * looked for dev3's threads waited there forever (1 run of 6); it now goes to the master. A cut's push that
 * faulted on its own stack under the region's lock hung dev2 (3 runs of 31; /dsm-fault/region-stack-release).
 * A thread dev3's spawn server had taken but its carrier had not started again from scratch on the master (3 of 6
 * runs WRONG; /recovery-plan/on-its-way).
 * 17 of 17 runs exact and finished when written, with 1 to 3 of dev3's threads recovered in each. */
static void check_killed_moving(void)
{
    const char *guests[] = { "build/guest/tests/pt_tally", NULL };
    if (!need_devices(guests))
        return;
    const char *args[] = { "3", "2000000", "100", "2000", NULL };
    struct outcome o = run_losing_dev3_env("pt_tally", args, "publish", "1,3,3", "DMX_MIGRATE_RANDOM_MS=300",
                                           SIGKILL, 1600);
    g_assert_cmpint(o.rr.status, ==, 0);
    g_assert_nonnull(strstr(o.rr.out, "tally threads=3 rounds=2000000 total=50999988 ok"));
    g_assert_nonnull(strstr(o.rr.err, "migrated thread"));
    g_test_message("%d thread(s) of dev3 recovered", dev3_recoveries(o.recoveries, NULL));
    outcome_clear(&o);
}

/* A thread resumed from a checkpoint used to start with its new carrier's thread-local variables: zeros, and a
 * tally that came out short by what it had counted before its checkpoint. */
static void check_killed_tls(void)
{
    const char *guests[] = { "build/guest/tests/pt_tls", NULL };
    if (!need_devices(guests))
        return;
    /* 20,000 rounds: about 3 s of emulated time on this host, 4 times the kill's 0.75 s. */
    const char *args[] = { "2", "20000", NULL };
    struct outcome o = run_losing_dev3_env("pt_tls", args, "release", "3,3", NULL, SIGKILL, 3000);
    g_assert_cmpint(o.rr.status, ==, 0);
    g_assert_nonnull(strstr(o.rr.out, "tls threads=2 rounds=20000 shared=40000 tallies_ok=2 ok"));
    g_assert_cmpint(dev3_recoveries(o.recoveries, NULL), ==, 2);
    outcome_clear(&o);
}

/* dev3's dsm.json after pt_tally 2 3000000 1000, both threads there, under DMX_CHECKPOINT=checkpoints. */
static char *tally_dsm(const char *checkpoints)
{
    g_autofree char *app = g_strdup_printf("%s/build/guest/tests/pt_tally", top());
    g_autofree char *out = g_dir_make_tmp("dmx-recovery-XXXXXX", NULL);
    g_autofree char *ckpt = g_strdup_printf("DMX_CHECKPOINT=%s", checkpoints);
    const char *argv[] = { "dmx", "run", "--app", app, "--devices", "3", "--out", out, "--tdf", "4", "--",
                           "2", "3000000", "1000", NULL };
    const char *env[] = { "DMX_PLACE=3,3", ckpt, NULL };
    RunResult r = run_dmx_env(argv, env);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_nonnull(strstr(r.out, "tally threads=2 rounds=3000000 total=50999988 ok"));
    char *dsm = read_or_empty(out, "devices/dev3/dsm.json");
    run_result_clear(&r);
    remove_tree(out);
    return dsm;
}

/* What publish saves: both threads on dev3 take a mutex that stays cached there, so release cuts at every one of
 * their 6,000 lock operations and publish only when the device's writes pass the threshold or a thread ends
 * (measured: 6,464 cuts and 7.0 MB sent, against 8 and 20 KB). */
static void check_publish_cost(void)
{
    const char *guests[] = { "build/guest/tests/pt_tally", NULL };
    if (!need_devices(guests))
        return;
    g_autofree char *release = tally_dsm("release"), *publish = tally_dsm("publish");
    double cuts_release = number_after(release, "\"checkpoints\":"), cuts_publish = number_after(publish, "\"checkpoints\":");
    double sent_release = number_after(release, "\"link_bytes_sent\":");
    double sent_publish = number_after(publish, "\"link_bytes_sent\":");
    g_test_message("dev3: release %.0f cuts, %.0f bytes sent; publish %.0f cuts, %.0f bytes sent", cuts_release,
                   sent_release, cuts_publish, sent_publish);
    g_assert_cmpfloat(cuts_publish, >=, 1);               /* the threads' ends, at least */
    g_assert_cmpfloat(cuts_publish * 20, <, cuts_release);
    g_assert_cmpfloat(sent_publish * 20, <, sent_release);
}

/* scenarios/churn.ini under rf (`checkpoints = release`): photo-classify with a classifier on each of three
 * devices, the TV killed at 3 s. Its classifier takes no app lock, so it has no checkpoint and starts again on the
 * phone; every photo is still classified, with the labels of a run that loses nothing. The I/O engine's own locks,
 * which the classifier takes in every open and read, are not checkpoints: resumed inside one, on the phone with
 * the TV's private state, it crashed the phone (free() of a pointer from the TV's heap). */
static void check_churn_scenario(void)
{
    const char *guests[] = { "build/guest/apps/photo-classify", NULL };
    const char *media[] = { "build/media/photos-medium/split1/dev1", NULL };
    if (!need_devices(guests) || !need_in_tree(media, G_FILE_TEST_IS_DIR, NULL))
        return;
    g_autofree char *out = g_dir_make_tmp("dmx-churn-XXXXXX", NULL);
    g_autofree char *run = g_build_filename(out, "run", NULL);
    const char *argv[] = { "dmx", "run", "scenarios/churn.ini", "--policy", "rf", "--out", run, NULL };
    RunResult r = run_dmx_env(argv, NULL);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_nonnull(strstr(r.out, "photo-classify: photos=16 skipped=0 threads=3"));
    g_assert_nonnull(strstr(r.out, "labels=8080c4d2e0185a48"));     /* as without the loss (regression runs) */
    g_autofree char *recoveries = read_or_empty(run, "devices/phone/recoveries.csv");
    g_assert_cmpint(dev3_recoveries(recoveries, NULL), ==, 1);
    /* The tablet's classifier frees each photo's buffers before its result's lock operation cuts: those pages
     * stay on the tablet (their bytes are undefined), and the labels above are still right. */
    g_autofree char *tablet_dsm = read_or_empty(run, "devices/tablet/dsm.json");
    g_test_message("tablet: %s", tablet_dsm);
    g_assert_cmpfloat(number_after(tablet_dsm, "\"freed_pages_skipped\":"), >, 0);
    run_result_clear(&r);
    remove_tree(out);
}

static const char lossy_ini[] =
    "[scenario]\napp = build/guest/tests/pt_counter\nargs = 1 10000000\npolicies = dynamix\nplace = tablet\n"
    "tdf = 4\n[device phone]\nmodel = nexus5\nmaster = true\n[device tablet]\nmodel = nexus7\n"
    "[link]\nspec = rate 100mbit delay 2ms\nmode = wired\n"
    "[event lossy]\nat_s = 1.0\naction = link * * rate 100mbit delay 2ms loss 20%\n";

static void check_lossy_link(void)
{
    const char *guests[] = { "build/guest/tests/pt_counter", NULL };
    if (!need_devices(guests))
        return;
    g_autofree char *dir = g_dir_make_tmp("dmx-lossy-XXXXXX", NULL);
    g_autofree char *ini = g_build_filename(dir, "lossy.ini", NULL), *out = g_build_filename(dir, "run", NULL);
    g_assert_true(g_file_set_contents(ini, lossy_ini, -1, NULL));
    const char *argv[] = { "dmx", "run", ini, "--out", out, NULL };
    /* The watchdog waits longer than its 1.5 s default: TCP over a link losing 20% of its packets can back off past
     * that, and a device dropped for silence before its thread moved is the other path (/recovery/silent/...). */
    const char *env[] = { "DMX_LINK_WATCH=1", "DMX_HEARTBEAT_TIMEOUT_MS=6000", NULL };
    RunResult r = run_dmx_env(argv, env);
    g_assert_cmpint(r.status, ==, 0);
    g_assert_nonnull(strstr(r.out, "counter=10000000 heap=10000000"));
    g_autofree char *tablet_err = read_or_empty(out, "devices/tablet/stderr.log");
    g_assert_nonnull(strstr(tablet_err, "the link to the master is unstable"));
    g_autofree char *events = read_or_empty(out, "events.log");
    g_autoptr(GRegex) re = g_regex_new("epoch ([0-9]+) ns", 0, 0, NULL);
    g_autoptr(GMatchInfo) mi = NULL;
    g_assert_true(g_regex_match(re, events, 0, &mi));
    g_autofree char *epoch_text = g_match_info_fetch(mi, 1);
    double epoch = g_ascii_strtod(epoch_text, NULL);
    g_autoptr(GPtrArray) rows = run_migration_rows(out, FALSE);
    g_assert_cmpuint(rows->len, >=, 1);
    g_auto(GStrv) f = g_strsplit(g_ptr_array_index(rows, 0), ",", -1);
    g_assert_cmpuint(g_strv_length(f), ==, 11);
    g_assert_cmpstr(f[1], ==, "2");
    g_assert_cmpstr(f[2], ==, "1");
    double detect_s = (g_ascii_strtod(f[9], NULL) - epoch) / 1e9;
    g_test_message("unstable link seen at %.2f s, thread home after %.1f ms of downtime", detect_s,
                   g_ascii_strtod(f[5], NULL) / 1e6);
    g_assert_cmpfloat(detect_s, >, 1.0);     /* not before the losses began */
    run_result_clear(&r);
    remove_tree(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/recovery/killed/matmul", check_killed_matmul);
    g_test_add_func("/recovery/killed/counter", check_killed_counter);
    g_test_add_func("/recovery/killed/prodcons", check_killed_prodcons);
    g_test_add_func("/recovery/killed/refresh", check_killed_refresh);
    g_test_add_func("/recovery/killed/siblings", check_killed_siblings);
    g_test_add_func("/recovery/killed/shared-page", check_killed_shared_page);
    g_test_add_func("/recovery/killed/publish", check_killed_publish);
    g_test_add_func("/recovery/killed/moving", check_killed_moving);
    g_test_add_func("/recovery/killed/tls", check_killed_tls);
    g_test_add_func("/recovery/publish/cost", check_publish_cost);
    g_test_add_func("/recovery/silent/matmul", check_silent_matmul);
    g_test_add_func("/recovery/scenario/churn", check_churn_scenario);
    g_test_add_func("/recovery/lossy-link", check_lossy_link);
    return g_test_run();
}
