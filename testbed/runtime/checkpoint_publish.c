/* Steps that would publish outside a cut wait for the cutter's (see checkpoint_publish.h). */
#include "checkpoint_publish.h"

#include "dsm_region.h"
#include "thread_takeover.h"
#include "wire_conn.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

struct held_grant {
    uint64_t lock;
    bool speculative;
    uint32_t count;
    struct held_grant *next;
    struct wire_notice notices[];
};

static pthread_mutex_t work_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_wanted = PTHREAD_COND_INITIALIZER;
static bool cut_wanted;
static struct held_grant *held, **held_tail = &held;     /* in arrival order */
static struct sync_table *table;

/* Ask the cutter for a cut; grant (may be NULL) is applied inside it. */
static void want_cut(struct held_grant *grant)
{
    pthread_mutex_lock(&work_lock);
    if (grant) {
        *held_tail = grant;
        held_tail = &grant->next;
    }
    cut_wanted = true;
    pthread_cond_signal(&work_wanted);
    pthread_mutex_unlock(&work_lock);
}

/* Receiver thread, table lock held. Only an app lock's: its acquirer waits at a checkpoint point, where a cut
 * includes it; one of libdmx's own locks is waited for inside an open or a read, where no cut can (it would wait
 * a second for the thread and go on without it), so that grant applies at once, flushing a pinned page's changes
 * if it names one (others are kept). So does a grant whose copy cannot be made: either costs exactness after a
 * loss, not correctness. */
static bool hold_grant(const struct wire_msg *grant, const struct wire_notice *notices, uint32_t count)
{
    if (!dmx_app_lock(grant->u.grant.lock) ||
        !dsm_region_notices_hit_changes(table->region, notices, count))
        return false;
    struct held_grant *g = malloc(sizeof(*g) + (size_t)count * sizeof(*notices));
    if (!g)
        return false;
    g->lock = grant->u.grant.lock;
    g->speculative = grant->h.flags & WIRE_F_SPECULATIVE;
    g->count = count;
    g->next = NULL;
    memcpy(g->notices, notices, (size_t)count * sizeof(*notices));
    want_cut(g);
    table->region->stats.checkpoint_held_grants++;
    return true;
}

/* Table lock held. libdmx's own locks publish only what they guard (thread_takeover.c), never an app's writes. */
static bool hold_give_back(uint64_t lock)
{
    if (!dmx_app_lock(lock) || dmx_checkpoint_changes_since() == 0)
        return false;
    want_cut(NULL);
    table->region->stats.checkpoint_held_give_backs++;
    return true;
}

/* Inside the cut, after its push: the grants held until it, in order. */
static void apply_grants(void *list)
{
    for (struct held_grant *g = list, *next; g; g = next) {
        next = g->next;
        sync_apply_grant(table, g->lock, g->speculative, g->notices, g->count);
        free(g);
    }
}

static void *cutter_main(void *unused)
{
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&work_lock);
        while (!cut_wanted)
            pthread_cond_wait(&work_wanted, &work_lock);
        cut_wanted = false;
        struct held_grant *grants = held;       /* the ones that came before this cut */
        held = NULL;
        held_tail = &held;
        pthread_mutex_unlock(&work_lock);
        if (dmx_checkpoint_cut_all(apply_grants, grants) != 0) {
            wire_log("checkpoint: lost the link to the master");
            abort();
        }
        sync_give_back_pending(table);
    }
    return NULL;
}

int checkpoint_publish_start(struct sync_table *t)
{
    table = t;
    sigset_t all, old;
    sigfillset(&all);           /* the app's signals are for its own threads */
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t cutter;
    int rc = pthread_create(&cutter, NULL, cutter_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        wire_log("checkpoint: cannot start the cutter thread (%s)", strerror(rc));
        return -1;
    }
    pthread_detach(cutter);
    pthread_mutex_lock(&t->lock);
    t->defer_grant = hold_grant;
    t->defer_give_back = hold_give_back;
    pthread_mutex_unlock(&t->lock);
    return 0;
}
