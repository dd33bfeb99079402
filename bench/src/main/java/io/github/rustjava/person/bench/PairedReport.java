package io.github.rustjava.person.bench;

import static io.github.rustjava.person.bench.Report.fmt;

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
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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

/** Writes the paired suite's outcome: {@code paired.md}, {@code paired.json} and {@code paired.png}. */
final class PairedReport {

    private PairedReport() {}

    /** How long each fork warms up and measures. */
    record Settings(int warmupIterations, String warmupTime, int measurementIterations, String measurementTime) {
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
     * @param order the order of every round run, completed or not
     * @param scores each run's score per completed round, in round order
     * @param rows one per comparison
     * @param notes what a reader must know about this run beyond the numbers (skipped rows, an
     *     interrupted suite)
     * @param setup how the members that are not JMH forks ran, for the report's setup
     */
    record Outcome(boolean quick, int roundsPlanned, long seed, Settings settings, Environment environment,
            List<List<Run>> order, Map<Run, List<Score>> scores, List<Row> rows, List<String> notes,
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
            for (Kind kind : List.of(Kind.JMH, Kind.PROCESS)) {
                scores.forEach((run, s) -> {
                    if (run.kind() == kind && !s.isEmpty()) {
                        jdks.putIfAbsent(run.jdk(), s.get(0).jdkVersion() + " (" + s.get(0).vm() + ")");
                    }
                });
            }
            return jdks;
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
                + "once, each in a fresh process of its own (a JMH fork, the seed's Go program, or a whole `java` "
                + "process timed from outside), in a new random order; each ratio is computed within a round, from "
                + "that round's two scores. The tables give the median over ")
                .append(o.rounds()).append(" rounds and the range (min–max). A claim *held in every round* is safe "
                        + "to quote on this machine; one *held in the median* only can flip with its noise. Ratios "
                        + "vary by CPU, even among CPUs sold under one name: compare them with ratios measured on "
                        + "the same machine only.\n\n");
        md.append("Machine: ").append(o.environment().cpuModel()).append(", ").append(o.environment().cores())
                .append(" cores visible; ").append(o.jdks().entrySet().stream()
                        .map(e -> e.getKey().label + " forks: " + e.getValue()).collect(Collectors.joining("; ")))
                .append(". Setup in full at the end.\n\n");

        md.append("## Claims\n\n");
        for (Row r : o.rows()) {
            if (r.comparison().target().isEmpty()) {
                continue;
            }
            md.append("- **").append(r.comparison().id()).append("** ").append(r.comparison().title())
                    .append(" ≤ ").append(target(r.comparison().target().getAsDouble())).append(": **")
                    .append(ratio(r.median())).append("** (").append(ratio(r.min())).append("–")
                    .append(ratio(r.max())).append("), ").append(r.verdict().text).append('\n');
        }
        md.append('\n');

        md.append("## Every ratio\n\n");
        md.append("A and B: the median of each side's own score over the rounds (JMH's average time per operation; "
                + "the Go program's own time per round trip; a whole process's wall time).\n\n");
        md.append("| id | A ÷ B | median | min–max | each round, in order | A | B | target | verdict |\n");
        md.append("|---|---|---:|---:|---|---:|---:|---:|---|\n");
        for (Row r : o.rows()) {
            md.append("| ").append(r.comparison().id())
                    .append(" | ").append(r.comparison().title())
                    .append(" | **").append(ratio(r.median())).append("**")
                    .append(" | ").append(ratio(r.min())).append("–").append(ratio(r.max()))
                    .append(" | ").append(Arrays.stream(r.ratios()).mapToObj(PairedReport::ratio)
                            .collect(Collectors.joining(", ")))
                    .append(" | ").append(absolute(r.numerator()))
                    .append(" | ").append(absolute(r.denominator()))
                    .append(" | ").append(r.comparison().target().isPresent()
                            ? "≤ " + target(r.comparison().target().getAsDouble()) : "–")
                    .append(" | ").append(r.verdict() == Verdict.REFERENCE ? "–" : r.verdict().text)
                    .append(" |\n");
        }
        md.append('\n');

