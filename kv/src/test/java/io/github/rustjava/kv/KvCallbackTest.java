package io.github.rustjava.kv;

import static io.github.rustjava.kv.Kv.b;
import static io.github.rustjava.kv.Kv.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.runtime.Engine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The three rules of a callback from Rust into Java (the runtime's {@code HostFunction}), on the
 * real store and every engine: the visitor's exception reaches the caller as itself and nothing
 * leaks; a visitor may not call back into its own api; an interrupt or a timeout in a visitor is
 * the same fault as anywhere else.
 */
class KvCallbackTest {

    static final class VisitorFailed extends RuntimeException {
        VisitorFailed() {
            super("the visitor failed");
        }
    }

    static final class VisitorError extends Error {
        VisitorError() {
            super("the visitor's error");
        }
    }

    static KvStore filled(KvApi api, int n) {
        KvStore store = api.newStore();
        for (int i = 0; i < n; i++) {
            store.put(b("key" + i), b("value" + i));
        }
        return store;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void whatTheVisitorThrowsReachesTheCallerAsItselfAndNothingLeaks(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore store = filled(api, 10)) {
            long live = api.liveAllocations();
            VisitorFailed failure = new VisitorFailed();
            AtomicInteger calls = new AtomicInteger();
            VisitorFailed thrown = assertThrows(VisitorFailed.class, () -> store.scanFrom(b(""), (k, v) -> {
                if (calls.incrementAndGet() == 3) {
                    throw failure;
                }
                return true;
            }));
            assertSame(failure, thrown);
            assertEquals(3, calls.get(), "Rust stopped at the failing entry");
            assertEquals(live, api.liveAllocations(), "the scan returned normally in Rust and freed what it held");
            VisitorError error = new VisitorError();
            assertSame(error, assertThrows(VisitorError.class, () -> store.scanFrom(b(""), (k, v) -> {
                throw error;
            })));
            assertEquals(live, api.liveAllocations());
            // Nothing was lost: the same instance serves the same store.
            List<String> keys = new ArrayList<>();
            assertEquals(10, store.scanFrom(b(""), (k, v) -> keys.add(s(k))));
            assertEquals("key0", keys.get(0));
            assertEquals("value9", s(store.get(b("key9")).orElseThrow()));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aVisitorThatCallsItsOwnApiIsRefusedAndTheStoreIsIntact(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvApi other = KvApi.builder().engine(engine).build();
                KvStore store = filled(api, 5); KvStore sibling = api.newStore(); KvStore elsewhere = other.newStore()) {
            long live = api.liveAllocations();
            List<KvVisitor> reentrant = List.of(
                    (k, v) -> store.get(k).isPresent(),
                    (k, v) -> store.put(k, b("changed during the scan")),
                    (k, v) -> store.delete(k),
                    (k, v) -> sibling.put(k, v),
                    (k, v) -> api.newStore() != null,
                    (k, v) -> {
                        store.close();
                        return true;
                    },
                    (k, v) -> {
                        api.close();
                        return true;
                    });
            for (KvVisitor visitor : reentrant) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.scanFrom(b(""), visitor));
                assertTrue(e.getMessage().startsWith("KvApi was called from inside one of its own calls"), e.getMessage());
            }
            assertEquals(live, api.liveAllocations(), "no refused call left anything behind");
            assertEquals(5, store.stats().entries());
            assertEquals("value0", s(store.get(b("key0")).orElseThrow()), "the store was neither changed nor closed");
            // Another api's stores are fine from a visitor.
            assertEquals(5, store.scanFrom(b(""), (k, v) -> !elsewhere.put(k, v)));
            assertEquals(5, elsewhere.stats().entries());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aTimeoutInAVisitorIsATimeoutAndLosesTheInstancesStores(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).callTimeout(Duration.ofMillis(300)).build()) {
            KvStore store = filled(api, 5);
            KvStore bystander = filled(api, 2);
            long start = System.nanoTime();
            CallTimeoutException e = assertThrows(CallTimeoutException.class, () -> store.scanFrom(b(""), (k, v) -> {
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(30));
                } catch (InterruptedException stopped) {
                    Thread.currentThread().interrupt(); // as a well-behaved visitor does
                }
                return true;
            }));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
            assertTrue(e.getMessage().contains("ran longer than the timeout of 300 ms"), e.getMessage());
            assertTrue(!Thread.currentThread().isInterrupted(), "the timeout's interrupt is taken back");
            for (KvStore lost : List.of(store, bystander)) {
                IllegalStateException gone = assertThrows(IllegalStateException.class, () -> lost.get(b("key0")));
                assertTrue(gone.getMessage().startsWith("KvStore was lost: its Rust instance failed (the call ran longer than"),
                        gone.getMessage());
            }
            // Their instance was discarded with them (its memory cannot be carried from): they hold nothing.
            assertEquals(0, api.liveAllocations(), "a lost store holds no Rust memory");
            store.close();
            bystander.close();
            assertEquals(0, api.liveAllocations());
            try (KvStore fresh = filled(api, 3)) {
                assertEquals(3, fresh.scanFrom(b(""), (k, v) -> true), "a fresh instance serves the api");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void anInterruptInAVisitorStopsTheScan(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore store = filled(api, 5)) {
            try {
                assertThrows(CallInterruptedException.class, () -> store.scanFrom(b(""), (k, v) -> {
                    Thread.currentThread().interrupt();
                    return true;
                }));
                assertTrue(Thread.currentThread().isInterrupted(), "the flag stays set for the caller");
            } finally {
                Thread.interrupted();
            }
            assertThrows(IllegalStateException.class, () -> store.get(b("key0")), "lost with its instance");
            try (KvStore fresh = filled(api, 1)) {
                assertEquals("value0", s(fresh.get(b("key0")).orElseThrow()));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aPendingInterruptDoesNotStopAScanAndStaysSet(Engine engine) {
        try (KvApi api = KvApi.builder().engine(engine).build(); KvStore store = filled(api, 5)) {
            Thread.currentThread().interrupt();
            try {
                assertEquals(5, store.scanFrom(b(""), (k, v) -> true));
                assertTrue(Thread.currentThread().isInterrupted());
            } finally {
                Thread.interrupted();
            }
        }
    }
}
