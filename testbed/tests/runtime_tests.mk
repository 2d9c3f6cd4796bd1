# Guest stack core (wire protocol, DSM, global locks): a native x86 build of the same sources that
# testbed/runtime/runtime.mk builds for aarch64, for unit tests and the fuzzer, plus the aarch64 test program.
# DMX_CORE_SRCS/HDRS/OBJS/LIB and their rules are in testbed/runtime/runtime.mk, which make reads before every
# fragment under testbed/tests/ (so rules here can name them as prerequisites).
DMX_CORE_UNIT := build/tests/test_wire build/tests/test_dsm_diff build/tests/test_dsm_pagedir \
                 build/tests/test_sync_lockdir build/tests/test_dsm_fault build/tests/test_dsm_twoproc \
                 build/tests/test_sync_held

$(DMX_CORE_UNIT) build/tests/test_dsm_qemu: build/tests/%: testbed/tests/%.c $(DMX_CORE_LIB) $(DMX_CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(DMX_CORE_TEST_CFLAGS) $< $(DMX_CORE_LIB) $(GLIB_LIBS) -pthread -o $@

# The two-process counter program: native (for test_dsm_twoproc) and aarch64 through dmx-cc (test_dsm_qemu).
build/tests/dsm_counter: testbed/tests/test_dsm_counter_prog.c $(DMX_CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -D_GNU_SOURCE -pthread -Itestbed/runtime/include $< $(DMX_CORE_LIB) -pthread -o $@

build/guest/tests/dsm_counter: testbed/tests/test_dsm_counter_prog.c build/guest/lib/libdmx.a build/bin/dmx-cc
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) $< -o $@

build/tests/test_dsm_twoproc: build/tests/dsm_counter
build/tests/test_dsm_qemu: build/guest/tests/dsm_counter

UNIT_TESTS += $(DMX_CORE_UNIT)
GUEST_BINS += build/guest/tests/dsm_counter
# Both devices as aarch64 programs under build/bin/qemu-aarch64 (two processes on 127.0.0.1).
E2E_TESTS += build/tests/test_dsm_qemu

# The pthread takeover (thread_takeover.c, heap_dsm.c, pthread_sync.c, pthread_spawn.c): unmodified pthread
# programs built by dmx-cc, run by test_pthread_e2e under `dmx run --app` on 1, 2 and 3 devices.
PT_GUEST_PROGS := pt_counter pt_prodcons pt_matmul pt_bank pt_handoff pt_hints pt_syscalls pt_blocks pt_bigheap pt_mainstack pt_tally pt_signals pt_tls pt_fork
PT_GUEST_BINS := $(addprefix build/guest/tests/,$(PT_GUEST_PROGS)) build/guest/tests/dsm_latency

$(PT_GUEST_BINS): build/guest/tests/%: testbed/guest-tests/%.c build/guest/lib/libdmx.a build/bin/dmx-cc \
                  testbed/runtime/dsm_layout.ld
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) $< -o $@

build/tests/test_pthread_e2e: testbed/tests/test_pthread_e2e.c testbed/tests/test_tree.h testbed/tests/test_dmx.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -DDMX_TOP='"$(TOP)"' $< $(GLIB_LIBS) -o $@

build/tests/test_pthread_e2e: | $(PT_GUEST_BINS) build/bin/dmx

GUEST_BINS += $(PT_GUEST_BINS)
E2E_TESTS += build/tests/test_pthread_e2e
