# Thread migration (pthread_spawn.c, dsm_region_pin): shared stacks, migration at safe points, forced random
# migrations. test_migrate runs the pthread programs of test_pthread_e2e with DMX_MIGRATE_RANDOM_MS on 2 and 3
# devices (same output as on 1 device, migrations.csv not empty) and mig_stack (a thread with a 1 MiB working
# set on its stack and heap moves to device 2 and back with dmx_migrate_self).
MIG_GUEST_BINS := build/guest/tests/mig_stack

$(MIG_GUEST_BINS): build/guest/tests/%: testbed/guest-tests/%.c build/guest/lib/libdmx.a build/bin/dmx-cc \
                   testbed/runtime/dsm_layout.ld
	@mkdir -p $(@D)
	build/bin/dmx-cc $(GUEST_CFLAGS) $< -o $@

build/tests/test_migrate: testbed/tests/test_migrate.c testbed/tests/test_tree.h testbed/tests/test_dmx.h
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) -DDMX_TOP='"$(TOP)"' $< $(GLIB_LIBS) -o $@

build/tests/test_migrate: | $(MIG_GUEST_BINS) $(PT_GUEST_BINS) build/bin/dmx

GUEST_BINS += $(MIG_GUEST_BINS)
E2E_TESTS += build/tests/test_migrate

# dsm_region_pin/unpin on a native mapping with an in-memory home.
build/tests/test_migrate_pin: testbed/tests/test_migrate_pin.c $(DMX_CORE_LIB) $(DMX_CORE_HDRS)
	@mkdir -p $(@D)
	$(CC) $(DMX_CORE_TEST_CFLAGS) $< $(DMX_CORE_LIB) $(GLIB_LIBS) -pthread -o $@

UNIT_TESTS += build/tests/test_migrate_pin
