/* pt_syscalls: an unmodified pthread program whose threads let the kernel write into heap memory that main
 * made: the time (clock_gettime, gettimeofday, time), a file's status (stat, fstat), a pipe's and a socket
 * pair's fds (pipe, socketpair), a file's bytes (pread, readv), a socket's message (recv, recvfrom, recvmsg)
 * and address (getsockname), readiness (poll, select, epoll_wait), random bytes (getrandom), the system's name
 * (uname), bytes pending (ioctl FIONREAD), a socket option (getsockopt), a connection's peer (accept), a
 * started program's exit status (waitpid), the old signal mask (pthread_sigmask, sigprocmask), pending signals
 * (sigpending), a signal taken while blocked (sigtimedwait, sigwaitinfo, sigwait), CPU times (times), a
 * resource limit (getrlimit), a socket's owner (ioctl FIOGETOWN, whose number has no size), four of these
 * again through syscall(2) (getrandom, clock_gettime, pipe2 and rt_sigprocmask's old set), two that libdmx
 * has no entry for (getresuid, sched_getaffinity), and the same two through libc, which libdmx does not wrap.
 * On another device those pages are the DSM's and start read-only, where a kernel write fails with EFAULT
 * instead of faulting. Each of T threads runs every call into its own heap record, then main checks them.
 * Prints (the same on any number of devices)
 *   syscalls threads=<T> calls=<39*T> failed=0 ok
 * and, on stderr, the device each thread ran on and any call that failed. Usage: pt_syscalls [T] */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CALLS 39           /* the ones that write into the record */
#define TEXT "0123456789abcdef"

#define PAGE 4096
#define OWN_PAGE __attribute__((aligned(PAGE)))

/* Each target on a page of its own that the thread itself never writes: shared pages start read-only there, and
 * the release before each call (settle) makes them so again. */
struct record {
    struct timespec ts OWN_PAGE;
    struct timeval tv OWN_PAGE;
    struct stat st OWN_PAGE;
    struct stat fst OWN_PAGE;
    int fds[2] OWN_PAGE;
    char pread_buf[16] OWN_PAGE;
    char readv_a[8] OWN_PAGE;
    char readv_b[8] OWN_PAGE;
    char recv_buf[8] OWN_PAGE;
    char recvfrom_buf[8] OWN_PAGE;
    struct sockaddr_storage from OWN_PAGE;
    char recvmsg_buf[8] OWN_PAGE;
    time_t now OWN_PAGE;
    int sv[2] OWN_PAGE;
    struct pollfd pfd[2] OWN_PAGE;
    fd_set readable OWN_PAGE;
    unsigned char random[32] OWN_PAGE;
    struct utsname uts OWN_PAGE;
    struct sockaddr_un name OWN_PAGE;
    socklen_t name_len OWN_PAGE;
    int pending OWN_PAGE;
    int sock_type OWN_PAGE;
    socklen_t sock_type_len;
    struct epoll_event events[2] OWN_PAGE;
    struct sockaddr_un peer OWN_PAGE;
    socklen_t peer_len OWN_PAGE;
    int status OWN_PAGE;
    sigset_t old_mask OWN_PAGE;
    sigset_t old_procmask OWN_PAGE;
    sigset_t pending_set OWN_PAGE;
    struct tms tms OWN_PAGE;
    struct rlimit rlim OWN_PAGE;
    siginfo_t info OWN_PAGE;
    siginfo_t info2 OWN_PAGE;
    int waited OWN_PAGE;
    unsigned char raw_random[32] OWN_PAGE;
    struct timespec raw_ts OWN_PAGE;
    int raw_fds[2] OWN_PAGE;
    uint64_t raw_old_mask OWN_PAGE;     /* the kernel's sigset: 8 bytes */
    unsigned raw_ids[3] OWN_PAGE;       /* getresuid's */
    unsigned long raw_affinity[16] OWN_PAGE;
    int owner OWN_PAGE;
    uid_t libc_ids[3] OWN_PAGE;         /* libc calls libdmx does not wrap: dmx's QEMU faults for them */
    cpu_set_t libc_affinity OWN_PAGE;
    int failed OWN_PAGE, device, id;
    socklen_t from_len;
    char path[64];
};

static pthread_mutex_t settle_lock = PTHREAD_MUTEX_INITIALIZER;

/* A release: what this device wrote is published and its shared pages are write-protected again. */
static void settle(void)
{
    pthread_mutex_lock(&settle_lock);
    pthread_mutex_unlock(&settle_lock);
}

