/*
 * tdf_timeouts [SECONDS]: let each timeout-taking call time out after
 * SECONDS of emulated time and report how long it took: poll, ppoll, select,
 * pselect, epoll_wait, an ITIMER_REAL timer, a timerfd, SO_RCVTIMEO,
 * sigtimedwait, semtimedop and the nanosleep syscall (glibc's nanosleep()
 * uses clock_nanosleep).  Then the remaining-time outputs:
 * "select_left": select with a 1 s timeout that a writer thread ends after
 * 0.1 s must write back about 0.9 s; "nanosleep_rem": a 1 s nanosleep
 * interrupted by a 0.1 s ITIMER_REAL must report about 0.9 s left;
 * "rcvtimeo_get": getsockopt(SO_RCVTIMEO) returns the value set.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <errno.h>
#include <sys/epoll.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "tdf_common.h"

static int pipefd[2];
static double secs;

static struct timespec to_ts(double s)
{
    return (struct timespec){ (time_t)s, (long)((s - (time_t)s) * 1e9) };
}

static struct timeval to_tv(double s)
{
    return (struct timeval){ (time_t)s, (long)((s - (time_t)s) * 1e6) };
}

static void measure(const char *name, int (*wait_once)(void))
{
    double t0 = tdf_now(CLOCK_MONOTONIC);

    if (wait_once() != 0) {
        fprintf(stderr, "tdf_timeouts: %s did not time out\n", name);
        exit(1);
    }
    tdf_report(name, tdf_now(CLOCK_MONOTONIC) - t0);
}

static int do_poll(void)
{
    struct pollfd p = { pipefd[0], POLLIN, 0 };

    return poll(&p, 1, (int)(secs * 1000));
}

static int do_ppoll(void)
{
    struct pollfd p = { pipefd[0], POLLIN, 0 };
    struct timespec ts = to_ts(secs);

    return ppoll(&p, 1, &ts, NULL);
}

static int do_select(void)
{
    fd_set r;
    struct timeval tv = to_tv(secs);

    FD_ZERO(&r);
    FD_SET(pipefd[0], &r);
    return select(pipefd[0] + 1, &r, NULL, NULL, &tv);
}

static int do_pselect(void)
{
    fd_set r;
    struct timespec ts = to_ts(secs);

    FD_ZERO(&r);
    FD_SET(pipefd[0], &r);
    return pselect(pipefd[0] + 1, &r, NULL, NULL, &ts, NULL);
}

static int do_epoll(void)
{
    struct epoll_event ev = { .events = EPOLLIN }, out;
    int ep = epoll_create1(0), rc;

    epoll_ctl(ep, EPOLL_CTL_ADD, pipefd[0], &ev);
    rc = epoll_wait(ep, &out, 1, (int)(secs * 1000));
    close(ep);
    return rc;
}

static void on_alarm(int sig)
{
    (void)sig;
}

static int do_itimer(void)
{
    struct itimerval it = { { 0, 0 }, to_tv(secs) };
    sigset_t block, old;

    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    signal(SIGALRM, on_alarm);
    sigprocmask(SIG_BLOCK, &block, &old);
    setitimer(ITIMER_REAL, &it, NULL);
    sigsuspend(&old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}

static int do_timerfd(void)
{
    struct itimerspec its = { { 0, 0 }, to_ts(secs) };
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    uint64_t ticks;

    timerfd_settime(fd, 0, &its, NULL);
    if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks)) {
        return -1;
    }
    close(fd);
    return 0;
}

static int do_rcvtimeo(void)
{
    struct timeval tv = to_tv(secs), back;
    socklen_t len = sizeof(back);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    char buf[8];

    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &back, &len);
    tdf_report("rcvtimeo_get", back.tv_sec + back.tv_usec / 1e6);
    if (recv(s, buf, sizeof(buf), 0) >= 0 || errno != EAGAIN) {
        return -1;
    }
    close(s);
    return 0;
}

static int do_sigtimedwait(void)
{
    struct timespec ts = to_ts(secs);
    sigset_t set, old;
    int rc;

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, &old);
    rc = sigtimedwait(&set, NULL, &ts);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return (rc < 0 && errno == EAGAIN) ? 0 : -1;
}

static int do_semtimedop(void)
{
    struct sembuf op = { 0, -1, 0 };
    struct timespec ts = to_ts(secs);
    int id = semget(IPC_PRIVATE, 1, 0600), rc;

    if (id < 0) {
        perror("semget");
        return -1;
    }
    rc = semtimedop(id, &op, 1, &ts);
    semctl(id, 0, IPC_RMID);
    return (rc < 0 && errno == EAGAIN) ? 0 : -1;
}

static int do_raw_nanosleep(void)
{
    struct timespec ts = to_ts(secs);

    return (int)syscall(SYS_nanosleep, &ts, NULL);
}

static void nanosleep_rem(void)
{
    struct itimerval it = { { 0, 0 }, to_tv(0.1) };
    struct timespec req = to_ts(1.0), rem = { 0, 0 };
    struct sigaction sa = { .sa_handler = on_alarm };

    sigaction(SIGALRM, &sa, NULL);      /* no SA_RESTART: nanosleep is cut short */
    setitimer(ITIMER_REAL, &it, NULL);
    if (nanosleep(&req, &rem) == 0 || errno != EINTR) {
        fprintf(stderr, "tdf_timeouts: nanosleep was not interrupted\n");
        exit(1);
    }
    tdf_report("nanosleep_rem", rem.tv_sec + rem.tv_nsec / 1e9);
}

static void *late_writer(void *arg)
{
    struct timespec ts = to_ts(0.1);

    (void)arg;
    nanosleep(&ts, NULL);
    if (write(pipefd[1], "x", 1) != 1) {
        perror("write");
    }
    return NULL;
}

static void select_left(void)
{
    struct timeval tv = to_tv(1.0);
    pthread_t tid;
    fd_set r;

    FD_ZERO(&r);
    FD_SET(pipefd[0], &r);
    pthread_create(&tid, NULL, late_writer, NULL);
    if (select(pipefd[0] + 1, &r, NULL, NULL, &tv) != 1) {
        fprintf(stderr, "tdf_timeouts: select_left got no data\n");
        exit(1);
    }
    pthread_join(tid, NULL);
    tdf_report("select_left", tv.tv_sec + tv.tv_usec / 1e6);
}

int main(int argc, char **argv)
{
    secs = tdf_arg_seconds(argc, argv, 1, 0.15);
    if (pipe(pipefd) != 0) {
        perror("pipe");
        return 1;
    }
    measure("poll", do_poll);
    measure("ppoll", do_ppoll);
    measure("select", do_select);
    measure("pselect", do_pselect);
    measure("epoll_wait", do_epoll);
    measure("itimer", do_itimer);
    measure("timerfd", do_timerfd);
    measure("so_rcvtimeo", do_rcvtimeo);
    measure("sigtimedwait", do_sigtimedwait);
    measure("semtimedop", do_semtimedop);
    measure("nanosleep_syscall", do_raw_nanosleep);
    select_left();
    nanosleep_rem();
    return 0;
}
