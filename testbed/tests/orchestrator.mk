# testbed/tests/orchestrator.mk: the orchestrator's tests and the guest programs they run.
#   test_orchestrator_scenario  unit: scenario/devices.ini parsing and validation, error messages (native, fast)
#   test_orchestrator_e2e       end to end: dmx run on 3 emulated devices, exit codes, Ctrl-C, a crashed device

ORCH_TEST_CFLAGS = $(HOST_CFLAGS) -Itestbed/orchestrator -DDMX_TOP='"$(ORCH_TOP)"'

GUEST_BINS += build/guest/tcp_ring build/guest/hello
UNIT_TESTS += build/tests/test_orchestrator_scenario
E2E_TESTS += build/tests/test_orchestrator_e2e

build/guest/tcp_ring: testbed/guest-tests/tcp_ring.c
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) -o $@ $<

build/guest/hello: testbed/guest-tests/hello.c
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) -o $@ $<

build/obj/orchestrator/tests/%.o: testbed/tests/%.c $(ORCH_HEADERS) testbed/tests/test_tree.h testbed/tests/test_dmx.h \
    testbed/tests/orchestrator.mk
	@mkdir -p $(@D)
	$(CC) $(ORCH_TEST_CFLAGS) -c -o $@ $<

build/tests/test_orchestrator_scenario: build/obj/orchestrator/tests/test_orchestrator_scenario.o $(ORCH_LIB_OBJS) \
    $(ORCH_NETEM_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(ORCH_LIBS)

# The end-to-end test drives build/bin/dmx as a user would; it needs the guests, qemu and the medium at run time.
build/tests/test_orchestrator_e2e: build/obj/orchestrator/tests/test_orchestrator_e2e.o | build/bin/dmx build/guest/devmodel_spin \
    build/guest/tcp_ring build/guest/hello
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(ORCH_LIBS)
