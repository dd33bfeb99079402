package io.github.rustjava.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.runtime.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The store's API on every engine: what each call returns, and that Rust keeps nothing it should not. */
class KvStoreTest {

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, UTF_8);
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aStoreKeepsItsEntriesAcrossCalls(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build()) {
            try (KvStore store = api.newStore()) {
                assertFalse(store.put(b("k"), b("v")));
                assertTrue(store.put(b("k"), b("w")), "a second put replaces");
                assertEquals("w", s(store.get(b("k")).orElseThrow()));
                assertEquals(Optional.empty(), store.get(b("missing")));
                assertFalse(store.put(new byte[0], new byte[0]));
                assertArrayEquals(new byte[0], store.get(new byte[0]).orElseThrow(), "the empty key and value are ordinary");
                assertTrue(store.delete(b("k")));
                assertFalse(store.delete(b("k")));
                assertEquals(Optional.empty(), store.get(b("k")));
                assertTrue(api.liveAllocations() > 0);
            }
            assertEquals(0, api.liveAllocations(), "kv_free freed the store and everything in it");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void storesAreIndependent(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore a = api.newStore(); KvStore c = api.newStore()) {
            a.put(b("k"), b("a"));
            c.put(b("k"), b("c"));
            assertEquals("a", s(a.get(b("k")).orElseThrow()));
            assertEquals("c", s(c.get(b("k")).orElseThrow()));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aScanVisitsTheRangeInUnsignedOrderUntilTheVisitorStops(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore store = api.newStore()) {
            for (String k : List.of("b", "a", "d", "c")) {
                store.put(b(k), b(k.toUpperCase()));
            }
            store.put(new byte[] {(byte) 0xFF}, b("high"));
            store.put(new byte[] {0x00}, b("low"));
            List<String> seen = new ArrayList<>();
            assertEquals(2, store.scan(b("b"), b("d"), (k, v) -> seen.add(s(k) + "=" + s(v))));
            assertEquals(List.of("b=B", "c=C"), seen);
            seen.clear();
            assertEquals(6, store.scanFrom(new byte[0], (k, v) -> seen.add(s(v))));
            assertEquals(List.of("low", "A", "B", "C", "D", "high"), seen, "0xFF sorts last: unsigned bytes");
            seen.clear();
            assertEquals(2, store.scanFrom(b("a"), (k, v) -> seen.add(s(k)) && seen.size() < 2), "false stops the scan");
            assertEquals(List.of("a", "b"), seen);
            assertEquals(0, store.scan(b("d"), b("a"), (k, v) -> true), "an end before the start is empty");
            assertEquals(0, store.scan(b("b"), b("b"), (k, v) -> true));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void statsComeThroughTheStructLayout(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore store = api.newStore()) {
            assertEquals(new KvStats(0, 0, 0, Optional.empty()), store.stats());
            store.put(b("apple"), b("1"));
            store.put(b("pear"), b("22"));
            store.put(new byte[0], b("333"));
            KvStats stats = store.stats();
            assertEquals(new KvStats(3, 9, 6, Optional.of(b("pear"))), stats);
            assertEquals("pear", s(stats.lastKey().orElseThrow()));
            store.delete(b("pear"));
            store.delete(b("apple"));
            assertEquals(new KvStats(1, 0, 3, Optional.of(new byte[0])), store.stats(), "the empty key is a key");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anExportImportsIntoAnotherStoreAndABadOneCarriesRustsMessage(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore from = api.newStore(); KvStore to = api.newStore()) {
            from.put(b("k1"), b("v1"));
            from.put(b("k2"), new byte[100_000]);
            byte[] export = from.export();
            to.put(b("k1"), b("old"));
            to.put(b("kept"), b("x"));
            assertEquals(2, to.importFrom(export));
            assertEquals("v1", s(to.get(b("k1")).orElseThrow()));
            assertEquals(100_000, to.get(b("k2")).orElseThrow().length);
            assertEquals(3, to.stats().entries());
            long live = api.liveAllocations();
            byte[] truncated = java.util.Arrays.copyOf(export, export.length - 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> to.importFrom(truncated));
            assertEquals("Rust refused the import: not an export of this store: truncated value at byte 34", e.getMessage());
            assertEquals(3, to.stats().entries(), "all or nothing");
            assertEquals(live, api.liveAllocations());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aClosedStoreOrApiRefusesCalls(Engine engine) {
        KvApi api = KvApi.builder().engine(engine).build();
        KvStore store = api.newStore();
        store.close();
        store.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.get(b("k")));
        assertEquals("KvStore is closed", e.getMessage());
        KvStore open = api.newStore();
        api.close();
        assertThrows(IllegalStateException.class, () -> open.put(b("k"), b("v")));
        assertThrows(IllegalStateException.class, api::newStore);
        open.close();
    }
}
