package io.github.rustjava.kv;

import static io.github.rustjava.kv.Kv.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.runtime.Engine;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Bad input gets a clear exception and changes nothing in Rust's memory; large input within the cap works. */
class KvInputTest {

    @ParameterizedTest
    @EnumSource(Engine.class)
    void nullsAreRefusedByName(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore store = api.newStore()) {
            store.put(b("k"), b("v"));
            long live = api.liveAllocations();
            byte[] k = b("k");
            KvVisitor all = (key, value) -> true;
            List<Object[]> calls = List.of(
                    new Object[] {"key", (Executable) () -> store.put(null, k)},
                    new Object[] {"value", (Executable) () -> store.put(k, null)},
                    new Object[] {"key", (Executable) () -> store.get(null)},
                    new Object[] {"key", (Executable) () -> store.delete(null)},
                    new Object[] {"from", (Executable) () -> store.scan(null, k, all)},
                    new Object[] {"to", (Executable) () -> store.scan(k, null, all)},
                    new Object[] {"visitor", (Executable) () -> store.scan(k, k, null)},
                    new Object[] {"from", (Executable) () -> store.scanFrom(null, all)},
                    new Object[] {"visitor", (Executable) () -> store.scanFrom(k, null)},
                    new Object[] {"export", (Executable) () -> store.importFrom(null)});
            for (Object[] call : calls) {
                NullPointerException e = assertThrows(NullPointerException.class, (Executable) call[1]);
                assertEquals(call[0], e.getMessage());
            }
            assertEquals(live, api.liveAllocations(), "nothing reached Rust");
            assertEquals(1, store.stats().entries());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void argumentsLargerThanTheCapAllowsAreRefusedBeforeTheyAreCopied(Engine engine) {
        // 4 MiB of memory: one call may pass 1 MiB.
        try (KvApi api = KvApi.builder().engine(engine).maxMemoryBytes(4 << 20).build(); KvStore store = api.newStore()) {
            long live = api.liveAllocations();
            byte[] huge = new byte[(1 << 20) + 1];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.put(b("k"), huge));
            assertEquals("the key and value are 1048578 bytes, more than the 1048576 one call may pass into the Rust "
                    + "module's memory (a quarter of its cap)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> store.get(huge));
            assertThrows(IllegalArgumentException.class, () -> store.delete(huge));
            assertThrows(IllegalArgumentException.class, () -> store.scan(huge, b("z"), (k, v) -> true));
            assertThrows(IllegalArgumentException.class, () -> store.importFrom(huge));
            assertEquals(live, api.liveAllocations());
            assertEquals(0, store.stats().entries());
        }
    }

    /**
     * Arguments the cap allows but Rust's memory has no room for: Rust refuses its copy with a
     * status (a checked allocation), forgotten stores get their chance, and the call fails alone.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void aValueRustHasNoRoomForIsRefusedAndLeavesTheStoreAsItWas(Engine engine) {
        // 8 MiB of memory, 7 once the module's stack and data are in: fills after a dozen half-MiB values.
        try (KvApi api = KvApi.builder().engine(engine).maxMemoryBytes(8 << 20).build(); KvStore store = api.newStore()) {
            byte[] half = new byte[1 << 19];
            store.put(b("first"), half);
            long live = api.liveAllocations();
            int stored = 0;
            long beforeTheFailure = live;
            IllegalStateException e = null;
            while (e == null && stored < 100) {
                beforeTheFailure = api.liveAllocations();
                try {
                    store.put(b("more" + stored), half);
                    stored++;
                } catch (IllegalStateException refused) {
                    e = refused;
                }
            }
            assertTrue(e != null && (e.getMessage().equals("Rust ran out of memory in kv_put")
                    || e.getMessage().equals("the arguments of kv_put do not fit in the Rust module's memory")), "" + e);
            assertEquals(beforeTheFailure, api.liveAllocations(), "the failed put left nothing behind");
            assertEquals(1 + stored, store.stats().entries(), "and stored nothing");
            for (int i = 0; i < stored; i++) {
                assertTrue(store.delete(b("more" + i)));
            }
            assertEquals(live, api.liveAllocations());
            assertEquals(half.length, store.get(b("first")).orElseThrow().length, "the store is intact");
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void keysAndValuesOfAnyLengthTheCapAllowsGoBothWays(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore store = api.newStore()) {
            Random random = new Random(42);
            byte[] key = new byte[100_000]; // larger than the reused argument block
            byte[] value = new byte[16 << 20];
            random.nextBytes(key);
            random.nextBytes(value);
            store.put(key, value);
            assertArrayEquals(value, store.get(key).orElseThrow());
            long[] seen = new long[2];
            store.scanFrom(new byte[0], (k, v) -> {
                seen[0] = k.length;
                seen[1] = v.length;
                return true;
            });
            assertEquals(100_000, seen[0]);
            assertEquals(16 << 20, seen[1]);
            byte[] export = store.export();
            try (KvStore copy = api.newStore()) {
                assertEquals(1, copy.importFrom(export));
                assertArrayEquals(value, copy.get(key).orElseThrow());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void importsThatAreNotExportsAreRefusedWithRustsReason(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore store = api.newStore()) {
            store.put(b("k"), b("v"));
            long live = api.liveAllocations();
            byte[] good = store.export();
            byte[] badMagic = good.clone();
            badMagic[0] = 'X';
            byte[] hugeCount = good.clone();
            hugeCount[8] = (byte) 0xFF;
            for (Object[] c : new Object[][] {
                    {new byte[0], "too short for the magic at byte 0"},
                    {badMagic, "wrong magic at byte 0"},
                    {hugeCount, "more entries than the bytes can hold at byte 8"}}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.importFrom((byte[]) c[0]));
                assertEquals("Rust refused the import: not an export of this store: " + c[1], e.getMessage());
            }
            assertEquals(live, api.liveAllocations());
        }
    }
}
