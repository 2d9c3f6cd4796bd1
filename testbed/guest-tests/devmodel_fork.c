/*
 * devmodel_fork SECONDS
 *
 * Forks once; parent and child each spin for SECONDS of guest time, then the parent waits for the child.
 * Prints `child=PID` so the devmodel test can find the child's report (PATH.<pid>).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void spin(double seconds)
{
    volatile uint64_t acc = 1;
    double end = now_s() + seconds;
    while (now_s() < end) {
        uint64_t x = acc;
        for (int i = 0; i < 20000; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        }
        acc = x;
    }
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 0.5;
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    spin(seconds);
    if (child == 0) {
        return 0;
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "devmodel_fork: child failed\n");
        return 1;
    }
    printf("child=%d\n", (int)child);
    return 0;
}
