package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An {@link Error} thrown out of a Wasm call, such as the JVM running out of heap while the
 * module grows its memory, abandons the call half-way, as a trap does. The rule: the caller still
 * gets the Error, and the instance is treated as after a trap: never called again, its persons
 * carried into a fresh one, so nothing the abandoned call allocated stays behind.
 */
class WasmErrorTest {

    /**
     * A 40 MB name in a JVM with a 160 MB heap: the name, its UTF-8 copy and the module's memory,
     * which grows to hold the argument and Rust's copy of it, do not fit, and the memory's growth
     * throws OutOfMemoryError inside the module. A JVM of its own, so the heap limit is real.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void anOutOfMemoryErrorInsideACallLeavesTheInstanceAsATrapDoes(Engine engine) throws Exception {
        Forked.Result r = Forked.run(HugeName.class, List.of("-Xmx160m"), Duration.ofMinutes(2), engine.name());
        assertEquals(0, r.exit, r.output);
        assertEquals("java.lang.OutOfMemoryError", r.line("thrown"), r.output);
        assertEquals("0", r.line("live"), "nothing of the abandoned call is left: " + r.output);
        assertEquals(new Person("Bystander", 40).toString(), r.line("bystander"), r.output);
        assertEquals(new Person("After", 50).toString(), r.line("after"), r.output);
    }

    /** The forked JVM of {@link #anOutOfMemoryErrorInsideACallLeavesTheInstanceAsATrapDoes}. */
    static final class HugeName {
        public static void main(String[] args) {
            Engine engine = Engine.valueOf(args[0]);
            try (PersonApi api = PersonApi.builder().engine(engine).build();
                    PersonHandle bystander = api.createPerson("Bystander", 40)) {
                String thrown = "nothing";
                try {
                    try (PersonHandle huge = api.createPerson("x".repeat(40 << 20), 30)) {
                        thrown = "nothing (" + huge.age() + ")";
                    }
                } catch (Throwable t) {
                    thrown = t.getClass().getName();
                }
                System.out.println("thrown " + thrown);
                System.out.println("live " + (api.liveAllocations() - 1));
                System.out.println("bystander " + bystander.toPerson());
                try (PersonHandle after = api.createPerson("After", 50)) {
                    System.out.println("after " + after.toPerson());
                }
            }
        }
    }
}
