package io.github.rustjava.runtime;

import java.util.Locale;

/** The Wasm value types a C ABI on wasm32 uses: pointers, sizes and 32-bit ints are i32, 64-bit ints i64. */
public enum WasmType {
    I32,
    I64;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
