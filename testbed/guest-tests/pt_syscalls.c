/* pt_syscalls: an unmodified pthread program whose threads let the kernel write into heap memory that main
 * made: the time (clock_gettime, gettimeofday, time), a file's status (stat, fstat), a pipe's and a socket
 * pair's fds (pipe, socketpair), a file's bytes (pread, readv), a socket's message (recv, recvfrom, recvmsg)
 * and address (getsockname), readiness (poll, select), random bytes (getrandom) and the system's name (uname).
 * On another device those pages are the DSM's and start read-only, where a kernel write fails with EFAULT
 * instead of faulting. Each of T threads runs every call into its own heap record, then main checks them.
 * Prints (the same on any number of devices)
 *   syscalls threads=<T> calls=<17*T> failed=0 ok
 * and, on stderr, the device each thread ran on and any call that failed. Usage: pt_syscalls [T] */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define CALLS 17           /* the ones that write into the record */
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
