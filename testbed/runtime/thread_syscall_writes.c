/* thread_syscall_writes: the system calls besides read() and pread() that write into the caller's memory.
 *
 * The kernel (here QEMU's linux-user, which checks page protections the same way) raises no SIGSEGV when a
 * system call writes into a page the DSM has made read-only: the call fails with EFAULT. read() and pread() pin
 * their buffer (io_intercept.c, thread_syscall_buffers.c); these wrappers do the same for readv, preadv, recv,
 * recvfrom, recvmsg, clock_gettime, gettimeofday, stat, lstat, fstatat, pipe, pipe2, socketpair, poll,
 * select, getrandom, uname, getsockname, getpeername, getsockopt, accept, accept4, epoll_wait, epoll_pwait,
 * wait, waitpid, wait4, waitid, getrusage, getcwd, readlink, sigprocmask, pthread_sigmask, sigpending,
 * sigtimedwait, sigwaitinfo, sigwait, nanosleep, clock_nanosleep, times, getrlimit, clock_getres and sysinfo (ioctl
 * is io_intercept.c's), and syscall(2) with the numbers of these, so that an app thread
 * on any device can receive into, or take the time into, a struct in the shared heap or the app's globals. (time() stores its result from
 * user space, after glibc's clock_gettime: a plain write fault, which the DSM handles.)
 * Calls not wrapped here are caught by dmx's QEMU (qemu-patches/0002, dsm_region.c registers the windows): it
 * raises SIGSEGV at the protected page and runs the call again. The wrappers stay, as they pin a buffer for the
 * whole call, so that another device's write notice cannot pull the page away while the kernel fills it.
 * Only the app's own calls (and those of the libraries it links) are wrapped: libdmx takes the time with the
 * DSM's lock held, and pinning would take it again. Off a multi-device run each is the libc call plus a test. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint_cut.h"
#include "app_signals.h"
#include "libc_next.h"
#include "thread_takeover.h"

void dmx_dsm_kernel_write_begin(void *buf, size_t len);
void dmx_dsm_kernel_write_end(void *buf, size_t len);
size_t dmx_dsm_unknown_span(const void *p);

/* The buffers one call writes: up to a message's name, control and iovecs. */
#define SPANS_MAX 16
struct spans {
    int n;
    struct { void *p; size_t len; } s[SPANS_MAX];
};

static bool sharing(const void *ra)
{
    return dmx_takeover.active && dmx_app_code(ra);
}

static void add(struct spans *sp, void *p, size_t len)
{
    if (p && len && sp->n < SPANS_MAX) {
        sp->s[sp->n].p = p;
        sp->s[sp->n++].len = len;
    }
}

/* A buffer the kernel fills up to *LEN bytes, and *LEN itself, which it sets to the length it wrote (socket
 * addresses, socket options). */
static void add_with_len(struct spans *sp, void *buf, socklen_t *len)
{
    add(sp, len, sizeof *len);
    add(sp, buf, len ? *len : 0);
}

static void add_iov(struct spans *sp, const struct iovec *iov, int count)
{
    for (int i = 0; iov && i < count; i++)
        add(sp, iov[i].iov_base, iov[i].iov_len);
}

/* recvmsg's header (the kernel sets its lengths and flags) and every buffer it names. */
static void add_msghdr(struct spans *sp, struct msghdr *m)
{
    if (!m)
        return;
    add(sp, m, sizeof *m);
    add(sp, m->msg_name, m->msg_namelen);
    add(sp, m->msg_control, m->msg_controllen);
    add_iov(sp, m->msg_iov, (int)m->msg_iovlen);
}

static void begin(const struct spans *sp)
{
    for (int i = 0; i < sp->n; i++)
        dmx_dsm_kernel_write_begin(sp->s[i].p, sp->s[i].len);
}

/* errno stays as the call left it (dmx_dsm_kernel_write_end keeps it). */
static void end(const struct spans *sp)
{
    for (int i = 0; i < sp->n; i++)
        dmx_dsm_kernel_write_end(sp->s[i].p, sp->s[i].len);
}

/* Runs CALL with the buffers named by the statements before it writable by the kernel. */
#define WITH_SPANS(setup, call) \
    do { \
        if (!sharing(__builtin_return_address(0))) \
            return call; \
        struct spans sp = { 0 }; \
        setup; \
        begin(&sp); \
        __typeof__(call) rc = call; \
        end(&sp); \
        return rc; \
    } while (0)

