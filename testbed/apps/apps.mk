# The emulated resources (testbed/resources/), the three workloads (testbed/apps/) and their media.
#
# The resources register themselves with libdmx's I/O layer (testbed/runtime/io_*.c) from constructors, so
# they must be linked --whole-archive. Until runtime.mk puts them into libdmx.a, they are their own archive,
# build/guest/lib/libdmx-resources.a, which the app rules below add to the link.

RES_SRCS := $(wildcard testbed/resources/*.c)
RES_GUEST_OBJS := $(patsubst testbed/resources/%.c,build/obj/guest/resources/%.o,$(RES_SRCS))
RES_HEADERS := $(wildcard testbed/resources/*.h testbed/runtime/io_*.h testbed/runtime/include/*.h)
RES_CPPFLAGS = -Itestbed/runtime/include -Itestbed/runtime -Itestbed/resources -DDMX_TOP='"$(TOP)"'

build/obj/guest/resources/%.o: testbed/resources/%.c $(RES_HEADERS)
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) $(RES_CPPFLAGS) -c $< -o $@

build/guest/lib/libdmx-resources.a: $(RES_GUEST_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && aarch64-linux-gnu-ar rcs $@ $^

APP_COMMON := testbed/apps/app_queue.c
APP_HEADERS := $(wildcard testbed/apps/*.h) testbed/runtime/include/io_devices.h
APP_DEPS = $(APP_HEADERS) build/bin/dmx-cc build/guest/lib/libdmx.a build/guest/lib/libdmx-resources.a
APP_LINK_RES = -Wl,--whole-archive build/guest/lib/libdmx-resources.a -Wl,--no-whole-archive

build/guest/apps/surveillance: testbed/apps/surveillance.c testbed/apps/canny.c $(APP_COMMON) $(APP_DEPS)
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) -Itestbed/apps $(filter %.c,$^) $(APP_LINK_RES) -o $@

build/guest/apps/home-theater: testbed/apps/home-theater.c $(APP_COMMON) $(APP_DEPS)
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) -Itestbed/apps $(filter %.c,$^) $(APP_LINK_RES) \
	    -lavformat -lavcodec -lavutil -o $@

build/guest/apps/photo-classify: testbed/apps/photo-classify.c testbed/apps/mobilenet.c $(APP_COMMON) $(APP_DEPS)
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) -Itestbed/apps $(filter %.c,$^) $(APP_LINK_RES) -ljpeg -lm -o $@

GUEST_BINS += build/guest/lib/libdmx-resources.a build/guest/apps/surveillance build/guest/apps/home-theater \
              build/guest/apps/photo-classify

# Media (tools/make-media.sh prints every ffmpeg command it runs).
build/media/.stamp: tools/make-media.sh
	tools/make-media.sh --out build/media

.PHONY: media
media: build/media/.stamp
