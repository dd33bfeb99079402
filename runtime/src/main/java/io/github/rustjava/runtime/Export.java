package io.github.rustjava.runtime;

import java.util.List;
import java.util.Objects;

/**
 * A function a module must export, with its exact Wasm type: the binding's mirror of one
 * {@code extern "C"} function. A module that lacks it, or has it with another type, is refused
 * before any of its code runs.
 *
 * @param name the exported symbol, as in Rust's {@code #[no_mangle]}
 * @param params the parameter types
 * @param results the result types: none, or one
 */
public record Export(String name, List<WasmType> params, List<WasmType> results) {

    public Export {
        Objects.requireNonNull(name, "name");
        params = List.copyOf(params);
        results = List.copyOf(results);
    }

    /** An export returning {@code result} (null: nothing) and taking {@code params}. */
    public static Export of(String name, WasmType result, WasmType... params) {
        return new Export(name, List.of(params), result == null ? List.of() : List.of(result));
    }

    /** The type as {@code (i32,i32)->i32}, as messages print it. */
    public String signature() {
        return signature(params, results);
    }

    /** {@code params} and {@code results} as {@code (i32,i32)->i32}. */
    public static String signature(List<?> params, List<?> results) {
        return "(" + join(params) + ")->" + (results.size() == 1 ? results.get(0).toString() : "(" + join(results) + ")");
    }

    private static String join(List<?> types) {
        StringBuilder s = new StringBuilder();
        for (Object t : types) {
            s.append(s.length() == 0 ? "" : ",").append(t);
        }
        return s.toString();
    }
}
