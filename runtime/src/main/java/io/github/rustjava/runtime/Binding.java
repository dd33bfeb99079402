package io.github.rustjava.runtime;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.MStack;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.CodeSection;
import com.dylibso.chicory.wasm.types.CustomSection;
import com.dylibso.chicory.wasm.types.DataCountSection;
import com.dylibso.chicory.wasm.types.DataSection;
import com.dylibso.chicory.wasm.types.ElementSection;
import com.dylibso.chicory.wasm.types.FunctionSection;
import com.dylibso.chicory.wasm.types.GlobalSection;
import com.dylibso.chicory.wasm.types.ImportSection;
import com.dylibso.chicory.wasm.types.MemorySection;
import com.dylibso.chicory.wasm.types.SectionId;
import com.dylibso.chicory.wasm.types.TableSection;
import com.dylibso.chicory.wasm.types.TypeSection;
import com.dylibso.chicory.wasm.types.ExportSection;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What a binding declares about its crate: the exports it calls and the host functions it provides
 * ({@link HostFunction}), with their exact Wasm types, the struct layouts Rust must report, the
 * module it ships and the class the build-time compiler made from it, and the exceptions its users
 * see. From it the runtime loads, checks and starts modules
 * on any {@link Engine}; the binding's own module is trusted, any other is checked before any of
 * its code runs.
 */
public final class Binding {

    /**
     * Default cap on a module's linear memory: 8192 pages of 64 KiB, 512 MiB. A module would
     * otherwise be allowed 4 GiB, and a JVM heap should not be at the mercy of one huge input.
     */
    public static final int DEFAULT_MAX_PAGES = 8192;

    private final List<Export> exports;
    private final List<HostFunction> imports;
    private final Layout layout;
    private final Supplier<InputStream> shipped;
    private final Compiled compiled; // or null
    private final Faults faults;
    private WasmModule shippedModule; // parsed on first use
    private WasmModule compiledModule; // parsed on first use
    private Function<Instance, Machine> shippedCompiled; // compiled on first use, then shared

