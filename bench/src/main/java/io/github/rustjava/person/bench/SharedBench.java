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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Two threads sharing one api, the seed's round trip in a loop. A single api serialises calls with
 * one lock, so the total can at best match one thread; what it loses is contention on that lock
 * (and, for the native backends, on Rust's allocator). BUILD_TIME_COMPILER_POOL gives each thread
 * an instance of its own, which is how the total can exceed one thread's.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Threads(2)
@State(Scope.Benchmark)
public class SharedBench {

    @Param
    public Backend backend;

    private PersonApi api;

    @Setup
    public void open() {
        api = backend.open();
    }

    @TearDown
    public void close() {
        api.close();
    }

    @Benchmark
    public void roundTrip(Blackhole bh) {
        CallBench.roundTrip(api, bh);
    }
}
