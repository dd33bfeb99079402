package io.github.rustjava.person.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.bench.PairedStats.Score;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The members of a round that are not JMH forks: the Go program's line, and whole processes timed from outside. */
class PairedExternalTest {

    /** What `personbench-dynamic` prints, as it printed it. */
    private static final String GO_LINE = "{\"backend\":\"go-cgo\",\"go_version\":\"go1.19.8\",\"goos_goarch\":\"linux/amd64\","
            + "\"link\":\"dynamic\",\"live_allocations_warm\":0,\"round_trip\":\"create_person(\\\"Alice\\\", 30) -> "
            + "get_person_details -> read name, age -> free_person x2\",\"warm_batch_round_trips\":200000,"
            + "\"warm_batches\":21,\"warm_ns_per_round_trip\":279.912105,\"warm_ns_per_round_trip_max\":284.078465,"
            + "\"warm_ns_per_round_trip_min\":278.112265,\"warmup_round_trips\":200000}\n";

    @Test
    void theGoProgramsScoreIsItsMedianBatchPerRoundTrip() {
        Score s = External.parseGo(GO_LINE, "dynamic");
        assertEquals(279.912105, s.value(), 1e-9);
        assertEquals("ns/op", s.unit(), "the unit of the JMH side, so that T6 divides like the others");
        assertEquals((284.078465 - 278.112265) / 2, s.error(), 1e-9, "half the batches' range");
        assertEquals("go1.19.8", s.jdkVersion());
        assertEquals("go-cgo, dynamic link", s.vm());
        assertEquals(0, s.samples().length);
    }

    @Test
    void onlyItsLastJsonLineCountsAndItMustBeTheLinkAskedFor() {
        Score s = External.parseGo("building...\n{\"link\":\"dynamic\",\"warm_ns_per_round_trip\":1}\n" + GO_LINE, "dynamic");
        assertEquals("create_person(\\\"Alice\\\", 30) -> get_person_details -> read name, age -> free_person x2",
                External.field(GO_LINE, "round_trip"), "a string field, escapes and all");
        assertEquals(279.912105, s.value(), 1e-9);
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> External.parseGo(GO_LINE, "static"));
        assertTrue(wrong.getMessage().contains("says dynamic"), wrong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> External.parseGo("personbench: leak\n", "dynamic"));
        assertThrows(IllegalArgumentException.class,
                () -> External.parseGo("{\"link\":\"dynamic\",\"first_round_trip_ns\":6455}", "dynamic"),
                "a line without the warm figure (the cold run's) is refused");
        assertThrows(IllegalArgumentException.class,
                () -> External.parseGo("{\"link\":\"dynamic\",\"warm_ns_per_round_trip\":0}", "dynamic"));
    }

    @Test
    void aProcessMembersScoreIsTheMedianOfItsRunsAndKeepsThemAll() {
        double[] millis = {612, 598, 640, 605, 1250};
        Score s = External.processScore(millis, "25.0.3", "java 25.0.3+9");
        assertEquals(612, s.value(), 1e-12, "the median: one slow process does not move it");
        assertEquals("ms/process", s.unit());
        assertEquals((1250 - 598) / 2.0, s.error(), 1e-12);
        assertArrayEquals(millis, s.samples(), "every run, in the order run");
        millis[0] = 0;
        assertEquals(612, s.samples()[0], "the score keeps its own copy");
    }

    @Test
    void hyperfinesCsvGivesEachCommandsTimeInMilliseconds() {
        List<double[]> rows = External.hyperfineCsv(List.of("command,mean,stddev,median,user,system,min,max",
                "java -jar hello.jar,0.048573721,0,0.048573721,0.028180999999999998,0.028405999999999997,0.0485,0.0485",
                "java -Da=b,c -jar cli.jar,0.2069606,0,0.2069606,0.4,0.05,0.2069606,0.2069606"));
        assertArrayEquals(new double[] {48.573721, 28.181, 28.406}, rows.get(0), 1e-6);
        assertArrayEquals(new double[] {206.9606, 400, 50}, rows.get(1), 1e-6, "a comma in the command");
        assertThrows(IllegalArgumentException.class, () -> External.hyperfineCsv(List.of("a,b", "1,2")));
        assertEquals("java -jar '/my dir/cli.jar' 'it'\\''s'",
                External.shellWords(List.of("java", "-jar", "/my dir/cli.jar", "it's")));
        assertEquals("/usr/bin/java -XX:AOTCache=/w/c.aot -jar /w/h.jar",
                External.shellWords(List.of("/usr/bin/java", "-XX:AOTCache=/w/c.aot", "-jar", "/w/h.jar")));
    }

    @Test
    void hyperfineTimesTwoCommandsAlternately(@TempDir Path dir) throws Exception {
        Path hyperfine = Path.of("/usr/bin/hyperfine");
        Assumptions.assumeTrue(Files.isExecutable(hyperfine), "hyperfine is not installed");
        Path log = Files.createFile(dir.resolve("members.log"));
        double[][] ms = External.alternate(hyperfine, List.of("sleep", "0.05"), List.of("true"), 3, dir, log);
        assertEquals(3, ms[0].length);
        assertTrue(Arrays.stream(ms[0]).allMatch(t -> t >= 50 && t < 5_000), Arrays.toString(ms[0]));
        assertTrue(Arrays.stream(ms[1]).allMatch(t -> t > 0 && t < 50), Arrays.toString(ms[1]));
        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> External.alternate(hyperfine, List.of("false"), List.of("true"), 1, dir, log));
        assertTrue(failed.getMessage().contains("hyperfine exited with status"), failed.getMessage());
    }

    @Test
    void aJdksVersionComesFromItsReleaseFile() {
        String[] v = External.releaseVersion(List.of("IMPLEMENTOR=\"Debian\"",
                "JAVA_RUNTIME_VERSION=\"17.0.15+6-Debian-1deb12u1\"", "JAVA_VERSION=\"17.0.15\""));
        assertArrayEquals(new String[] {"17.0.15", "17.0.15+6-Debian-1deb12u1"}, v);
        assertEquals(17, External.feature(v[0]));
        assertEquals(25, External.feature("25"));
        assertEquals(25, External.feature("25.0.1+8-LTS"));
        assertThrows(IllegalArgumentException.class, () -> External.releaseVersion(List.of("IMPLEMENTOR=x")));
    }
}
