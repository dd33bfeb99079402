package io.github.rustjava.person.internal;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.MStack;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CodeSection;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.DataCountSection;
import com.dylibso.chicory.wasm.types.DataSection;
import com.dylibso.chicory.wasm.types.ElementSection;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionSection;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalSection;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.ImportSection;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.MemorySection;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.SectionId;
import com.dylibso.chicory.wasm.types.TableSection;
import com.dylibso.chicory.wasm.types.TypeSection;
import com.dylibso.chicory.wasm.types.ValType;
import io.github.rustjava.person.CallInterruptedException;
import io.github.rustjava.person.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The Wasm guest: a person module in an instance of the Wasm runtime. The three engines differ only
 * in the {@link Machine} that executes the code; memory access and fault handling are the same.
 * This class and {@link CompiledFunctions} are the only ones that use the runtime's API.
 */
public final class ChicoryGuest implements Guest {

    /**
     * Default cap on the module's linear memory: 8192 pages of 64 KiB, 512 MiB. The module would
     * otherwise be allowed 4 GiB, and a JVM heap should not be at the mercy of one huge input.
     */
    public static final int DEFAULT_MAX_PAGES = 8192;

    private static final int PAGE = 65536;

    /** Bytes read per bulk read while looking for a NUL: most strings fit in the first one. */
    private static final int STRLEN_CHUNK = 64;

    /** The panic hook's buffer size in ffi.rs: a panic message is never read further than this. */
    private static final int PANIC_MESSAGE_CAPACITY = 1024;

    /**
     * The shipped module, parsed once, for the interpreter and the runtime compiler. It is not
     * validated again: the build-time compiler validated it when the library was built, and
     * validating costs a fresh JVM tens of milliseconds of class loading before its first call.
     * Modules from outside the jar are always validated.
     */
    static final class Shipped {
        static final WasmModule MODULE = parseTrusted(ChicoryGuest.class, "/io/github/rustjava/person/person.wasm");
    }

    /**
     * The shipped module as the build-time compiler left it beside its classes, for them: every
     * section but the code, whose bodies are stubs (the classes run them). A fifth of the bytes,
     * and no instruction to decode.
     */
    static final class ShippedMeta {
        static final WasmModule MODULE = parseTrusted(PersonModule.class, "PersonModule.meta");
    }

