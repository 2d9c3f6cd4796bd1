# netem/netem.mk: dmx-medium (userspace link / Wi-Fi emulator), its client library and tests.
# Other components that talk to the medium compile $(NETEM_CLIENT_SRCS) into their program (headers in netem/).

NETEM_TOP := $(if $(TOP),$(TOP),$(CURDIR))
NETEM_OBJ := build/obj/netem
NETEM_CFLAGS = $(HOST_CFLAGS) -Inetem -DDMX_TOP='"$(NETEM_TOP)"'
NETEM_LIBS = $(GLIB_LIBS) -lpcap -lm

NETEM_CORE := rng link_spec loss_model jitter_dist packet link_counters qdisc airtime pcap_writer tap_stamp
NETEM_MEDIUM := $(NETEM_CORE) medium control uplink medium_main
# libslirp (Debian: libslirp-dev) for the uplink station (uplink.c); configure should check for it.
SLIRP_CFLAGS := $(shell pkg-config --cflags slirp 2>/dev/null)
SLIRP_LIBS := $(shell pkg-config --libs slirp 2>/dev/null || echo -lslirp)
NETEM_CLIENT_SRCS := netem/medium_client.c netem/tap_device.c
NETEM_HEADERS := $(wildcard netem/*.h)

BINS += build/bin/dmx-medium build/bin/dmx-medium-ctl
NETEM_UNIT := test_link_spec test_loss_model test_jitter_dist test_qdisc test_airtime test_control
UNIT_TESTS += $(addprefix build/tests/,$(NETEM_UNIT))
E2E_TESTS += build/tests/test_medium_e2e

$(NETEM_OBJ)/%.o: netem/%.c $(NETEM_HEADERS) netem/netem.mk
	@mkdir -p $(@D)
	$(CC) $(NETEM_CFLAGS) -c -o $@ $<

$(NETEM_OBJ)/uplink.o: netem/uplink.c $(NETEM_HEADERS) netem/netem.mk
	@mkdir -p $(@D)
	$(CC) $(NETEM_CFLAGS) $(SLIRP_CFLAGS) -c -o $@ $<

$(NETEM_OBJ)/tests/%.o: netem/tests/%.c $(NETEM_HEADERS) netem/netem.mk
	@mkdir -p $(@D)
	$(CC) $(NETEM_CFLAGS) -c -o $@ $<

build/bin/dmx-medium: $(addprefix $(NETEM_OBJ)/,$(addsuffix .o,$(NETEM_MEDIUM)))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(NETEM_LIBS) $(SLIRP_LIBS) -pthread

build/bin/dmx-medium-ctl: $(NETEM_OBJ)/medium_ctl.o $(NETEM_OBJ)/medium_client.o $(NETEM_OBJ)/tap_device.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(NETEM_LIBS)

# Unit tests link the pure logic; test_control also links the medium (without main) and the client.
NETEM_CORE_OBJS := $(addprefix $(NETEM_OBJ)/,$(addsuffix .o,$(NETEM_CORE)))
NETEM_CLIENT_OBJS := $(NETEM_OBJ)/medium_client.o $(NETEM_OBJ)/tap_device.o

build/tests/test_control: $(NETEM_OBJ)/tests/test_control.o $(NETEM_CORE_OBJS) $(NETEM_OBJ)/medium.o \
    $(NETEM_OBJ)/control.o $(NETEM_CLIENT_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(NETEM_LIBS)

build/tests/test_medium_e2e: $(NETEM_OBJ)/tests/test_medium_e2e.o $(NETEM_CLIENT_OBJS) | build/bin/dmx-medium
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(NETEM_LIBS)

build/tests/test_%: $(NETEM_OBJ)/tests/test_%.o $(NETEM_CORE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(NETEM_LIBS)
