/* The screen resource (screen.c); apps reach it through /dev/dmx/screen. */
#ifndef DMX_SCREEN_H
#define DMX_SCREEN_H

/* Forgets mode, log and counters, so that a test can start over in one process. */
void screen_reset_for_test(void);

#endif