    private Binding(List<Export> exports, List<HostFunction> imports, Layout layout, Supplier<InputStream> shipped,
            Compiled compiled, Faults faults) {
        List<Export> all = new ArrayList<>(exports);
        all.addAll(Boundary.EXPORTS);
        this.exports = List.copyOf(all);
        this.imports = List.copyOf(imports);
        for (int i = 0; i < this.imports.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (sameName(this.imports.get(i), this.imports.get(j).module(), this.imports.get(j).name())) {
                    throw new IllegalArgumentException("host function " + this.imports.get(i).module() + "."
                            + this.imports.get(i).name() + " is declared twice");
                }
            }
        }
        this.layout = layout;
        this.shipped = shipped;
        this.compiled = compiled;
        this.faults = faults;
    }

    /**
     * A binding of modules that export {@code exports} (the boundary crate's own are added), whose
     * {@code abi_layout} reports {@code layout}, and whose faults the user sees as {@code faults}.
     *
     * @param shipped the module the binding ships (a resource of its jar), trusted; null if none
     * @param compiled what the build-time compiler made from {@code shipped}; null if none
     */
    public static Binding of(List<Export> exports, Layout layout, Supplier<InputStream> shipped, Compiled compiled,
            Faults faults) {
        return of(exports, List.of(), layout, shipped, compiled, faults);
    }

    /**
     * A binding whose modules may also import {@code imports}, functions written in Java that
     * Rust calls back: each instance gets them, and a module may import those and no others.
     */
    public static Binding of(List<Export> exports, List<HostFunction> imports, Layout layout,
            Supplier<InputStream> shipped, Compiled compiled, Faults faults) {
        return new Binding(Objects.requireNonNull(exports, "exports"), Objects.requireNonNull(imports, "imports"),
                Objects.requireNonNull(layout, "layout"), shipped, compiled, Objects.requireNonNull(faults, "faults"));
    }

    /** The host functions this binding provides. */
    public List<HostFunction> imports() {
        return imports;
    }

    /**
     * The classes the build-time compiler made from a binding's module, as the binding can reach
     * them and the runtime cannot: they need not be public, and on the module path their package
     * is the binding's own.
     *
     * @param lookup a lookup in the generated module class, made in its package:
     *     {@code MethodHandles.lookup().in(PersonModule.class)}
     * @param resources the generated class's resources, read by the binding's own code:
     *     {@code name -> PersonModule.class.getResourceAsStream(name)}
     */
    public record Compiled(MethodHandles.Lookup lookup, Function<String, InputStream> resources) {
        public Compiled {
            Objects.requireNonNull(lookup, "lookup");
            Objects.requireNonNull(resources, "resources");
        }
    }

    public Layout layout() {
        return layout;
    }

    public Faults faults() {
        return faults;
    }

    /**
     * The shipped module, parsed once, for every engine: the build-time compiler's classes were
     * made from these same bytes. It is not validated again: the build-time compiler validated it
     * when the binding was built, and validating costs a fresh JVM tens of milliseconds of class
     * loading before its first call. Modules from outside are always validated.
     */
    private synchronized WasmModule shippedModule() {
        if (shippedModule == null) {
            shippedModule = parseTrusted(shipped == null ? null : shipped.get(), "the binding's module");
        }
        return shippedModule;
    }

    /**
     * The shipped module as the build-time compiler left it beside its classes, for them: every
     * section but the code, whose bodies are stubs (the classes run them). A fraction of the
     * bytes, and no instruction to decode.
     */
    private synchronized WasmModule compiledModule() {
        if (compiledModule == null) {
            compiledModule = parseTrusted(CompiledCode.meta(compiled), compiled.lookup().lookupClass().getName() + "'s module");
        }
        return compiledModule;
    }

    /**
     * Parses a module of the binding's jar, unvalidated and unhashed: the runtime's one-call parse
     * also takes a SHA-256 of the bytes (a key for its compiler's cache, which is not used here),
     * and in a fresh JVM that digest starts the security providers first.
     */
    private static WasmModule parseTrusted(InputStream stream, String what) {
        if (stream == null) {
            throw new IllegalStateException(what + " is missing from its jar");
        }
        WasmModule.Builder module = WasmModule.builder().withValidation(false);
        try (InputStream in = stream) {
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
                    default -> throw new IllegalStateException(what + " has an unexpected section " + section.sectionId());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return module.build();
    }

    private synchronized Function<Instance, Machine> shippedCompiled() {
        if (shippedCompiled == null) {
            shippedCompiled = compiler(shippedModule());
        }
        return shippedCompiled;
    }

    /**
     * The build-time compiled function of the shipped module's {@code export}, typed {@code
     * (params..., WasmInstance) -> result} for {@code type}; null where there is none, or this
     * compiler version names its functions otherwise (then call through {@link
     * WasmInstance#function}). Keep it in a {@code static final} field, so the JIT treats it as a
     * constant and inlines the call.
     */
    public MethodHandle direct(String export, MethodType type) {
        return compiled == null ? null : CompiledCode.function(compiled.lookup(), compiledModule(), export, type);
    }

    /**
     * The module this binding ships, on {@code engine}, with a memory cap of {@code maxPages}.
     * {@code stoppable}: whether calls must stop promptly when interrupted (a call timeout is
     * set). Rust's loops branch back with br_if, which the interpreter does not check by itself,
     * so that costs the interpreter a check per instruction; the compilers always check.
     */
    public Loader shipped(Engine engine, int maxPages, boolean stoppable) {
        switch (engine) {
            case INTERPRETER:
                return new Loader(shippedModule(), null, false, true, maxPages, stoppable);
            case RUNTIME_COMPILER:
                return new Loader(shippedModule(), shippedCompiled(), false, true, maxPages, false);
            case BUILD_TIME_COMPILER:
                if (compiled == null) {
                    throw new IllegalArgumentException("this binding has no build-time compiled module");
                }
                return new Loader(compiledModule(), CompiledCode.machine(compiled.lookup()), true, true, maxPages, false);
            default:
                throw new IllegalArgumentException("unknown engine " + engine);
        }
    }

    /**
     * A module from outside the binding's jar, checked before anything of it runs: a Wasm binary
     * that exports every function of the binding and of the boundary crate with its exact type and
     * a memory, imports nothing but the binding's host functions (each with its exact type), and
     * has no start function. Its ABI version and layout are checked
     * when an instance starts.
     *
     * @throws IllegalArgumentException naming the first problem; for the build-time compiler,
     *     which only knows the shipped module
     */
    public Loader untrusted(byte[] wasm, Engine engine, int maxPages) {
        if (engine == Engine.BUILD_TIME_COMPILER) {
            throw new IllegalArgumentException("Engine.BUILD_TIME_COMPILER runs only the module compiled into "
                    + "this library; load another module with Engine.INTERPRETER or Engine.RUNTIME_COMPILER");
        }
        WasmModule module = check(wasm);
        return new Loader(module, engine == Engine.RUNTIME_COMPILER ? compiler(module) : null, false, false, maxPages,
                engine == Engine.INTERPRETER);
    }

    /** A module checked and ready to instantiate on one engine; its instances share its parsed and compiled code. */
    public final class Loader {
        private final WasmModule module;
        private final Function<Instance, Machine> machine; // null: the interpreter
        private final boolean buildTimeCompiled;
        private final boolean trusted;
        private final int maxPages;
        /** Whether the interpreter checks for an interrupt at every br_if and br_table ({@link #interruptAtBranch}). */
        private final boolean stopLoops;

        private Loader(WasmModule module, Function<Instance, Machine> machine, boolean buildTimeCompiled, boolean trusted,
                int maxPages, boolean stopLoops) {
            this.module = module;
            this.machine = machine;
            this.buildTimeCompiled = buildTimeCompiled;
            this.trusted = trusted;
            this.maxPages = maxPages;
            this.stopLoops = stopLoops;
            int initial = initialPages(module);
            if (maxPages < initial || maxPages > MemoryLimits.MAX_PAGES / 2) {
                throw new IllegalArgumentException("the memory cap must be between " + initial + " pages ("
                        + initial * 64 + " KiB, what the module needs to start) and 2 GiB; got " + maxPages + " pages");
            }
        }

        /** Whether this is the binding's own module, whose results are trusted. */
        public boolean trusted() {
            return trusted;
        }

        /** A fresh instance; the binding checks its ABI version and layout ({@link Layout#verify}). */
        public WasmInstance instantiate() {
            // The host functions reach the WasmInstance, which exists only once the runtime's
            // instance is built: they find it through this holder.
            WasmInstance.Host host = new WasmInstance.Host();
            Instance.Builder builder = Instance.builder(module)
                    .withMemoryLimits(new MemoryLimits(initialPages(module), maxPages))
                    .withMemoryFactory(ByteArrayMemory::new)
                    .withImportValues(imports.isEmpty() ? ImportValues.empty() : host.imports(imports));
            if (machine != null) {
                builder.withMachineFactory(machine);
            } else if (stopLoops) {
                builder.withUnsafeExecutionListener(Binding::interruptAtBranch);
            }
            return host.started(new WasmInstance(builder.build(), faults, buildTimeCompiled));
        }

        /**
         * A fresh instance, made into the binding's backend by {@code backend} (which checks its
         * ABI version and layout). A failure of the module while it starts (a trap in its ABI
         * check, a data segment outside its memory) is refused with IllegalArgumentException, or
         * IllegalStateException for the binding's own module: the runtime's own exception types
         * never leave here.
         */
        public <B> B start(Function<WasmInstance, B> backend) {
            try {
                return backend.apply(instantiate());
            } catch (ChicoryException e) {
                if (trusted) {
                    throw new IllegalStateException("the module in this library failed to start: " + e.getMessage(), e);
                }
                throw new IllegalArgumentException("the module failed to start: " + e.getMessage(), e);
            }
        }
    }

    /**
     * The runtime's interpreter stops for an interrupt at br, call and call_indirect, but not at
     * br_if or br_table, so a loop that branches back with one of those would not stop: a module
     * from outside may loop so forever, and a shipped one copies a long string so for seconds. The
     * call timeout must end both. Run before each instruction of any module from outside, and of
     * the shipped one under a call timeout, on the interpreter; the compilers check every branch
     * back to a loop themselves.
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
     * Parses {@code wasm} and checks what the binding needs of it before anything in it runs.
     *
     * @throws IllegalArgumentException naming the first problem
     */
    WasmModule check(byte[] wasm) {
        if (wasm.length < 8 || wasm[0] != 0 || wasm[1] != 'a' || wasm[2] != 's' || wasm[3] != 'm') {
            throw new IllegalArgumentException("not a WebAssembly module (no \\0asm header)");
        }
        ModuleLimits.checkLocals(wasm); // before the parser expands them
        WasmModule module;
        try {
            module = Parser.parse(wasm);
        } catch (ChicoryException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("not a valid WebAssembly module: " + e.getMessage(), e);
        }
        ModuleLimits.check(module);
        for (int n = 0; n < module.importSection().importCount(); n++) {
            Import i = module.importSection().getImport(n);
            HostFunction provided = null;
            for (HostFunction h : imports) {
                if (sameName(h, i.module(), i.name())) {
                    provided = h;
                }
            }
            if (provided == null || i.importType() != ExternalType.FUNCTION) {
                throw new IllegalArgumentException("imports " + i.module() + "." + i.name() + ", which is not provided");
            }
            FunctionType type = module.typeSection().getType(((FunctionImport) i).typeIndex());
            List<WasmType> params = wasmTypes(type.params());
            List<WasmType> results = wasmTypes(type.returns());
            if (params == null || results == null || !params.equals(provided.params()) || !results.equals(provided.results())) {
                throw new IllegalArgumentException("imports " + i.module() + "." + i.name() + " with type "
                        + Export.signature(names(type.params()), names(type.returns())) + ", expected " + provided.signature());
            }
        }
        if (module.startSection().isPresent()) {
            throw new IllegalArgumentException("has a start function, which this library does not run");
        }
        ExportSection exports = module.exportSection();
        for (Export wanted : this.exports) {
            com.dylibso.chicory.wasm.types.Export found = null;
            for (int i = 0; i < exports.exportCount(); i++) {
                com.dylibso.chicory.wasm.types.Export e = exports.getExport(i);
                if (e.name().equals(wanted.name())) {
                    found = e;
                }
            }
            if (found == null || found.exportType() != ExternalType.FUNCTION) {
                throw new IllegalArgumentException("missing export " + wanted.name());
            }
            FunctionType type = functionType(module, found.index());
            List<WasmType> params = wasmTypes(type.params());
            List<WasmType> results = wasmTypes(type.returns());
            if (params == null || results == null || !params.equals(wanted.params()) || !results.equals(wanted.results())) {
                throw new IllegalArgumentException(wanted.name() + " has type "
                        + Export.signature(names(type.params()), names(type.returns())) + ", expected " + wanted.signature());
            }
        }
        boolean memory = false;
        for (int i = 0; i < exports.exportCount(); i++) {
            com.dylibso.chicory.wasm.types.Export e = exports.getExport(i);
            memory |= e.exportType() == ExternalType.MEMORY && e.name().equals(Boundary.MEMORY);
        }
        if (!memory || module.memorySection().isEmpty()) {
            throw new IllegalArgumentException("missing export " + Boundary.MEMORY + " (its own linear memory)");
        }
        return module;
    }

    /**
     * The type of function {@code index}: imported functions come first in the index space (every
     * import is a function once the imports are checked), then the module's own.
     */
    private static FunctionType functionType(WasmModule module, int index) {
        int imported = module.importSection().importCount();
        if (index < imported) {
            return module.typeSection().getType(((FunctionImport) module.importSection().getImport(index)).typeIndex());
        }
        return module.functionSection().getFunctionType(index - imported, module.typeSection());
    }

    private static boolean sameName(HostFunction h, String module, String name) {
        return h.module().equals(module) && h.name().equals(name);
    }

    /** The types as the boundary knows them, or null if one is neither i32 nor i64. */
    private static List<WasmType> wasmTypes(List<ValType> types) {
        List<WasmType> out = new ArrayList<>();
        for (ValType t : types) {
            if (t.equals(ValType.I32)) {
                out.add(WasmType.I32);
            } else if (t.equals(ValType.I64)) {
                out.add(WasmType.I64);
            } else {
                return null;
            }
        }
        return out;
    }

    private static List<String> names(List<ValType> types) {
        List<String> out = new ArrayList<>();
        for (ValType t : types) {
            out.add(t.toString().toLowerCase(Locale.ROOT));
        }
        return out;
    }
}
