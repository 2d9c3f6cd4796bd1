/* app_atfork.h: the app's pthread_atfork handlers on a multi-device run, run by libdmx's fork on whichever
 * device forks. See app_atfork.c. */
#ifndef DMX_APP_ATFORK_H
#define DMX_APP_ATFORK_H

#include <stdint.h>

#include "thread_takeover.h"

struct app_atfork_list {
    uint32_t count;
    struct app_atfork_entry entry[DMX_ATFORK_MAX];
};

enum app_atfork_phase { APP_ATFORK_PREPARE, APP_ATFORK_PARENT, APP_ATFORK_CHILD };

/* The handlers the app has registered so far, from the control block (takes DMX_LOCK_CONTROL). */
void app_atfork_read(struct app_atfork_list *list);
/* Run one phase's handlers: prepare in reverse registration order, parent and child in order. */
void app_atfork_run(const struct app_atfork_list *list, enum app_atfork_phase phase);

#endif
