package io.github.rustjava.person.bench;

import io.github.rustjava.person.PersonApi;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * What a short-lived program pays: one measurement per fresh JVM, no warm-up, many forks. The
 * JVM's own boot is the same for every backend and is not in the numbers; everything the first
 * use of the library costs (class loading, parsing or compiling the module, loading the native
 * library, the first unoptimised calls) is.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 10, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ColdStartBench {

    @State(Scope.Thread)
    public static class Fresh {
        @Param
        public Backend backend;
    }

    /** An api opened in setup, for the seed's own experiment. */
    @State(Scope.Thread)
    public static class Opened {
        @Param
        public Backend backend;

        PersonApi api;

        @Setup(Level.Trial)
        public void open() {
            api = backend.open();
        }

        @TearDown(Level.Trial)
        public void close() {
            api.close();
        }
    }

    /** From nothing loaded to the first round trip's result: open, round trip, close. */
    @Benchmark
    public void firstResult(Fresh state, Blackhole bh) {
        try (PersonApi api = state.backend.open()) {
            CallBench.roundTrip(api, bh);
        }
    }

    /** The seed's experiment: 100 round trips timed right after the api opened in a fresh JVM. */
    @Benchmark
    public void hundredRoundTrips(Opened state, Blackhole bh) {
        for (int i = 0; i < 100; i++) {
            CallBench.roundTrip(state.api, bh);
        }
    }
}
