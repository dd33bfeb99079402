package io.github.rustjava.kv;

import static io.github.rustjava.kv.Kv.b;
import static io.github.rustjava.kv.Kv.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.runtime.Engine;
import io.github.rustjava.runtime.MisbehavedException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real faults inside the module, from the crate's fault-injection build, cost the failing call and
 * the stores of the instance it ran on; the api carries on with a fresh instance. A store cannot be
 * carried out of a failed instance (its BTreeMap would have to be read back without a call), so
 * its handle says which fault lost it. The build-time compiler runs only the shipped module, so
 * these run on the other two engines; {@link KvCallbackTest} faults every engine with a timeout.
 */
class KvFaultTest {

    static final byte[] PANIC = b("💥panic");

    /** The fault's exception, then: both stores lost, naming it, and discarded with their instance; new stores work. */
    private static void onlyTheInstanceIsLost(KvApi api, KvStore failed, KvStore bystander, RuntimeException fault) {
        for (KvStore lost : new KvStore[] {failed, bystander}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> lost.get(b("k")));
            assertTrue(e.getMessage().startsWith("KvStore was lost: its Rust instance failed (" + fault.getMessage()),
                    e.getMessage());
        }
        assertEquals(0, api.liveAllocations(), "a lost store holds no Rust memory: its instance was discarded");
        failed.close();
        bystander.close();
        assertEquals(0, api.liveAllocations());
        try (KvStore fresh = api.newStore()) {
            fresh.put(b("k"), b("after"));
            assertEquals("after", s(fresh.get(b("k")).orElseThrow()));
        }
        assertEquals(0, api.liveAllocations());
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aRustPanicBecomesAnExceptionWithItsMessageAndLocation(Engine engine) {
        try (KvApi api = Kv.faultsApi(engine, null)) {
            KvStore store = api.newStore();
            KvStore bystander = api.newStore();
            store.put(b("k"), b("v"));
            RustPanicException e = assertThrows(RustPanicException.class, () -> store.put(PANIC, b("v")));
            assertTrue(e.getMessage().contains("injected panic (fault-injection build)"), e.getMessage());
            assertTrue(e.getMessage().contains("rust-kv/src/faults.rs"), "the panic's location: " + e.getMessage());
            onlyTheInstanceIsLost(api, store, bystander, e);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void anAbortTraps(Engine engine) {
        try (KvApi api = Kv.faultsApi(engine, null)) {
            KvStore store = api.newStore();
            KvStore bystander = api.newStore();
            RustPanicException e = assertThrows(RustPanicException.class, () -> store.put(b("💥abort"), b("")));
            assertTrue(e.getMessage().startsWith("the Wasm module trapped"), e.getMessage());
            onlyTheInstanceIsLost(api, store, bystander, e);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aLoopIsStoppedByTheCallTimeout(Engine engine) {
        try (KvApi api = Kv.faultsApi(engine, Duration.ofMillis(300))) {
            KvStore store = api.newStore();
            KvStore bystander = api.newStore();
            long start = System.nanoTime();
            CallTimeoutException e = assertThrows(CallTimeoutException.class, () -> store.put(b("💥loop"), b("")));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
            onlyTheInstanceIsLost(api, store, bystander, e);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void runningOutOfMemoryOutsideACheckedAllocationTraps(Engine engine) {
        try (KvApi api = Kv.faultsApi(engine, null, 64)) { // 4 MiB: filled fast
            KvStore store = api.newStore();
            KvStore bystander = api.newStore();
            RustPanicException e = assertThrows(RustPanicException.class, () -> store.put(b("💥grow"), b("")));
            assertTrue(e.getMessage().startsWith("the Wasm module trapped"), e.getMessage());
            onlyTheInstanceIsLost(api, store, bystander, e);
        }
    }

    /** A value outside the module's memory is refused before Java reads it: a fault like a trap. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aResultOutsideTheModulesMemoryIsRefused(Engine engine) {
        try (KvApi api = Kv.faultsApi(engine, null)) {
            KvStore store = api.newStore();
            KvStore bystander = api.newStore();
            MisbehavedException e = assertThrows(MisbehavedException.class, () -> store.get(b("💥oob")));
            assertTrue(e.getMessage().contains("a value outside its memory: 0xffffff00 + 16 bytes"), e.getMessage());
            onlyTheInstanceIsLost(api, store, bystander, e);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void otherKeysAreOrdinary(Engine engine) {
        try (KvApi api = Kv.faultsApi(engine, null); KvStore store = api.newStore()) {
            for (String key : new String[] {"💥", "💥panic!", "panic", "💥Loop"}) {
                store.put(b(key), b(key));
                assertEquals(key, s(store.get(b(key)).orElseThrow()));
            }
        }
    }
}
