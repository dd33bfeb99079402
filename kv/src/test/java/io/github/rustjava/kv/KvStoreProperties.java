package io.github.rustjava.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.rustjava.runtime.Engine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Random call sequences against a plain-Java model: a {@link TreeMap} ordered by
 * {@link Arrays#compareUnsigned(byte[], byte[])}. Every result (put, get, delete, ranges, stats,
 * an export imported into a fresh store) must match the model, on every engine, and a closed store
 * must leave nothing in Rust's memory.
 */
class KvStoreProperties {

    /** One api per engine for every try: each try makes its own stores and must free them all. */
    private static final Map<Engine, KvApi> APIS = new EnumMap<>(Engine.class);

    private static synchronized KvApi api(Engine engine) {
        return APIS.computeIfAbsent(engine, e -> KvApi.builder().engine(e).build());
    }

    @AfterContainer
    static synchronized void closeApis() {
        APIS.values().forEach(KvApi::close);
        APIS.clear();
    }

    // --- generators ---

    /** Short keys over the bytes where signed and unsigned order disagree, so keys collide and order matters. */
    @Provide
    Arbitrary<byte[]> keys() {
        return Arbitraries.of((byte) 0x00, (byte) 0x01, (byte) 'a', (byte) 0x7F, (byte) 0x80, (byte) 0xFE, (byte) 0xFF)
                .array(byte[].class).ofMaxSize(3);
    }

    /** Mostly short values, empty ones, and now and then one larger than the reused argument block. */
    @Provide
    Arbitrary<byte[]> values() {
        return Arbitraries.frequencyOf(
                Tuple.of(20, Arbitraries.bytes().array(byte[].class).ofMaxSize(40)),
                Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMinSize(65_000).ofMaxSize(70_000)));
    }

    enum Kind { PUT, GET, DELETE, SCAN, SCAN_FROM, STATS, EXPORT_IMPORT }

    record Op(Kind kind, byte[] key, byte[] value, byte[] to, int limit) {
        @Override
        public String toString() {
            return kind + " " + Arrays.toString(key) + (kind == Kind.PUT ? " (" + value.length + " bytes)" : "")
                    + (kind == Kind.SCAN ? " to " + Arrays.toString(to) : "") + (kind.name().startsWith("SCAN") ? " limit " + limit : "");
        }
    }

    @Provide
    Arbitrary<List<Op>> programs() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                Tuple.of(35, Kind.PUT), Tuple.of(20, Kind.GET), Tuple.of(15, Kind.DELETE), Tuple.of(10, Kind.SCAN),
                Tuple.of(5, Kind.SCAN_FROM), Tuple.of(10, Kind.STATS), Tuple.of(3, Kind.EXPORT_IMPORT));
        return Combinators.combine(kinds, keys(), values(), keys(), Arbitraries.integers().between(1, 12))
                .as(Op::new).list().ofMinSize(1).ofMaxSize(80);
    }

    // --- the property ---

    @Property(tries = 300)
    void callSequencesMatchATreeMap(@ForAll("programs") List<Op> program, @ForAll Engine engine) {
        KvApi api = api(engine);
        NavigableMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
        try (KvStore store = api.newStore()) {
            for (Op op : program) {
                switch (op.kind()) {
                    case PUT -> assertEquals(model.put(op.key(), op.value()) != null, store.put(op.key(), op.value()), op::toString);
                    case GET -> assertBytes(Optional.ofNullable(model.get(op.key())), store.get(op.key()), op);
                    case DELETE -> assertEquals(model.remove(op.key()) != null, store.delete(op.key()), op::toString);
                    case SCAN -> {
                        NavigableMap<byte[], byte[]> range = Arrays.compareUnsigned(op.key(), op.to()) <= 0
                                ? model.subMap(op.key(), true, op.to(), false) : new TreeMap<>();
                        assertScan(range, op.limit(), visitor -> store.scan(op.key(), op.to(), visitor), op);
                    }
                    case SCAN_FROM -> assertScan(model.tailMap(op.key(), true), op.limit(),
                            visitor -> store.scanFrom(op.key(), visitor), op);
                    case STATS -> assertEquals(stats(model), store.stats(), op::toString);
                    case EXPORT_IMPORT -> {
                        try (KvStore copy = api.newStore()) {
                            assertEquals(model.size(), copy.importFrom(store.export()));
                            assertEquals(stats(model), copy.stats());
                            assertScan(model, Integer.MAX_VALUE, visitor -> copy.scanFrom(new byte[0], visitor), op);
                        }
                    }
                    default -> throw new AssertionError(op);
                }
            }
            assertScan(model, Integer.MAX_VALUE, visitor -> store.scanFrom(new byte[0], visitor), null);
        }
        assertEquals(0, api.liveAllocations(), "every store of the try was freed, and everything in it");
    }

    // --- the model's answers ---

    static KvStats stats(NavigableMap<byte[], byte[]> model) {
        long keyBytes = 0;
        long valueBytes = 0;
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            keyBytes += e.getKey().length;
            valueBytes += e.getValue().length;
        }
        return new KvStats(model.size(), keyBytes, valueBytes, model.isEmpty() ? Optional.empty() : Optional.of(model.lastKey()));
    }

    static void assertBytes(Optional<byte[]> expected, Optional<byte[]> actual, Op op) {
        assertEquals(expected.isPresent(), actual.isPresent(), op::toString);
        expected.ifPresent(e -> assertArrayEquals(e, actual.get(), op::toString));
    }

    /** The first {@code limit} entries of {@code range}, in order; the visitor stops at the limit. */
    static void assertScan(NavigableMap<byte[], byte[]> range, int limit, java.util.function.ToLongFunction<KvVisitor> scan, Op op) {
        List<byte[][]> seen = new ArrayList<>();
        long visited = scan.applyAsLong((k, v) -> {
            seen.add(new byte[][] {k, v});
            return seen.size() < limit;
        });
        List<Map.Entry<byte[], byte[]>> expected = new ArrayList<>(range.entrySet()).subList(0, Math.min(limit, range.size()));
        assertEquals(expected.size(), visited, () -> "visited, " + op);
        assertEquals(expected.size(), seen.size(), () -> "entries seen, " + op);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).getKey(), seen.get(i)[0], "key " + i + ", " + op);
            assertArrayEquals(expected.get(i).getValue(), seen.get(i)[1], "value " + i + ", " + op);
        }
    }
}
