# Tests of the virtual device files (testbed/runtime/io_*.c), the resources and the three workloads.
RES_TEST_SRCS := $(wildcard testbed/resources/*.c)
RES_TEST_CPPFLAGS := -Itestbed/runtime/include -Itestbed/runtime -Itestbed/resources -Itestbed/apps \
                     -DDMX_TOP='"$(TOP)"'

# Unit (native): resources through their ops with a fake clock.
build/tests/test_resources: testbed/tests/test_resources.c $(RES_TEST_SRCS) testbed/runtime/io_registry.c \
                            testbed/runtime/device_identity.c testbed/runtime/sync_thread.c \
                            testbed/runtime/thread_tls.c $(RUNTIME_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(RES_TEST_CPPFLAGS) $(filter %.c,$^) -o $@ $(GLIB_LIBS) -pthread

# Unit (native): the libc interposition itself (the test's own open/read/write go through it).
# (io_*.c includes the I/O engine's server and forwarder, which speak the wire protocol.)
build/tests/test_resources_io: testbed/tests/test_resources_io.c $(RES_TEST_SRCS) $(wildcard testbed/runtime/io_*.c) \
                               $(wildcard testbed/runtime/wire_*.c) testbed/runtime/dsm_diff.c \
                               testbed/runtime/device_identity.c testbed/runtime/link_estimate.c \
                               testbed/runtime/migration_selector.c testbed/runtime/device_files.c testbed/runtime/sync_thread.c testbed/runtime/thread_start.c \
                               testbed/runtime/thread_tls.c $(RUNTIME_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(RES_TEST_CPPFLAGS) $(filter %.c,$^) -o $@ $(GLIB_LIBS) -pthread

# Unit (native): Canny against an independent reference, MobileNet shape and determinism.
build/tests/test_apps: testbed/tests/test_apps.c testbed/apps/canny.c testbed/apps/mobilenet.c $(wildcard testbed/apps/*.h)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -ffp-contract=off $(RES_TEST_CPPFLAGS) $(filter %.c,$^) -o $@ $(GLIB_LIBS) -lm

# End-to-end: the apps under qemu-aarch64 on one device, with the media.
build/tests/test_apps_e2e: testbed/tests/test_apps_e2e.c testbed/tests/test_tree.h testbed/tests/test_dmx.h \
                           testbed/apps/canny.c $(wildcard testbed/apps/*.h) \
                           build/guest/apps/home-theater build/guest/apps/surveillance build/guest/apps/photo-classify \
                           build/media/.stamp
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(RES_TEST_CPPFLAGS) $(filter %.c,$^) -o $@ $(GLIB_LIBS)

UNIT_TESTS += build/tests/test_resources build/tests/test_resources_io build/tests/test_apps
E2E_TESTS += build/tests/test_apps_e2e
