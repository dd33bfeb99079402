package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustPanicException;
import io.github.rustjava.person.tck.Fixtures.BadModule;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link PersonApi#reload}: the module changes under a running api. Handles made by the old module
 * stay valid until they are closed, the old instance goes with its last handle, and a module that
 * fails a check changes nothing.
 *
 * <p>Which module serves a call shows through the fault-injection build: it panics on "💥panic",
 * where the shipped module makes a person of that name.
 */
class ReloadTest {

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void oldHandlesStayValidUntilClosedAndBothModulesAreCounted(Engine engine, @TempDir Path dir) {
        Path faults = Fixtures.write(Fixtures.faultsModule(), dir, "person-faults.wasm");
        try (LogCapture log = LogCapture.start(); PersonApi api = PersonApi.wasm(engine)) {
            PersonHandle alice = api.createPerson("Alice", 30);
            PersonHandle kid = api.createPerson("Kid", 10);
            assertServedByTheShippedModule(api);
            assertEquals(2, api.liveAllocations());

            api.reload(faults);

            assertServedByTheFaultsModule(api);
            PersonHandle bob = api.createPerson("Bob", 40);
            // The old persons are where they were; details of one are made by its own module.
            assertEquals(new Person("Alice", 30), alice.toPerson());
            PersonHandle older = api.personDetails(alice).orElseThrow();
            assertEquals(new Person("Alice", 31), older.toPerson());
            assertTrue(api.personDetails(kid).isEmpty());
            assertEquals(4, api.liveAllocations(), "alice, kid, and alice's details in the old module, bob in the new one");

            alice.close();
            older.close();
            assertEquals(2, api.liveAllocations(), "kid still holds the old module");
            assertEquals(new Person("Kid", 10), kid.toPerson());
            kid.close();
            assertEquals(1, api.liveAllocations(), "the old module went with its last handle: only bob is left");
            assertEquals(new Person("Bob", 40), bob.toPerson());
            bob.close();
            assertEquals(0, api.liveAllocations());
            assertServedByTheFaultsModule(api);
            assertEquals(List.of(), log.warnings());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aFaultInTheNewModuleCostsNoHandleOfTheOld(Engine engine, @TempDir Path dir) {
        Path faults = Fixtures.write(Fixtures.faultsModule(), dir, "person-faults.wasm");
        try (PersonApi api = PersonApi.wasm(engine); PersonHandle alice = api.createPerson("Alice", 30)) {
            api.reload(faults);
            try (PersonHandle bob = api.createPerson("Bob", 40)) {
                assertThrows(RustPanicException.class, () -> api.createPerson("💥panic", 1));
                assertEquals(new Person("Bob", 40), bob.toPerson(), "moved into a fresh instance of the new module");
                assertEquals(new Person("Alice", 30), alice.toPerson(), "the old module was not touched");
                assertEquals(2, api.liveAllocations());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aModuleThatFailsACheckChangesNothing(Engine engine, @TempDir Path dir) throws Exception {
        Path faults = Fixtures.write(Fixtures.faultsModule(), dir, "person-faults.wasm");
        try (PersonApi api = PersonApi.builder().engine(engine).module(faults).build();
                PersonHandle alice = api.createPerson("Alice", 30)) {
            assertRefused(api, BadModule.MISSING_EXPORT.writeTo(dir), "missing export get_person_details");
            assertRefused(api, BadModule.WRONG_TYPE.writeTo(dir), "create_person has type (i64)->i32, expected (i32,i32)->i32");
            assertRefused(api, BadModule.IMPORTS.writeTo(dir), "imports env.random, which is not provided");
            assertRefused(api, BadModule.START_FUNCTION.writeTo(dir), "has a start function, which this library does not run");
            assertRefused(api, BadModule.ABI_VERSION_7.writeTo(dir), "ABI version 7, this library speaks 2");
            Path text = Files.write(dir.resolve("person.wat"), "(module)".getBytes(StandardCharsets.UTF_8));
            assertRefused(api, text, "not a WebAssembly module (no \\0asm header)");

            Path missing = dir.resolve("missing.wasm");
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> api.reload(missing));
            assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

            assertServedByTheFaultsModule(api);
            assertEquals(new Person("Alice", 30), alice.toPerson());
            assertEquals(1, api.liveAllocations());
        }
    }

    private static void assertRefused(PersonApi api, Path wasm, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> api.reload(wasm));
        assertEquals(message, e.getMessage());
        assertServedByTheFaultsModule(api);
    }

    @Test
    void theBuildTimeCompilerCannotReload(@TempDir Path dir) {
        Path shipped = Fixtures.write(Fixtures.shippedModule(), dir, "person.wasm");
        try (PersonApi api = PersonApi.wasm(Engine.BUILD_TIME_COMPILER); PersonHandle alice = api.createPerson("Alice", 30)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> api.reload(shipped));
            assertTrue(e.getMessage().startsWith("Engine.BUILD_TIME_COMPILER runs only the module compiled into this library"),
                    e.getMessage());
            assertEquals(new Person("Alice", 30), alice.toPerson());
            assertServedByTheShippedModule(api);
        }
    }

    @Test
    void aClosedApiCannotReload(@TempDir Path dir) {
        Path faults = Fixtures.write(Fixtures.faultsModule(), dir, "person-faults.wasm");
        PersonApi api = PersonApi.wasm(Engine.INTERPRETER);
        api.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> api.reload(faults));
        assertEquals("PersonApi is closed", e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aPoolReplacesEveryInstance(Engine engine, @TempDir Path dir) {
        Path faults = Fixtures.write(Fixtures.faultsModule(), dir, "person-faults.wasm");
        try (PersonApi api = PersonApi.builder().engine(engine).instances(2).build()) {
            PersonHandle alice = api.createPerson("Alice", 30);
            api.reload(faults);
            assertServedByTheFaultsModule(api);
            assertEquals(new Person("Alice", 30), alice.toPerson());
            assertEquals(1, api.liveAllocations());
            alice.close();
            assertEquals(0, api.liveAllocations());
        }
    }

    /**
     * Four threads make round trips and keep a changing set of handles, so handles of many
     * generations of modules are alive at once, while the main thread reloads the module again
     * and again, alternating two builds, and lets the threads make round trips on each one. No
     * call fails, and every handle reads back its person.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void reloadingWhileFourThreadsCallLosesNothing(Engine engine, @TempDir Path dir) throws Exception {
        Path[] modules = {
            Fixtures.write(Fixtures.faultsModule(), dir, "person-faults.wasm"),
            Fixtures.write(Fixtures.shippedModule(), dir, "person.wasm"),
        };
        int threads = 4;
        int kept = 8;
        int reloads = 10;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong roundTrips = new AtomicLong();
        List<List<PersonHandle>> held = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        try (LogCapture log = LogCapture.start(); PersonApi api = PersonApi.wasm(engine)) {
            for (int t = 0; t < threads; t++) {
                int id = t;
                List<PersonHandle> mine = new ArrayList<>();
                held.add(mine);
                Thread worker = new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    try {
                        for (int i = 0; !stop.get(); i++) {
                            String name = "张三 " + id + "/" + i;
                            int age = 18 + i % 50;
                            try (PersonHandle p = api.createPerson(name, age);
                                    PersonHandle older = api.personDetails(p).orElseThrow()) {
                                check(older, name, age + 1);
                            }
                            // Keep one for a while: it replaces a random kept handle, whichever
                            // module made that one.
                            PersonHandle keep = api.createPerson(name, age);
                            if (mine.size() < kept) {
                                mine.add(keep);
                            } else {
                                mine.set(random.nextInt(kept), keep).close();
                            }
                            for (PersonHandle h : mine) {
                                if (!h.name().startsWith("张三 " + id + "/")) {
                                    throw new AssertionError("a kept handle changed: " + h.toPerson());
                                }
                            }
                            roundTrips.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "reload-worker-" + t);
                workers.add(worker);
            }
            workers.forEach(Thread::start);
            try {
                for (int r = 0; r < reloads && failure.get() == null; r++) {
                    awaitRoundTrips(roundTrips, failure, 4L * threads);
                    api.reload(modules[r % 2]);
                }
                awaitRoundTrips(roundTrips, failure, 4L * threads);
            } finally {
                stop.set(true);
                for (Thread w : workers) {
                    w.join();
                }
            }
            if (failure.get() != null) {
                throw new AssertionError("a worker failed after " + roundTrips + " round trips", failure.get());
            }
            assertServedByTheShippedModule(api); // the last reload was of the shipped module
            long open = 0;
            for (int t = 0; t < threads; t++) {
                assertEquals(kept, held.get(t).size());
                for (PersonHandle h : held.get(t)) {
                    assertTrue(h.name().startsWith("张三 " + t + "/"), h.name());
                    open++;
                }
            }
            assertEquals(open, api.liveAllocations(), "every open handle, whichever module holds it, and nothing else");
            held.forEach(list -> list.forEach(PersonHandle::close));
            assertEquals(0, api.liveAllocations(), "every old module was released with its last handle");
            assertEquals(List.of(), log.warnings());
        }
    }

    /** Waits until the workers made {@code count} more round trips, or one of them failed. */
    private static void awaitRoundTrips(AtomicLong roundTrips, AtomicReference<Throwable> failure, long count)
            throws InterruptedException {
        long target = roundTrips.get() + count;
        while (roundTrips.get() < target && failure.get() == null) {
            Thread.sleep(1);
        }
    }

    private static void check(PersonHandle h, String name, int age) {
        Person p = h.toPerson();
        if (!p.name().equals(name) || p.age() != age) {
            throw new AssertionError("expected " + new Person(name, age) + ", read " + p);
        }
    }

    /** The shipped module takes "💥panic" as a name like any other. */
    private static void assertServedByTheShippedModule(PersonApi api) {
        try (PersonHandle p = api.createPerson("💥panic", 1)) {
            assertEquals(new Person("💥panic", 1), p.toPerson());
        }
    }

    /** The fault-injection build panics on it. */
    private static void assertServedByTheFaultsModule(PersonApi api) {
        assertThrows(RustPanicException.class, () -> api.createPerson("💥panic", 1));
    }
}