ssize_t readv(int fd, const struct iovec *iov, int count)
{
    REAL(readv);
    WITH_SPANS(add_iov(&sp, iov, count), real_readv(fd, iov, count));
}

ssize_t preadv(int fd, const struct iovec *iov, int count, off_t off)
{
    REAL(preadv);
    WITH_SPANS(add_iov(&sp, iov, count), real_preadv(fd, iov, count, off));
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    REAL(recv);
    WITH_SPANS(add(&sp, buf, len), real_recv(fd, buf, len, flags));
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *addr, socklen_t *addr_len)
{
    REAL(recvfrom);
    WITH_SPANS((add(&sp, buf, len), add_with_len(&sp, addr, addr_len)),
               real_recvfrom(fd, buf, len, flags, addr, addr_len));
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    REAL(recvmsg);
    WITH_SPANS(add_msghdr(&sp, msg), real_recvmsg(fd, msg, flags));
}

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    REAL(clock_gettime);
    WITH_SPANS(add(&sp, ts, sizeof *ts), real_clock_gettime(clock, ts));
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    REAL(gettimeofday);
    WITH_SPANS((add(&sp, tv, sizeof *tv), add(&sp, tz, sizeof(struct timezone))), real_gettimeofday(tv, tz));
}

int stat(const char *restrict path, struct stat *restrict st)
{
    REAL(stat);
    WITH_SPANS(add(&sp, st, sizeof *st), real_stat(path, st));
}

int lstat(const char *restrict path, struct stat *restrict st)
{
    REAL(lstat);
    WITH_SPANS(add(&sp, st, sizeof *st), real_lstat(path, st));
}

int fstatat(int dirfd, const char *restrict path, struct stat *restrict st, int flags)
{
    REAL(fstatat);
    WITH_SPANS(add(&sp, st, sizeof *st), real_fstatat(dirfd, path, st, flags));
}

int pipe(int fds[2])
{
    REAL(pipe);
    WITH_SPANS(add(&sp, fds, 2 * sizeof *fds), real_pipe(fds));
}

int pipe2(int fds[2], int flags)
{
    REAL(pipe2);
    WITH_SPANS(add(&sp, fds, 2 * sizeof *fds), real_pipe2(fds, flags));
}

int socketpair(int domain, int type, int protocol, int fds[2])
{
    REAL(socketpair);
    WITH_SPANS(add(&sp, fds, 2 * sizeof *fds), real_socketpair(domain, type, protocol, fds));
}

/* The kernel writes each revents back. */
int poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
    REAL(poll);
    WITH_SPANS(add(&sp, fds, n * sizeof *fds), real_poll(fds, n, timeout_ms));
}

/* The sets are rewritten with the ready fds, and Linux writes the time left into the timeout. */
int select(int n, fd_set *restrict rd, fd_set *restrict wr, fd_set *restrict ex, struct timeval *restrict timeout)
{
    REAL(select);
    WITH_SPANS((add(&sp, rd, sizeof *rd), add(&sp, wr, sizeof *wr), add(&sp, ex, sizeof *ex),
                add(&sp, timeout, sizeof *timeout)),
               real_select(n, rd, wr, ex, timeout));
}

ssize_t getrandom(void *buf, size_t len, unsigned flags)
{
    REAL(getrandom);
    WITH_SPANS(add(&sp, buf, len), real_getrandom(buf, len, flags));
}

int uname(struct utsname *u)
{
    REAL(uname);
    WITH_SPANS(add(&sp, u, sizeof *u), real_uname(u));
}

int getsockname(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    REAL(getsockname);
    WITH_SPANS(add_with_len(&sp, addr, len), real_getsockname(fd, addr, len));
}

int getpeername(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    REAL(getpeername);
    WITH_SPANS(add_with_len(&sp, addr, len), real_getpeername(fd, addr, len));
}

int getsockopt(int fd, int level, int name, void *restrict value, socklen_t *restrict len)
{
    REAL(getsockopt);
    WITH_SPANS(add_with_len(&sp, value, len), real_getsockopt(fd, level, name, value, len));
}

int accept(int fd, struct sockaddr *restrict addr, socklen_t *restrict len)
{
    REAL(accept);
    WITH_SPANS(add_with_len(&sp, addr, len), real_accept(fd, addr, len));
}

int accept4(int fd, struct sockaddr *restrict addr, socklen_t *restrict len, int flags)
{
    REAL(accept4);
    WITH_SPANS(add_with_len(&sp, addr, len), real_accept4(fd, addr, len, flags));
}

