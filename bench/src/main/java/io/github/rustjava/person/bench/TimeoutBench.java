package io.github.rustjava.person.bench;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import java.time.Duration;
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
 * What a call timeout costs a call: the seed's round trip (six calls) on the build-time compiler,
 * with no timeout and with one that never fires. Every call arms and disarms its deadline.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class TimeoutBench {

    /** The api's call timeout in milliseconds; 0: none. */
    @Param({"0", "1000"})
    public int callTimeoutMillis;

    private PersonApi api;

    @Setup
    public void open() {
        PersonApi.Builder builder = PersonApi.builder().engine(Engine.BUILD_TIME_COMPILER);
        if (callTimeoutMillis > 0) {
            builder.callTimeout(Duration.ofMillis(callTimeoutMillis));
        }
        api = builder.build();
    }

    @TearDown
    public void close() {
        long leaked = api.liveAllocations();
        api.close();
        if (leaked != 0) {
            throw new IllegalStateException("leaked " + leaked + " Rust blocks");
        }
    }

    @Benchmark
    public void roundTrip(Blackhole bh) {
        CallBench.roundTrip(api, bh);
    }
}
