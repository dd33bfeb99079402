package io.github.rustjava.person.bench;

import io.github.rustjava.person.bench.PairedStats.Row;
import io.github.rustjava.person.bench.PairedStats.Score;
import io.github.rustjava.person.bench.PairedStats.Spread;
import io.github.rustjava.person.bench.PairedStats.Verdict;
import io.github.rustjava.person.bench.PairedSuite.Group;
import io.github.rustjava.person.bench.PairedSuite.Jdk;
import io.github.rustjava.person.bench.PairedSuite.Kind;
import io.github.rustjava.person.bench.PairedSuite.Run;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.CategorySeries.CategorySeriesRenderStyle;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Writes the suite's outcome: {@code paired.md}, {@code paired.json} and {@code paired.png}. */
final class PairedReport {

    private PairedReport() {}

    /**
     * How long each member measures: a fork's warm-up and measurement, a cold start's fresh JVMs,
     * and how many times hyperfine runs each side of a whole-process pair.
     */
    record Settings(int warmupIterations, String warmupTime, int measurementIterations, String measurementTime,
            int coldForks, int processRuns) {
        String describe() {
            return "one JMH fork, average time per operation, " + warmupIterations + " × " + warmupTime
                    + " of warm-up, then " + measurementIterations + " × " + measurementTime + " measured";
        }
    }

    /** The machine and the invocation, as the report records them. */
    record Environment(String date, String command, String cpuModel, String cpuFlags, String kernel, int cores) {}

    /**
     * Everything the report shows.
     *
     * @param order every round's members in the order run, completed or not
     * @param scores each run's score per completed round, in round order
     * @param rows one per comparison
     * @param notes what a reader must know about this run beyond the numbers (skipped rows, an
     *     interrupted suite)
     * @param setup how the members that are not JMH forks ran, for the report's setup
     */
    record Outcome(boolean quick, int roundsPlanned, long seed, Settings settings, Environment environment,
            List<List<List<Run>>> order, Map<Run, List<Score>> scores, List<Row> rows, List<String> notes,
            List<String> setup) {

        int rounds() {
            return rows.isEmpty() ? 0 : rows.get(0).ratios().length;
        }

        /**
         * Each JDK's version as its JMH forks report it, e.g. {@code 25.0.3 (OpenJDK 64-Bit Server
         * VM 25.0.3+9-LTS)}, or as its release file says when only whole processes ran on it.
         */
        Map<Jdk, String> jdks() {
            Map<Jdk, String> jdks = new EnumMap<>(Jdk.class);
            for (Kind kind : List.of(Kind.JMH, Kind.COLD, Kind.PROCESS)) {
                scores.forEach((run, s) -> {
                    if (run.kind() == kind && !s.isEmpty()) {
                        jdks.putIfAbsent(run.jdk(), s.get(0).jdkVersion() + " (" + s.get(0).vm() + ")");
                    }
                });
            }
            return jdks;
        }

        /** The runs of one kind that have scores, sorted for a table. */
        List<Run> runs(java.util.function.Predicate<Run> which, Comparator<Run> order) {
            return scores.keySet().stream().filter(r -> which.test(r) && !scores.get(r).isEmpty()).sorted(order).toList();
        }
    }

    // --- markdown ---

