package io.github.rustjava.person.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {

    private record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void withoutArgumentsItPrintsExactlyTheSeedsDemo(Engine engine) {
        Result r = engine == Engine.BUILD_TIME_COMPILER ? run() : run("--engine", engine.name());
        assertEquals(0, r.exit(), r.err());
        assertEquals(String.format("Updated person: Alice, Age: 31%nError code: -1, Message: 这是一个错误%n"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void aNamedAdult() {
        Result r = run("--name", "张三 🦀", "--age", "40", "--engine", "interpreter");
        assertEquals(0, r.exit(), r.err());
        assertEquals(String.format("Updated person: 张三 🦀, Age: 41%n"), r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"17", "-1", "-2147483648", "2147483647"})
    void refusedPeopleGetTheSeedsErrorAndExitOne(String age) {
        Result r = run("--name", "Kid", "--age", age);
        assertEquals(1, r.exit());
        assertEquals("", r.out());
        assertEquals(String.format("Error: Invalid person or age less than 18%n"), r.err());
    }

    @Test
    void badArgumentsGetUsageAndExitTwo() {
        for (String[] args : new String[][] {
            {"--age", "x"}, {"--name", "Alice"}, {"--age", "30"}, {"--engine", "jit"}, {"--bogus"},
            {"--name", "Al\0ice", "--age", "30"}, {"--age", "99999999999", "--name", "A"}
        }) {
            Result r = run(args);
            assertEquals(2, r.exit(), String.join(" ", args));
            assertTrue(r.err().contains("Usage: person"), r.err());
            assertEquals("", r.out());
        }
    }

    @Test
    void aShortSoakReportsNoLeakAndFlatMemory() {
        Result r = run("soak", "--round-trips", "3000", "--engine", "runtime_compiler");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("3,000 / 3,000  (100%)"), r.out());
        assertTrue(r.out().contains("leaked allocations: 0"), r.out());
        assertTrue(r.out().trim().endsWith("soak: ok"), r.out());
    }

    @Test
    void soakRefusesANonPositiveCount() {
        assertEquals(2, run("soak", "--round-trips", "0").exit());
    }
}
