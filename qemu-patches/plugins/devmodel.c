/*
 * devmodel: a TCG plugin (qemu-aarch64 linux-user) that models the CPU of one emulated device.
 *
 * It counts guest instructions per guest thread (in linux-user every guest thread is a vCPU running on its own
 * host thread, so gettid() in a callback is the guest tid), throttles each thread to `ips` instructions per
 * emulated second and the whole device to `cores * ips`, and reports counts, busy time and host lag.
 *
 * Plugin arguments (`-plugin libdevmodel.so,KEY=VALUE,...`; the deprecated `arg=KEY=VALUE` form works too):
 *   ips=N          instructions per emulated second per thread (one core). Suffixes k, M, G (x1e3, 1e6, 1e9).
 *                  0 or absent: count only, no throttling, no lag.
 *   cores=N        cores of the device model: the device as a whole gets cores * ips (default 1).
 *   tdf=F          time dilation factor (float > 0): emulated time runs F times slower than host time, so the
 *                  host-time rate is ips / F. Default: environment QEMU_TDF, else 1.
 *   burst_us=N     token-bucket depth in emulated microseconds (default 2000).
 *   out=PATH       report file, rewritten atomically (PATH.tmp.PID + rename) every interval and at exit.
 *                  A process created by a guest fork() writes PATH.<its pid> instead (it shares the device
 *                  bucket with its parent).
 *   interval_ms=N  report period in host milliseconds (default 200; 0 = only at exit).
 *   check=N        guest instructions between clock checks (default: a quarter of a burst, 1000..20000).
 *   shm=NAME       share the device bucket with every process using the same NAME (POSIX shm
 *                  /dmx-devmodel-NAME, left in /dev/shm for the orchestrator to remove), for devices that run
 *                  several guest programs. Default: one device per qemu process and its forked children.
 * An unknown or malformed argument prints "devmodel: ..." naming it on stderr and QEMU refuses to start.
 *
 * Report format (text, one record per line, fields separated by single spaces):
 *   # devmodel 1 pid=P ips=N cores=N tdf=F burst_ns=N elapsed_ns=N emul_ns=N seq=N final=0|1
 *   tid insns busy_ns run_ns sleep_ns sys_ns lag_ns syscalls state
 *   <one line per guest thread, in order of first appearance>
 *   device <insns> <busy_ns> <run_ns> <sleep_ns> <sys_ns> <lag_ns> <syscalls> <threads>
 * All *_ns values are emulated nanoseconds (host ns / tdf). elapsed_ns counts from plugin load; emul_ns is the
 * emulated clock when the file was written, counted from QEMU_TDF_EPOCH_NS (host CLOCK_MONOTONIC ns) if that
 * is set, else from plugin load.
 *   insns     guest instructions executed by the thread.
 *   busy_ns   emulated time the thread's instructions cost on the model: insns * 1e9 / ips (run_ns if ips=0).
 *   run_ns    time runnable and executing: not in a syscall and not in a throttle sleep.
 *   sleep_ns  time spent in throttle sleeps (the model said the thread had used its budget).
 *   sys_ns    time inside guest syscalls (blocked or not).
 *   lag_ns    host lag: time the runnable thread fell behind its fair budget (ips, or cores*ips / runnable
 *             threads when more threads than cores want to run) by more than one burst while the device as a
 *             whole was not using its full budget either, i.e. the host did not run it fast enough.
 *             Always 0 when ips=0.
 *   syscalls  number of guest syscalls.
 *   state     run | sleep (throttled) | sys (in a syscall) | exit.
 * The device line sums this process's thread columns (its lag_ns is in thread-ns) and ends with the thread
 * count; processes sharing a device bucket (fork, shm=) each write their own file.
 * Instructions are counted when a translation block starts, so a block left early (fault, signal) counts in
 * full; run_ns includes QEMU's own work for the thread (translation, helpers), as lag_ns does.
 * final=1 marks the report written at exit; seq counts rewrites.
 *
 * Throttling uses token buckets written as GCRA ("theoretical arrival time", TAT): charging n instructions
 * moves TAT forward by their host-time cost, and a thread sleeps (clock_nanosleep) while a TAT is more than one
 * burst ahead of the host clock. A TAT may fall at most one burst behind the clock: a runnable thread that the
 * host ran late (a late wake-up on a loaded host) can catch up by that much; beyond it the credit is lost. On
 * return from a syscall the thread's TAT is pulled up to the clock minus the backlog it had when it entered the
 * syscall, so time blocked banks no credit.
 * The device TAT is a single atomic, so it can live in shared memory.
 * Lag is measured separately against the thread's fair share (see lag_ns), with the same one-burst tolerance.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define AARCH64_NR_EXIT 93

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

enum thread_state { ST_RUN, ST_SLEEP, ST_SYS, ST_EXIT };
static const char *const state_names[] = { "run", "sleep", "sys", "exit" };

struct config {
    uint64_t ips;
    unsigned cores;
    double tdf;
    uint64_t burst_ns;     /* emulated */
    unsigned interval_ms;  /* host */
    uint64_t check_insns;
    const char *out;
    const char *shm;
};

