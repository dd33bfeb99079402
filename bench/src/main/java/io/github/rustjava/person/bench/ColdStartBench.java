package io.github.rustjava.person.bench;

import io.github.rustjava.person.PersonApi;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a short-lived program pays: one measurement per fresh JVM, no warm-up, many forks. The
 * JVM's own boot is the same for every backend and is not in the numbers; everything the first
 * use of the library costs (class loading, parsing or compiling the module, loading the native
 * library, the first unoptimised calls) is. The suite runs it in several fresh JVMs a round and
 * takes the median shot.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 5, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ColdStartBench {

    @State(Scope.Thread)
    public static class Fresh {
        @Param
        public Backend backend;
    }

    /** From nothing loaded to the first round trip's result: open, round trip, close. */
    @Benchmark
    public void firstResult(Fresh state, Blackhole bh) {
        try (PersonApi api = state.backend.open()) {
            CallBench.roundTrip(api, bh);
        }
    }
}
