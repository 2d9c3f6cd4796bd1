/* io_binding.h: class bindings of the whole app on a multi-device run ("switch the screen to the TV").
 *
 * With the virtual fd directory active (io_fd_directory.h) a binding is the app's, not a device's: the
 * directory holds it, every device's registry mirrors it (io_class_device, dmx_io_get_counters), and open
 * files follow it from whichever device their threads run on (io_vfd.c). A rebind writes the directory, then
 * pokes every other device's resource server (IO_CONTROL BIND) when the class follows bindings (its files are
 * reopened on the new device: screen, audio, camera), so their open files check the directory at their next
 * operation. Every device may rebind (dmx_io_bind in any app thread); the orchestrator's events go to the
 * master's control socket. Without the directory every binding is per device, as before. */
#ifndef DMX_IO_BINDING_H
#define DMX_IO_BINDING_H

#include <stdbool.h>

/* Makes dmx_io_bind() rebind the whole app when the directory is active (idempotent). */
void io_binding_install(void);

/* DMX_BIND at start. FOR_THE_APP (the master, with the directory made): the app's binding, in the directory
 * and here; else this device's mirror of it. Nobody is poked: every device reads DMX_BIND itself, and a worker
 * that starts late must not undo a rebind the app already made. 0, or -1 and errno. */
int io_binding_initial(const char *name, int device, bool for_the_app);

/* An IO_CONTROL BIND arrived at this device's server. FROM_HOST (the control socket: the orchestrator) rebinds
 * the whole app; a peer's is the poke of its own rebind: this device catches up with the directory. Without the
 * directory, this device's binding as before. 0 or -errno. */
int io_binding_on_control(const char *name, int device, bool from_host);

#endif