/*
 * Device-wide state, always in shared memory: anonymous (inherited by processes the guest forks, which belong
 * to the same device) or, with shm=NAME, a named segment that other guest programs of the device map too.
 */
struct device_state {
    _Atomic int64_t tat;       /* host CLOCK_MONOTONIC ns */
    _Atomic int32_t runnable;  /* threads not in a syscall */
};

struct thread {
    struct thread *next;
    pid_t tid;
    /* Written only by the owning thread (plain stores on x86), read by the reporter. */
    _Atomic uint64_t insns;
    _Atomic uint64_t run_ns, sleep_ns, sys_ns, lag_ns, syscalls; /* host ns */
    _Atomic int state;
    /* Private to the owning thread. */
    uint64_t next_check;
    uint64_t charged;          /* insns already charged to the buckets */
    int64_t mark;              /* host ns: start of the current run or syscall stretch */
    int64_t tat;               /* per-thread bucket */
    int64_t lag_tat;           /* fair-share schedule used to measure lag */
    int64_t tat_behind, lag_behind; /* backlog at syscall entry */
    double carry_thread, carry_device, carry_lag;
};

static struct config cfg = { .cores = 1, .tdf = 1.0, .burst_ns = 2000000, .interval_ms = 200 };
static struct device_state *device;

/* Derived constants, host ns per instruction. */
static double thread_ns_per_insn, device_ns_per_insn;
static int64_t burst_host_ns;

static int64_t start_ns;
static int64_t epoch_ns;   /* host ns at emulated time 0 */
static pid_t owner_pid;
static char *report_path;

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct thread *threads, **threads_tail = &threads;

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t report_seq;
static bool report_final;
static pthread_t reporter;

static __thread struct thread *self __attribute__((tls_model("initial-exec")));

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t ld(_Atomic uint64_t *p)
{
    return atomic_load_explicit(p, memory_order_relaxed);
}

/* Single-writer add: a plain load and store, no locked instruction. */
static void add(_Atomic uint64_t *p, uint64_t v)
{
    atomic_store_explicit(p, ld(p) + v, memory_order_relaxed);
}

static void set_state(struct thread *t, enum thread_state s)
{
    atomic_store_explicit(&t->state, s, memory_order_relaxed);
}

static uint64_t to_emulated(uint64_t host_ns)
{
    return (uint64_t)((double)host_ns / cfg.tdf);
}

/* ---- threads ---- */

static struct thread *thread_attach(void)
{
    struct thread *t = calloc(1, sizeof(*t));
    if (!t) {
        fprintf(stderr, "devmodel: out of memory\n");
        abort();
    }
    t->tid = gettid();
    t->mark = now_ns();
    t->tat = t->mark;
    t->lag_tat = t->mark;
    t->next_check = cfg.check_insns;
    set_state(t, ST_RUN);
    atomic_fetch_add(&device->runnable, 1);
    pthread_mutex_lock(&list_lock);
    *threads_tail = t;
    threads_tail = &t->next;
    pthread_mutex_unlock(&list_lock);
    self = t;
    return t;
}

