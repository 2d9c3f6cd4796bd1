# The three workloads (testbed/apps/) and their media. The resources they use are part of libdmx
# (testbed/runtime/runtime.mk), which dmx-cc links into every app.

APP_COMMON := testbed/apps/app_queue.c
APP_HEADERS := $(wildcard testbed/apps/*.h) testbed/runtime/include/io_devices.h
APP_DEPS = $(APP_HEADERS) build/bin/dmx-cc build/guest/lib/libdmx.a

build/guest/apps/surveillance: testbed/apps/surveillance.c testbed/apps/canny.c $(APP_COMMON) $(APP_DEPS)
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) -Itestbed/apps $(filter %.c,$^) -o $@

build/guest/apps/home-theater: testbed/apps/home-theater.c $(APP_COMMON) $(APP_DEPS)
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) -Itestbed/apps $(filter %.c,$^) \
	    -lavformat -lavcodec -lavutil -o $@

build/guest/apps/photo-classify: testbed/apps/photo-classify.c testbed/apps/mobilenet.c $(APP_COMMON) $(APP_DEPS)
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) -ffp-contract=off -Itestbed/apps $(filter %.c,$^) -ljpeg -lm -o $@

GUEST_BINS += build/guest/apps/surveillance build/guest/apps/home-theater \
              build/guest/apps/photo-classify

# Media (tools/make-media.sh prints every ffmpeg command it runs).
build/media/.stamp: tools/make-media.sh
	tools/make-media.sh --out build/media

.PHONY: media
media: build/media/.stamp