/* Only the first MAX events can be written; a negative MAX is the kernel's EINVAL, not a huge span. */
int epoll_wait(int epfd, struct epoll_event *events, int max, int timeout_ms)
{
    REAL(epoll_wait);
    WITH_SPANS(add(&sp, events, max > 0 ? (size_t)max * sizeof *events : 0),
               real_epoll_wait(epfd, events, max, timeout_ms));
}

int epoll_pwait(int epfd, struct epoll_event *events, int max, int timeout_ms, const sigset_t *mask)
{
    REAL(epoll_pwait);
    WITH_SPANS(add(&sp, events, max > 0 ? (size_t)max * sizeof *events : 0),
               real_epoll_pwait(epfd, events, max, timeout_ms, mask));
}

/* A child forked by a thread runs on that thread's device, and its status is written there. */
pid_t wait(int *status)
{
    REAL(wait);
    WITH_SPANS(add(&sp, status, sizeof *status), real_wait(status));
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    REAL(waitpid);
    WITH_SPANS(add(&sp, status, sizeof *status), real_waitpid(pid, status, options));
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
    REAL(wait4);
    WITH_SPANS((add(&sp, status, sizeof *status), add(&sp, usage, sizeof *usage)),
               real_wait4(pid, status, options, usage));
}

int waitid(idtype_t type, id_t id, siginfo_t *info, int options)
{
    REAL(waitid);
    WITH_SPANS(add(&sp, info, sizeof *info), real_waitid(type, id, info, options));
}

int getrusage(int who, struct rusage *usage)
{
    REAL(getrusage);
    WITH_SPANS(add(&sp, usage, sizeof *usage), real_getrusage(who, usage));
}

char *getcwd(char *buf, size_t size)
{
    REAL(getcwd);
    WITH_SPANS(add(&sp, buf, size), real_getcwd(buf, size));
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
    REAL(readlink);
    WITH_SPANS(add(&sp, buf, size), real_readlink(path, buf, size));
}

/* glibc hands the old set straight to rt_sigprocmask; sigprocmask calls its own pthread_sigmask, not this one. */
int pthread_sigmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
    REAL(pthread_sigmask);
    sigset_t copy;
    const sigset_t *app = how == SIG_UNBLOCK ? set : app_signals_mask_set(set, &copy);
    WITH_SPANS(add(&sp, old, sizeof *old), real_pthread_sigmask(how, app, old));
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
    REAL(sigprocmask);
    sigset_t copy;
    const sigset_t *app = how == SIG_UNBLOCK ? set : app_signals_mask_set(set, &copy);
    WITH_SPANS(add(&sp, old, sizeof *old), real_sigprocmask(how, app, old));
}

int sigpending(sigset_t *set)
{
    REAL(sigpending);
    WITH_SPANS(add(&sp, set, sizeof *set), real_sigpending(set));
}

int sigtimedwait(const sigset_t *restrict set, siginfo_t *restrict info, const struct timespec *restrict timeout)
{
    REAL(sigtimedwait);
    sigset_t copy;
    WITH_SPANS(add(&sp, info, sizeof *info), real_sigtimedwait(app_signals_mask_set(set, &copy), info, timeout));
}

int sigwaitinfo(const sigset_t *restrict set, siginfo_t *restrict info)
{
    REAL(sigwaitinfo);
    sigset_t copy;
    WITH_SPANS(add(&sp, info, sizeof *info), real_sigwaitinfo(app_signals_mask_set(set, &copy), info));
}

int sigwait(const sigset_t *restrict set, int *restrict sig)
{
    REAL(sigwait);
    sigset_t copy;
    WITH_SPANS(add(&sp, sig, sizeof *sig), real_sigwait(app_signals_mask_set(set, &copy), sig));
}

/* Sleeps are waits: with checkpoints, a thread asleep is found where it began to sleep by a sibling's cut, rather
 * than woken early by the cut's signal (and resumed there after a loss, it sleeps again). Only the executable's
 * own sleeps: resumed in a library's, a thread would go on in code whose globals were the lost device's. */
#define SLEEP_AS_WAIT(ra, rc, call) \
    do { \
        if (dmx_app_own_code(ra)) \
            DMX_CHECKPOINTED_WAIT(rc = call); \
        else \
            rc = call; \
    } while (0)

