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
 * fork() and vfork() are refused with ENOSYS, and say why: the child's first stack writes (fork's own return
 * value) would land in the parent's frames, and a child that goes on would use the DSM's locks and allocator,
 * which talk to the master over the parent's connections. On one device (no takeover) all of them are libc's. */
#include <errno.h>
#include <spawn.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "libc_next.h"
#include "thread_takeover.h"
#include "thread_tls.h"
#include "wire_conn.h"

#define SPAWN_STACK (256u << 10)

typedef int spawn_fn(pid_t *restrict, const char *restrict, const posix_spawn_file_actions_t *,
                     const posix_spawnattr_t *restrict, char *const[restrict], char *const[restrict]);

struct spawn_call {
    spawn_fn *real;
    const char *path;
    const posix_spawn_file_actions_t *actions;
    const posix_spawnattr_t *attr;
    char *const *argv, *const *envp;
    pid_t child;
    int rc;
    ucontext_t back, run;
};

DMX_HOST_THREAD_LOCAL(struct spawn_call *, spawn_now, NULL)

static void spawn_here(void)
{
    struct spawn_call *s = spawn_now;
    s->rc = s->real(&s->child, s->path, s->actions, s->attr, s->argv, s->envp);
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
    void *stack = mmap(NULL, SPAWN_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return ENOMEM;
    struct spawn_call *s = stack;       /* at the bottom of its own stack: private memory too */
    *s = (struct spawn_call){ .real = real, .path = path, .actions = actions, .attr = attr, .argv = argv,
                              .envp = envp };
    int rc = EAGAIN;
    if (getcontext(&s->run) == 0) {
        s->run.uc_stack.ss_sp = (char *)stack + sizeof *s;
        s->run.uc_stack.ss_size = SPAWN_STACK - sizeof *s;
        s->run.uc_link = &s->back;
        makecontext(&s->run, spawn_here, 0);
        spawn_now = s;
        if (swapcontext(&s->back, &s->run) == 0) {
            rc = s->rc;
            if (rc == 0 && pid)
                *pid = s->child;
        }
    }
    munmap(stack, SPAWN_STACK);
    return rc;
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

static pid_t refuse(const char *call)
{
    static atomic_int said;
    if (!said++)
        wire_log("%s: not supported on a multi-device run (the child would share the DSM's pages with its parent); "
                 "start programs with posix_spawn, system or popen instead", call);
    errno = ENOSYS;
    return -1;
}

pid_t fork(void)
{
    REAL(fork);
    return dmx_takeover.active ? refuse("fork") : real_fork();
}

pid_t vfork(void)
{
    REAL(fork);     /* a vfork child may only exec or _exit, which a fork child may do too */
    return dmx_takeover.active ? refuse("vfork") : real_fork();
}
