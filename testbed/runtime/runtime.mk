# libdmx: the guest stack, linked into every app (--whole-archive) by dmx-cc.  Built for aarch64.
# It holds the runtime (testbed/runtime) and the resources a device serves (testbed/resources), which register
# themselves with the I/O layer from constructors.
RUNTIME_SRCS := $(wildcard testbed/runtime/*.c) $(wildcard testbed/resources/*.c)
RUNTIME_OBJS := $(patsubst testbed/%.c,build/obj/guest/%.o,$(RUNTIME_SRCS))
RUNTIME_HEADERS := $(wildcard testbed/runtime/*.h testbed/runtime/include/*.h testbed/resources/*.h)
RUNTIME_CPPFLAGS = -Itestbed/runtime/include -Itestbed/runtime -Itestbed/resources -DDMX_TOP='"$(TOP)"'

build/obj/guest/%.o: testbed/%.c $(RUNTIME_HEADERS)
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) $(RUNTIME_CPPFLAGS) -c $< -o $@

build/guest/lib/libdmx.a: $(RUNTIME_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && aarch64-linux-gnu-ar rcs $@ $^

build/bin/dmx-cc: tools/dmx-cc
	@mkdir -p $(@D)
	sed 's|@TOP@|$(TOP)|' $< > $@ && chmod +x $@

GUEST_BINS += build/guest/lib/libdmx.a build/bin/dmx-cc
