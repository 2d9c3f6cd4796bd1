/* What the loss of a device means for one spawn slot (thread_recovery.h): pure, tested natively. */
#include "thread_recovery.h"

#include "dsm_api.h"

enum recovery_action recovery_repost(struct spawn_slot *s, uint32_t lost, uint32_t to, uint64_t t_lost,
                                     uint64_t release_ctx)
{
    bool its = s->device == lost &&
               (s->state == SPAWN_RUNNING || s->state == SPAWN_POSTED || s->state == SPAWN_MIGRATING);
    if (!its || lost == to)
        return RECOVER_NONE;
    enum recovery_action action;
    /* RUNNING with its posted context still there: the lost device's spawn server took it, but its carrier had
     * not (that is when ckpt_ctx becomes this context; until then it is the last device's, or 0). */
    uint64_t arrival_ctx = s->ctx ? s->ctx : s->ckpt_ctx;
    if (s->state == SPAWN_MIGRATING) {
        action = RECOVER_RESUME;    /* it had not arrived, or its arrival was lost with the device */
    } else if (s->state == SPAWN_RUNNING && (release_ctx || arrival_ctx) &&
               s->on_failure != DMX_ON_FAILURE_RESTART) {
        s->ctx = release_ctx ? release_ctx : arrival_ctx;
        s->state = SPAWN_MIGRATING;
        action = RECOVER_RESUME;
    } else {
        s->ctx = 0;
        s->state = SPAWN_POSTED;
        action = RECOVER_RESTART;
    }
    s->device = to;
    s->src = lost;
    s->t_request = t_lost;
    s->t_detect = s->t_decide = 0;
    s->diff_bytes = 0;
    s->recovering = 1;
    return action;
}
