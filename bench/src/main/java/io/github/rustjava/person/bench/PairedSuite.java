package io.github.rustjava.person.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
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
 * a cold start's fresh JVMs, the seed's Go program, or a whole process timed by hyperfine) and the
 * comparisons between two of them, with the targets the project claims. {@link Paired} runs it,
 * {@link PairedStats} turns the scores into ratios and verdicts, {@link PairedReport} writes them.
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
        /** {@code ColdStartBench}: one shot in each of several fresh JVMs; the median shot. */
        COLD,
        /** The seed's Go program ({@code bench/go}), which times its round trip itself. */
        GO,
        /** A whole {@code java} process, start to exit, timed by hyperfine, alternated with its pair. */
        PROCESS
    }

    /** Which panel of the chart a comparison belongs to: each panel has its own linear scale. */
    enum Group {
        CALLS("Calls: Wasm (build-time compiler) ÷ FFM, ÷ GraalWasm; JNI ÷ FFM", "time ÷ the other's (1 = as fast)"),
        INTERPRETER("Chicory's interpreter ÷ FFM, round trip", "time ÷ FFM's time (1 = as fast)"),
        NAMES("Names: Wasm (build-time compiler) ÷ FFM, create + details + read", "time ÷ FFM's time (1 = as fast)"),
        JDKS("The same Wasm round trip: JDK 17 ÷ JDK 25", "time on JDK 17 ÷ time on JDK 25"),
        SCOPE("Round trip in a scope, Wasm (build-time compiler) ÷ the seed's Go, FFM, the api",
                "time ÷ the other's time (1 = as fast)"),
        ROUTES("Out of process: the Rust service (HTTP) and shared memory ÷ FFM, round trip",
                "time ÷ FFM's time (1 = as fast)"),
        COLD("Cold: open + first round trip in a fresh JVM, Wasm (build-time compiler) ÷ the other",
                "time ÷ the other's time (1 = as fast)"),
        STARTUP("Whole process: java -jar the CLI's demo ÷ a hello world, same JDK", "wall time ÷ hello world's"),
        RELOAD("Reload with 4 threads making round trips ÷ reload of an idle api", "time ÷ the idle reload's"),
        KV("kv-wasm (build-time compiler) ÷ TreeMap<byte[], byte[]>, 10,000 entries", "time ÷ the TreeMap's time (1 = as fast)");

        final String title;
        final String yTitle;

        Group(String title, String yTitle) {
            this.title = title;
            this.yTitle = yTitle;
        }
    }

    /**
     * One member of every round: a benchmark with every parameter pinned on one JDK, the Go
     * program with one link, or one command timed as a whole process.
     *
     * @param benchmark the class and method, e.g. {@code CallBench.roundTrip}; for the other kinds
     *     a name of the same form ({@code GoProgram.roundTrip}, {@code Process.cliDemo})
     */
    record Run(String benchmark, Map<String, String> params, Jdk jdk, Kind kind) {
        Run {
            Objects.requireNonNull(benchmark);
            params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
            if ((kind == Kind.GO) != (jdk == Jdk.NONE)) {
                throw new IllegalArgumentException("only the Go program runs without a JVM: " + benchmark);
            }
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
                        + (cached() ? " with " + params.get("cache") : "") + " on " + jdk.label;
                case JMH, COLD -> {
                    StringBuilder sb = new StringBuilder(benchmark);
                    if (params.containsKey("backend")) {
                        sb.append(' ').append(backend());
                    }
                    params.forEach((k, v) -> {
                        if (!k.equals("backend")) {
                            sb.append(' ').append(k).append('=').append(v);
                        }
                    });
                    yield sb.append(" on ").append(jdk.label).toString();
                }
            };
        }

        /** Whether this is a whole process with a start-up cache. */
        boolean cached() {
            return kind == Kind.PROCESS && !NO_CACHE.equals(params.get("cache"));
        }

        /** JMH's include pattern that matches this benchmark and no other. */
        String include() {
            if (kind != Kind.JMH && kind != Kind.COLD) {
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
     * What this machine offers beyond the JDK the suite runs on: a JDK 17 (T5, T7 on 17), the Go
     * program (T6), the CLI's jar and hyperfine (T7), GraalWasm's JVM options, the routes'
     * servers. A comparison that needs one left out is left out of the run, and the report says so.
     */
    record Peers(boolean jdk17, boolean go, boolean startUp, boolean graal, boolean routes) {
        static final Peers ALL = new Peers(true, true, true, true, true);
    }

    static final String PACKAGE = "io.github.rustjava.person.bench";
    static final String GO_ROUND_TRIP = "GoProgram.roundTrip";
    static final String CLI_DEMO = "Process.cliDemo";
    static final String HELLO = "Process.helloWorld";
    static final String COLD_START = "ColdStartBench.firstResult";
    static final String NO_CACHE = "no cache";
    private static final String BTC = "BUILD_TIME_COMPILER";

    static Run run(String benchmark, String backend) {
        return run(benchmark, backend, Jdk.MAIN);
    }

    static Run run(String benchmark, String backend, Jdk jdk) {
        return new Run(benchmark, Map.of("backend", backend), jdk, Kind.JMH);
    }

    static Run names(String backend, int size, String charset) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("backend", backend);
        params.put("size", Integer.toString(size));
        params.put("charset", charset);
        return new Run("NameSizeBench.createDetailsRead", params, Jdk.MAIN, Kind.JMH);
    }

    static Run cold(String backend) {
        return new Run(COLD_START, Map.of("backend", backend), Jdk.MAIN, Kind.COLD);
    }

    /** {@code ReloadBench.reload} on {@code engine} with {@code busyThreads} threads making round trips meanwhile. */
    static Run reload(String engine, int busyThreads) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("engine", engine);
        params.put("busyThreads", Integer.toString(busyThreads));
        return new Run("ReloadBench.reload", params, Jdk.MAIN, Kind.JMH);
    }

    /** The seed's Go program's warm round trip, linked against {@code libperson.so} or {@code libperson.a}. */
    static Run go(String link) {
        return new Run(GO_ROUND_TRIP, Map.of("link", link), Jdk.NONE, Kind.GO);
    }

    /** A whole process on one JDK: the CLI's demo or the hello world, with its JDK's start-up cache or none. */
    static Run process(String command, Jdk jdk, boolean cached) {
        return new Run(command, Map.of("cache", cached ? StartUp.cacheName(jdk) : NO_CACHE), jdk, Kind.PROCESS);
    }

    /** The claims and the reference rows, in the report's order, those the peers allow. */
    static List<Comparison> comparisons(Peers peers) {
        Run btc = run("CallBench.roundTrip", BTC);
        Run ffm = run("CallBench.roundTrip", "FFM");
        Run btcScope = run("ScopeBench.roundTrip", BTC);
        List<Comparison> c = new ArrayList<>();
        c.add(new Comparison("T1", Group.CALLS, "Round trip, Wasm build-time compiler ÷ FFM", "T1 round trip",
                btc, ffm, OptionalDouble.of(0.9)));
        c.add(new Comparison("T2", Group.CALLS,
                "The crossing alone (rawRoundTrip: no handles, lock or checks), Wasm build-time compiler ÷ FFM",
                "T2 crossing", run("BoundaryBench.rawRoundTrip", BTC), run("BoundaryBench.rawRoundTrip", "FFM"),
                OptionalDouble.of(0.8)));
        c.add(new Comparison("T3", Group.CALLS, "errorMessage(), Wasm build-time compiler ÷ FFM", "T3 error",
                run("CallBench.errorMessage", BTC), run("CallBench.errorMessage", "FFM"), OptionalDouble.of(1.0)));
        c.add(reference("empty", Group.CALLS, "Empty call (liveAllocations()), Wasm build-time compiler ÷ FFM",
                "empty call", run("CallBench.emptyCall", BTC), run("CallBench.emptyCall", "FFM")));
        c.add(reference("jni", Group.CALLS, "Round trip, JNI ÷ FFM (the other native route, for reference)",
                "JNI ÷ FFM", run("CallBench.roundTrip", "JNI"), ffm));
        if (peers.graal()) {
            c.add(reference("graalwasm", Group.CALLS,
                    "Round trip, Wasm build-time compiler ÷ the same module on GraalWasm (optimizing runtime)",
                    "÷ GraalWasm", btc, run("CallBench.roundTrip", "GRAALWASM")));
        }
        c.add(new Comparison("T4", Group.INTERPRETER, "Round trip, Wasm in Chicory's interpreter ÷ FFM",
                "T4 interpreter round trip", run("CallBench.roundTrip", "INTERPRETER"), ffm, OptionalDouble.of(40)));
        c.add(reference("names-1KiB", Group.NAMES, "1 KiB ASCII name, Wasm build-time compiler ÷ FFM", "1 KiB name",
                names(BTC, 1024, "ASCII"), names("FFM", 1024, "ASCII")));
        c.add(reference("names-64KiB", Group.NAMES, "64 KiB ASCII name, Wasm build-time compiler ÷ FFM",
                "64 KiB name", names(BTC, 65536, "ASCII"), names("FFM", 65536, "ASCII")));
        c.add(reference("names-64KiB-CJK", Group.NAMES, "64 KiB CJK name (3 bytes a character), Wasm build-time "
                + "compiler ÷ FFM", "64 KiB CJK", names(BTC, 65536, "CJK"), names("FFM", 65536, "CJK")));
        if (peers.jdk17()) {
            c.add(new Comparison("T5", Group.JDKS, "Round trip, Wasm build-time compiler: on JDK 17 ÷ on JDK 25",
                    "T5 JDK 17 ÷ JDK 25", run("CallBench.roundTrip", BTC, Jdk.JDK17), btc, OptionalDouble.of(1.2)));
        }
        if (peers.go()) {
            c.add(new Comparison("T6", Group.SCOPE,
                    "Round trip in a scope, Wasm build-time compiler ÷ the seed's Go program (cgo, libperson.so)",
                    "T6 ÷ Go, dynamic", btcScope, go("dynamic"), OptionalDouble.of(0.5)));
            c.add(reference("T6-static", Group.SCOPE,
                    "Round trip in a scope, Wasm build-time compiler ÷ the seed's Go program (cgo, libperson.a)",
                    "÷ Go, static", btcScope, go("static")));
        }
        c.add(reference("scope", Group.SCOPE, "Round trip in a scope, Wasm build-time compiler ÷ FFM",
                "÷ FFM, in a scope", btcScope, run("ScopeBench.roundTrip", "FFM")));
        c.add(reference("scope-api", Group.SCOPE,
                "Round trip, Wasm build-time compiler: in a scope ÷ on the api (what the scope saves)",
                "÷ api, no scope", btcScope, btc));
        if (peers.routes()) {
            c.add(reference("service", Group.ROUTES,
                    "Round trip, the crate behind an HTTP/1.1 service on loopback ÷ FFM", "HTTP service", run("CallBench.roundTrip", "SERVICE"), ffm));
            c.add(reference("shm", Group.ROUTES, "Round trip, the crate in a process sharing a mapped file ÷ FFM",
                    "shared memory", run("CallBench.roundTrip", "SHARED_MEMORY"), ffm));
        }
        Run btcCold = cold(BTC);
        c.add(reference("cold", Group.COLD, "Open + first round trip in a fresh JVM, Wasm build-time compiler ÷ FFM",
                "÷ FFM", btcCold, cold("FFM")));
        c.add(reference("cold-interpreter", Group.COLD,
                "Open + first round trip in a fresh JVM, Wasm build-time compiler ÷ Chicory's interpreter",
                "÷ interpreter", btcCold, cold("INTERPRETER")));
        if (peers.graal()) {
            c.add(reference("cold-graalwasm", Group.COLD,
                    "Open + first round trip in a fresh JVM, Wasm build-time compiler ÷ GraalWasm", "÷ GraalWasm",
                    btcCold, cold("GRAALWASM")));
        }
        if (peers.routes()) {
            c.add(reference("cold-service", Group.COLD, "Open + first round trip in a fresh JVM, Wasm build-time "
                    + "compiler ÷ the HTTP service (its server started)", "÷ HTTP service", btcCold, cold("SERVICE")));
        }
        // A reload waits its turn behind busy threads (the lock is fair), so it costs at most twice an idle one.
        for (String engine : List.of("INTERPRETER", "RUNTIME_COMPILER")) {
            boolean interpreter = engine.equals("INTERPRETER");
            String name = interpreter ? "interpreter" : "runtime compiler";
            c.add(new Comparison("reload-busy-" + (interpreter ? "interpreter" : "compiler"), Group.RELOAD,
                    "reload(path) on the " + name + ": with 4 threads making round trips ÷ idle", name,
                    reload(engine, 4), reload(engine, 0), OptionalDouble.of(2)));
        }
        for (String[] op : new String[][] {{"put", "put (replace a value)"}, {"get", "get (a hit)"},
                {"scan100", "scan of 100 entries"}}) {
            c.add(reference("kv-" + op[0].replace("100", ""), Group.KV, "kv-wasm " + op[1]
                    + ", Wasm build-time compiler ÷ TreeMap<byte[], byte[]> with an unsigned comparator", op[1],
                    run("KvBench." + op[0], BTC), run("KvBench." + op[0], "TREEMAP")));
        }
        if (peers.startUp()) {
            for (Jdk jdk : peers.jdk17() ? List.of(Jdk.MAIN, Jdk.JDK17) : List.of(Jdk.MAIN)) {
                String on = "on " + jdk.label;
                String cache = StartUp.cacheName(jdk);
                // The targets: 3× a hello world on a plain JDK 17, 2× on JDK 25 with each its own AOT cache.
                c.add(new Comparison("T7-" + jdk.number(), Group.STARTUP,
                        "Whole process, java -jar the CLI's demo ÷ java -jar a hello world, " + on,
                        "T7 " + jdk.label, process(CLI_DEMO, jdk, false), process(HELLO, jdk, false),
                        jdk == Jdk.JDK17 ? OptionalDouble.of(3) : OptionalDouble.empty()));
                c.add(new Comparison("T7-" + jdk.number() + "-cache", Group.STARTUP,
                        "Whole process, the CLI's demo ÷ a hello world, " + on + ", each with its own " + cache,
                        "T7 " + jdk.label + ", " + cache, process(CLI_DEMO, jdk, true), process(HELLO, jdk, true),
                        jdk == Jdk.MAIN ? OptionalDouble.of(2) : OptionalDouble.empty()));
            }
        }
        return List.copyOf(c);
    }

    private static Comparison reference(String id, Group group, String title, String label, Run a, Run b) {
        return new Comparison(id, group, title, label, a, b, OptionalDouble.empty());
    }

    /** Whether {@code --only}'s id names this comparison: itself, or a family ({@code T7} names {@code T7-17}). */
    static boolean named(Comparison c, Collection<String> ids) {
        return ids.stream().anyMatch(id -> c.id().equals(id) || c.id().startsWith(id + "-"));
    }

    /**
     * What no comparison needs but the report's absolute tables show, measured in the same rounds:
     * the round trip on the runtime compiler and in plain Java.
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

    /**
     * The members of a round, in the order to shuffle: each run alone, except the whole processes,
     * which go in pairs (the CLI's and the hello world's on one JDK, with or without a cache)
     * because hyperfine times the two sides alternately, A B A B, within the member.
     */
    static List<List<Run>> members(List<Run> runs) {
        Map<String, List<Run>> members = new LinkedHashMap<>();
        for (Run r : runs) {
            String key = r.kind() == Kind.PROCESS ? "process " + r.jdk() + " " + r.params().get("cache") : r.id();
            members.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        List<List<Run>> out = new ArrayList<>();
        for (List<Run> m : members.values()) {
            m.sort((a, b) -> Boolean.compare(!a.benchmark().equals(CLI_DEMO), !b.benchmark().equals(CLI_DEMO)));
            out.add(List.copyOf(m));
        }
        return List.copyOf(out);
    }
}
