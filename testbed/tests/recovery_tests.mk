# Device churn: recovery of a lost device's threads (testbed/runtime/thread_recovery.h), and compute threads moved
# to a device that joined (CPU contention). test_recovery_plan: the master's decision per spawn slot (recovery_plan.c).
build/tests/test_recovery_plan: testbed/tests/test_recovery_plan.c testbed/runtime/recovery_plan.c \
                                testbed/runtime/thread_recovery.h testbed/runtime/thread_takeover.h \
                                testbed/runtime/include/dsm_api.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(GLIB_CFLAGS) -Itestbed/runtime -Itestbed/runtime/include $(filter %.c,$^) $(GLIB_LIBS) \
	    -o $@

UNIT_TESTS += build/tests/test_recovery_plan

# Resuming a thread from captured registers: the signal-frame records copied into the resuming frame (natively).
build/tests/test_sigframe_records: testbed/tests/test_sigframe_records.c testbed/runtime/sigframe_records.c \
                                   testbed/runtime/sigframe_records.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(GLIB_CFLAGS) -Itestbed/runtime $(filter %.c,$^) $(GLIB_LIBS) -o $@

UNIT_TESTS += build/tests/test_sigframe_records

# End-to-end: a worker's qemu killed (or frozen) mid-run; the program still finishes right on the others.
build/tests/test_recovery: testbed/tests/test_recovery.c testbed/tests/test_tree.h testbed/tests/test_dmx.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -DDMX_TOP='"$(TOP)"' $< $(GLIB_LIBS) -o $@

build/tests/test_recovery: | $(PT_GUEST_BINS) build/bin/dmx build/guest/apps/photo-classify build/media/.stamp

E2E_TESTS += build/tests/test_recovery

# The heartbeat's unstable-link rule (peer_link_watch.c), natively.
build/tests/test_peer_link_watch: testbed/tests/test_peer_link_watch.c testbed/runtime/peer_link_watch.c \
                                  testbed/runtime/peer_link_watch.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(GLIB_CFLAGS) -Itestbed/runtime $(filter %.c,$^) $(GLIB_LIBS) -o $@

UNIT_TESTS += build/tests/test_peer_link_watch

# End-to-end: CPU contention under dynamix moves compute threads to a device that joined with idle cores.
build/tests/test_cpu_contention: testbed/tests/test_cpu_contention.c testbed/tests/test_tree.h testbed/tests/test_dmx.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -DDMX_TOP='"$(TOP)"' $< $(GLIB_LIBS) -o $@

build/tests/test_cpu_contention: | $(PT_GUEST_BINS) build/bin/dmx

E2E_TESTS += build/tests/test_cpu_contention