/* A sleep that writes the time left into rem: both a wait and a kernel write. */
#define SLEEP_WRITING_REM(rem, call) \
    do { \
        if (!sharing(__builtin_return_address(0))) \
            return call; \
        struct spans sp = { 0 }; \
        int rc = 0; \
        add(&sp, rem, rem ? sizeof *rem : 0); \
        begin(&sp); \
        SLEEP_AS_WAIT(__builtin_return_address(0), rc, call); \
        end(&sp); \
        return rc; \
    } while (0)

int nanosleep(const struct timespec *req, struct timespec *rem)
{
    REAL(nanosleep);
    SLEEP_WRITING_REM(rem, real_nanosleep(req, rem));
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem)
{
    REAL(clock_nanosleep);
    SLEEP_WRITING_REM(rem, real_clock_nanosleep(clock, flags, req, rem));
}

/* glibc's usleep and sleep call its nanosleep directly, past the one above. */
int usleep(useconds_t us)
{
    REAL(usleep);
    if (!sharing(__builtin_return_address(0)))
        return real_usleep(us);
    int rc = 0;
    SLEEP_AS_WAIT(__builtin_return_address(0), rc, real_usleep(us));
    return rc;
}

unsigned sleep(unsigned s)
{
    REAL(sleep);
    if (!sharing(__builtin_return_address(0)))
        return real_sleep(s);
    unsigned rc = 0;
    SLEEP_AS_WAIT(__builtin_return_address(0), rc, real_sleep(s));
    return rc;
}

clock_t times(struct tms *buf)
{
    REAL(times);
    WITH_SPANS(add(&sp, buf, sizeof *buf), real_times(buf));
}

int getrlimit(__rlimit_resource_t resource, struct rlimit *rlim)
{
    REAL(getrlimit);
    WITH_SPANS(add(&sp, rlim, sizeof *rlim), real_getrlimit(resource, rlim));
}

int clock_getres(clockid_t clock, struct timespec *res)
{
    REAL(clock_getres);
    WITH_SPANS(add(&sp, res, sizeof *res), real_clock_getres(clock, res));
}

int sysinfo(struct sysinfo *info)
{
    REAL(sysinfo);
    WITH_SPANS(add(&sp, info, sizeof *info), real_sysinfo(info));
}

/* ---- the same calls made through syscall(2) ----
 * Some code asks the kernel directly (syscall(SYS_getrandom, ...), libraries that predate a glibc wrapper). The
 * numbers below write where the wrappers above do, and get the same treatment. For any other number (bar those
 * whose arguments are addresses rather than buffers: futex, mmap and the like), each argument that points into
 * shared memory gets that page and the next made accessible for the call (dmx_dsm_unknown_span): a struct up to
 * a page long, read or written there, works. A raw read or write of a /dev/dmx fd is not forwarded: only the
 * libc calls are (io_intercept.c). */
/* Bytes of an fd set the kernel writes back for n fds (it works in longs). */
static size_t fd_set_bytes(long n)
{
    return n > 0 && n <= FD_SETSIZE ? (size_t)(n + 63) / 64 * 8 : 0;
}