static int where(void)
{
    const char *d = getenv("DMX_DEVICE_INDEX");
    return d ? atoi(d) : 1;
}

static int check(struct record *r, const char *call, int ok)
{
    int err = errno;
    if (!ok) {
        fprintf(stderr, "pt_syscalls: thread %d on device %d: %s failed: %s\n", r->id, r->device, call,
                strerror(err));
        r->failed++;
    }
    settle();
    return ok;
}

static void file_calls(struct record *r)
{
    int fd = open(r->path, O_RDWR | O_CREAT | O_TRUNC, 0600);    /* on the thread's own device */
    if (!check(r, "open", fd >= 0))
        return;
    check(r, "write", write(fd, TEXT, strlen(TEXT)) == (ssize_t)strlen(TEXT));
    check(r, "fstat", fstat(fd, &r->fst) == 0 && r->fst.st_size == (off_t)strlen(TEXT));
    check(r, "pread", pread(fd, r->pread_buf, sizeof r->pread_buf, 0) == (ssize_t)sizeof r->pread_buf &&
                          memcmp(r->pread_buf, TEXT, 16) == 0);
    struct iovec iov[2] = { { r->readv_a, 8 }, { r->readv_b, 8 } };
    check(r, "readv", lseek(fd, 0, SEEK_SET) == 0 && readv(fd, iov, 2) == 16 && memcmp(r->readv_b, TEXT + 8, 8) == 0);
    close(fd);
}

/* Readiness of SV[1], which has one message waiting, and of SV[0], which has none. */
static void readiness_calls(struct record *r, const int *sv)
{
    r->pfd[0] = (struct pollfd){ .fd = sv[1], .events = POLLIN };
    r->pfd[1] = (struct pollfd){ .fd = sv[0], .events = POLLIN };
    settle();
    check(r, "poll", poll(r->pfd, 2, 1000) == 1 && (r->pfd[0].revents & POLLIN) && r->pfd[1].revents == 0);
    FD_ZERO(&r->readable);
    FD_SET(sv[0], &r->readable);
    FD_SET(sv[1], &r->readable);
    settle();
    struct timeval wait = { 1, 0 };
    check(r, "select", select((sv[0] > sv[1] ? sv[0] : sv[1]) + 1, &r->readable, NULL, NULL, &wait) == 1 &&
                           FD_ISSET(sv[1], &r->readable) && !FD_ISSET(sv[0], &r->readable));
}

/* The same readiness through epoll, and how many bytes wait (the one 8-byte message). */
static void epoll_calls(struct record *r, const int *sv)
{
    int ep = epoll_create1(0);
    struct epoll_event in = { .events = EPOLLIN, .data.fd = sv[1] }, none = { .events = EPOLLIN, .data.fd = sv[0] };
    if (!check(r, "epoll_ctl", ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &in) == 0 &&
                                   epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &none) == 0)) {
        if (ep >= 0)
            close(ep);
        return;
    }
    check(r, "epoll_wait", epoll_wait(ep, r->events, 2, 1000) == 1 && r->events[0].data.fd == sv[1]);
    close(ep);
    check(r, "ioctl", ioctl(sv[1], FIONREAD, &r->pending) == 0 && r->pending == 8);
    r->owner = -1;          /* FIOGETOWN is old-style: no size in its number */
    settle();
    check(r, "ioctl(FIOGETOWN)", ioctl(sv[1], FIOGETOWN, &r->owner) == 0 && r->owner == 0);
}

/* A stream connection on an abstract unix address of the thread's own: accept writes the peer's address. */
static void accept_calls(struct record *r)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "pt_syscalls.%d.%d", (int)getpid(), r->id);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1));
    int listener = socket(AF_UNIX, SOCK_STREAM, 0), client = socket(AF_UNIX, SOCK_STREAM, 0);
    if (check(r, "listen", listener >= 0 && client >= 0 && bind(listener, (struct sockaddr *)&addr, len) == 0 &&
                               listen(listener, 1) == 0 && connect(client, (struct sockaddr *)&addr, len) == 0)) {
        r->peer_len = sizeof r->peer;
        settle();
        int conn = accept(listener, (struct sockaddr *)&r->peer, &r->peer_len);
        check(r, "accept", conn >= 0 && r->peer.sun_family == AF_UNIX);
        if (conn >= 0)
            close(conn);
        r->sock_type_len = sizeof r->sock_type;
        settle();
        check(r, "getsockopt", getsockopt(client, SOL_SOCKET, SO_TYPE, &r->sock_type, &r->sock_type_len) == 0 &&
                                   r->sock_type == SOCK_STREAM);
    }
    if (listener >= 0)
        close(listener);
    if (client >= 0)
        close(client);
}

