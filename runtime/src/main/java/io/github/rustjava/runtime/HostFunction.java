package io.github.rustjava.runtime;

import java.util.List;
import java.util.Objects;

/**
 * A function the module imports from Java, with its exact Wasm type: the binding's mirror of one
 * {@code extern "C"} declaration the crate calls (a callback). A module may import the binding's
 * host functions and nothing else; one that imports any other, or one of these with another type,
 * is refused before any of its code runs.
 *
 * <p><b>Rules of a call from Rust into Java</b>, the same for every binding:
 * <ul>
 *   <li>An exception (any {@link Throwable}) thrown by {@link #body} never unwinds through the
 *       guest: the runtime records it, returns {@link #onThrow} to Rust, which must treat it as
 *       "stop" and return normally (freeing what it allocated), and calls the body no more until
 *       the Wasm call ends. The binding then rethrows the recorded exception as itself
 *       ({@link WasmInstance#rethrowHostFailure}). No instance is lost, nothing leaks.</li>
 *   <li>A callback that calls into the api whose call it is part of is refused with an {@link
 *       IllegalStateException} ({@link ManagedApi}): the instance is in the middle of that call.
 *       The refusal is an exception of the body like any other.</li>
 *   <li>An interrupt or a call timeout that lands while the body runs (the thread is interrupted
 *       when it returns or throws) stops the Wasm call as it would inside Wasm: the caller gets
 *       the binding's interrupted or timed-out exception, and the instance is retired.</li>
 * </ul>
 *
 * @param module the import's module name ({@code env} for Rust's plain {@code extern "C"})
 * @param name the imported symbol
 * @param params the parameter types
 * @param results the result types: none, or one
 * @param onThrow what Rust gets when the body threw: the binding's "stop" (ignored without a result)
 * @param body the Java code
 */
public record HostFunction(String module, String name, List<WasmType> params, List<WasmType> results, long onThrow,
        Implementation body) {

    /** The Java side of a host function. */
    @FunctionalInterface
    public interface Implementation {
        /**
         * Runs one call from the guest.
         *
         * @param instance the instance that called, for its memory ({@link WasmInstance#read}) and
         *     the binding's state for the call in progress ({@link WasmInstance#attachment})
         * @param args the arguments, as Wasm values (an i32 in the low 32 bits)
         * @return the result, ignored when the function has none
         */
        long call(WasmInstance instance, long[] args) throws Exception;
    }

    public HostFunction {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(name, "name");
        params = List.copyOf(params);
        results = List.copyOf(results);
        Objects.requireNonNull(body, "body");
        if (results.size() > 1) {
            throw new IllegalArgumentException("a host function returns at most one value: " + module + "." + name);
        }
    }

    /** The type as {@code (i32,i32)->i32}, as messages print it. */
    public String signature() {
        return Export.signature(params, results);
    }
}
