/* process_start: starting another program, or a child process, on a multi-device run.
 *
 * The DSM's pages (the heap, the app's globals and every shared thread stack) are a MAP_SHARED memfd, so a child
 * process shares them with its parent instead of getting a copy; and under qemu-user a vfork, or posix_spawn's
 * clone(CLONE_VM | CLONE_VFORK), is a plain fork.
 *
 * posix_spawn and posix_spawnp (and system() and popen(), which glibc builds on them) run on a private stack
 * here: glibc keeps the child's instructions (the path, the file actions, where to report an exec failure) in
 * its own frame, which on an app thread's stack would be a DSM page, possibly write-protected in the child by
 * the time it reads or reports. From a private stack the child touches only its copy. The argument and
 * environment strings are read once first, so that the child finds them valid on this device.
 *
 * fork() and vfork() run on a private stack as well, and the child first takes its own copy of shared memory
 * (dsm_region_detach_child: the DSM's windows mapped MAP_PRIVATE from the memfd, readable and writable) while the
 * parent waits for it: fork's return, the child's first stack writes, would otherwise land in the parent's
 * frames; and it copies every page its device holds, since a private mapping of a file keeps showing the file's
 * later changes until written. Before the fork, the device fetches every page it knows to be stale, so the copy
 * holds what the forking thread may read (a page another device wrote before the thread's last acquire).
 * Signals wait meanwhile (SIGTERM's handler would wake the parent's reporter). The child then leaves the run:
 * libdmx passes its heap, lock and signal calls to libc, its exit() (or the end of the thread it forked from)
 * shuts nothing down and writes no report, and it never frees a block from before the fork. The app's
 * pthread_atfork handlers run here, on whichever device forks (app_atfork.c), the child's after the copy. A
 * /dev/dmx file is still the run's in the child: it is not the child's own. As POSIX asks of a child of a
 * multithreaded process, it should keep to async-signal-safe calls until it execs or _exits: libdmx's other
 * threads, and whatever locks they held, are not in it. On one device (no takeover) all of them are libc's. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "app_atfork.h"
#include "dsm_region.h"
#include "io_registry.h"
#include "libc_next.h"
#include "stop_report.h"
#include "thread_takeover.h"
#include "thread_tls.h"

#define PRIVATE_STACK (256u << 10)

typedef int spawn_fn(pid_t *restrict, const char *restrict, const posix_spawn_file_actions_t *,
                     const posix_spawnattr_t *restrict, char *const[restrict], char *const[restrict]);

/* A call run on a private stack (run_privately): its arguments and results are copied to the bottom of that stack,
 * so that the child of a fork made there finds them in its own memory too. */
struct private_call {
    void (*fn)(struct private_call *);
    spawn_fn *real;             /* posix_spawn's */
    const char *path;
    const posix_spawn_file_actions_t *actions;
    const posix_spawnattr_t *attr;
    char *const *argv, *const *envp;
    pid_t child;                /* both: the child's pid (0 in a forked child, -1 when fork failed) */
    int rc;                     /* posix_spawn's result, or fork's errno */
    ucontext_t back, run;
};

DMX_HOST_THREAD_LOCAL(struct private_call *, private_now, NULL)

static void private_entry(void)
{
    struct private_call *c = private_now;
    c->fn(c);
}

