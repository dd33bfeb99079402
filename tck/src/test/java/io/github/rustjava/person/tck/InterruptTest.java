package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.rustjava.person.CallInterruptedException;
import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** An interrupt is not a fault: it costs at most the call it lands in, and never another handle. */
class InterruptTest {

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aPendingInterruptDoesNotStopACallAndStaysSet(Engine engine) {
        try (PersonApi api = PersonApi.wasm(engine)) {
            Thread.currentThread().interrupt();
            try (PersonHandle alice = api.createPerson("Alice", 30);
                    PersonHandle older = api.personDetails(alice).orElseThrow()) {
                assertEquals(new Person("Alice", 31), older.toPerson());
                assertEquals(-1, api.errorMessage().code());
                assertTrue(Thread.currentThread().isInterrupted(), "the flag is the caller's, still set");
            } finally {
                assertTrue(Thread.interrupted(), "still set after close, cleared here");
            }
            assertEquals(0, api.liveAllocations());
        }
    }

    /**
     * A huge name keeps the call inside Wasm for a long time on the interpreter; interrupts land
     * there until the call gives up. Only that call is lost.
     */
    @Test
    void anInterruptInsideWasmCostsOnlyThatCall() throws Exception {
        try (PersonApi api = PersonApi.wasm(Engine.INTERPRETER);
                PersonHandle bystander = api.createPerson("Bystander", 40)) {
            String huge = "x".repeat(64 << 20);
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flagAfter = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try (PersonHandle p = api.createPerson(huge, 30)) {
                    thrown.set(null);
                } catch (Throwable t) {
                    thrown.set(t);
                }
                flagAfter.set(Thread.currentThread().isInterrupted());
            });
            worker.start();
            while (worker.isAlive()) {
                Thread.sleep(5);
                worker.interrupt();
            }
            worker.join();
            assertTrue(thrown.get() instanceof CallInterruptedException, "thrown: " + thrown.get());
            assertTrue(flagAfter.get(), "the interrupt flag stays set for the caller");
            assertEquals(new Person("Bystander", 40), bystander.toPerson());
            assertEquals(1, api.liveAllocations(), "the abandoned call left nothing behind");
        }
    }

    /** What executors do all the time: cancel a task with an interrupt. Nothing else notices. */
    @Test
    void cancellingAWorkerLeavesTheOtherHandlesAndTheLogAlone() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (LogCapture log = LogCapture.start();
                PersonApi api = PersonApi.wasm(Engine.INTERPRETER);
                PersonHandle mine = api.createPerson("Main", 50)) {
            Future<?> busy = pool.submit(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try (PersonHandle p = api.createPerson("w".repeat(4096), 30)) {
                        api.personDetails(p).ifPresent(PersonHandle::close);
                    } catch (CallInterruptedException e) {
                        return null;
                    }
                }
                return null;
            });
            Thread.sleep(200);
            busy.cancel(true);
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
            assertEquals(new Person("Main", 50), mine.toPerson());
            assertEquals(1, api.liveAllocations());
            assertEquals(List.of(), log.warnings(), "an interrupt is not worth a warning");
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Eight threads make round trips on one api, each holding long-lived handles, while another
     * thread interrupts them at random. At the end every long-lived handle reads back its person
     * and the module holds exactly the open handles.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "BUILD_TIME_COMPILER"})
    void randomInterruptsLoseNothing(Engine engine) throws Exception {
        int threads = 8;
        int longLived = 5;
        long runNanos = TimeUnit.SECONDS.toNanos(3);
        try (LogCapture log = LogCapture.start(); PersonApi api = PersonApi.wasm(engine)) {
            AtomicLong interruptedCalls = new AtomicLong();
            AtomicLong roundTrips = new AtomicLong();
            List<Thread> workers = new ArrayList<>();
            List<List<PersonHandle>> held = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            long end = System.nanoTime() + runNanos;
            for (int t = 0; t < threads; t++) {
                int id = t;
                List<PersonHandle> mine = new ArrayList<>();
                for (int i = 0; i < longLived; i++) {
                    mine.add(api.createPerson("long-lived " + id + "/" + i, 20 + i));
                }
                held.add(mine);
                Thread worker = new Thread(() -> {
                    String name = "张三".repeat(200) + id;
                    while (System.nanoTime() < end && failure.get() == null) {
                        try (PersonHandle p = api.createPerson(name, 30)) {
                            PersonHandle older = api.personDetails(p).orElseThrow();
                            try (older) {
                                if (!older.name().equals(name) || older.age() != 31) {
                                    throw new AssertionError("wrong details: " + older.toPerson());
                                }
                            }
                            PersonHandle mineToRead = mine.get(ThreadLocalRandom.current().nextInt(longLived));
                            if (!mineToRead.name().startsWith("long-lived " + id + "/")) {
                                throw new AssertionError("a long-lived handle changed: " + mineToRead.name());
                            }
                            roundTrips.incrementAndGet();
                        } catch (CallInterruptedException e) {
                            interruptedCalls.incrementAndGet();
                        } catch (Throwable e) {
                            failure.compareAndSet(null, e);
                        }
                    }
                    Thread.interrupted();
                }, "worker-" + id);
                workers.add(worker);
            }
            workers.forEach(Thread::start);
            while (System.nanoTime() < end && failure.get() == null) {
                workers.get(ThreadLocalRandom.current().nextInt(threads)).interrupt();
                Thread.sleep(0, ThreadLocalRandom.current().nextInt(500_000));
            }
            for (Thread w : workers) {
                w.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(w.isAlive(), w.getName() + " finished");
            }
            if (failure.get() != null) {
                fail("a worker failed", failure.get());
            }
            assertTrue(roundTrips.get() > 0, "work was done");
            if (engine == Engine.INTERPRETER) {
                // The interpreter spends most of a round trip inside Wasm, where interrupts stop calls.
                assertTrue(interruptedCalls.get() > 0, "some interrupts landed inside Wasm and were recovered from");
            }
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < longLived; i++) {
                    assertEquals(new Person("long-lived " + t + "/" + i, 20 + i), held.get(t).get(i).toPerson());
                }
            }
            assertEquals(threads * longLived, api.liveAllocations(), "exactly the open handles are held");
            held.forEach(hs -> hs.forEach(PersonHandle::close));
            assertEquals(0, api.liveAllocations());
            assertEquals(List.of(), log.warnings());
        }
    }
}
