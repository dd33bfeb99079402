package io.github.rustjava.kv;

import static io.github.rustjava.kv.Kv.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.runtime.Engine;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Stores dropped without close are freed by the api (the runtime's ManagedApi), counted and reported once each. */
class KvLeakTest {

    /** Makes {@code n} stores with an entry each and drops them: no reference survives this frame. */
    private static void forget(KvApi api, int n) {
        for (int i = 0; i < n; i++) {
            api.newStore().put(b("k"), b("v"));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void forgottenStoresAreReclaimedAndReported(Engine engine) throws Exception {
        try (Kv.LogCapture log = new Kv.LogCapture(); KvApi api = KvApi.builder().engine(engine).build()) {
            forget(api, 5);
            assertTrue(api.liveAllocations() >= 5 * 3, "each store holds its object, a node, a key and a value");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (api.leakedHandles() < 5 && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(10);
            }
            assertEquals(5, api.leakedHandles());
            assertEquals(0, api.liveAllocations(), "kv_free ran for each forgotten store");
            assertEquals(3, log.warnings().size(), "three one by one, then summaries: " + log.warnings());
            assertTrue(log.warnings().get(0).getMessage().startsWith("A KvStore was never closed; the library freed its Rust object."),
                    log.warnings().get(0).getMessage());
        }
    }
}
