# Time dilation (qemu-patches/0001-linux-user-time-dilation.patch): guest probes and their g_test driver.
TDF_GUEST_PROGS := tdf_sleep tdf_clocks tdf_monotonic tdf_deadline tdf_timeouts
TDF_GUEST_BINS := $(addprefix build/guest/,$(TDF_GUEST_PROGS))

build/guest/tdf_%: testbed/guest-tests/tdf_%.c testbed/guest-tests/tdf_common.h
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) $< -o $@

# The test runs the guest programs under $(QEMU_AARCH64) (built by ./configure with the patch).
build/tests/test_tdf: testbed/tests/test_tdf.c $(TDF_GUEST_BINS)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -DDMX_TOP='"$(TOP)"' $< -o $@ $(GLIB_LIBS)

GUEST_BINS += $(TDF_GUEST_BINS)
E2E_TESTS += build/tests/test_tdf
