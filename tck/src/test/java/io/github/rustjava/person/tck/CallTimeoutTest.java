package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.tck.Fixtures.SlowModule;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
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
     * An interrupt from outside arrives while the call waits for a fresh instance after a trap,
     * and then the timeout passes too: the call ends, and the caller's interrupt flag is still set,
     * as after any interrupt that arrives during a call. The fresh instance starts slowly
     * ({@link SlowModule#SLOW_START}, about half a second on the interpreter) so that the wait
     * outlasts the timeout.
     */
    @Test
    void anInterruptFromOutsideIsNotLostWhenTheTimeoutPassesInTheSameCall() throws Exception {
        Duration timeout = Duration.ofMillis(200);
        try (LogCapture log = LogCapture.start();
                PersonApi api = PersonApi.builder().engine(Engine.INTERPRETER).module(SlowModule.SLOW_START.bytes())
                        .callTimeout(timeout).build();
                PersonHandle bystander = api.createPerson("Bystander", 40)) {
            Thread caller = Thread.currentThread();
            CountDownLatch calling = new CountDownLatch(1);
            Async<Long> interrupter = Async.start("interrupter", () -> {
                calling.await();
                Thread.sleep(timeout.toMillis() / 2); // inside the call, before its timeout
                caller.interrupt();
                return System.nanoTime();
            });
            calling.countDown();
            RuntimeException e = assertThrows(RuntimeException.class, () -> api.createPerson("Doomed", -1));
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
