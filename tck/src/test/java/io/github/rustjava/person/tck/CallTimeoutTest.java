package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.CallTimeoutException;
import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustPanicException;
import io.github.rustjava.person.tck.Fixtures.SlowModule;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link PersonApi.Builder#callTimeout}: every call, on every engine and with any module, ends
 * within its timeout plus 50 ms, whatever it was doing (encoding or copying a name, running the
 * module, waiting for forgotten handles), not counting the pauses of the JVM's garbage collector,
 * and reports the timeout as such; an interrupt from outside that arrives during the call is never
 * lost to it.
 */
class CallTimeoutTest {

    /**
     * What a 2-core machine shared with other builds adds to the rule's 50 ms: the watchdog's
     * thread must be woken and scheduled, and so must the caller once interrupted; with four times
     * more runnable threads than cores that took up to 60 ms here. Collector pauses are measured
     * and left out instead ({@link Stopwatch}).
     */
    private static final long TOLERANCE_MS = 100;

    /** Wall-clock time less the time the JVM's collectors reported for the same interval. */
    static final class Stopwatch {
        private final long start = System.nanoTime();
        private final long gcStart = gcMillis();

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }

        long gcMillisSince() {
            return gcMillis() - gcStart;
        }

        static long gcMillis() {
            long total = 0;
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                total += Math.max(0, gc.getCollectionTime());
            }
            return total;
        }

        /** Fails unless the time, less collector pauses, is within {@code bound} ms. */
        void assertWithin(long bound, String what) {
            long took = millis();
            long gc = gcMillisSince();
            assertTrue(took - gc <= bound, what + " took " + took + " ms, " + gc + " ms of it collector pauses; the bound is "
                    + bound + " ms");
        }
    }

    /**
     * A 96 MiB name: encoding it, copying it into the module and Rust copying it again take far
     * longer than the timeout on every engine. The call must stop within the timeout plus 50 ms
     * (and the tolerance above), and the api carry on.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void aHugeNameIsStoppedWithinTheTimeout(Engine engine) throws Exception {
        Duration timeout = Duration.ofMillis(engine == Engine.INTERPRETER ? 300 : 100);
        String huge = "x".repeat(96 << 20);
        try (PersonApi api = PersonApi.builder().engine(engine).callTimeout(timeout).build();
                PersonHandle bystander = api.createPerson("Bystander", 40)) {
            for (int round = 0; round < 2; round++) { // the second round runs warm
                Stopwatch watch = new Stopwatch();
                CallTimeoutException e = assertThrows(CallTimeoutException.class, () -> api.createPerson(huge, 30));
                watch.assertWithin(timeout.toMillis() + 50 + TOLERANCE_MS, engine + ", round " + round + ": the call");
                assertEquals("the call ran longer than the timeout of " + timeout.toMillis() + " ms and was stopped",
                        e.getMessage());
                assertFalse(Thread.currentThread().isInterrupted(), "the timeout's own interrupt is taken back");
            }
            assertEquals(new Person("Bystander", 40), bystander.toPerson());
            assertEquals(1, api.liveAllocations(), "nothing of the stopped calls is left");
        }
    }

    /**
     * The watchdog looks at an api about once per timeout while calls come one after another, not
     * once per call: a runaway call after a stream of short ones, spanning several timeouts, must
     * still be stopped at its own deadline, not at a later look.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void aRunawayCallAfterManyShortOnesIsStoppedWithinTheTimeout(Engine engine) throws Exception {
        Duration timeout = Duration.ofMillis(engine == Engine.INTERPRETER ? 300 : 100);
        String huge = "x".repeat(96 << 20);
        try (PersonApi api = PersonApi.builder().engine(engine).callTimeout(timeout).build()) {
            long calls = 0;
            long until = System.nanoTime() + 3 * timeout.toNanos();
            while (System.nanoTime() - until < 0) {
                try (PersonHandle alice = api.createPerson("Alice", 30)) {
                    assertEquals(30, alice.age());
                }
                calls += 3;
            }
            Stopwatch watch = new Stopwatch();
            assertThrows(CallTimeoutException.class, () -> api.createPerson(huge, 30));
            watch.assertWithin(timeout.toMillis() + 50 + TOLERANCE_MS, engine + ", after " + calls + " short calls: the runaway call");
            assertFalse(Thread.currentThread().isInterrupted(), "the timeout's own interrupt is taken back");
            assertEquals(0, api.liveAllocations(), "nothing of the stopped call is left");
        }
    }

    /**
     * The module is full of held persons, so a call waits for forgotten handles before it gives
     * up; the timeout passes while it waits. The call reports the timeout, not a lack of memory,
     * and the instance, which was never stopped half-way, keeps every person.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void aTimeoutWhileWaitingForForgottenHandlesIsReportedAsATimeout(Engine engine) {
        Duration timeout = Duration.ofMillis(200); // the wait for forgotten handles is about 500 ms
        try (PersonApi api = PersonApi.builder().engine(engine).maxMemoryBytes(2 << 20).callTimeout(timeout).build()) {
            List<PersonHandle> held = new ArrayList<>();
            int failures = 0; // in a row: one may be a slow call on a busy machine, three are a full module
            while (failures < 3 && held.size() < 1_000_000) {
                try {
                    held.add(api.createPerson("x", 30));
                    failures = 0;
                } catch (IllegalStateException | CallTimeoutException e) {
                    failures++;
                }
            }
            assertEquals(3, failures, "the module filled up");
            Stopwatch watch = new Stopwatch();
            RuntimeException e = assertThrows(RuntimeException.class, () -> api.createPerson("x", 30));
            assertInstanceOf(CallTimeoutException.class, e, "the call waited past its timeout: " + e);
            watch.assertWithin(timeout.toMillis() + 50 + TOLERANCE_MS, "the call");
            assertFalse(Thread.currentThread().isInterrupted(), "the timeout's own interrupt is taken back");
            assertEquals(held.size(), api.liveAllocations(), "every held person is where it was: no instance was replaced");
            assertEquals(new Person("x", 30), held.get(held.size() - 1).toPerson());

            held.forEach(PersonHandle::close);
            assertEquals(0, api.liveAllocations());
        }
    }

    /**
     * An interrupt from outside arrives while a call waits for the fresh instance that replaces
     * one a trap retired, and then the timeout passes too: the call ends, and the caller's
     * interrupt flag is still set, as after any interrupt that arrives during a call. The fresh
     * instance starts slowly ({@link SlowModule#SLOW_START}, about half a second on the
     * interpreter) so that the wait outlasts the timeout.
     */
    @Test
    void anInterruptFromOutsideIsNotLostWhenTheTimeoutPassesInTheSameCall() throws Exception {
        Duration timeout = Duration.ofMillis(200);
        try (LogCapture log = LogCapture.start();
                PersonApi api = PersonApi.builder().engine(Engine.INTERPRETER).module(SlowModule.SLOW_START.bytes())
                        .callTimeout(timeout).build();
                PersonHandle bystander = api.createPerson("Bystander", 40)) {
            assertThrows(RustPanicException.class, () -> api.createPerson("Doomed", -1)); // retires the instance
            Thread caller = Thread.currentThread();
            CountDownLatch calling = new CountDownLatch(1);
            Async<Long> interrupter = Async.start("interrupter", () -> {
                calling.await();
                Thread.sleep(timeout.toMillis() / 2); // inside the call, before its timeout
                caller.interrupt();
                return System.nanoTime();
            });
            calling.countDown();
            RuntimeException e = assertThrows(RuntimeException.class, () -> api.createPerson("Next", 1)); // starts a fresh one
            long returned = System.nanoTime();
            boolean flag = Thread.interrupted();
            Async.Outcome<Long> interrupted = null;
            while (interrupted == null) {
                try {
                    interrupted = interrupter.await(Duration.ofSeconds(10));
                } catch (InterruptedException late) {
                    // the interrupt came after the call: the assertion below says so
                }
            }
            assertTrue(interrupted.value < returned, "the interrupt came while the call ran, which threw " + e);
            assertTrue(flag, "the interrupt from outside survived the call, which threw " + e);
        } finally {
            Thread.interrupted();
        }
    }

    /** The longest Duration there is means no practical limit; it must not overflow. */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void theLongestTimeoutIsAccepted(Engine engine) {
        try (PersonApi api = PersonApi.builder().engine(engine).callTimeout(Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))
                .build(); PersonHandle alice = api.createPerson("Alice", 30)) {
            assertEquals(new Person("Alice", 30), alice.toPerson());
        }
    }
}
