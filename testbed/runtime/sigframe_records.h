/* sigframe_records.h: the extension records of an aarch64 signal frame (the __reserved area of mcontext_t), for
 * resuming a thread from registers captured in another signal frame (checkpoint_cut.c).
 *
 * The area is a run of records, each a header {u32 magic, u32 size} (size counts the header) and a body, ended
 * by a header of zeros: FPSIMD (the V registers, FPSR, FPCR), SVE, TPIDR2, ZA, ... A frame may also point to an
 * EXTRA area beyond itself (when its records outgrow the 4 KiB, e.g. with long SVE vectors); that pointer is only
 * valid in the frame it was made for, so it is never followed, and a dst that has one is refused.
 * Byte-level, so that it is tested natively (test_sigframe_records). */
#ifndef SIGFRAME_RECORDS_H
#define SIGFRAME_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#define SIGFRAME_EXTRA_MAGIC 0x45585401u
#define SIGFRAME_BARE_RECORD 16     /* a record this small carries no registers (SVE or ZA state not live) */

/* Copy into each record of dst (len bytes) the body of the record of src (len bytes) with the same magic and
 * size, leaving dst's layout as it is. Returns how many records were copied, or -1 if a record of either area
 * is malformed, dst has an EXTRA record, or dst has one that src lacks and that is larger than
 * SIGFRAME_BARE_RECORD: the frame would then restore registers that were not captured. */
int sigframe_records_copy(void *dst, const void *src, size_t len);

#endif
