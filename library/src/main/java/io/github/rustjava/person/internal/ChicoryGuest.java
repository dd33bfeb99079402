package io.github.rustjava.person.internal;

import io.github.rustjava.person.Engine;
import io.github.rustjava.runtime.Binding;
import io.github.rustjava.runtime.WasmInstance;
import java.util.function.Supplier;

/**
 * The Person crate in a Wasm instance of the runtime: its C ABI over the instance's exports and
 * memory. The three engines differ only in how the runtime executes the code.
 */
public final class ChicoryGuest implements Guest {

    /** Default cap on the module's linear memory, in pages: {@link Binding#DEFAULT_MAX_PAGES}. */
    public static final int DEFAULT_MAX_PAGES = Binding.DEFAULT_MAX_PAGES;

    /** The exports through the runtime's exported functions: every engine, every module. */
    private static final class ExportedFunctions implements WasmExports {
        private final WasmInstance.Function createPerson;
        private final WasmInstance.Function getPersonDetails;
        private final WasmInstance.Function freePerson;
        private final WasmInstance.Function getErrorMessage;
        private final WasmInstance.Function freeError;
        private final WasmInstance instance;

        ExportedFunctions(WasmInstance instance) {
            this.instance = instance;
            createPerson = instance.function(Ffi.Export.CREATE_PERSON.symbol);
            getPersonDetails = instance.function(Ffi.Export.GET_PERSON_DETAILS.symbol);
            freePerson = instance.function(Ffi.Export.FREE_PERSON.symbol);
            getErrorMessage = instance.function(Ffi.Export.GET_ERROR_MESSAGE.symbol);
            freeError = instance.function(Ffi.Export.FREE_ERROR.symbol);
        }

        @Override public int createPerson(int name, int age) { return (int) createPerson.call(name, age); }
        @Override public int getPersonDetails(int person) { return (int) getPersonDetails.call(person); }
        @Override public void freePerson(int person) { freePerson.call(person); }
        @Override public int getErrorMessage() { return (int) getErrorMessage.call(); }
        @Override public void freeError(int error) { freeError.call(error); }
        @Override public int alloc(int len) { return (int) instance.alloc(Integer.toUnsignedLong(len)); }
        @Override public void dealloc(int ptr, int len) { instance.dealloc(Integer.toUnsignedLong(ptr), Integer.toUnsignedLong(len)); }
        @Override public int lastStatus() { return instance.lastStatus(); }
        @Override public long liveAllocations() { return instance.liveAllocations(); }
    }

    private final WasmInstance instance;
    private final WasmExports exports;

    private ChicoryGuest(WasmInstance instance) {
        this.instance = instance;
        boolean direct = instance.directCalls() && CompiledFunctions.AVAILABLE;
        this.exports = direct ? new CompiledFunctions(instance) : new ExportedFunctions(instance);
        if (direct) {
            // The JVM links a method-handle call site on its first run, which takes about a
            // millisecond in a fresh JVM. Run each once here with null arguments, which Rust
            // answers without touching its heap (alloc(0) is refused), so the first real call
            // starts fast (get_error_message has no such argument: it links on first use).
            exports.alloc(0);
            exports.dealloc(0, 0);
            exports.createPerson(0, 0);
            exports.getPersonDetails(0);
            exports.freePerson(0);
            exports.freeError(0);
            exports.lastStatus();
            exports.liveAllocations();
        }
    }

    /** The runtime's engine for this library's. */
    public static io.github.rustjava.runtime.Engine engine(Engine engine) {
        return io.github.rustjava.runtime.Engine.valueOf(engine.name());
    }

    /** The shipped module on {@code engine}, with {@link #DEFAULT_MAX_PAGES}. */
    public static ChicoryGuest load(Engine engine) {
        return new ChicoryGuest(Ffi.BINDING.shipped(engine(engine), DEFAULT_MAX_PAGES, false).instantiate());
    }

    /** Fresh instances of {@code loader}'s module with their marshalling, which checks each one's ABI and layout. */
    public static Supplier<Operations> operations(Binding.Loader loader) {
        return () -> loader.start(instance -> new Marshalling(new ChicoryGuest(instance), loader.trusted()));
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
    @Override public int abiLayout(int query) { return instance.abiLayout(query); }

    @Override public long memorySize() { return instance.memorySize(); }
    @Override public long memoryLimit() { return instance.memoryLimit(); }
    @Override public void write(long address, byte[] bytes, int length) { instance.write(address, bytes, length); }
    @Override public void writeByte(long address, byte value) { instance.writeByte(address, value); }
    @Override public byte[] read(long address, int length) { return instance.read(address, length); }
    @Override public int readInt(long address) { return instance.readInt(address); }
    @Override public long readPointer(long address) { return instance.readPointer(address); }
    @Override public int strlen(long address) { return instance.strlen(address); }
    @Override public String readCString(long address) { return instance.readCString(address); }

    @Override
    public String panicMessage() {
        return instance.panicMessage();
    }

    @Override
    public RuntimeException fault(RuntimeException failure) {
        return instance.fault(failure);
    }

    @Override
    public void close() {
        // An instance holds only heap objects: dropping it frees it.
    }
}
