/* test_dsm_twoproc, with both devices as aarch64 programs under build/bin/qemu-aarch64. */
#define DSM_UNDER_QEMU 1
#include "test_dsm_twoproc.c"
