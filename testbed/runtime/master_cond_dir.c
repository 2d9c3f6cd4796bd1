/* Condition-variable table of the master (see master_cond_dir.h). */
#include "master_cond_dir.h"

#include <stdlib.h>
#include <string.h>

void conddir_init(struct master_cond_dir *d)
{
    memset(d, 0, sizeof(*d));
}

void conddir_free(struct master_cond_dir *d)
{
    for (int b = 0; b < CONDDIR_BUCKETS; b++)
        for (struct conddir_cond *c = d->buckets[b], *n; c; c = n) {
            n = c->next;
            free(c);
        }
    memset(d->buckets, 0, sizeof(d->buckets));
}

static unsigned bucket(uint64_t id)
{
    return (unsigned)((id * 0x9E3779B97F4A7C15ull) >> 56) % CONDDIR_BUCKETS;
}

int conddir_wait(struct master_cond_dir *d, uint64_t id, uint32_t dev)
{
    if (dev == 0 || dev > WIRE_MAX_DEVICES)
        return -1;
    struct conddir_cond **head = &d->buckets[bucket(id)], *c = *head;
    while (c && c->id != id)
        c = c->next;
    if (!c) {
        c = calloc(1, sizeof(*c));
        if (!c)
            return -1;
        c->id = id;
        c->next = *head;
        *head = c;
    }
    c->waiting |= 1u << (dev - 1);
    d->waits++;
    return 0;
}

uint32_t conddir_signal(struct master_cond_dir *d, uint64_t id)
{
    d->signals++;
    for (struct conddir_cond **at = &d->buckets[bucket(id)]; *at; at = &(*at)->next) {
        struct conddir_cond *c = *at;
        if (c->id != id)
            continue;
        uint32_t waiting = c->waiting;
        *at = c->next;          /* nobody waits any more: the entry goes */
        free(c);
        d->wakes_sent += (uint64_t)__builtin_popcount(waiting);
        return waiting;
    }
    return 0;
}

void conddir_drop_device(struct master_cond_dir *d, uint32_t dev)
{
    if (dev == 0 || dev > WIRE_MAX_DEVICES)
        return;
    for (int b = 0; b < CONDDIR_BUCKETS; b++)
        for (struct conddir_cond **at = &d->buckets[b]; *at;) {
            struct conddir_cond *c = *at;
            c->waiting &= ~(1u << (dev - 1));
            if (c->waiting) {
                at = &c->next;
                continue;
            }
            *at = c->next;
            free(c);
        }
}
