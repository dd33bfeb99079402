package io.github.rustjava.person.bench;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Updating the Rust module without restarting the JVM: {@link PersonApi#reload} of the shipped
 * module's bytes from a file, onto a running api, in a warm JVM. A reload reads the file, checks
 * the module, compiles it for the runtime compiler, and starts a first instance (which checks its
 * ABI); the api serves from the old module until the new one is ready. The engines that can load
 * a module from outside the jar only.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2)
@State(Scope.Thread)
public class ReloadBench {

    @Param({"INTERPRETER", "RUNTIME_COMPILER"})
    public Engine engine;

    /** Threads making round trips on the api while it reloads: a reload under load, against an idle one. */
    @Param({"0", "4"})
    public int busyThreads;

    private Path module;
    private PersonApi api;
    private volatile boolean stop;
    private final List<Thread> busy = new ArrayList<>();

    @Setup
    public void open() throws IOException {
        module = Files.createTempFile("person-reload", ".wasm");
        Files.write(module, shippedModule());
        api = PersonApi.builder().engine(engine).build();
        for (int i = 0; i < busyThreads; i++) {
            Thread t = new Thread(() -> {
                while (!stop) {
                    try (PersonHandle alice = api.createPerson("Alice", 30);
                            PersonHandle older = api.personDetails(alice).orElseThrow()) {
                        if (older.age() != 31) {
                            throw new IllegalStateException("wrong age");
                        }
                    }
                }
            }, "busy-" + i);
            t.setDaemon(true);
            t.start();
            busy.add(t);
        }
    }

    @TearDown
    public void close() throws IOException, InterruptedException {
        stop = true;
        for (Thread t : busy) {
            t.join();
        }
        long leaked = api.liveAllocations();
        api.close();
        Files.deleteIfExists(module);
        if (leaked != 0) {
            throw new IllegalStateException(engine + " leaked " + leaked + " Rust blocks");
        }
    }

    /** The reload alone: from the call to the new module serving the next call. */
    @Benchmark
    public void reload() {
        api.reload(module);
    }

    /**
     * A reload and the first round trip on the new module: what a caller waits for until the
     * update answers, including the first run of freshly compiled code.
     */
    @Benchmark
    public void reloadThenRoundTrip(Blackhole bh) {
        api.reload(module);
        CallBench.roundTrip(api, bh);
    }

    /** The module the library ships, as a file from outside the jar would hold it. */
    static byte[] shippedModule() {
        try (InputStream in = PersonApi.class.getResourceAsStream("person.wasm")) {
            if (in == null) {
                throw new IllegalStateException("person.wasm is missing from the library jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
