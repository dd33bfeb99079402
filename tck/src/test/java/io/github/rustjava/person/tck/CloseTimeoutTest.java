package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.PersonScope;
import io.github.rustjava.person.tck.Fixtures.SlowModule;
import java.lang.ref.Reference;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The call timeout bounds closing too. The module here is a valid person module whose
 * {@code free_person} never returns ({@link SlowModule#FREE_LOOPS}); the rule: every close, of a
 * handle, a scope or the api, returns within the call timeout plus 50 ms, throws nothing, and
 * leaves the api serving (or closed, for the api's own close).
 */
class CloseTimeoutTest {

    private static final Duration TIMEOUT = Duration.ofMillis(200);
    /**
     * The rule's 50 ms, and 150 ms more for a shared 2-core machine: the watchdog's thread must be
     * scheduled. Collector pauses are taken off the measured time, as the rule says. Far below
     * "never".
     */
    private static final long BOUND_MS = TIMEOUT.toMillis() + 50 + 150;
    /** How long a stuck close is given before the test calls it stuck. */
    private static final Duration STUCK = Duration.ofSeconds(5);

    private static PersonApi freeLoops(Engine engine) {
        return PersonApi.builder().engine(engine).module(SlowModule.FREE_LOOPS.bytes()).callTimeout(TIMEOUT).build();
    }

    /** Passes today: a handle's close outside a scope is a call, under the timeout. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aHandlesCloseReturnsWithinTheTimeout(Engine engine) throws Exception {
        try (LogCapture log = LogCapture.start()) {
            PersonApi api = freeLoops(engine);
            PersonHandle bystander = api.createPerson("Bystander", 40);
            PersonHandle doomed = api.createPerson("Doomed", 30);
            Async<Object> closing = Async.start("handle close", () -> {
                doomed.close();
                return null;
            });
            try {
                assertClosedInTime(closing);
                assertEquals(new Person("Bystander", 40), bystander.toPerson(), "the api carries on");
            } finally {
                closing.interruptIfRunning();
                closeBounded(api);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void theApisCloseReturnsWithinTheTimeout(Engine engine) throws Exception {
        try (LogCapture log = LogCapture.start()) {
            PersonApi api = freeLoops(engine);
            PersonHandle held = api.createPerson("Held", 30);
            PersonHandle alsoHeld = api.createPerson("Also held", 31);
            Async<Object> closing = Async.start("api close", () -> {
                api.close();
                return null;
            });
            try {
                assertClosedInTime(closing);
            } finally {
                closing.interruptIfRunning(); // the spinning free_person checks for interrupts
                Reference.reachabilityFence(held);
                Reference.reachabilityFence(alsoHeld);
            }
        }
    }

    /**
     * A scope's close frees the persons made in it; with a free_person that never returns it must
     * still return in time, and the instance must not stay held: a later call on the api, from
     * another thread, answers within the same bound.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aScopesCloseReturnsWithinTheTimeoutAndReleasesTheInstance(Engine engine) throws Exception {
        try (LogCapture log = LogCapture.start()) {
            PersonApi api = freeLoops(engine);
            Async<Object> scoped = Async.start("scope", () -> {
                PersonScope scope = api.openScope();
                scope.createPerson("Scoped", 30);
                CallTimeoutTest.Stopwatch watch = new CallTimeoutTest.Stopwatch();
                scope.close();
                return watch;
            });
            Async<Person> later = null;
            try {
                Async.Outcome<Object> closed = scoped.await(STUCK);
                assertNull(closed.thrown, closed.toString());
                ((CallTimeoutTest.Stopwatch) closed.value).assertWithin(BOUND_MS, "scope.close()");

                later = Async.start("a later call", () -> {
                    try (PersonHandle p = api.createPerson("Later", 50)) {
                        return p.toPerson();
                    }
                });
                Async.Outcome<Person> outcome = later.await(STUCK);
                assertEquals(new Person("Later", 50), outcome.value, outcome.toString());
            } finally {
                scoped.interruptIfRunning();
                if (later != null) {
                    later.interruptIfRunning();
                }
                closeBounded(api);
            }
        }
    }

    private static void assertClosedInTime(Async<Object> closing) throws InterruptedException {
        long gcBefore = CallTimeoutTest.Stopwatch.gcMillis();
        Async.Outcome<Object> outcome = closing.await(STUCK);
        long gc = CallTimeoutTest.Stopwatch.gcMillis() - gcBefore;
        assertNull(outcome.thrown, "close throws nothing: " + outcome);
        assertTrue(outcome.millis() - gc <= BOUND_MS, "close took " + outcome.millis() + " ms, " + gc
                + " ms of it collector pauses; the bound is " + BOUND_MS + " ms");
    }

    /** Closes the api on a thread of its own, interrupting it if it spins, so a failed test leaves nothing running. */
    private static void closeBounded(PersonApi api) throws InterruptedException {
        Async<Object> closing = Async.start("cleanup close", () -> {
            api.close();
            return null;
        });
        for (int i = 0; i < 20 && !closing.ended(Duration.ofMillis(500)); i++) {
            closing.interruptIfRunning();
        }
    }
}
