# testbed/orchestrator/orchestrator.mk: build/bin/dmx, the orchestrator CLI.
# Its objects (minus main.o) are also linked into the orchestrator tests (testbed/tests/orchestrator.mk).
# It compiles in dmx-medium's client library and link-spec parser from netem/.

ORCH_DIR := testbed/orchestrator
ORCH_OBJ := build/obj/orchestrator
ORCH_TOP := $(if $(TOP),$(TOP),$(CURDIR))
ORCH_CFLAGS = $(HOST_CFLAGS) -DDMX_TOP='"$(ORCH_TOP)"' -Itestbed/runtime -Itestbed/power
ORCH_LIBS = $(GLIB_LIBS) -lm
ORCH_HEADERS := $(wildcard $(ORCH_DIR)/*.h) $(wildcard netem/*.h) $(wildcard testbed/power/*.h)
ORCH_LIB_OBJS := $(patsubst $(ORCH_DIR)/%.c,$(ORCH_OBJ)/%.o,$(filter-out $(ORCH_DIR)/main.c,$(wildcard $(ORCH_DIR)/*.c)))
# The power model (testbed/power/power.mk builds these objects); listed here because power.mk is read later.
ORCH_LIB_OBJS += $(patsubst testbed/power/%.c,build/obj/power/%.o,$(wildcard testbed/power/*.c))
ORCH_NETEM_OBJS := build/obj/netem/medium_client.o build/obj/netem/link_spec.o
# The host side of libdmx's control socket (guest_control.c), built natively by testbed/tests/runtime_tests.mk's rule.
ORCH_NETEM_OBJS += $(addprefix build/obj/native/runtime/,io_control_client.o io_link.o device_identity.o wire_codec.o \
                   wire_conn.o wire_auth.o dsm_diff.o)

BINS += build/bin/dmx

$(ORCH_OBJ)/%.o: $(ORCH_DIR)/%.c $(ORCH_HEADERS) $(ORCH_DIR)/orchestrator.mk
	@mkdir -p $(@D)
	$(CC) $(ORCH_CFLAGS) -c -o $@ $<

build/bin/dmx: $(ORCH_OBJ)/main.o $(ORCH_LIB_OBJS) $(ORCH_NETEM_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(ORCH_LIBS)

# dmx report and the run timeline (report*.c, timeline*.c): their tests.
#   test_report       unit: summary.json reader, FPS statistics, paper values, timeline.csv and per-device energy on
#                     a hand-made run directory, report errors (native, fast)
#   test_report_e2e   end to end: a 2 s home-theater run, then `dmx report` on it: table and PNG figures
REPORT_TEST_CFLAGS = $(ORCH_CFLAGS) -Itestbed/orchestrator
UNIT_TESTS += build/tests/test_report
E2E_TESTS += build/tests/test_report_e2e

build/obj/report_tests/%.o: testbed/tests/%.c $(ORCH_HEADERS) testbed/tests/test_tree.h testbed/tests/test_dmx.h \
    $(ORCH_DIR)/orchestrator.mk
	@mkdir -p $(@D)
	$(CC) $(REPORT_TEST_CFLAGS) -c -o $@ $<

build/tests/test_report: build/obj/report_tests/test_report.o $(ORCH_LIB_OBJS) $(ORCH_NETEM_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(ORCH_LIBS)

build/tests/test_report_e2e: build/obj/report_tests/test_report_e2e.o | build/bin/dmx build/guest/apps/home-theater
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(ORCH_LIBS)
