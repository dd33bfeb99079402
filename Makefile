# The only place that knows about toolchains.
#
#   make wasm         build rust-wasm/ to wasm32 and refresh the committed module
#   make native       build the same crate for the host (libperson.so, libperson.a) with the same compiler
#   make rust-test    run the crate's unit tests on the host
#   make test         the Java tests (mvn -B verify); needs no Rust
#   make bench-build  benchmarks.jar and both native libraries, without running anything
#   make bench        run the benchmark suite into bench/results/ (QUICK=1 for a short smoke run)
#
# The committed module is the reference build: Debian's rustc 1.63 with its wasm32 std. Other
# toolchains build a working module, but not the same bytes, and CI checks the bytes.

SHELL := /bin/bash
CRATE := rust-wasm
WASM_OUT := src/main/resources/io/github/rustjava/person/person.wasm
# The same crate with the test-only `fault-injection` feature, for the tests that provoke panics.
WASM_FAULTS_OUT := src/test/resources/io/github/rustjava/person/person-faults.wasm
NATIVE_DIR := $(CRATE)/target/release
JAVA25 ?= $(firstword $(wildcard /usr/lib/jvm/temurin-25-jdk-*) $(wildcard /usr/lib/jvm/*-25-*))

# Prefer the pinned Debian toolchain; fall back to whatever rustc on PATH has a wasm32 std.
RUSTC := $(shell \
  for r in /usr/bin/rustc $$(command -v rustc 2>/dev/null); do \
    [ -x "$$r" ] && [ -d "$$("$$r" --print sysroot 2>/dev/null)/lib/rustlib/wasm32-unknown-unknown" ] && { echo "$$r"; break; }; \
  done)
# Each rustc with the cargo that ships beside it: a newer cargo cannot drive rustc 1.63.
CARGO = $(dir $(RUSTC))cargo
CARGO_ENV = RUSTC=$(RUSTC) CARGO_TARGET_DIR=$(CURDIR)/$(CRATE)/target

.PHONY: wasm native rust-test test bench-build bench toolchain clean

toolchain:
ifeq ($(RUSTC),)
	@if [ -f /etc/debian_version ] && [ "$$(id -u)" = 0 ]; then \
	  echo "No rustc with a wasm32-unknown-unknown std: installing Debian's (rustc, cargo, libstd-rust-dev-wasm32, lld)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc cargo libstd-rust-dev-wasm32 lld >/dev/null; \
	else \
	  echo "No rustc with a wasm32-unknown-unknown std. Install one:"; \
	  echo "  Debian/Ubuntu: apt-get install rustc cargo libstd-rust-dev-wasm32 lld"; \
	  echo "  rustup:        rustup target add wasm32-unknown-unknown"; \
	  exit 1; \
	fi
	@$(MAKE) --no-print-directory $(MAKECMDGOALS)
	@exit 0
else
	@echo "toolchain: $$($(RUSTC) --version) ($(RUSTC))"
	@# A lock file written by a newer cargo (version 4) cannot be read by cargo 1.65. The crate
	@# has no dependencies, so the lock file carries nothing and is rebuilt each time.
	@rm -f $(CRATE)/Cargo.lock
endif

wasm: toolchain
ifneq ($(RUSTC),)
	cd $(CRATE) && $(CARGO_ENV) $(CARGO) build --release --target wasm32-unknown-unknown
	@mkdir -p $(dir $(WASM_OUT))
	cp $(CRATE)/target/wasm32-unknown-unknown/release/person.wasm $(WASM_OUT)
	@echo "wrote $(WASM_OUT) ($$(stat -c %s $(WASM_OUT)) bytes, sha256 $$(sha256sum $(WASM_OUT) | cut -c1-16))"
	cd $(CRATE) && RUSTC=$(RUSTC) CARGO_TARGET_DIR=$(CURDIR)/$(CRATE)/target/faults \
	  $(CARGO) build --release --target wasm32-unknown-unknown --features fault-injection
	@mkdir -p $(dir $(WASM_FAULTS_OUT))
	cp $(CRATE)/target/faults/wasm32-unknown-unknown/release/person.wasm $(WASM_FAULTS_OUT)
endif

native: toolchain
ifneq ($(RUSTC),)
	cd $(CRATE) && $(CARGO_ENV) $(CARGO) build --release
	@ls -l $(NATIVE_DIR)/libperson.so $(NATIVE_DIR)/libperson.a
endif

rust-test: toolchain
ifneq ($(RUSTC),)
	@# One thread: the tests read the process-wide allocation counter.
	cd $(CRATE) && $(CARGO_ENV) $(CARGO) test --release -- --test-threads=1
	cd $(CRATE) && RUSTC=$(RUSTC) CARGO_TARGET_DIR=$(CURDIR)/$(CRATE)/target/faults \
	  $(CARGO) test --release --features fault-injection -- --test-threads=1
endif

test:
	mvn -B verify

clean:
	rm -rf $(CRATE)/target target bench/target
