package io.github.rustjava.person.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
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
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The absolute suite: every benchmark on every backend, run through JMH's {@link Runner}, written
 * to {@code latest.md} (every score, with its error and its ratio to FFM) and {@code latest.png}
 * (the calls, the name sizes and the cold start per backend, a panel each on a linear scale). The headline numbers are {@link Paired}'s ratios;
 * these are the whole picture, GraalWasm and the out-of-process routes included.
 *
 * <pre>java [fork JVM options] -cp benchmarks.jar io.github.rustjava.person.bench.Report [--quick] \
 *     [--graal-jvm-args ARGS] [--route-jvm-args ARGS] OUT_DIR [JMH options...]</pre>
 *
 * The forks inherit this JVM's options (the native libraries' system properties); GraalWasm's and
 * the routes' forks get theirs appended. JMH options after OUT_DIR (e.g. {@code -p size=1024})
 * apply to every run.
 */
public final class Report {

    /** The reference every ratio is taken against: the JVM's own foreign-function route. */
    private static final String REFERENCE = "FFM";

    /** Benchmarks in the order the report shows them. */
    private static final List<String> CALLS =
            List.of("roundTrip", "rawRoundTrip", "createFree", "details", "errorMessage", "emptyCall");

    /** The backends that share forks; GraalWasm and the routes run apart, with their JVM options. */
    static final String[] IN_PROCESS = {"INTERPRETER", "RUNTIME_COMPILER", "BUILD_TIME_COMPILER", "FFM", "JNI", "JAVA"};

    private Report() {}

    /** One JMH result row. */
    record Row(String clazz, String method, Map<String, String> params, String mode, int threads,
            int forks, double score, double error, String unit, String jdk, String vm, String settings) {

        static Row of(RunResult result) {
            BenchmarkParams p = result.getParams();
            String[] parts = p.getBenchmark().split("\\.");
            Map<String, String> params = new LinkedHashMap<>();
            for (String key : p.getParamsKeys()) {
                params.put(key, p.getParam(key));
            }
            Result<?> primary = result.getPrimaryResult();
            return new Row(parts[parts.length - 2], parts[parts.length - 1], params, p.getMode().shortLabel(),
                    p.getThreads(), p.getForks(), primary.getScore(), primary.getScoreError(), primary.getScoreUnit(),
                    p.getJdkVersion(), p.getVmName() + " " + p.getVmVersion(), Report.settings(p));
        }

        String backend() {
            return params.getOrDefault("backend", "?");
        }

        /** The row's parameters other than the backend: rows with equal keys are compared. */
        String key() {
            Map<String, String> rest = new TreeMap<>(params);
            rest.remove("backend");
            return clazz + "." + method + rest;
        }

        /** Time relative to the reference row: above 1 is slower, whatever the mode's unit. */
        double ratioTo(Row ref) {
            return mode.equals("thrpt") ? ref.score / score : score / ref.score;
        }
    }

    /** One JMH invocation of the suite: which benchmarks, on which backends, with which extra options. */
    record Suite(String name, String include, String[] backends, boolean coldStart, boolean sizes, String jvmArgsAppend) {}

