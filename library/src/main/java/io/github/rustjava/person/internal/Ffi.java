package io.github.rustjava.person.internal;

import io.github.rustjava.person.CallInterruptedException;
import io.github.rustjava.person.CallTimeoutException;
import io.github.rustjava.person.RustPanicException;
import io.github.rustjava.runtime.Binding;
import io.github.rustjava.runtime.Faults;
import io.github.rustjava.runtime.WasmType;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * The Java mirror of {@code rust-wasm/src/ffi.rs}: every export the library calls, with its C
 * prototype and its type on each target; the status codes of {@code last_status()}; the struct
 * layouts and their check against the module's own {@code abi_layout}. Read it beside ffi.rs: a
 * change to one is a change to the other.
 */
public final class Ffi {
    private Ffi() {}

    /** {@code ffi::ABI_VERSION}, answered by {@code abi_layout(0)}. */
    public static final int ABI_VERSION = 2;

    // --- status codes: `Status` in rust-wasm/src/lib.rs, returned by `last_status()` ---

    public static final int OK = 0;
    public static final int NULL_POINTER = 1;
    public static final int INVALID_UTF8 = 2;
    public static final int UNDER_AGE = 3;
    public static final int AGE_OVERFLOW = 4;
    public static final int PANIC = 5;
    public static final int OUT_OF_MEMORY = 6;
    /**
     * Not Rust's: the host could not allocate the block that carries an argument into the module.
     * Handled like {@link #OUT_OF_MEMORY} (forgotten handles get their chance first), but reported
     * as the argument being too large.
     */
    public static final int NO_ROOM_FOR_ARGUMENT = -1;

    /** Whether a call failed for want of memory, which freeing forgotten handles may cure. */
    static boolean outOfMemory(int status) {
        return status == OUT_OF_MEMORY || status == NO_ROOM_FOR_ARGUMENT;
    }

    /**
     * The exception for a call that returned null with {@code status}, as the api throws it.
     *
     * @param panicMessage Rust's recorded panic message, read only for {@link #PANIC}
     */
    static RuntimeException statusException(int status, String function, java.util.function.Supplier<String> panicMessage) {
        switch (status) {
            case INVALID_UTF8:
                return new IllegalArgumentException("Rust rejected the name: not valid UTF-8");
            case AGE_OVERFLOW:
                return new ArithmeticException("age + 1 overflows: the person is Integer.MAX_VALUE years old");
            case NO_ROOM_FOR_ARGUMENT:
                return new IllegalArgumentException("the name does not fit in the Rust module's memory");
            case OUT_OF_MEMORY:
                return new IllegalStateException("Rust ran out of memory in " + function);
            case PANIC:
                return new RustPanicException("Rust panicked in " + function + ": " + panicMessage.get(), null);
            default:
                return new IllegalStateException(function + " returned null with status " + status);
        }
    }

    // --- exports ---

    /** A C type at the boundary, and what it is on each target. */
    public enum CType {
        /** {@code int32_t}: i32 everywhere. */
        INT32(WasmType.I32),
        /** {@code uint64_t}: i64 everywhere. */
        UINT64(WasmType.I64),
        /** {@code size_t}: i32 on wasm32, 64 bits on LP64. */
        SIZE_T(WasmType.I32),
        /** Any pointer: i32 on wasm32, 64 bits on LP64. */
        POINTER(WasmType.I32);

        /** The Wasm value type on wasm32. */
        public final WasmType wasm32;

        CType(WasmType wasm32) {
            this.wasm32 = wasm32;
        }
    }

