package io.github.rustjava.person.internal;

import io.github.rustjava.person.RustError;

/**
 * One running copy of the Rust Person library, at the level of whole operations. {@link
 * ManagedPersonApi} adds everything a user relies on (input checks, handles, locking, exceptions);
 * a backend only carries the calls across.
 *
 * <p>In-process backends (each Chicory engine, FFM, JNI) implement the raw {@link Guest} instead
 * and share {@link Marshalling}'s memory marshalling. Out-of-process routes (a Rust service, a
 * shared-memory channel) implement this interface with their own wire format.
 *
 * <p>Implementations are not thread-safe; {@link ManagedPersonApi} serialises all calls. A person
 * is named by an opaque non-zero {@code long}.
 */
public interface Operations extends AutoCloseable {

    /** Rust's {@code create_person} on a valid UTF-8 name (no NUL); 0 on failure, see {@link #lastStatus()}. */
    long createPerson(byte[] utf8, int age);

    /**
     * {@link #createPerson(byte[], int)} for a name given as consecutive UTF-8 chunks of
     * {@code length} bytes in all. A backend that copies the name in steps checks between any two
     * whether the call was stopped ({@link Stop}); this default joins the chunks and copies once.
     */
    default long createPerson(byte[][] chunks, long length, int age) {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a name of " + length + " UTF-8 bytes is too large for one array");
        }
        byte[] utf8 = new byte[(int) length];
        int at = 0;
        for (byte[] chunk : chunks) {
            System.arraycopy(chunk, 0, utf8, at, chunk.length);
            at += chunk.length;
        }
        return createPerson(utf8, age);
    }

    /** Rust's {@code get_person_details}; 0 on failure, see {@link #lastStatus()}. */
    long getPersonDetails(long person);

    /** Rust's {@code free_person}. */
    void freePerson(long person);

    String name(long person);

    int age(long person);

    /** Rust's {@code get_error_message}, read and freed with {@code free_error}. */
    RustError errorMessage();

    /** Why the last call returned 0: one of the {@link Ffi} status codes. */
    int lastStatus();

    /** Rust heap blocks held for live persons, not counting the backend's own buffers. */
    long liveAllocations();

    /** The largest name, in UTF-8 bytes, this backend can take without running out of memory. */
    long maxNameBytes();

    /** Bytes of memory the backend's instance has grown to, or -1 where there is no such thing. */
    default long memorySize() {
        return -1;
    }

    /** The last panic's message and location as Rust recorded them, or "". */
    String panicMessage();

    /**
     * Translates a failure thrown by a call into this backend into the exception to throw, or
     * returns null if it is not a fault of the backend. A backend that returns non-null is broken:
     * it is replaced, and its persons are moved out of it if {@link #readableAfterFault()}.
     */
    RuntimeException fault(RuntimeException failure);

    /**
     * Whether {@link #name} and {@link #age} still work after a fault, without running any of the
     * broken backend's code: true for a Wasm instance, whose memory is a Java array.
     */
    default boolean readableAfterFault() {
        return false;
    }

    /** Releases the backend; after a fault, without calling into the broken guest. Idempotent. */
    @Override
    void close();
}
