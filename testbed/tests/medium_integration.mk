# testbed/tests/medium_integration.mk: the medium inside scenarios (per-pair links, events, traces, profiles,
# traffic matrix), the uplink to the host and the kernel backend.
#   test_orchestrator_events   unit + end to end: scenario network syntax and errors; churn/mobility runs;
#                              uplink echo; kernel backend (rate-only runs, netem refused where sch_netem is missing)

GUEST_BINS += build/guest/uplink_echo
E2E_TESTS += build/tests/test_orchestrator_events

build/guest/uplink_echo: testbed/guest-tests/uplink_echo.c
	@mkdir -p $(@D)
	$(CROSS_CC) $(GUEST_CFLAGS) -o $@ $<

build/tests/test_orchestrator_events: build/obj/orchestrator/tests/test_orchestrator_events.o $(ORCH_LIB_OBJS) \
    $(ORCH_NETEM_OBJS) | build/bin/dmx build/bin/dmx-medium build/guest/tcp_ring build/guest/uplink_echo \
    build/guest/tests/io_forward_prog
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(ORCH_LIBS)
