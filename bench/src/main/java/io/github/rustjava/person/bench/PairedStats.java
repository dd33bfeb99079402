package io.github.rustjava.person.bench;

import io.github.rustjava.person.bench.PairedSuite.Comparison;
import io.github.rustjava.person.bench.PairedSuite.Run;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * The arithmetic of the paired suite, apart from JMH so that it can be tested on made-up scores:
 * the order of each round, the ratio within each round, its median and spread, and whether a
 * claim held.
 */
final class PairedStats {

    private PairedStats() {}

    /**
     * One run's result in one round: JMH's score for its fork, the median of a cold start's shots
     * or of a whole process's times, or the Go program's figure.
     *
     * @param error JMH's error (99.9% half-interval), or half the range of the shots, the process
     *     times or the Go program's batches; NaN when there is none
     * @param jdkVersion the JDK's version, or the Go program's
     * @param samples every shot or process time of a cold start or a whole process, in the order
     *     run; empty for the other kinds
     */
    record Score(double value, double error, String unit, String jdkVersion, String vm, double[] samples) {

        Score(double value, double error, String unit, String jdkVersion, String vm) {
            this(value, error, unit, jdkVersion, vm, new double[0]);
        }

        static Score of(RunResult result) {
            BenchmarkParams p = result.getParams();
            Result<?> primary = result.getPrimaryResult();
            return new Score(primary.getScore(), primary.getScoreError(), primary.getScoreUnit(),
                    p.getJdkVersion(), p.getVmName() + " " + p.getVmVersion());
        }

        /** A single-shot run of several forks: the median shot, so that one slow JVM does not move it. */
        static Score ofShots(RunResult result) {
            BenchmarkParams p = result.getParams();
            double[] shots = result.getBenchmarkResults().stream().mapToDouble(b -> b.getPrimaryResult().getScore())
                    .toArray();
            double min = Arrays.stream(shots).min().orElseThrow();
            double max = Arrays.stream(shots).max().orElseThrow();
            return new Score(median(shots), (max - min) / 2, result.getPrimaryResult().getScoreUnit(),
                    p.getJdkVersion(), p.getVmName() + " " + p.getVmVersion(), shots);
        }
    }

    /** Whether a comparison's ratio stayed at or below its target. */
    enum Verdict {
        EVERY_ROUND("held in every round"),
        MEDIAN_ONLY("held in the median, not in every round"),
        MISSED("missed: the median is above the target"),
        REFERENCE("reference, no target");

        final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    /** Median and range of one side's absolute scores over the rounds. */
    record Spread(double median, double min, double max, String unit) {}

    /** A comparison's outcome: the ratio of every round, in round order, and what they add up to. */
    record Row(Comparison comparison, double[] ratios, double median, double min, double max, Verdict verdict,
            Spread numerator, Spread denominator) {}

    /**
     * The order of every round: each a permutation of the members, drawn independently, so that
     * neither side of a comparison always runs first, on a warmer or a busier machine.
     */
    static <T> List<List<T>> schedule(List<T> runs, int rounds, Random random) {
        List<List<T>> order = new ArrayList<>(rounds);
        for (int r = 0; r < rounds; r++) {
            List<T> round = new ArrayList<>(runs);
            Collections.shuffle(round, random);
            order.add(List.copyOf(round));
        }
        return List.copyOf(order);
    }

    /** The middle value, or the mean of the two middle values of an even count. */
    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    static Spread spread(List<Score> scores) {
        double[] v = scores.stream().mapToDouble(Score::value).toArray();
        String unit = scores.get(0).unit();
        for (Score s : scores) {
            if (!s.unit().equals(unit)) {
                throw new IllegalArgumentException("units differ between rounds: " + unit + ", " + s.unit());
            }
        }
        return new Spread(median(v), Arrays.stream(v).min().orElseThrow(), Arrays.stream(v).max().orElseThrow(), unit);
    }

    /**
     * A ratio is a claim's unit of evidence, so the verdict is read off the rounds: a target held
     * in every round is a safe claim; held in the median only, the machine's noise can flip it.
     */
    static Verdict verdict(OptionalDouble target, double[] ratios) {
        if (target.isEmpty()) {
            return Verdict.REFERENCE;
        }
        double t = target.getAsDouble();
        if (Arrays.stream(ratios).allMatch(r -> r <= t)) {
            return Verdict.EVERY_ROUND;
        }
        return median(ratios) <= t ? Verdict.MEDIAN_ONLY : Verdict.MISSED;
    }

    /**
     * The comparison's ratio in each round, from the two sides' scores of that round (the lists
     * are in round order). Every member measures a time (per operation, or a whole process), so
     * the ratio is a ratio of times: below 1, the numerator is faster.
     */
    static Row row(Comparison comparison, List<Score> numerator, List<Score> denominator) {
        if (numerator.size() != denominator.size() || numerator.isEmpty()) {
            throw new IllegalArgumentException(comparison.id() + ": " + numerator.size() + " rounds against "
                    + denominator.size());
        }
        double[] ratios = new double[numerator.size()];
        for (int i = 0; i < ratios.length; i++) {
            Score n = numerator.get(i);
            Score d = denominator.get(i);
            if (!n.unit().equals(d.unit()) || !isTime(n.unit())) {
                throw new IllegalArgumentException(comparison.id() + ": cannot divide " + n.unit() + " by " + d.unit());
            }
            ratios[i] = n.value() / d.value();
        }
        double median = median(ratios);
        return new Row(comparison, ratios, median, Arrays.stream(ratios).min().orElseThrow(),
                Arrays.stream(ratios).max().orElseThrow(), verdict(comparison.target(), ratios),
                spread(numerator), spread(denominator));
    }

    /**
     * Whether a unit is a time per something (JMH's average time, a whole process's wall time):
     * a ratio of throughputs would be the inverse of a ratio of times.
     */
    static boolean isTime(String unit) {
        return unit.matches("(ns|us|ms|s)/(op|process)");
    }

    /** Every comparison's row, from each run's scores in round order. */
    static List<Row> rows(List<Comparison> comparisons, Map<Run, List<Score>> scores) {
        List<Row> rows = new ArrayList<>();
        for (Comparison c : comparisons) {
            rows.add(row(c, scores.get(c.numerator()), scores.get(c.denominator())));
        }
        return List.copyOf(rows);
    }
}
