/* A bounded blocking FIFO of pointers between the threads of one app. Closing it wakes every waiter: pop
 * then drains what is left and returns NULL, push fails. */
#ifndef DMX_APP_QUEUE_H
#define DMX_APP_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Page aligned, with its items on a page of their own: on several devices the DSM moves whole pages, and a
 * queue should only ever travel with its own traffic. */
struct app_queue {
    _Alignas(4096) pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    void **items;
    size_t cap, head, count;
    bool closed;
};

int app_queue_init(struct app_queue *q, size_t cap); /* 0 or -ENOMEM */
void app_queue_destroy(struct app_queue *q);
bool app_queue_push(struct app_queue *q, void *item); /* false if closed */
void *app_queue_pop(struct app_queue *q);             /* NULL once closed and empty */
void app_queue_close(struct app_queue *q);

#endif
