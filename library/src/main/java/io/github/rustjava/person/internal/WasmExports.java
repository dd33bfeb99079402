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
}
