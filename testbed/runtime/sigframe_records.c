/* Copy signal-frame records between two frames of the same thread layout (see sigframe_records.h). */
#include "sigframe_records.h"

#include <stdbool.h>
#include <string.h>

struct record_head {
    uint32_t magic, size;
};

/* The record of area a (len bytes) at offset off: false at the end marker or when it does not fit. */
static bool record_at(const uint8_t *a, size_t len, size_t off, struct record_head *h)
{
    if (off + sizeof(*h) > len)
        return false;
    memcpy(h, a + off, sizeof(*h));
    return h->magic != 0 && h->size >= sizeof(*h) && h->size % 8 == 0 && h->size <= len - off;
}

/* Offset of the record of area a with this magic and size, or -1. */
static long find_record(const uint8_t *a, size_t len, uint32_t magic, uint32_t size)
{
    struct record_head h;
    for (size_t off = 0; record_at(a, len, off, &h); off += h.size)
        if (h.magic == magic && h.size == size)
            return (long)off;
    return -1;
}

/* Does area a end with a proper end marker after well-formed records? */
static bool well_formed(const uint8_t *a, size_t len)
{
    struct record_head h;
    size_t off = 0;
    while (record_at(a, len, off, &h))
        off += h.size;
    if (off + sizeof(h) > len)
        return false;
    memcpy(&h, a + off, sizeof(h));
    return h.magic == 0 && h.size == 0;
}

int sigframe_records_copy(void *dst, const void *src, size_t len)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (!well_formed(d, len) || !well_formed(s, len))
        return -1;
    struct record_head h;
    int copied = 0;
    for (size_t off = 0; record_at(d, len, off, &h); off += h.size) {
        if (h.magic == SIGFRAME_EXTRA_MAGIC)
            return -1;          /* dst's later records lie beyond it, where they would stay dst's own */
        long at = find_record(s, len, h.magic, h.size);
        if (at < 0 && h.size <= SIGFRAME_BARE_RECORD)
            continue;           /* no registers in it (an SVE record without live vectors): it may stay */
        if (at < 0)
            return -1;
        memcpy(d + off + sizeof(h), s + at + sizeof(h), h.size - sizeof(h));
        copied++;
    }
    return copied;
}
