# The offload policy (testbed/runtime/offload_policy.c, offload_cost.c): CloneCloud's cost model, pure computation
# tested natively; and end to end, pt_offload under `dmx run --policy offload` on devices with different CPU models.
build/tests/test_offload_policy_cost: testbed/tests/test_offload_policy_cost.c testbed/runtime/offload_cost.c \
                                      testbed/runtime/offload_cost.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(GLIB_CFLAGS) -Itestbed/runtime $(filter %.c,$^) $(GLIB_LIBS) -o $@

UNIT_TESTS += build/tests/test_offload_policy_cost

build/guest/tests/pt_offload: testbed/guest-tests/pt_offload.c build/guest/lib/libdmx.a build/bin/dmx-cc \
                              testbed/runtime/dsm_layout.ld
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) $< -o $@

build/tests/test_offload_policy_e2e: testbed/tests/test_offload_policy_e2e.c testbed/tests/test_tree.h \
                                     testbed/tests/test_dmx.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -DDMX_TOP='"$(TOP)"' $< $(GLIB_LIBS) -o $@

build/tests/test_offload_policy_e2e: | build/guest/tests/pt_offload build/bin/dmx

GUEST_BINS += build/guest/tests/pt_offload
E2E_TESTS += build/tests/test_offload_policy_e2e
