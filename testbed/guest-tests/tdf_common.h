/* Helpers shared by the tdf_* guest programs: clock reads and key=value output. */
#ifndef TDF_COMMON_H
#define TDF_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double tdf_now(clockid_t clk)
{
    struct timespec ts;

    if (clock_gettime(clk, &ts) != 0) {
        perror("clock_gettime");
        exit(2);
    }
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One result per line, "key value", for the host test to parse. */
static inline void tdf_report(const char *key, double value)
{
    printf("%s %.6f\n", key, value);
}

static inline double tdf_arg_seconds(int argc, char **argv, int i, double dflt)
{
    return argc > i ? strtod(argv[i], NULL) : dflt;
}

#endif
