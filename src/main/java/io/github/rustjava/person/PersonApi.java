package io.github.rustjava.person;

import io.github.rustjava.person.internal.ChicoryGuest;
import io.github.rustjava.person.internal.GuestPersonApi;
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
        java.util.Objects.requireNonNull(engine, "engine");
        return GuestPersonApi.open(() -> ChicoryGuest.load(engine));
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
     * own buffers are not counted, so the value is a leak check a test can assert on.
     */
    long liveAllocations();

    /** Frees the instance and every handle still open. Idempotent; throws nothing. */
    @Override
    void close();
}
