package io.github.rustjava.person.bench;

import io.github.rustjava.kv.KvApi;
import io.github.rustjava.kv.KvStore;
import io.github.rustjava.runtime.Engine;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The second binding, kv-wasm, against the plain-Java store it competes with: a {@link TreeMap}
 * of byte arrays ordered by {@link Arrays#compareUnsigned}. The same keys, values and store size
 * on both sides: put (replacing a value of an existing key, so the store does not grow), get (a
 * hit), and a scan of 100 entries from an existing key.
 *
 * <p>The sides do not do the same work, and that is the point of measuring: the Wasm store copies
 * every key and value across the boundary (into guest memory and back into new Java arrays, on a
 * scan one host call per entry), where the TreeMap hands out references.
 *
 * <p>The paired suite runs put, get and scan100 on the build-time compiler and on the TreeMap
 * ({@code kv-put}, {@code kv-get}, {@code kv-scan}). Alone:
 *
 * <pre>java -jar bench/target/benchmarks.jar KvBench -p backend=BUILD_TIME_COMPILER,TREEMAP</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class KvBench {

    /** An engine of kv-wasm, or TREEMAP: the plain-Java store. */
    @Param({"BUILD_TIME_COMPILER", "RUNTIME_COMPILER", "INTERPRETER", "TREEMAP"})
    public String backend;

    @Param({"10000"})
    public int entries;

    @Param({"16"})
    public int keyBytes;

    @Param({"100"})
    public int valueBytes;

    /** The three operations, on either store. */
    interface Store extends AutoCloseable {
        boolean put(byte[] key, byte[] value);

        byte[] get(byte[] key);

        /** Visits up to {@code n} entries from {@code from}, handing each to {@code bh}; how many. */
        long scan(byte[] from, int n, Blackhole bh);

        @Override
        void close();
    }

    static final class Wasm implements Store {
        final KvApi api;
        final KvStore kv;

        Wasm(Engine engine) {
            api = KvApi.builder().engine(engine).build();
            kv = api.newStore();
        }

        @Override
        public boolean put(byte[] key, byte[] value) {
            return kv.put(key, value);
        }

        @Override
        public byte[] get(byte[] key) {
            return kv.get(key).orElseThrow();
        }

        @Override
        public long scan(byte[] from, int n, Blackhole bh) {
            int[] seen = {0};
            return kv.scanFrom(from, (k, v) -> {
                bh.consume(k);
                bh.consume(v);
                return ++seen[0] < n;
            });
        }

        @Override
        public void close() {
            kv.close();
            long left = api.liveAllocations();
            api.close();
            if (left != 0) {
                throw new IllegalStateException("kv-wasm left " + left + " blocks after the store closed");
            }
        }
    }

    static final class Java implements Store {
        final TreeMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);

        @Override
        public boolean put(byte[] key, byte[] value) {
            return map.put(key, value) != null;
        }

        @Override
        public byte[] get(byte[] key) {
            return map.get(key);
        }

        @Override
        public long scan(byte[] from, int n, Blackhole bh) {
            long seen = 0;
            for (Map.Entry<byte[], byte[]> e : map.tailMap(from, true).entrySet()) {
                bh.consume(e.getKey());
                bh.consume(e.getValue());
                if (++seen == n) {
                    break;
                }
            }
            return seen;
        }

        @Override
        public void close() {}
    }

    private Store target;
    private byte[][] keys;
    private byte[] value;
    private int next;

    @Setup(Level.Trial)
    public void fill() {
        target = backend.equals("TREEMAP") ? new Java() : new Wasm(Engine.valueOf(backend));
        Random random = new Random(42);
        keys = new byte[entries][keyBytes];
        value = new byte[valueBytes];
        random.nextBytes(value);
        for (byte[] key : keys) {
            random.nextBytes(key);
            target.put(key, value);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        target.close();
    }

    private byte[] nextKey() {
        int i = next;
        next = i + 1 == keys.length ? 0 : i + 1;
        return keys[i];
    }

    /** Replaces the value of an existing key. */
    @Benchmark
    public boolean put() {
        return target.put(nextKey(), value);
    }

    @Benchmark
    public byte[] get() {
        return target.get(nextKey());
    }

    /** 100 entries in order from an existing key (fewer near the end of the key space). */
    @Benchmark
    public long scan100(Blackhole bh) {
        return target.scan(nextKey(), 100, bh);
    }
}
