package io.github.rustjava.person.internal;

/**
 * One loaded copy of the Rust library: its C ABI as raw calls, and its memory as bytes.
 * Addresses are {@code long} so that wasm32 (linear-memory offsets) and native (real pointers)
 * backends share one signature.
 *
 * <p>Implementations are not thread-safe; {@link ManagedPersonApi} serialises all calls. They do no
 * validation and no marshalling: that is written once, in {@link Marshalling} and {@link ManagedPersonApi}.
 */
public interface Guest extends AutoCloseable {

    /** The layout constants this backend's target must have. */
    Ffi.Layout expectedLayout();

    // --- the C ABI of rust-wasm/src/ffi.rs, one method per export ---

    long createPerson(long name, int age); // Person *create_person(const char *name, int32_t age)

    long getPersonDetails(long person); // Person *get_person_details(Person *person)

    void freePerson(long person); // void free_person(Person *person)

    long getErrorMessage(); // Error *get_error_message(void)

    void freeError(long error); // void free_error(Error *error)

    long alloc(long len); // uint8_t *alloc(size_t len)

    void dealloc(long ptr, long len); // void dealloc(uint8_t *ptr, size_t len)

    int lastStatus(); // int32_t last_status(void)

    long liveAllocations(); // uint64_t live_allocations(void)

    int abiLayout(int query); // int32_t abi_layout(int32_t query)

    // --- memory ---

    void write(long address, byte[] bytes, int length);

    void writeByte(long address, byte value);

    byte[] read(long address, int length);

    int readInt(long address);

    /** Reads a pointer of this target's size. */
    long readPointer(long address);

    /** Length of the NUL-terminated string at {@code address}, not counting the NUL. */
    int strlen(long address);

    /**
     * A native {@code strlen} result as a Java array length. Native strings have no size limit of
     * their own, so a guest whose strlen returns a {@code size_t} checks it here.
     *
     * @throws IllegalStateException if no Java array can hold the string
     */
    static int arrayLength(long strlen, long address) {
        if (strlen > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("C string at 0x" + Long.toHexString(address)
                    + " is " + strlen + " bytes, too long for a Java array");
        }
        return (int) strlen;
    }

    /** The NUL-terminated UTF-8 string at {@code address}. Guests may read it in fewer steps. */
    default String readCString(long address) {
        return new String(read(address, strlen(address)), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Bytes of memory the guest may use at most; native guests have no cap of their own. */
    default long memoryLimit() {
        return Long.MAX_VALUE;
    }

    /** Bytes of memory the guest has grown to, or -1 where there is no such thing (native). */
    default long memorySize() {
        return -1;
    }

    // --- faults ---

    /**
     * The last panic's message as Rust's panic hook recorded it, or "" if none. Must work after a
     * trap without calling into the trapped instance.
     */
    String panicMessage();

    /**
     * The exception for a trapped Wasm guest, shared by the Wasm runtimes: Rust's panic message
     * when its hook recorded one before the abort, else the trap itself.
     */
    static io.github.rustjava.person.RustPanicException trapped(String panicMessage, RuntimeException trap) {
        String message = panicMessage.isEmpty()
                ? "the Wasm module trapped: " + trap.getMessage()
                : "Rust panicked: " + panicMessage;
        return new io.github.rustjava.person.RustPanicException(message, trap);
    }

    /**
     * Translates a runtime failure from a call into this guest into the exception to throw, or
     * returns null if {@code failure} is not a fault of the guest (then it is rethrown as is). A
     * guest that returns non-null is broken and is replaced before its next use.
     */
    RuntimeException fault(RuntimeException failure);

    /** Releases the guest. Idempotent. */
    @Override
    void close();
}
