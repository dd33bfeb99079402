package io.github.rustjava.person.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Mode;

/** The absolute report reads JMH's results as its Runner returns them, and its derived columns are the right arithmetic. */
class ReportTest {

    private static Report.Row row(String benchmark, Mode mode, Map<String, String> params, TimeUnit unit,
            double... values) {
        return Report.Row.of(JmhResults.result(benchmark, mode, params, unit, "25.0.3", values));
    }

    private static final List<Report.Row> ROWS = List.of(
            row("CallBench.roundTrip", Mode.AverageTime, Map.of("backend", "FFM"), TimeUnit.NANOSECONDS, 290, 300, 310),
            row("CallBench.roundTrip", Mode.AverageTime, Map.of("backend", "JNI"), TimeUnit.NANOSECONDS, 450),
            row("SharedBench.roundTrip", Mode.Throughput, Map.of("backend", "FFM"), TimeUnit.MILLISECONDS, 2000),
            row("SharedBench.roundTrip", Mode.Throughput, Map.of("backend", "JNI"), TimeUnit.MILLISECONDS, 1000),
            row("NameSizeBench.createDetailsRead", Mode.AverageTime,
                    new LinkedHashMap<>(Map.of("backend", "FFM", "size", "1024", "charset", "CJK")),
                    TimeUnit.MICROSECONDS, 2.048));

    @Test
    void aRowIsWhatJmhMeasuredWithTheSettingsItRan() {
        Report.Row ffm = ROWS.get(0);
        assertEquals("CallBench", ffm.clazz());
        assertEquals("roundTrip", ffm.method());
        assertEquals("FFM", ffm.backend());
        assertEquals("avgt", ffm.mode());
        assertEquals(300.0, ffm.score(), 1e-9, "the mean of the iterations");
        assertEquals("ns/op", ffm.unit());
        assertEquals("25.0.3", ffm.jdk());
        assertEquals("OpenJDK 64-Bit Server VM 25.0.3+1-LTS", ffm.vm());
        assertEquals("2 forks × 3 × 1 s after 3 × 1 s of warm-up", ffm.settings());
        assertTrue(ffm.error() > 0, "three iterations have a confidence interval");
        assertTrue(Double.isNaN(ROWS.get(1).error()), "one iteration has none");
    }

    @Test
    void ratiosAreTimeRelativeToFfmInEveryMode() {
        assertEquals(1.5, ROWS.get(1).ratioTo(ROWS.get(0)), 1e-9, "450 ns against 300 ns");
        assertEquals(2.0, ROWS.get(3).ratioTo(ROWS.get(2)), 1e-9, "half the throughput is twice the time");
    }

    @Test
    void megabytesPerSecondIsNameBytesOverTime() {
        assertEquals(500.0, Report.megabytesPerSecond(ROWS.get(4)), 1e-6, "1024 bytes in 2.048 µs");
    }

    @Test
    void markdownHasOneLinePerResultWithItsRatio() {
        String md = Report.markdown(ROWS, false);
        assertTrue(md.contains("| roundTrip | JNI | 450 | – | ns/op | 1.50× |"), md);
        assertTrue(md.contains("| createDetailsRead | FFM | 1024 | CJK | 2.05 | – | us/op | 500 | 1.00× |"), md);
        assertTrue(md.contains("JMH mode `thrpt`, 2 forks × 1 × 1 s after 3 × 1 s of warm-up."), md);
    }

    /** The rows of a small absolute run: the calls, two name sizes, the cold start. */
    private static List<Report.Row> absoluteRun() {
        List<Report.Row> rows = new java.util.ArrayList<>();
        Map<String, double[]> calls = Map.of( // roundTrip, emptyCall
                "INTERPRETER", new double[] {6700, 64},
                "BUILD_TIME_COMPILER", new double[] {233, 11.3},
                "FFM", new double[] {263, 11.7},
                "JNI", new double[] {330, 18.8});
        calls.forEach((backend, v) -> {
            rows.add(row("CallBench.roundTrip", Mode.AverageTime, Map.of("backend", backend), TimeUnit.NANOSECONDS,
                    v[0] - 1, v[0] + 1));
            rows.add(row("CallBench.emptyCall", Mode.AverageTime, Map.of("backend", backend), TimeUnit.NANOSECONDS,
                    v[1], v[1]));
        });
        for (String backend : List.of("BUILD_TIME_COMPILER", "FFM")) {
            for (String size : List.of("65536", "1024")) {
                rows.add(row("NameSizeBench.createDetailsRead", Mode.AverageTime,
                        new LinkedHashMap<>(Map.of("backend", backend, "size", size, "charset", "ASCII")),
                        TimeUnit.MICROSECONDS, size.equals("1024") ? 0.8 : 29));
            }
            rows.add(row("ColdStartBench.firstResult", Mode.AverageTime, Map.of("backend", backend),
                    TimeUnit.MILLISECONDS, 66, 64));
        }
        return rows;
    }