        List<Run> roundTrips = o.scores().keySet().stream()
                .filter(run -> ROUND_TRIPS.contains(run.benchmark()) && !o.scores().get(run).isEmpty())
                .sorted((a, b) -> {
                    int c = Integer.compare(ROUND_TRIPS.indexOf(a.benchmark()), ROUND_TRIPS.indexOf(b.benchmark()));
                    if (c == 0) {
                        c = Integer.compare(backendOrder(a.backend()), backendOrder(b.backend()));
                    }
                    return c != 0 ? c : a.jdk().compareTo(b.jdk());
                })
                .toList();
        if (!roundTrips.isEmpty()) {
            md.append("## Round trip per backend\n\n");
            md.append("The seed's round trip, from the same rounds as the ratios: each member's own time, median "
                    + "over the rounds and min–max. Lower is better. Absolute times say more about this machine "
                    + "than the ratios do.\n\n");
            md.append("| backend | JDK | median | min–max |\n|---|---|---:|---:|\n");
            for (Run run : roundTrips) {
                Spread s = PairedStats.spread(o.scores().get(run));
                md.append("| ").append(roundTripLabel(run)).append(" | ")
                        .append(run.jdk() == Jdk.NONE ? "–" : run.jdk().number())
                        .append(" | ").append(fmt(s.median())).append(' ').append(s.unit())
                        .append(" | ").append(fmt(s.min())).append("–").append(fmt(s.max()))
                        .append(" |\n");
            }
            md.append('\n');
        }

        List<Run> processes = o.scores().keySet().stream()
                .filter(run -> run.kind() == Kind.PROCESS && !o.scores().get(run).isEmpty())
                .sorted((a, b) -> {
                    int c = a.jdk().compareTo(b.jdk());
                    if (c == 0) {
                        c = Boolean.compare(StartUp.cached(a), StartUp.cached(b));
                    }
                    return c != 0 ? c : a.benchmark().compareTo(b.benchmark());
                })
                .toList();
        if (!processes.isEmpty()) {
            md.append("## Whole process\n\n");
            md.append("Wall time from start to exit (T7), each round's score the median of its runs in a row; here "
                    + "the median of those over the rounds, min–max, and every round's in the order run. Lower is "
                    + "better.\n\n");
            md.append("| command | JDK | start-up cache | median | min–max | each round |\n|---|---|---|---:|---:|---|\n");
            for (Run run : processes) {
                List<Score> scores = o.scores().get(run);
                Spread s = PairedStats.spread(scores);
                md.append("| `java -jar ").append(run.benchmark().equals(PairedSuite.CLI_DEMO)
                                ? "person-wasm-cli.jar` (the demo)" : "hello.jar`")
                        .append(" | ").append(run.jdk().number())
                        .append(" | ").append(StartUp.cached(run) ? run.params().get("cache") : "–")
                        .append(" | ").append(fmt(s.median())).append(" ms")
                        .append(" | ").append(fmt(s.min())).append("–").append(fmt(s.max()))
                        .append(" | ").append(scores.stream().map(x -> fmt(x.value())).collect(Collectors.joining(", ")))
                        .append(" |\n");
            }
            md.append('\n');
        }

        Environment env = o.environment();
        md.append("## Setup\n\n");
        md.append("- Date: ").append(env.date()).append('\n');
        md.append("- Command: `").append(env.command()).append("`\n");
        md.append("- Rounds: ").append(o.rounds());
        if (o.rounds() != o.roundsPlanned()) {
            md.append(" of ").append(o.roundsPlanned()).append(" planned");
        }
        md.append(", ").append(o.order().isEmpty() ? 0 : o.order().get(0).size())
                .append(" members each; order drawn with seed ").append(o.seed())
                .append(" (every round's order is in `paired.json`)\n");
        md.append("- Each JMH run: ").append(o.settings().describe()).append('\n');
        for (String line : o.setup()) {
            md.append("- ").append(line).append('\n');
        }
        o.jdks().forEach((jdk, version) -> md.append("- ").append(jdk.label).append(" forks: ").append(version).append('\n'));
        md.append("- CPU: ").append(env.cpuModel()).append(", ").append(env.cores()).append(" cores visible\n");
        md.append("- Kernel: ").append(env.kernel()).append('\n');
        md.append("- CPU flags: `").append(env.cpuFlags()).append("`\n");
        return md.toString();
    }

