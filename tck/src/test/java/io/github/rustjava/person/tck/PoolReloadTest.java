package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustPanicException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link PersonApi#reload} on a pool: the file is read and checked once, then every instance of
 * the pool switches to it, or none does. Which module serves a thread shows through the
 * fault-injection build, which panics on "💥panic" where the shipped module makes a person.
 */
class PoolReloadTest {

    /** Enough threads, made one after another, to reach every instance of a pool of two. */
    private static final int THREADS = 16;

    /** Passes today: a good module reaches every instance. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aGoodReloadReachesEveryInstance(Engine engine, @TempDir Path dir) throws Exception {
        Path faults = Fixtures.write(Fixtures.faultsModule(), dir, "person-faults.wasm");
        try (PersonApi api = pool(engine)) {
            assertEquals(Set.of("shipped"), modulesServing(api));
            api.reload(faults);
            assertEquals(Set.of("faults"), modulesServing(api));
        }
    }

    /**
     * The file changes while the pool reloads: a named pipe gives the fault-injection build to
     * the first read and bytes that are not a module to a second one. The rule: the file is read
     * once, so the reload either succeeds with the first bytes on every instance, or fails and
     * every instance keeps the old module; never some of each.
     */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aReloadSwitchesEveryInstanceOrNone(Engine engine, @TempDir Path dir) throws Exception {
        Path pipe = dir.resolve("changing.wasm");
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")) && mkfifo(pipe), "needs mkfifo and /proc");
        byte[] first = Fixtures.faultsModule();
        byte[] second = "not a module".getBytes(StandardCharsets.US_ASCII);
        Async<Integer> writer = Async.start("pipe writer", () -> {
            int reads = 0;
            for (byte[] content : new byte[][] {first, second}) {
                try (OutputStream out = Files.newOutputStream(pipe)) { // waits for a reader
                    reads++;
                    out.write(content);
                }
                // A writer that opens the pipe again while the last reader still has it open
                // would append to what that reader reads: wait until it has closed it.
                awaitClosedByAll(pipe);
            }
            return reads;
        });
        try (PersonApi api = pool(engine)) {
            String reload;
            try {
                api.reload(pipe);
                reload = "succeeded";
            } catch (IllegalArgumentException e) {
                reload = "failed: " + e.getMessage();
            }
            Set<String> serving = modulesServing(api);
            assertEquals(1, serving.size(), "after a reload that " + reload + ", the instances serve " + serving);
            assertEquals(reload.equals("succeeded") ? Set.of("faults") : Set.of("shipped"), serving, reload);
        } finally {
            // A writer still waiting for a second reader is let go: read and drop what it writes.
            if (!writer.ended(Duration.ofMillis(100))) {
                Async<Object> drain = Async.start("pipe drain", () -> {
                    try (InputStream in = Files.newInputStream(pipe)) {
                        return in.readAllBytes().length;
                    }
                });
                drain.ended(Duration.ofSeconds(5));
            }
            writer.ended(Duration.ofSeconds(5));
        }
    }

    private static PersonApi pool(Engine engine) {
        return PersonApi.builder().engine(engine).module(Fixtures.shippedModule()).instances(2).build();
    }

    /** Which module serves each of {@link #THREADS} fresh threads: "shipped" or "faults". */
    private static Set<String> modulesServing(PersonApi api) throws InterruptedException {
        Set<String> serving = new TreeSet<>();
        for (int i = 0; i < THREADS; i++) {
            Async.Outcome<String> outcome = Async.start("caller " + i, () -> {
                try (PersonHandle p = api.createPerson("💥panic", 30)) {
                    return "shipped";
                } catch (RustPanicException e) {
                    return "faults";
                }
            }).await(Duration.ofSeconds(30));
            serving.add(outcome.thrown != null ? outcome.thrown.toString() : outcome.value);
        }
        return serving;
    }

    /** Waits until no file descriptor of this process refers to {@code file} (Linux: /proc/self/fd). */
    private static void awaitClosedByAll(Path file) throws IOException, InterruptedException {
        Path target = file.toRealPath();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (openHere(target)) {
            if (System.nanoTime() - end > 0) {
                throw new IllegalStateException(file + " stayed open");
            }
            Thread.sleep(1);
        }
    }

    private static boolean openHere(Path target) throws IOException {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(target);
                } catch (IOException | UnsupportedOperationException e) {
                    return false; // closed while listing
                }
            });
        }
    }

    private static boolean mkfifo(Path path) {
        try {
            Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
