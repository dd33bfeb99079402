package io.github.rustjava.person.internal;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import io.github.rustjava.person.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The Wasm backend: {@code person.wasm} in a Chicory instance. The three engines differ only in
 * the {@link Machine} that executes the code; exports, memory access and fault handling are the
 * same, through the typed exports the build-time compiler generates.
 */
public final class ChicoryGuest implements Guest {

    /**
     * Default cap on the module's linear memory: 8192 pages of 64 KiB, 512 MiB. The module would
     * otherwise be allowed 4 GiB, and a JVM heap should not be at the mercy of one huge input.
     */
    public static final int DEFAULT_MAX_PAGES = 8192;

    /** Bytes read per bulk read while looking for a NUL: most names fit in the first one. */
    private static final int STRLEN_CHUNK = 64;

    /** The full module, for the interpreter and the runtime compiler. Parsed once. */
    private static final class Parsed {
        static final WasmModule MODULE = parse();

        private static WasmModule parse() {
            try (InputStream in = ChicoryGuest.class.getResourceAsStream("/io/github/rustjava/person/person.wasm")) {
                if (in == null) {
                    throw new IllegalStateException("person.wasm is missing from the classpath");
                }
                return Parser.parse(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Bytecode for the runtime compiler, generated on first use and shared by later instances. */
    private static final class Compiled {
        static final Function<Instance, Machine> FACTORY = MachineFactoryCompiler.compile(Parsed.MODULE);
    }

    /**
     * Direct calls into the build-time compiled module. The typed exports go through Chicory's
     * generic entry point: a {@code long[]} for the arguments, another for the result, and a
     * 249-way switch too large for the JIT to inline. The compiler also emits each Wasm function
     * as a public static method of this package, {@code PersonModuleMachineFuncGroup_<g>.func_<i>},
     * taking the Wasm arguments, the memory and the instance; constant method handles to those let
     * the JIT inline a call like any Java call. Chicory plans to generate such calls itself
     * (dylibso/chicory#964); until then this finds them by name, and falls back to the typed
     * exports if a compiler version names them otherwise ({@code DirectCallsTest} fails then).
     */
    private static final class Direct {
        static final MethodHandle CREATE_PERSON = find("create_person", int.class, int.class, int.class);
        static final MethodHandle GET_PERSON_DETAILS = find("get_person_details", int.class, int.class);
        static final MethodHandle FREE_PERSON = find("free_person", void.class, int.class);
        static final MethodHandle GET_ERROR_MESSAGE = find("get_error_message", int.class);
        static final MethodHandle FREE_ERROR = find("free_error", void.class, int.class);
        static final MethodHandle LAST_STATUS = find("last_status", int.class);
        static final MethodHandle LIVE_ALLOCATIONS = find("live_allocations", long.class);
        static final boolean AVAILABLE = CREATE_PERSON != null && GET_PERSON_DETAILS != null
                && FREE_PERSON != null && GET_ERROR_MESSAGE != null && FREE_ERROR != null
                && LAST_STATUS != null && LIVE_ALLOCATIONS != null;

        /** The static method for export {@code name}, typed {@code (params..., Memory, Instance) -> result}; null if absent. */
        private static MethodHandle find(String name, Class<?> result, Class<?>... params) {
            WasmModule module = PersonModule.load();
            ExportSection exports = module.exportSection();
            int index = -1;
            for (int i = 0; i < exports.exportCount(); i++) {
                Export e = exports.getExport(i);
                if (e.exportType() == ExternalType.FUNCTION && e.name().equals(name)) {
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
                    // in another group
                }
            }
            return null;
        }
    }

    private final PersonModuleInterface_ModuleExports exports;
    private final Instance instance;
    /** Whether calls go straight to the compiled functions ({@link Direct}), not through exports. */
    private final boolean direct;
    private final Memory memory;
    /** Where the panic hook writes; read without calling into a trapped instance. */
    private final int panicMessage;

    private ChicoryGuest(Instance instance, boolean buildTimeCompiled) {
        this.exports = new PersonModuleInterface_ModuleExports(instance);
        this.instance = instance;
        this.direct = buildTimeCompiled && Direct.AVAILABLE;
        this.memory = exports.memory();
        this.panicMessage = exports.panicMessage();
        if (direct) {
            // The JVM links a method-handle call site on its first run, which takes about a
            // millisecond in a fresh JVM. Run each once here with null arguments, which Rust
            // answers without touching its heap, so the first real call starts fast
            // (get_error_message has no such argument: it links on first use).
            createPerson(0, 0);
            getPersonDetails(0);
            freePerson(0);
            freeError(0);
            lastStatus();
            liveAllocations();
        }
    }

    /** Instantiates the shipped module on {@code engine}, with {@link #DEFAULT_MAX_PAGES}. */
    public static ChicoryGuest load(Engine engine) {
        return load(engine, DEFAULT_MAX_PAGES);
    }

    /** Instantiates the shipped module on {@code engine}, with at most {@code maxPages} of memory. */
    public static ChicoryGuest load(Engine engine, int maxPages) {
        switch (engine) {
            case INTERPRETER:
                return instantiate(Parsed.MODULE, null, maxPages, false);
            case RUNTIME_COMPILER:
                return instantiate(Parsed.MODULE, Compiled.FACTORY, maxPages, false);
            case BUILD_TIME_COMPILER:
                return instantiate(PersonModule.load(), PersonModule::create, maxPages, true);
            default:
                throw new IllegalArgumentException("unknown engine " + engine);
        }
    }

    /**
     * Instantiates another build of the same crate (the tests use the fault-injection build). The
     * build-time compiler only knows the shipped module, so it is not offered here.
     */
    public static ChicoryGuest load(WasmModule module, Engine engine, int maxPages) {
        switch (engine) {
            case INTERPRETER:
                return instantiate(module, null, maxPages, false);
            case RUNTIME_COMPILER:
                return instantiate(module, MachineFactoryCompiler.compile(module), maxPages, false);
            default:
                throw new IllegalArgumentException(engine + " runs only the shipped module");
        }
    }

    /**
     * @param machine null for Chicory's interpreter
     * @param buildTimeCompiled whether {@code machine} runs the build-time compiled shipped module
     */
    private static ChicoryGuest instantiate(
            WasmModule module, Function<Instance, Machine> machine, int maxPages, boolean buildTimeCompiled) {
        int initial = module.memorySection().orElseThrow().getMemory(0).limits().initialPages();
        if (maxPages < initial || maxPages > MemoryLimits.MAX_PAGES / 2) {
            throw new IllegalArgumentException("the memory cap must be between " + initial + " pages ("
                    + initial * 64 + " KiB, what the module needs to start) and 2 GiB; got " + maxPages + " pages");
        }
        Instance.Builder builder = Instance.builder(module)
                .withMemoryLimits(new MemoryLimits(initial, maxPages))
                .withMemoryFactory(ByteArrayMemory::new);
        if (machine != null) {
            builder.withMachineFactory(machine);
        }
        return new ChicoryGuest(builder.build(), buildTimeCompiled);
    }

    /** Bytes of linear memory the instance has grown to: a soak run watches it for creep. */
    @Override
    public long memorySize() {
        return (long) memory.pages() * 65536;
    }

    @Override
    public Abi.Layout expectedLayout() {
        return Abi.WASM32;
    }

    // Wasm32 pointers are i32; linear memory stays below 2 GiB (DEFAULT_MAX_PAGES), so int casts
    // of addresses are exact.

    // The hot calls go direct on the build-time compiler. invokeExact declares Throwable: what the
    // compiled code throws is a RuntimeException (a trap) or an Error, rethrown as it is, except a
    // StackOverflowError, which becomes a ChicoryException as Chicory's own entry point makes it.

    @Override
    public long createPerson(long name, int age) {
        if (direct) {
            try {
                return Integer.toUnsignedLong((int) Direct.CREATE_PERSON.invokeExact((int) name, age, memory, instance));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
        return Integer.toUnsignedLong(exports.createPerson((int) name, age));
    }

    @Override
    public long getPersonDetails(long person) {
        if (direct) {
            try {
                return Integer.toUnsignedLong((int) Direct.GET_PERSON_DETAILS.invokeExact((int) person, memory, instance));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
        return Integer.toUnsignedLong(exports.getPersonDetails((int) person));
    }

    @Override
    public void freePerson(long person) {
        if (direct) {
            try {
                Direct.FREE_PERSON.invokeExact((int) person, memory, instance);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            return;
        }
        exports.freePerson((int) person);
    }

    @Override
    public long getErrorMessage() {
        if (direct) {
            try {
                return Integer.toUnsignedLong((int) Direct.GET_ERROR_MESSAGE.invokeExact(memory, instance));
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
        return Integer.toUnsignedLong(exports.getErrorMessage());
    }

    @Override
    public void freeError(long error) {
        if (direct) {
            try {
                Direct.FREE_ERROR.invokeExact((int) error, memory, instance);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            return;
        }
        exports.freeError((int) error);
    }

    @Override
    public long alloc(long len) {
        if (len > Integer.MAX_VALUE) {
            return 0;
        }
        return Integer.toUnsignedLong(exports.alloc((int) len));
    }

    @Override
    public void dealloc(long ptr, long len) {
        exports.dealloc((int) ptr, (int) len);
    }

    @Override
    public int lastStatus() {
        if (direct) {
            try {
                return (int) Direct.LAST_STATUS.invokeExact(memory, instance);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
        return exports.lastStatus();
    }

    @Override
    public long liveAllocations() {
        if (direct) {
            try {
                return (long) Direct.LIVE_ALLOCATIONS.invokeExact(memory, instance);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
        return exports.liveAllocations();
    }

    /** Whether the hot calls bypass the typed exports (build-time compiler only). */
    boolean directCalls() {
        return direct;
    }

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

    @Override
    public int abiLayout(int query) {
        return exports.abiLayout(query);
    }

    @Override
    public void write(long address, byte[] bytes, int length) {
        memory.write((int) address, bytes, 0, length);
    }

    @Override
    public void writeByte(long address, byte value) {
        memory.writeByte((int) address, value);
    }

    @Override
    public byte[] read(long address, int length) {
        return memory.readBytes((int) address, length);
    }

    @Override
    public int readInt(long address) {
        return memory.readInt((int) address);
    }

    @Override
    public long readPointer(long address) {
        return Integer.toUnsignedLong(memory.readInt((int) address));
    }

    @Override
    public int strlen(long address) {
        // Bulk reads, one bounds check each instead of one call per byte; the chunk doubles so a
        // short string costs one small read and a long one a few large reads.
        int start = (int) address;
        int end = memory.pages() * 65536;
        int chunkSize = STRLEN_CHUNK;
        for (int at = start; at < end; at += chunkSize, chunkSize = Math.min(chunkSize * 2, 1 << 16)) {
            byte[] chunk = memory.readBytes(at, Math.min(chunkSize, end - at));
            int nul = Bytes.indexOf(chunk, (byte) 0);
            if (nul >= 0) {
                return at - start + nul;
            }
        }
        throw new IllegalStateException("unterminated C string at " + start);
    }

    @Override
    public String readCString(long address) {
        // One bulk read covers a short string whole: decode it from there, without a second read.
        int start = (int) address;
        byte[] first = memory.readBytes(start, Math.min(STRLEN_CHUNK, memory.pages() * 65536 - start));
        int nul = Bytes.indexOf(first, (byte) 0);
        if (nul >= 0) {
            return new String(first, 0, nul, StandardCharsets.UTF_8);
        }
        int len = first.length + strlen(start + first.length);
        return new String(memory.readBytes(start, len), StandardCharsets.UTF_8);
    }

    @Override
    public String panicMessage() {
        return readCString(panicMessage);
    }

    @Override
    public long memoryLimit() {
        return (long) memory.maximumPages() * 65536;
    }

    @Override
    public RuntimeException fault(RuntimeException failure) {
        if (!(failure instanceof ChicoryException)) {
            return null;
        }
        // A Rust panic on wasm32 aborts with `unreachable`; its hook wrote the message first.
        return Guest.trapped(panicMessage(), failure);
    }

    @Override
    public void close() {
        // A Chicory instance holds only heap objects: dropping it frees it.
    }
}
