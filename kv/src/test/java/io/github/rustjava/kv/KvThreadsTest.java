package io.github.rustjava.kv;

import static io.github.rustjava.kv.Kv.b;
import static io.github.rustjava.kv.Kv.s;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.rustjava.runtime.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Threads share an api, and a store: every call holds the api's lock, so results are exact. */
class KvThreadsTest {

    static final int THREADS = 8;
    static final int KEYS = 200;

    static List<Future<?>> run(ExecutorService pool, int tasks, java.util.function.IntConsumer task) {
        List<Future<?>> out = new ArrayList<>();
        for (int t = 0; t < tasks; t++) {
            int id = t;
            out.add(pool.submit(() -> task.accept(id)));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void threadsShareAnApiWithAStoreEach(Engine engine) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (KvApi api = KvApi.builder().engine(engine).build()) {
            for (Future<?> f : run(pool, THREADS, id -> {
                try (KvStore store = api.newStore()) {
                    for (int i = 0; i < KEYS; i++) {
                        store.put(b(id + "/" + i), b("v" + i));
                    }
                    for (int i = 0; i < KEYS; i++) {
                        assertEquals("v" + i, s(store.get(b(id + "/" + i)).orElseThrow()));
                    }
                    assertEquals(KEYS, store.scanFrom(b(""), (k, v) -> s(k).startsWith(id + "/")));
                }
            })) {
                f.get();
            }
            assertEquals(0, api.liveAllocations());
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void threadsShareOneStore(int instances) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (KvApi api = KvApi.builder().instances(instances).build(); KvStore shared = api.newStore()) {
            for (Future<?> f : run(pool, THREADS, id -> {
                for (int i = 0; i < KEYS; i++) {
                    shared.put(b(id + "/" + i), b(Integer.toString(id)));
                    shared.delete(b(id + "/" + (i - 1)));
                }
            })) {
                f.get();
            }
            KvStats stats = shared.stats();
            assertEquals(THREADS, stats.entries(), "each thread's last key is left");
            List<String> keys = new ArrayList<>();
            shared.scanFrom(b(""), (k, v) -> keys.add(s(k)));
            for (int t = 0; t < THREADS; t++) {
                assertEquals(t + "/" + (KEYS - 1), keys.get(t));
            }
        }
    }

    /** A pool: stores are made on each thread's member and used from any thread. */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void aPoolServesThreadsInParallelAndStoresMoveBetweenThreads(Engine engine) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (KvApi api = KvApi.builder().engine(engine).instances(3).build()) {
            List<KvStore> stores = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                stores.add(pool.submit(api::newStore).get());
            }
            for (Future<?> f : run(pool, THREADS, id -> {
                KvStore store = stores.get((id + 1) % THREADS); // made on another thread
                for (int i = 0; i < KEYS; i++) {
                    store.put(b(Integer.toString(i)), b(Integer.toString(id)));
                }
            })) {
                f.get();
            }
            for (KvStore store : stores) {
                assertEquals(KEYS, store.stats().entries());
                store.close();
            }
            assertEquals(0, api.liveAllocations());
        } finally {
            pool.shutdownNow();
        }
    }
}
