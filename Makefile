# The only place that knows about toolchains.
#
#   make wasm         build rust-wasm/ and rust-kv/ to wasm32 and refresh the committed modules
#   make native       build the same crate for the host (libperson.so, libperson.a) with the same compiler
#   make rust-test    run the unit tests of rust/ffi-boundary, rust-wasm and rust-kv on the host
#   make seed-go      the write-up's own Go program, unmodified, against libperson.so and libperson.a
#   make test         the Java tests (mvn -B verify, the whole reactor); needs no Rust
#   make bench-build  the native libraries, the JNI shim, benchmarks.jar and the CLI jar, without running anything
#   make bench        the benchmark suite into bench/results/ (QUICK=1: a smoke run elsewhere)
#
# The committed module is the reference build: Debian's rustc 1.63 with its wasm32 std. Other
# toolchains build a working module, but not the same bytes, and CI checks the bytes.

SHELL := /bin/bash
CRATE := rust-wasm
WASM_OUT := library/src/main/resources/io/github/rustjava/person/person.wasm
# The same crate with the test-only `fault-injection` feature, for the tests that provoke panics.
WASM_FAULTS_OUT := tck/src/main/resources/io/github/rustjava/person/tck/person-faults.wasm
NATIVE_DIR := $(CRATE)/target/release
# The second binding: an ordered key-value store (kv/), and its fault-injection build for its tests.
KV_CRATE := rust-kv
KV_WASM_OUT := kv/src/main/resources/io/github/rustjava/kv/kv.wasm
KV_FAULTS_OUT := kv/src/test/resources/io/github/rustjava/kv/kv-faults.wasm
JAVA25 ?= $(firstword $(wildcard /usr/lib/jvm/temurin-25-jdk-*) $(wildcard /usr/lib/jvm/*-25-*))

# Prefer the pinned Debian toolchain; fall back to whatever rustc on PATH has a wasm32 std.
RUSTC := $(shell \
  for r in /usr/bin/rustc $$(command -v rustc 2>/dev/null); do \
    [ -x "$$r" ] && [ -d "$$("$$r" --print sysroot 2>/dev/null)/lib/rustlib/wasm32-unknown-unknown" ] && { echo "$$r"; break; }; \
  done)
# Each rustc with the cargo and rustdoc that ship beside it: a newer cargo cannot drive rustc
# 1.63, and a newer rustdoc cannot read the crates it compiled (the doc tests).
CARGO = $(dir $(RUSTC))cargo
RUSTDOC = $(dir $(RUSTC))rustdoc
CARGO_ENV = RUSTC=$(RUSTC) RUSTDOC=$(RUSTDOC) CARGO_TARGET_DIR=$(CURDIR)/$(CRATE)/target
# Cargo names the workspace's files relative to its root, but code of one crate inlined into
# another may still carry the absolute path of the clone in its panic locations: the committed
# modules must not depend on where the repository is checked out. Given as the target's flags,
# which cargo adds to those of .cargo/config.toml (bulk memory): RUSTFLAGS would replace them, and
# every copy in the modules would become a byte loop in Wasm instead of one array copy.
WASM_ENV = RUSTC=$(RUSTC) CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS=--remap-path-prefix=$(CURDIR)/=

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
	@# A lock file written by a newer cargo (version 4) cannot be read by cargo 1.65. The crates
	@# have no dependencies but each other, so the lock file carries nothing and is rebuilt each time.
	@rm -f Cargo.lock $(CRATE)/Cargo.lock $(KV_CRATE)/Cargo.lock
endif

# The compiler and cargo the builds use, for scripts: "RUSTC CARGO", or nothing without a wasm32 std.
# it/run.sh builds the README's "Bind your own crate" with them.
.PHONY: print-toolchain
print-toolchain:
	@echo "$(RUSTC) $(if $(RUSTC),$(CARGO))"

wasm: toolchain
ifneq ($(RUSTC),)
	cd $(CRATE) && $(CARGO_ENV) $(WASM_ENV) $(CARGO) build --release --target wasm32-unknown-unknown
	@mkdir -p $(dir $(WASM_OUT))
	cp $(CRATE)/target/wasm32-unknown-unknown/release/person.wasm $(WASM_OUT)
	@echo "wrote $(WASM_OUT) ($$(stat -c %s $(WASM_OUT)) bytes, sha256 $$(sha256sum $(WASM_OUT) | cut -c1-16))"
	cd $(CRATE) && $(WASM_ENV) CARGO_TARGET_DIR=$(CURDIR)/$(CRATE)/target/faults \
	  $(CARGO) build --release --target wasm32-unknown-unknown --features fault-injection
	@mkdir -p $(dir $(WASM_FAULTS_OUT))
	cp $(CRATE)/target/faults/wasm32-unknown-unknown/release/person.wasm $(WASM_FAULTS_OUT)
	cd $(KV_CRATE) && $(WASM_ENV) CARGO_TARGET_DIR=$(CURDIR)/$(KV_CRATE)/target \
	  $(CARGO) build --release --target wasm32-unknown-unknown
	@mkdir -p $(dir $(KV_WASM_OUT)) $(dir $(KV_FAULTS_OUT))
	cp $(KV_CRATE)/target/wasm32-unknown-unknown/release/kv.wasm $(KV_WASM_OUT)
	@echo "wrote $(KV_WASM_OUT) ($$(stat -c %s $(KV_WASM_OUT)) bytes, sha256 $$(sha256sum $(KV_WASM_OUT) | cut -c1-16))"
	cd $(KV_CRATE) && $(WASM_ENV) CARGO_TARGET_DIR=$(CURDIR)/$(KV_CRATE)/target/faults \
	  $(CARGO) build --release --target wasm32-unknown-unknown --features fault-injection
	cp $(KV_CRATE)/target/faults/wasm32-unknown-unknown/release/kv.wasm $(KV_FAULTS_OUT)
	@# A path of this checkout in a module would make it differ in any other folder. Cargo names a
	@# workspace's files relative to it, but rustc names another crate's file by its absolute path
	@# in code it compiles for the binding (generic and #[inline] functions): such code must not
	@# panic with a location of its own (see ffi-boundary's alloc.rs and status.rs).
	@if grep -aqF "$(CURDIR)/" $(WASM_OUT) $(WASM_FAULTS_OUT) $(KV_WASM_OUT) $(KV_FAULTS_OUT); then \
	  echo "a module records a path under $(CURDIR): it would not reproduce elsewhere"; exit 1; fi
	@# Built without bulk memory (see WASM_ENV), a module still works, only its copies are slower:
	@# nothing else would notice. Both crates copy names, keys and values, so both have the instruction.
	@command -v wasm-objdump >/dev/null || { echo "wasm-objdump is missing: apt-get install wabt"; exit 1; }
	@for m in $(WASM_OUT) $(KV_WASM_OUT); do \
	  wasm-objdump -d $$m | grep -q 'memory\.copy' || { echo "$$m has no memory.copy: built without bulk memory"; exit 1; }; done
	@$(MAKE) --no-print-directory wat
endif

native: toolchain
ifneq ($(RUSTC),)
	cd $(CRATE) && $(CARGO_ENV) $(CARGO) build --release
	@ls -l $(NATIVE_DIR)/libperson.so $(NATIVE_DIR)/libperson.a
	@# The fault-injection build, for the test that proves a native panic becomes an exception.
	cd $(CRATE) && RUSTC=$(RUSTC) CARGO_TARGET_DIR=$(CURDIR)/$(CRATE)/target/faults $(CARGO) build --release --features fault-injection
endif

rust-test: toolchain
ifneq ($(RUSTC),)
	@# Every crate of the workspace (Cargo.toml), tests in parallel: they count allocations per
	@# thread. Then the binding crates again with their fault-injection features.
	$(CARGO_ENV) $(CARGO) test --release --workspace
	cd $(CRATE) && RUSTC=$(RUSTC) RUSTDOC=$(RUSTDOC) CARGO_TARGET_DIR=$(CURDIR)/$(CRATE)/target/faults \
	  $(CARGO) test --release --features fault-injection
	cd $(KV_CRATE) && RUSTC=$(RUSTC) RUSTDOC=$(RUSTDOC) CARGO_TARGET_DIR=$(CURDIR)/$(KV_CRATE)/target/faults \
	  $(CARGO) test --release --features fault-injection
endif

# The write-up's Go program is read from the write-up itself at test time, never copied here:
# SHARED_DIR is the folder holding seeds/ (by default ../shared beside this clone), SEED_FILE the
# write-up itself. See .ci/seed-go.
SHARED_DIR ?= ../shared
SEED_FILE ?=

.PHONY: seed-go
seed-go: native go-toolchain
	SHARED_DIR=$(abspath $(SHARED_DIR)) NATIVE_DIR=$(CURDIR)/$(NATIVE_DIR) \
	  $(if $(SEED_FILE),SEED_FILE=$(abspath $(SEED_FILE))) .ci/seed-go

test:
	mvn -B verify

clean:
	rm -rf $(CRATE)/target $(KV_CRATE)/target target library/target tck/target cli/target kv/target bench/target it/target

# --- bench/: the native peers (FFM, JNI), their conformance tests, and the benchmark suite --------
# Needs JDK 25 (JAVA25, found above or given: make bench JAVA25=/path/to/jdk-25), a C compiler,
# Go with cgo for the seed's program and hyperfine for whole processes (both installed from Debian
# when run as root on Debian).
#
#   make bench-build      native libs, the JNI library, benchmarks.jar and the CLI's jar (the reactor on JDK 25)
#   make bench-test       the whole reactor's tests on JDK 25, bench/ included: the conformance
#                         suite on FFM, JNI, GraalWasm and the routes (no timings; for CI)
#   make bench            the suite (paired.md, .json, .png) into $(BENCH_RESULTS): randomized,
#                         interleaved rounds of JMH forks, cold starts, the Go program and whole
#                         processes timed by hyperfine, driven from Java
#   make bench QUICK=1    a smoke run into bench/target/smoke, never into bench/results
#                         ROUNDS=7 for more rounds; JAVA17=... for T5 and T7 on 17; ONLY=T7 for some comparisons
#   make bench-go-build   the seed's Go+cgo program, linked to libperson.so and to libperson.a (T6 runs them)

.PHONY: bench-natives bench-test bench-go-build go-toolchain hyperfine-tool

BENCH_JAR := bench/target/benchmarks.jar
JNI_SO := bench/target/native/libperson_jni.so
# T6's Go program (its two links) and T7's CLI, members of the suite's rounds.
GO_BUILD := bench/go/build
CLI_JAR := cli/target/person-wasm-cli.jar
BENCH_RESULTS ?= bench/results
# The JDK 17 the suite forks for T5 (JDK 17 against JDK 25) and T7 on 17; without one both are left out.
JAVA17 ?= $(firstword $(wildcard /usr/lib/jvm/java-17-openjdk-*) $(wildcard /usr/lib/jvm/*-17-*))
ROUNDS ?=
ONLY ?=
# Maven's own libraries call sun.misc.Unsafe, which JDK 25 warns about on every build.
BENCH_MVN = JAVA_HOME=$(JAVA25) MAVEN_OPTS="$(MAVEN_OPTS) --sun-misc-unsafe-memory-access=allow" mvn -B
BENCH_JAVA = $(JAVA25)/bin/java
# The suite passes these properties on to its forks: the native libraries and the routes' servers.
# Relative paths: JMH runs its forks in this directory.
BENCH_JVM_ARGS = --enable-native-access=ALL-UNNAMED \
  -Dperson.native.library=$(NATIVE_DIR)/libperson.so -Dperson.jni.library=$(JNI_SO) \
  -Dperson.service.binary=bench/routes/person-service/target/release/person-service \
  -Dperson.shm.binary=bench/routes/person-shm/target/release/person-shm
# GraalWasm's forks get these too (they would slow the others): JVMCI and the Graal compiler.
GRAAL_JVM_ARGS := -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI \
  --upgrade-module-path=bench/target/graal-modules --sun-misc-unsafe-memory-access=allow

ifdef QUICK
# A smoke run: short forks, and a folder of its own, so that it never replaces real results.
BENCH_OUT := bench/target/smoke
BENCH_MODE := --quick
PAIRED_LOG := $(BENCH_OUT)/paired-jmh.log
STARTUP_DIR := $(BENCH_OUT)/startup
else ifdef ONLY
# Some comparisons alone, fully measured: a folder of its own too, since the results hold the whole suite.
BENCH_OUT := bench/target/only
BENCH_MODE :=
PAIRED_LOG := $(BENCH_OUT)/paired-jmh.log
STARTUP_DIR := $(BENCH_OUT)/startup
else
BENCH_OUT := $(BENCH_RESULTS)
BENCH_MODE :=
PAIRED_LOG := bench/target/paired-jmh.log
# T7's hello world and start-up caches (tens of MB) stay out of the committed results.
STARTUP_DIR := bench/target/startup
endif

# The seed's static link, for the JVM: Rust's staticlib and the JNI shim in one shared object.
# --exclude-libs keeps Rust's symbols private, so only JNI_OnLoad is exported; the -l list is what
# `rustc --print native-static-libs` asks for on Linux.
$(JNI_SO): bench/src/main/c/person_jni.c $(NATIVE_DIR)/libperson.a
	@[ -n "$(JAVA25)" ] || { echo "No JDK 25 found: make $@ JAVA25=/path/to/jdk-25"; exit 1; }
	@mkdir -p $(dir $@)
	gcc -O2 -fPIC -shared -Wall -Wextra -Wno-unused-parameter -Werror \
	  -I$(JAVA25)/include -I$(JAVA25)/include/linux -o $@ $< $(NATIVE_DIR)/libperson.a \
	  -Wl,--exclude-libs,ALL -Wl,--gc-sections -Wl,-z,defs -s \
	  -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

bench-natives: native
	@$(MAKE) --no-print-directory $(JNI_SO)

bench-build: bench-natives
	@[ -n "$(JAVA25)" ] || { echo "No JDK 25 found: make $@ JAVA25=/path/to/jdk-25"; exit 1; }
	$(BENCH_MVN) package -DskipTests -pl bench,cli -am

bench-test: bench-natives routes
	@[ -n "$(JAVA25)" ] || { echo "No JDK 25 found: make $@ JAVA25=/path/to/jdk-25"; exit 1; }
	$(BENCH_MVN) verify -Dbench.natives

# The suite's JVM is only its driver: the option keeps JMH's use of Unsafe quiet on 25.
bench: bench-build routes bench-go-build hyperfine-tool
	@mkdir -p $(BENCH_OUT)
	$(BENCH_JAVA) $(BENCH_JVM_ARGS) --sun-misc-unsafe-memory-access=allow -cp $(BENCH_JAR) \
	  io.github.rustjava.person.bench.Paired $(BENCH_MODE) $(if $(ROUNDS),--rounds $(ROUNDS)) \
	  $(if $(ONLY),--only $(ONLY)) $(if $(JAVA17),--jdk17 $(JAVA17)) --go $(GO_BUILD) --cli-jar $(CLI_JAR) \
	  --hyperfine "$$(command -v hyperfine)" --graal-jvm-args "$(GRAAL_JVM_ARGS)" --startup-dir $(STARTUP_DIR) \
	  --log $(PAIRED_LOG) --out $(BENCH_OUT)

bench-go-build: native go-toolchain
	bench/go/build.sh

hyperfine-tool:
	@if ! command -v hyperfine >/dev/null; then \
	  if [ -f /etc/debian_version ] && [ "$$(id -u)" = 0 ]; then \
	    echo "No hyperfine on the PATH: installing Debian's"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; \
	  else \
	    echo "No hyperfine: whole processes (T7) are left out. Debian/Ubuntu: apt-get install hyperfine"; \
	  fi; \
	fi

go-toolchain:
	@if ! command -v go >/dev/null; then \
	  if [ -f /etc/debian_version ] && [ "$$(id -u)" = 0 ]; then \
	    echo "No Go on the PATH: installing Debian's (golang-go)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null; \
	  else \
	    echo "The seed's Go program needs Go >= 1.19 with cgo:"; \
	    echo "  Debian/Ubuntu: apt-get install golang-go"; \
	    exit 1; \
	  fi; \
	fi
	@echo "go: $$(go version)"

# --- bench/routes/: the out-of-process routes, a Rust HTTP service and a shared-memory server ----
# The same Person logic behind a process boundary, for the benchmarks to compare with the
# in-process routes. Their crates come offline from Debian's librust-*-dev sources
# (bench/routes/.cargo/config.toml points cargo there).
#
#   make routes           build bench/routes/person-service and bench/routes/person-shm
#   make routes-test      their unit tests, then both smoke scripts against the real servers

.PHONY: routes routes-test routes-clean

ROUTES := bench/routes/person-service bench/routes/person-shm
ROUTE_CRATES := librust-tiny-http-dev librust-libc-dev

routes: toolchain
ifneq ($(RUSTC),)
	@if ! ls -d /usr/share/cargo/registry/tiny_http-0.12.* /usr/share/cargo/registry/libc-0.2.* >/dev/null 2>&1; then \
	  if [ -f /etc/debian_version ] && [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian's crate sources: $(ROUTE_CRATES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(ROUTE_CRATES) >/dev/null; \
	  else \
	    echo "The routes build from Debian's crate sources: apt-get install $(ROUTE_CRATES)"; exit 1; \
	  fi; \
	fi
	for r in $(ROUTES); do (cd $$r && RUSTC=$(RUSTC) $(CARGO) build --release --offline) || exit 1; done
	@ls -l $(foreach r,$(ROUTES),$(r)/target/release/$(notdir $(r)))
endif

routes-test: routes
ifneq ($(RUSTC),)
	for r in $(ROUTES); do (cd $$r && RUSTC=$(RUSTC) $(CARGO) test --release --offline) || exit 1; done
	bench/routes/smoke-service.sh
	python3 bench/routes/smoke_shm.py
endif

clean: routes-clean
routes-clean:
	rm -rf $(addsuffix /target,$(ROUTES))

# --- tck/ and runtime/: small modules from WAT ---------------------------------------------------
# Hand-written, each a few lines: for the tests of what the library refuses to load, and for the
# runtime's tests of host functions. Rebuilt by `make wasm` too; the same wat2wasm (Debian: wabt)
# writes the same bytes, and CI checks them.
#
#   make wat              tck/src/main/wat/*.wat into tck/.../tck/bad/*.wasm,
#                         runtime/src/test/wat/*.wat into runtime/src/test/resources/.../runtime/

.PHONY: wat

WAT_DIR := tck/src/main/wat
WAT_OUT_DIR := tck/src/main/resources/io/github/rustjava/person/tck/bad
RUNTIME_WAT_DIR := runtime/src/test/wat
RUNTIME_WAT_OUT_DIR := runtime/src/test/resources/io/github/rustjava/runtime

wat:
	@command -v wat2wasm >/dev/null || { echo "wat2wasm is missing: apt-get install wabt"; exit 1; }
	@mkdir -p $(WAT_OUT_DIR)
	for w in $(WAT_DIR)/*.wat; do wat2wasm -o $(WAT_OUT_DIR)/$$(basename $$w .wat).wasm $$w || exit 1; done
	@ls -l $(WAT_OUT_DIR)
	@mkdir -p $(RUNTIME_WAT_OUT_DIR)
	for w in $(RUNTIME_WAT_DIR)/*.wat; do wat2wasm -o $(RUNTIME_WAT_OUT_DIR)/$$(basename $$w .wat).wasm $$w || exit 1; done
