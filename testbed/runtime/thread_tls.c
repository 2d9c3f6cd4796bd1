/* The executable's static TLS block, saved and loaded across a migration (see thread_tls.h). */
#include "thread_tls.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEP_MAX 16

struct kept { size_t off, len; };

static pthread_once_t found_once = PTHREAD_ONCE_INIT;
static size_t block_size;           /* PT_TLS p_memsz of the executable */
static ptrdiff_t block_off;         /* the block's address minus the thread pointer: the same in every thread */
static struct kept kept[KEEP_MAX];  /* sorted by offset; written before main() only */
static unsigned nkept;

void *thread_tls_pointer(void)
{
    void *tp;
#if defined(__aarch64__)
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp));
#elif defined(__x86_64__)
    __asm__ volatile("movq %%fs:0, %0" : "=r"(tp));  /* native builds (unit tests): nothing moves there */
#else
#error "thread_tls.c: how to read the thread pointer here?"
#endif
    return tp;
}

/* The first object dl_iterate_phdr reports is the executable; its dlpi_tls_data is the calling thread's block. */
static int find_executable_block(struct dl_phdr_info *info, size_t size, void *unused)
{
    (void)size;
    (void)unused;
    for (unsigned i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_TLS && info->dlpi_tls_data) {
            block_size = info->dlpi_phdr[i].p_memsz;
            block_off = (char *)info->dlpi_tls_data - (char *)thread_tls_pointer();
        }
    return 1;
}

static void find_block(void)
{
    dl_iterate_phdr(find_executable_block, NULL);
}

static unsigned char *block(void)
{
    return (unsigned char *)thread_tls_pointer() + block_off;
}

size_t thread_tls_size(void)
{
    pthread_once(&found_once, find_block);
    return block_size;
}

void thread_tls_keep(const void *var, size_t len)
{
    size_t size = thread_tls_size();
    if (!size)
        return;                     /* nothing moves: nothing to keep */
    size_t off = (size_t)((const unsigned char *)var - block());
    if (off >= size || len > size - off || nkept == KEEP_MAX) {
        /* a libdmx build error (KEEP_MAX too small, or a variable outside the block): caught by any run */
        fprintf(stderr, "dmx: tls: cannot keep a host thread's variable of %zu bytes at offset %zu of %zu\n", len,
                off, size);
        abort();
    }
    unsigned i = nkept++;
    for (; i > 0 && kept[i - 1].off > off; i--)
        kept[i] = kept[i - 1];
    kept[i] = (struct kept){ off, len };
}

void thread_tls_save(void *image)
{
    memcpy(image, block(), thread_tls_size());
}

void thread_tls_load(const void *image)
{
    unsigned char *to = block();
    const unsigned char *from = image;
    size_t at = 0;
    for (unsigned i = 0; i < nkept; i++) {
        if (kept[i].off > at)
            memcpy(to + at, from + at, kept[i].off - at);
        if (kept[i].off + kept[i].len > at)
            at = kept[i].off + kept[i].len;
    }
    if (block_size > at)
        memcpy(to + at, from + at, block_size - at);
}

__attribute__((noinline)) void thread_errno_set(int value)
{
    __asm__ volatile("" ::: "memory");
    errno = value;
}
