package io.github.rustjava.person.bench;

import io.github.rustjava.person.internal.Operations;
import io.github.rustjava.person.internal.ManagedPersonApi;
import java.nio.charset.StandardCharsets;
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
 * The boundary alone: the seed's round trip through the marshalling layer, as the seed's Go
 * program makes it, with none of {@code PersonApi}'s safety around it (no handle objects, no
 * lock, no Cleaner, no input checks). {@code CallBench.roundTrip} minus this is what that safety
 * costs, the same for every backend; this is what the route itself costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class BoundaryBench {

    @Param({"BUILD_TIME_COMPILER", "FFM", "JNI"})
    public io.github.rustjava.person.bench.Backend backend;

    private Operations raw;

    @Setup
    public void open() {
        raw = ManagedPersonApi.marshalling(backend.guest());
    }

    @TearDown
    public void close() {
        long leaked = raw.liveAllocations();
        raw.close();
        backend.requireNoLeak(leaked);
    }

    /** create_person, get_person_details, read name and age, free_person twice. */
    @Benchmark
    public void rawRoundTrip(Blackhole bh) {
        long alice = raw.createPerson("Alice".getBytes(StandardCharsets.UTF_8), 30);
        long older = raw.getPersonDetails(alice);
        bh.consume(raw.name(older));
        bh.consume(raw.age(older));
        raw.freePerson(older);
        raw.freePerson(alice);
    }
}
