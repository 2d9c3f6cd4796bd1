# libdmx: the guest stack, linked into every app by dmx-cc.  Built for aarch64.
RUNTIME_SRCS := $(wildcard testbed/runtime/*.c)
RUNTIME_OBJS := $(patsubst testbed/runtime/%.c,build/obj/guest/runtime/%.o,$(RUNTIME_SRCS))

build/obj/guest/runtime/%.o: testbed/runtime/%.c $(wildcard testbed/runtime/*.h testbed/runtime/include/*.h)
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) -Itestbed/runtime/include -c $< -o $@

build/guest/lib/libdmx.a: $(RUNTIME_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && aarch64-linux-gnu-ar rcs $@ $^

build/bin/dmx-cc: tools/dmx-cc
	@mkdir -p $(@D)
	sed 's|@TOP@|$(TOP)|' $< > $@ && chmod +x $@

GUEST_BINS += build/guest/lib/libdmx.a build/bin/dmx-cc