    @Test
    void theChartHasAGroupPerKindOfMeasurementAndAPanelPerMeasurement() {
        List<Report.Group> groups = Report.groups(absoluteRun());
        assertEquals(3, groups.size(), "the calls, the names, the cold start");
        assertTrue(groups.get(0).heading().startsWith("Calls, one thread") && groups.get(0).heading().endsWith("lower is better"));
        assertTrue(groups.get(1).heading().startsWith("Names") && groups.get(1).heading().endsWith("lower is better"));
        assertTrue(groups.get(2).heading().startsWith("Cold start") && groups.get(2).heading().endsWith("lower is better"));

        List<Report.Panel> calls = groups.get(0).panels();
        assertEquals(List.of("roundTrip: the seed's program", "emptyCall: the fixed cost of a call"),
                calls.stream().map(Report.Panel::title).toList(), "the report's order of the calls");
        assertEquals("ns per call", calls.get(0).yTitle());
        assertEquals(List.of("BUILD_TIME_COMPILER", "FFM", "JNI"),
                calls.get(0).bars().stream().map(Report.Row::backend).toList(),
                "the backends in the enum's order, the interpreter left out");
        assertEquals(Map.of("INTERPRETER", 6700 / 263.0), calls.get(0).offScale(), "its ratio to FFM, named instead");
        assertEquals(List.of("INTERPRETER", "BUILD_TIME_COMPILER", "FFM", "JNI"),
                calls.get(1).bars().stream().map(Report.Row::backend).toList(),
                "5.5× FFM on the empty call: on the scale there");

        assertEquals(List.of("1 KiB ASCII name", "64 KiB ASCII name"),
                groups.get(1).panels().stream().map(Report.Panel::title).toList(), "sizes in numeric order");
        assertEquals("µs per operation", groups.get(1).panels().get(0).yTitle());
        assertEquals(2, groups.get(1).columns(), "a column per size");
        assertEquals(List.of("firstResult: open, first round trip, close"),
                groups.get(2).panels().stream().map(Report.Panel::title).toList());
    }

    @Test
    void offTheScaleIsOverEightTimesFfm() {
        Report.Row ffm = row("CallBench.roundTrip", Mode.AverageTime, Map.of("backend", "FFM"), TimeUnit.NANOSECONDS, 100);
        Report.Row eight = row("CallBench.roundTrip", Mode.AverageTime, Map.of("backend", "JNI"), TimeUnit.NANOSECONDS, 800);
        Report.Row nine = row("CallBench.roundTrip", Mode.AverageTime, Map.of("backend", "X"), TimeUnit.NANOSECONDS, 900);
        assertEquals(Map.of("X", 9.0), Report.offScale(List.of(ffm, eight, nine)));
        assertEquals(Map.of(), Report.offScale(List.of(eight, nine)), "without FFM nothing is judged off the scale");
    }

    @Test
    void theChartIsTiledUnderOneLegendInThePalettesColours(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("latest.png");
        Report.chart(absoluteRun(), true, png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(1560, image.getWidth());
        assertEquals(134 + 3 * 34 + 3 * 340, image.getHeight(),
                "three headings, and a row each: two calls of three columns, two name sizes, the cold start");
        assertTrue(contains(image, 0x0072B2), "the build-time compiler is blue");
        assertTrue(contains(image, 0xD55E00), "FFM is vermillion");
        assertTrue(contains(image, 0xE69F00), "JNI is orange");
        assertTrue(contains(image, 0xF0E442), "the interpreter, on the empty call's scale, is yellow");
    }

    @Test
    void sizesAndUnitsReadAsAPersonWritesThem() {
        assertEquals("8 B", Report.bytes(8));
        assertEquals("1 KiB", Report.bytes(1024));
        assertEquals("1 MiB", Report.bytes(1048576));
        assertEquals("1500 B", Report.bytes(1500));
        assertEquals("µs", Report.unitName("us/op"));
        assertEquals("ms", Report.unitName("ms/op"));
    }

    private static boolean contains(BufferedImage image, int rgb) {
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void aWarmOnlyLineHasNoColdFigure() {
        String md = Report.goSection(List.of("{\"link\":\"dynamic\",\"warm_ns_per_round_trip\":279.9,"
                + "\"warm_ns_per_round_trip_min\":278.1,\"warm_ns_per_round_trip_max\":284.1}"));
        assertTrue(md.contains("| dynamic | 280 ns [278–284] | – | – |"), md);
    }

    @Test
    void theGoReferenceRowsComeFromGoJsonLines() {
        String md = Report.goSection(List.of(
                "{\"link\":\"static\",\"cold_processes\":20,\"warm_ns_per_round_trip\":308.5,"
                        + "\"warm_ns_per_round_trip_min\":305.2,\"warm_ns_per_round_trip_max\":318.8,"
                        + "\"first_100_round_trips_ns\":54516.5,\"first_100_round_trips_ns_min\":45819,"
                        + "\"first_100_round_trips_ns_max\":92118}",
                "{\"link\":\"static\",\"process_ns_mean\":1601245,\"process_ns_stddev\":39528}",
                ""));
        assertTrue(
                md.contains("| static | 309 ns [305–319] | 54.5 µs [45.8–92.1], median of 20 | 1.60 ms ± 0.040 |"), md);
    }
}
