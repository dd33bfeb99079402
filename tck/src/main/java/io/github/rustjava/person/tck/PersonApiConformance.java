package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustError;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract of {@link PersonApi}, for every backend. A backend's test extends this class and
 * says how to open an api; every case here must pass on every backend before the benchmark may
 * compare them.
 *
 * <p>Leak checks compare {@link PersonApi#liveAllocations()} before and after: every rejection
 * and every closed handle must leave it where it was.
 */
public abstract class PersonApiConformance {

    /** Opens a fresh api on the backend under test. */
    protected abstract PersonApi openApi();

    protected PersonApi api;

    @BeforeEach
    void open() {
        api = openApi();
    }

    @AfterEach
    void closeApi() {
        api.close();
    }

    private Person roundTrip(String name, int age) {
        try (PersonHandle person = api.createPerson(name, age)) {
            Optional<PersonHandle> details = api.personDetails(person);
            assertTrue(details.isPresent(), "details of " + age);
            try (PersonHandle older = details.get()) {
                return older.toPerson();
            }
        }
    }

    /** Runs {@code rejected}, expects {@code type}, and checks that nothing was allocated or lost. */
    private <T extends Throwable> T rejects(Class<T> type, Executable rejected) {
        long before = api.liveAllocations();
        T thrown = assertThrows(type, rejected);
        assertNotNull(thrown.getMessage(), "a rejection explains itself");
        assertEquals(before, api.liveAllocations(), "a rejection leaks nothing");
        return thrown;
    }

    // --- the seed's behaviours ---

    @Test
    void aFreshApiHoldsNothing() {
        assertEquals(0, api.liveAllocations());
    }

    @Test
    void seedRoundTrip() {
        try (PersonHandle alice = api.createPerson("Alice", 30)) {
            assertEquals("Alice", alice.name());
            assertEquals(30, alice.age());
            try (PersonHandle updated = api.personDetails(alice).orElseThrow()) {
                assertEquals(new Person("Alice", 31), updated.toPerson());
                assertEquals(new Person("Alice", 30), alice.toPerson(), "details must not change the original");
            }
        }
        assertEquals(0, api.liveAllocations());
    }

    @Test
    void detailsIsADeepCopyThatOutlivesItsSource() {
        PersonHandle alice = api.createPerson("Alice", 30);
        try (PersonHandle updated = api.personDetails(alice).orElseThrow()) {
            alice.close();
            assertEquals(new Person("Alice", 31), updated.toPerson());
        }
    }

    @Test
    void detailsOfDetails() {
        assertEquals(new Person("Bob", 20), roundTrip("Bob", 19));
        try (PersonHandle bob = api.createPerson("Bob", 18);
                PersonHandle once = api.personDetails(bob).orElseThrow();
                PersonHandle twice = api.personDetails(once).orElseThrow()) {
            assertEquals(20, twice.age());
        }
    }

    @Test
    void seedErrorMessage() {
        long before = api.liveAllocations();
        assertEquals(new RustError(-1, "这是一个错误"), api.errorMessage());
        assertEquals(before, api.liveAllocations(), "errorMessage() frees what it read with free_error");
    }

    @Test
    void errorMessageFreesEveryTime() {
        for (int i = 0; i < 1_000; i++) {
            api.errorMessage();
        }
        assertEquals(0, api.liveAllocations());
    }

    // --- ages ---

    @ParameterizedTest
    @ValueSource(ints = {17, 0, -1, Integer.MIN_VALUE})
    void underEighteenHasNoDetails(int age) {
        try (PersonHandle young = api.createPerson("Kid", age)) {
            long before = api.liveAllocations();
            assertEquals(Optional.empty(), api.personDetails(young));
            assertEquals(before, api.liveAllocations());
            assertEquals(age, young.age(), "any int age is stored as given");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {18, 30, Integer.MAX_VALUE - 1})
    void adultsGetOneYearOlder(int age) {
        assertEquals(new Person("Adult", age + 1), roundTrip("Adult", age));
    }

    @Test
    void maxAgeOverflowIsRefusedNotWrapped() {
        try (PersonHandle old = api.createPerson("Methuselah", Integer.MAX_VALUE)) {
            rejects(ArithmeticException.class, () -> api.personDetails(old));
            assertEquals(Integer.MAX_VALUE, old.age(), "the original is untouched");
        }
    }

    // --- Unicode ---

    @ParameterizedTest
    @ValueSource(strings = {
        "", "A", "张三", "这是一个错误", "Zoë", "emoji 🦀🎉", "𝕏𝕐ℤ", "𠜎𠜱𠝹", "mixed Ωé中文🙂\t\n end", "\u007f\u0080\u07ff\u0800\uffff"
    })
    void unicodeRoundTripsExactly(String name) {
        assertEquals(new Person(name, 31), roundTrip(name, 30));
    }

    @Test
    void everySupplementaryPlaneSurvives() {
        StringBuilder sb = new StringBuilder();
        for (int cp = 0x10000; cp <= 0x10FFFF; cp += 0x0FFF) {
            sb.appendCodePoint(cp);
        }
        assertEquals(sb.toString(), roundTrip(sb.toString(), 40).name());
    }

    @Test
    void aTwoHundredThousandCharacterName() {
        String cjk = "人".repeat(200_000); // 600 000 UTF-8 bytes
        assertEquals(new Person(cjk, 19), roundTrip(cjk, 18));
        String ascii = "x".repeat(200_000);
        assertEquals(ascii, roundTrip(ascii, 18).name());
        assertEquals(0, api.liveAllocations());
    }

    @Test
    void namesOfEverySizeAroundTheBufferEdges() {
        // The argument buffer is reused up to a limit and replaced above it: cross both edges.
        for (int size : new int[] {255, 256, 257, 4095, 4096, 65534, 65535, 65536, 65537, 70_000}) {
            String name = "n".repeat(size);
            assertEquals(name, roundTrip(name, 20).name(), "size " + size);
        }
        assertEquals(0, api.liveAllocations());
    }

    // --- bad input ---

    @Test
    void nullNameIsRefused() {
        NullPointerException e = rejects(NullPointerException.class, () -> api.createPerson(null, 30));
        assertTrue(e.getMessage().contains("name"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\0", "Al\0ice", "Alice\0", "\0Alice"})
    void nulInNameIsRefusedNotTruncated(String name) {
        IllegalArgumentException e = rejects(IllegalArgumentException.class, () -> api.createPerson(name, 30));
        assertTrue(e.getMessage().contains("U+0000"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\ud800", "\udc00", "a\ud83e", "\ud83eb", "\udd80\ud83e", "ok🦀\ud83e"})
    void unpairedSurrogatesAreRefusedNotReplaced(String name) {
        IllegalArgumentException e = rejects(IllegalArgumentException.class, () -> api.createPerson(name, 30));
        assertTrue(e.getMessage().contains("surrogate"), e.getMessage());
    }

    @Test
    void nullHandleIsRefused() {
        rejects(NullPointerException.class, () -> api.personDetails(null));
    }

    // --- handle misuse ---

    @Test
    void closingTwiceFreesOnce() {
        PersonHandle a = api.createPerson("A", 30);
        PersonHandle b = api.createPerson("B", 30);
        long withBoth = api.liveAllocations();
        a.close();
        long withOne = api.liveAllocations();
        assertTrue(withOne < withBoth, "close frees");
        assertDoesNotThrow(a::close);
        assertEquals(withOne, api.liveAllocations(), "a second close frees nothing more");
        assertEquals("B", b.name(), "and does not free anything else");
        b.close();
        assertEquals(0, api.liveAllocations());
    }

    @Test
    void aClosedHandleCannotBeUsed() {
        PersonHandle a = api.createPerson("A", 30);
        a.close();
        assertAll(
                () -> rejects(IllegalStateException.class, a::name),
                () -> rejects(IllegalStateException.class, a::age),
                () -> rejects(IllegalStateException.class, a::toPerson),
                () -> rejects(IllegalStateException.class, () -> api.personDetails(a)));
    }

    @Test
    void aHandleFromAnotherApiIsRefused() {
        try (PersonApi other = openApi(); PersonHandle foreign = other.createPerson("Foreign", 30)) {
            IllegalArgumentException e = rejects(IllegalArgumentException.class, () -> api.personDetails(foreign));
            assertTrue(e.getMessage().contains("another PersonApi"), e.getMessage());
            assertEquals("Foreign", foreign.name(), "the foreign handle still works where it belongs");
        }
    }

    @Test
    void aForeignHandleImplementationIsRefused() {
        PersonHandle fake = new PersonHandle() {
            public String name() { return "fake"; }
            public int age() { return 99; }
            public Person toPerson() { return new Person("fake", 99); }
            public void close() {}
        };
        rejects(IllegalArgumentException.class, () -> api.personDetails(fake));
    }

    @Test
    void closingTheApiInvalidatesItsHandles() {
        PersonApi own = openApi();
        PersonHandle a = own.createPerson("A", 30);
        PersonHandle b = own.personDetails(a).orElseThrow();
        own.close();
        assertAll(
                () -> assertThrows(IllegalStateException.class, a::name),
                () -> assertThrows(IllegalStateException.class, b::age),
                () -> assertThrows(IllegalStateException.class, () -> own.personDetails(a)),
                () -> assertThrows(IllegalStateException.class, () -> own.createPerson("C", 1)),
                () -> assertThrows(IllegalStateException.class, own::errorMessage),
                () -> assertThrows(IllegalStateException.class, own::liveAllocations));
        assertDoesNotThrow(a::close, "closing a handle after its api throws nothing");
        assertDoesNotThrow(own::close, "closing an api twice throws nothing");
    }

    @Test
    void closingTheApiFreesWhatTheCallerForgot() {
        PersonApi own = openApi();
        own.createPerson("Forgotten", 30);
        own.close();
        // A native library outlives the api: its counter shows whether the api freed the person.
        assertEquals(0, api.liveAllocations());
    }

    // --- leaks and threads ---

    @Test
    void twentyThousandRoundTripsLeakNothing() {
        long before = api.liveAllocations();
        for (int i = 0; i < 20_000; i++) {
            String name = (i % 3 == 0) ? "张三" + i : (i % 3 == 1) ? "Alice" : "🦀".repeat(i % 50);
            try (PersonHandle p = api.createPerson(name, 18 + i % 50)) {
                api.personDetails(p).ifPresent(PersonHandle::close);
            }
        }
        assertEquals(before, api.liveAllocations());
    }

    @Test
    void aForgottenHandleIsReclaimedCountedAndReported() throws InterruptedException {
        try (LogCapture log = LogCapture.start()) {
            try (PersonApi own = openApi()) {
                long before = api.liveAllocations(); // a native library's counter is per process
                forget(own, 50);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (own.leakedHandles() < 50 && System.nanoTime() < deadline) {
                    System.gc();
                    Thread.sleep(20);
                }
                assertEquals(50, own.leakedHandles(), "every forgotten handle was reclaimed and counted");
                assertEquals(before, own.liveAllocations(), "and its person freed");
                assertEquals(3, log.warnings().size(), "the first few one by one: " + log.warnings());
            }
            assertEquals(4, log.warnings().size(), "the rest summed up when the api closed");
        }
    }

    /**
     * Creates handles and drops them in a frame of its own, so nothing keeps them reachable after
     * it returns. They are held until then: a GC during the loop must not free one before the count.
     */
    private static void forget(PersonApi api, int count) {
        List<PersonHandle> handles = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            handles.add(api.createPerson("forgotten " + i, 30));
        }
        assertTrue(api.liveAllocations() >= count);
        Reference.reachabilityFence(handles);
    }

    @Test
    void oneApiSharedByThreads() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        String name = "t" + id + "-" + i;
                        assertEquals(new Person(name, 21), roundTrip(name, 20));
                        if (i % 100 == 0) {
                            assertEquals(-1, api.errorMessage().code());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, api.liveAllocations());
    }
}
