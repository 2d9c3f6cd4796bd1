# I/O request forwarding between devices (testbed/runtime/io_forward.c, io_server.c, io_filedir.c): end to end
# through the orchestrator, with a guest program built by dmx-cc and the host-side control client.
build/guest/tests/io_forward_prog: testbed/tests/test_io_forward_prog.c build/guest/lib/libdmx.a build/bin/dmx-cc
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) $< -o $@

build/tests/test_io_forward_e2e: testbed/tests/test_io_forward_e2e.c testbed/tests/test_io_e2e.h testbed/tests/test_dmx.h \
                                 testbed/tests/test_tree.h $(IO_CONTROL_CLIENT_SRCS) $(RUNTIME_HEADERS) \
                                 build/guest/tests/io_forward_prog build/bin/dmx
	@mkdir -p $(@D)
	$(CC) $(IO_CONTROL_CLIENT_CFLAGS) $(filter %.c,$^) -o $@ $(GLIB_LIBS) -pthread

GUEST_BINS += build/guest/tests/io_forward_prog
E2E_TESTS += build/tests/test_io_forward_e2e
