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

# The guest stack core (wire protocol, DSM, global locks) built natively for x86: unit tests, the fuzzer and the
# orchestrator's host side of the control socket link it. Defined here, not under testbed/tests/, because make
# reads testbed/runtime/ first and the test fragments name these as prerequisites.
DMX_CORE_SRCS := $(wildcard $(addprefix testbed/runtime/,wire_*.c dsm_*.c sync_*.c master_*.c peer_*.c)) \
                 testbed/runtime/device_identity.c testbed/runtime/device_files.c testbed/runtime/thread_start.c \
                 testbed/runtime/thread_tls.c
DMX_CORE_HDRS := $(wildcard testbed/runtime/wire_*.h testbed/runtime/dsm_*.h testbed/runtime/sync_*.h \
                   testbed/runtime/master_*.h testbed/runtime/peer_*.h testbed/runtime/include/*.h) \
                 testbed/runtime/thread_start.h testbed/runtime/thread_tls.h
DMX_CORE_OBJS := $(patsubst testbed/runtime/%.c,build/obj/native/runtime/%.o,$(DMX_CORE_SRCS))
DMX_CORE_LIB  := build/obj/native/libdmx-core.a

build/obj/native/runtime/%.o: testbed/runtime/%.c $(DMX_CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -D_GNU_SOURCE -pthread -Itestbed/runtime/include -c $< -o $@

$(DMX_CORE_LIB): $(DMX_CORE_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

DMX_CORE_TEST_CFLAGS = $(HOST_CFLAGS) -pthread -Itestbed/runtime -Itestbed/runtime/include -DDMX_TOP='"$(TOP)"'

# Host programs that rebind a class of a running app through the master's control socket (io_control_client.h):
# the I/O end-to-end tests compile the client, and what it needs, into themselves.
IO_CONTROL_CLIENT_SRCS := $(addprefix testbed/runtime/,io_control_client.c io_link.c device_identity.c wire_codec.c \
                            wire_conn.c wire_auth.c dsm_diff.c)
IO_CONTROL_CLIENT_CFLAGS = $(HOST_CFLAGS) -D_GNU_SOURCE -pthread -Itestbed/runtime -Itestbed/runtime/include \
                           -DDMX_TOP='"$(TOP)"'
