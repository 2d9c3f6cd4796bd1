# Regression bounds (testbed/tests/test_regression.c): RF against DynaMix on a short home theater, in CI.
build/tests/test_regression: testbed/tests/test_regression.c testbed/tests/test_tree.h testbed/tests/test_dmx.h \
                             build/guest/apps/home-theater build/media/.stamp build/bin/dmx
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -DDMX_TOP='"$(TOP)"' $(filter %.c,$^) -o $@ $(GLIB_LIBS)

E2E_TESTS += build/tests/test_regression
