# testbed/tests/sweep_tests.mk: `dmx sweep`'s tests.
#   test_sweep       unit: the sweep file and its errors, checks against the scenario, the grid, derived link
#                    parameters, progress texts, the paper's Fig. 10 values, the index and dmx report's table
#                    (native, fast)
#   test_sweep_e2e   end to end: a real 2x2 sweep of scenarios/hello.ini with --jobs 2, with GNU parallel and with
#                    the builtin runner; dmx report on it writes the figure; Ctrl-C leaves nothing behind

SWEEP_TEST_CFLAGS = $(ORCH_CFLAGS) -Itestbed/orchestrator
UNIT_TESTS += build/tests/test_sweep
E2E_TESTS += build/tests/test_sweep_e2e

build/obj/sweep_tests/%.o: testbed/tests/%.c $(ORCH_HEADERS) testbed/tests/test_tree.h testbed/tests/test_dmx.h \
    testbed/tests/sweep_tests.mk
	@mkdir -p $(@D)
	$(CC) $(SWEEP_TEST_CFLAGS) -c -o $@ $<

build/tests/test_sweep: build/obj/sweep_tests/test_sweep.o $(ORCH_LIB_OBJS) $(ORCH_NETEM_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(ORCH_LIBS)

# Drives build/bin/dmx as a user would; needs qemu, the medium and the guests at run time.
build/tests/test_sweep_e2e: build/obj/sweep_tests/test_sweep_e2e.o | build/bin/dmx build/guest/tcp_ring build/guest/hello
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(ORCH_LIBS)
