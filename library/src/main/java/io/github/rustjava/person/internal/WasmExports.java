package io.github.rustjava.person.internal;

/**
 * The module's exports as typed Java calls, on wasm32: every pointer and {@code size_t} is an
 * {@code int}. One method per {@link Ffi.Export}, in its order. Two implementations: {@link
 * ChicoryGuest}'s, through the runtime's exported functions (any engine, any module), and {@link
 * CompiledFunctions}, straight into the build-time compiled shipped module.
 */
interface WasmExports {

    int createPerson(int name, int age);

    int getPersonDetails(int person);

    void freePerson(int person);

    int getErrorMessage();

    void freeError(int error);

    int alloc(int len);

    void dealloc(int ptr, int len);

    int lastStatus();

    long liveAllocations();

    int abiLayout(int query);

    int panicMessage();
}
