package io.github.rustjava.person.internal;

/**
 * The Person crate's exports as wasm32 sees them (pointers are {@code int}), called either through
 * the runtime's exported functions or straight into the build-time compiled code.
 */
interface WasmExports {

    int createPerson(int name, int age);

    int getPersonDetails(int person);

    void freePerson(int person);

    int getErrorMessage();

    void freeError(int error);

    // The boundary crate's exports that Person's calls make: the argument's block, a refusal's
    // status, and the leak count.

    int alloc(int len);

    void dealloc(int ptr, int len);

    int lastStatus();

    long liveAllocations();
}
