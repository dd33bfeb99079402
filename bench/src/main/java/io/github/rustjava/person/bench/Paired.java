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
import java.util.concurrent.TimeUnit;
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
 * The paired suite: every comparison of {@link PairedSuite}, measured in randomized, interleaved
 * rounds, and its report ({@code paired.md}, {@code paired.json}, {@code paired.png}).
 *
 * <p>A ratio of two numbers measured minutes apart also measures what the machine did in between
 * (another tenant, a frequency change, a warmer disk cache). So each round runs every benchmark
 * once, each in a fresh JVM (one JMH fork), in a new random order, and a ratio is only ever taken
 * between two scores of the same round. The spread of the ratios over the rounds is then an honest
 * measure of how far the machine lets one trust them.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -Dperson.native.library=... -Dperson.jni.library=... \
 *     -cp benchmarks.jar io.github.rustjava.person.bench.Paired [--quick] [--rounds N] [--seed N] \
 *     [--jdk17 JAVA_HOME] [--go DIR] [--cli-jar JAR] [--startup-dir DIR] [--only ID,...] [--log FILE] \
 *     --out DIR</pre>
 *
 * The forks run on the JVM this runs on, except the JDK 17 side of T5 and T7, which runs on
 * {@code --jdk17}. The native libraries' system properties are passed on to every fork. A round's
 * members are not all JMH forks: T6 runs the seed's Go program from {@code --go} (its two
 * binaries, {@code personbench-dynamic} and {@code personbench-static}), T7 times whole
 * {@code java -jar} processes of {@code --cli-jar} and of a hello world; both are drawn into the
 * round's random order like the forks. Without their peer a comparison is left out, and the report
 * says so.
 */
public final class Paired {

    /** At least this many rounds, or a median and a range say little. */
    static final int MIN_ROUNDS = 5;

    /** A full run's forks: the benchmarks' own warm-up and measurement (see CallBench). */
    static final Settings FULL = new Settings(3, "1 s", 5, "1 s");
    /** A smoke run's forks: long enough to prove the harness, far too short to compare anything. */
    static final Settings QUICK = new Settings(1, "200 ms", 2, "200 ms");

    /** How often a whole-process member runs its command in a row, each round (the median counts). */
    static final int PROCESS_RUNS = 10;
    static final int QUICK_PROCESS_RUNS = 3;

    /** The system properties that name native code, passed on to every fork. */
    private static final List<String> FORWARDED = List.of(Backend.NATIVE_LIBRARY, Backend.JNI_LIBRARY);