    public static void main(String[] args) throws IOException, RunnerException, CommandLineOptionException {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean quick = rest.remove("--quick");
        String graalArgs = option(rest, "--graal-jvm-args");
        String routeArgs = option(rest, "--route-jvm-args");
        if (rest.isEmpty() || rest.get(0).startsWith("-")) {
            System.err.println("usage: Report [--quick] [--graal-jvm-args ARGS] [--route-jvm-args ARGS] OUT_DIR "
                    + "[JMH options...]");
            System.exit(2);
        }
        Path out = Path.of(rest.remove(0));
        Options jmhArgs = new CommandLineOptions(rest.toArray(String[]::new));
        Files.createDirectories(out);
        Path md = out.resolve("latest.md");
        if (quick && Files.exists(md) && !Files.readString(md, StandardCharsets.UTF_8).contains("QUICK smoke run")) {
            throw new IllegalArgumentException(md + " holds a full run's results: a --quick run writes elsewhere");
        }
        String[] graal = {"GRAALWASM"};
        String[] routes = {"SERVICE", "SHARED_MEMORY"};
        List<Suite> suites = List.of(
                new Suite("calls", "bench\\.(CallBench|SharedBench)\\.", IN_PROCESS, false, false, null),
                new Suite("boundary", "bench\\.BoundaryBench\\.", null, false, false, null),
                new Suite("sizes", "bench\\.NameSizeBench\\.", IN_PROCESS, false, true, null),
                new Suite("cold", "bench\\.ColdStartBench\\.", IN_PROCESS, true, false, null),
                new Suite("graal", "bench\\.(CallBench|SharedBench|NameSizeBench)\\.", graal, false, true, graalArgs),
                new Suite("graal-cold", "bench\\.ColdStartBench\\.", graal, true, false, graalArgs),
                new Suite("pool", "bench\\.(CallBench\\.roundTrip|SharedBench\\.)", new String[] {"BUILD_TIME_COMPILER_POOL"},
                        false, false, null),
                new Suite("routes", "bench\\.CallBench\\.roundTrip$", routes, false, false, routeArgs),
                new Suite("routes-cold", "bench\\.ColdStartBench\\.", routes, true, false, routeArgs));
        List<Row> rows = new ArrayList<>();
        for (Suite suite : suites) {
            System.out.println("# absolute suite: " + suite.name());
            ChainedOptionsBuilder b = new OptionsBuilder().parent(jmhArgs).include(suite.include());
            if (suite.backends() != null) {
                b.param("backend", suite.backends());
            }
            if (suite.jvmArgsAppend() != null && !suite.jvmArgsAppend().isBlank()) {
                b.jvmArgsAppend(suite.jvmArgsAppend().trim().split("\\s+"));
            }
            if (quick) {
                // The annotations hold the full settings (2 forks; 10 forks for the cold start).
                if (suite.coldStart()) {
                    b.forks(2);
                } else {
                    b.forks(1).warmupIterations(1).warmupTime(TimeValue.milliseconds(300))
                            .measurementIterations(2).measurementTime(TimeValue.milliseconds(200));
                }
                if (suite.sizes()) {
                    b.param("size", "1024", "65536");
                }
            }
            for (RunResult r : new Runner(b.build()).run()) {
                rows.add(Row.of(r));
            }
        }
        String report = markdown(rows, quick);
        Path go = out.resolve("go.jsonl");
        if (Files.exists(go)) {
            report += goSection(Files.readAllLines(go, StandardCharsets.UTF_8));
        }
        Files.writeString(md, report, StandardCharsets.UTF_8);
        chart(rows, quick, out.resolve("latest.png"));
        System.out.println("wrote " + md + " and " + out.resolve("latest.png"));
    }