static int64_t take_ns(double *carry, double ns)
{
    ns += *carry;
    int64_t whole = (int64_t)ns;
    *carry = ns - (double)whole;
    return whole;
}

static void sleep_until(int64_t deadline)
{
    struct timespec ts = { .tv_sec = deadline / 1000000000, .tv_nsec = deadline % 1000000000 };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        /* a host signal for QEMU; keep the deadline */
    }
}

/* Charge n instructions to the shared device bucket; returns its TAT. */
static int64_t charge_device(int64_t now, int64_t cost)
{
    int64_t old = atomic_load_explicit(&device->tat, memory_order_relaxed), new;
    do {
        new = (old > now - burst_host_ns ? old : now - burst_host_ns) + cost;
    } while (!atomic_compare_exchange_weak_explicit(&device->tat, &old, new, memory_order_relaxed,
                                                    memory_order_relaxed));
    return new;
}

/*
 * Measure lag against the thread's fair share: the schedule advances by the fair-share cost of the executed
 * instructions; falling more than one burst behind the clock while runnable is host lag.
 */
static void account_lag(struct thread *t, int64_t now, uint64_t delta)
{
    int runnable = atomic_load_explicit(&device->runnable, memory_order_relaxed);
    double share = runnable > (int)cfg.cores ? (double)cfg.cores / runnable : 1.0;
    t->lag_tat += take_ns(&t->carry_lag, (double)delta * thread_ns_per_insn / share);
    if (now - t->lag_tat > burst_host_ns) {
        /*
         * Behind the fair share. If the device bucket is ahead of the clock, the device used its whole budget
         * and the shortfall is an uneven split between this device's threads, not the host's fault.
         */
        if (atomic_load_explicit(&device->tat, memory_order_relaxed) <= now) {
            add(&t->lag_ns, (uint64_t)(now - burst_host_ns - t->lag_tat));
        }
        t->lag_tat = now - burst_host_ns;
    } else if (t->lag_tat - now > burst_host_ns) {
        t->lag_tat = now + burst_host_ns; /* being ahead must not hide later lag */
    }
}

/* Called every cfg.check_insns instructions: account time, charge the buckets, sleep when out of tokens. */
/*
 * Account the time since the last mark as running and charge the instructions executed since the last charge
 * to the buckets. Returns how far (host ns) the thread is ahead of its budget, or 0.
 */
static int64_t thread_charge(struct thread *t, int64_t now, uint64_t insns)
{
    uint64_t delta = insns - t->charged;
    t->charged = insns;
    t->next_check = insns + cfg.check_insns;
    add(&t->run_ns, (uint64_t)(now - t->mark));
    t->mark = now;
    if (cfg.ips == 0) {
        return 0;
    }
    account_lag(t, now, delta);
    /* A runnable thread that the host ran late may catch up by one burst (see the top of the file). */
    int64_t base = t->tat > now - burst_host_ns ? t->tat : now - burst_host_ns;
    t->tat = base + take_ns(&t->carry_thread, (double)delta * thread_ns_per_insn);
    int64_t dev_tat = charge_device(now, take_ns(&t->carry_device, (double)delta * device_ns_per_insn));
    int64_t ahead = (t->tat > dev_tat ? t->tat : dev_tat) - now;
    return ahead > 0 ? ahead : 0;
}

