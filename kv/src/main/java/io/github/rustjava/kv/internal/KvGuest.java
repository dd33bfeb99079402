package io.github.rustjava.kv.internal;

import io.github.rustjava.kv.KvVisitor;
import io.github.rustjava.runtime.Backend;
import io.github.rustjava.runtime.Binding;
import io.github.rustjava.runtime.Marshal;
import io.github.rustjava.runtime.MisbehavedException;
import io.github.rustjava.runtime.WasmInstance;
import java.util.function.Supplier;

/**
 * The store's C ABI on one Wasm instance, with its marshalling: byte arrays copied in, results
 * read out by the verified layout and freed, the visitor of a scan called back. Each method is one
 * export and returns what it returned (a failure: null or -1, and {@link #lastStatus()} says why);
 * the api turns statuses into exceptions. Not thread-safe: the api holds its lock around every call.
 */
final class KvGuest implements Backend {

    /** What a stats call reads: the numbers and the greatest key (null when there are no entries). */
    record Stats(long entries, long keyBytes, long valueBytes, byte[] lastKey) {}

    private static final byte[] EMPTY = new byte[0];

    private final WasmInstance instance;
    private final Marshal marshal;
    private final WasmInstance.Function kvNew;
    private final WasmInstance.Function kvFree;
    private final WasmInstance.Function kvPut;
    private final WasmInstance.Function kvGet;
    private final WasmInstance.Function kvDelete;
    private final WasmInstance.Function kvScan;
    private final WasmInstance.Function kvStats;
    private final WasmInstance.Function kvStatsFree;
    private final WasmInstance.Function kvExport;
    private final WasmInstance.Function kvImport;
    private final WasmInstance.Function lastErrorMessage;
    /** A block the module keeps for out-parameters: the {@code size_t} get and export write. */
    private final long outBlock;
    private final long out;
    /** Arguments up to {@link Marshal#SCRATCH_LIMIT} bytes reuse this block; larger ones get their own. */
    private long scratch;
    private int scratchCapacity;
    /** The last call found no room for its arguments: {@link #lastStatus} says so until the next call. */
    private boolean noRoom;
    /** The visitor of the scan in progress, and the context Rust passes back with each entry. */
    private KvVisitor visitor;
    private int scanContext;
    /** What the module gave kv_visit that no correct build gives: a fault of the scan, reported after it. */
    private MisbehavedException misbehaved;

    private KvGuest(WasmInstance instance, boolean trusted) {
        this.instance = instance;
        this.marshal = new Marshal(instance, trusted);
        this.kvNew = instance.function(Ffi.KV_NEW.name());
        this.kvFree = instance.function(Ffi.KV_FREE.name());
        this.kvPut = instance.function(Ffi.KV_PUT.name());
        this.kvGet = instance.function(Ffi.KV_GET.name());
        this.kvDelete = instance.function(Ffi.KV_DELETE.name());
        this.kvScan = instance.function(Ffi.KV_SCAN.name());
        this.kvStats = instance.function(Ffi.KV_STATS.name());
        this.kvStatsFree = instance.function(Ffi.KV_STATS_FREE.name());
        this.kvExport = instance.function(Ffi.KV_EXPORT.name());
        this.kvImport = instance.function(Ffi.KV_IMPORT.name());
        this.lastErrorMessage = instance.function(Ffi.LAST_ERROR_MESSAGE.name());
        instance.attach(this); // for kv_visit
        // 16 bytes, of which the first 8-aligned 8: Rust writes a size_t there through a pointer.
        this.outBlock = instance.alloc(16);
        if (outBlock == 0) {
            throw new IllegalStateException("the Rust module has no memory for its first block");
        }
        marshal.inMemory(outBlock, 16, "alloc returned a block");
        this.out = (outBlock + 7) & ~7L;
    }

    /**
     * Fresh instances of {@code loader}'s module; each one's ABI version and layout are checked
     * first. A layout that differs is the library's bug for its own module ({@link
     * IllegalStateException}), the module's for another ({@link IllegalArgumentException}).
     */
    static Supplier<KvGuest> instances(Binding.Loader loader) {
        return () -> {
            WasmInstance instance = loader.instantiate();
            try {
                Ffi.LAYOUT.verify(instance::abiLayout);
            } catch (IllegalStateException e) {
                throw loader.trusted() ? e : new IllegalArgumentException(e.getMessage(), e);
            }
            return new KvGuest(instance, loader.trusted());
        };
    }

    // --- arguments ---

