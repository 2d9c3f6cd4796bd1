# testbed/power/power.mk: the power model (DESIGN.md §9), a host library linked into build/bin/dmx and its tests.
#   test_power   unit: coefficients and their required sources, devices.ini's nexus5 values against their
#                published origin, the model's integration (known inputs -> known energy)

POWER_DIR := testbed/power
POWER_OBJ := build/obj/power
POWER_HEADERS := $(wildcard $(POWER_DIR)/*.h)
POWER_OBJS := $(patsubst $(POWER_DIR)/%.c,$(POWER_OBJ)/%.o,$(wildcard $(POWER_DIR)/*.c))

UNIT_TESTS += build/tests/test_power

$(POWER_OBJ)/%.o: $(POWER_DIR)/%.c $(POWER_HEADERS) $(POWER_DIR)/power.mk
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -c -o $@ $<

# DMX_TOP: the test reads scenarios/devices.ini, to hold nexus5's coefficients to their published sources.
build/obj/power/tests/test_power.o: testbed/tests/test_power.c $(POWER_HEADERS) $(POWER_DIR)/power.mk
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -I$(POWER_DIR) -DDMX_TOP='"$(if $(TOP),$(TOP),$(CURDIR))"' -c -o $@ $<

build/tests/test_power: build/obj/power/tests/test_power.o $(POWER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(GLIB_LIBS) -lm