/* Called every cfg.check_insns instructions: charge the buckets and sleep when out of tokens. */
static void __attribute__((noinline)) thread_check(struct thread *t, uint64_t insns)
{
    int64_t now = now_ns();
    int64_t ahead = thread_charge(t, now, insns);
    if (ahead <= burst_host_ns) {
        return;
    }
    /*
     * Out of tokens: sleep until half a burst is available again, so a thread sleeps about 2/burst times per
     * second. A wake-up that the loaded host delivers late is made up by the catch-up allowance.
     */
    set_state(t, ST_SLEEP);
    sleep_until(now + ahead - burst_host_ns / 2);
    int64_t woke = now_ns();
    add(&t->sleep_ns, (uint64_t)(woke - now));
    t->mark = woke;
    set_state(t, ST_RUN);
}

static void vcpu_tb_exec(unsigned int vcpu_index, void *udata)
{
    (void)vcpu_index;
    struct thread *t = self;
    if (unlikely(!t)) {
        t = thread_attach();
    }
    uint64_t n = ld(&t->insns) + (uintptr_t)udata;
    atomic_store_explicit(&t->insns, n, memory_order_relaxed);
    if (unlikely(n >= t->next_check)) {
        thread_check(t, n);
    }
}

static void vcpu_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    qemu_plugin_register_vcpu_tb_exec_cb(tb, vcpu_tb_exec, QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)n);
}

static void vcpu_syscall(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num, uint64_t a1, uint64_t a2,
                         uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8)
{
    (void)id, (void)vcpu_index, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6, (void)a7, (void)a8;
    struct thread *t = self ? self : thread_attach();
    int64_t now = now_ns();
    thread_charge(t, now, ld(&t->insns));
    /* Remember the backlog the thread may still catch up on; the syscall itself must not add to it. */
    t->tat_behind = t->tat < now ? now - t->tat : 0;
    t->lag_behind = t->lag_tat < now ? now - t->lag_tat : 0;
    add(&t->syscalls, 1);
    atomic_fetch_sub(&device->runnable, 1);
    /* exit never returns; exit_group ends the process (the final report marks everything exited) */
    set_state(t, num == AARCH64_NR_EXIT ? ST_EXIT : ST_SYS);
}

static void vcpu_syscall_ret(qemu_plugin_id_t id, unsigned int vcpu_index, int64_t num, int64_t ret)
{
    (void)id, (void)vcpu_index, (void)num, (void)ret;
    struct thread *t = self;
    if (!t) {
        return;
    }
    int64_t now = now_ns();
    add(&t->sys_ns, (uint64_t)(now - t->mark));
    t->mark = now;
    /* Time blocked in a syscall is neither lag nor credit to catch up on. */
    if (t->lag_tat < now - t->lag_behind) {
        t->lag_tat = now - t->lag_behind;
    }
    if (t->tat < now - t->tat_behind) {
        t->tat = now - t->tat_behind;
    }
    atomic_fetch_add(&device->runnable, 1);
    set_state(t, ST_RUN);
}

/* ---- report ---- */