/* call->fn(call) on a fresh private stack; call's results are copied back. 0, or an errno when it could not run. */
static int run_privately(struct private_call *call)
{
    void *stack = mmap(NULL, PRIVATE_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return ENOMEM;
    struct private_call *c = stack;
    *c = *call;
    int rc = EAGAIN;
    if (getcontext(&c->run) == 0) {
        c->run.uc_stack.ss_sp = (char *)stack + sizeof *c;
        c->run.uc_stack.ss_size = PRIVATE_STACK - sizeof *c;
        c->run.uc_link = &c->back;
        makecontext(&c->run, private_entry, 0);
        private_now = c;
        if (swapcontext(&c->back, &c->run) == 0) {
            call->child = c->child;
            call->rc = c->rc;
            rc = 0;
        }
    }
    munmap(stack, PRIVATE_STACK);
    return rc;
}

static void spawn_here(struct private_call *c)
{
    c->rc = c->real(&c->child, c->path, c->actions, c->attr, c->argv, c->envp);
}

/* A read of every string: a page of them another device changed is fetched now, by this process. */
static void read_strings(char *const *v)
{
    volatile size_t sum = 0;
    for (; v && *v; v++)
        sum += strlen(*v);
    (void)sum;
}

static int spawn_privately(spawn_fn *real, pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    if (!dmx_takeover.active)
        return real(pid, path, actions, attr, argv, envp);
    read_strings(argv);
    read_strings(envp);
    (void)strlen(path);
    struct private_call call = { .fn = spawn_here, .real = real, .path = path, .actions = actions, .attr = attr,
                                 .argv = argv, .envp = envp, .rc = EAGAIN };
    int rc = run_privately(&call);
    if (rc != 0)
        return rc;
    if (call.rc == 0 && pid)
        *pid = call.child;
    return call.rc;
}

int posix_spawn(pid_t *restrict pid, const char *restrict path, const posix_spawn_file_actions_t *actions,
                const posix_spawnattr_t *restrict attr, char *const argv[restrict], char *const envp[restrict])
{
    REAL(posix_spawn);
    return spawn_privately(real_posix_spawn, pid, path, actions, attr, argv, envp);
}

int posix_spawnp(pid_t *restrict pid, const char *restrict file, const posix_spawn_file_actions_t *actions,
                 const posix_spawnattr_t *restrict attr, char *const argv[restrict], char *const envp[restrict])
{
    REAL(posix_spawnp);
    return spawn_privately(real_posix_spawnp, pid, file, actions, attr, argv, envp);
}

/* The forked child leaves the run: its own copy of shared memory, no reports, and libc's calls from now on. Only
 * async-signal-safe calls, as the parent has other threads. */
static void become_own_process(void)
{
    static const char failed[] = "dmx: fork: the child could not copy shared memory; it exits with 127\n";
    struct dsm_region *r = dmx_dsm_region();
    if (r && dsm_region_detach_child(r) != 0) {
        ssize_t n = write(STDERR_FILENO, failed, sizeof failed - 1);
        (void)n;
        _exit(127);
    }
    dmx_stop_report_child();
    io_reports_off();
    dmx_takeover.forked_child = true;
    dmx_takeover.active = false;
}

/* The parent waits until the child has its own copy: until then both run on the same pages, and the parent's
 * writes (its return from here, its other threads') would reach the child. Signals wait meanwhile: a handler of
 * the parent's (SIGTERM's wakes its reporter) must not run in the child before it detaches. */
static void fork_here(struct private_call *c)
{
    REAL(fork);
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) {
        c->child = -1;
        c->rc = errno;
        return;
    }
    sigset_t all, before;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &before);
    pid_t pid = real_fork();
    int fork_errno = errno;
    char byte = 1;
    if (pid == 0) {
        become_own_process();
        ssize_t n = write(ready[1], &byte, 1);
        (void)n;
    }
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    close(ready[1]);
    while (pid > 0 && read(ready[0], &byte, 1) < 0 && errno == EINTR)
        ;
    close(ready[0]);
    c->child = pid;
    c->rc = pid < 0 ? fork_errno : 0;
}

/* The app's atfork handlers run here rather than in glibc's fork (app_atfork.c), and the device's stale pages are
 * fetched first, so that the child's copy holds what the forking thread may read. A vfork does neither: its child
 * may only exec or _exit. */
static pid_t fork_privately(bool run_handlers)
{
    struct app_atfork_list handlers = { .count = 0 };
    if (run_handlers)
        app_atfork_read(&handlers);
    app_atfork_run(&handlers, APP_ATFORK_PREPARE);
    struct dsm_region *r = dmx_dsm_region();
    struct private_call call = { .fn = fork_here, .child = -1, .rc = EAGAIN };
    int rc = r && run_handlers && dsm_region_refresh_stale(r) < 0 ? EAGAIN : run_privately(&call);
    if (rc == 0 && call.child < 0)
        rc = call.rc;
    app_atfork_run(&handlers, call.child == 0 ? APP_ATFORK_CHILD : APP_ATFORK_PARENT);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return call.child;
}

pid_t fork(void)
{
    REAL(fork);
    return dmx_takeover.active ? fork_privately(true) : real_fork();
}

pid_t vfork(void)
{
    REAL(fork);     /* a vfork child may only exec or _exit, which a fork child may do too */
    return dmx_takeover.active ? fork_privately(false) : real_fork();
}
