/* test_sigframe_records: resuming a thread from registers a signal captured copies the captured FP/SIMD and SVE
 * state into the resuming signal frame record by record (sigframe_records.h). Natively, on byte areas laid out
 * as aarch64 frames lay them out. */
#include <glib.h>
#include <string.h>

#include "sigframe_records.h"

#define AREA 4096
#define FPSIMD_MAGIC 0x46508001u
#define SVE_MAGIC    0x53564501u
#define ESR_MAGIC    0x45535201u

/* Appends a record of magic and size (header included) filled with byte fill at *off. */
static void put_record(uint8_t *a, size_t *off, uint32_t magic, uint32_t size, uint8_t fill)
{
    memcpy(a + *off, &magic, 4);
    memcpy(a + *off + 4, &size, 4);
    memset(a + *off + 8, fill, size - 8);
    *off += size;
}

static void put_end(uint8_t *a, size_t off)
{
    memset(a + off, 0, 8);
}

/* The captured frame's registers replace the resuming frame's, wherever each record sits in either. */
static void test_copies_by_magic(void)
{
    static uint8_t dst[AREA], src[AREA];
    size_t d = 0, s = 0;
    put_record(dst, &d, FPSIMD_MAGIC, 528, 0x11);
    put_record(dst, &d, SVE_MAGIC, 2208, 0x22);
    put_end(dst, d);
    put_record(src, &s, ESR_MAGIC, 16, 0x99);      /* a record the resuming frame does not have: ignored */
    put_record(src, &s, SVE_MAGIC, 2208, 0xBB);
    put_record(src, &s, FPSIMD_MAGIC, 528, 0xAA);
    put_end(src, s);
    g_assert_cmpint(sigframe_records_copy(dst, src, AREA), ==, 2);
    g_assert_cmpuint(dst[8], ==, 0xAA);                 /* FPSIMD body */
    g_assert_cmpuint(dst[527], ==, 0xAA);
    g_assert_cmpuint(dst[528 + 8], ==, 0xBB);           /* SVE body */
    g_assert_cmpuint(dst[528 + 2207], ==, 0xBB);
    uint32_t magic;
    memcpy(&magic, dst + 528, 4);
    g_assert_cmphex(magic, ==, SVE_MAGIC);              /* the layout stays the resuming frame's */
}

/* A register set the capture does not have, a record of another size, an EXTRA pointer, or a broken area: refused,
 * since sigreturn would then load registers that were never captured. */
static void test_refuses(void)
{
    static uint8_t dst[AREA], src[AREA];
    size_t d = 0, s = 0;
    put_record(dst, &d, FPSIMD_MAGIC, 528, 0x11);
    put_record(dst, &d, SVE_MAGIC, 2208, 0x22);
    put_end(dst, d);
    put_record(src, &s, FPSIMD_MAGIC, 528, 0xAA);
    put_end(src, s);
    g_assert_cmpint(sigframe_records_copy(dst, src, AREA), ==, -1);      /* no SVE captured */
    d = 0;
    put_record(dst, &d, FPSIMD_MAGIC, 528, 0x11);
    put_record(dst, &d, SVE_MAGIC, 16, 0x22);                            /* vectors not live here: no registers */
    put_end(dst, d);
    g_assert_cmpint(sigframe_records_copy(dst, src, AREA), ==, 1);
    g_assert_cmpuint(dst[8], ==, 0xAA);
    d = 0;
    put_record(dst, &d, FPSIMD_MAGIC, 528, 0x11);
    put_record(dst, &d, SVE_MAGIC, 2208, 0x22);
    put_end(dst, d);
    s = 0;
    put_record(src, &s, FPSIMD_MAGIC, 528, 0xAA);
    put_record(src, &s, SVE_MAGIC, 1104, 0xBB);                          /* another vector length */
    put_end(src, s);
    g_assert_cmpint(sigframe_records_copy(dst, src, AREA), ==, -1);
    d = 0;
    put_record(dst, &d, FPSIMD_MAGIC, 528, 0x11);
    put_record(dst, &d, SIGFRAME_EXTRA_MAGIC, 32, 0x33);
    put_end(dst, d);
    g_assert_cmpint(sigframe_records_copy(dst, src, AREA), ==, -1);
    d = 0;
    put_record(dst, &d, FPSIMD_MAGIC, 528, 0x11);
    uint32_t odd = 13;
    memcpy(dst + 4, &odd, 4);                                            /* a size that is not a record's */
    g_assert_cmpint(sigframe_records_copy(dst, src, AREA), ==, -1);
    memset(dst, 0xFF, AREA);                                             /* no end marker anywhere */
    g_assert_cmpint(sigframe_records_copy(dst, src, AREA), ==, -1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sigframe-records/copies-by-magic", test_copies_by_magic);
    g_test_add_func("/sigframe-records/refuses", test_refuses);
    return g_test_run();
}
