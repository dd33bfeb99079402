package io.github.rustjava.person.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {

    private static final List<String> DEMO = List.of("Updated person: Alice, Age: 31", "Error code: -1, Message: 这是一个错误");

    @TempDir
    private static Path dir;

    /** The bundled module's bytes in a file, as another build of it would be given to --module. */
    private static Path module;
    private static Path notWasm;
    private static Path missing;

    private record Result(int exit, List<String> out, List<String> err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, lines(out), lines(err));
    }

    private static List<String> lines(StringWriter w) {
        return w.toString().lines().collect(Collectors.toList());
    }

    @BeforeAll
    static void modules() throws IOException {
        module = dir.resolve("person.wasm");
        try (InputStream bundled = PersonApi.class.getResourceAsStream("/io/github/rustjava/person/person.wasm")) {
            Files.write(module, bundled.readAllBytes());
        }
        notWasm = Files.writeString(dir.resolve("person.txt"), "not a module", StandardCharsets.UTF_8);
        missing = dir.resolve("missing.wasm");
    }

    /** What the library says when it refuses {@code wasm} on {@code engine}, as the CLI must print it. */
    private static String refusal(Engine engine, Path wasm) {
        return "Error: " + assertThrows(IllegalArgumentException.class,
                () -> PersonApi.builder().engine(engine).module(wasm).build()).getMessage();
    }

    // The demo

    @ParameterizedTest
    @EnumSource(Engine.class)
    void withoutArgumentsItPrintsExactlyTheSeedsDemo(Engine engine) {
        Result r = engine == Engine.BUILD_TIME_COMPILER ? run() : run("--engine", engine.name());
        assertEquals(new Result(0, DEMO, List.of()), r);
    }

    @Test
    void aNamedAdult() {
        Result r = run("--name", "张三 🦀", "--age", "40", "--engine", "interpreter");
        assertEquals(new Result(0, List.of("Updated person: 张三 🦀, Age: 41"), List.of()), r);
    }

    @ParameterizedTest
    @ValueSource(strings = {"17", "-1", "-2147483648"})
    void minorsGetTheSeedsErrorAndExitOne(String age) {
        Result r = run("--name", "Kid", "--age", age);
        assertEquals(new Result(1, List.of(), List.of("Error: Invalid person or age less than 18")), r);
    }

    @Test
    void theLargestAgeIsRefusedAsAnOverflowNotAsAMinor() {
        Result r = run("--name", "Methuselah", "--age", "2147483647");
        assertEquals(new Result(1, List.of(), List.of("Error: age 2147483647 + 1 overflows a 32-bit int")), r);
    }

    // Bad arguments

    static Stream<Arguments> badArguments() {
        return Stream.of(
                Arguments.of(List.of("--bogus"), "Unknown option: '--bogus'"),
                Arguments.of(List.of("--engine", "jit"), "Invalid value for option '--engine': expected one of "
                        + "[INTERPRETER, RUNTIME_COMPILER, BUILD_TIME_COMPILER] (case-insensitive) but was 'jit'"),
                Arguments.of(List.of("--name", "A", "--age", "x"), "Invalid value for option '--age': 'x' is not an int"),
                Arguments.of(List.of("--name", "A", "--age", "99999999999"),
                        "Invalid value for option '--age': '99999999999' is not an int"),
                Arguments.of(List.of("--name", "A", "--age"), "Missing required parameter for option '--age' (A)"),
                Arguments.of(List.of("--module"), "Missing required parameter for option '--module' (PATH)"),
                Arguments.of(List.of("--name", "Alice"), "--name and --age go together"),
                Arguments.of(List.of("--age", "30"), "--name and --age go together"));
    }

    @ParameterizedTest
    @MethodSource
    void badArguments(List<String> args, String problem) {
        Result r = run(args.toArray(String[]::new));
        assertEquals(new Result(2, List.of(), List.of("Error: " + problem, "Try 'person --help' for more information.")), r);
    }

    @Test
    void aNameRustCannotTakeIsABadArgument() {
        String refusal;
        try (PersonApi api = PersonApi.wasm()) {
            refusal = assertThrows(IllegalArgumentException.class, () -> api.createPerson("Al\0ice", 30)).getMessage();
        }
        Result r = run("--name", "Al\0ice", "--age", "30");
        assertEquals(new Result(2, List.of(), List.of("Error: " + refusal, "Try 'person --help' for more information.")), r);
    }

    @Test
    void helpPrintsTheWholeUsage() {
        Result r = run("--help");
        assertEquals(0, r.exit());
        assertEquals(List.of(), r.err());
        assertEquals("Usage: person [-hV] [--age=A] [--engine=E] [--module=PATH] [--name=N] [COMMAND]", r.out().get(0));
        assertTrue(r.out().contains("  2   bad arguments"), String.join("\n", r.out()));
    }

    // --module

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = "BUILD_TIME_COMPILER", mode = EnumSource.Mode.EXCLUDE)
    void anotherBuildOfTheModuleRunsTheDemo(Engine engine) {
        assertEquals(new Result(0, DEMO, List.of()), run("--module", module.toString(), "--engine", engine.name()));
    }

    @Test
    void aModuleWithoutAnEngineRunsOnTheRuntimeCompiler() {
        assertEquals(new Result(0, DEMO, List.of()), run("--module", module.toString()));
    }

    @Test
    void theBuildTimeCompilerRefusesAModule() {
        Result r = run("--engine", "build_time_compiler", "--module", module.toString());
        assertEquals(new Result(2, List.of(), List.of(refusal(Engine.BUILD_TIME_COMPILER, module))), r);
        assertTrue(r.err().get(0).contains("BUILD_TIME_COMPILER"), r.err().get(0));
    }

    @Test
    void aFileThatIsNotWasmIsRefusedInOneLine() {
        Result r = run("--module", notWasm.toString());
        assertEquals(new Result(2, List.of(), List.of("Error: not a WebAssembly module (no \\0asm header)")), r);
        assertEquals(refusal(Engine.RUNTIME_COMPILER, notWasm), r.err().get(0));
    }

    @Test
    void aMissingFileIsRefusedInOneLine() {
        Result r = run("--module", missing.toString());
        assertEquals(new Result(2, List.of(), List.of("Error: cannot read the module " + missing + ": no such file")), r);
    }

    // soak

    @Test
    void aShortSoakReportsNoLeakAndFlatMemory() {
        Result r = run("soak", "--round-trips", "3000", "--engine", "runtime_compiler");
        assertEquals(0, r.exit(), r.out() + "\n" + r.err());
        assertTrue(r.out().get(0).startsWith("soak: 3,000 round trips on RUNTIME_COMPILER; "), r.out().get(0));
        assertTrue(r.out().stream().anyMatch(l -> l.startsWith("  3,000 / 3,000  (100%)")), r.out().toString());
        assertTrue(r.out().contains("leaked allocations: 0"), r.out().toString());
        assertEquals("soak: ok", r.out().get(r.out().size() - 1));
        assertEquals(List.of(), r.err());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void soakTakesTheEngineBeforeOrAfterIt(boolean before) {
        Result r = before
                ? run("--engine", "interpreter", "soak", "--round-trips", "1")
                : run("soak", "--round-trips", "1", "--engine", "interpreter");
        assertEquals(0, r.exit(), r.out() + "\n" + r.err());
        assertTrue(r.out().get(0).startsWith("soak: 1 round trips on INTERPRETER; "), r.out().get(0));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void soakTakesTheModuleBeforeOrAfterIt(boolean before) {
        String path = notWasm.toString();
        Result r = before ? run("--module", path, "soak") : run("soak", "--module", path);
        assertEquals(new Result(2, List.of(), List.of("Error: not a WebAssembly module (no \\0asm header)")), r);
    }

    @Test
    void soakRunsAnotherBuildOfTheModuleOnTheRuntimeCompiler() {
        Result r = run("soak", "--round-trips", "1", "--module", module.toString());
        assertEquals(0, r.exit(), r.out() + "\n" + r.err());
        assertTrue(r.out().get(0).startsWith("soak: 1 round trips on RUNTIME_COMPILER; "), r.out().get(0));
    }

    @Test
    void soakPassesEngineAndModuleTogetherToTheLibrary() {
        Result r = run("--engine", "build_time_compiler", "soak", "--module", module.toString());
        assertEquals(new Result(2, List.of(), List.of(refusal(Engine.BUILD_TIME_COMPILER, module))), r);
    }

    @ParameterizedTest
    // A short count, so that a regression fails fast instead of soaking for minutes.
    @ValueSource(strings = {"--name A --age 30 soak --round-trips 1", "--name A soak --round-trips 1", "--age 30 soak --round-trips 1"})
    void soakRefusesTheDemosPerson(String args) {
        Result r = run(args.split(" "));
        assertEquals(new Result(2, List.of(), List.of(
                "Error: --name and --age apply to the demo only, not to soak",
                "Try 'person soak --help' for more information.")), r);
    }

    @Test
    void soakRefusesANonPositiveCount() {
        Result r = run("soak", "--round-trips", "0");
        assertEquals(new Result(2, List.of(), List.of(
                "Error: --round-trips must be at least 1", "Try 'person soak --help' for more information.")), r);
    }

    @Test
    void soaksBadArgumentsAreOneLineToo() {
        Result r = run("soak", "--name", "A");
        assertEquals(new Result(2, List.of(), List.of(
                "Error: Unknown options: '--name', 'A'", "Try 'person soak --help' for more information.")), r);
    }
}
