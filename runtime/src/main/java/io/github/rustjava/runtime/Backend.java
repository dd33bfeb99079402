package io.github.rustjava.runtime;

/**
 * One running copy of a binding's guest, as {@link ManagedApi} drives it: a Wasm instance with its
 * marshalling, or a native library, or a route to another process. The binding's own interface
 * extends this one with its functions.
 */
public interface Backend extends AutoCloseable {

    /** Why the last call failed: the boundary crate's {@code last_status()}. */
    int lastStatus();

    /** Blocks the guest's allocator holds for the caller (the marshalling's own not counted). */
    long liveAllocations();

    /** Bytes the guest's memory has grown to, or -1 where there is no such thing. */
    default long memorySize() {
        return -1;
    }

    /** What the panic hook wrote before the last trap, or "". */
    String panicMessage();

    /**
     * The exception for {@code failure} of a call, if it is a fault of the guest (a trap, an
     * interrupt inside it, a result no correct build returns): then the api calls this backend no
     * more. Null for anything else, which leaves it serving.
     */
    RuntimeException fault(RuntimeException failure);

    /** Whether the memory can still be read after a fault: a Wasm instance's can, a crashed process's cannot. */
    default boolean readableAfterFault() {
        return false;
    }

    /**
     * The api will make no more calls into this backend: only reads, then {@link #close}, which
     * must not call into it either.
     */
    default void abandon() {}

    @Override
    void close();
}
