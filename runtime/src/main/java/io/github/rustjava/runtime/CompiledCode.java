package io.github.rustjava.runtime;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Function;

/**
 * The build-time compiler's generated classes: the one place that relies on how the runtime's
 * compiler names what it generates.
 *
 * <p>Why: the runtime's exported functions take a {@code long[]} of arguments, return another,
 * and dispatch through a switch over every function of the module, too large for the JIT to
 * inline. The build-time compiler also emits each Wasm function {@code i} as a public static
 * method {@code func_i} of {@code <Module>MachineFuncGroup_<g>}, taking the Wasm arguments, the
 * memory and the instance. A constant method handle to one inlines like any Java call, which
 * roughly halves the cost of a short call. Generating such entry points is an open request to the
 * runtime (dylibso/chicory#964); its maintainers avoid method handles in the runtime itself for
 * Android and native-image (dylibso/chicory#1062), which does not apply here.
 *
 * <p>If a compiler version names or types these methods otherwise, {@link #function} answers
 * null, and the binding calls through the exported functions instead: correct, only slower.
 */
final class CompiledCode {
    private CompiledCode() {}

    private static final MethodHandle MEMORY;
    private static final MethodHandle INSTANCE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MEMORY = lookup.findVirtual(WasmInstance.class, "memory", MethodType.methodType(Memory.class));
            INSTANCE = lookup.findVirtual(WasmInstance.class, "instance", MethodType.methodType(Instance.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The module the compiler plugin leaves beside {@code compiled} ({@code <Name>.meta}): the
     * shipped module with stub function bodies, all its classes need to start an instance.
     *
     * <p>On the module path a resource in another module's package is found only if that package
     * is open to this module, so a binding's module-info opens the generated class's package to
     * {@code io.github.rustjava.runtime} ({@link Binding#of}). The generated class's own {@code
     * load()} would read it as the binding, but parses and validates the whole module again.
     */
    static java.io.InputStream meta(Binding.Compiled compiled) {
        return compiled.resources().apply(compiled.lookup().lookupClass().getSimpleName() + ".meta");
    }

    /** The generated class's {@code create(Instance)}: the machine that runs the compiled code. */
    static Function<Instance, Machine> machine(MethodHandles.Lookup compiled) {
        MethodHandle create;
        try {
            create = compiled.findStatic(compiled.lookupClass(), "create", MethodType.methodType(Machine.class, Instance.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(compiled.lookupClass().getName() + " is not a module class of the build-time compiler", e);
        }
        return instance -> {
            try {
                return (Machine) create.invokeExact(instance);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        };
    }

    /**
     * The compiled function of {@code export}, typed {@code (params..., WasmInstance) -> result} for
     * {@code type} {@code (params...) -> result}; null if this compiler version did not generate
     * it so. Keep it in a {@code static final} field, so the JIT treats it as a constant.
     */
    static MethodHandle function(MethodHandles.Lookup compiled, WasmModule module, String export, MethodType type) {
        ExportSection exports = module.exportSection();
        int index = -1;
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (e.exportType() == ExternalType.FUNCTION && e.name().equals(export)) {
                index = e.index();
            }
        }
        MethodType withState = type.appendParameterTypes(Memory.class, Instance.class);
        for (int group = 0; index >= 0; group++) {
            Class<?> functions;
            try {
                functions = compiled.findClass(compiled.lookupClass().getName() + "MachineFuncGroup_" + group);
            } catch (ClassNotFoundException | IllegalAccessException e) {
                return null;
            }
            MethodHandle target;
            try {
                target = compiled.findStatic(functions, "func_" + index, withState);
            } catch (NoSuchMethodException | IllegalAccessException e) {
                continue; // in a later group
            }
            int n = type.parameterCount();
            // (params..., Memory, Instance) -> (params..., WasmInstance, WasmInstance) -> (params..., WasmInstance)
            MethodHandle fromGuests = MethodHandles.filterArguments(target, n, MEMORY, INSTANCE);
            int[] order = new int[n + 2];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            order[n] = n;
            order[n + 1] = n;
            return MethodHandles.permuteArguments(fromGuests, type.appendParameterTypes(WasmInstance.class), order);
        }
        return null;
    }

    /**
     * What compiled code threw, rethrown as it is, except a StackOverflowError, which becomes the
     * runtime's exception as its own entry points make it: deep recursion in the module is the
     * module's fault, not the JVM's.
     */
    static RuntimeException rethrow(Throwable t) {
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
