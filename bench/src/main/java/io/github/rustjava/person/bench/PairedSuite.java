package io.github.rustjava.person.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the paired suite measures, as data: the runs (each one JMH fork per round) and the
 * comparisons between two of them, with the targets the project claims. {@link Paired} runs it,
 * {@link PairedStats} turns the scores into ratios and verdicts, {@link PairedReport} writes them.
 */
final class PairedSuite {

    private PairedSuite() {}

    /** The JVM a run forks: the one the suite runs on, or the JDK 17 given for the T5 comparison. */
    enum Jdk {
        /** The JDK the suite itself runs on (25: the FFM peer needs java.lang.foreign). */
        MAIN("JDK 25"),
        /** A JDK 17, the oldest release the library supports. */
        JDK17("JDK 17");

        final String label;

        Jdk(String label) {
            this.label = label;
        }
    }

    /** Which panel of the chart a comparison belongs to: each panel has its own linear scale. */
    enum Group {
        CALLS("Calls: Wasm (build-time compiler) ÷ FFM, JNI ÷ FFM for reference"),
        INTERPRETER("Chicory's interpreter ÷ FFM, round trip"),
        NAMES("Names: Wasm (build-time compiler) ÷ FFM, create + details + read"),
        JDKS("The same Wasm round trip: JDK 17 ÷ JDK 25");

        final String title;

        Group(String title) {
            this.title = title;
        }
    }

    /**
     * One benchmark with every parameter pinned, on one JDK: a single JMH fork.
     *
     * @param benchmark the class and method, e.g. {@code CallBench.roundTrip}
     */
    record Run(String benchmark, Map<String, String> params, Jdk jdk) {
        Run {
            Objects.requireNonNull(benchmark);
            params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
            Objects.requireNonNull(jdk);
        }

        String backend() {
            return params.getOrDefault("backend", "?");
        }

        /** A stable name for the JSON and the progress lines, e.g. {@code CallBench.roundTrip[FFM]@JDK 25}. */
        String id() {
            return benchmark + params.values() + "@" + jdk.label;
        }

        /** What a reader sees: the benchmark, its parameters and, unless it is the main one, the JDK. */
        String label() {
            StringBuilder sb = new StringBuilder(benchmark).append(' ').append(backend());
            params.forEach((k, v) -> {
                if (!k.equals("backend")) {
                    sb.append(' ').append(k).append('=').append(v);
                }
            });
            return sb.append(" on ").append(jdk.label).toString();
        }

        /** JMH's include pattern that matches this benchmark and no other. */
        String include() {
            return "^" + Pattern.quote(PACKAGE + "." + benchmark) + "$";
        }
    }

    /**
     * A ratio measured within each round: {@code numerator}'s time over {@code denominator}'s.
     *
     * @param id short name, {@code T1}... for the claims
     * @param title what the ratio says, for the tables
     * @param label the chart's category label, short
     * @param target the claimed upper bound of the ratio, or empty for a row shown for reference
     */
    record Comparison(String id, Group group, String title, String label, Run numerator, Run denominator,
            OptionalDouble target) {}

    static final String PACKAGE = "io.github.rustjava.person.bench";

    static Run run(String benchmark, String backend) {
        return new Run(benchmark, Map.of("backend", backend), Jdk.MAIN);
    }

    static Run names(String backend, int size) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("backend", backend);
        params.put("size", Integer.toString(size));
        params.put("charset", "ASCII");
        return new Run("NameSizeBench.createDetailsRead", params, Jdk.MAIN);
    }

    private static final String BTC = "BUILD_TIME_COMPILER";

    /** The claims and the reference rows, in the report's order. T5 only when a JDK 17 is given. */
    static List<Comparison> comparisons(boolean withJdk17) {
        Run btcRoundTrip = run("CallBench.roundTrip", BTC);
        Run ffmRoundTrip = run("CallBench.roundTrip", "FFM");
        List<Comparison> c = new ArrayList<>();
        c.add(new Comparison("T1", Group.CALLS, "Round trip, Wasm build-time compiler ÷ FFM", "T1 roundTrip",
                btcRoundTrip, ffmRoundTrip, OptionalDouble.of(0.9)));
        c.add(new Comparison("T2", Group.CALLS,
                "The crossing alone (rawRoundTrip: no handles, lock or checks), Wasm build-time compiler ÷ FFM",
                "T2 rawRoundTrip", run("BoundaryBench.rawRoundTrip", BTC), run("BoundaryBench.rawRoundTrip", "FFM"),
                OptionalDouble.of(0.8)));
        c.add(new Comparison("T3", Group.CALLS, "errorMessage(), Wasm build-time compiler ÷ FFM", "T3 errorMessage",
                run("CallBench.errorMessage", BTC), run("CallBench.errorMessage", "FFM"), OptionalDouble.of(1.0)));
        c.add(new Comparison("empty", Group.CALLS, "Empty call (liveAllocations()), Wasm build-time compiler ÷ FFM",
                "emptyCall", run("CallBench.emptyCall", BTC), run("CallBench.emptyCall", "FFM"),
                OptionalDouble.empty()));
        c.add(new Comparison("jni", Group.CALLS, "Round trip, JNI ÷ FFM (the other native route, for reference)",
                "JNI roundTrip", run("CallBench.roundTrip", "JNI"), ffmRoundTrip, OptionalDouble.empty()));
        c.add(new Comparison("T4", Group.INTERPRETER, "Round trip, Wasm in Chicory's interpreter ÷ FFM",
                "T4 interpreter roundTrip", run("CallBench.roundTrip", "INTERPRETER"), ffmRoundTrip,
                OptionalDouble.of(40)));
        c.add(new Comparison("names-1KiB", Group.NAMES, "1 KiB ASCII name, Wasm build-time compiler ÷ FFM",
                "1 KiB name", names(BTC, 1024), names("FFM", 1024), OptionalDouble.empty()));
        c.add(new Comparison("names-64KiB", Group.NAMES, "64 KiB ASCII name, Wasm build-time compiler ÷ FFM",
                "64 KiB name", names(BTC, 65536), names("FFM", 65536), OptionalDouble.empty()));
        if (withJdk17) {
            c.add(new Comparison("T5", Group.JDKS,
                    "Round trip, Wasm build-time compiler: on JDK 17 ÷ on JDK 25", "T5 JDK 17 ÷ JDK 25",
                    new Run("CallBench.roundTrip", Map.of("backend", BTC), Jdk.JDK17), btcRoundTrip,
                    OptionalDouble.of(1.2)));
        }
        return List.copyOf(c);
    }

    /**
     * The round trip on the in-process backends no comparison needs, for the absolute table: two
     * forks a round more buy every in-process backend's round trip measured the same way.
     */
    static List<Run> absoluteOnly() {
        return List.of(run("CallBench.roundTrip", "RUNTIME_COMPILER"), run("CallBench.roundTrip", "JAVA"));
    }

    /** Every run a round makes, each once even when several comparisons share it. */
    static List<Run> runs(List<Comparison> comparisons, List<Run> extra) {
        Set<Run> runs = new LinkedHashSet<>();
        for (Comparison c : comparisons) {
            runs.add(c.numerator());
            runs.add(c.denominator());
        }
        runs.addAll(extra);
        return List.copyOf(runs);
    }
}
