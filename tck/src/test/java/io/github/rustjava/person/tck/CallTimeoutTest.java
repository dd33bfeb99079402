package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import java.time.Duration;
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
