package io.github.rustjava.person;

import io.github.rustjava.person.internal.ChicoryGuest;
import io.github.rustjava.person.internal.GuestPersonApi;
import io.github.rustjava.person.internal.PooledPersonApi;
import java.util.Objects;
import java.util.Optional;

/**
 * The seed's Person API, implemented in Rust and called from Java.
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
 * <p><b>Faults.</b> A Rust panic, or a trap in the module, throws {@link RustPanicException}.
 * The broken instance is discarded and replaced by a fresh one on the next call; handles that
 * lived in it throw {@link IllegalStateException}. When the module has no memory left for a
 * person, the call throws {@link IllegalStateException} instead and the instance carries on.
 *
 * <p><b>Closing.</b> {@link #close()} frees the instance and invalidates every handle it made.
 * A handle that is never closed is freed by a {@link java.lang.ref.Cleaner} once it is garbage
 * collected, with a warning: that is a safety net, not a way to manage memory.
 */
public interface PersonApi extends AutoCloseable {

    /** The Wasm build run by the fastest engine, {@link Engine#BUILD_TIME_COMPILER}. */
    static PersonApi wasm() {
        return wasm(Engine.BUILD_TIME_COMPILER);
    }

    /** The Wasm build run by the given Chicory engine. */
    static PersonApi wasm(Engine engine) {
        return builder().engine(engine).build();
    }

    /** Options for the Wasm build: engine, memory cap, and a pool of instances. */
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

        private Builder() {}

        /** How Chicory runs the module; default {@link Engine#BUILD_TIME_COMPILER}. */
        public Builder engine(Engine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
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
         * Starts the instances.
         *
         * @throws IllegalArgumentException if the memory cap is out of range
         */
        public PersonApi build() {
            Engine e = engine;
            int pages = (int) Math.min(Integer.MAX_VALUE, Math.max(0, maxMemoryBytes / 65536));
            if (instances == 1) {
                return GuestPersonApi.open(() -> ChicoryGuest.load(e, pages));
            }
            return new PooledPersonApi(instances, () -> GuestPersonApi.open(() -> ChicoryGuest.load(e, pages)));
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
     * Rust heap blocks held for the caller's live handles: 0 when it holds none. The library's
     * own buffers are not counted, so the value is a leak check a test can assert on. A Wasm api
     * counts its own instance (or instances); a native library has one counter per process, shared
     * by every api over it.
     */
    long liveAllocations();

    /** Frees the instance and every handle still open. Idempotent; throws nothing. */
    @Override
    void close();
}
