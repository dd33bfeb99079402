package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.CallTimeoutException;
import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustPanicException;
import io.github.rustjava.person.tck.Fixtures.BadModule;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A module from outside the jar: checked before any of its code runs, and untrusted afterwards.
 * Whatever it returns or does, the call ends in an exception with a clear message, in bounded time
 * and Java memory, and the api and the handles it holds carry on.
 *
 * <p>The misbehaviours are real: the fault-injection build of the crate does each of them in
 * compiled Rust when it is given a name starting with 💥 (rust-wasm/src/faults.rs), and the
 * modules that fail the static checks are built from tck/src/main/wat/.
 */
class ModuleTest {

    /** The largest name, in bytes, an api with {@link #MEMORY_CAP} accepts: a quarter of it. */
    private static final long MEMORY_CAP = 8 << 20;
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    /**
     * Generous for a 2 s timeout on a busy machine. The JUnit timeouts run each test in a thread
     * of its own, so a call nothing can stop fails its test instead of hanging the build.
     */
    private static final long BOUNDED_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final String NOT_WASM = "not a WebAssembly module (no \\0asm header)";

    // --- the checks before any call ---

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void bytesThatAreNotWasmAreRefused(Engine engine) {
        assertRefused(engine, "hello, world".getBytes(StandardCharsets.UTF_8), NOT_WASM);
        assertRefused(engine, new byte[0], NOT_WASM);
        assertRefused(engine, new byte[] {0, 'a', 's', 'm'}, NOT_WASM);
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aBrokenBinaryIsRefused(Engine engine) {
        // The header of a module, then a section id that does not exist.
        byte[] wasm = {0, 'a', 's', 'm', 1, 0, 0, 0, 99, 1, 0};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PersonApi.builder().engine(engine).module(wasm).build());
        assertTrue(e.getMessage().startsWith("not a valid WebAssembly module: "), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aModuleWithoutAnExportIsRefused(Engine engine) {
        assertRefused(engine, BadModule.MISSING_EXPORT.bytes(), "missing export get_person_details");
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void anExportOfTheWrongTypeIsRefused(Engine engine) {
        assertRefused(engine, BadModule.WRONG_TYPE.bytes(), "create_person has type (i64)->i32, expected (i32,i32)->i32");
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aModuleWithImportsIsRefused(Engine engine) {
        assertRefused(engine, BadModule.IMPORTS.bytes(), "imports env.random, which is not provided");
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aModuleWithAStartFunctionIsRefused(Engine engine) {
        assertRefused(engine, BadModule.START_FUNCTION.bytes(), "has a start function, which this library does not run");
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void anotherAbiVersionIsRefused(Engine engine) {
        assertRefused(engine, BadModule.ABI_VERSION_7.bytes(), "ABI version 7, this library speaks 2");
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aModuleFileIsCheckedLikeItsBytes(Engine engine, @TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PersonApi.builder().engine(engine).module(BadModule.WRONG_TYPE.writeTo(dir)).build());
        assertEquals("create_person has type (i64)->i32, expected (i32,i32)->i32", e.getMessage());

        Path good = Fixtures.write(Fixtures.shippedModule(), dir, "person.wasm");
        try (PersonApi api = PersonApi.builder().engine(engine).module(good).build();
                PersonHandle alice = api.createPerson("Alice", 30);
                PersonHandle older = api.personDetails(alice).orElseThrow()) {
            assertEquals(new Person("Alice", 31), older.toPerson());
        }
    }

    @Test
    void aMissingFileIsAnIoError(@TempDir Path dir) {
        Path missing = dir.resolve("missing.wasm");
        PersonApi.Builder builder = PersonApi.builder().engine(Engine.INTERPRETER).module(missing);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, builder::build);
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void theBuildTimeCompilerRunsOnlyTheShippedModule() {
        PersonApi.Builder builder = PersonApi.builder().engine(Engine.BUILD_TIME_COMPILER).module(Fixtures.shippedModule());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals("Engine.BUILD_TIME_COMPILER runs only the module compiled into this library; load another "
                + "module with Engine.INTERPRETER or Engine.RUNTIME_COMPILER", e.getMessage());
    }

    @Test
    void theModuleBytesAreCopied() {
        byte[] wasm = Fixtures.shippedModule();
        PersonApi.Builder builder = PersonApi.builder().engine(Engine.INTERPRETER).module(wasm);
        wasm[0] = 'X';
        try (PersonApi api = builder.build(); PersonHandle p = api.createPerson("Bob", 40)) {
            assertEquals(new Person("Bob", 40), p.toPerson());
        }
    }

    private static void assertRefused(Engine engine, byte[] wasm, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PersonApi.builder().engine(engine).module(wasm).build());
        assertEquals(message, e.getMessage());
    }

    // --- what a module does after the checks: untrusted ---

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aPointerOutsideItsMemory(Engine engine) {
        misbehave(engine, api -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> api.createPerson("💥oob", 30));
            assertTrue(e.getMessage().startsWith("the Wasm module misbehaved: create_person returned a Person* "
                    + "outside its memory: 0xffffff00 + 12 bytes, memory is "), e.getMessage());
        });
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aNameLengthOfTwoGibibytes(Engine engine) {
        misbehave(engine, api -> {
            // The person block is real and inside memory; only its stored length is wrong, and
            // the name is refused before any Java array is made for it.
            try (PersonHandle bad = api.createPerson("💥len", 30)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, bad::name);
                assertEquals("the Wasm module misbehaved: it returned a name length of 2147483648 bytes; no name it "
                        + "was given is longer than " + MEMORY_CAP / 4, e.getMessage());
                assertLost(bad);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aNameThatIsNotUtf8(Engine engine) {
        misbehave(engine, api -> {
            try (PersonHandle bad = api.createPerson("💥utf8", 30)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, bad::toPerson);
                assertEquals("the Wasm module misbehaved: it returned a name that is not valid UTF-8", e.getMessage());
                assertLost(bad);
            }
        });
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCallThatNeverReturns(Engine engine) {
        misbehave(engine, api -> {
            long start = System.nanoTime();
            CallTimeoutException e = assertThrows(CallTimeoutException.class, () -> api.createPerson("💥loop", 30));
            long took = System.nanoTime() - start;
            assertEquals("the call ran longer than the timeout of 2000 ms and was stopped", e.getMessage());
            assertTrue(took >= CALL_TIMEOUT.toNanos(), "stopped after " + took / 1_000_000 + " ms");
        });
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void unboundedRecursion(Engine engine) {
        misbehave(engine, api -> {
            RustPanicException e = assertThrows(RustPanicException.class, () -> api.createPerson("💥recurse", 30));
            assertTrue(e.getMessage().startsWith("the Wasm module trapped: "), e.getMessage());
        });
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void memoryGrowthPastTheCap(Engine engine) {
        misbehave(engine, api -> {
            RustPanicException e = assertThrows(RustPanicException.class, () -> api.createPerson("💥grow", 30));
            assertTrue(e.getMessage().startsWith("the Wasm module trapped: "), e.getMessage());
        });
    }

    /**
     * Runs {@code misbehaviour} on an api over the faults module, with a call timeout and a small
     * memory cap, between a bystander made before and a round trip after: the misbehaviour must end
     * in bounded time, and cost neither the bystander nor the api.
     */
    private static void misbehave(Engine engine, Consumer<PersonApi> misbehaviour) {
        try (LogCapture log = LogCapture.start();
                PersonApi api = PersonApi.builder().engine(engine).module(Fixtures.faultsModule())
                        .callTimeout(CALL_TIMEOUT).maxMemoryBytes(MEMORY_CAP).build();
                PersonHandle bystander = api.createPerson("Bystander 张三", 40)) {
            long start = System.nanoTime();
            misbehaviour.accept(api);
            long took = System.nanoTime() - start;
            assertTrue(took < BOUNDED_NANOS, "the misbehaviour took " + took / 1_000_000 + " ms");

            assertEquals(new Person("Bystander 张三", 40), bystander.toPerson());
            try (PersonHandle after = api.createPerson("After", 50);
                    PersonHandle older = api.personDetails(after).orElseThrow()) {
                assertEquals(new Person("After", 51), older.toPerson());
            }
            assertEquals(1, api.liveAllocations(), "only the bystander's person is left");
            assertEquals(-1, api.errorMessage().code());
            assertEquals(List.of(), log.warnings());
        }
    }

    /** A handle whose person the module spoiled is lost, and says so; closing it is harmless. */
    private static void assertLost(PersonHandle bad) {
        IllegalStateException e = assertThrows(IllegalStateException.class, bad::age);
        assertTrue(e.getMessage().startsWith("PersonHandle was lost: "), e.getMessage());
    }
}
