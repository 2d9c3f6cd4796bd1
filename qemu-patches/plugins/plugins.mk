# devmodel: TCG plugin modelling a device's CPU (instruction counts, throttling, host lag); see devmodel.c.
DEVMODEL_SRCS := $(wildcard qemu-patches/plugins/*.c)

build/lib/libdevmodel.so: $(DEVMODEL_SRCS) $(wildcard qemu-patches/plugins/*.h)
	@mkdir -p $(@D)
	$(CC) -shared -fPIC $(HOST_CFLAGS) -I$(QEMU_PLUGIN_INCLUDE) $(DEVMODEL_SRCS) -o $@ -lm -lpthread

PLUGINS += build/lib/libdevmodel.so