    /**
     * Copies {@code a} and then {@code b} into one block of guest memory: its address (b follows
     * a), or 0 when the allocator has no room. Give it back with {@link #release}.
     */
    private long arguments(byte[] a, byte[] b) {
        noRoom = false;
        // Never an empty block: an empty argument still needs an address of its own (a null `to`
        // means "no end" to kv_scan).
        int size = Math.max(1, a.length + b.length);
        long block;
        if (size <= scratchCapacity) {
            block = scratch;
        } else if (size <= Marshal.SCRATCH_LIMIT) {
            if (scratch != 0) {
                instance.dealloc(scratch, scratchCapacity);
                scratch = 0;
                scratchCapacity = 0;
            }
            int capacity = Math.max(256, Integer.highestOneBit(size - 1) << 1);
            block = allocate(capacity);
            if (block == 0) {
                return 0;
            }
            scratch = block;
            scratchCapacity = capacity;
        } else {
            block = allocate(size);
            if (block == 0) {
                return 0;
            }
        }
        instance.write(block, a, a.length);
        instance.write(block + a.length, b, b.length);
        return block;
    }

    private long allocate(int size) {
        long block = instance.alloc(size);
        if (block == 0) {
            noRoom = true;
        } else {
            marshal.inMemory(block, size, "alloc returned a block");
        }
        return block;
    }

    /** Gives back a block of {@link #arguments} for arguments of {@code size} bytes, unless it is the scratch block. */
    private void release(long block, int size) {
        if (block != scratch) {
            instance.dealloc(block, Math.max(1, size));
        }
    }

    /** The {@code size_t} Rust wrote to the out-parameter, as an unsigned value. */
    private long outValue() {
        return Integer.toUnsignedLong(instance.readInt(out));
    }

    /**
     * Reads {@code len} bytes Rust handed over at {@code ptr} and frees them with dealloc. Bytes
     * outside the memory are refused, and not freed: the instance is retired, and a bogus pointer
     * given back to its allocator would only make it trap.
     */
    private byte[] take(long ptr, long len, String what) {
        byte[] bytes = marshal.bytes(ptr, len, what);
        instance.dealloc(ptr, len);
        return bytes;
    }

    // --- the C ABI, one method per export ---

    /** {@code kv_new()}: a store's address, or 0. */
    long newStore() {
        noRoom = false;
        long kv = Integer.toUnsignedLong((int) kvNew.call());
        if (kv != 0) {
            marshal.inMemory(kv, 1, "kv_new returned a Kv*");
        }
        return kv;
    }

    /** {@code kv_free(kv)}. */
    void free(long kv) {
        kvFree.call(kv);
    }

    /** {@code kv_put}: 1 if it replaced a value, 0 if the key is new, -1 on failure. */
    int put(long kv, byte[] key, byte[] value) {
        long block = arguments(key, value);
        if (block == 0) {
            return -1;
        }
        int result = (int) kvPut.call(kv, block, key.length, block + key.length, value.length);
        release(block, key.length + value.length);
        return result;
    }

    /** {@code kv_get}: the value; null when Rust returned none, with {@link #lastStatus()} NOT_FOUND or a failure. */
    byte[] get(long kv, byte[] key) {
        long block = arguments(key, EMPTY);
        if (block == 0) {
            return null;
        }
        long ptr = Integer.toUnsignedLong((int) kvGet.call(kv, block, key.length, out));
        release(block, key.length);
        if (ptr == 0) {
            // No block: an empty value (status OK), or no value at all.
            return instance.lastStatus() == Ffi.OK ? EMPTY : null;
        }
        return take(ptr, outValue(), "a value");
    }

    /** {@code kv_delete}: 1 if it removed the key, 0 if it was not there, -1 on failure. */
    int delete(long kv, byte[] key) {
        long block = arguments(key, EMPTY);
        if (block == 0) {
            return -1;
        }
        int result = (int) kvDelete.call(kv, block, key.length);
        release(block, key.length);
        return result;
    }

    /**
     * {@code kv_scan}: calls {@code visitor} for each entry with {@code from <= key < to} (null
     * {@code to}: no end) until it returns false; the number of entries visited, or -1 on failure.
     * What the visitor threw is kept for the api to rethrow ({@link WasmInstance#rethrowHostFailure}).
     */
    int scan(long kv, byte[] from, byte[] to, KvVisitor visitor) {
        byte[] end = to == null ? EMPTY : to;
        long block = arguments(from, end);
        if (block == 0) {
            return -1;
        }
        instance.clearHostFailure();
        this.visitor = visitor;
        this.scanContext++;
        try {
            // A null `to` is no end; an empty one is a real key, at an address of its own.
            long toPtr = to == null ? 0 : block + from.length;
            int visited = (int) kvScan.call(kv, block, from.length, toPtr, end.length, scanContext);
            if (misbehaved != null) {
                MisbehavedException e = misbehaved;
                misbehaved = null;
                throw e; // the module's fault, not the visitor's: the api retires the instance
            }
            return visited;
        } finally {
            this.visitor = null;
            release(block, from.length + end.length);
        }
    }

