# Virtual fds of the whole app across devices (testbed/runtime/io_vfd.c, io_fd_directory.c, io_binding.c): a thread
# keeps using its screen and storage fds after it migrates, and a rebind reaches threads on every device. End to
# end through `dmx run` with a guest program built by dmx-cc and the host-side control client.
build/guest/tests/io_vfd_prog: testbed/tests/test_io_vfd_prog.c build/guest/lib/libdmx.a build/bin/dmx-cc \
                               testbed/runtime/dsm_layout.ld
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) $< -o $@

build/tests/test_io_vfd_e2e: testbed/tests/test_io_vfd_e2e.c testbed/tests/test_io_e2e.h testbed/tests/test_dmx.h \
                             testbed/tests/test_tree.h $(IO_CONTROL_CLIENT_SRCS) $(RUNTIME_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(IO_CONTROL_CLIENT_CFLAGS) $(filter %.c,$^) -o $@ $(GLIB_LIBS) -pthread

build/tests/test_io_vfd_e2e: | build/guest/tests/io_vfd_prog build/bin/dmx

GUEST_BINS += build/guest/tests/io_vfd_prog
E2E_TESTS += build/tests/test_io_vfd_e2e
