package io.github.rustjava.person;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads on one api: 8 platform threads × 20 000 round trips, and the same on virtual
 * threads, interleaved with errorMessage() and handle misuse. Correct results, nothing leaked.
 * Throughput is measured by the benchmark suite, not here.
 */
class StressTest {

    static Stream<Arguments> apis() {
        Supplier<PersonApi> single = PersonApi::wasm;
        Supplier<PersonApi> pooled = () -> PersonApi.builder().instances(4).build();
        return Stream.of(Arguments.of("one instance", single), Arguments.of("pool of 4", pooled));
    }

    @ParameterizedTest(name = "{0}, platform threads")
    @MethodSource("apis")
    void eightPlatformThreads(String label, Supplier<PersonApi> open) throws Exception {
        hammer(open, Executors.newFixedThreadPool(8), 8, 20_000);
    }

    @ParameterizedTest(name = "{0}, virtual threads")
    @MethodSource("apis")
    void virtualThreads(String label, Supplier<PersonApi> open) throws Exception {
        ExecutorService virtual;
        try {
            // Java 21+: one virtual thread per task. Looked up reflectively: the library targets 17.
            virtual = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (NoSuchMethodException e) {
            org.junit.jupiter.api.Assumptions.abort("virtual threads need Java 21+");
            return;
        }
        hammer(open, virtual, 64, 1_000);
    }

    private static void hammer(Supplier<PersonApi> open, ExecutorService pool, int tasks, int roundTrips)
            throws Exception {
        try (PersonApi api = open.get(); PersonApi other = PersonApi.wasm()) {
            PersonHandle foreign = other.createPerson("foreign", 30);
            List<Callable<Void>> work = new ArrayList<>();
            for (int t = 0; t < tasks; t++) {
                int id = t;
                work.add(() -> {
                    for (int i = 0; i < roundTrips; i++) {
                        String name = "线程" + id + "-" + i;
                        int age = 18 + i % 60;
                        PersonHandle p = api.createPerson(name, age);
                        try (PersonHandle older = api.personDetails(p).orElseThrow()) {
                            assertEquals(new Person(name, age + 1), older.toPerson());
                        }
                        p.close();
                        if (i % 500 == 0) {
                            assertEquals(new RustError(-1, "这是一个错误"), api.errorMessage());
                            assertThrows(IllegalStateException.class, p::name);
                            assertThrows(IllegalArgumentException.class, () -> api.personDetails(foreign));
                            assertThrows(IllegalArgumentException.class, () -> api.createPerson("bad\0", 1));
                            p.close();
                        }
                    }
                    return null;
                });
            }
            try {
                for (Future<Void> f : pool.invokeAll(work)) {
                    f.get();
                }
            } finally {
                pool.shutdown();
                pool.awaitTermination(1, TimeUnit.MINUTES);
            }
            assertEquals(0, api.liveAllocations());
            foreign.close();
        }
    }
}
