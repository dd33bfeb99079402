package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.tck.Fixtures.BadModule;
import io.github.rustjava.person.tck.Fixtures.SlowModule;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Starting an instance of a module: its ABI check runs the module's code, which may trap, take
 * its time, or never answer. Starting is not a call: it has its own bound, and a module that fails
 * to start is refused with the library's own {@link IllegalArgumentException}, from
 * {@link PersonApi.Builder#build()} and {@link PersonApi#reload} alike; the runtime's exception
 * types never reach the caller.
 */
class StartTest {

    /** The bound on starting an instance: 10 s, or the call timeout when that is longer. */
    private static final Duration START_BOUND = Duration.ofSeconds(10);

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aTrapInTheAbiCheckIsRefusedWithTheLibrarysOwnException(Engine engine, @TempDir Path dir) {
        PersonApi.Builder builder = PersonApi.builder().engine(engine).module(BadModule.ABI_TRAPS.bytes());
        IllegalArgumentException built = assertThrowsExactly(IllegalArgumentException.class, builder::build);
        assertTrue(built.getMessage().startsWith("the module failed to start: "), built.getMessage());

        try (PersonApi api = PersonApi.wasm(engine); PersonHandle alice = api.createPerson("Alice", 30)) {
            Path traps = BadModule.ABI_TRAPS.writeTo(dir);
            IllegalArgumentException reloaded = assertThrowsExactly(IllegalArgumentException.class, () -> api.reload(traps));
            assertEquals(built.getMessage(), reloaded.getMessage(), "the same refusal from both entry points");
            assertEquals(new Person("Alice", 30), alice.toPerson(), "the api keeps its module");
        }
    }

    /**
     * A module whose ABI check takes about half a second on the interpreter, with a call timeout
     * of 50 ms: the timeout is for calls, so the api starts, and its calls are bounded as usual.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void startingAnInstanceIsNotBoundByTheCallTimeout(Engine engine, @TempDir Path dir) {
        Duration timeout = Duration.ofMillis(50);
        try (PersonApi api = PersonApi.builder().engine(engine).module(SlowModule.SLOW_START.bytes())
                .callTimeout(timeout).build();
                PersonHandle alice = api.createPerson("Alice", 30);
                PersonHandle older = api.personDetails(alice).orElseThrow()) {
            assertEquals(new Person("Alice", 31), older.toPerson());
            assertEquals(-1, api.errorMessage().code());

            api.reload(Fixtures.write(SlowModule.SLOW_START.bytes(), dir, "slow-start.wasm"));
            try (PersonHandle bob = api.createPerson("Bob", 40)) {
                assertEquals(new Person("Bob", 40), bob.toPerson(), "a reload starts its instance under the same bound");
            }
        }
    }

    /**
     * A module whose ABI check never answers: without any call timeout, starting it is stopped
     * once the start bound has passed, and the module is refused. On the interpreter, whose loop
     * through br_if the library must stop itself; the compilers stop such loops on their own.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER"})
    void aModuleThatNeverStartsIsRefusedAfterTheStartBound(Engine engine) throws Exception {
        Async<PersonApi> building = Async.start("build", () -> PersonApi.builder().engine(engine)
                .module(BadModule.ABI_LOOPS.bytes()).build());
        try {
            Async.Outcome<PersonApi> outcome = building.await(START_BOUND.multipliedBy(3));
            assertNotNull(outcome.thrown, outcome.toString());
            assertEquals(IllegalArgumentException.class, outcome.thrown.getClass(), outcome.toString());
            assertEquals("the module did not start within " + START_BOUND.toMillis() + " ms", outcome.thrown.getMessage());
            assertTrue(outcome.nanos >= START_BOUND.toNanos(), outcome.toString());
        } finally {
            building.interruptIfRunning();
        }
    }
}
