package io.github.rustjava.person.internal;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Direct calls into the build-time compiled shipped module: the one place that relies on how the
 * runtime's compiler names what it generates.
 *
 * <p>Why: the runtime's exported functions take a {@code long[]} of arguments, return another,
 * and dispatch through a switch over every function of the module, too large for the JIT to
 * inline. The build-time compiler also emits each Wasm function {@code i} as a public static
 * method {@code func_i} of {@code PersonModuleMachineFuncGroup_<g>}, taking the Wasm arguments,
 * the memory and the instance. Constant method handles to those inline like any Java call, which
 * roughly halves the cost of a short call. Generating such entry points is an open request to the
 * runtime (dylibso/chicory#964); its maintainers avoid method handles in the runtime itself for
 * Android and native-image (dylibso/chicory#1062), which does not apply to this library's use.
 *
 * <p>If a compiler version names or types these methods otherwise, {@link #AVAILABLE} is false and
 * every engine goes through the exported functions instead: correct, only slower. Nothing fails at
 * run time; {@code DirectCallsTest} fails the build so the change is noticed.
 */
final class CompiledFunctions implements WasmExports {

    /** The shipped module's export section, read once: only the function indices are needed. */
    private static final ExportSection EXPORTS = ChicoryGuest.ShippedMeta.MODULE.exportSection();

    // The handles are static final, so the JIT treats them as constants and inlines the targets.
    private static final MethodHandle CREATE_PERSON = find(Ffi.Export.CREATE_PERSON, int.class, int.class, int.class);
    private static final MethodHandle GET_PERSON_DETAILS = find(Ffi.Export.GET_PERSON_DETAILS, int.class, int.class);
    private static final MethodHandle FREE_PERSON = find(Ffi.Export.FREE_PERSON, void.class, int.class);
    private static final MethodHandle GET_ERROR_MESSAGE = find(Ffi.Export.GET_ERROR_MESSAGE, int.class);
    private static final MethodHandle FREE_ERROR = find(Ffi.Export.FREE_ERROR, void.class, int.class);
    private static final MethodHandle ALLOC = find(Ffi.Export.ALLOC, int.class, int.class);
    private static final MethodHandle DEALLOC = find(Ffi.Export.DEALLOC, void.class, int.class, int.class);
    private static final MethodHandle LAST_STATUS = find(Ffi.Export.LAST_STATUS, int.class);
    private static final MethodHandle LIVE_ALLOCATIONS = find(Ffi.Export.LIVE_ALLOCATIONS, long.class);
    private static final MethodHandle ABI_LAYOUT = find(Ffi.Export.ABI_LAYOUT, int.class, int.class);
    private static final MethodHandle PANIC_MESSAGE = find(Ffi.Export.PANIC_MESSAGE, int.class);

    /** Whether every export was found: otherwise the exported functions serve all calls. */
    static final boolean AVAILABLE = CREATE_PERSON != null && GET_PERSON_DETAILS != null && FREE_PERSON != null
            && GET_ERROR_MESSAGE != null && FREE_ERROR != null && ALLOC != null && DEALLOC != null
            && LAST_STATUS != null && LIVE_ALLOCATIONS != null && ABI_LAYOUT != null && PANIC_MESSAGE != null;

    private final Memory memory;
    private final Instance instance;

    /** Calls on {@code instance}, which must run the build-time compiled shipped module; check {@link #AVAILABLE} first. */
    CompiledFunctions(Instance instance) {
        this.instance = instance;
        this.memory = instance.memory();
    }

    /**
     * The static method for {@code export}, typed {@code (params..., Memory, Instance) -> result};
     * null if this compiler version did not generate it so.
     */
    private static MethodHandle find(Ffi.Export export, Class<?> result, Class<?>... params) {
        ExportSection exports = EXPORTS;
        int index = -1;
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (e.exportType() == ExternalType.FUNCTION && e.name().equals(export.symbol)) {
                index = e.index();
            }
        }
        MethodType type = MethodType.methodType(result, params).appendParameterTypes(Memory.class, Instance.class);
        for (int group = 0; index >= 0; group++) {
            Class<?> functions;
            try {
                functions = Class.forName(PersonModule.class.getName() + "MachineFuncGroup_" + group);
            } catch (ClassNotFoundException e) {
                return null;
            }
            try {
                return MethodHandles.lookup().findStatic(functions, "func_" + index, type);
            } catch (NoSuchMethodException | IllegalAccessException e) {
                // in a later group
            }
        }
        return null;
    }

    // invokeExact needs the exact static type at each call site, so every call is written out; a
    // shared helper taking Object... would box the arguments and defeat the inlining.

    @Override
    public int createPerson(int name, int age) {
        try {
            return (int) CREATE_PERSON.invokeExact(name, age, memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getPersonDetails(int person) {
        try {
            return (int) GET_PERSON_DETAILS.invokeExact(person, memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void freePerson(int person) {
        try {
            FREE_PERSON.invokeExact(person, memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getErrorMessage() {
        try {
            return (int) GET_ERROR_MESSAGE.invokeExact(memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void freeError(int error) {
        try {
            FREE_ERROR.invokeExact(error, memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int alloc(int len) {
        try {
            return (int) ALLOC.invokeExact(len, memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void dealloc(int ptr, int len) {
        try {
            DEALLOC.invokeExact(ptr, len, memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int lastStatus() {
        try {
            return (int) LAST_STATUS.invokeExact(memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long liveAllocations() {
        try {
            return (long) LIVE_ALLOCATIONS.invokeExact(memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int abiLayout(int query) {
        try {
            return (int) ABI_LAYOUT.invokeExact(query, memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int panicMessage() {
        try {
            return (int) PANIC_MESSAGE.invokeExact(memory, instance);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * What the compiled code throws is a RuntimeException (a trap) or an Error, rethrown as it is,
     * except a StackOverflowError, which becomes the runtime's exception as its own entry point
     * makes it: deep recursion in the module is the module's fault, not the JVM's.
     */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof StackOverflowError) {
            throw new ChicoryException("call stack exhausted", t);
        }
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        throw new IllegalStateException(t); // compiled Wasm throws no checked exception
    }
}
