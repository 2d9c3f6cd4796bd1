# devmodel plugin: guest load programs and the end-to-end test (see qemu-patches/plugins/devmodel.c).

# CPU-bound spinner, static so it runs without a guest sysroot.
build/guest/devmodel_spin: testbed/guest-tests/devmodel_spin.c
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) -static $< -o $@

build/guest/devmodel_fork: testbed/guest-tests/devmodel_fork.c
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) -static $< -o $@

# H.264 decode benchmark against Debian's arm64 libavformat/libavcodec (dynamic: run with the multiarch loader).
build/guest/devmodel_decode: testbed/guest-tests/devmodel_decode.c
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) -I$(ARM64_INCDIR) -L$(ARM64_LIBDIR) -Wl,-rpath-link,$(ARM64_LIBDIR) $< -o $@ \
	  -lavformat -lavcodec -lavutil

GUEST_BINS += build/guest/devmodel_spin build/guest/devmodel_fork
ifneq ($(wildcard $(ARM64_LIBDIR)/libavcodec.so),)
GUEST_BINS += build/guest/devmodel_decode
endif

build/tests/test_devmodel: testbed/tests/test_devmodel.c
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -DDMX_TOP='"$(TOP)"' $< -o $@ $(GLIB_LIBS)

E2E_TESTS += build/tests/test_devmodel