static void write_report(bool final)
{
    if (!report_path) {
        return;
    }
    pthread_mutex_lock(&report_lock);
    if (report_final) {
        pthread_mutex_unlock(&report_lock);
        return;
    }
    char tmp[4096 + 64];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", report_path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "devmodel: cannot write %s: %s\n", tmp, strerror(errno));
        pthread_mutex_unlock(&report_lock);
        return;
    }
    report_seq++;
    int64_t now = now_ns();
    fprintf(f, "# devmodel 1 pid=%d ips=%" PRIu64 " cores=%u tdf=%g burst_ns=%" PRIu64 " elapsed_ns=%" PRIu64
               " emul_ns=%" PRIu64 " seq=%" PRIu64 " final=%d\n",
            (int)getpid(), cfg.ips, cfg.cores, cfg.tdf, cfg.burst_ns, to_emulated((uint64_t)(now - start_ns)),
            now > epoch_ns ? to_emulated((uint64_t)(now - epoch_ns)) : 0, report_seq, final ? 1 : 0);
    fprintf(f, "tid insns busy_ns run_ns sleep_ns sys_ns lag_ns syscalls state\n");
    uint64_t sum[8] = { 0 };
    size_t n = 0;
    pthread_mutex_lock(&list_lock);
    for (struct thread *t = threads; t; t = t->next, n++) {
        uint64_t insns = ld(&t->insns);
        uint64_t run = to_emulated(ld(&t->run_ns));
        uint64_t busy = cfg.ips ? (uint64_t)((double)insns * 1e9 / (double)cfg.ips) : run;
        uint64_t v[7] = { insns, busy, run, to_emulated(ld(&t->sleep_ns)), to_emulated(ld(&t->sys_ns)),
                          to_emulated(ld(&t->lag_ns)), ld(&t->syscalls) };
        int st = final ? ST_EXIT : atomic_load_explicit(&t->state, memory_order_relaxed);
        fprintf(f, "%d", (int)t->tid);
        for (int i = 0; i < 7; i++) {
            fprintf(f, " %" PRIu64, v[i]);
            sum[i] += v[i];
        }
        fprintf(f, " %s\n", state_names[st]);
    }
    pthread_mutex_unlock(&list_lock);
    fprintf(f, "device");
    for (int i = 0; i < 7; i++) {
        fprintf(f, " %" PRIu64, sum[i]);
    }
    fprintf(f, " %zu\n", n);
    bool ok = fflush(f) == 0 && !ferror(f);
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, report_path) != 0) {
        fprintf(stderr, "devmodel: cannot write %s: %s\n", report_path, strerror(errno));
        unlink(tmp);
    }
    report_final = final;
    pthread_mutex_unlock(&report_lock);
}

static void *reporter_main(void *arg)
{
    (void)arg;
    int64_t next = now_ns();
    for (;;) {
        next += (int64_t)cfg.interval_ms * 1000000;
        sleep_until(next);
        write_report(false);
    }
    return NULL;
}

