/* tdf_clocks: print the current CLOCK_MONOTONIC and CLOCK_REALTIME readings. */
#include "tdf_common.h"

int main(void)
{
    tdf_report("monotonic", tdf_now(CLOCK_MONOTONIC));
    tdf_report("realtime", tdf_now(CLOCK_REALTIME));
    tdf_report("boottime", tdf_now(CLOCK_BOOTTIME));
    tdf_report("cputime", tdf_now(CLOCK_PROCESS_CPUTIME_ID));
    return 0;
}
