package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.PersonScope;
import io.github.rustjava.person.RustError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The handle rules of {@link PersonScope}, for every backend: what a scope frees, and who may use
 * its handles when. A backend's test extends this class and says how to open an api.
 */
public abstract class PersonScopeConformance {

    /** Opens a fresh api on the backend under test. */
    protected abstract PersonApi openApi();

    protected PersonApi api;
    private long baseline;

    @BeforeEach
    void open() {
        api = openApi();
        baseline = api.liveAllocations(); // a native library's counter is per process
    }

    @AfterEach
    void closeApi() {
        api.close();
    }

    @Test
    void theSeedsRoundTripInAScope() {
        try (PersonScope scope = api.openScope()) {
            PersonHandle alice = scope.createPerson("Alice", 30);
            PersonHandle older = scope.personDetails(alice).orElseThrow();
            assertEquals(new Person("Alice", 31), older.toPerson());
            assertEquals("Alice", older.name());
            assertEquals(31, older.age());
            assertEquals(new RustError(-1, "这是一个错误"), scope.errorMessage());
            assertEquals(true, scope.personDetails(scope.createPerson("Kid", 17)).isEmpty());
        }
        assertEquals(baseline, api.liveAllocations(), "closing the scope freed every person made in it");
    }

    @Test
    void closingTheScopeFreesWhatIsStillOpenAndOnlyThat() {
        List<PersonHandle> made = new ArrayList<>();
        try (PersonScope scope = api.openScope()) {
            for (int i = 0; i < 1000; i++) {
                made.add(scope.createPerson("p" + i, 20 + i % 50));
            }
            for (int i = 0; i < 1000; i += 2) {
                made.get(i).close(); // closed early: freed now, and not again at the end
            }
            assertDoesNotThrow(() -> made.get(0).close(), "closing twice does nothing");
            assertEquals(baseline + 500, api.liveAllocations());
        }
        assertEquals(baseline, api.liveAllocations());
    }

    @Test
    void aScopedHandleIsInvalidAfterItsScopeCloses() {
        PersonHandle escaped;
        try (PersonScope scope = api.openScope()) {
            escaped = scope.createPerson("Escaped", 40);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, escaped::name);
        assertTrue(e.getMessage().contains("PersonScope is closed"), e.getMessage());
        assertThrows(IllegalStateException.class, escaped::toPerson);
        assertThrows(IllegalStateException.class, () -> api.personDetails(escaped));
        assertDoesNotThrow(escaped::close);
    }

    @Test
    void aClosedScopeRefusesCalls() {
        PersonScope scope = api.openScope();
        scope.close();
        assertThrows(IllegalStateException.class, () -> scope.createPerson("Late", 30));
        assertThrows(IllegalStateException.class, scope::errorMessage);
        assertDoesNotThrow(scope::close, "closing twice does nothing");
    }

    @Test
    void aScopeAndItsHandlesBelongToItsThread() throws Exception {
        try (PersonScope scope = api.openScope()) {
            PersonHandle mine = scope.createPerson("Mine", 30);
            for (Runnable misuse : List.<Runnable>of(
                    () -> scope.createPerson("Other", 30),
                    scope::errorMessage,
                    () -> scope.personDetails(mine),
                    scope::close)) {
                CompletableFuture<Throwable> thrown = CompletableFuture.supplyAsync(() -> {
                    try {
                        misuse.run();
                        return null;
                    } catch (Throwable t) {
                        return t;
                    }
                });
                Throwable t = thrown.get(30, TimeUnit.SECONDS);
                assertTrue(t instanceof IllegalStateException, "another thread is refused: " + t);
            }
            assertEquals("Mine", mine.name(), "the scope is intact");
        }
    }

    /** Another thread's call waits for the lease on a single instance, or goes to another in a pool. */
    @Test
    void otherThreadsAreServedDuringOrAfterTheScope() throws Exception {
        CompletableFuture<Person> other;
        try (PersonScope scope = api.openScope()) {
            scope.createPerson("In scope", 30);
            other = CompletableFuture.supplyAsync(() -> {
                try (PersonHandle p = api.createPerson("Outside", 50)) {
                    return p.toPerson();
                }
            });
            Thread.sleep(50);
        }
        assertEquals(new Person("Outside", 50), other.get(30, TimeUnit.SECONDS));
        assertEquals(baseline, api.liveAllocations());
    }

    @Test
    void theApiAndTheScopeShareHandlesOnTheScopesThread() {
        try (PersonHandle managed = api.createPerson("Managed", 40);
                PersonScope scope = api.openScope()) {
            PersonHandle older = scope.personDetails(managed).orElseThrow();
            assertEquals(new Person("Managed", 41), older.toPerson());
            PersonHandle scoped = scope.createPerson("Scoped", 20);
            assertEquals(new Person("Scoped", 21), api.personDetails(scoped).map(h -> {
                try (h) {
                    return h.toPerson();
                }
            }).orElseThrow());
        }
        assertEquals(baseline, api.liveAllocations());
    }

    @Test
    void aHandleFromAnotherApiIsRefused() {
        try (PersonApi other = openApi();
                PersonHandle foreign = other.createPerson("Foreign", 30);
                PersonScope scope = api.openScope()) {
            assertThrows(IllegalArgumentException.class, () -> scope.personDetails(foreign));
        }
    }

    @Test
    void badInputIsRefusedAsByTheApi() {
        try (PersonScope scope = api.openScope()) {
            assertThrows(NullPointerException.class, () -> scope.createPerson(null, 30));
            assertThrows(IllegalArgumentException.class, () -> scope.createPerson("a\0b", 30));
            assertThrows(IllegalArgumentException.class, () -> scope.createPerson("\uD800", 30));
            assertThrows(ArithmeticException.class,
                    () -> scope.personDetails(scope.createPerson("Old", Integer.MAX_VALUE)));
        }
        assertEquals(baseline, api.liveAllocations());
    }
}
