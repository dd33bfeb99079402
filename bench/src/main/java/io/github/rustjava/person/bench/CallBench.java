package io.github.rustjava.person.bench;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
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
 * Steady-state cost of each call, one thread: the seed's round trip, the error message and an
 * empty call. The api is opened in setup; the measured methods only call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class CallBench {

    @Param
    public Backend backend;

    private PersonApi api;

    @Setup
    public void open() {
        api = backend.open();
    }

    @TearDown
    public void close() {
        long leaked = api.liveAllocations();
        api.close();
        backend.requireNoLeak(leaked);
    }

    /** The seed's main(): create Alice, get her details, read them, free both. */
    @Benchmark
    public void roundTrip(Blackhole bh) {
        roundTrip(api, bh);
    }

    static void roundTrip(PersonApi api, Blackhole bh) {
        try (PersonHandle alice = api.createPerson("Alice", 30);
                PersonHandle older = api.personDetails(alice).orElseThrow()) {
            bh.consume(older.name());
            bh.consume(older.age());
        }
    }

    /** get_error_message, reading its code and UTF-8 message, then free_error. */
    @Benchmark
    public Object errorMessage() {
        return api.errorMessage();
    }

    /**
     * The boundary alone: {@code liveAllocations()} takes the api's lock and makes one call into
     * Rust that only reads an atomic counter, so the time is the fixed cost of any call.
     */
    @Benchmark
    public long emptyCall() {
        return api.liveAllocations();
    }
}
