package io.github.rustjava.person.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The report reads JMH's JSON as JMH writes it, and its derived columns are the right arithmetic. */
class ReportTest {

    private static String result(String benchmark, String mode, String params, double score, String error, String unit) {
        return """
                {
                    "jmhVersion" : "1.37",
                    "benchmark" : "io.github.rustjava.person.bench.%s",
                    "mode" : "%s",
                    "threads" : 1,
                    "forks" : 2,
                    "jdkVersion" : "25",
                    "vmName" : "OpenJDK 64-Bit Server VM",
                    "vmVersion" : "25+36",
                    "warmupIterations" : 3,
                    "warmupTime" : "1 s",
                    "measurementIterations" : 5,
                    "measurementTime" : "1 s",
                    "params" : { %s },
                    "primaryMetric" : {
                        "score" : %s,
                        "scoreError" : %s,
                        "scoreConfidence" : [ 1.0, 2.0 ],
                        "scoreUnit" : "%s",
                        "rawData" : [ [ 1.0, 2.0 ] ]
                    },
                    "secondaryMetrics" : { }
                }""".formatted(benchmark, mode, params, score, error, unit);
    }

    private static final String JSON = "[\n" + String.join(",\n",
            result("CallBench.roundTrip", "avgt", "\"backend\" : \"FFM\"", 300.0, "12.5", "ns/op"),
            result("CallBench.roundTrip", "avgt", "\"backend\" : \"JNI\"", 450.0, "\"NaN\"", "ns/op"),
            result("SharedBench.roundTrip", "thrpt", "\"backend\" : \"FFM\"", 2000.0, "1.0", "ops/ms"),
            result("SharedBench.roundTrip", "thrpt", "\"backend\" : \"JNI\"", 1000.0, "1.0", "ops/ms"),
            result("NameSizeBench.createDetailsRead", "avgt",
                    "\"backend\" : \"FFM\", \"size\" : \"1024\", \"charset\" : \"CJK\"", 2.048, "0.1", "us/op"))
            + "\n]\n";

    @Test
    void parsesJmhJsonIncludingNaNErrors() {
        List<Report.Row> rows = Report.parse(JSON);
        assertEquals(5, rows.size());
        Report.Row jni = rows.get(1);
        assertEquals("CallBench", jni.clazz());
        assertEquals("roundTrip", jni.method());
        assertEquals("JNI", jni.backend());
        assertEquals(450.0, jni.score());
        assertTrue(Double.isNaN(jni.error()));
        assertEquals("2 forks × 5 × 1 s after 3 × 1 s of warm-up", jni.settings());
    }

    @Test
    void ratiosAreTimeRelativeToFfmInEveryMode() {
        List<Report.Row> rows = Report.parse(JSON);
        assertEquals(1.5, rows.get(1).ratioTo(rows.get(0)), 1e-12, "450 ns against 300 ns");
        assertEquals(2.0, rows.get(3).ratioTo(rows.get(2)), 1e-12, "half the throughput is twice the time");
    }

    @Test
    void megabytesPerSecondIsNameBytesOverTime() {
        Report.Row sweep = Report.parse(JSON).get(4);
        assertEquals(500.0, Report.megabytesPerSecond(sweep), 1e-9, "1024 bytes in 2.048 µs");
    }

    @Test
    void markdownHasOneLinePerResultWithItsRatio() {
        String md = Report.markdown(Report.parse(JSON), false, List.of("calls.json"));
        assertTrue(md.contains("| roundTrip | JNI | 450 | – | ns/op | 1.50× |"), md);
        assertTrue(md.contains("| createDetailsRead | FFM | 1024 | CJK | 2.05 | 0.100 | us/op | 500 | 1.00× |"), md);
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
