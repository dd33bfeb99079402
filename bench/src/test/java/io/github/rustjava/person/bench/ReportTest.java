package io.github.rustjava.person.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
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