/* A child the thread starts (on its device) exits with 7, and a forked child exits at once (pt_fork does more). */
static void child_calls(struct record *r)
{
    char *argv[] = { "sh", "-c", "exit 7", NULL };
    pid_t child;
    check(r, "posix_spawn", posix_spawn(&child, "/bin/sh", NULL, NULL, argv, environ) == 0);
    check(r, "waitpid", waitpid(child, &r->status, 0) == child && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 7);
    pid_t forked = fork();
    if (forked == 0)
        _exit(0);
    check(r, "fork", forked > 0 && waitpid(forked, NULL, 0) == forked);
}

/* The old mask must come back as the one set just before (SIGUSR2 blocked), and then be restored. */
static void signal_calls(struct record *r)
{
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);
    check(r, "pthread_sigmask", pthread_sigmask(SIG_UNBLOCK, &usr2, &r->old_mask) == 0 &&
                                    sigismember(&r->old_mask, SIGUSR2) == 1);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    check(r, "sigprocmask", sigprocmask(SIG_UNBLOCK, &usr2, &r->old_procmask) == 0 &&
                                sigismember(&r->old_procmask, SIGUSR2) == 1);
    sigaddset(&r->pending_set, SIGUSR2);        /* sigpending must clear it: nothing is pending */
    settle();                                   /* and its page is read-only again */
    check(r, "sigpending", sigpending(&r->pending_set) == 0 && sigismember(&r->pending_set, SIGUSR2) == 0);
    /* Taken while blocked: the kernel writes what it knows of the signal, or its number. */
    struct timespec soon = { 1, 0 };
    pthread_sigmask(SIG_BLOCK, &usr2, NULL);
    settle();
    raise(SIGUSR2);
    check(r, "sigtimedwait", sigtimedwait(&usr2, &r->info, &soon) == SIGUSR2 && r->info.si_signo == SIGUSR2);
    raise(SIGUSR2);
    check(r, "sigwaitinfo", sigwaitinfo(&usr2, &r->info2) == SIGUSR2 && r->info2.si_signo == SIGUSR2);
    raise(SIGUSR2);
    check(r, "sigwait", sigwait(&usr2, &r->waited) == 0 && r->waited == SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
    check(r, "times", times(&r->tms) != (clock_t)-1);
    check(r, "getrlimit", getrlimit(RLIMIT_NOFILE, &r->rlim) == 0 && r->rlim.rlim_cur > 0);
}

/* The kernel writes the same way when asked without glibc's wrappers. */
static void raw_calls(struct record *r)
{
    static const unsigned char zero[32];
    check(r, "syscall(getrandom)", syscall(SYS_getrandom, r->raw_random, sizeof r->raw_random, 0) ==
                                           (long)sizeof r->raw_random &&
                                       memcmp(r->raw_random, zero, sizeof zero) != 0);
    check(r, "syscall(clock_gettime)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &r->raw_ts) == 0 &&
                                           (r->raw_ts.tv_sec || r->raw_ts.tv_nsec));
    if (check(r, "syscall(pipe2)", syscall(SYS_pipe2, r->raw_fds, 0) == 0 && r->raw_fds[0] != r->raw_fds[1])) {
        close(r->raw_fds[0]);
        close(r->raw_fds[1]);
    }
    uint64_t usr2 = 1ull << (SIGUSR2 - 1);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &usr2, NULL, sizeof usr2);
    check(r, "syscall(rt_sigprocmask)", syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &usr2, &r->raw_old_mask,
                                                sizeof usr2) == 0 && (r->raw_old_mask & usr2));
    /* Numbers libdmx has no list entry for: it makes a page at each shared pointer accessible. */
    r->raw_ids[0] = r->raw_ids[1] = r->raw_ids[2] = 12345;
    settle();
    check(r, "syscall(getresuid)", syscall(SYS_getresuid, &r->raw_ids[0], &r->raw_ids[1], &r->raw_ids[2]) == 0 &&
                                       r->raw_ids[0] == (unsigned)getuid() && r->raw_ids[1] == (unsigned)geteuid());
    long bytes = syscall(SYS_sched_getaffinity, 0, sizeof r->raw_affinity, r->raw_affinity);
    check(r, "syscall(sched_getaffinity)", bytes > 0 && r->raw_affinity[0] != 0);
    /* libc calls libdmx has no wrapper for: the kernel's access fails on a protected shared page, and dmx's QEMU
     * raises SIGSEGV there for the DSM's handler, then runs the call again (qemu-patches/0002). */
    r->libc_ids[0] = r->libc_ids[1] = r->libc_ids[2] = 12345;
    settle();
    check(r, "getresuid", getresuid(&r->libc_ids[0], &r->libc_ids[1], &r->libc_ids[2]) == 0 &&
                              r->libc_ids[0] == getuid() && r->libc_ids[2] != 12345);
    check(r, "sched_getaffinity", sched_getaffinity(0, sizeof r->libc_affinity, &r->libc_affinity) == 0 &&
                                      CPU_COUNT(&r->libc_affinity) > 0);
}

