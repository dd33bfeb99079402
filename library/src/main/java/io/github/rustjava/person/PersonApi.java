package io.github.rustjava.person;

import io.github.rustjava.person.internal.ChicoryGuest;
import io.github.rustjava.person.internal.Ffi;
import io.github.rustjava.person.internal.ManagedPersonApi;
import io.github.rustjava.person.internal.Operations;
import io.github.rustjava.person.internal.PooledPersonApi;
import io.github.rustjava.runtime.Binding;
import io.github.rustjava.runtime.ManagedApi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Rust Person API, implemented in Rust and called from Java.
 *
 * <p>{@link #wasm()} runs the Rust code as WebAssembly inside the JVM: no native library, the
 * same jar on every platform. Every Rust object is created and freed by Rust; Java holds it
 * through a {@link PersonHandle} and frees it with {@link PersonHandle#close()}.
 *
 * <pre>{@code
 * try (PersonApi api = PersonApi.wasm();
 *      PersonHandle alice = api.createPerson("Alice", 30)) {
 *     api.personDetails(alice).ifPresent(older -> {
 *         try (older) {
 *             System.out.println(older.name() + " " + older.age()); // Alice 31
 *         }
 *     });
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> An api may be shared between threads: every call, including a handle's
 * {@code name()} and {@code age()}, holds one lock for its duration, so calls on one api run one
 * at a time. A Wasm instance is single-threaded, and a lock is the simplest correct guard for it.
 * For calls in parallel, {@link Builder#instances(int)} makes a pool of instances: each thread
 * works on one of them, and each handle stays pinned to the instance that owns its memory.
 *
 * <p><b>Interrupts.</b> An interrupt that is pending when a call starts does not affect it: the
 * call runs, and the flag is still set afterwards. An interrupt that arrives while a call runs
 * (inside Wasm, copying a long name, waiting for forgotten handles) stops that call with
 * {@link CallInterruptedException}, and the flag stays set, also when the call's timeout passes
 * in the same call. Either way the api and every handle carry on.
 *
 * <p><b>Threads of the library.</b> A call timeout's watchdog and the recovery after a fault run
 * on daemon threads of the library's own, with no context class loader; they end after 2 s with
 * nothing to do, so a dropped class loader of the library can be collected.
 *
 * <p><b>Faults.</b> A Rust panic, or a trap in the module, throws {@link RustPanicException}.
 * The failed call is lost; the api replaces the broken instance with a fresh one and moves every
 * live person into it, so other handles carry on. When the module has no memory left for a
 * person, the call throws {@link IllegalStateException} after giving forgotten handles a chance to
 * be reclaimed.
 *
 * <p><b>Closing.</b> {@link #close()} frees the instance and invalidates every handle it made.
 * A handle that is never closed is freed by the api once the garbage collector finds it
 * unreachable, on one of the api's later calls, and counted in {@link #leakedHandles()}: that is a
 * safety net, not a way to manage memory.
 */
public interface PersonApi extends AutoCloseable {

    /** The Wasm build run by the fastest engine, {@link Engine#BUILD_TIME_COMPILER}. */
    static PersonApi wasm() {
        return wasm(Engine.BUILD_TIME_COMPILER);
    }

    /** The Wasm build run by the given engine. */
    static PersonApi wasm(Engine engine) {
        return builder().engine(engine).build();
    }

    /** Options for the Wasm build: engine, module, memory cap, timeouts and a pool of instances. */
    static Builder builder() {
        return new Builder();
    }

    /** Options for {@link PersonApi#wasm()}. Not thread-safe; {@link #build()} may be called again. */
    final class Builder {
        /** The default memory cap of each instance: 512 MiB. */
        public static final long DEFAULT_MAX_MEMORY_BYTES = (long) ChicoryGuest.DEFAULT_MAX_PAGES * 65536;

        private Engine engine = Engine.BUILD_TIME_COMPILER;
        private long maxMemoryBytes = DEFAULT_MAX_MEMORY_BYTES;
        private int instances = 1;
        private Path modulePath;
        private byte[] moduleBytes;
        private Duration callTimeout;
        private boolean recordHandleOrigins = Boolean.getBoolean("io.github.rustjava.person.recordHandleOrigins");

        private Builder() {}

        /** How the runtime runs the module; default {@link Engine#BUILD_TIME_COMPILER}. */
        public Builder engine(Engine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /**
         * Runs the person module in {@code wasm} instead of the one in this library. It is read
         * and checked by {@link #build()}. Needs {@link Engine#INTERPRETER} or
         * {@link Engine#RUNTIME_COMPILER}. The module is untrusted: see {@link #module(byte[])}.
         */
        public Builder module(Path wasm) {
            this.modulePath = Objects.requireNonNull(wasm, "wasm");
            this.moduleBytes = null;
            return this;
        }

        /**
         * Runs the person module {@code wasm} (copied) instead of the one in this library. Needs
         * {@link Engine#INTERPRETER} or {@link Engine#RUNTIME_COMPILER}.
         *
         * <p>{@link #build()} checks it before any of its code runs: a WebAssembly binary that
         * exports every function the library calls with its exact type and its memory, needs no
         * imports, has no start function, and declares no more than an instance may allocate
         * (tables of 65 536 entries in all at their maximum sizes, 10 000 globals, 10 000
         * element segments of 65 536 entries in all, 10 000 data segments, 10 000 locals per
         * function, one memory); then, in a first instance, its ABI version and struct layouts,
         * within the start bound (see {@link #callTimeout}). Whatever the module later returns is
         * checked before Java reads it, so a misbehaving module costs an exception, never the
         * JVM's health; {@link #callTimeout} bounds a module that never returns.
         */
        public Builder module(byte[] wasm) {
            this.moduleBytes = Objects.requireNonNull(wasm, "wasm").clone();
            this.modulePath = null;
            return this;
        }

        /**
         * The longest a call may run; a call running longer is stopped and throws
         * {@link CallTimeoutException}, and the api carries on. Default: none.
         *
         * <p>Every call, on every engine and with any module, ends within {@code d} plus 50 ms,
         * not counting pauses of the JVM's garbage collector: running the module, and the Java
         * side too (encoding and copying a long name, waiting for forgotten handles). An interrupt
         * from outside that arrives during a call stays set when it ends.
         *
         * <p>Starting an instance ({@link #build()}, {@link PersonApi#reload}) is not a call: it
         * is bounded by 10 s, or by {@code d} if that is longer, with or without a call timeout.
         *
         * <p>Each call costs a little more (a timer is armed and disarmed); on
         * {@link Engine#INTERPRETER}, the module this library ships also gets the check at every
         * {@code br_if} and {@code br_table} that modules from outside the jar always get, since
         * the interpreter does not stop such loops by itself. A duration too long to count in
         * nanoseconds (about 292 years) counts as that long.
         */
        public Builder callTimeout(Duration d) {
            Objects.requireNonNull(d, "d");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("the call timeout must be positive, got " + d);
            }
            this.callTimeout = d;
            return this;
        }

        /**
         * Whether each handle records where it was made, so that the warning about a handle that
         * was never closed names that place. Costs a stack trace per handle: for finding leaks,
         * not for production. Default: the system property
         * {@code io.github.rustjava.person.recordHandleOrigins}, else false.
         */
        public Builder recordHandleOrigins(boolean record) {
            this.recordHandleOrigins = record;
            return this;
        }

        /**
         * The most linear memory one instance may grow to, rounded down to 64 KiB pages; default
         * {@link #DEFAULT_MAX_MEMORY_BYTES}. Names larger than a quarter of it are refused before
         * they are copied. Must be at least what the module needs to start (about 1 MiB) and at
         * most 2 GiB; checked by {@link #build()}.
         */
        public Builder maxMemoryBytes(long bytes) {
            this.maxMemoryBytes = bytes;
            return this;
        }

        /**
         * How many Wasm instances serve calls in parallel; default 1. Each thread uses one instance,
         * and a handle stays with the instance that made it.
         */
        public Builder instances(int instances) {
            if (instances < 1) {
                throw new IllegalArgumentException("instances must be at least 1, got " + instances);
            }
            this.instances = instances;
            return this;
        }

        /**
         * Loads and starts the instances.
         *
         * @throws IllegalArgumentException if the memory cap is out of range, or the module fails
         *     a check or fails to start (a trap, or no answer within the start bound); the message
         *     names the first problem. Also if a module is given with
         *     {@link Engine#BUILD_TIME_COMPILER}
         * @throws IllegalStateException if {@link Engine#RUNTIME_COMPILER} is chosen and the
         *     optional dependency {@code com.dylibso.chicory:compiler} is missing, on every attempt
         * @throws UncheckedIOException if the module's file cannot be read
         */
        public PersonApi build() {
            Engine e = engine;
            int pages = (int) Math.min(Integer.MAX_VALUE, Math.max(0, maxMemoryBytes / 65536));
            byte[] wasm = modulePath != null ? read(modulePath) : moduleBytes;
            io.github.rustjava.runtime.Engine runtimeEngine = ChicoryGuest.engine(e);
            Binding.Loader loader = wasm == null
                    ? Ffi.BINDING.shipped(runtimeEngine, pages, callTimeout != null)
                    : Ffi.BINDING.untrusted(wasm, runtimeEngine, pages);
            Function<byte[], Supplier<Operations>> modules =
                    bytes -> ChicoryGuest.operations(Ffi.BINDING.untrusted(bytes, runtimeEngine, pages));
            ManagedApi.Settings settings = ManagedPersonApi.settings(
                    callTimeout == null ? 0 : nanos(callTimeout), recordHandleOrigins, modules);
            Supplier<Operations> instances = ChicoryGuest.operations(loader);
            if (this.instances == 1) {
                return ManagedPersonApi.open(instances, settings);
            }
            return new PooledPersonApi(this.instances, () -> ManagedPersonApi.open(instances, settings));
        }

        /** {@code d} in nanoseconds; a duration too long to count so (about 292 years) counts as that long. */
        private static long nanos(Duration d) {
            try {
                return d.toNanos();
            } catch (ArithmeticException tooLong) {
                return Long.MAX_VALUE;
            }
        }

        private static byte[] read(Path wasm) {
            try {
                return Files.readAllBytes(wasm);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the module " + wasm, e);
            }
        }
    }

    /**
     * Rust's {@code create_person(name, age)}: a new person, owned by the returned handle.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} contains U+0000 (a C string cannot hold it)
     *     or an unpaired surrogate (it has no UTF-8 form), or is too large for the module's memory
     */
    PersonHandle createPerson(String name, int age);

    /**
     * Rust's {@code get_person_details(person)}: a deep copy one year older, owned by the returned
     * handle; empty when the person is under 18 (the seed's rule).
     *
     * @throws ArithmeticException if the age is {@link Integer#MAX_VALUE}: Rust refuses to wrap
     * @throws IllegalArgumentException if {@code person} was made by another api
     * @throws IllegalStateException if {@code person} or this api is closed
     */
    Optional<PersonHandle> personDetails(PersonHandle person);

    /** Rust's {@code get_error_message()}, read and then freed with Rust's {@code free_error}. */
    RustError errorMessage();

    /**
     * A confined scope on this api's instance (with a pool, the calling thread's instance), for
     * bulk work on the calling thread: no lock per call, and every person made in it is freed when
     * it closes. See {@link PersonScope} for its rules.
     */
    PersonScope openScope();

    /**
     * Rust heap blocks held for the caller's live handles: 0 when it holds none. The library's
     * own buffers are not counted, so the value is a leak check a test can assert on. A Wasm api
     * counts its own instance (or instances), including those of a module replaced by
     * {@link #reload} that still own persons; a native library has one counter per process,
     * shared by every api over it.
     */
    long liveAllocations();

    /**
     * Handles this api freed because the caller never closed them: each one is a leak in the
     * calling code. The api frees such a handle's person on one of its own calls after the
     * garbage collector finds the handle unreachable.
     */
    long leakedHandles();

    /**
     * Later calls use the person module in {@code wasm}, checked as {@link Builder#module(byte[])}
     * describes. Handles made by the old module stay valid until they are closed, and the old
     * instance is released with its last handle. With {@link Builder#instances(int)}, each
     * instance of the pool is replaced in turn.
     *
     * @throws IllegalArgumentException if the module fails a check or fails to start, as
     *     {@link Builder#build()} says, or the api runs on {@link Engine#BUILD_TIME_COMPILER},
     *     which knows only the bundled module; the api keeps the old module
     * @throws UncheckedIOException if the file cannot be read
     * @throws UnsupportedOperationException if this api does not run Wasm modules it can replace
     */
    void reload(Path wasm);

    /** Frees the instance and every handle still open. Idempotent; throws nothing. */
    @Override
    void close();
}
