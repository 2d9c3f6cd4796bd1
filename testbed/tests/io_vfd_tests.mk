# Virtual fds of the whole app across devices (testbed/runtime/io_vfd.c, io_fd_directory.c, io_binding.c): a thread
# keeps using its screen and storage fds after it migrates, and a rebind reaches threads on every device. End to
# end through `dmx run` with a guest program built by dmx-cc and the host-side control client.
build/guest/tests/io_vfd_prog: testbed/tests/test_io_vfd_prog.c build/guest/lib/libdmx.a build/bin/dmx-cc \
                               testbed/runtime/dsm_layout.ld
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) $< -o $@

IO_VFD_HOST_SRCS := testbed/runtime/io_control_client.c testbed/runtime/io_link.c testbed/runtime/device_identity.c \
                    testbed/runtime/wire_codec.c testbed/runtime/wire_conn.c testbed/runtime/wire_auth.c \
                    testbed/runtime/dsm_diff.c

build/tests/test_io_vfd_e2e: testbed/tests/test_io_vfd_e2e.c testbed/tests/test_tree.h $(IO_VFD_HOST_SRCS) \
                             $(RUNTIME_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -D_GNU_SOURCE -pthread -Itestbed/runtime -Itestbed/runtime/include -DDMX_TOP='"$(TOP)"' \
	    $(filter %.c,$^) -o $@ $(GLIB_LIBS) -pthread

build/tests/test_io_vfd_e2e: | build/guest/tests/io_vfd_prog build/bin/dmx

GUEST_BINS += build/guest/tests/io_vfd_prog
E2E_TESTS += build/tests/test_io_vfd_e2e
