# dmx testbed: top-level build.  `make help` lists the targets.
#
# Each component keeps its own rules in a fragment (*.mk) next to its sources; this file only ties them together.
# Fragments append to:
#   BINS        host programs to build      (build/bin/...)
#   GUEST_BINS  aarch64 programs to build   (build/guest/...)
#   PLUGINS     TCG plugins                 (build/lib/...)
#   UNIT_TESTS  native g_test programs      (run by `make check`)
#   E2E_TESTS   g_test programs that start emulated devices (run by `make check`)

SHELL := /bin/bash
.DEFAULT_GOAL := all

-include config.mk

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -std=gnu11
GLIB_CFLAGS := $(shell pkg-config --cflags glib-2.0 gio-2.0 2>/dev/null)
GLIB_LIBS   := $(shell pkg-config --libs glib-2.0 gio-2.0 2>/dev/null)
HOST_CFLAGS  = $(CFLAGS) $(WARN) $(GLIB_CFLAGS) -D_GNU_SOURCE
CROSS_CC ?= aarch64-linux-gnu-gcc
GUEST_CFLAGS := -O2 -g $(WARN) -D_GNU_SOURCE -pthread

BINS :=
GUEST_BINS :=
PLUGINS :=
UNIT_TESTS :=
E2E_TESTS :=

include $(wildcard */*.mk */*/*.mk */*/*/*.mk)

# `configure` is a real file here, the prerequisite of config.mk: never make it phony.
.PHONY: all help check check-unit check-e2e scenario sweep bench bench-medium bench-dsm fuzz clean distclean

config.mk: configure $(wildcard qemu-patches/*.patch)
	./configure

all: config.mk $(BINS) $(GUEST_BINS) $(PLUGINS) $(UNIT_TESTS) $(E2E_TESTS)

# The test command the README gives and .ci/run calls.
check: all
	tools/run-tests $(UNIT_TESTS) $(E2E_TESTS)

check-unit: all
	tools/run-tests $(UNIT_TESTS)

check-e2e: all
	tools/run-tests $(E2E_TESTS)

SCENARIO ?= home-theater
scenario: all
	build/bin/dmx run scenarios/$(SCENARIO).ini --report $(DMX_FLAGS)

# sweeps/$(SWEEP).ini, then dmx report on its directory (results/<name>/<timestamp>/, also results/<name>/latest).
SWEEP ?= bandwidth
sweep: all
	build/bin/dmx sweep sweeps/$(SWEEP).ini --report $(DMX_FLAGS)

# Benchmarks: speed and accuracy goals live here, not in the tests.
bench: bench-medium bench-dsm

bench-medium: build/bin/dmx-medium build/bin/dmx-medium-ctl
	netem/bench.sh results/bench-medium.csv

bench-dsm: all
	tools/bench-dsm.sh results/bench-dsm.csv

# clean keeps the QEMU build (build/bin/qemu-aarch64, from configure); distclean drops it too.
clean:
	rm -rf build/lib build/guest build/tests build/obj build/media $(BINS) build/bin/dmx-cc

distclean:
	rm -rf build config.mk

help:
	@echo "make                 build everything (runs ./configure first if needed)"
	@echo "make check           unit and end-to-end tests (TAP), ends with 'N passed, N failed'"
	@echo "make scenario SCENARIO=name   run scenarios/name.ini"
	@echo "make sweep SWEEP=name         run sweeps/name.ini (default bandwidth) and report it (DMX_FLAGS='--jobs 2')"
	@echo "make bench-medium    link emulator accuracy and cost -> results/bench-medium.csv"
	@echo "make bench-dsm       DSM lock and page-fault latency against the link -> results/bench-dsm.csv"
	@echo "make fuzz            fuzz the wire decoder (FUZZ_SECONDS, default 600)"
	@echo "make clean|distclean remove build products (distclean also drops the QEMU build)"