static void socket_calls(struct record *r)
{
    int *sv = r->sv;
    if (!check(r, "socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && sv[0] >= 0 && sv[1] > sv[0]))
        return;
    r->name_len = sizeof r->name;
    check(r, "getsockname", getsockname(sv[0], (struct sockaddr *)&r->name, &r->name_len) == 0 &&
                                r->name.sun_family == AF_UNIX);
    check(r, "send", send(sv[0], TEXT, 8, 0) == 8);
    readiness_calls(r, sv);
    epoll_calls(r, sv);
    for (int i = 0; i < 2; i++)
        check(r, "send", send(sv[0], TEXT, 8, 0) == 8);
    for (int i = 0; i < 3; i++)
        check(r, "send", send(sv[0], TEXT, 8, 0) == 8);
    check(r, "recv", recv(sv[1], r->recv_buf, 8, 0) == 8 && memcmp(r->recv_buf, TEXT, 8) == 0);
    r->from_len = sizeof r->from;
    check(r, "recvfrom", recvfrom(sv[1], r->recvfrom_buf, 8, 0, (struct sockaddr *)&r->from, &r->from_len) == 8);
    struct iovec iov = { r->recvmsg_buf, 8 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    check(r, "recvmsg", recvmsg(sv[1], &msg, 0) == 8 && memcmp(r->recvmsg_buf, TEXT, 8) == 0);
    close(sv[0]);
    close(sv[1]);
}

static void *run_calls(void *arg)
{
    struct record *r = arg;
    r->device = where();
    settle();
    check(r, "clock_gettime", clock_gettime(CLOCK_MONOTONIC, &r->ts) == 0 && (r->ts.tv_sec || r->ts.tv_nsec));
    check(r, "gettimeofday", gettimeofday(&r->tv, NULL) == 0 && r->tv.tv_sec > 0);
    check(r, "time", time(&r->now) > 0 && r->now > 0);
    check(r, "stat", stat("/", &r->st) == 0 && S_ISDIR(r->st.st_mode));
    static const unsigned char zero[32];
    check(r, "getrandom", getrandom(r->random, sizeof r->random, 0) == (ssize_t)sizeof r->random &&
                              memcmp(r->random, zero, sizeof zero) != 0);
    check(r, "uname", uname(&r->uts) == 0 && strcmp(r->uts.sysname, "Linux") == 0);
    if (check(r, "pipe", pipe(r->fds) == 0)) {
        close(r->fds[0]);
        close(r->fds[1]);
    }
    file_calls(r);
    unlink(r->path);
    socket_calls(r);
    accept_calls(r);
    child_calls(r);
    signal_calls(r);
    raw_calls(r);
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 3;
    if (threads < 1 || threads > 64)
        return 2;
    struct record *rec = aligned_alloc(PAGE, (size_t)threads * sizeof *rec);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    if (!rec || !th)
        return 1;
    memset(rec, 0, (size_t)threads * sizeof *rec);
    for (int i = 0; i < threads; i++) {         /* one file each: the devices may share /tmp */
        rec[i].id = i;
        snprintf(rec[i].path, sizeof rec[i].path, "/tmp/pt_syscalls.%d.%d", (int)getpid(), i);
    }
    for (int i = 0; i < threads; i++)
        if (pthread_create(&th[i], NULL, run_calls, &rec[i]) != 0)
            return 1;
    int failed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        failed += rec[i].failed;
        fprintf(stderr, "pt_syscalls: thread %d ran on device %d\n", i, rec[i].device);
    }
    printf("syscalls threads=%d calls=%d failed=%d %s\n", threads, CALLS * threads, failed, failed ? "FAILED" : "ok");
    return failed != 0;
}
