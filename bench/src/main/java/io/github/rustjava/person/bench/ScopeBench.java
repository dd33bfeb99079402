package io.github.rustjava.person.bench;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.PersonScope;
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
 * The seed's round trip inside a {@link PersonScope}: bulk work on one thread, with no lock per
 * call and no tracking per handle. The scope is opened in setup, on the benchmark's own thread
 * (a scope is confined to the thread that opens it), and closed in teardown.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class ScopeBench {

    @Param({"BUILD_TIME_COMPILER", "FFM"})
    public Backend backend;

    private PersonApi api;
    private PersonScope scope;

    @Setup
    public void open() {
        api = backend.open();
        scope = api.openScope();
    }

    @TearDown
    public void close() {
        scope.close();
        long leaked = api.liveAllocations();
        api.close();
        backend.requireNoLeak(leaked);
    }

    /** The same work as {@link CallBench#roundTrip}: create Alice, details, read, free both. */
    @Benchmark
    public void roundTrip(Blackhole bh) {
        try (PersonHandle alice = scope.createPerson("Alice", 30);
                PersonHandle older = scope.personDetails(alice).orElseThrow()) {
            bh.consume(older.name());
            bh.consume(older.age());
        }
    }
}
