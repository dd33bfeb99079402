package io.github.rustjava.person.bench;

import io.github.rustjava.person.bench.PairedReport.Environment;
import io.github.rustjava.person.bench.PairedReport.Outcome;
import io.github.rustjava.person.bench.PairedReport.Settings;
import io.github.rustjava.person.bench.PairedStats.Row;
import io.github.rustjava.person.bench.PairedStats.Score;
import io.github.rustjava.person.bench.PairedSuite.Comparison;
import io.github.rustjava.person.bench.PairedSuite.Jdk;
import io.github.rustjava.person.bench.PairedSuite.Kind;
import io.github.rustjava.person.bench.PairedSuite.Run;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The benchmark suite: every comparison of {@link PairedSuite}, measured in randomized,
 * interleaved rounds, and its report ({@code paired.md}, {@code paired.json}, {@code paired.png}).
 *
 * <p>A ratio of two numbers measured minutes apart also measures what the machine did in between
 * (another tenant, a frequency change, a warmer disk cache). So each round runs every member
 * once, each in fresh processes of its own, in a new random order, and a ratio is only ever taken
 * between two scores of the same round. The spread of the ratios over the rounds is then an honest
 * measure of how far the machine lets one trust them.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -Dperson.native.library=... -Dperson.jni.library=... \
 *     [-Dperson.service.binary=... -Dperson.shm.binary=...] -cp benchmarks.jar \
 *     io.github.rustjava.person.bench.Paired [--quick] [--rounds N] [--seed N] [--jdk17 JAVA_HOME] \
 *     [--go DIR] [--cli-jar JAR] [--hyperfine PATH] [--startup-dir DIR] [--graal-jvm-args ARGS] \
 *     [--only ID,...] [--log FILE] --out DIR</pre>
 *
 * The forks run on the JVM this runs on, except the JDK 17 side of T5 and T7, which runs on
 * {@code --jdk17}; the system properties that name native code and the routes' servers are passed
 * on to every fork, GraalWasm's forks also get {@code --graal-jvm-args}. Without a peer (a JDK 17,
 * the Go program, the CLI's jar and hyperfine, GraalWasm's options, the routes' servers) the
 * comparisons that need it are left out, and the report says so.
 */
public final class Paired {

    /** At least this many rounds, or a median and a range say little. */
    static final int MIN_ROUNDS = 5;

    /** A full run's forks: the benchmarks' own warm-up and measurement (see CallBench). */
    static final Settings FULL = new Settings(3, "1 s", 5, "1 s", 5, 10);
    /** A smoke run's: long enough to prove the harness, far too short to compare anything. */
    static final Settings QUICK = new Settings(1, "200 ms", 2, "200 ms", 2, 3);

    /** The system properties that name native code and servers, passed on to every fork. */
    private static final List<String> FORWARDED = List.of(Backend.NATIVE_LIBRARY, Backend.JNI_LIBRARY,
            Backend.SERVICE_BINARY, Backend.SHM_BINARY);

    private Paired() {}

    public static void main(String[] args) throws IOException {
        int status;
        try {
            status = run(Options.parse(args));
        } catch (IllegalArgumentException e) {
            System.err.println("paired: " + e.getMessage());
            System.err.println("usage: Paired [--quick] [--rounds N] [--seed N] [--jdk17 JAVA_HOME] [--go DIR] "
                    + "[--cli-jar JAR] [--hyperfine PATH] [--startup-dir DIR] [--graal-jvm-args ARGS] [--only ID,...] "
                    + "[--log FILE] --out DIR");
            status = 2;
        }
        System.exit(status);
    }