    /** Removes {@code name VALUE} from the arguments and returns the value, or null. */
    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        if (i < 0) {
            return null;
        }
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        args.remove(i);
        return args.remove(i);
    }

    // --- markdown ---

    static String markdown(List<Row> rows, boolean quick) {
        Map<String, Row> byKeyAndBackend = new LinkedHashMap<>();
        for (Row r : rows) {
            byKeyAndBackend.put(r.key() + "@" + r.backend(), r);
        }
        StringBuilder md = new StringBuilder();
        md.append("# person-wasm benchmarks\n\n");
        if (quick) {
            md.append("> **QUICK smoke run** (1 fork, short iterations, a subset of sizes): it shows the suite works; "
                    + "the errors are wide and the numbers are not for comparison. Run `make bench` for real ones.\n\n");
        }
        Row any = rows.get(0);
        md.append("- Date: ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append('\n');
        md.append("- JDK: ").append(any.jdk()).append(" (").append(any.vm()).append(")\n");
        md.append("- CPU: ").append(cpu()).append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores visible\n");
        md.append("- Headline ratios: `paired.md` (measured in pairs, in rounds); these are single absolute runs.\n");
        md.append("- Ratio: time relative to ").append(REFERENCE).append(" for the same benchmark and parameters (above 1 = slower; for throughput, FFM's score / this score).\n");
        md.append("- Error: JMH's 99.9% confidence half-interval.\n\n");

        section(md, "Calls, one thread",
                "`roundTrip` is the seed's program: create Alice (30), get her details, read name and age, free "
                        + "both. `createFree`: create and free. `details`: details of an existing person, and free the "
                        + "copy. `errorMessage`: get, read and free the seed's error. `emptyCall`: `liveAllocations()`, "
                        + "one lock and one call into Rust that only reads a counter, i.e. the fixed cost of any call.",
                rows, r -> r.clazz().equals("CallBench"), byKeyAndBackend, false);
        section(md, "The boundary alone",
                "`rawRoundTrip`: the same round trip through the marshalling layer only, as the seed's Go program "
                        + "makes it: no handle objects, lock, Cleaner or input checks. The difference from `roundTrip` "
                        + "is what `PersonApi`'s safety costs, the same for every backend.",
                rows, r -> r.clazz().equals("BoundaryBench"), byKeyAndBackend, false);
        section(md, "Two threads sharing one api",
                "The round trip from two threads on one api; the score is both threads together. Calls on one "
                        + "instance are serialised by its lock, so this shows what contention costs; "
                        + "`BUILD_TIME_COMPILER_POOL` gives each thread an instance of its own.",
                rows, r -> r.clazz().equals("SharedBench"), byKeyAndBackend, false);
        section(md, "Name size sweep",
                "Create, details and read the name, for names of the given UTF-8 size (CJK: 3 bytes a character). "
                        + "MB/s is name bytes (10^6) per second of one such operation.",
                rows, r -> r.clazz().equals("NameSizeBench"), byKeyAndBackend, true);
        section(md, "Cold start",
                "One shot per fresh JVM. `firstResult`: open an api, one round trip, close, with nothing of the "
                        + "library loaded before (the JVM's own start is the same for all and not included). "
                        + "`hundredRoundTrips`: the seed's experiment, 100 round trips timed right after the api opened.",
                rows, r -> r.clazz().equals("ColdStartBench"), byKeyAndBackend, false);
        return md.toString();
    }

    /**
     * The write-up's own route as a reference: `make bench-go` runs its Go + cgo program (bench/go)
     * against the same native libraries and writes one JSON object per line.
     */
    @SuppressWarnings("unchecked")
    static String goSection(List<String> lines) {
        StringBuilder md = new StringBuilder("\n## The seed's own route: Go + cgo\n\n"
                + "The write-up's program redone in `bench/go` (`make bench-go`): the same round trip against the same "
                + "`libperson.so` (dynamic) and `libperson.a` (static), its two bugs fixed. Timed inside Go, not by "
                + "JMH; from `go.jsonl`. The write-up measured 1.646 ms (dynamic) and 765 µs (static) for \"100 calls\".\n\n"
                + "| link | warm round trip | first 100 round trips in a fresh process | whole process, start to exit |\n"
                + "|---|---:|---:|---:|\n");
        Map<String, Map<String, Object>> warm = new TreeMap<>();
        Map<String, Map<String, Object>> process = new TreeMap<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> m = (Map<String, Object>) new Json(line).value();
            (m.containsKey("process_ns_mean") ? process : warm).put(String.valueOf(m.get("link")), m);
        }
        for (Map.Entry<String, Map<String, Object>> e : warm.entrySet()) {
            Map<String, Object> w = e.getValue();
            Map<String, Object> p = process.get(e.getKey());
            md.append("| ").append(e.getKey())
                    .append(" | ").append(fmt(number(w.get("warm_ns_per_round_trip")))).append(" ns [")
                    .append(fmt(number(w.get("warm_ns_per_round_trip_min")))).append("–")
                    .append(fmt(number(w.get("warm_ns_per_round_trip_max")))).append("]")
                    .append(" | ").append(!w.containsKey("first_100_round_trips_ns") ? "–" // a -warm-only line
                            : fmt(number(w.get("first_100_round_trips_ns")) / 1000) + " µs ["
                                    + fmt(number(w.get("first_100_round_trips_ns_min")) / 1000) + "–"
                                    + fmt(number(w.get("first_100_round_trips_ns_max")) / 1000) + "], median of "
                                    + (w.get("cold_processes") instanceof Double d ? d.intValue() : w.get("cold_processes")))
                    .append(" | ").append(p == null ? "–" : fmt(number(p.get("process_ns_mean")) / 1e6) + " ms ± "
                            + fmt(number(p.get("process_ns_stddev")) / 1e6))
                    .append(" |\n");
        }
        return md.append("\nRanges are min–max; the warm figure is the median of ").append("its batches.\n").toString();
    }

    private static void section(StringBuilder md, String title, String description, List<Row> rows,
            java.util.function.Predicate<Row> filter,
            Map<String, Row> byKeyAndBackend, boolean sizes) {
        List<Row> selected = rows.stream().filter(filter).sorted((a, b) -> {
            int c = Integer.compare(order(a.method()), order(b.method()));
            if (c == 0) c = a.method().compareTo(b.method());
            if (c == 0) c = compareParams(a.params(), b.params());
            return c;
        }).toList();
        if (selected.isEmpty()) {
            return;
        }
        Row first = selected.get(0);
        md.append("## ").append(title).append("\n\n");
        md.append(description).append("\n\n");
        md.append("JMH mode `").append(first.mode()).append("`, ").append(first.settings());
        if (first.threads() > 1) {
            md.append(", ").append(first.threads()).append(" threads");
        }
        md.append(".\n\n");
        if (sizes) {
            md.append("| benchmark | backend | name bytes | charset | score | ± error | unit | MB/s | × FFM |\n");
            md.append("|---|---|---:|---|---:|---:|---|---:|---:|\n");
        } else {
            md.append("| benchmark | backend | score | ± error | unit | × FFM |\n");
            md.append("|---|---|---:|---:|---|---:|\n");
        }
        for (Row r : selected) {
            Row ref = byKeyAndBackend.get(r.key() + "@" + REFERENCE);
            String ratio = ref == null ? "–" : fmt(r.ratioTo(ref)) + "×";
            md.append("| ").append(r.method()).append(" | ").append(r.backend()).append(" | ");
            if (sizes) {
                md.append(r.params().get("size")).append(" | ").append(r.params().get("charset")).append(" | ");
            }
            md.append(fmt(r.score())).append(" | ").append(Double.isNaN(r.error()) ? "–" : fmt(r.error()))
                    .append(" | ").append(r.unit()).append(" | ");
            if (sizes) {
                md.append(fmt(megabytesPerSecond(r))).append(" | ");
            }
            md.append(ratio).append(" |\n");
        }
        md.append('\n');
    }

    /** Name bytes per second, in MB (10^6 bytes): the name's size over the time of one operation. */
    static double megabytesPerSecond(Row r) {
        double seconds = r.score() * switch (r.unit()) {
            case "ns/op" -> 1e-9;
            case "us/op" -> 1e-6;
            case "ms/op" -> 1e-3;
            case "s/op" -> 1.0;
            default -> throw new IllegalArgumentException("unit " + r.unit());
        };
        return Double.parseDouble(r.params().get("size")) / seconds / 1e6;
    }

    private static int order(String method) {
        int i = CALLS.indexOf(method);
        return i < 0 ? CALLS.size() : i;
    }

    /** Numeric parameters compare as numbers (8 before 1024), backends in the enum's order. */
    private static int compareParams(Map<String, String> a, Map<String, String> b) {
        for (String name : new TreeMap<>(a).keySet()) {
            if (name.equals("backend")) continue;
            int c = compareValues(a.get(name), b.getOrDefault(name, ""));
            if (c != 0) return c;
        }
        return Integer.compare(backendOrder(a.get("backend")), backendOrder(b.get("backend")));
    }

    private static int compareValues(String x, String y) {
        try {
            return Long.compare(Long.parseLong(x), Long.parseLong(y));
        } catch (NumberFormatException e) {
            return x.compareTo(y);
        }
    }

    private static int backendOrder(String name) {
        try {
            return Backend.valueOf(name).ordinal();
        } catch (IllegalArgumentException | NullPointerException e) {
            return Integer.MAX_VALUE; // a backend this build does not know: last
        }
    }

    /** Three significant digits, without exponent notation for the ranges benchmarks produce. */
    static String fmt(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return "–";
        double a = Math.abs(v);
        if (a >= 100) return String.format(Locale.ROOT, "%,.0f", v);
        if (a >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (a >= 1) return String.format(Locale.ROOT, "%.2f", v);
        if (a >= 0.01) return String.format(Locale.ROOT, "%.3f", v);
        return String.format(Locale.ROOT, "%.2g", v);
    }

    static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: the report says so rather than failing.
        }
        return System.getProperty("os.arch") + " (model unknown)";
    }

    // --- chart ---

    /** A backend more than this many times FFM's time in a panel would flatten the others: it is named, not drawn. */
    static final double OFF_SCALE = 8;

    /** Each backend's colour, the same in every panel: the Wasm engines blues and green, the native routes warm. */
    static final Map<String, Color> BACKEND_COLOURS = Map.ofEntries(
            Map.entry("INTERPRETER", Palette.YELLOW),
            Map.entry("RUNTIME_COMPILER", Palette.BLUISH_GREEN),
            Map.entry("BUILD_TIME_COMPILER", Palette.BLUE),
            Map.entry("BUILD_TIME_COMPILER_POOL", Palette.SKY_BLUE),
            Map.entry("FFM", Palette.VERMILLION),
            Map.entry("JNI", Palette.ORANGE),
            Map.entry("JAVA", Palette.LIGHT_GREY),
            Map.entry("GRAALWASM", Palette.REDDISH_PURPLE),
            Map.entry("SERVICE", Palette.BLACK),
            Map.entry("SHARED_MEMORY", Palette.GREY));

    /** The x axis's name for a backend: short enough for a narrow panel; the legend gives the full one. */
    static final Map<String, String> SHORT_NAMES = Map.ofEntries(
            Map.entry("INTERPRETER", "interp."),
            Map.entry("RUNTIME_COMPILER", "runtime"),
            Map.entry("BUILD_TIME_COMPILER", "build-time"),
            Map.entry("BUILD_TIME_COMPILER_POOL", "pool"),
            Map.entry("FFM", "FFM"),
            Map.entry("JNI", "JNI"),
            Map.entry("JAVA", "Java"),
            Map.entry("GRAALWASM", "Graal"),
            Map.entry("SERVICE", "HTTP"),
            Map.entry("SHARED_MEMORY", "shm"));

    /**
     * One panel: one measurement, one linear scale, a bar per backend.
     *
     * @param bars the drawn backends' rows, in the enum's order
     * @param offScale the backends left out, each with its largest ratio to FFM
     */
    record Panel(String title, String yTitle, List<Row> bars, Map<String, Double> offScale) {}

    /** A group of panels under one heading, {@code columns} a row. */
    record Group(String heading, int columns, List<Panel> panels) {}

    /** The calls' titles: what each measures, in a few words. */
    private static final Map<String, String> CALL_TITLES = Map.of(
            "roundTrip", "roundTrip: the seed's program",
            "rawRoundTrip", "rawRoundTrip: no handles, lock or checks",
            "createFree", "createFree: create, then free",
            "details", "details: of a person, then free the copy",
            "errorMessage", "errorMessage: get, read, free",
            "emptyCall", "emptyCall: the fixed cost of a call");

    /** The chart's groups: the calls, the name sizes, the cold start; those with results. */
    static List<Group> groups(List<Row> rows) {
        List<Group> groups = new ArrayList<>();
        List<Row> calls = rows.stream()
                .filter(r -> (r.clazz().equals("CallBench") || r.clazz().equals("BoundaryBench")) && r.mode().equals("avgt"))
                .toList();
        List<Panel> panels = new ArrayList<>();
        for (String method : CALLS) {
            List<Row> these = calls.stream().filter(r -> r.method().equals(method)).toList();
            if (!these.isEmpty()) {
                panels.add(panel(CALL_TITLES.get(method), unitName(these.get(0).unit()) + " per call", these));
            }
        }
        if (!panels.isEmpty()) {
            groups.add(new Group("Calls, one thread, steady state: time per call (JMH average time), lower is better",
                    3, List.copyOf(panels)));
        }
        List<Row> names = rows.stream().filter(r -> r.clazz().equals("NameSizeBench")).toList();
        List<String> sizes = names.stream().map(r -> r.params().get("size")).distinct()
                .sorted(Report::compareValues).toList();
        List<String> charsets = names.stream().map(r -> r.params().get("charset")).distinct().sorted().toList();
        panels = new ArrayList<>();
        for (String charset : charsets) {
            for (String size : sizes) {
                List<Row> these = names.stream()
                        .filter(r -> r.params().get("size").equals(size) && r.params().get("charset").equals(charset))
                        .toList();
                if (!these.isEmpty()) {
                    panels.add(panel(bytes(Long.parseLong(size)) + " " + charset + " name",
                            unitName(these.get(0).unit()) + " per operation", these));
                }
            }
        }
        if (!panels.isEmpty()) {
            groups.add(new Group("Names: create a person, get the details, read the name back; time per operation by "
                    + "the name's UTF-8 size (CJK: 3 bytes a character), lower is better", Math.min(sizes.size(), 4),
                    List.copyOf(panels)));
        }
        List<Row> cold = rows.stream().filter(r -> r.clazz().equals("ColdStartBench")).toList();
        panels = new ArrayList<>();
        for (String method : List.of("firstResult", "hundredRoundTrips")) {
            List<Row> these = cold.stream().filter(r -> r.method().equals(method)).toList();
            if (!these.isEmpty()) {
                panels.add(panel(method.equals("firstResult") ? "firstResult: open, first round trip, close"
                        : "hundredRoundTrips: the seed's 100, right after open", unitName(these.get(0).unit()), these));
            }
        }
        if (!panels.isEmpty()) {
            groups.add(new Group("Cold start: one shot in each fresh JVM (the JVM's own start not included), lower is "
                    + "better", 2, List.copyOf(panels)));
        }
        return groups;
    }

    private static Panel panel(String title, String yTitle, List<Row> rows) {
        List<Row> sorted = rows.stream().sorted((a, b) -> Integer.compare(backendOrder(a.backend()),
                backendOrder(b.backend()))).toList();
        Map<String, Double> offScale = offScale(sorted);
        return new Panel(title, yTitle,
                sorted.stream().filter(r -> !offScale.containsKey(r.backend())).toList(), offScale);
    }

    /**
     * The backends a linear scale cannot show beside FFM: those more than {@link #OFF_SCALE} times
     * FFM's time, each with its ratio. Without FFM, none.
     */
    static Map<String, Double> offScale(List<Row> rows) {
        Map<String, Double> off = new LinkedHashMap<>();
        rows.stream().filter(r -> r.backend().equals(REFERENCE)).findFirst().ifPresent(ffm -> {
            for (Row r : rows) {
                if (r.ratioTo(ffm) > OFF_SCALE) {
                    off.put(r.backend(), r.ratioTo(ffm));
                }
            }
        });
        return off;
    }

    static final int WIDTH = 1560;
    static final int PANEL_HEIGHT = 340;
    /** Room for the title, two lines of text and two of legend. */
    static final int HEADER = 134;
    static final int HEADING = 34;

    /**
     * Small multiples: every measurement in a panel of its own, on its own linear scale, a group's
     * panels under its heading, one legend for all (a backend has the same colour everywhere).
     */
    static void chart(List<Row> rows, boolean quick, Path png) throws IOException {
        List<Group> groups = groups(rows);
        if (groups.isEmpty()) {
            return;
        }
        int height = HEADER;
        for (Group group : groups) {
            height += HEADING + (group.panels().size() + group.columns() - 1) / group.columns() * PANEL_HEIGHT;
        }
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString("person-wasm: time per operation on each backend, lower is better"
                + (quick ? " — QUICK smoke run, not for comparison" : ""), 14, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString("Bar: JMH's score; whisker: its 99.9% confidence interval. Each panel has its own linear scale, from "
                + "0; a backend over " + PairedReport.target(OFF_SCALE) + "× FFM's time would flatten the rest, so it is named under "
                + "the panel instead. Every number is in latest.md.", 14, 50);
        Row any = rows.get(0);
        g.drawString("JDK " + any.jdk() + ", " + cpu() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores visible, " + LocalDate.now(ZoneOffset.UTC) + ". Single runs minutes apart: the ratios to "
                + "quote are the paired suite's (paired.md).", 14, 68);
        Set<String> drawn = new LinkedHashSet<>();
        groups.forEach(gr -> gr.panels().forEach(p -> p.bars().forEach(r -> drawn.add(r.backend()))));
        int x = 14;
        int legendY = 82;
        for (String backend : drawn.stream().sorted((a, b) -> Integer.compare(backendOrder(a), backendOrder(b))).toList()) {
            String label = backend + " (" + SHORT_NAMES.getOrDefault(backend, backend) + ")";
            int w = 22 + g.getFontMetrics().stringWidth(label) + 20;
            if (x + w > WIDTH) {
                x = 14;
                legendY += 22;
            }
            g.setColor(colour(backend));
            g.fillRect(x, legendY, 16, 16);
            g.setColor(Color.DARK_GRAY);
            g.drawRect(x, legendY, 16, 16);
            g.setColor(Color.BLACK);
            g.drawString(label, x + 22, legendY + 13);
            x += w;
        }
        int y = HEADER;
        for (Group group : groups) {
            g.setColor(new Color(0xF2, 0xF2, 0xF2));
            g.fillRect(0, y, WIDTH, HEADING - 4);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.drawString(group.heading(), 14, y + 21);
            y += HEADING;
            int width = WIDTH / group.columns();
            for (int i = 0; i < group.panels().size(); i++) {
                BufferedImage tile = BitmapEncoder.getBufferedImage(chart(group.panels().get(i), width));
                g.drawImage(tile, (i % group.columns()) * width, y + (i / group.columns()) * PANEL_HEIGHT, null);
            }
            y += (group.panels().size() + group.columns() - 1) / group.columns() * PANEL_HEIGHT;
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    /**
     * One panel: a category per backend, each bar its own series so that it has its backend's
     * colour (overlapped, the other categories empty), with JMH's error as the whisker.
     */
    private static CategoryChart chart(Panel p, int width) {
        String note = p.offScale().isEmpty() ? "" : "not drawn: " + p.offScale().entrySet().stream()
                .map(e -> SHORT_NAMES.getOrDefault(e.getKey(), e.getKey()) + " " + fmt(e.getValue()) + "× FFM")
                .collect(Collectors.joining(", "));
        CategoryChart chart = new CategoryChartBuilder().width(width).height(PANEL_HEIGHT).title(p.title())
                .yAxisTitle(p.yTitle()).xAxisTitle(note).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setXAxisTitleVisible(!note.isEmpty());
        chart.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        chart.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.ITALIC, 12));
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBorderVisible(false);
        chart.getStyler().setPlotGridLinesColor(new Color(0xDD, 0xDD, 0xDD));
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setErrorBarsColor(new Color(0x22, 0x22, 0x22));
        chart.getStyler().setErrorBarsColorSeriesColor(false);
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setAvailableSpaceFill(0.7);
        chart.getStyler().setYAxisMin(0.0);
        // The scale is the bars', not the whiskers': one wide interval would flatten every bar.
        double top = p.bars().stream().mapToDouble(Row::score).max().orElse(1);
        double axisMax = PairedReport.niceCeiling(top * 1.15);
        chart.getStyler().setYAxisMax(axisMax);
        // Narrow bars: the backends' names slanted, so that they do not run into each other.
        if (width / Math.max(1, p.bars().size()) < 75) {
            chart.getStyler().setXAxisLabelRotation(30);
        }
        chart.getStyler().setYAxisDecimalPattern(top < 1 ? "0.00" : top < 10 ? "0.0" : "#,##0");
        List<String> categories = p.bars().stream().map(r -> SHORT_NAMES.getOrDefault(r.backend(), r.backend())).toList();
        for (Row bar : p.bars()) {
            List<Double> values = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            for (Row r : p.bars()) {
                values.add(r == bar ? r.score() : Double.NaN);
                // XChart's whiskers are symmetric: one that would cross 0 or the top of the scale is
                // clipped to both, evenly (the table has the full interval).
                errors.add(r == bar && !Double.isNaN(r.error())
                        ? Math.min(r.error(), Math.min(r.score(), axisMax - r.score())) : 0.0);
            }
            CategorySeries s = chart.addSeries(bar.backend(), categories, values, errors);
            s.setFillColor(colour(bar.backend()));
        }
        return chart;
    }

    private static Color colour(String backend) {
        return BACKEND_COLOURS.getOrDefault(backend, Palette.GREY);
    }

    /** "ns" for JMH's "ns/op", "µs" for "us/op". */
    static String unitName(String unit) {
        String u = unit.substring(0, unit.indexOf('/') < 0 ? unit.length() : unit.indexOf('/'));
        return u.equals("us") ? "µs" : u;
    }

    /** 8 B, 1 KiB, 64 KiB, 1 MiB. */
    static String bytes(long n) {
        if (n >= 1 << 20 && n % (1 << 20) == 0) return (n >> 20) + " MiB";
        if (n >= 1 << 10 && n % (1 << 10) == 0) return (n >> 10) + " KiB";
        return n + " B";
    }

    // --- JMH's results ---

    /** "2 forks × 5 × 1 s after 3 × 1 s of warm-up", from the parameters JMH ran with. */
    static String settings(BenchmarkParams p) {
        int forks = p.getForks();
        int warmups = p.getWarmup().getCount();
        int measurements = p.getMeasurement().getCount();
        String s = forks + (forks == 1 ? " fork" : " forks") + " × " + measurements
                + (p.getMode() == Mode.SingleShotTime ? " shot" : " × " + p.getMeasurement().getTime());
        return warmups == 0 ? s + ", no warm-up" : s + " after " + warmups + " × " + p.getWarmup().getTime() + " of warm-up";
    }

    /** A number in the Go program's JSON lines; absent is NaN. */
    private static Double number(Object o) {
        if (o instanceof Double d) return d;
        if (o instanceof String s) return Double.valueOf(s);
        return Double.NaN;
    }

    /** The small subset of JSON that the Go program ({@code make bench-go}) writes: objects, arrays, strings, numbers, literals. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = Objects.requireNonNull(s);
        }

        Object value() {
            skip();
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<String, Object> map = new LinkedHashMap<>();
                    skip();
                    if (s.charAt(i) == '}') { i++; return map; }
                    while (true) {
                        skip();
                        String key = string();
                        skip();
                        expect(':');
                        map.put(key, value());
                        skip();
                        if (s.charAt(i++) == '}') return map;
                    }
                }
                case '[': {
                    i++;
                    List<Object> list = new ArrayList<>();
                    skip();
                    if (s.charAt(i) == ']') { i++; return list; }
                    while (true) {
                        list.add(value());
                        skip();
                        if (s.charAt(i++) == ']') return list;
                    }
                }
                case '"':
                    return string();
                default: {
                    int start = i;
                    while (i < s.length() && ",}] \t\r\n".indexOf(s.charAt(i)) < 0) i++;
                    String word = s.substring(start, i);
                    return switch (word) {
                        case "true" -> Boolean.TRUE;
                        case "false" -> Boolean.FALSE;
                        case "null" -> null;
                        default -> Double.valueOf(word);
                    };
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') return sb.toString();
                if (c != '\\') { sb.append(c); continue; }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> { sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; }
                    default -> sb.append(e); // \" \\ \/
                }
            }
        }

        private void expect(char c) {
            if (s.charAt(i) != c) {
                throw new IllegalArgumentException("expected '" + c + "' at " + i + " in the Go program's JSON");
            }
            i++;
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }
    }
}
