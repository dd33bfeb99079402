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
 * What the paired suite measures, as data: the runs (each one member of every round: a JMH fork,
 * the seed's Go program, or a whole process timed from outside) and the comparisons between two of
 * them, with the targets the project claims. {@link Paired} runs it, {@link PairedStats} turns the
 * scores into ratios and verdicts, {@link PairedReport} writes them.
 */
final class PairedSuite {

    private PairedSuite() {}

    /** The JVM a run starts: the one the suite runs on, the JDK 17 given for T5 and T7, or none. */
    enum Jdk {
        /** The JDK the suite itself runs on (25: the FFM peer needs java.lang.foreign). */
        MAIN("JDK 25"),
        /** A JDK 17, the oldest release the library supports. */
        JDK17("JDK 17"),
        /** No JVM: the seed's Go program. */
        NONE("no JVM");

        final String label;

        Jdk(String label) {
            this.label = label;
        }

        /** The release number as the comparisons' ids use it: 25, 17. */
        String number() {
            return label.replace("JDK ", "");
        }
    }

    /** How a run is measured. */
    enum Kind {
        /** One JMH fork of a benchmark: its average time per operation. */
        JMH,
        /**
         * The seed's Go program ({@code bench/go}, {@code -warm-only}), which times the round
         * trip itself and prints its nanoseconds per round trip.
         */
        GO,
        /** A whole {@code java} process, start to exit, timed from outside: the median of several. */
        PROCESS
    }

    /** Which panel of the chart a comparison belongs to: each panel has its own linear scale. */
    enum Group {
        CALLS("Calls: Wasm (build-time compiler) ÷ FFM, JNI ÷ FFM for reference", "time ÷ FFM's time (1 = as fast)"),
        INTERPRETER("Chicory's interpreter ÷ FFM, round trip", "time ÷ FFM's time (1 = as fast)"),
        NAMES("Names: Wasm (build-time compiler) ÷ FFM, create + details + read", "time ÷ FFM's time (1 = as fast)"),
        JDKS("The same Wasm round trip: JDK 17 ÷ JDK 25", "time on JDK 17 ÷ time on JDK 25"),
        SCOPE("Round trip in a scope, Wasm (build-time compiler) ÷ the seed's Go, FFM, the api",
                "time ÷ the other's time (1 = as fast)"),
        STARTUP("Whole process: java -jar the CLI's demo ÷ a hello world, same JDK", "wall time ÷ hello world's");

        final String title;
        final String yTitle;

        Group(String title, String yTitle) {
            this.title = title;
            this.yTitle = yTitle;
        }
    }

    /**
     * One member of every round: a benchmark with every parameter pinned on one JDK (one JMH
     * fork), the Go program with one link, or one command timed as a whole process.
     *
     * @param benchmark the class and method, e.g. {@code CallBench.roundTrip}; for the other kinds
     *     a name of the same form ({@code GoProgram.roundTrip}, {@code Process.cliDemo})
     */
    record Run(String benchmark, Map<String, String> params, Jdk jdk, Kind kind) {
        Run {
            Objects.requireNonNull(benchmark);
            params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
            Objects.requireNonNull(jdk);
            Objects.requireNonNull(kind);
            if ((kind == Kind.GO) != (jdk == Jdk.NONE)) {
                throw new IllegalArgumentException("only the Go program runs without a JVM: " + benchmark);
            }
        }

        Run(String benchmark, Map<String, String> params, Jdk jdk) {
            this(benchmark, params, jdk, Kind.JMH);
        }

        String backend() {
            return params.getOrDefault("backend", "?");
        }

        /** A stable name for the JSON and the progress lines, e.g. {@code CallBench.roundTrip[FFM]@JDK 25}. */
        String id() {
            return benchmark + params.values() + (jdk == Jdk.NONE ? "" : "@" + jdk.label);
        }

        /** What a reader sees: the benchmark, its parameters and the JDK. */
        String label() {
            return switch (kind) {
                case GO -> "the seed's Go program (cgo), " + params.get("link") + " link, warm round trip";
                case PROCESS -> (benchmark.equals(CLI_DEMO) ? "java -jar person-wasm-cli.jar" : "java -jar hello.jar")
                        + (params.get("cache").equals(NO_CACHE) ? "" : " with " + params.get("cache")) + " on "
                        + jdk.label;
                case JMH -> {
                    StringBuilder sb = new StringBuilder(benchmark).append(' ').append(backend());
                    params.forEach((k, v) -> {
                        if (!k.equals("backend")) {
                            sb.append(' ').append(k).append('=').append(v);
                        }
                    });
                    yield sb.append(" on ").append(jdk.label).toString();
                }
            };
        }

        /** JMH's include pattern that matches this benchmark and no other. */
        String include() {
            if (kind != Kind.JMH) {
                throw new IllegalStateException(id() + " is not a JMH benchmark");
            }
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

    /**
     * What this machine offers beyond the JDK the suite runs on: a JDK 17 (T5, and T7 on 17), the
     * Go program's binaries (T6), the CLI's jar (T7). A comparison that needs one left out is left
     * out of the run, and the report says so.
     */
    record Peers(boolean jdk17, boolean go, boolean cli) {
        static final Peers ALL = new Peers(true, true, true);
    }

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

    static final String GO_ROUND_TRIP = "GoProgram.roundTrip";
    static final String CLI_DEMO = "Process.cliDemo";
    static final String HELLO = "Process.helloWorld";
    static final String NO_CACHE = "no cache";

    /** The seed's Go program's warm round trip, linked against {@code libperson.so} or {@code libperson.a}. */
    static Run go(String link) {
        return new Run(GO_ROUND_TRIP, Map.of("link", link), Jdk.NONE, Kind.GO);
    }

    /**
     * A whole process on one JDK: the CLI's demo ({@link #CLI_DEMO}) or the hello world, without
     * a start-up cache or with the one its JDK makes ({@link StartUp#cacheName}).
     */
    static Run process(String command, Jdk jdk, boolean cached) {
        return new Run(command, Map.of("cache", cached ? StartUp.cacheName(jdk) : NO_CACHE), jdk, Kind.PROCESS);
    }

    private static final String BTC = "BUILD_TIME_COMPILER";

    /** The claims and the reference rows, in the report's order, those the peers allow. */
    static List<Comparison> comparisons(Peers peers) {
        Run btcRoundTrip = run("CallBench.roundTrip", BTC);
        Run ffmRoundTrip = run("CallBench.roundTrip", "FFM");
        Run btcScope = run("ScopeBench.roundTrip", BTC);
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
        if (peers.jdk17()) {
            c.add(new Comparison("T5", Group.JDKS,
                    "Round trip, Wasm build-time compiler: on JDK 17 ÷ on JDK 25", "T5 JDK 17 ÷ JDK 25",
                    new Run("CallBench.roundTrip", Map.of("backend", BTC), Jdk.JDK17), btcRoundTrip,
                    OptionalDouble.of(1.2)));
        }
        if (peers.go()) {
            c.add(new Comparison("T6", Group.SCOPE,
                    "Round trip in a scope, Wasm build-time compiler ÷ the seed's Go program (cgo, libperson.so)",
                    "T6 ÷ Go, dynamic", btcScope, go("dynamic"), OptionalDouble.of(0.5)));
            c.add(new Comparison("T6-static", Group.SCOPE,
                    "Round trip in a scope, Wasm build-time compiler ÷ the seed's Go program (cgo, libperson.a)",
                    "÷ Go, static", btcScope, go("static"), OptionalDouble.empty()));
        }
        c.add(new Comparison("scope", Group.SCOPE, "Round trip in a scope, Wasm build-time compiler ÷ FFM",
                "÷ FFM, in a scope", btcScope, run("ScopeBench.roundTrip", "FFM"), OptionalDouble.empty()));
        c.add(new Comparison("scope-api", Group.SCOPE,
                "Round trip, Wasm build-time compiler: in a scope ÷ on the api (what the scope saves)",
                "÷ api, no scope", btcScope, btcRoundTrip, OptionalDouble.empty()));
        if (peers.cli()) {
            List<Jdk> jdks = peers.jdk17() ? List.of(Jdk.MAIN, Jdk.JDK17) : List.of(Jdk.MAIN);
            for (Jdk jdk : jdks) {
                String on = "on " + jdk.label;
                c.add(new Comparison("T7-" + jdk.number(), Group.STARTUP,
                        "Whole process, java -jar the CLI's demo ÷ java -jar a hello world, " + on,
                        "T7 " + jdk.label, process(CLI_DEMO, jdk, false), process(HELLO, jdk, false),
                        OptionalDouble.of(5)));
                String cache = StartUp.cacheName(jdk);
                c.add(new Comparison("T7-" + jdk.number() + "-cache", Group.STARTUP,
                        "Whole process, the CLI's demo ÷ a hello world, " + on + ", each with its own " + cache,
                        "T7 " + jdk.label + ", " + cache, process(CLI_DEMO, jdk, true), process(HELLO, jdk, true),
                        OptionalDouble.of(3)));
            }
        }
        return List.copyOf(c);
    }

    /** Whether {@code --only}'s id names this comparison: itself, or a family ({@code T7} names {@code T7-17}). */
    static boolean named(Comparison c, java.util.Collection<String> ids) {
        return ids.stream().anyMatch(id -> c.id().equals(id) || c.id().startsWith(id + "-"));
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