    /** Three significant digits, so that 0.885 and 0.9 are not both "0.9". */
    static String ratio(double r) {
        return fmt(r);
    }

    /** A target as the claim states it: 0.9, not 0.900. */
    static String target(double t) {
        return java.math.BigDecimal.valueOf(t).stripTrailingZeros().toPlainString();
    }

    /** The round trips the backend table shows, in its order. */
    private static final List<String> ROUND_TRIPS =
            List.of("CallBench.roundTrip", "ScopeBench.roundTrip", PairedSuite.GO_ROUND_TRIP);

    private static String roundTripLabel(Run run) {
        return switch (run.benchmark()) {
            case "ScopeBench.roundTrip" -> run.backend() + ", in a scope";
            case PairedSuite.GO_ROUND_TRIP -> "the seed's Go program (cgo), " + run.params().get("link") + " link";
            default -> run.backend();
        };
    }

    private static String absolute(Spread s) {
        return fmt(s.median()) + " " + s.unit();
    }

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
        Json j = new Json();
        j.open('{');
        j.key("format").value("person-bench paired 1");
        j.key("quick").value(o.quick());
        j.key("date").value(o.environment().date());
        j.key("command").value(o.environment().command());
        j.key("roundsPlanned").value(o.roundsPlanned());
        j.key("rounds").value(o.rounds());
        j.key("seed").value(o.seed());
        j.key("notes").open('[');
        o.notes().forEach(j::value);
        j.close(']');
        j.key("setup").open('[');
        o.setup().forEach(j::value);
        j.close(']');
        j.key("settings").open('{');
        j.key("forksPerRun").value(1);
        j.key("mode").value("avgt");
        j.key("warmupIterations").value(o.settings().warmupIterations());
        j.key("warmupTime").value(o.settings().warmupTime());
        j.key("measurementIterations").value(o.settings().measurementIterations());
        j.key("measurementTime").value(o.settings().measurementTime());
        j.close('}');
        j.key("environment").open('{');
        j.key("cpu").value(o.environment().cpuModel());
        j.key("cores").value(o.environment().cores());
        j.key("kernel").value(o.environment().kernel());
        j.key("cpuFlags").value(o.environment().cpuFlags());
        j.key("jdks").open('{');
        o.jdks().forEach((jdk, v) -> j.key(jdk.label).value(v));
        j.close('}');
        j.close('}');
        j.key("order").open('[');
        for (List<Run> round : o.order()) {
            j.open('[');
            round.forEach(run -> j.value(run.id()));
            j.close(']');
        }
        j.close(']');
        j.key("runs").open('[');
        o.scores().forEach((run, scores) -> {
            j.open('{');
            j.key("id").value(run.id());
            j.key("kind").value(run.kind().name());
            j.key("benchmark").value(run.kind() == Kind.JMH ? PairedSuite.PACKAGE + "." + run.benchmark()
                    : run.benchmark());
            j.key("params").open('{');
            run.params().forEach((k, v) -> j.key(k).value(v));
            j.close('}');
            j.key("jdk").value(run.jdk().label);
            j.key("unit").value(scores.isEmpty() ? "" : scores.get(0).unit());
            j.key("scores").open('[');
            scores.forEach(s -> j.value(s.value()));
            j.close(']');
            j.key("errors").open('[');
            scores.forEach(s -> j.value(s.error()));
            j.close(']');
            if (run.kind() == Kind.PROCESS) {
                // Every process's time, per round: the score is their median.
                j.key("samples").open('[');
                for (Score s : scores) {
                    j.open('[');
                    for (double v : s.samples()) {
                        j.value(v);
                    }
                    j.close(']');
                }
                j.close(']');
            }
            j.close('}');
        });
        j.close(']');
        j.key("rows").open('[');
        for (Row r : o.rows()) {
            j.open('{');
            j.key("id").value(r.comparison().id());
            j.key("title").value(r.comparison().title());
            j.key("numerator").value(r.comparison().numerator().id());
            j.key("denominator").value(r.comparison().denominator().id());
            j.key("target");
            if (r.comparison().target().isPresent()) {
                j.value(r.comparison().target().getAsDouble());
            } else {
                j.nullValue();
            }
            j.key("ratios").open('[');
            for (double ratio : r.ratios()) {
                j.value(ratio);
            }
            j.close(']');
            j.key("median").value(r.median());
            j.key("min").value(r.min());
            j.key("max").value(r.max());
            j.key("verdict").value(r.verdict().name());
            j.key("numeratorMedian").value(r.numerator().median());
            j.key("denominatorMedian").value(r.denominator().median());
            j.key("unit").value(r.numerator().unit());
            j.close('}');
        }
        j.close(']');
        j.close('}');
        return j.toString();
    }

    /** Just enough of a JSON writer for {@link #json}: indented, numbers as Java prints them. */
    static final class Json {
        private final StringBuilder sb = new StringBuilder();
        private int depth;
        /** Whether the next value is the first of its object or array (no comma before it). */
        private boolean first = true;
        /** Whether a key was just written, so the value goes on its line. */
        private boolean afterKey;

        Json open(char bracket) {
            prefix();
            sb.append(bracket);
            depth++;
            first = true;
            return this;
        }

        Json close(char bracket) {
            depth--;
            if (!first) {
                newline();
            }
            sb.append(bracket);
            first = false;
            return this;
        }

        Json key(String key) {
            prefix();
            quote(key);
            sb.append(": ");
            afterKey = true;
            return this;
        }

        Json value(String s) {
            prefix();
            quote(s);
            return this;
        }

        Json value(boolean b) {
            prefix();
            sb.append(b);
            return this;
        }

        Json value(long n) {
            prefix();
            sb.append(n);
            return this;
        }

        /** JSON has no NaN: a score without an error interval (one sample) is null. */
        Json value(double d) {
            prefix();
            sb.append(Double.isFinite(d) ? Double.toString(d) : "null");
            return this;
        }

        Json nullValue() {
            prefix();
            sb.append("null");
            return this;
        }

        private void prefix() {
            if (afterKey) {
                afterKey = false;
                return;
            }
            if (depth > 0) {
                if (!first) {
                    sb.append(',');
                }
                newline();
            }
            first = false;
        }

        private void newline() {
            sb.append('\n').append("  ".repeat(depth));
        }

        private void quote(String s) {
            sb.append('"');
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        }

        @Override
        public String toString() {
            return sb + "\n";
        }
    }

    // --- chart ---

    /** Each verdict has its own colour of {@link Palette}, and the legend names it. */
    private static final Map<Verdict, Color> VERDICT_COLOURS = Map.of(
            Verdict.EVERY_ROUND, Palette.BLUISH_GREEN,
            Verdict.MEDIAN_ONLY, Palette.ORANGE,
            Verdict.MISSED, Palette.VERMILLION,
            Verdict.REFERENCE, Palette.SKY_BLUE);

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
                    v -> Math.abs(v - Math.rint(v)) < 1e-9 ? String.format(Locale.ROOT, "%.0f", v) : ratio(v));
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
            parts.add(r.comparison().id() + " " + ratio(r.median()) + " (" + ratio(r.min()) + "–" + ratio(r.max()) + ")"
                    + (r.verdict() == Verdict.REFERENCE ? "" : " " + r.verdict().text));
        }
        return String.join("\n", parts);
    }
}
