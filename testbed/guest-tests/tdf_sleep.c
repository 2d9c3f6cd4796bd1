/*
 * tdf_sleep [SECONDS]: sleep with nanosleep() and report how long every
 * wall-type clock says it took, plus whether the kernel/QEMU offered a vDSO
 * (with a vDSO, glibc would read the clocks without a syscall QEMU can dilate).
 */
#include <sys/auxv.h>
#include <sys/time.h>
#include "tdf_common.h"

static double tod_now(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    static const struct { const char *name; clockid_t id; } clocks[] = {
        { "realtime", CLOCK_REALTIME }, { "monotonic", CLOCK_MONOTONIC },
        { "monotonic_raw", CLOCK_MONOTONIC_RAW }, { "boottime", CLOCK_BOOTTIME },
        { "realtime_coarse", CLOCK_REALTIME_COARSE },
        { "monotonic_coarse", CLOCK_MONOTONIC_COARSE }, { "tai", CLOCK_TAI },
    };
    enum { N = sizeof(clocks) / sizeof(clocks[0]) };
    double secs = tdf_arg_seconds(argc, argv, 1, 1.0), start[N], tod0, tod1;
    struct timespec req = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };
    char key[64];
    int i;

    tdf_report("vdso", (double)getauxval(AT_SYSINFO_EHDR));
    tod0 = tod_now();
    for (i = 0; i < N; i++) {
        start[i] = tdf_now(clocks[i].id);
    }
    if (nanosleep(&req, NULL) != 0) {
        perror("nanosleep");
        return 1;
    }
    for (i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "%s", clocks[i].name);
        tdf_report(key, tdf_now(clocks[i].id) - start[i]);
    }
    tod1 = tod_now();
    tdf_report("gettimeofday", tod1 - tod0);
    tdf_report("time", (double)(time(NULL) - (time_t)tod0));
    return 0;
}
