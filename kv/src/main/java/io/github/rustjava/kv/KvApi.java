package io.github.rustjava.kv;

import io.github.rustjava.kv.internal.ManagedKvApi;
import io.github.rustjava.runtime.Binding;
import io.github.rustjava.runtime.Engine;
import java.time.Duration;
import java.util.Objects;

/**
 * An ordered key-value store written in Rust (a {@code BTreeMap} of byte strings), run as
 * WebAssembly inside the JVM: no native library. Keys are ordered as unsigned bytes, the order of
 * {@link java.util.Arrays#compareUnsigned(byte[], byte[])}.
 *
 * <pre>{@code
 * try (KvApi api = KvApi.wasm(); KvStore store = api.newStore()) {
 *     store.put(bytes("b"), bytes("2"));
 *     store.put(bytes("a"), bytes("1"));
 *     store.scan(bytes("a"), bytes("z"), (key, value) -> {
 *         System.out.println(new String(key, UTF_8) + "=" + new String(value, UTF_8));
 *         return true; // go on
 *     });
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> An api may be shared between threads: every call, a store's included, holds
 * one lock for its duration. {@link Builder#instances(int)} makes a pool of instances for calls in
 * parallel; each store stays with the instance that holds it.
 *
 * <p><b>Callbacks.</b> A scan calls its {@link KvVisitor} from inside Rust. What the visitor
 * throws ends the scan and reaches the caller as itself; Rust stops and frees what it allocated.
 * A visitor may not call this api or its stores (refused with {@link IllegalStateException}); an
 * interrupt or a timeout that lands while it runs stops the scan like any call.
 *
 * <p><b>Faults.</b> A Rust panic or a trap throws {@link RustPanicException}, an interrupt inside
 * a call {@link CallInterruptedException}, a call running past {@link Builder#callTimeout}
 * {@link CallTimeoutException}. The failing call is lost, and so are the stores of the instance it
 * ran on: a store lives in Rust's memory as a {@code BTreeMap}, which cannot be read back from an
 * instance that failed, since reading it would need calls into that instance. Such a store's
 * methods throw {@link IllegalStateException} naming the fault; its {@code close()} still works.
 * The api starts a fresh instance for the next call. Keep an {@link KvStore#export()} of a store
 * you cannot lose.
 *
 * <p><b>Closing.</b> {@link #close()} frees every store. A store that is never closed is freed by
 * the api once the garbage collector finds it unreachable, and counted in {@link #leakedHandles()}.
 */
public interface KvApi extends AutoCloseable {

    /** The store on the fastest engine, {@link Engine#BUILD_TIME_COMPILER}. */
    static KvApi wasm() {
        return builder().build();
    }

    /** Options: engine, memory cap, call timeout, a pool of instances. */
    static Builder builder() {
        return new Builder();
    }

    /** Options for {@link KvApi}. Not thread-safe; {@link #build()} may be called again. */
    final class Builder {
        /** The default memory cap of each instance: 512 MiB. */
        public static final long DEFAULT_MAX_MEMORY_BYTES = (long) Binding.DEFAULT_MAX_PAGES * 65536;

        private Engine engine = Engine.BUILD_TIME_COMPILER;
        private long maxMemoryBytes = DEFAULT_MAX_MEMORY_BYTES;
        private int instances = 1;
        private Duration callTimeout;
        private boolean recordHandleOrigins = Boolean.getBoolean("io.github.rustjava.kv.recordHandleOrigins");

        private Builder() {}

        /** How the module runs; default {@link Engine#BUILD_TIME_COMPILER}. */
        public Builder engine(Engine engine) {
            this.engine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /**
         * The most linear memory one instance may grow to, rounded down to 64 KiB pages; default
         * {@link #DEFAULT_MAX_MEMORY_BYTES}. One call's keys, values or import may take a quarter
         * of it. Between what the module needs to start (about 1 MiB) and 2 GiB.
         */
        public Builder maxMemoryBytes(long bytes) {
            this.maxMemoryBytes = bytes;
            return this;
        }

        /** How many instances serve calls in parallel; default 1. */
        public Builder instances(int instances) {
            if (instances < 1) {
                throw new IllegalArgumentException("instances must be at least 1, got " + instances);
            }
            this.instances = instances;
            return this;
        }

        /** The longest a call may run; longer calls throw {@link CallTimeoutException}. Default: none. */
        public Builder callTimeout(Duration d) {
            Objects.requireNonNull(d, "d");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("the call timeout must be positive, got " + d);
            }
            this.callTimeout = d;
            return this;
        }

        /**
         * Whether each store records where it was made, for the warning when it is never closed.
         * Default: the system property {@code io.github.rustjava.kv.recordHandleOrigins}.
         */
        public Builder recordHandleOrigins(boolean record) {
            this.recordHandleOrigins = record;
            return this;
        }

        /**
         * Starts the instances.
         *
         * @throws IllegalArgumentException if the memory cap is out of range
         */
        public KvApi build() {
            int pages = (int) Math.min(Integer.MAX_VALUE, Math.max(0, maxMemoryBytes / 65536));
            return ManagedKvApi.open(ManagedKvApi.shipped(engine, pages, callTimeout != null), callTimeout == null ? 0 : callTimeout.toNanos(),
                    recordHandleOrigins, instances);
        }
    }

    /** A new, empty store, owned by the returned handle. */
    KvStore newStore();

    /**
     * Rust heap blocks held for the caller's live stores, over every instance: a store is at least
     * one, and 0 when none is open. The library's own buffers are not counted.
     */
    long liveAllocations();

    /** Stores this api freed because the caller never closed them. */
    long leakedHandles();

    /** Frees every store and the instances. Idempotent. */
    @Override
    void close();
}