/* The buffers raw call nr with arguments a writes (for a number not listed, a page at each shared pointer). */
static void raw_call_spans(struct spans *sp, long nr, long *a)
{
#define P(i) ((void *)a[i])
#define N(i) ((size_t)a[i])
    switch (nr) {
    case SYS_read: case SYS_pread64:
        add(sp, P(1), N(2));
        break;
    case SYS_getrandom: case SYS_getcwd:
        add(sp, P(0), N(1));
        break;
    case SYS_readv: case SYS_preadv:
        add_iov(sp, P(1), (int)a[2]);
        break;
    case SYS_recvfrom:
        add(sp, P(1), N(2));
        add_with_len(sp, P(4), P(5));
        break;
    case SYS_recvmsg:
        add_msghdr(sp, P(1));
        break;
    case SYS_clock_gettime: case SYS_clock_getres: case SYS_nanosleep: case SYS_getrlimit: case SYS_getrusage:
        add(sp, P(1), nr == SYS_getrusage ? sizeof(struct rusage)
                      : nr == SYS_getrlimit ? sizeof(struct rlimit) : sizeof(struct timespec));
        break;
    case SYS_clock_nanosleep:
        add(sp, P(3), sizeof(struct timespec));
        break;
    case SYS_gettimeofday:
        add(sp, P(0), sizeof(struct timeval));
        add(sp, P(1), sizeof(struct timezone));
        break;
    case SYS_newfstatat:
        add(sp, P(2), sizeof(struct stat));
        break;
    case SYS_fstat:
        add(sp, P(1), sizeof(struct stat));
        break;
    case SYS_statx:
        add(sp, P(4), 256);     /* struct statx */
        break;
    case SYS_pipe2:
        add(sp, P(0), 2 * sizeof(int));
        break;
    case SYS_socketpair:
        add(sp, P(3), 2 * sizeof(int));
        break;
    case SYS_ppoll:
        add(sp, P(0), N(1) * sizeof(struct pollfd));
        add(sp, P(2), sizeof(struct timespec));
        break;
    case SYS_pselect6:
        for (int i = 1; i <= 3; i++)
            add(sp, P(i), fd_set_bytes(a[0]));
        add(sp, P(4), sizeof(struct timespec));
        break;
    case SYS_epoll_pwait:
        add(sp, P(1), a[2] > 0 ? N(2) * sizeof(struct epoll_event) : 0);
        break;
    case SYS_uname:
        add(sp, P(0), sizeof(struct utsname));
        break;
    case SYS_getsockname: case SYS_getpeername: case SYS_accept: case SYS_accept4:
        add_with_len(sp, P(1), P(2));
        break;
    case SYS_getsockopt:
        add_with_len(sp, P(3), P(4));
        break;
    case SYS_wait4:
        add(sp, P(1), sizeof(int));
        add(sp, P(3), sizeof(struct rusage));
        break;
    case SYS_waitid:
        add(sp, P(2), sizeof(siginfo_t));
        add(sp, P(4), sizeof(struct rusage));
        break;
    case SYS_readlinkat:
        add(sp, P(2), N(3));
        break;
    case SYS_rt_sigprocmask:
        add(sp, P(2), N(3));
        break;
    case SYS_rt_sigpending:
        add(sp, P(0), N(1));
        break;
    case SYS_rt_sigtimedwait:
        add(sp, P(1), sizeof(siginfo_t));
        break;
    case SYS_times:
        add(sp, P(0), sizeof(struct tms));
        break;
    case SYS_prlimit64:
        add(sp, P(3), sizeof(struct rlimit));
        break;
    case SYS_sysinfo:
        add(sp, P(0), sizeof(struct sysinfo));
        break;
    case SYS_futex: case SYS_mmap: case SYS_munmap: case SYS_mprotect: case SYS_madvise: case SYS_mremap:
    case SYS_msync: case SYS_mlock: case SYS_mlock2: case SYS_munlock: case SYS_mincore: case SYS_brk:
    case SYS_clone: case SYS_clone3: case SYS_set_tid_address: case SYS_set_robust_list: case SYS_rseq:
    case SYS_exit: case SYS_exit_group: case SYS_pkey_mprotect: case SYS_mbind: case SYS_get_mempolicy:
    case SYS_move_pages: case SYS_remap_file_pages: case SYS_shmat: case SYS_shmdt: case SYS_process_madvise:
    case SYS_futex_waitv:
        break;      /* addresses, not buffers: a futex word, a range to map or protect, a new thread's stack */
    default:        /* a number not listed: whatever its arguments point to in shared memory, a page of it */
        for (int i = 0; i < 6; i++)
            add(sp, P(i), dmx_dsm_unknown_span(P(i)));
        break;
    }
#undef P
#undef N
}

/* A kernel signal set of size bytes (8 on Linux, less than a sigset_t) as app_signals_mask_set sees it. */
static const void *raw_app_set(const void *set, size_t size, sigset_t *copy)
{
    if (!set || size > sizeof *copy)
        return set;
    sigset_t whole;
    sigemptyset(&whole);
    memcpy(&whole, set, size);
    const sigset_t *app = app_signals_mask_set(&whole, copy);
    return app == &whole ? set : (const void *)copy;
}

/* glibc's syscall takes six register arguments whatever the number; so does this one. */
long syscall(long nr, ...)
{
    REAL(syscall);
    long a[6];
    va_list ap;
    va_start(ap, nr);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (!sharing(__builtin_return_address(0)))
        return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    sigset_t copy;      /* the app's masks and waits leave libdmx's signals alone, as above */
    if (nr == SYS_rt_sigprocmask && a[0] != SIG_UNBLOCK)
        a[1] = (long)raw_app_set((const void *)a[1], (size_t)a[3], &copy);
    else if (nr == SYS_rt_sigtimedwait)
        a[0] = (long)raw_app_set((const void *)a[0], (size_t)a[3], &copy);
    struct spans sp = { 0 };
    raw_call_spans(&sp, nr, a);
    begin(&sp);
    long rc = real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    end(&sp);
    return rc;
}