    /** The command line; an empty value is no value (the Makefile passes its variables set or not). */
    record Options(boolean quick, int rounds, long seed, Path out, Path jdk17, Set<String> only, Path log, Path go,
            Path cliJar, Path hyperfine, Path startupDir, List<String> graalJvmArgs) {

        static Options parse(String[] args) {
            Map<String, String> v = new LinkedHashMap<>();
            boolean quick = false;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--quick")) {
                    quick = true;
                } else if (List.of("--rounds", "--seed", "--out", "--jdk17", "--only", "--log", "--go", "--cli-jar",
                        "--hyperfine", "--startup-dir", "--graal-jvm-args").contains(args[i])) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(args[i] + " needs a value");
                    }
                    if (!args[i + 1].isBlank()) {
                        v.put(args[i], args[i + 1]);
                    }
                    i++;
                } else {
                    throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (!v.containsKey("--out")) {
                throw new IllegalArgumentException("--out DIR is required");
            }
            int rounds = v.containsKey("--rounds") ? Integer.parseInt(v.get("--rounds")) : quick ? 2 : MIN_ROUNDS;
            if (rounds < (quick ? 1 : MIN_ROUNDS)) {
                throw new IllegalArgumentException("--rounds must be at least " + MIN_ROUNDS + " (--quick runs 2)");
            }
            Path out = Path.of(v.get("--out"));
            return new Options(quick, rounds,
                    v.containsKey("--seed") ? Long.parseLong(v.get("--seed")) : new SecureRandom().nextLong() >>> 1,
                    out, path(v, "--jdk17"),
                    v.containsKey("--only") ? new LinkedHashSet<>(Arrays.asList(v.get("--only").split(","))) : Set.of(),
                    v.containsKey("--log") ? Path.of(v.get("--log")) : out.resolve("paired-jmh.log"), path(v, "--go"),
                    path(v, "--cli-jar"), path(v, "--hyperfine"),
                    v.containsKey("--startup-dir") ? Path.of(v.get("--startup-dir")) : out.resolve("startup"),
                    v.containsKey("--graal-jvm-args") ? List.of(v.get("--graal-jvm-args").trim().split("\\s+")) : null);
        }

        private static Path path(Map<String, String> v, String name) {
            return v.containsKey(name) ? Path.of(v.get(name)) : null;
        }
    }

    static int run(Options opts) throws IOException {
        Files.createDirectories(opts.out());
        refuseToOverwriteFullResults(opts);
        Settings settings = opts.quick() ? QUICK : FULL;
        List<String> notes = new ArrayList<>();
        Path java = javaIn(Path.of(System.getProperty("java.home")));
        Map<Jdk, Path> jvms = new LinkedHashMap<>(Map.of(Jdk.MAIN, java));
        if (opts.jdk17() != null) {
            jvms.put(Jdk.JDK17, require(javaIn(opts.jdk17()), "no java at %s"));
        } else {
            notes.add("T5 (JDK 17 ÷ JDK 25) and T7 on JDK 17 were not measured: no JDK 17 was given (`--jdk17`).");
        }
        Map<String, Path> goBinaries = new LinkedHashMap<>();
        if (opts.go() != null) {
            for (String link : List.of("dynamic", "static")) {
                goBinaries.put(link, require(opts.go().resolve("personbench-" + link),
                        "no Go program at %s (make bench-go-build builds it)"));
            }
        } else {
            notes.add("T6 (÷ the seed's Go program) was not measured: no Go program was given (`--go`).");
        }
        boolean startUp = opts.cliJar() != null && opts.hyperfine() != null;
        if (!startUp) {
            notes.add("T7 (the CLI's whole process ÷ a hello world) was not measured: it needs the CLI's jar "
                    + "(`--cli-jar`) and hyperfine (`--hyperfine`).");
        }
        if (opts.graalJvmArgs() == null) {
            notes.add("GraalWasm was not measured: its forks need the optimizing runtime's options "
                    + "(`--graal-jvm-args`).");
        }
        boolean routes = Files.isExecutable(Backend.routeBinary(Backend.SERVICE))
                && Files.isExecutable(Backend.routeBinary(Backend.SHARED_MEMORY));
        if (!routes) {
            notes.add("The out-of-process routes were not measured: their servers are not built (`make routes`).");
        }
        List<Comparison> comparisons = PairedSuite.comparisons(
                new PairedSuite.Peers(opts.jdk17() != null, opts.go() != null, startUp, opts.graalJvmArgs() != null,
                        routes));
        List<Run> extra = PairedSuite.absoluteOnly();
        if (!opts.only().isEmpty()) {
            comparisons = comparisons.stream().filter(c -> PairedSuite.named(c, opts.only())).toList();
            extra = List.of();
            if (comparisons.isEmpty()) {
                throw new IllegalArgumentException("--only matches no comparison: " + opts.only());
            }
            notes.add("Only " + String.join(", ", opts.only()) + " measured (`--only`).");
        }
        List<Run> runs = PairedSuite.runs(comparisons, extra);
        List<List<Run>> members = PairedSuite.members(runs);
        List<List<List<Run>>> order = PairedStats.schedule(members, opts.rounds(), new Random(opts.seed()));

        Files.createDirectories(opts.log().toAbsolutePath().getParent());
        Path membersLog = opts.log().resolveSibling("paired-members.log");
        Files.writeString(membersLog, "");
        List<String> setup = new ArrayList<>();
        StartUp processes = new StartUp(opts.startupDir(), opts.cliJar(), opts.hyperfine(), jvms);
        List<Run> processRuns = runs.stream().filter(r -> r.kind() == Kind.PROCESS).toList();
        if (!processRuns.isEmpty()) {
            System.out.println("paired: making the start-up caches in " + opts.startupDir());
            try {
                setup.addAll(processes.prepare(processRuns, membersLog));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
            setup.add("Whole processes (T7): each pair, the CLI's demo and the hello world on one JDK with the same "
                    + "kind of cache, is timed by hyperfine " + settings.processRuns() + " times a round, the two "
                    + "alternately (`hyperfine -N --runs 1 A B`, A B A B...), output to /dev/null; each side's score "
                    + "is the median of its " + settings.processRuns() + ". The hello world is `Hello.java` printing "
                    + "one line, compiled at release 17 into a jar.");
        }
        setup.add("Cold start: `" + PairedSuite.COLD_START + "`, one shot in each of " + settings.coldForks()
                + " fresh JVMs a round; the score is the median shot.");

        int total = members.size() * opts.rounds();
        System.out.printf(Locale.ROOT, "paired: %d runs in %d members a round × %d rounds (seed %d)%n"
                + "paired: JMH's own output goes to %s, the other members' to %s%n", runs.size(), members.size(),
                opts.rounds(), opts.seed(), opts.log(), membersLog);

        Map<Run, List<Score>> scores = new LinkedHashMap<>();
        runs.forEach(r -> scores.put(r, new ArrayList<>()));
        long start = System.nanoTime();
        int done = 0;
        int completedRounds = 0;
        String failure = null;
        try (PrintStream log = new PrintStream(new FileOutputStream(opts.log().toFile()), true, StandardCharsets.UTF_8)) {
            OutputFormat jmhOut = OutputFormatFactory.createFormatInstance(log, VerboseMode.NORMAL);
            rounds:
            for (int r = 0; r < opts.rounds(); r++) {
                Map<Run, Score> round = new LinkedHashMap<>();
                for (List<Run> member : order.get(r)) {
                    Run run = member.get(0);
                    System.out.printf(Locale.ROOT, "round %d/%d [%3d/%d] %-66s ", r + 1, opts.rounds(), done + 1, total,
                            run.label() + (member.size() > 1 ? " / hello.jar" : ""));
                    System.out.flush();
                    try {
                        switch (run.kind()) {
                            case JMH -> round.put(run,
                                    Score.of(runOne(run, settings, jvms, opts.graalJvmArgs(), jmhOut)));
                            case COLD -> round.put(run,
                                    Score.ofShots(runOne(run, settings, jvms, opts.graalJvmArgs(), jmhOut)));
                            case GO -> round.put(run, External.goRoundTrip(goBinaries.get(run.params().get("link")),
                                    run.params().get("link"), opts.quick(), membersLog));
                            case PROCESS -> round.putAll(processes.time(member, settings.processRuns(), membersLog));
                        }
                    } catch (RunnerException | IOException | RuntimeException e) {
                        System.out.println("FAILED");
                        failure = run.label() + " failed in round " + (r + 1) + ": " + e.getMessage();
                        break rounds;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        System.out.println("INTERRUPTED");
                        failure = run.label() + " was interrupted in round " + (r + 1) + ".";
                        break rounds;
                    }
                    done++;
                    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
                    System.out.println(member.stream().map(m -> PairedReport.fmt(round.get(m).value()) + " "
                            + round.get(m).unit()).reduce((a, b) -> a + " / " + b).orElseThrow() + "  "
                            + clock(elapsed) + " elapsed, about " + clock(elapsed.multipliedBy(total - done)
                            .dividedBy(done)) + " left");
                }
                // Only whole rounds count: a ratio needs both of its sides from the same round.
                round.forEach((run, s) -> scores.get(run).add(s));
                completedRounds++;
                System.out.println("round " + (r + 1) + " done; so far:\n  "
                        + PairedReport.summary(PairedStats.rows(comparisons, scores)).replace("\n", "\n  "));
            }
        }
        if (failure != null) {
            notes.add("Interrupted: " + failure + " Only the " + completedRounds + " complete rounds are shown; "
                    + "JMH's output is in `" + opts.log().getFileName() + "`, the other members' in `"
                    + membersLog.getFileName() + "`.");
            System.err.println("paired: " + failure + " (JMH's output: " + opts.log() + ")");
        }
        if (completedRounds == 0) {
            return 1;
        }
        scores.entrySet().stream().filter(e -> e.getKey().kind() == Kind.GO && !e.getValue().isEmpty()).findFirst()
                .ifPresent(e -> setup.add("The seed's Go program (T6): `bench/go` built with "
                        + e.getValue().get(0).jdkVersion() + " against `libperson.so` (dynamic link) and `libperson.a` "
                        + "(static); once a round each, `personbench-LINK"
                        + (opts.quick() ? " " + String.join(" ", External.GO_QUICK) : "")
                        + "`: a warm-up, then timed batches of round trips, each checked; its score is the median "
                        + "batch's time per round trip, as it prints it."));
        List<Row> rows = PairedStats.rows(comparisons, scores);
        Outcome outcome = new Outcome(opts.quick(), opts.rounds(), opts.seed(), settings, environment(), order, scores,
                rows, notes, setup);
        Files.writeString(opts.out().resolve("paired.md"), PairedReport.markdown(outcome), StandardCharsets.UTF_8);
        Files.writeString(opts.out().resolve("paired.json"), PairedReport.json(outcome), StandardCharsets.UTF_8);
        PairedReport.chart(outcome, opts.out().resolve("paired.png"));
        System.out.println(PairedReport.summary(rows));
        System.out.println("paired: wrote paired.md, paired.json and paired.png in " + opts.out() + " in "
                + clock(Duration.ofNanos(System.nanoTime() - start)));
        return failure == null ? 0 : 1;
    }

    /**
     * One JMH run of one benchmark with every parameter pinned: one fork of the round's settings,
     * or for a cold start several forks of one shot each (the benchmark's own mode).
     */
    static RunResult runOne(Run run, Settings s, Map<Jdk, Path> jvms, List<String> graalJvmArgs, OutputFormat out)
            throws RunnerException {
        List<String> jvmArgs = forkArgs();
        if (run.backend().equals("GRAALWASM")) {
            jvmArgs.addAll(graalJvmArgs);
        }
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(run.include())
                .warmupForks(0)
                .jvm(jvms.get(run.jdk()).toString())
                .jvmArgs(jvmArgs.toArray(String[]::new))
                .shouldFailOnError(true);
        if (run.kind() == Kind.COLD) {
            b.forks(s.coldForks());
        } else {
            b.forks(1)
                    .warmupIterations(s.warmupIterations())
                    .warmupTime(TimeValue.fromString(s.warmupTime()))
                    .measurementIterations(s.measurementIterations())
                    .measurementTime(TimeValue.fromString(s.measurementTime()));
        }
        run.params().forEach(b::param);
        return new Runner(b.build(), out).runSingle();
    }

    /**
     * The forks' JVM options, given explicitly rather than inherited: JMH would otherwise copy this
     * JVM's options, and a JDK 17 fork may not know a JDK 25 option.
     */
    static List<String> forkArgs() {
        List<String> args = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
        for (String p : FORWARDED) {
            if (System.getProperty(p) != null) {
                args.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        return args;
    }

    /**
     * A smoke run must not replace a real run's results: it refuses a folder whose
     * {@code paired.json} came from a full run.
     */
    static void refuseToOverwriteFullResults(Options opts) throws IOException {
        Path json = opts.out().resolve("paired.json");
        if (opts.quick() && Files.exists(json) && Files.readString(json).contains("\"quick\": false")) {
            throw new IllegalArgumentException(json + " holds a full run's results: a --quick run writes elsewhere");
        }
    }

    private static Path javaIn(Path home) {
        return home.getFileName() != null && home.getFileName().toString().equals("java") ? home
                : home.resolve("bin").resolve("java");
    }

    private static Path require(Path executable, String message) {
        if (!Files.isExecutable(executable)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, message, executable));
        }
        return executable;
    }

    static String clock(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** The machine and this invocation, as the report records them. */
    static Environment environment() {
        String model = null;
        String flags = null;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (model == null && line.startsWith("model name")) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                } else if (flags == null && line.startsWith("flags")) {
                    flags = line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: the report says "unknown" rather than failing.
        }
        String cwd = Path.of("").toAbsolutePath() + "/";
        return new Environment(
                ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                ProcessHandle.current().info().commandLine().map(c -> c.replace(cwd, "")).orElse("java " + Paired.class),
                model != null ? model : System.getProperty("os.arch") + " (model unknown)",
                flags != null ? flags : "unknown",
                String.join(" ", System.getProperty("os.name"), System.getProperty("os.version"),
                        System.getProperty("os.arch")),
                Runtime.getRuntime().availableProcessors());
    }
}
