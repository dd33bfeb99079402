package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrowsExactly;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.tck.Fixtures.BadModule;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a module from outside the jar may declare that an instance allocates when it starts or
 * when a function is called: table entries, globals, element and data segments, locals, memories.
 * A few bytes of a module can declare gigabytes of these, so each is bounded, and a module over a
 * bound is refused with {@link IllegalArgumentException} naming the limit, before any instance is
 * made (locals: before the module is even parsed, since parsing expands them).
 *
 * <p>The limits: tables hold at most 65 536 entries in all, counted at each table's maximum size
 * (a table without one may grow to 10 million entries, and is refused); at most 10 000 globals,
 * 10 000 element segments holding at most 65 536 entries in all, and 10 000 data segments; at
 * most 10 000 locals in a function; one memory, the one the library caps. The shipped module
 * uses a table of 69 entries, 3 globals, one element segment, 2 data segments.
 */
class ModuleLimitsTest {

    /** Modules over one limit each, with the message that must refuse them. */
    enum OverALimit {
        TABLE_WITHOUT_MAXIMUM(() -> new WasmBinary().table(1, -1),
                "table 0 has no maximum size; tables may hold 65536 entries in all"),
        TABLES_TOO_LARGE(() -> new WasmBinary().table(1, 40_000).table(0, 40_000),
                "its tables may grow to 80000 entries in all; the limit is 65536"),
        GLOBALS(() -> new WasmBinary().globals(10_001), "it declares 10001 globals; the limit is 10000"),
        ELEMENT_SEGMENTS(() -> new WasmBinary().elementSegments(10_001, 0),
                "it declares 10001 element segments; the limit is 10000"),
        ELEMENTS(() -> new WasmBinary().elementSegments(2, 40_000),
                "its element segments hold 80000 entries in all; the limit is 65536"),
        DATA_SEGMENTS(() -> new WasmBinary().dataSegments(10_001, 1), "it declares 10001 data segments; the limit is 10000"),
        LOCALS(() -> new WasmBinary().locals(1000, 1000), "function 11 declares 1000000 locals; the limit is 10000"),
        TWO_MEMORIES(() -> new WasmBinary().memory(1), "it declares 2 memories; the library provides one");

        final Supplier<WasmBinary> module;
        final String message;

        OverALimit(Supplier<WasmBinary> module, String message) {
            this.module = module;
            this.message = message;
        }
    }

    @ParameterizedTest
    @EnumSource(OverALimit.class)
    void aModuleOverALimitIsRefused(OverALimit over) {
        for (Engine engine : new Engine[] {Engine.INTERPRETER, Engine.RUNTIME_COMPILER}) {
            PersonApi.Builder builder = PersonApi.builder().engine(engine).module(over.module.get().bytes());
            IllegalArgumentException e = assertThrowsExactly(IllegalArgumentException.class, builder::build, engine::name);
            assertEquals(over.message, e.getMessage(), engine.name());
        }
    }

    /**
     * A module at every limit passes them; it is refused only later, for what it does when it
     * starts (its functions all trap), which shows the limits were not what stopped it.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aModuleAtEveryLimitPassesThem(Engine engine) {
        byte[] atTheLimits = new WasmBinary().table(10, 32_768).table(0, 32_768).globals(10_000)
                .elementSegments(10_000, 0).dataSegments(10_000, 1).locals(10, 1000).bytes();
        IllegalArgumentException e = assertThrowsExactly(IllegalArgumentException.class,
                () -> PersonApi.builder().engine(engine).module(atTheLimits).build());
        assertTrue(e.getMessage().startsWith("the module failed to start: "), e.getMessage());
    }

    /**
     * The reported module: under 1 KB, 20 tables of 10 million entries. In a JVM of 1 GiB of its
     * own, so that the refusal is shown to come before the allocation, which would not fit.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void hugeTablesAreRefusedBeforeAnInstanceIsMade(Engine engine) throws Exception {
        Forked.Result r = Forked.run(Build.class, List.of("-Xmx1g"), Duration.ofMinutes(2), engine.name(), "tables");
        assertEquals("its tables start with 200000000 entries in all; the limit is 65536", r.line("refused"), r.output);
    }

    /**
     * Locals are declared as runs of a count and a type, so a few hundred kilobytes declare five
     * billion of them, which the runtime's parser would expand into a list. Refused before parsing,
     * in a JVM of 1 GiB of its own.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void billionsOfLocalsAreRefusedBeforeTheModuleIsParsed(Engine engine) throws Exception {
        Forked.Result r = Forked.run(Build.class, List.of("-Xmx1g"), Duration.ofMinutes(2), engine.name(), "locals");
        assertEquals("function 11 declares 5000000000 locals; the limit is 10000", r.line("refused"), r.output);
    }

    /** The forked JVM: builds an api over one of the modules above and prints how that ended. */
    static final class Build {
        public static void main(String[] args) {
            Engine engine = Engine.valueOf(args[0]);
            byte[] wasm = args[1].equals("tables") ? BadModule.HUGE_TABLES.bytes()
                    : new WasmBinary().locals(100_000, 50_000).bytes();
            try (PersonApi api = PersonApi.builder().engine(engine).module(wasm).build()) {
                System.out.println("built");
            } catch (IllegalArgumentException e) {
                System.out.println("refused " + e.getMessage());
            } catch (Throwable t) {
                System.out.println("failed " + t);
            }
        }
    }
}