    static String markdown(Outcome o) {
        StringBuilder md = new StringBuilder("# person-wasm: paired ratios\n\n");
        if (o.quick()) {
            md.append("> **QUICK smoke run**: ").append(o.rounds()).append(" rounds of very short iterations. It shows "
                    + "that the harness works end to end; the numbers are not for comparison. "
                    + "`make bench` makes real ones.\n\n");
        }
        for (String note : o.notes()) {
            md.append("> **Note**: ").append(note).append("\n\n");
        }
        md.append("Each row is a ratio of times, A ÷ B: below 1, A is faster. A **round** runs every member below "
                + "once, each in fresh processes of its own (a JMH fork, a cold start's JVMs, the seed's Go program, "
                + "or a pair of whole `java` processes timed by hyperfine), in a new random order; each ratio is "
                + "computed within a round, from that round's two scores. The tables give the median over ")
                .append(o.rounds()).append(" rounds and the range (min–max). A claim *held in every round* is safe "
                        + "to quote on this machine; one *held in the median* only can flip with its noise. Ratios "
                        + "vary by CPU, even among CPUs sold under one name: compare them with ratios measured on "
                        + "the same machine only.\n\n");
        md.append("Machine: ").append(o.environment().cpuModel()).append(", ").append(o.environment().cores())
                .append(" cores visible; ").append(o.jdks().entrySet().stream()
                        .map(e -> e.getKey().label + ": " + e.getValue()).collect(Collectors.joining("; ")))
                .append(". Setup in full at the end.\n\n");

        md.append("## Claims\n\n");
        for (Row r : o.rows()) {
            if (r.comparison().target().isPresent()) {
                md.append("- **").append(r.comparison().id()).append("** ").append(r.comparison().title())
                        .append(" ≤ ").append(target(r.comparison().target().getAsDouble())).append(": **")
                        .append(fmt(r.median())).append("** (").append(fmt(r.min())).append("–")
                        .append(fmt(r.max())).append("), ").append(r.verdict().text).append('\n');
            }
        }

        md.append("\n## Every ratio\n\nA and B: the median of each side's own score over the rounds (JMH's "
                + "average time per operation; a cold start's median shot; the Go program's own time per round trip; "
                + "a whole process's wall time).\n\n");
        table(md, List.of("id", "A ÷ B", "median", "min–max", "each round, in order", "A", "B", "target", "verdict"),
                o.rows().stream().map(r -> List.of(r.comparison().id(), r.comparison().title(),
                        "**" + fmt(r.median()) + "**", fmt(r.min()) + "–" + fmt(r.max()),
                        Arrays.stream(r.ratios()).mapToObj(PairedReport::fmt).collect(Collectors.joining(", ")),
                        fmt(r.numerator().median()) + " " + r.numerator().unit(),
                        fmt(r.denominator().median()) + " " + r.denominator().unit(),
                        r.comparison().target().isPresent()
                                ? "≤ " + target(r.comparison().target().getAsDouble()) : "–",
                        r.verdict() == Verdict.REFERENCE ? "–" : r.verdict().text)).toList());

        absolute(md, o, "Round trip per backend", "backend", "The seed's round trip, from the same rounds as the "
                + "ratios: each member's own time, median over the rounds and min–max. Lower is better. Absolute times say more "
                + "about this machine than the ratios do.", r -> ROUND_TRIPS.contains(r.benchmark()),
                Comparator.comparing((Run r) -> ROUND_TRIPS.indexOf(r.benchmark()))
                        .thenComparing(r -> backendOrder(r.backend())).thenComparing(Run::jdk),
                r -> switch (r.benchmark()) {
                    case "ScopeBench.roundTrip" -> r.backend() + ", in a scope";
                    case PairedSuite.GO_ROUND_TRIP -> "the seed's Go program (cgo), " + r.params().get("link") + " link";
                    default -> r.backend() + (r.jdk() == Jdk.JDK17 ? " on JDK 17" : "");
                }, null);
        absolute(md, o, "Names", "backend, name", "Create, details and read the name (it crosses three times), "
                + "for a name of the given UTF-8 size; MB/s is name bytes (10^6) per second of one such operation.",
                r -> r.benchmark().startsWith("NameSizeBench"),
                Comparator.comparing((Run r) -> r.params().get("charset"))
                        .thenComparing(r -> Integer.parseInt(r.params().get("size")))
                        .thenComparing(r -> backendOrder(r.backend())),
                r -> r.backend() + ", " + bytes(Integer.parseInt(r.params().get("size"))) + " "
                        + r.params().get("charset"),
                (r, s) -> fmt(Integer.parseInt(r.params().get("size")) / seconds(s.median(), s.unit()) / 1e6));
        absolute(md, o, "Cold start per backend", "backend", "Open an api and make one round trip, with nothing of "
                + "the library loaded before, one shot per fresh JVM (the JVM's own start is not included); the median shot of "
                + "each round, then the median and min–max over the rounds.", r -> r.kind() == Kind.COLD,
                Comparator.comparing((Run r) -> backendOrder(r.backend())), Run::backend, null);
        absolute(md, o, "Updating the module without a restart", "engine, load", "`ReloadBench.reload`: "
                + "`api.reload(path)` of the shipped module's bytes onto a running api, in a warm JVM, until the new module serves.",
                r -> r.benchmark().startsWith("ReloadBench"), Comparator.comparing(Run::id),
                r -> r.params().get("engine") + ", " + r.params().get("busyThreads") + " busy threads", null);

        List<Run> processes = o.runs(r -> r.kind() == Kind.PROCESS, Comparator.comparing(Run::jdk)
                .thenComparing(Run::cached).thenComparing(Run::benchmark));
        if (!processes.isEmpty()) {
            md.append("## Whole process\n\nWall time from start to exit (T7), timed by hyperfine, each round's "
                    + "score the median of its runs; here the median of those over the rounds, min–max, and every "
                    + "round's in the order run. Lower is better.\n\n");
            table(md, List.of("command", "JDK", "start-up cache", "median", "min–max", "each round"),
                    processes.stream().map(run -> {
                        Spread s = PairedStats.spread(o.scores().get(run));
                        return List.of(run.benchmark().equals(PairedSuite.CLI_DEMO)
                                        ? "`java -jar person-wasm-cli.jar` (the demo)" : "`java -jar hello.jar`",
                                run.jdk().number(), run.cached() ? run.params().get("cache") : "–",
                                fmt(s.median()) + " ms", fmt(s.min()) + "–" + fmt(s.max()),
                                o.scores().get(run).stream().map(x -> fmt(x.value())).collect(Collectors.joining(", ")));
                    }).toList());
        }

        Environment env = o.environment();
        md.append("## Setup\n\n- Date: ").append(env.date()).append("\n- Command: `").append(env.command())
                .append("`\n- Rounds: ").append(o.rounds());
        if (o.rounds() != o.roundsPlanned()) {
            md.append(" of ").append(o.roundsPlanned()).append(" planned");
        }
        md.append(", ").append(o.order().isEmpty() ? 0 : o.order().get(0).size())
                .append(" members each; order drawn with seed ").append(o.seed())
                .append(" (every round's order is in `paired.json`)\n- Each JMH run: ").append(o.settings().describe())
                .append('\n');
        o.setup().forEach(line -> md.append("- ").append(line).append('\n'));
        o.jdks().forEach((jdk, version) -> md.append("- ").append(jdk.label).append(": ").append(version).append('\n'));
        md.append("- CPU: ").append(env.cpuModel()).append(", ").append(env.cores()).append(" cores visible\n- Kernel: ")
                .append(env.kernel()).append("\n- CPU flags: `").append(env.cpuFlags()).append("`\n");
        return md.toString();
    }

