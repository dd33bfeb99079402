package io.github.rustjava.kv.internal;

import io.github.rustjava.kv.KvApi;
import io.github.rustjava.kv.KvStats;
import io.github.rustjava.kv.KvStore;
import io.github.rustjava.kv.KvVisitor;
import io.github.rustjava.runtime.Binding;
import io.github.rustjava.runtime.Engine;
import io.github.rustjava.runtime.ManagedApi;
import io.github.rustjava.runtime.Owned;
import io.github.rustjava.runtime.Pool;
import java.lang.ref.Reference;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The store's API over {@link KvGuest}: its checks of the input, its statuses as exceptions, and
 * its handles. Every rule of the call itself (locking, timeouts, interrupts, faults, reclaiming
 * forgotten stores, refusing calls from inside a scan's visitor) is the runtime's {@link ManagedApi}.
 */
public final class ManagedKvApi extends ManagedApi<KvGuest> implements KvApi {

    /** The one kind of object this binding owns: a {@code Kv*}, freed by {@code kv_free}. */
    private static final int STORE = 0;

    private static final Names NAMES = new Names("KvApi", "KvStore", "KvScope", KvApi.class.getName(),
            "io.github.rustjava.kv.recordHandleOrigins");

    /** The most bytes one call's arguments may take; every instance of an api has the same memory cap. */
    private final long maxArgumentBytes;

    private ManagedKvApi(Supplier<KvGuest> instances, Settings settings) {
        super(instances, settings);
        boolean interrupted = begin();
        try {
            this.maxArgumentBytes = ops(current()).maxArgumentBytes();
        } finally {
            end(interrupted);
        }
    }

    /** The module this library ships, on {@code engine}; {@code stoppable}: whether a call timeout is set. */
    public static Binding.Loader shipped(Engine engine, int maxPages, boolean stoppable) {
        return Ffi.BINDING.shipped(engine, maxPages, stoppable);
    }

    /**
     * An api over instances of {@code loader}'s module: {@code instances} of them in a pool, or
     * one. The tests load the crate's fault-injection build this way.
     */
    public static KvApi open(Binding.Loader loader, long callTimeoutNanos, boolean recordOrigins, int instances) {
        Settings settings = new Settings(callTimeoutNanos, recordOrigins, null, Ffi.FAULTS, NAMES);
        Supplier<KvGuest> guests = KvGuest.instances(loader);
        if (instances == 1) {
            return new ManagedKvApi(guests, settings);
        }
        return new Pooled(new Pool<>(instances, () -> new ManagedKvApi(guests, settings)));
    }

    // --- calls ---

    @Override
    public KvStore newStore() {
        boolean interrupted = begin();
        try {
            Slot m = current();
            try {
                for (int attempt = 0; ; attempt++) {
                    KvGuest g = ops(m);
                    long kv = g.newStore();
                    if (kv != 0) {
                        return new Store(m, kv);
                    }
                    failed(g, attempt, "kv_new");
                }
            } catch (RuntimeException e) {
                throw fault(m, e);
            } catch (Error e) {
                throw fault(m, e);
            }
        } finally {
            end(interrupted);
        }
    }

    @Override
    protected void free(KvGuest ops, int kind, long address) {
        ops.free(address);
    }

    /** One export on a store's instance: its result, or null when it failed and {@code lastStatus()} says why. */
    @FunctionalInterface
    private interface Op<R> {
        R apply(KvGuest guest, long kv);
    }

    /**
     * Runs {@code op} on {@code store}'s instance within one call. A guest out of memory gets
     * forgotten stores reclaimed and another try; any other failure is its status's exception. A
     * call that {@code callsBack} then rethrows what the visitor threw, outside the translation of
     * faults: it is the caller's own exception, and the instance is fine.
     */
    private <R> R call(Store store, String function, boolean callsBack, Op<R> op) {
        Cell cell = store.state();
        boolean interrupted = begin();
        try {
            check(cell); // closed, or lost with the instance a fault took
            Slot m = cell.slot();
            KvGuest g;
            R result;
            try {
                for (int attempt = 0; ; attempt++) {
                    g = ops(m);
                    result = op.apply(g, cell.address());
                    if (result != null) {
                        break;
                    }
                    failed(g, attempt, function);
                }
            } catch (RuntimeException e) {
                throw fault(m, e);
            } catch (Error e) {
                throw fault(m, e);
            }
            if (callsBack) {
                g.rethrowVisitorFailure();
            }
            return result;
        } finally {
            end(interrupted);
            Reference.reachabilityFence(store);
        }
    }

    /** After a failed export: returns to try again once forgotten stores were freed, else throws the status's exception. */
    private void failed(KvGuest g, int attempt, String function) {
        int status = g.lastStatus();
        if (Ffi.outOfMemory(status) && reclaimUnderPressure(attempt)) {
            return;
        }
        throw Ffi.statusException(status, function, status == Ffi.BAD_EXPORT || status == Ffi.PANIC ? message(g, status) : "");
    }

    private static String message(KvGuest g, int status) {
        return status == Ffi.PANIC ? g.panicMessage() : g.errorMessage();
    }

    /** Refuses arguments the module's memory cannot take, before anything is copied into it. */
    private void fits(long bytes, String what) {
        if (bytes > maxArgumentBytes) {
            throw new IllegalArgumentException(what + " " + bytes + " bytes, more than the " + maxArgumentBytes
                    + " one call may pass into the Rust module's memory (a quarter of its cap)");
        }
    }

    // --- the handle ---

    /** A store: each method one call, under the api's lock. */
    private final class Store extends Owned implements KvStore {
        Store(Slot slot, long address) {
            super(slot, address, STORE, null);
        }

        Cell state() {
            return cell();
        }

        @Override
        public boolean put(byte[] key, byte[] value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            fits((long) key.length + value.length, "the key and value are");
            return call(this, "kv_put", false, (g, kv) -> {
                int r = g.put(kv, key, value);
                return r < 0 ? null : r == 1;
            });
        }

        @Override
        public Optional<byte[]> get(byte[] key) {
            Objects.requireNonNull(key, "key");
            fits(key.length, "the key is");
            return call(this, "kv_get", false, (g, kv) -> {
                byte[] value = g.get(kv, key);
                if (value != null) {
                    return Optional.of(value);
                }
                return g.lastStatus() == Ffi.NOT_FOUND ? Optional.empty() : null;
            });
        }

        @Override
        public boolean delete(byte[] key) {
            Objects.requireNonNull(key, "key");
            fits(key.length, "the key is");
            return call(this, "kv_delete", false, (g, kv) -> {
                int r = g.delete(kv, key);
                return r < 0 ? null : r == 1;
            });
        }

        @Override
        public long scan(byte[] from, byte[] to, KvVisitor visitor) {
            Objects.requireNonNull(to, "to");
            return scan(from, to, visitor, "from");
        }

        @Override
        public long scanFrom(byte[] from, KvVisitor visitor) {
            return scan(from, null, visitor, "from");
        }

        private long scan(byte[] from, byte[] to, KvVisitor visitor, String fromName) {
            Objects.requireNonNull(from, fromName);
            Objects.requireNonNull(visitor, "visitor");
            fits((long) from.length + (to == null ? 0 : to.length), "the range's keys are");
            return call(this, "kv_scan", true, (g, kv) -> {
                int n = g.scan(kv, from, to, visitor);
                return n < 0 ? null : Integer.toUnsignedLong(n);
            });
        }

        @Override
        public KvStats stats() {
            KvGuest.Stats s = call(this, "kv_stats", false, KvGuest::stats);
            return new KvStats(s.entries(), s.keyBytes(), s.valueBytes(), Optional.ofNullable(s.lastKey()));
        }

        @Override
        public byte[] export() {
            return call(this, "kv_export", false, KvGuest::export);
        }

        @Override
        public int importFrom(byte[] export) {
            Objects.requireNonNull(export, "export");
            fits(export.length, "the export is");
            return call(this, "kv_import", false, (g, kv) -> {
                int n = g.importFrom(kv, export);
                return n < 0 ? null : n;
            });
        }

        @Override
        public void close() {
            try {
                closeHandle(cell());
            } finally {
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public String toString() {
            return "KvStore@" + Integer.toHexString(System.identityHashCode(this));
        }
    }

    // --- a pool of apis ---

    /** The API over a pool: the runtime's {@link Pool} routes each thread to its member. */
    private static final class Pooled implements KvApi {
        private final Pool<ManagedKvApi> pool;

        Pooled(Pool<ManagedKvApi> pool) {
            this.pool = pool;
        }

        @Override
        public KvStore newStore() {
            return pool.member().newStore();
        }

        @Override
        public long liveAllocations() {
            return pool.liveAllocations();
        }

        @Override
        public long leakedHandles() {
            return pool.leakedHandles();
        }

        @Override
        public void close() {
            pool.close();
        }
    }
}