/* The reporter must never take a guest signal: block them all while it is created (it inherits the mask). */
static int start_reporter(void)
{
    if (!report_path || cfg.interval_ms == 0) {
        return 0;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int err = pthread_create(&reporter, NULL, reporter_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err) {
        fprintf(stderr, "devmodel: cannot start the report thread: %s\n", strerror(err));
        return -1;
    }
    return 0;
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
    (void)id, (void)udata;
    if (getpid() != owner_pid) {
        return;
    }
    write_report(true);
    {
        /* give back this process's runnable threads to the shared device */
        pthread_mutex_lock(&list_lock);
        for (struct thread *t = threads; t; t = t->next) {
            int st = atomic_load_explicit(&t->state, memory_order_relaxed);
            if (st == ST_RUN || st == ST_SLEEP) {
                atomic_fetch_sub(&device->runnable, 1);
                set_state(t, ST_EXIT);
            }
        }
        pthread_mutex_unlock(&list_lock);
    }
}

/* ---- fork: the child is a new process of the same device (sharing its bucket), reporting to PATH.<pid> ---- */

static void fork_prepare(void)
{
    pthread_mutex_lock(&report_lock);
    pthread_mutex_lock(&list_lock);
}

static void fork_parent(void)
{
    pthread_mutex_unlock(&list_lock);
    pthread_mutex_unlock(&report_lock);
}

static void fork_child(void)
{
    pthread_mutex_init(&list_lock, NULL);
    pthread_mutex_init(&report_lock, NULL);
    owner_pid = getpid();
    start_ns = now_ns();
    report_seq = 0;
    report_final = false;
    threads = NULL;
    threads_tail = &threads;
    if (self) {
        /* the forking thread is inside fork(); syscall_ret will count it runnable again */
        struct thread *t = self;
        memset(t, 0, sizeof(*t));
        t->tid = gettid();
        t->mark = t->tat = t->lag_tat = now_ns();
        t->next_check = cfg.check_insns;
        set_state(t, ST_SYS);
        threads = t;
        threads_tail = &t->next;
    }
    if (report_path) {
        char *child_path = NULL;
        if (asprintf(&child_path, "%s.%d", cfg.out, (int)owner_pid) < 0) {
            child_path = NULL;
        }
        report_path = child_path;
    }
    start_reporter();
}

/* ---- arguments ---- */

static bool parse_u64(const char *val, uint64_t *out, bool suffixes)
{
    if (!*val || *val == '-' || *val == '+') {
        return false;
    }
    char *end;
    errno = 0;
    double mult = 1;
    if (strchr(val, '.') || strchr(val, 'e') || strchr(val, 'E')) {
        if (!suffixes) {
            return false;
        }
        double d = strtod(val, &end);
        if (errno || end == val) {
            return false;
        }
        switch (*end) {
        case 'k': mult = 1e3; end++; break;
        case 'M': mult = 1e6; end++; break;
        case 'G': mult = 1e9; end++; break;
        default: break;
        }
        d *= mult;
        if (*end || !(d >= 0) || d > 1.8e19 || d != floor(d)) {
            return false;
        }
        *out = (uint64_t)d;
        return true;
    }
    unsigned long long v = strtoull(val, &end, 10);
    if (errno || end == val) {
        return false;
    }
    if (suffixes) {
        switch (*end) {
        case 'k': mult = 1e3; end++; break;
        case 'M': mult = 1e6; end++; break;
        case 'G': mult = 1e9; end++; break;
        default: break;
        }
    }
    if (*end || (double)v * mult > 1.8e19) {
        return false;
    }
    *out = (uint64_t)v * (uint64_t)mult;
    return true;
}

static bool parse_tdf(const char *val, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(val, &end);
    if (errno || end == val || *end || !isfinite(d) || d <= 0) {
        return false;
    }
    *out = d;
    return true;
}

static bool valid_shm_name(const char *s)
{
    if (!*s || strlen(s) > 200) {
        return false;
    }
    for (; *s; s++) {
        if (!(('a' <= *s && *s <= 'z') || ('A' <= *s && *s <= 'Z') || ('0' <= *s && *s <= '9') || *s == '_' ||
              *s == '-' || *s == '.')) {
            return false;
        }
    }
    return true;
}

static int arg_error(const char *arg, const char *why)
{
    fprintf(stderr, "devmodel: bad argument '%s': %s\n", arg, why);
    return -1;
}

static int parse_args(int argc, char **argv)
{
    bool tdf_given = false;
    uint64_t burst_us = cfg.burst_ns / 1000, check = 0, v;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i], *eq = strchr(arg, '=');
        if (!eq) {
            return arg_error(arg, "expected KEY=VALUE");
        }
        size_t klen = (size_t)(eq - arg);
        const char *val = eq + 1;
#define KEY(k) (klen == strlen(k) && strncmp(arg, k, klen) == 0)
        if (KEY("ips")) {
            if (!parse_u64(val, &cfg.ips, true)) {
                return arg_error(arg, "ips must be a non-negative integer (suffix k, M or G allowed)");
            }
        } else if (KEY("cores")) {
            if (!parse_u64(val, &v, false) || v < 1 || v > 1024) {
                return arg_error(arg, "cores must be an integer from 1 to 1024");
            }
            cfg.cores = (unsigned)v;
        } else if (KEY("tdf")) {
            if (!parse_tdf(val, &cfg.tdf)) {
                return arg_error(arg, "tdf must be a number > 0");
            }
            tdf_given = true;
        } else if (KEY("burst_us")) {
            if (!parse_u64(val, &burst_us, false) || burst_us < 10 || burst_us > 10000000) {
                return arg_error(arg, "burst_us must be an integer from 10 to 10000000");
            }
        } else if (KEY("interval_ms")) {
            if (!parse_u64(val, &v, false) || v > 3600000) {
                return arg_error(arg, "interval_ms must be an integer from 0 to 3600000");
            }
            cfg.interval_ms = (unsigned)v;
        } else if (KEY("check")) {
            if (!parse_u64(val, &check, false) || check < 1 || check > 100000000) {
                return arg_error(arg, "check must be an integer from 1 to 100000000");
            }
        } else if (KEY("out")) {
            if (!*val || strlen(val) > 4000) {
                return arg_error(arg, "out must be a file path");
            }
            cfg.out = val;
        } else if (KEY("shm")) {
            if (!valid_shm_name(val)) {
                return arg_error(arg, "shm must be a name of letters, digits, '_', '-' or '.'");
            }
            cfg.shm = val;
        } else {
            return arg_error(arg, "unknown argument (known: ips cores tdf burst_us out interval_ms check shm)");
        }
#undef KEY
    }
    if (!tdf_given) {
        const char *env = getenv("QEMU_TDF");
        if (env && *env && !parse_tdf(env, &cfg.tdf)) {
            fprintf(stderr, "devmodel: bad environment QEMU_TDF='%s': must be a number > 0\n", env);
            return -1;
        }
    }
    cfg.burst_ns = burst_us * 1000;
    if (check) {
        cfg.check_insns = check;
    } else if (cfg.ips == 0) {
        cfg.check_insns = 65536;
    } else {
        double burst_insns = (double)cfg.ips * (double)cfg.burst_ns / 1e9;
        double c = burst_insns / 4;
        cfg.check_insns = c < 1000 ? 1000 : c > 20000 ? 20000 : (uint64_t)c;
    }
    return 0;
}

