package io.github.rustjava.runtime;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.ImportFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.ChicoryException;
import io.github.rustjava.runtime.internal.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One running instance of a binding's module: its memory, the boundary crate's exports, and the
 * binding's exports, by name or (for the build-time compiler) as direct calls. Not thread-safe:
 * one call at a time, which the managed api ensures. Made by {@link Binding.Loader#instantiate}.
 */
public final class WasmInstance implements GuestMemory {

    /** Bytes of a Wasm page. */
    public static final int PAGE = 65536;

    /** Bytes read per bulk read while looking for a NUL: most strings fit in the first one. */
    private static final int STRLEN_CHUNK = 64;

    /** The boundary crate's panic-message buffer: a message is never read further than this. */
    private static final int PANIC_MESSAGE_CAPACITY = 1024;

    /** An export called through the runtime: every engine, every module. */
    @FunctionalInterface
    public interface Function {
        /** Calls it; its one result, or 0 for none. */
        long call(long... args);
    }

    private final Instance instance;
    private final Memory memory;
    private final Faults faults;
    private final boolean direct;
    private final ExportFunction alloc;
    private final ExportFunction dealloc;
    private final ExportFunction lastStatus;
    private final ExportFunction liveAllocations;
    private final ExportFunction abiLayout;
    /** Where the panic hook writes; read without calling into a trapped instance. */
    private final int panicMessage;
    /** What a host function threw during the current Wasm call, kept for the binding to rethrow. */
    private Throwable hostFailure;
    /** The binding's own state, for its host functions. */
    private Object attachment;

    WasmInstance(Instance instance, Faults faults, boolean direct) {
        this.instance = instance;
        this.memory = instance.memory();
        this.faults = faults;
        this.direct = direct;
        this.alloc = instance.export(Boundary.ALLOC.name());
        this.dealloc = instance.export(Boundary.DEALLOC.name());
        this.lastStatus = instance.export(Boundary.LAST_STATUS.name());
        this.liveAllocations = instance.export(Boundary.LIVE_ALLOCATIONS.name());
        this.abiLayout = instance.export(Boundary.ABI_LAYOUT.name());
        this.panicMessage = (int) instance.export(Boundary.PANIC_MESSAGE.name()).apply()[0];
    }

    // For the direct calls of CompiledCode: the compiled functions take the memory and instance.
    Memory memory() {
        return memory;
    }

    Instance instance() {
        return instance;
    }

    /** Whether the binding's direct calls ({@link Binding#direct}) may be used on this instance. */
    public boolean directCalls() {
        return direct;
    }

    /** The export {@code name}, called through the runtime's exported function. */
    public Function function(String name) {
        ExportFunction f = instance.export(name);
        return args -> {
            long[] results = f.apply(args);
            return results == null || results.length == 0 ? 0 : results[0];
        };
    }

    /** What a direct call threw, rethrown: a deep recursion becomes a trap, as everywhere else. */
    public static RuntimeException rethrow(Throwable t) {
        return CompiledCode.rethrow(t);
    }

    // --- the boundary crate's exports ---
    // Wasm32 pointers are i32; linear memory stays below 2 GiB (the cap's limit), so int casts of
    // addresses are exact, and results are read back as unsigned.

    @Override
    public long alloc(long len) {
        return len > Integer.MAX_VALUE ? 0 : Integer.toUnsignedLong((int) alloc.apply(len)[0]);
    }

    @Override
    public void dealloc(long ptr, long len) {
        dealloc.apply(ptr, len);
    }

    /** {@code int32_t last_status(void)}: why the last call failed. */
    public int lastStatus() {
        return (int) lastStatus.apply()[0];
    }

    /** {@code uint64_t live_allocations(void)}: blocks the module's allocator holds. */
    public long liveAllocations() {
        return liveAllocations.apply()[0];
    }

    /** {@code int32_t abi_layout(int32_t query)}: see {@link Layout}. */
    public int abiLayout(int query) {
        return (int) abiLayout.apply(query)[0];
    }

    // --- memory ---

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
    public long readLong(long address) {
        return memory.readLong((int) address);
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

    // --- host functions ---

    /**
     * Makes the binding's host functions for one instance: {@link Binding.Loader#instantiate}
     * builds the runtime's instance with {@link #imports} and then hands the WasmInstance to
     * {@link #started}, which the functions need to run.
     */
    static final class Host {
        private WasmInstance instance;

        ImportValues imports(List<HostFunction> functions) {
            List<ImportFunction> out = new ArrayList<>();
            for (HostFunction f : functions) {
                out.add(new com.dylibso.chicory.runtime.HostFunction(f.module(), f.name(), wasm(f.params()), wasm(f.results()),
                        (caller, args) -> call(f, args)));
            }
            return ImportValues.builder().withFunctions(out).build();
        }

        WasmInstance started(WasmInstance instance) {
            this.instance = instance;
            return instance;
        }

        /**
         * One call from the guest into Java: the rules of {@link HostFunction}. Nothing thrown by
         * the body unwinds through the guest, except the interrupt that stops the Wasm call.
         */
        private long[] call(HostFunction f, long[] args) {
            WasmInstance w = instance;
            if (w == null) {
                throw new IllegalStateException("the module called " + f.module() + "." + f.name() + " while it started");
            }
            long result = f.onThrow();
            if (w.hostFailure == null) { // after a failure Rust gets "stop" until the Wasm call ends
                try {
                    result = f.body().call(w, args);
                } catch (Throwable t) {
                    if (t instanceof InterruptedException) {
                        Thread.currentThread().interrupt(); // the body was stopped by an interrupt: so is the call
                    }
                    if (!Thread.currentThread().isInterrupted()) {
                        w.hostFailure = t;
                    } else {
                        throw new ChicoryInterruptedException("the thread was interrupted in " + f.module() + "." + f.name(), t);
                    }
                }
            }
            // An interrupt or a timeout that landed while Java ran ends the call as it would in Wasm.
            if (Thread.currentThread().isInterrupted()) {
                throw new ChicoryInterruptedException("the thread was interrupted in " + f.module() + "." + f.name());
            }
            return f.results().isEmpty() ? null : new long[] {result};
        }

        private static List<com.dylibso.chicory.wasm.types.ValType> wasm(List<WasmType> types) {
            List<com.dylibso.chicory.wasm.types.ValType> out = new ArrayList<>();
            for (WasmType t : types) {
                out.add(t == WasmType.I32 ? com.dylibso.chicory.wasm.types.ValType.I32 : com.dylibso.chicory.wasm.types.ValType.I64);
            }
            return out;
        }
    }

    /** Gives the binding's host functions the binding's own object for this instance. */
    public void attach(Object state) {
        this.attachment = state;
    }

    /** What the binding attached, or null. */
    public Object attachment() {
        return attachment;
    }

    /** Forgets what a host function threw: call before a call that may call back. */
    public void clearHostFailure() {
        hostFailure = null;
    }

    /**
     * Throws what a host function threw during the last call, as itself (a checked exception too),
     * and forgets it; returns if nothing was thrown. Call after the Wasm call returned, outside the
     * translation of faults: the exception is the caller's own, not a fault of the guest.
     */
    public void rethrowHostFailure() {
        Throwable t = hostFailure;
        if (t != null) {
            hostFailure = null;
            throw WasmInstance.<RuntimeException>sneaky(t);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }

    // --- faults ---

    /** What the panic hook wrote before the last trap, or "": never throws, never calls the module. */
    public String panicMessage() {
        long size = memorySize();
        if (panicMessage < 0 || panicMessage >= size) {
            return "";
        }
        byte[] text = memory.readBytes(panicMessage, (int) Math.min(PANIC_MESSAGE_CAPACITY, size - panicMessage));
        int nul = Bytes.indexOf(text, (byte) 0);
        return new String(text, 0, nul >= 0 ? nul : text.length, StandardCharsets.UTF_8);
    }

    /**
     * The exception for {@code failure} of a call into this instance, if it is a fault of the
     * runtime (a trap, an interrupt inside the guest); null for anything else.
     */
    public RuntimeException fault(RuntimeException failure) {
        if (failure instanceof ChicoryInterruptedException) {
            return withHostFailure(faults.interrupted("the call was interrupted inside the Wasm module", failure));
        }
        if (!(failure instanceof ChicoryException)) {
            return null;
        }
        // A Rust panic on wasm32 aborts with `unreachable`; its hook wrote the message first.
        return withHostFailure(faults.trapped(panicMessage(), failure));
    }

    /** A fault after a host function threw: the fault is what the caller gets, with the other attached. */
    private RuntimeException withHostFailure(RuntimeException fault) {
        if (hostFailure != null) {
            fault.addSuppressed(hostFailure);
            hostFailure = null;
        }
        return fault;
    }
}