    /**
     * A table of some runs' own medians and ranges over the rounds, with an optional column worked
     * out from the median (MB/s for the names).
     */
    private static void absolute(StringBuilder md, Outcome o, String title, String what, String text,
            java.util.function.Predicate<Run> which, Comparator<Run> order, Function<Run, String> label,
            BiFunction<Run, Spread, String> extra) {
        List<Run> runs = o.runs(which, order);
        if (runs.isEmpty()) {
            return;
        }
        md.append("## ").append(title).append("\n\n").append(text).append("\n\n");
        List<String> header = new ArrayList<>(List.of(what, "median", "min–max"));
        if (extra != null) {
            header.add("MB/s");
        }
        table(md, header, runs.stream().map(run -> {
            Spread s = PairedStats.spread(o.scores().get(run));
            List<String> row = new ArrayList<>(List.of(label.apply(run), fmt(s.median()) + " " + s.unit(),
                    fmt(s.min()) + "–" + fmt(s.max())));
            if (extra != null) {
                row.add(extra.apply(run, s));
            }
            return row;
        }).toList());
    }

    private static void table(StringBuilder md, List<String> header, List<List<String>> rows) {
        md.append("| ").append(String.join(" | ", header)).append(" |\n|")
                .append(header.stream().map(h -> h.matches("median|min–max|A|B|target|MB/s") ? "---:" : "---")
                        .collect(Collectors.joining("|"))).append("|\n");
        rows.forEach(r -> md.append("| ").append(String.join(" | ", r)).append(" |\n"));
        md.append('\n');
    }