    /**
     * Every function of ffi.rs the library calls, with its C prototype. A module must export each
     * one with exactly the wasm32 type derived from it ({@link #wasmParams()}, {@link #wasmResults()}),
     * and the boundary crate's own functions ({@link io.github.rustjava.runtime.Boundary}).
     */
    public enum Export {
        /** {@code Person *create_person(const char *name, int32_t age)}: owned by the caller, freed by free_person. */
        CREATE_PERSON("create_person", CType.POINTER, CType.POINTER, CType.INT32),
        /** {@code Person *get_person_details(Person *person)}: a new person, freed by free_person. */
        GET_PERSON_DETAILS("get_person_details", CType.POINTER, CType.POINTER),
        /** {@code void free_person(Person *person)}. */
        FREE_PERSON("free_person", null, CType.POINTER),
        /** {@code Error *get_error_message(void)}: freed by free_error, never by C free. */
        GET_ERROR_MESSAGE("get_error_message", CType.POINTER),
        /** {@code void free_error(Error *error)}. */
        FREE_ERROR("free_error", null, CType.POINTER);

        /** The symbol's name. */
        public final String symbol;
        /** The C result type, or null for {@code void}. */
        public final CType result;
        private final CType[] params;

        Export(String symbol, CType result, CType... params) {
            this.symbol = symbol;
            this.result = result;
            this.params = params;
        }

        public List<CType> params() {
            return List.of(params);
        }

        /** The parameter types of the wasm32 export. */
        public List<WasmType> wasmParams() {
            List<WasmType> types = new ArrayList<>();
            for (CType p : params) {
                types.add(p.wasm32);
            }
            return types;
        }

        /** The result types of the wasm32 export: none for void, else one. */
        public List<WasmType> wasmResults() {
            return result == null ? List.of() : List.of(result.wasm32);
        }

        /** As the runtime checks a module's export: the exact wasm32 type. */
        public io.github.rustjava.runtime.Export wasm32() {
            return new io.github.rustjava.runtime.Export(symbol, wasmParams(), wasmResults());
        }
    }

    /** The linear memory a module exports for the host to read and write. */
    public static final String MEMORY = "memory";

    // --- layouts ---

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

        /** The numbers in the order {@code abi_layout} answers them, as the runtime checks them. */
        io.github.rustjava.runtime.Layout forRuntime() {
            List<Integer> numbers = new ArrayList<>();
            for (int v : values()) {
                numbers.add(v);
            }
            return new io.github.rustjava.runtime.Layout(target, ABI_VERSION, List.of(FIELDS), numbers);
        }

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
     * Checks the ABI version and layout a module reports through {@code abi_layout(query)} against
     * {@code expected}.
     *
     * @throws IllegalStateException naming every field that differs: reading a struct through
     *     wrong offsets would return garbage or corrupt memory, so this fails before any call
     */
    public static void verify(Layout expected, IntUnaryOperator abiLayout) {
        expected.forRuntime().verify(abiLayout);
    }

    // --- the binding ---

    /** The exceptions this library's users see for the runtime's faults. */
    static final Faults FAULTS = new Faults() {
        @Override
        public RuntimeException trapped(String panicMessage, RuntimeException trap) {
            return new RustPanicException(Faults.trapMessage(panicMessage, trap), trap);
        }

        @Override
        public RuntimeException panicked(String message) {
            return new RustPanicException(message, null);
        }

        @Override
        public RuntimeException interrupted(String message, Throwable cause) {
            return new CallInterruptedException(message, cause);
        }

        @Override
        public RuntimeException timedOut(String message, Throwable cause) {
            return new CallTimeoutException(message, cause);
        }
    };

    /**
     * The Person crate as the runtime binds it: its exports, its wasm32 layout, the module in this
     * jar and the class the build-time compiler made from it.
     */
    public static final Binding BINDING = Binding.of(exports(), WASM32.forRuntime(),
            () -> Ffi.class.getResourceAsStream("/io/github/rustjava/person/person.wasm"),
            new Binding.Compiled(MethodHandles.lookup().in(PersonModule.class),
                    name -> PersonModule.class.getResourceAsStream(name)),
            FAULTS);

    private static List<io.github.rustjava.runtime.Export> exports() {
        List<io.github.rustjava.runtime.Export> all = new ArrayList<>();
        for (Export e : Export.values()) {
            all.add(e.wasm32());
        }
        return all;
    }
}
