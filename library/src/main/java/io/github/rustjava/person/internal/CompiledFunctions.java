package io.github.rustjava.person.internal;

import io.github.rustjava.runtime.Boundary;
import io.github.rustjava.runtime.Export;
import io.github.rustjava.runtime.WasmInstance;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;

/**
 * Direct calls into the build-time compiled shipped module ({@link
 * io.github.rustjava.runtime.Binding#direct}): constant method handles, which the JIT inlines like
 * any Java call, instead of the runtime's generic entry point. The exports Person's calls make,
 * the boundary crate's among them; the rest go through the runtime.
 */
final class CompiledFunctions implements WasmExports {

    // The handles are static final, so the JIT treats them as constants and inlines the targets.
    private static final MethodHandle CREATE_PERSON = find(Ffi.Export.CREATE_PERSON, int.class, int.class, int.class);
    private static final MethodHandle GET_PERSON_DETAILS = find(Ffi.Export.GET_PERSON_DETAILS, int.class, int.class);
    private static final MethodHandle FREE_PERSON = find(Ffi.Export.FREE_PERSON, void.class, int.class);
    private static final MethodHandle GET_ERROR_MESSAGE = find(Ffi.Export.GET_ERROR_MESSAGE, int.class);
    private static final MethodHandle FREE_ERROR = find(Ffi.Export.FREE_ERROR, void.class, int.class);
    private static final MethodHandle ALLOC = find(Boundary.ALLOC, int.class, int.class);
    private static final MethodHandle DEALLOC = find(Boundary.DEALLOC, void.class, int.class, int.class);
    private static final MethodHandle LAST_STATUS = find(Boundary.LAST_STATUS, int.class);
    private static final MethodHandle LIVE_ALLOCATIONS = find(Boundary.LIVE_ALLOCATIONS, long.class);

    /** Whether every export was found: otherwise the exported functions serve all calls. */
    static final boolean AVAILABLE = CREATE_PERSON != null && GET_PERSON_DETAILS != null && FREE_PERSON != null
            && GET_ERROR_MESSAGE != null && FREE_ERROR != null && ALLOC != null && DEALLOC != null && LAST_STATUS != null
            && LIVE_ALLOCATIONS != null;

    private final WasmInstance instance;

    /** Calls on {@code instance}, which must run the build-time compiled shipped module; check {@link #AVAILABLE} first. */
    CompiledFunctions(WasmInstance instance) {
        this.instance = instance;
    }

    private static MethodHandle find(Ffi.Export export, Class<?> result, Class<?>... params) {
        return Ffi.BINDING.direct(export.symbol, MethodType.methodType(result, params));
    }

    private static MethodHandle find(Export export, Class<?> result, Class<?>... params) {
        return Ffi.BINDING.direct(export.name(), MethodType.methodType(result, params));
    }

    // invokeExact needs the exact static type at each call site, so every call is written out; a
    // shared helper taking Object... would box the arguments and defeat the inlining.

    @Override
    public int createPerson(int name, int age) {
        try {
            return (int) CREATE_PERSON.invokeExact(name, age, instance);
        } catch (Throwable t) {
            throw WasmInstance.rethrow(t);
        }
    }

    @Override
    public int getPersonDetails(int person) {
        try {
            return (int) GET_PERSON_DETAILS.invokeExact(person, instance);
        } catch (Throwable t) {
            throw WasmInstance.rethrow(t);
        }
    }

    @Override
    public void freePerson(int person) {
        try {
            FREE_PERSON.invokeExact(person, instance);
        } catch (Throwable t) {
            throw WasmInstance.rethrow(t);
        }
    }

    @Override
    public int getErrorMessage() {
        try {
            return (int) GET_ERROR_MESSAGE.invokeExact(instance);
        } catch (Throwable t) {
            throw WasmInstance.rethrow(t);
        }
    }

    @Override
    public void freeError(int error) {
        try {
            FREE_ERROR.invokeExact(error, instance);
        } catch (Throwable t) {
            throw WasmInstance.rethrow(t);
        }
    }

    @Override
    public int alloc(int len) {
        try {
            return (int) ALLOC.invokeExact(len, instance);
        } catch (Throwable t) {
            throw WasmInstance.rethrow(t);
        }
    }

    @Override
    public void dealloc(int ptr, int len) {
        try {
            DEALLOC.invokeExact(ptr, len, instance);
        } catch (Throwable t) {
            throw WasmInstance.rethrow(t);
        }
    }

    @Override
    public int lastStatus() {
        try {
            return (int) LAST_STATUS.invokeExact(instance);
        } catch (Throwable t) {
            throw WasmInstance.rethrow(t);
        }
    }

    @Override
    public long liveAllocations() {
        try {
            return (long) LIVE_ALLOCATIONS.invokeExact(instance);
        } catch (Throwable t) {
            throw WasmInstance.rethrow(t);
        }
    }
}
