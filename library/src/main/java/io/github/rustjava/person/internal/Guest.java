package io.github.rustjava.person.internal;

import io.github.rustjava.person.RustPanicException;
import io.github.rustjava.runtime.Faults;
import io.github.rustjava.runtime.GuestMemory;

/**
 * The Person crate's C ABI, one method per export of {@code rust-wasm/src/ffi.rs} and of the
 * boundary crate, over any guest: a Wasm instance, or the native library through FFM or JNI.
 * Addresses are the guest's pointers as unsigned values in a {@code long}.
 */
public interface Guest extends GuestMemory, AutoCloseable {

    /** The struct layout this guest's target must report. */
    Ffi.Layout expectedLayout();

    // --- the C ABI of rust-wasm/src/ffi.rs, one method per export ---

    long createPerson(long name, int age); // Person *create_person(const char *name, int32_t age)

    long getPersonDetails(long person); // Person *get_person_details(Person *person)

    void freePerson(long person); // void free_person(Person *person)

    long getErrorMessage(); // Error *get_error_message(void)

    void freeError(long error); // void free_error(Error *error)

    // --- the boundary crate's ---

    int lastStatus(); // int32_t last_status(void)

    long liveAllocations(); // uint64_t live_allocations(void)

    int abiLayout(int query); // int32_t abi_layout(int32_t query)

    /** {@link GuestMemory#arrayLength}. */
    static int arrayLength(long strlen, long address) {
        return GuestMemory.arrayLength(strlen, address);
    }

    // --- faults ---

    /** What the panic hook wrote before the last trap, or "": never throws. */
    String panicMessage();

    /** A trap as the exception the api throws, with Rust's panic message when there is one. */
    static RustPanicException trapped(String panicMessage, RuntimeException trap) {
        return new RustPanicException(Faults.trapMessage(panicMessage, trap), trap);
    }

    /** The exception for a fault of this guest, or null if {@code failure} is not one. */
    RuntimeException fault(RuntimeException failure);

    @Override
    void close();
}
