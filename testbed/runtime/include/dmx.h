/* dmx.h: the guest stack's public interface for apps that want to know where they run.
 * Ordinary apps need none of it: dmx-cc links libdmx, which takes over pthread, the heap and file I/O. */
#ifndef DMX_H
#define DMX_H

/* This device's name in the scenario ("phone", "tv", "dev2"), or "local" outside the testbed. */
const char *dmx_device_name(void);

/* 1-based index of this device; 1 is the master. Returns 1 outside the testbed. */
int dmx_device_index(void);

/* Number of devices in the run (1 outside the testbed). */
int dmx_device_count(void);

#endif
