# `make fuzz`: libFuzzer on the wire decoder (fuzz/fuzz_wire_decode.c) for FUZZ_SECONDS (default 600).
# Needs Debian's clang (libFuzzer ships with it). Seeds come from fuzz/make_corpus.c; new inputs and any
# crash go to build/fuzz/.
FUZZ_SECONDS ?= 600
FUZZ_CLANG ?= clang
FUZZ_CORE := testbed/runtime/wire_codec.c testbed/runtime/dsm_diff.c
FUZZ_HDRS := testbed/runtime/wire_msg.h testbed/runtime/dsm_diff.h

build/fuzz/fuzz_wire_decode: fuzz/fuzz_wire_decode.c $(FUZZ_CORE) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=gnu11 \
	  -Wall -Wextra -Werror -D_GNU_SOURCE -Itestbed/runtime $< $(FUZZ_CORE) -o $@

build/fuzz/make_corpus: fuzz/make_corpus.c $(FUZZ_CORE) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) -D_GNU_SOURCE -Itestbed/runtime $< $(FUZZ_CORE) -o $@

build/fuzz/seeds/.stamp: build/fuzz/make_corpus
	@mkdir -p $(@D)
	build/fuzz/make_corpus build/fuzz/seeds && touch $@

fuzz: build/fuzz/fuzz_wire_decode build/fuzz/seeds/.stamp
	@mkdir -p build/fuzz/corpus build/fuzz/artifacts
	build/fuzz/fuzz_wire_decode -max_total_time=$(FUZZ_SECONDS) -max_len=9000 -timeout=10 -print_final_stats=1 \
	  -artifact_prefix=build/fuzz/artifacts/ build/fuzz/corpus build/fuzz/seeds
