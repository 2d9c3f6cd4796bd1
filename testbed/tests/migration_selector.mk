# Algorithm 1 (testbed/runtime/migration_selector.c): pure computation, tested natively.
build/tests/test_migration_selector: testbed/tests/test_migration_selector.c testbed/runtime/migration_selector.c \
                                     testbed/runtime/migration_selector.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(GLIB_CFLAGS) -Itestbed/runtime $(filter %.c,$^) $(GLIB_LIBS) -o $@

UNIT_TESTS += build/tests/test_migration_selector