    private Paired() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        int status;
        try {
            status = run(Options.parse(args));
        } catch (IllegalArgumentException e) {
            System.err.println("paired: " + e.getMessage());
            System.err.println("usage: Paired [--quick] [--rounds N] [--seed N] [--jdk17 JAVA_HOME] [--go DIR] "
                    + "[--cli-jar JAR] [--startup-dir DIR] [--only ID,...] [--log FILE] --out DIR");
            status = 2;
        }
        System.exit(status);
    }

    /**
     * The command line.
     *
     * @param go the folder of the Go program's binaries, or null
     * @param cliJar the CLI's executable jar, or null
     * @param startupDir where T7's hello world and start-up caches go (by default under {@code out})
     */
    record Options(boolean quick, int rounds, long seed, Path out, Path jdk17, Set<String> only, Path log, Path go,
            Path cliJar, Path startupDir) {

        static Options parse(String[] args) {
            boolean quick = false;
            Integer rounds = null;
            Long seed = null;
            Path out = null;
            Path jdk17 = null;
            Path log = null;
            Path go = null;
            Path cliJar = null;
            Path startupDir = null;
            Set<String> only = Set.of();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--quick" -> quick = true;
                    case "--rounds" -> rounds = Integer.parseInt(value(args, ++i, a));
                    case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
                    case "--out" -> out = Path.of(value(args, ++i, a));
                    case "--jdk17" -> jdk17 = optionalPath(value(args, ++i, a));
                    case "--only" -> only = new LinkedHashSet<>(Arrays.asList(value(args, ++i, a).split(",")));
                    case "--log" -> log = Path.of(value(args, ++i, a));
                    case "--go" -> go = optionalPath(value(args, ++i, a));
                    case "--cli-jar" -> cliJar = optionalPath(value(args, ++i, a));
                    case "--startup-dir" -> startupDir = Path.of(value(args, ++i, a));
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            if (out == null) {
                throw new IllegalArgumentException("--out DIR is required");
            }
            int r = rounds != null ? rounds : quick ? 2 : MIN_ROUNDS;
            if (!quick && r < MIN_ROUNDS) {
                throw new IllegalArgumentException("--rounds must be at least " + MIN_ROUNDS + " (--quick runs 2)");
            }
            if (r < 1) {
                throw new IllegalArgumentException("--rounds must be at least 1");
            }
            return new Options(quick, r, seed != null ? seed : new SecureRandom().nextLong() >>> 1, out, jdk17,
                    only, log != null ? log : out.resolve("paired-jmh.log"), go, cliJar,
                    startupDir != null ? startupDir : out.resolve("startup"));
        }

        /** An empty value is no value: the Makefile passes its variables whether set or not. */
        private static Path optionalPath(String v) {
            return v.isBlank() ? null : Path.of(v);
        }

        private static String value(String[] args, int i, String name) {
            if (i >= args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[i];
        }
    }

    static int run(Options opts) throws IOException, InterruptedException {
        Files.createDirectories(opts.out());
        refuseToOverwriteFullResults(opts);
        Settings settings = opts.quick() ? QUICK : FULL;
        List<String> notes = new ArrayList<>();
        List<String> setup = new ArrayList<>();
        Path java17 = null;
        if (opts.jdk17() != null) {
            java17 = javaIn(opts.jdk17());
            if (!Files.isExecutable(java17)) {
                throw new IllegalArgumentException("no java at " + java17);
            }
        } else {
            notes.add("T5 (JDK 17 ÷ JDK 25) and T7 on JDK 17 were not measured: no JDK 17 was given "
                    + "(`--jdk17`, `make bench JAVA17=...`).");
        }
        Map<String, Path> goBinaries = new LinkedHashMap<>();
        if (opts.go() != null) {
            for (String link : List.of("dynamic", "static")) {
                Path bin = opts.go().resolve("personbench-" + link);
                if (!Files.isExecutable(bin)) {
                    throw new IllegalArgumentException("no Go program at " + bin + " (make bench-go-build builds it)");
                }
                goBinaries.put(link, bin);
            }
        } else {
            notes.add("T6 (÷ the seed's Go program) was not measured: no Go program was given (`--go`).");
        }
        if (opts.cliJar() == null) {
            notes.add("T7 (the CLI's whole process ÷ a hello world) was not measured: no CLI jar was given "
                    + "(`--cli-jar`).");
        }
        List<Comparison> comparisons = PairedSuite.comparisons(
                new PairedSuite.Peers(java17 != null, opts.go() != null, opts.cliJar() != null));
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
        List<List<Run>> order = PairedStats.schedule(runs, opts.rounds(), new Random(opts.seed()));

        Path java = javaIn(Path.of(System.getProperty("java.home")));
        Map<Jdk, Path> jvms = new LinkedHashMap<>();
        jvms.put(Jdk.MAIN, java);
        if (java17 != null) {
            jvms.put(Jdk.JDK17, java17);
        }
        List<String> forkArgs = forkArgs();
        int processRuns = opts.quick() ? QUICK_PROCESS_RUNS : PROCESS_RUNS;

        Files.createDirectories(opts.log().toAbsolutePath().getParent());
        Path membersLog = opts.log().resolveSibling("paired-members.log");
        Files.deleteIfExists(membersLog);
        Files.createFile(membersLog);
        StartUp startUp = null;
        if (runs.stream().anyMatch(r -> r.kind() == Kind.PROCESS)) {
            startUp = new StartUp(opts.startupDir(), opts.cliJar(), jvms);
            System.out.println("paired: making the start-up caches in " + opts.startupDir());
            setup.addAll(startUp.prepare(runs));
            setup.add("Whole processes (T7): each round runs each command once untimed, then " + processRuns
                    + " times in a row, timed from outside (start to exit, output to /dev/null); the member's score is "
                    + "the median of the " + processRuns + ". The hello world is `Hello.java` printing one line, "
                    + "compiled at release 17 into a jar (`java -jar hello.jar`).");
        }

        int total = runs.size() * opts.rounds();
        double perRound = runs.stream().mapToDouble(r -> estimate(r, settings, processRuns)).sum();
        System.out.printf(Locale.ROOT, "paired: %d members a round × %d rounds = %d, about %s (seed %d)%n"
                + "paired: JMH's own output goes to %s, the other members' to %s%n", runs.size(), opts.rounds(), total,
                clock(Duration.ofSeconds((long) (perRound * opts.rounds()))), opts.seed(), opts.log(), membersLog);

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
                for (Run run : order.get(r)) {
                    System.out.printf(Locale.ROOT, "round %d/%d [%3d/%d] %-62s ", r + 1, opts.rounds(), done + 1, total,
                            run.label());
                    System.out.flush();
                    Score s;
                    try {
                        s = switch (run.kind()) {
                            case JMH -> Score.of(runOne(run, settings, jvms.get(run.jdk()), forkArgs, jmhOut));
                            case GO -> External.goRoundTrip(goBinaries.get(run.params().get("link")),
                                    run.params().get("link"), opts.quick(), membersLog);
                            case PROCESS -> {
                                String[] version = External.version(jvms.get(run.jdk()));
                                yield External.wallTime(startUp.command(run), processRuns, membersLog, version[0],
                                        "java " + version[1]);
                            }
                        };
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
                    round.put(run, s);
                    done++;
                    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
                    Duration left = elapsed.multipliedBy(total - done).dividedBy(done);
                    System.out.printf(Locale.ROOT, "%10s %-6s  %s elapsed, about %s left%n", Report.fmt(s.value()),
                            s.unit(), clock(elapsed), clock(left));
                }
                // Only whole rounds count: a ratio needs both of its sides from the same round.
                round.forEach((run, s) -> scores.get(run).add(s));
                completedRounds++;
                System.out.println("round " + (r + 1) + " done; so far:");
                System.out.println(indent(PairedReport.summary(PairedStats.rows(comparisons, scores))));
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
                        + "(static); once a round each, `personbench-LINK -warm-only"
                        + (opts.quick() ? " " + String.join(" ", External.GO_QUICK) : "")
                        + "`: a warm-up, then timed batches of round trips, each checked; its score is the median "
                        + "batch's time per round trip, as it prints it."));
        List<Row> rows = PairedStats.rows(comparisons, scores);
        Outcome outcome = new Outcome(opts.quick(), opts.rounds(), opts.seed(), settings, environment(), order, scores,
                rows, notes, setup);
        Path md = opts.out().resolve("paired.md");
        Path json = opts.out().resolve("paired.json");
        Path png = opts.out().resolve("paired.png");
        Files.writeString(md, PairedReport.markdown(outcome), StandardCharsets.UTF_8);
        Files.writeString(json, PairedReport.json(outcome), StandardCharsets.UTF_8);
        PairedReport.chart(outcome, png);
        System.out.println(PairedReport.summary(rows));
        System.out.println("paired: wrote " + md + ", " + json + " and " + png + " in "
                + clock(Duration.ofNanos(System.nanoTime() - start)));
        return failure == null ? 0 : 1;
    }

    /** One fork of one benchmark with every parameter pinned. */
    static RunResult runOne(Run run, Settings s, Path java, List<String> forkArgs, OutputFormat out)
            throws RunnerException {
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(run.include())
                .forks(1)
                .warmupForks(0)
                .warmupIterations(s.warmupIterations())
                .warmupTime(TimeValue.fromString(s.warmupTime()))
                .measurementIterations(s.measurementIterations())
                .measurementTime(TimeValue.fromString(s.measurementTime()))
                .jvm(java.toString())
                .jvmArgs(forkArgs.toArray(String[]::new))
                .shouldFailOnError(true);
        run.params().forEach(b::param);
        return new Runner(b.build(), out).runSingle();
    }

    /**
     * The forks' JVM options, given explicitly rather than inherited: JMH would otherwise copy this
     * JVM's options, and a JDK 17 fork may not know a JDK 25 option.
     */
    static List<String> forkArgs() {
        List<String> args = new ArrayList<>();
        args.add("--enable-native-access=ALL-UNNAMED");
        for (String p : FORWARDED) {
            String v = System.getProperty(p);
            if (v != null) {
                args.add("-D" + p + "=" + v);
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

    /** About how long one member takes, for the estimate printed at the start. */
    static double estimate(Run run, Settings s, int processRuns) {
        return switch (run.kind()) {
            case JMH -> seconds(s) + 1.0; // and the JVM's start, JMH's set-up, the module's load
            case GO -> s == QUICK ? 0.2 : 1.7; // 4.4 million round trips of about 300 ns
            // The demo's JVM takes about half a second, the hello world's a tenth (one more untimed).
            case PROCESS -> (processRuns + 1) * (run.benchmark().equals(PairedSuite.CLI_DEMO) ? 0.5 : 0.1);
        };
    }

    /** The time a fork spends warming up and measuring, without its start. */
    static double seconds(Settings s) {
        long millis = s.warmupIterations() * TimeValue.fromString(s.warmupTime()).convertTo(TimeUnit.MILLISECONDS)
                + s.measurementIterations() * TimeValue.fromString(s.measurementTime()).convertTo(TimeUnit.MILLISECONDS);
        return millis / 1000.0;
    }

    static String clock(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    private static String indent(String s) {
        return "  " + s.replace("\n", "\n  ");
    }

    // --- what the report records about the machine ---

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
        return new Environment(
                ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                command(),
                model != null ? model : System.getProperty("os.arch") + " (model unknown)",
                flags != null ? flags : "unknown",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors());
    }

    /** This JVM's command line, with the working directory left out of its paths. */
    static String command() {
        String cwd = Path.of("").toAbsolutePath() + "/";
        return ProcessHandle.current().info().commandLine()
                .map(c -> c.replace(cwd, ""))
                .orElse("java " + Paired.class.getName() + " (command line not available)");
    }
}
