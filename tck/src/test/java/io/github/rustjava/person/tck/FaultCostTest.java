package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.CallInterruptedException;
import io.github.rustjava.person.CallTimeoutException;
import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustPanicException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A fault costs the failing call, whatever the number of live handles: the faulted instance takes
 * no more Wasm calls, its handles read from its memory, and a person is carried into a fresh
 * instance only when a call needs it there.
 */
class FaultCostTest {

    private static final Duration TIMEOUT = Duration.ofMillis(200);

    /**
     * A call that never returns, with 10 000 and then 1 000 000 live handles: stopped by a 200 ms
     * timeout on the runtime compiler, and by an interrupt from another thread, with no timeout,
     * on the interpreter (whose set-up of a million persons takes long enough to meet garbage
     * collection pauses longer than any short timeout). With a million handles the call ends at
     * most twice as late plus 30 ms, and every handle reads back.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aRunawayCallCostsTheSameWithAMillionLiveHandles(Engine engine) throws Exception {
        long few = runawayWith(engine, 10_000);
        long many = runawayWith(engine, 1_000_000);
        assertTrue(many <= 2 * few + 30_000_000L,
                "with 1 000 000 live handles the runaway call ended " + many / 1_000_000 + " ms after it was stopped, with 10 000 "
                        + few / 1_000_000 + " ms");
    }

    /**
     * Nanoseconds the runaway call took to end with {@code count} live handles (from its start
     * with a timeout, from the interrupt without), all of which are then checked. Making a
     * million handles under a 200 ms timeout can meet a garbage collection pause longer than that
     * on a busy machine, which times out a call of the set-up and leaves its handles in a retired
     * instance: then the set-up starts again, so that the runaway call runs where they live.
     */
    private static long runawayWith(Engine engine, int count) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return attempt(engine, count);
            } catch (SetUpTimedOut e) {
                if (attempt == 3) {
                    throw new AssertionError("the set-up timed out three times", e.getCause());
                }
            }
        }
    }

    private static final class SetUpTimedOut extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SetUpTimedOut(CallTimeoutException cause) {
            super(cause);
        }
    }

    private static long attempt(Engine engine, int count) throws Exception {
        boolean interrupt = engine == Engine.INTERPRETER;
        PersonApi.Builder builder = PersonApi.builder().engine(engine).module(Fixtures.faultsModule());
        try (PersonApi api = interrupt ? builder.build() : builder.callTimeout(TIMEOUT).build()) {
            List<PersonHandle> held = new ArrayList<>(count);
            try {
                for (int i = 0; i < count; i++) {
                    held.add(api.createPerson(name(i), i % 100));
                }
            } catch (CallTimeoutException e) {
                throw new SetUpTimedOut(e);
            }
            long took = interrupt ? interruptRunaway(api) : timeRunaway(api);

            assertEquals(count, api.liveAllocations(), "no person was lost or copied");
            for (int i = 0; i < count; i++) {
                PersonHandle h = held.get(i);
                if (h.age() != i % 100 || !h.name().equals(name(i))) {
                    throw new AssertionError("handle " + i + " reads back " + h.toPerson());
                }
            }
            // A call that needs the person in a live instance carries it over; reads and closes never do.
            try (PersonHandle older = api.personDetails(held.get(count - 1)).orElseThrow()) {
                assertEquals(new Person(name(count - 1), (count - 1) % 100 + 1), older.toPerson());
            }
            assertEquals(new Person(name(count - 1), (count - 1) % 100), held.get(count - 1).toPerson());
            held.forEach(PersonHandle::close);
            assertEquals(0, api.liveAllocations(), "the faulted instance went with its last handle");
            return took;
        }
    }

    /** Nanoseconds the runaway call took, less the collector's pauses meanwhile (a million handles make them long). */
    private static long timeRunaway(PersonApi api) {
        long gc = CallTimeoutTest.Stopwatch.gcMillis();
        long start = System.nanoTime();
        assertThrows(CallTimeoutException.class, () -> api.createPerson("💥loop", 1));
        return System.nanoTime() - start - TimeUnit.MILLISECONDS.toNanos(CallTimeoutTest.Stopwatch.gcMillis() - gc);
    }

    /** Interrupts a runaway call on another thread; nanoseconds from the interrupt to its end, less collector pauses. */
    private static long interruptRunaway(PersonApi api) throws Exception {
        AtomicLong ended = new AtomicLong();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Thread caller = new Thread(() -> {
            started.countDown();
            try {
                api.createPerson("💥loop", 1);
            } catch (Throwable e) {
                ended.set(System.nanoTime());
                outcome.set(e);
            }
        }, "runaway");
        caller.start();
        started.await();
        Thread.sleep(100); // well inside the loop
        long gc = CallTimeoutTest.Stopwatch.gcMillis();
        long interrupted = System.nanoTime();
        caller.interrupt();
        caller.join(TimeUnit.SECONDS.toMillis(60));
        long paused = TimeUnit.MILLISECONDS.toNanos(CallTimeoutTest.Stopwatch.gcMillis() - gc);
        assertFalse(caller.isAlive(), "the interrupted call ended");
        assertTrue(outcome.get() instanceof CallInterruptedException, "it ended with " + outcome.get());
        return ended.get() - interrupted - paused;
    }

    private static String name(int i) {
        return "p" + i;
    }

    /** A panic leaves the handles of the faulted instance readable; each is freed by forgetting it. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void handlesOfAFaultedInstanceReadAndCloseWithoutWasmCalls(Engine engine) {
        try (PersonApi api = PersonApi.builder().engine(engine).module(Fixtures.faultsModule()).build();
                PersonHandle alice = api.createPerson("Alice", 30);
                PersonHandle bob = api.createPerson("Bob 张三", 40)) {
            assertThrows(RustPanicException.class, () -> api.createPerson("💥panic", 1));
            assertThrows(RustPanicException.class, () -> api.createPerson("💥abort", 1));
            assertEquals(new Person("Alice", 30), alice.toPerson());
            alice.close();
            assertEquals(1, api.liveAllocations());
            try (PersonHandle older = api.personDetails(bob).orElseThrow()) {
                assertEquals(new Person("Bob 张三", 41), older.toPerson());
                assertEquals(2, api.liveAllocations(), "bob was carried into the fresh instance");
            }
            assertEquals(new Person("Bob 张三", 40), bob.toPerson());
        }
    }
}
