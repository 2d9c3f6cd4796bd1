# End-to-end: the three workloads across devices through build/bin/dmx (scenarios written by the test), each
# compared with the same app on one device (testbed/tests/test_apps_multi.c).
build/tests/test_apps_multi: testbed/tests/test_apps_multi.c testbed/tests/test_tree.h testbed/tests/test_dmx.h \
                             build/guest/apps/home-theater build/guest/apps/surveillance build/guest/apps/photo-classify \
                             build/media/.stamp build/bin/dmx
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -DDMX_TOP='"$(TOP)"' $(filter %.c,$^) -o $@ $(GLIB_LIBS)

E2E_TESTS += build/tests/test_apps_multi