    /** Three significant digits, without exponent notation for the ranges benchmarks produce. */
    static String fmt(double v) {
        double a = Math.abs(v);
        String f = Double.isNaN(v) || Double.isInfinite(v) ? "–" : a >= 100 ? "%,.0f" : a >= 10 ? "%.1f"
                : a >= 1 ? "%.2f" : a >= 0.01 ? "%.3f" : "%.2g";
        return f.equals("–") ? f : String.format(Locale.ROOT, f, v);
    }

    /** A target as the claim states it: 0.9, not 0.900. */
    static String target(double t) {
        return java.math.BigDecimal.valueOf(t).stripTrailingZeros().toPlainString();
    }

    private static String bytes(int n) {
        return n >= 1 << 20 ? (n >> 20) + " MiB" : n >= 1024 ? (n >> 10) + " KiB" : n + " B";
    }

    private static double seconds(double value, String unit) {
        return value * switch (unit) {
            case "ns/op" -> 1e-9;
            case "us/op" -> 1e-6;
            case "ms/op" -> 1e-3;
            default -> 1.0;
        };
    }

    /** The round trips the backend table shows, in its order. */
    private static final List<String> ROUND_TRIPS =
            List.of("CallBench.roundTrip", "ScopeBench.roundTrip", PairedSuite.GO_ROUND_TRIP);

    private static int backendOrder(String name) {
        try {
            return Backend.valueOf(name).ordinal();
        } catch (IllegalArgumentException e) {
            return Integer.MAX_VALUE;
        }
    }

    // --- JSON ---

    /**
     * The suite's own record of the run: every score of every round, so that another reading of
     * the same forks needs no rerun. Written here rather than by JMH, whose JSON knows no rounds.
     */
    static String json(Outcome o) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("forksPerRun", 1);
        settings.put("mode", "avgt");
        settings.put("warmupIterations", o.settings().warmupIterations());
        settings.put("warmupTime", o.settings().warmupTime());
        settings.put("measurementIterations", o.settings().measurementIterations());
        settings.put("measurementTime", o.settings().measurementTime());
        settings.put("coldForks", o.settings().coldForks());
        settings.put("processRuns", o.settings().processRuns());
        Map<String, Object> env = new LinkedHashMap<>();
        env.put("cpu", o.environment().cpuModel());
        env.put("cores", o.environment().cores());
        env.put("kernel", o.environment().kernel());
        env.put("cpuFlags", o.environment().cpuFlags());
        Map<String, Object> jdks = new LinkedHashMap<>();
        o.jdks().forEach((jdk, v) -> jdks.put(jdk.label, v));
        env.put("jdks", jdks);
        List<Object> runs = new ArrayList<>();
        o.scores().forEach((run, scores) -> {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("id", run.id());
            r.put("kind", run.kind().name());
            r.put("benchmark", run.kind() == Kind.JMH || run.kind() == Kind.COLD ? PairedSuite.PACKAGE + "."
                    + run.benchmark() : run.benchmark());
            r.put("params", run.params());
            r.put("jdk", run.jdk().label);
            r.put("unit", scores.isEmpty() ? "" : scores.get(0).unit());
            r.put("scores", scores.stream().map(Score::value).toList());
            r.put("errors", scores.stream().map(Score::error).toList());
            if (run.kind() == Kind.PROCESS || run.kind() == Kind.COLD) {
                // Every process's time or shot, per round: the score is their median.
                r.put("samples", scores.stream().map(s -> Arrays.stream(s.samples()).boxed().toList()).toList());
            }
            runs.add(r);
        });
        List<Object> rows = new ArrayList<>();
        for (Row r : o.rows()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", r.comparison().id());
            row.put("title", r.comparison().title());
            row.put("numerator", r.comparison().numerator().id());
            row.put("denominator", r.comparison().denominator().id());
            row.put("target", r.comparison().target().isPresent() ? r.comparison().target().getAsDouble() : null);
            row.put("ratios", Arrays.stream(r.ratios()).boxed().toList());
            row.put("median", r.median());
            row.put("min", r.min());
            row.put("max", r.max());
            row.put("verdict", r.verdict().name());
            row.put("numeratorMedian", r.numerator().median());
            row.put("denominatorMedian", r.denominator().median());
            row.put("unit", r.numerator().unit());
            rows.add(row);
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("format", "person-bench paired 2");
        j.put("quick", o.quick());
        j.put("date", o.environment().date());
        j.put("command", o.environment().command());
        j.put("roundsPlanned", o.roundsPlanned());
        j.put("rounds", o.rounds());
        j.put("seed", o.seed());
        j.put("notes", o.notes());
        j.put("setup", o.setup());
        j.put("settings", settings);
        j.put("environment", env);
        j.put("order", o.order().stream().map(round -> round.stream()
                .map(m -> m.stream().map(Run::id).collect(Collectors.joining(" + "))).toList()).toList());
        j.put("runs", runs);
        j.put("rows", rows);
        StringBuilder sb = new StringBuilder();
        write(sb, j, "");
        return sb.append('\n').toString();
    }

