package io.github.rustjava.person.internal;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import io.github.rustjava.person.Engine;
import io.github.rustjava.person.RustPanicException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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

    private static final int STRLEN_CHUNK = 256;

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

    private final PersonModuleInterface_ModuleExports exports;
    private final Memory memory;
    /** Where the panic hook writes; read without calling into a trapped instance. */
    private final int panicMessage;

    private ChicoryGuest(Instance instance) {
        this.exports = new PersonModuleInterface_ModuleExports(instance);
        this.memory = exports.memory();
        this.panicMessage = exports.panicMessage();
    }

    /** Instantiates the module on {@code engine}, with {@link #DEFAULT_MAX_PAGES}. */
    public static ChicoryGuest load(Engine engine) {
        WasmModule module;
        Function<Instance, Machine> machine;
        switch (engine) {
            case INTERPRETER:
                module = Parsed.MODULE;
                machine = null; // Chicory's default InterpreterMachine
                break;
            case RUNTIME_COMPILER:
                module = Parsed.MODULE;
                machine = Compiled.FACTORY;
                break;
            case BUILD_TIME_COMPILER:
                module = PersonModule.load();
                machine = PersonModule::create;
                break;
            default:
                throw new IllegalArgumentException("unknown engine " + engine);
        }
        int initial = module.memorySection().orElseThrow().getMemory(0).limits().initialPages();
        Instance.Builder builder = Instance.builder(module)
                .withMemoryLimits(new MemoryLimits(initial, Math.max(initial, DEFAULT_MAX_PAGES)))
                .withMemoryFactory(ByteArrayMemory::new);
        if (machine != null) {
            builder.withMachineFactory(machine);
        }
        return new ChicoryGuest(builder.build());
    }

    @Override
    public Abi.Layout expectedLayout() {
        return Abi.WASM32;
    }

    // Wasm32 pointers are i32; linear memory stays below 2 GiB (DEFAULT_MAX_PAGES), so int casts
    // of addresses are exact.

    @Override
    public long createPerson(long name, int age) {
        return exports.createPerson((int) name, age);
    }

    @Override
    public long getPersonDetails(long person) {
        return exports.getPersonDetails((int) person);
    }

    @Override
    public void freePerson(long person) {
        exports.freePerson((int) person);
    }

    @Override
    public long getErrorMessage() {
        return exports.getErrorMessage();
    }

    @Override
    public void freeError(long error) {
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
        return exports.lastStatus();
    }

    @Override
    public long liveAllocations() {
        return exports.liveAllocations();
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
        // Chunked bulk reads: one bounds check per chunk instead of one call per byte.
        int start = (int) address;
        int end = memory.pages() * 65536;
        for (int at = start; at < end; at += STRLEN_CHUNK) {
            byte[] chunk = memory.readBytes(at, Math.min(STRLEN_CHUNK, end - at));
            for (int i = 0; i < chunk.length; i++) {
                if (chunk[i] == 0) {
                    return at - start + i;
                }
            }
        }
        throw new IllegalStateException("unterminated C string at " + start);
    }

    @Override
    public String panicMessage() {
        int len = strlen(panicMessage);
        return new String(memory.readBytes(panicMessage, len), StandardCharsets.UTF_8);
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
        String panic = panicMessage();
        String message = panic.isEmpty()
                ? "the Wasm module trapped: " + failure.getMessage()
                : "Rust panicked: " + panic;
        return new RustPanicException(message, failure);
    }

    @Override
    public void close() {
        // A Chicory instance holds only heap objects: dropping it frees it.
    }
}
