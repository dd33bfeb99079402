package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.PersonScope;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Scopes and threads: a scope belongs to one thread, and neither its handles nor the pool-wide
 * methods may make another thread wait for it for ever.
 */
class ScopeThreadsTest {

    /** Long enough for any answer that does not wait for a scope; a blocked call fails the test. */
    private static final Duration AT_ONCE = Duration.ofSeconds(2);

    /** The apis a scope can be opened on: each engine, and a pool. */
    enum Api {
        INTERPRETER(() -> PersonApi.wasm(Engine.INTERPRETER)),
        RUNTIME_COMPILER(() -> PersonApi.wasm(Engine.RUNTIME_COMPILER)),
        BUILD_TIME_COMPILER(() -> PersonApi.wasm(Engine.BUILD_TIME_COMPILER)),
        POOL(() -> PersonApi.builder().instances(2).build());

        final Supplier<PersonApi> open;

        Api(Supplier<PersonApi> open) {
            this.open = open;
        }
    }

    /**
     * The rule of {@link PersonScope}: another thread that touches a scope's handle gets
     * {@link IllegalStateException} at once; it does not wait for the scope to close. Each of the
     * handle's methods, on every engine and on a pool.
     */
    @ParameterizedTest
    @EnumSource(Api.class)
    void aScopedHandleRefusesAnotherThreadAtOnce(Api which) throws Exception {
        List<Function<PersonHandle, Object>> misuses = List.of(
                PersonHandle::name, PersonHandle::age, PersonHandle::toPerson, h -> {
                    h.close();
                    return "closed";
                });
        try (PersonApi api = which.open.get()) {
            List<Async<Object>> started = new ArrayList<>();
            try (PersonScope scope = api.openScope()) {
                PersonHandle mine = scope.createPerson("Mine", 30);
                for (Function<PersonHandle, Object> misuse : misuses) {
                    Async<Object> other = Async.start("another thread", () -> misuse.apply(mine));
                    started.add(other);
                    Async.Outcome<Object> outcome = other.await(AT_ONCE);
                    assertInstanceOf(IllegalStateException.class, outcome.thrown, outcome.toString());
                }
                assertEquals(new Person("Mine", 30), mine.toPerson(), "the handle is intact");
            } finally {
                // A thread that blocked is released when the scope closes: let it end before the api does.
                for (Async<Object> a : started) {
                    a.ended(AT_ONCE);
                }
            }
            assertEquals(0, api.liveAllocations());
        }
    }

    /** A pool-wide method, called by each of two threads that hold a scope. */
    enum PoolWide {
        LIVE_ALLOCATIONS, LEAKED_HANDLES, RELOAD, CLOSE
    }

    /**
     * Two threads each hold a scope on a pool of two instances, then both call a pool-wide method.
     * The rule: a pool-wide method never waits for an instance that another thread's scope holds
     * while its caller holds a scope itself. {@link PersonApi#liveAllocations()},
     * {@link PersonApi#leakedHandles()} and {@link PersonApi#reload} then either work or throw
     * {@link IllegalStateException} at once; {@link PersonApi#close()} throws nothing and returns:
     * the api is closed, and what an open scope holds is freed when that scope closes. Either way
     * both threads go on, and nothing leaks.
     *
     * <p>The pool gives each thread one of its instances; today it picks by thread id, so the two
     * threads are made with ids of different parity to make their scopes hold different instances.
     * The rule holds whatever the pool picks.
     */
    @ParameterizedTest
    @EnumSource(PoolWide.class)
    void poolWideMethodsFromThreadsHoldingScopesComplete(PoolWide method, @TempDir Path dir) throws Exception {
        Path shipped = Fixtures.write(Fixtures.shippedModule(), dir, "person.wasm");
        PersonApi api = PersonApi.builder().engine(Engine.INTERPRETER).module(shipped).instances(2).build();
        CyclicBarrier bothInScopes = new CyclicBarrier(2);
        List<Async<String>> threads = new ArrayList<>();
        while (threads.size() < 2) {
            Async<String> t = Async.prepare("scope holder " + threads.size(), () -> {
                try (PersonScope scope = api.openScope()) {
                    PersonHandle p = scope.createPerson("Scoped", 30);
                    bothInScopes.await(30, TimeUnit.SECONDS);
                    String result;
                    try {
                        result = call(method, api, shipped);
                    } catch (IllegalStateException refused) {
                        result = "refused: " + refused.getMessage();
                    }
                    if (method != PoolWide.CLOSE) {
                        assertEquals("Scoped", p.name(), "the scope is intact");
                    }
                    return result;
                }
            });
            boolean differentParity = threads.isEmpty()
                    || threads.get(0).thread().getId() % 2 != t.thread().getId() % 2;
            if (differentParity) {
                threads.add(t);
            }
        }
        threads.forEach(Async::start);
        try {
            for (Async<String> t : threads) {
                Async.Outcome<String> outcome = t.awaitUnlessDeadlocked(Duration.ofSeconds(20));
                assertNull(outcome.thrown, () -> t.thread().getName() + " " + outcome);
            }
            assertNull(Async.deadlocked(), "no deadlock");
            if (method == PoolWide.CLOSE) {
                assertThrows(IllegalStateException.class, () -> api.createPerson("Late", 30), "the api is closed");
            } else {
                assertEquals(0, api.liveAllocations(), "both scopes freed their persons");
            }
        } finally {
            Async<Object> closing = Async.start("closing the api", () -> {
                api.close();
                return null;
            });
            closing.ended(Duration.ofSeconds(5)); // a deadlocked pool cannot be closed; the test failed already
        }
    }

    private static String call(PoolWide method, PersonApi api, Path module) {
        switch (method) {
            case LIVE_ALLOCATIONS:
                return "live " + api.liveAllocations();
            case LEAKED_HANDLES:
                return "leaked " + api.leakedHandles();
            case RELOAD:
                api.reload(module);
                return "reloaded";
            case CLOSE:
                api.close();
                return "closed";
            default:
                throw new AssertionError(method);
        }
    }

    /**
     * A scope on a pool takes every handle of its api, as the api itself does: details of a person
     * made by another thread, on another instance of the pool, are made in the scope and freed
     * with it. Handles are made on eight fresh threads so that they spread over both instances.
     */
    @Test
    void aScopeOnAPoolTakesHandlesOfItsOwnApi() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (PersonApi api = PersonApi.builder().instances(2).build()) {
                List<PersonHandle> made = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    int n = i;
                    made.add(Async.start("maker " + i, () -> api.createPerson("P" + n, 30 + n))
                            .await(Duration.ofSeconds(10)).value);
                }
                for (PersonHandle h : made) {
                    try (PersonHandle older = api.personDetails(h).orElseThrow()) {
                        assertEquals(new Person(h.name(), h.age() + 1), older.toPerson(), "the api takes its own handle");
                    }
                }
                try (PersonScope scope = api.openScope()) {
                    for (PersonHandle h : made) {
                        PersonHandle older = scope.personDetails(h).orElseThrow();
                        assertEquals(new Person(h.name(), h.age() + 1), older.toPerson(), "the scope takes it too");
                    }
                }
                assertEquals(8, api.liveAllocations(), "the scope freed the details it made");
                made.forEach(PersonHandle::close);
                assertEquals(0, api.liveAllocations());
            }
        });
    }
}
