package io.github.rustjava.person.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.results.AverageTimeResult;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.IterationResultMetaData;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.SingleShotResult;
import org.openjdk.jmh.runner.IterationType;
import org.openjdk.jmh.runner.WorkloadParams;
import org.openjdk.jmh.runner.options.TimeValue;

/** Made-up JMH results, built the way JMH builds them, so that the report code meets real types. */
final class JmhResults {

    private JmhResults() {}

    /**
     * One fork's result with one measured iteration per value: for average time, {@code values}
     * are times per operation in {@code unit}; for throughput, operations per {@code unit}.
     */
    static RunResult result(String benchmark, Mode mode, Map<String, String> params, TimeUnit unit, String jdk,
            double... values) {
        BenchmarkParams bp = params(benchmark, mode, params, unit, jdk, values.length);
        List<IterationResult> iterations = new ArrayList<>();
        for (double v : values) {
            IterationResult it = new IterationResult(bp, bp.getMeasurement(), new IterationResultMetaData(1000, 1000));
            it.addResult(primary(mode, v, unit));
            iterations.add(it);
        }
        return new RunResult(bp, List.of(new BenchmarkResult(bp, iterations)));
    }

    /** A single-shot benchmark's result over one fork per shot, each shot {@code millis} long. */
    static RunResult shots(String benchmark, Map<String, String> params, String jdk, double... millis) {
        BenchmarkParams bp = params(benchmark, Mode.SingleShotTime, params, TimeUnit.MILLISECONDS, jdk, 1);
        List<BenchmarkResult> forks = new ArrayList<>();
        for (double ms : millis) {
            IterationResult it = new IterationResult(bp, bp.getMeasurement(), new IterationResultMetaData(1, 1));
            it.addResult(new SingleShotResult(ResultRole.PRIMARY, "x", Math.round(ms * 1e6), TimeUnit.MILLISECONDS));
            forks.add(new BenchmarkResult(bp, List.of(it)));
        }
        return new RunResult(bp, forks);
    }

    private static BenchmarkParams params(String benchmark, Mode mode, Map<String, String> params, TimeUnit unit,
            String jdk, int iterations) {
        WorkloadParams workload = new WorkloadParams();
        int order = 0;
        for (Map.Entry<String, String> e : params.entrySet()) {
            workload.put(e.getKey(), e.getValue(), order++);
        }
        return new BenchmarkParams("io.github.rustjava.person.bench." + benchmark,
                "generated", true, 1, new int[] {1}, List.of(), 2, 0,
                new IterationParams(IterationType.WARMUP, 3, TimeValue.seconds(1), 1),
                new IterationParams(IterationType.MEASUREMENT, iterations, TimeValue.seconds(1), 1),
                mode, workload, unit, 1, "java", List.of(), jdk, "OpenJDK 64-Bit Server VM", jdk + "+1-LTS", "1.37",
                TimeValue.minutes(10));
    }

    /** A result of exactly {@code value}: 1000 operations in the time that makes it so. */
    private static Result<?> primary(Mode mode, double value, TimeUnit unit) {
        long unitNanos = unit.toNanos(1);
        return switch (mode) {
            case AverageTime -> new AverageTimeResult(ResultRole.PRIMARY, "x", 1000, Math.round(value * 1000 * unitNanos), unit);
            default -> throw new IllegalArgumentException(mode.toString());
        };
    }
}
