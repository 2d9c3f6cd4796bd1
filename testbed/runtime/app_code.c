/* Which code is the app's (see thread_takeover.h): the executable's text outside libdmx's .dmx_text, and the
 * text of every shared library the app links that is not part of the C runtime. A library like libavcodec
 * keeps the app's state (a decoder's context, its reference frames) in memory it allocates itself, so that
 * memory must be shared too, or a thread that migrates in the middle of decoding finds its decoder missing.
 * The C runtime's own allocations (stdio buffers, the loader's TLS blocks, resolver state) describe this
 * device and stay private. DMX_SHARE_LIBS=0 keeps every library's allocations private. */
#include "thread_takeover.h"

#include <link.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIB_RANGES 128

struct code_range {
    uintptr_t lo, hi;
};

static struct code_range lib_text[MAX_LIB_RANGES];
static unsigned nlib_text;

extern char __dmx_text_end[] __attribute__((weak));
extern char etext[] __attribute__((weak));

/* The C runtime and the loader: their allocations are this device's own. */
static bool runtime_library(const char *path)
{
    static const char *const names[] = { "/libc.so", "/ld-linux", "/libpthread.so", "/libdl.so", "/librt.so",
                                         "/libm.so", "/libgcc_s.so", "/libresolv.so", "/libnss_", "linux-vdso" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strstr(path, names[i]))
            return true;
    return false;
}

static int note_library(struct dl_phdr_info *info, size_t size, void *unused)
{
    (void)size;
    (void)unused;
    if (!info->dlpi_name || !info->dlpi_name[0] || runtime_library(info->dlpi_name))
        return 0;               /* "" is the executable itself, covered by its link symbols */
    for (int i = 0; i < info->dlpi_phnum && nlib_text < MAX_LIB_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X))
            lib_text[nlib_text++] = (struct code_range){ info->dlpi_addr + ph->p_vaddr,
                                                         info->dlpi_addr + ph->p_vaddr + ph->p_memsz };
    }
    return 0;
}

void dmx_app_code_scan(void)
{
    const char *share = getenv("DMX_SHARE_LIBS");
    nlib_text = 0;
    if (share && strcmp(share, "0") == 0)
        return;
    dl_iterate_phdr(note_library, NULL);
}

bool dmx_app_own_code(const void *pc)
{
    const char *a = pc;
    return __dmx_text_end && etext && a >= __dmx_text_end && a < etext;
}

bool dmx_app_code(const void *ra)
{
    const char *a = ra;
    if (__dmx_text_end && etext && a >= __dmx_text_end && a < etext)
        return true;
    for (unsigned i = 0; i < nlib_text; i++)
        if ((uintptr_t)a >= lib_text[i].lo && (uintptr_t)a < lib_text[i].hi)
            return true;
    return false;
}