    /** Maps, lists, strings, numbers, booleans and null as indented JSON; NaN, which JSON lacks, as null. */
    static void write(StringBuilder sb, Object v, String indent) {
        if (v instanceof Map<?, ?> m) {
            String inner = indent + "  ";
            sb.append(m.isEmpty() ? "{" : "{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(inner);
                write(sb, e.getKey().toString(), inner);
                sb.append(": ");
                write(sb, e.getValue(), inner);
                sb.append(++i < m.size() ? ",\n" : "\n" + indent);
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            boolean flat = l.stream().noneMatch(x -> x instanceof Map || x instanceof List);
            String inner = indent + "  ";
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(flat ? (i > 0 ? ", " : "") : (i > 0 ? ",\n" : "\n") + inner);
                write(sb, l.get(i), inner);
            }
            sb.append(flat || l.isEmpty() ? "]" : "\n" + indent + "]");
        } else if (v instanceof String s) {
            sb.append('"');
            for (char c : s.toCharArray()) {
                sb.append(c == '"' || c == '\\' ? "\\" + c : c == '\n' ? "\\n" : c < 0x20
                        ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
            }
            sb.append('"');
        } else if (v instanceof Double d && !Double.isFinite(d)) {
            sb.append("null");
        } else {
            sb.append(v);
        }
    }

    // --- chart ---

    /**
     * Each verdict has its own colour of Okabe and Ito's palette, which readers with the common
     * colour-vision deficiencies can tell apart, and the legend names it.
     */
    private static final Map<Verdict, Color> VERDICT_COLOURS = Map.of(
            Verdict.EVERY_ROUND, new Color(0x009E73), // bluish green
            Verdict.MEDIAN_ONLY, new Color(0xE69F00), // orange
            Verdict.MISSED, new Color(0xD55E00), // vermillion
            Verdict.REFERENCE, new Color(0x56B4E9)); // sky blue

    private static final int PANEL_WIDTH = 760;
    private static final int PANEL_HEIGHT = 430;
    private static final int HEADER = 70;
    /** The share of its slot a bar fills. */
    private static final double BAR_FILL = 0.55;
    /** The legend's sample of a line, in pixels. */
    private static final int LEGEND_LINE = 28;

    /**
     * One panel per group, each with its own linear scale (the interpreter's ratio is tens, the
     * others near 1), tiled into one image under a header that says how to read them.
     */
    static void chart(Outcome o, Path png) throws IOException {
        Map<Group, List<Row>> groups = new LinkedHashMap<>();
        for (Group g : Group.values()) {
            List<Row> rows = o.rows().stream().filter(r -> r.comparison().group() == g).toList();
            if (!rows.isEmpty()) {
                groups.put(g, rows);
            }
        }
        int columns = groups.size() == 1 ? 1 : 2;
        int panelRows = (groups.size() + columns - 1) / columns;
        BufferedImage image = new BufferedImage(columns * PANEL_WIDTH, HEADER + panelRows * PANEL_HEIGHT,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        g.drawString("person-wasm: time ratios, A ÷ B, measured in pairs (lower is better)"
                + (o.quick() ? " — QUICK smoke run, not for comparison" : ""), 14, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        g.drawString("Bar: median of " + o.rounds() + " rounds (each side in a fresh process of its own, ratio within "
                + "the round); whisker: min–max over the rounds; dashed line: the claimed upper bound.", 14, 46);
        g.drawString(o.environment().cpuModel() + ", " + o.environment().cores() + " cores | forks on JDK "
                + o.jdks().values().stream().map(v -> v.replaceAll(" \\(.*", "")).collect(Collectors.joining(" and "))
                + " | " + o.environment().date(), 14, 63);
        int i = 0;
        for (Map.Entry<Group, List<Row>> e : groups.entrySet()) {
            CategoryChart chart = panel(e.getKey(), e.getValue());
            BufferedImage panel = BitmapEncoder.getBufferedImage(chart);
            g.drawImage(panel, (i % columns) * PANEL_WIDTH, HEADER + (i / columns) * PANEL_HEIGHT, null);
            i++;
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    static CategoryChart panel(Group group, List<Row> rows) {
        List<String> labels = rows.stream().map(r -> r.comparison().label()).toList();
        CategoryChart chart = new CategoryChartBuilder().width(PANEL_WIDTH).height(PANEL_HEIGHT)
                .title(group.title).yAxisTitle(group.yTitle + ", lower is better").xAxisTitle("").build();
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setAvailableSpaceFill(BAR_FILL);
        chart.getStyler().setLegendSeriesLineLength(LEGEND_LINE);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setLegendBorderColor(Color.LIGHT_GRAY);
        chart.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        chart.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        chart.getStyler().setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesColor(new Color(0xDD, 0xDD, 0xDD));
        chart.getStyler().setErrorBarsColor(Color.BLACK);
        chart.getStyler().setErrorBarsColorSeriesColor(false);
        chart.getStyler().setLabelsVisible(true);
        // At the foot of the bar, clear of the whisker, which is usually near the top.
        chart.getStyler().setLabelsPosition(0.06);
        chart.getStyler().setLabelsFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
        chart.getStyler().setLabelsFontColor(Color.BLACK);
        chart.getStyler().setYAxisMin(0.0);
        double top = rows.stream().mapToDouble(r -> Math.max(r.max(), r.comparison().target().orElse(0))).max()
                .orElse(1);
        // Room above the highest whisker or target for the legend.
        chart.getStyler().setYAxisMax(niceCeiling(Math.max(top, 1.0) * 1.45));
        // XChart formats the bars' labels as it formats the ticks. On a scale of tens the ticks are
        // whole numbers and need no decimals, but a label must keep them: 2.8 against a target of 3
        // must not read "3".
        chart.getStyler().setYAxisDecimalPattern("0.00");
        if (top >= 5) {
            chart.getStyler().setyAxisTickLabelsFormattingFunction(
                    v -> Math.abs(v - Math.rint(v)) < 1e-9 ? String.format(Locale.ROOT, "%.0f", v) : fmt(v));
        }

        // One bar series per verdict, so that the colour and the legend say it: bars of the other
        // verdicts are null in it, which the overlapped layout leaves empty.
        for (Verdict v : Verdict.values()) {
            if (rows.stream().noneMatch(r -> r.verdict() == v)) {
                continue;
            }
            List<Double> medians = rows.stream().map(r -> r.verdict() == v ? r.median() : null).toList();
            CategorySeries s = chart.addSeries(legend(v), labels, medians);
            s.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Bar);
            s.setFillColor(VERDICT_COLOURS.get(v));
        }
        // XChart draws symmetric error bars only: an invisible point halfway between min and max,
        // with half the range as its error, draws the whisker from min to max exactly.
        List<Double> mid = rows.stream().map(r -> (r.min() + r.max()) / 2).toList();
        List<Double> half = rows.stream().map(r -> (r.max() - r.min()) / 2).toList();
        CategorySeries whiskers = chart.addSeries("min–max over the rounds", labels, mid, half);
        whiskers.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Scatter);
        whiskers.setMarker(SeriesMarkers.NONE);
        whiskers.setShowInLegend(false);
        if (rows.stream().anyMatch(r -> r.comparison().target().isPresent())) {
            List<Double> targets = rows.stream()
                    .map(r -> r.comparison().target().isPresent() ? r.comparison().target().getAsDouble() : null)
                    .toList();
            // The marker spans the bar, too wide for the legend: a second series, drawn over the
            // first with a short marker, stands for it there.
            CategorySeries t = chart.addSeries("target", labels, targets);
            t.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Scatter);
            t.setMarker(new TargetLine(PANEL_WIDTH * 0.8 * BAR_FILL / rows.size() / 2));
            t.setMarkerColor(Color.BLACK);
            t.setShowInLegend(false);
            CategorySeries key = chart.addSeries("target: at most this", labels, targets);
            key.setChartCategorySeriesRenderStyle(CategorySeriesRenderStyle.Scatter);
            key.setMarker(new TargetLine(LEGEND_LINE / 2.0));
            key.setMarkerColor(Color.BLACK);
        }
        // Where A is as fast as B: the line the ratios near 1 are read against (on the interpreter's
        // scale of tens it would only cross the bar's label).
        if (top < 5) {
            chart.addAnnotation(new AnnotationLine(1.0, false, false));
            chart.getStyler().setAnnotationLineColor(new Color(0x55, 0x55, 0x55));
            chart.getStyler().setAnnotationLineStroke(new BasicStroke(1.2f));
        }
        return chart;
    }

    private static String legend(Verdict v) {
        return switch (v) {
            case EVERY_ROUND -> "target held in every round";
            case MEDIAN_ONLY -> "target held in the median only";
            case MISSED -> "target missed";
            case REFERENCE -> "no target (reference)";
        };
    }

    /** 1, 2 or 5 times a power of ten, at or above {@code v}: a top for the axis with round ticks. */
    static double niceCeiling(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v - 1e-12) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** A dashed horizontal line across the bar at the target, a mark no bar colour can hide. */
    static final class TargetLine extends Marker {
        private final double halfWidth;
        private static final BasicStroke DASHED = new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                10f, new float[] {7f, 4f}, 0f);

        TargetLine(double halfWidth) {
            this.halfWidth = halfWidth;
        }

        @Override
        public void paint(Graphics2D g, double x, double y, int markerSize) {
            java.awt.Stroke before = g.getStroke();
            g.setStroke(DASHED);
            g.draw(new Line2D.Double(x - halfWidth, y, x + halfWidth, y));
            g.setStroke(before);
        }
    }

    /** The ratios of a list of rows as text, for progress lines. */
    static String summary(List<Row> rows) {
        List<String> parts = new ArrayList<>();
        for (Row r : rows) {
            parts.add(r.comparison().id() + " " + fmt(r.median()) + " (" + fmt(r.min()) + "–" + fmt(r.max()) + ")"
                    + (r.verdict() == Verdict.REFERENCE ? "" : " " + r.verdict().text));
        }
        return String.join("\n", parts);
    }
}
