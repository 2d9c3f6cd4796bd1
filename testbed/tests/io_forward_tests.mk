# I/O request forwarding between devices (testbed/runtime/io_forward.c, io_server.c, io_filedir.c): end to end
# through the orchestrator, with a guest program built by dmx-cc and the host-side control client.
build/guest/tests/io_forward_prog: testbed/tests/test_io_forward_prog.c build/guest/lib/libdmx.a build/bin/dmx-cc
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) $< -o $@

IO_FWD_HOST_SRCS := testbed/runtime/io_control_client.c testbed/runtime/io_link.c testbed/runtime/device_identity.c \
                    testbed/runtime/wire_codec.c testbed/runtime/wire_conn.c testbed/runtime/wire_auth.c \
                    testbed/runtime/dsm_diff.c

build/tests/test_io_forward_e2e: testbed/tests/test_io_forward_e2e.c $(IO_FWD_HOST_SRCS) $(RUNTIME_HEADERS) \
                                 build/guest/tests/io_forward_prog build/bin/dmx
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -D_GNU_SOURCE -pthread -Itestbed/runtime -Itestbed/runtime/include -DDMX_TOP='"$(TOP)"' \
	    $(filter %.c,$^) -o $@ $(GLIB_LIBS) -pthread

GUEST_BINS += build/guest/tests/io_forward_prog
E2E_TESTS += build/tests/test_io_forward_e2e
