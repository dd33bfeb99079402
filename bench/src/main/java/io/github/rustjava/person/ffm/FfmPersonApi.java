package io.github.rustjava.person.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.internal.Ffi;
import io.github.rustjava.person.internal.Guest;
import io.github.rustjava.person.internal.ManagedPersonApi;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Rust crate built for the host ({@code libperson.so}, {@code make native}) and called through
 * the Foreign Function and Memory API. It only supplies a {@link Guest}: every rule of the API
 * (marshalling, handles, errors) is {@link ManagedPersonApi}'s, shared with the Wasm engines.
 *
 * <p><b>Downcall handles.</b> The library's path is only known at run time, so a handle bound to
 * a symbol cannot be a {@code static final} constant. Each handle is therefore linked without a
 * target ({@link Linker#downcallHandle(FunctionDescriptor, Linker.Option...)}) and takes the
 * function's address as its first argument: the handles are {@code static final}, which lets the
 * JIT inline them, and a loaded library is just a set of addresses ({@link Library}).
 *
 * <p><b>Pointers as {@code long}.</b> Pointers and {@code size_t} are declared {@code JAVA_LONG}:
 * on LP64 targets both are 64-bit integers passed in the same registers, and {@link Guest} speaks
 * in {@code long} addresses anyway, so no {@link MemorySegment} is made per call. The layout check
 * in {@link ManagedPersonApi} fails the open if the library's pointers are not 8 bytes.
 */
public final class FfmPersonApi {
    private FfmPersonApi() {}

    private static final Linker LINKER = Linker.nativeLinker();

    /**
     * The downcall handles, in a class of their own: linking is a restricted operation, so it runs
     * only after {@link Library#load} has checked native access and can explain a refusal.
     */
    private static final class Downcalls {
        private Downcalls() {}

        // One handle per C signature of rust-wasm/src/ffi.rs (P = pointer, L = size_t or u64).
        static final MethodHandle P_P_I = downcall(FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT));
        static final MethodHandle P_P = downcall(FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
        static final MethodHandle V_P = downcall(FunctionDescriptor.ofVoid(JAVA_LONG));
        static final MethodHandle P_V = downcall(FunctionDescriptor.of(JAVA_LONG));
        static final MethodHandle V_P_L = downcall(FunctionDescriptor.ofVoid(JAVA_LONG, JAVA_LONG));
        static final MethodHandle I_I = downcall(FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        /**
         * For the calls that only read a value ({@code last_status}: a thread-local; {@code
         * live_allocations}: an atomic; libc's {@code strlen}): a critical call skips the thread-state
         * transition. That is safe because they neither block, allocate, nor call back into Java; the
         * longest, {@code strlen} of a 1 MiB name, holds off a safepoint for tens of microseconds.
         * Measured on {@code CallBench.emptyCall} (JDK 25, 2 cores): about 12 ns per call instead of
         * 17. Rust's other functions allocate (and may wait on the allocator's lock), so they keep the
         * ordinary transition.
         */
        static final MethodHandle L_V_CRITICAL = downcall(FunctionDescriptor.of(JAVA_LONG), Linker.Option.critical(false));
        static final MethodHandle I_V_CRITICAL = downcall(FunctionDescriptor.of(JAVA_INT), Linker.Option.critical(false));
        static final MethodHandle L_P_CRITICAL = downcall(FunctionDescriptor.of(JAVA_LONG, JAVA_LONG), Linker.Option.critical(false));

        private static MethodHandle downcall(FunctionDescriptor descriptor, Linker.Option... options) {
            return LINKER.downcallHandle(descriptor, options);
        }
    }

    /** Loaded libraries by real path: a library is loaded once per JVM and never unloaded. */
    private static final Map<Path, Library> LIBRARIES = new ConcurrentHashMap<>();

    /**
     * Opens an api over the native library at {@code nativeLibrary} (Rust's {@code cdylib},
     * {@code rust-wasm/target/release/libperson.so} after {@code make native}).
     *
     * @throws IllegalStateException if the library cannot be loaded or lacks a symbol, or if its
     *     struct layout differs from {@link Ffi#LP64}
     * @throws IllegalCallerException if native access is denied to this code
     */
    public static PersonApi open(Path nativeLibrary) {
        Library library = Library.of(Objects.requireNonNull(nativeLibrary, "nativeLibrary"));
        return ManagedPersonApi.open(() -> new FfmGuest(library));
    }

    /** The raw guest over the library at {@code nativeLibrary}, for the boundary benchmark. */
    public static Guest guest(Path nativeLibrary) {
        return new FfmGuest(Library.of(Objects.requireNonNull(nativeLibrary, "nativeLibrary")));
    }

    /** The entry points of one loaded copy of the library. */
    private record Library(
            MemorySegment createPerson,
            MemorySegment getPersonDetails,
            MemorySegment freePerson,
            MemorySegment getErrorMessage,
            MemorySegment freeError,
            MemorySegment alloc,
            MemorySegment dealloc,
            MemorySegment lastStatus,
            MemorySegment liveAllocations,
            MemorySegment abiLayout,
            MemorySegment panicMessage,
            MemorySegment strlen) {

        static Library of(Path path) {
            if (!Files.isRegularFile(path)) {
                throw new IllegalStateException("No native library at " + path.toAbsolutePath()
                        + ": build it with `make native`");
            }
            Path key;
            try {
                key = path.toRealPath();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("Cannot resolve " + path, e);
            }
            return LIBRARIES.computeIfAbsent(key, Library::load);
        }

        private static Library load(Path path) {
            SymbolLookup lookup;
            try {
                // The global arena: the library stays loaded for the JVM's life, as a JNI library
                // would, so no api can outlive the code it calls.
                lookup = SymbolLookup.libraryLookup(path, Arena.global());
            } catch (IllegalCallerException e) {
                throw new IllegalCallerException("Native access is denied: run java with "
                        + "--enable-native-access=ALL-UNNAMED (or the module's name)", e);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("Cannot load " + path + " (" + e.getMessage()
                        + "): rebuild it with `make native` for this platform", e);
            }
            SymbolLookup libc = LINKER.defaultLookup();
            return new Library(
                    find(lookup, path, "create_person"),
                    find(lookup, path, "get_person_details"),
                    find(lookup, path, "free_person"),
                    find(lookup, path, "get_error_message"),
                    find(lookup, path, "free_error"),
                    find(lookup, path, "alloc"),
                    find(lookup, path, "dealloc"),
                    find(lookup, path, "last_status"),
                    find(lookup, path, "live_allocations"),
                    find(lookup, path, "abi_layout"),
                    find(lookup, path, "panic_message"),
                    find(libc, Path.of("libc"), "strlen"));
        }

        private static MemorySegment find(SymbolLookup lookup, Path path, String name) {
            return lookup.find(name).orElseThrow(() -> new IllegalStateException(
                    path + " has no symbol " + name + ": it is not this crate's library, or an old build"
                            + " (run `make native`)"));
        }
    }

    /**
     * One api's view of the library. The library itself is process-wide; this object only holds
     * addresses, so {@link #close()} has nothing to release.
     */
    private static final class FfmGuest implements Guest {
        private final Library lib;
        /** The panic hook's buffer: its address never changes (see {@code panic_message} in ffi.rs). */
        private final long panicMessage;

        FfmGuest(Library lib) {
            this.lib = lib;
            try {
                this.panicMessage = (long) Downcalls.P_V.invokeExact(lib.panicMessage());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public Ffi.Layout expectedLayout() {
            return Ffi.LP64;
        }

        // invokeExact declares Throwable; a downcall throws nothing checked, so anything thrown is
        // an Error or RuntimeException and is rethrown unchanged.

        @Override
        public long createPerson(long name, int age) {
            try {
                return (long) Downcalls.P_P_I.invokeExact(lib.createPerson(), name, age);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public long getPersonDetails(long person) {
            try {
                return (long) Downcalls.P_P.invokeExact(lib.getPersonDetails(), person);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public void freePerson(long person) {
            try {
                Downcalls.V_P.invokeExact(lib.freePerson(), person);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public long getErrorMessage() {
            try {
                return (long) Downcalls.P_V.invokeExact(lib.getErrorMessage());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public void freeError(long error) {
            try {
                Downcalls.V_P.invokeExact(lib.freeError(), error);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public long alloc(long len) {
            try {
                return (long) Downcalls.P_P.invokeExact(lib.alloc(), len);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public void dealloc(long ptr, long len) {
            try {
                Downcalls.V_P_L.invokeExact(lib.dealloc(), ptr, len);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public int lastStatus() {
            try {
                return (int) Downcalls.I_V_CRITICAL.invokeExact(lib.lastStatus());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public long liveAllocations() {
            try {
                return (long) Downcalls.L_V_CRITICAL.invokeExact(lib.liveAllocations());
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        @Override
        public int abiLayout(int query) {
            try {
                return (int) Downcalls.I_I.invokeExact(lib.abiLayout(), query);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        // --- memory: Rust's heap, reached through segments sized to each access ---

        private static MemorySegment at(long address, long size) {
            return MemorySegment.ofAddress(address).reinterpret(size);
        }

        @Override
        public void write(long address, byte[] bytes, int length) {
            MemorySegment.copy(bytes, 0, at(address, length), JAVA_BYTE, 0, length);
        }

        @Override
        public void writeByte(long address, byte value) {
            at(address, 1).set(JAVA_BYTE, 0, value);
        }

        @Override
        public byte[] read(long address, int length) {
            byte[] out = new byte[length];
            MemorySegment.copy(at(address, length), JAVA_BYTE, 0, out, 0, length);
            return out;
        }

        @Override
        public int readInt(long address) {
            return at(address, Integer.BYTES).get(JAVA_INT, 0);
        }

        @Override
        public long readPointer(long address) {
            return at(address, Long.BYTES).get(JAVA_LONG, 0);
        }

        @Override
        public int strlen(long address) {
            long len;
            try {
                len = (long) Downcalls.L_P_CRITICAL.invokeExact(lib.strlen(), address);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            return Guest.arrayLength(len, address);
        }

        // --- faults ---

        @Override
        public String panicMessage() {
            return readCString(panicMessage);
        }

        @Override
        public RuntimeException fault(RuntimeException failure) {
            // A native Rust panic never reaches Java: ffi.rs catches it and returns a status.
            // Nothing a downcall throws means this guest is broken.
            return null;
        }

        @Override
        public void close() {
            // Nothing per api: the library is shared and stays loaded.
        }

        private static RuntimeException rethrow(Throwable t) {
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException("downcall failed", t);
        }
    }
}