static int open_shared_device(void)
{
    char name[256];
    snprintf(name, sizeof(name), "/dmx-devmodel-%s", cfg.shm);
    int fd = shm_open(name, O_RDWR | O_CREAT, 0600);
    if (fd < 0) {
        fprintf(stderr, "devmodel: shm=%s: shm_open: %s\n", cfg.shm, strerror(errno));
        return -1;
    }
    if (ftruncate(fd, 4096) != 0) {
        fprintf(stderr, "devmodel: shm=%s: ftruncate: %s\n", cfg.shm, strerror(errno));
        close(fd);
        return -1;
    }
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        fprintf(stderr, "devmodel: shm=%s: mmap: %s\n", cfg.shm, strerror(errno));
        return -1;
    }
    device = p; /* a new segment is zero-filled: TAT 0 (far past) and no runnable threads */
    return 0;
}

static int open_private_device(void)
{
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "devmodel: mmap: %s\n", strerror(errno));
        return -1;
    }
    device = p;
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    if (info->system_emulation) {
        fprintf(stderr, "devmodel: only linux-user emulation is supported\n");
        return -1;
    }
    if (parse_args(argc, argv) != 0) {
        return -1;
    }
    if ((cfg.shm ? open_shared_device() : open_private_device()) != 0) {
        return -1;
    }
    if (cfg.ips) {
        thread_ns_per_insn = cfg.tdf * 1e9 / (double)cfg.ips;
        device_ns_per_insn = thread_ns_per_insn / cfg.cores;
    }
    burst_host_ns = (int64_t)((double)cfg.burst_ns * cfg.tdf);
    start_ns = now_ns();
    epoch_ns = start_ns;
    const char *epoch = getenv("QEMU_TDF_EPOCH_NS");
    if (epoch && *epoch) {
        uint64_t e;
        if (!parse_u64(epoch, &e, false) || e > (uint64_t)INT64_MAX) {
            fprintf(stderr, "devmodel: bad environment QEMU_TDF_EPOCH_NS='%s': must be an integer\n", epoch);
            return -1;
        }
        epoch_ns = (int64_t)e;
    }
    owner_pid = getpid();
    if (cfg.out) {
        report_path = strdup(cfg.out);
        if (!report_path) {
            return -1;
        }
    }
    if (start_reporter() != 0) {
        return -1;
    }
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    qemu_plugin_register_vcpu_tb_trans_cb(id, vcpu_tb_trans);
    qemu_plugin_register_vcpu_syscall_cb(id, vcpu_syscall);
    qemu_plugin_register_vcpu_syscall_ret_cb(id, vcpu_syscall_ret);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
