package io.github.rustjava.person.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Everything the Java side knows about the Rust ABI, in one place. Each constant must match
 * {@code rust-wasm/src/lib.rs} ({@code Status}) or {@code rust-wasm/src/ffi.rs} ({@code abi_layout}),
 * and {@link #verify} checks the layouts against the module itself every time an api opens.
 */
public final class Abi {
    private Abi() {}

    /** {@code ffi::ABI_VERSION}. */
    public static final int VERSION = 2;

    // Status codes: `Status` in rust-wasm/src/lib.rs, returned by `last_status()`.
    public static final int OK = 0;
    public static final int NULL_POINTER = 1;
    public static final int INVALID_UTF8 = 2;
    public static final int UNDER_AGE = 3;
    public static final int AGE_OVERFLOW = 4;
    public static final int PANIC = 5;
    public static final int OUT_OF_MEMORY = 6;

    /**
     * Byte layout of the seed's two {@code #[repr(C)]} structs on one target:
     * {@code Person { name: *mut c_char, age: i32 }} and {@code Error { error_code: i32, message: *mut c_char }}.
     * Also {@code personNameLength}: where, from a {@code Person*}, Rust keeps the name's length (a
     * {@code size_t}, pointer-sized) so the host can read the name without scanning for its NUL.
     */
    public record Layout(
            String target,
            int pointerSize,
            int personSize,
            int personAlign,
            int personName,
            int personAge,
            int personNameLength,
            int errorSize,
            int errorAlign,
            int errorCode,
            int errorMessage) {

        /** Queries, in {@code abi_layout(query)} order, for fields 1..10 (0 is the version). */
        private static final String[] FIELDS = {
            "pointer size", "Person size", "Person align", "Person.name offset", "Person.age offset",
            "Error size", "Error align", "Error.error_code offset", "Error.message offset",
            "Person name length offset"
        };

        int[] values() {
            return new int[] {
                pointerSize, personSize, personAlign, personName, personAge,
                errorSize, errorAlign, errorCode, errorMessage, personNameLength
            };
        }
    }

    /** wasm32: 4-byte pointers, so both structs are 8 bytes with no padding. */
    public static final Layout WASM32 = new Layout("wasm32", 4, 8, 4, 0, 4, 8, 8, 4, 0, 4);

    /** x86_64 and other LP64 targets: 8-byte pointers; {@code Error} has 4 bytes of padding after the code. */
    public static final Layout LP64 = new Layout("LP64", 8, 16, 8, 0, 8, 16, 16, 8, 0, 8);

    /**
     * Checks the layout a module reports through {@code abi_layout(query)} against {@code expected}.
     *
     * @throws IllegalStateException naming every field that differs: reading a struct through
     *     wrong offsets would return garbage or corrupt memory, so this fails before any call
     */
    public static void verify(Layout expected, IntUnaryOperator abiLayout) {
        List<String> problems = new ArrayList<>();
        int version = abiLayout.applyAsInt(0);
        if (version != VERSION) {
            problems.add("ABI version: module " + version + ", Java " + VERSION);
        }
        int[] want = expected.values();
        for (int i = 0; i < want.length; i++) {
            int got = abiLayout.applyAsInt(i + 1);
            if (got != want[i]) {
                problems.add(Layout.FIELDS[i] + ": module " + got + ", Java " + want[i]);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The Rust module's struct layout does not match the Java "
                    + expected.target() + " constants (rebuild the module, or fix internal/Abi.java): "
                    + String.join("; ", problems));
        }
    }
}