    /**
     * Parses a module of this jar, unvalidated and unhashed. The runtime's own parse also takes a
     * SHA-256 of the bytes, a key for its compiler's cache, which this library does not use; in a
     * fresh JVM that digest starts the security providers first.
     */
    private static WasmModule parseTrusted(Class<?> owner, String resource) {
        WasmModule.Builder module = WasmModule.builder().withValidation(false);
        try (InputStream in = owner.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the library jar");
            }
            Parser.builder().withValidation(false).build().parse(in, section -> {
                switch (section.sectionId()) {
                    case SectionId.CUSTOM -> module.addCustomSection(((CustomSection) section).name(), (CustomSection) section);
                    case SectionId.TYPE -> module.setTypeSection((TypeSection) section);
                    case SectionId.IMPORT -> module.setImportSection((ImportSection) section);
                    case SectionId.FUNCTION -> module.setFunctionSection((FunctionSection) section);
                    case SectionId.TABLE -> module.setTableSection((TableSection) section);
                    case SectionId.MEMORY -> module.setMemorySection((MemorySection) section);
                    case SectionId.GLOBAL -> module.setGlobalSection((GlobalSection) section);
                    case SectionId.EXPORT -> module.setExportSection((ExportSection) section);
                    case SectionId.ELEMENT -> module.setElementSection((ElementSection) section);
                    case SectionId.CODE -> module.setCodeSection((CodeSection) section);
                    case SectionId.DATA -> module.setDataSection((DataSection) section);
                    case SectionId.DATA_COUNT -> module.setDataCountSection((DataCountSection) section);
                    default -> throw new IllegalStateException(resource + " has an unexpected section " + section.sectionId());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return module.build();
    }

    /** The shipped module as bytecode for the runtime compiler, made on first use and shared. */
    private static final class ShippedCompiled {
        static final Function<Instance, Machine> FACTORY = compiler(Shipped.MODULE);
    }

    /**
     * A person module checked and ready to instantiate on one engine. Instances made from one
     * loader share its parsed module and compiled code, so replacing a broken instance costs only
     * the instantiation.
     */
    public static final class Loader {
        private final WasmModule module;
        private final Function<Instance, Machine> machine; // null: the interpreter
        private final boolean buildTimeCompiled;
        private final boolean shipped;
        private final int maxPages;

        private Loader(WasmModule module, Function<Instance, Machine> machine, boolean buildTimeCompiled,
                boolean shipped, int maxPages) {
            this.module = module;
            this.machine = machine;
            this.buildTimeCompiled = buildTimeCompiled;
            this.shipped = shipped;
            this.maxPages = maxPages;
            int initial = initialPages(module);
            if (maxPages < initial || maxPages > MemoryLimits.MAX_PAGES / 2) {
                throw new IllegalArgumentException("the memory cap must be between " + initial + " pages ("
                        + initial * 64 + " KiB, what the module needs to start) and 2 GiB; got " + maxPages + " pages");
            }
        }

        /** The module this library ships, on {@code engine}. */
        public static Loader shipped(Engine engine, int maxPages) {
            switch (engine) {
                case INTERPRETER:
                    return new Loader(Shipped.MODULE, null, false, true, maxPages);
                case RUNTIME_COMPILER:
                    return new Loader(Shipped.MODULE, ShippedCompiled.FACTORY, false, true, maxPages);
                case BUILD_TIME_COMPILER:
                    return new Loader(ShippedMeta.MODULE, PersonModule::create, true, true, maxPages);
                default:
                    throw new IllegalArgumentException("unknown engine " + engine);
            }
        }

        /**
         * A module from outside the jar, checked before anything of it runs: a Wasm binary that
         * exports every function of {@link Ffi.Export} with its exact wasm32 type and a memory,
         * imports nothing and has no start function. Its ABI version and layout are checked when
         * it is instantiated.
         *
         * @throws IllegalArgumentException naming the first problem; for the build-time compiler,
         *     which only knows the shipped module
         */
        public static Loader untrusted(byte[] wasm, Engine engine, int maxPages) {
            if (engine == Engine.BUILD_TIME_COMPILER) {
                throw new IllegalArgumentException("Engine.BUILD_TIME_COMPILER runs only the module compiled into "
                        + "this library; load another module with Engine.INTERPRETER or Engine.RUNTIME_COMPILER");
            }
            WasmModule module = check(wasm);
            return new Loader(module, engine == Engine.RUNTIME_COMPILER ? compiler(module) : null, false, false, maxPages);
        }

        /** Whether this is the module the library ships, whose results are trusted. */
        public boolean shipped() {
            return shipped;
        }

        /** Fresh instances with their marshalling, which checks each one's ABI version and layout. */
        public java.util.function.Supplier<Operations> operations() {
            return () -> new Marshalling(instantiate(), shipped);
        }

        /** A fresh instance; its ABI version and layout are checked by {@link Marshalling}. */
        public ChicoryGuest instantiate() {
            Instance.Builder builder = Instance.builder(module)
                    .withMemoryLimits(new MemoryLimits(initialPages(module), maxPages))
                    .withMemoryFactory(ByteArrayMemory::new);
            if (machine != null) {
                builder.withMachineFactory(machine);
            } else if (!shipped) {
                builder.withUnsafeExecutionListener(ChicoryGuest::interruptAtBranch);
            }
            return new ChicoryGuest(builder.build(), buildTimeCompiled && CompiledFunctions.AVAILABLE);
        }
    }

    /**
     * The runtime's interpreter stops for an interrupt at br, call and call_indirect, but not at
     * br_if or br_table, so a loop that branches back with one of those would never stop, and a
     * module from outside the jar may loop so forever: the call timeout must still end it. Run
     * before each instruction of such a module on the interpreter; the compilers check every
     * branch back to a loop themselves.
     */
    private static void interruptAtBranch(Instruction instruction, MStack stack) {
        OpCode op = instruction.opcode();
        if ((op == OpCode.BR_IF || op == OpCode.BR_TABLE) && Thread.currentThread().isInterrupted()) {
            throw new ChicoryInterruptedException("Thread interrupted");
        }
    }

    private static Function<Instance, Machine> compiler(WasmModule module) {
        try {
            return MachineFactoryCompiler.compile(module);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("Engine.RUNTIME_COMPILER needs the runtime's compiler: add the dependency "
                    + "com.dylibso.chicory:compiler (on the module path, also --add-modules com.dylibso.chicory.compiler)", e);
        }
    }

    private static int initialPages(WasmModule module) {
        return module.memorySection().orElseThrow().getMemory(0).limits().initialPages();
    }

    /**
     * Parses {@code wasm} and checks what the library needs of it before anything in it runs.
     *
     * @throws IllegalArgumentException naming the first problem
     */
    static WasmModule check(byte[] wasm) {
        if (wasm.length < 8 || wasm[0] != 0 || wasm[1] != 'a' || wasm[2] != 's' || wasm[3] != 'm') {
            throw new IllegalArgumentException("not a WebAssembly module (no \\0asm header)");
        }
        WasmModule module;
        try {
            module = Parser.parse(wasm);
        } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("not a valid WebAssembly module: " + e.getMessage(), e);
        }
        if (module.importSection().importCount() > 0) {
            Import i = module.importSection().getImport(0);
            throw new IllegalArgumentException("imports " + i.module() + "." + i.name() + ", which is not provided");
        }
        if (module.startSection().isPresent()) {
            throw new IllegalArgumentException("has a start function, which this library does not run");
        }
        ExportSection exports = module.exportSection();
        for (Ffi.Export wanted : Ffi.Export.values()) {
            Export found = null;
            for (int i = 0; i < exports.exportCount(); i++) {
                Export e = exports.getExport(i);
                if (e.name().equals(wanted.symbol)) {
                    found = e;
                }
            }
            if (found == null || found.exportType() != ExternalType.FUNCTION) {
                throw new IllegalArgumentException("missing export " + wanted.symbol);
            }
            FunctionType type = module.functionSection().getFunctionType(found.index(), module.typeSection());
            List<Ffi.WasmType> params = wasmTypes(type.params());
            List<Ffi.WasmType> results = wasmTypes(type.returns());
            if (params == null || results == null
                    || !params.equals(wanted.wasmParams()) || !results.equals(wanted.wasmResults())) {
                throw new IllegalArgumentException(wanted.symbol + " has type "
                        + Ffi.Export.signature(names(type.params()), names(type.returns()))
                        + ", expected " + wanted.wasmSignature());
            }
        }
        boolean memory = false;
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            memory |= e.exportType() == ExternalType.MEMORY && e.name().equals(Ffi.MEMORY);
        }
        if (!memory || module.memorySection().isEmpty()) {
            throw new IllegalArgumentException("missing export " + Ffi.MEMORY + " (its own linear memory)");
        }
        return module;
    }

    /** The types as the boundary knows them, or null if one is neither i32 nor i64. */
    private static List<Ffi.WasmType> wasmTypes(List<ValType> types) {
        List<Ffi.WasmType> out = new ArrayList<>();
        for (ValType t : types) {
            if (t.equals(ValType.I32)) {
                out.add(Ffi.WasmType.I32);
            } else if (t.equals(ValType.I64)) {
                out.add(Ffi.WasmType.I64);
            } else {
                return null;
            }
        }
        return out;
    }

    private static List<String> names(List<ValType> types) {
        List<String> out = new ArrayList<>();
        for (ValType t : types) {
            out.add(t.toString().toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }

    /** The exports through the runtime's exported functions: every engine, every module. */
    private static final class ExportedFunctions implements WasmExports {
        private final ExportFunction createPerson;
        private final ExportFunction getPersonDetails;
        private final ExportFunction freePerson;
        private final ExportFunction getErrorMessage;
        private final ExportFunction freeError;
        private final ExportFunction alloc;
        private final ExportFunction dealloc;
        private final ExportFunction lastStatus;
        private final ExportFunction liveAllocations;
        private final ExportFunction abiLayout;
        private final ExportFunction panicMessage;

        ExportedFunctions(Instance instance) {
            createPerson = instance.export(Ffi.Export.CREATE_PERSON.symbol);
            getPersonDetails = instance.export(Ffi.Export.GET_PERSON_DETAILS.symbol);
            freePerson = instance.export(Ffi.Export.FREE_PERSON.symbol);
            getErrorMessage = instance.export(Ffi.Export.GET_ERROR_MESSAGE.symbol);
            freeError = instance.export(Ffi.Export.FREE_ERROR.symbol);
            alloc = instance.export(Ffi.Export.ALLOC.symbol);
            dealloc = instance.export(Ffi.Export.DEALLOC.symbol);
            lastStatus = instance.export(Ffi.Export.LAST_STATUS.symbol);
            liveAllocations = instance.export(Ffi.Export.LIVE_ALLOCATIONS.symbol);
            abiLayout = instance.export(Ffi.Export.ABI_LAYOUT.symbol);
            panicMessage = instance.export(Ffi.Export.PANIC_MESSAGE.symbol);
        }

        @Override public int createPerson(int name, int age) { return (int) createPerson.apply(name, age)[0]; }
        @Override public int getPersonDetails(int person) { return (int) getPersonDetails.apply(person)[0]; }
        @Override public void freePerson(int person) { freePerson.apply(person); }
        @Override public int getErrorMessage() { return (int) getErrorMessage.apply()[0]; }
        @Override public void freeError(int error) { freeError.apply(error); }
        @Override public int alloc(int len) { return (int) alloc.apply(len)[0]; }
        @Override public void dealloc(int ptr, int len) { dealloc.apply(ptr, len); }
        @Override public int lastStatus() { return (int) lastStatus.apply()[0]; }
        @Override public long liveAllocations() { return liveAllocations.apply()[0]; }
        @Override public int abiLayout(int query) { return (int) abiLayout.apply(query)[0]; }
        @Override public int panicMessage() { return (int) panicMessage.apply()[0]; }
    }

    private final WasmExports exports;
    private final Memory memory;
    /** Where the panic hook writes; read without calling into a trapped instance. */
    private final int panicMessage;

    private ChicoryGuest(Instance instance, boolean direct) {
        this.exports = direct ? new CompiledFunctions(instance) : new ExportedFunctions(instance);
        this.memory = instance.memory();
        this.panicMessage = exports.panicMessage();
        if (direct) {
            // The JVM links a method-handle call site on its first run, which takes about a
            // millisecond in a fresh JVM. Run each once here with null arguments, which Rust
            // answers without touching its heap, so the first real call starts fast
            // (get_error_message has no such argument: it links on first use).
            exports.createPerson(0, 0);
            exports.getPersonDetails(0);
            exports.freePerson(0);
            exports.freeError(0);
            exports.lastStatus();
            exports.liveAllocations();
        }
    }

    /** The shipped module on {@code engine}, with {@link #DEFAULT_MAX_PAGES}. */
    public static ChicoryGuest load(Engine engine) {
        return Loader.shipped(engine, DEFAULT_MAX_PAGES).instantiate();
    }

    /** Whether calls go straight to the compiled functions (the build-time compiler only). */
    boolean directCalls() {
        return exports instanceof CompiledFunctions;
    }

    @Override
    public Ffi.Layout expectedLayout() {
        return Ffi.WASM32;
    }

    // Wasm32 pointers are i32; linear memory stays below 2 GiB (the cap's limit), so int casts of
    // addresses are exact, and results are read back as unsigned.

    @Override public long createPerson(long name, int age) { return Integer.toUnsignedLong(exports.createPerson((int) name, age)); }
    @Override public long getPersonDetails(long person) { return Integer.toUnsignedLong(exports.getPersonDetails((int) person)); }
    @Override public void freePerson(long person) { exports.freePerson((int) person); }
    @Override public long getErrorMessage() { return Integer.toUnsignedLong(exports.getErrorMessage()); }
    @Override public void freeError(long error) { exports.freeError((int) error); }
    @Override public long alloc(long len) { return len > Integer.MAX_VALUE ? 0 : Integer.toUnsignedLong(exports.alloc((int) len)); }
    @Override public void dealloc(long ptr, long len) { exports.dealloc((int) ptr, (int) len); }
    @Override public int lastStatus() { return exports.lastStatus(); }
    @Override public long liveAllocations() { return exports.liveAllocations(); }
    @Override public int abiLayout(int query) { return exports.abiLayout(query); }

    @Override
    public long memorySize() {
        return (long) memory.pages() * PAGE;
    }

    @Override
    public long memoryLimit() {
        return (long) memory.maximumPages() * PAGE;
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
        int end = memory.pages() * PAGE;
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
        byte[] first = memory.readBytes(start, Math.min(STRLEN_CHUNK, memory.pages() * PAGE - start));
        int nul = Bytes.indexOf(first, (byte) 0);
        if (nul >= 0) {
            return new String(first, 0, nul, StandardCharsets.UTF_8);
        }
        int len = first.length + strlen(start + first.length);
        return new String(memory.readBytes(start, len), StandardCharsets.UTF_8);
    }

    @Override
    public String panicMessage() {
        // Diagnostic text from a module that just failed: never read past the hook's buffer, and
        // never throw from here.
        long size = memorySize();
        if (panicMessage < 0 || panicMessage >= size) {
            return "";
        }
        byte[] text = memory.readBytes(panicMessage, (int) Math.min(PANIC_MESSAGE_CAPACITY, size - panicMessage));
        int nul = Bytes.indexOf(text, (byte) 0);
        return new String(text, 0, nul >= 0 ? nul : text.length, StandardCharsets.UTF_8);
    }

    @Override
    public RuntimeException fault(RuntimeException failure) {
        if (failure instanceof ChicoryInterruptedException) {
            return new CallInterruptedException("the call was interrupted inside the Wasm module", failure);
        }
        if (!(failure instanceof ChicoryException)) {
            return null;
        }
        // A Rust panic on wasm32 aborts with `unreachable`; its hook wrote the message first.
        return Guest.trapped(panicMessage(), failure);
    }

    @Override
    public void close() {
        // An instance holds only heap objects: dropping it frees it.
    }
}