    /** The body of the host function {@code kv_visit}: one entry of the scan in progress. */
    long visit(long[] args) {
        KvVisitor v = visitor;
        byte[] key;
        byte[] value;
        try {
            if (v == null || (int) args[0] != scanContext) {
                throw new MisbehavedException("it called kv_visit outside the scan it was given");
            }
            key = marshal.bytes(Integer.toUnsignedLong((int) args[1]), Integer.toUnsignedLong((int) args[2]), "a key");
            value = marshal.bytes(Integer.toUnsignedLong((int) args[3]), Integer.toUnsignedLong((int) args[4]), "a value");
        } catch (MisbehavedException e) {
            misbehaved = e;
            return Ffi.STOP;
        }
        return v.visit(key, value) ? Ffi.CONTINUE : Ffi.STOP;
    }

    /** Throws what the visitor of the last scan threw, as itself. */
    void rethrowVisitorFailure() {
        instance.rethrowHostFailure();
    }

    /** {@code kv_stats} read through the layout, then {@code kv_stats_free}; null on failure. */
    Stats stats(long kv) {
        noRoom = false;
        long p = Integer.toUnsignedLong((int) kvStats.call(kv));
        if (p == 0) {
            return null;
        }
        marshal.inMemory(p, Ffi.STATS_SIZE, "kv_stats returned a KvStats*"); // else neither read nor freed, as in take()
        try {
            long entries = instance.readLong(p + Ffi.STATS_ENTRIES);
            byte[] lastKey = null;
            if (entries > 0) {
                long key = instance.readPointer(p + Ffi.STATS_LAST_KEY);
                long keyLen = instance.readPointer(p + Ffi.STATS_LAST_KEY_LEN);
                lastKey = keyLen == 0 ? EMPTY : marshal.bytes(key, keyLen, "the last key");
            }
            return new Stats(entries, instance.readLong(p + Ffi.STATS_KEY_BYTES), instance.readLong(p + Ffi.STATS_VALUE_BYTES),
                    lastKey);
        } finally {
            kvStatsFree.call(p);
        }
    }

    /** {@code kv_export}: the store as bytes; null on failure. */
    byte[] export(long kv) {
        noRoom = false;
        long ptr = Integer.toUnsignedLong((int) kvExport.call(kv, out));
        return ptr == 0 ? null : take(ptr, outValue(), "an export");
    }

    /** {@code kv_import}: the number of entries imported, or -1 on failure. */
    int importFrom(long kv, byte[] data) {
        long block = arguments(data, EMPTY);
        if (block == 0) {
            return -1;
        }
        int result = (int) kvImport.call(kv, block, data.length);
        release(block, data.length);
        return result;
    }

    /** The message Rust recorded with the current status ({@code last_error_message()}), or "". */
    String errorMessage() {
        return marshal.cString(Integer.toUnsignedLong((int) lastErrorMessage.call()), "an error message");
    }

    /** The most bytes one call's arguments may take: they are copied in, and Rust copies them again. */
    long maxArgumentBytes() {
        return instance.memoryLimit() / 4;
    }

    // --- Backend ---

    @Override
    public int lastStatus() {
        return noRoom ? Ffi.NO_ROOM_FOR_ARGUMENT : instance.lastStatus();
    }

    @Override
    public long liveAllocations() {
        // The blocks this class keeps for itself are not the caller's.
        return instance.liveAllocations() - 1 - (scratch != 0 ? 1 : 0);
    }

    @Override
    public long memorySize() {
        return instance.memorySize();
    }

    @Override
    public String panicMessage() {
        return instance.panicMessage();
    }

    @Override
    public RuntimeException fault(RuntimeException failure) {
        RuntimeException translated = failure instanceof MisbehavedException ? failure : instance.fault(failure);
        if (translated != null) {
            marshal.abandon();
        }
        return translated;
    }

    @Override
    public void abandon() {
        marshal.abandon();
    }

    /**
     * False: a store is a Rust BTreeMap, which Java cannot read back from the memory of an instance
     * that failed, so the stores in it are lost (their handles say which fault lost them).
     */
    @Override
    public boolean readableAfterFault() {
        return false;
    }

    @Override
    public void close() {
        // An instance holds only heap objects: dropping it frees it.
    }
}
