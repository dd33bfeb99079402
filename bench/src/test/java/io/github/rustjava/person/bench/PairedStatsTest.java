package io.github.rustjava.person.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.bench.PairedStats.Row;
import io.github.rustjava.person.bench.PairedStats.Score;
import io.github.rustjava.person.bench.PairedStats.Verdict;
import io.github.rustjava.person.bench.PairedSuite.Comparison;
import io.github.rustjava.person.bench.PairedSuite.Jdk;
import io.github.rustjava.person.bench.PairedSuite.Kind;
import io.github.rustjava.person.bench.PairedSuite.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.annotations.Mode;

/** The paired suite's arithmetic, on made-up scores: no JMH run, no native library. */
class PairedStatsTest {

    private static final Run WASM = PairedSuite.run("CallBench.roundTrip", "BUILD_TIME_COMPILER");
    private static final Run FFM = PairedSuite.run("CallBench.roundTrip", "FFM");

    private static List<Score> scores(double... nanos) {
        return java.util.Arrays.stream(nanos).mapToObj(v -> new Score(v, 1.0, "ns/op", "25.0.3", "vm")).toList();
    }

    private static Comparison comparison(OptionalDouble target) {
        return new Comparison("T1", PairedSuite.Group.CALLS, "Round trip", "T1", WASM, FFM, target);
    }

    @Test
    void theMedianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
        assertEquals(3.0, PairedStats.median(new double[] {5, 1, 3}));
        assertEquals(2.5, PairedStats.median(new double[] {4, 1, 3, 2}));
        assertEquals(7.0, PairedStats.median(new double[] {7}));
        double[] values = {3, 1, 2};
        PairedStats.median(values);
        assertArrayEquals(new double[] {3, 1, 2}, values, "the caller's array is left as it was");
        assertThrows(IllegalArgumentException.class, () -> PairedStats.median(new double[0]));
    }

    @Test
    void eachRatioIsTakenWithinItsRoundNotBetweenMedians() {
        // Round 2 ran on a slower machine for both sides: paired, it still says 1.0.
        Row row = PairedStats.row(comparison(OptionalDouble.empty()), scores(100, 400, 150), scores(200, 400, 100));
        assertArrayEquals(new double[] {0.5, 1.0, 1.5}, row.ratios(), 1e-12);
        assertEquals(1.0, row.median(), 1e-12);
        assertEquals(0.5, row.min(), 1e-12);
        assertEquals(1.5, row.max(), 1e-12);
        assertNotEquals(row.numerator().median() / row.denominator().median(), row.median(), 1e-6,
                "the ratio of the medians (150 / 200) is another, unpaired number");
        assertEquals(150.0, row.numerator().median());
        assertEquals(100.0, row.numerator().min());
        assertEquals(400.0, row.numerator().max());
        assertEquals(200.0, row.denominator().median());
        assertEquals("ns/op", row.numerator().unit());
    }

    @Test
    void theVerdictSaysWhetherTheTargetHeldInEveryRoundInTheMedianOrNot() {
        OptionalDouble target = OptionalDouble.of(0.9);
        assertEquals(Verdict.EVERY_ROUND, PairedStats.verdict(target, new double[] {0.8, 0.85, 0.9}),
                "a ratio equal to the target meets it");
        assertEquals(Verdict.MEDIAN_ONLY, PairedStats.verdict(target, new double[] {0.8, 0.85, 0.95}));
        assertEquals(Verdict.MISSED, PairedStats.verdict(target, new double[] {0.8, 0.95, 0.97}));
        assertEquals(Verdict.REFERENCE, PairedStats.verdict(OptionalDouble.empty(), new double[] {5, 6, 7}));
        assertEquals(Verdict.MEDIAN_ONLY,
                PairedStats.row(comparison(target), scores(80, 85, 95), scores(100, 100, 100)).verdict());
    }

    @Test
    void aRatioNeedsBothSidesOfEveryRoundInOneUnitOfTime() {
        Comparison c = comparison(OptionalDouble.empty());
        assertThrows(IllegalArgumentException.class, () -> PairedStats.row(c, scores(1, 2), scores(1)));
        List<Score> micros = List.of(new Score(1, 0, "us/op", "25", "vm"));
        assertThrows(IllegalArgumentException.class, () -> PairedStats.row(c, scores(1), micros));
        List<Score> throughput = List.of(new Score(1, 0, "ops/ns", "25", "vm"));
        assertThrows(IllegalArgumentException.class, () -> PairedStats.row(c, throughput, throughput),
                "a ratio of throughputs is the inverse of a ratio of times: refused rather than misread");
        List<Score> process = List.of(new Score(600, 0, "ms/process", "25", "vm"));
        List<Score> hello = List.of(new Score(120, 0, "ms/process", "25", "vm"));
        assertEquals(5.0, PairedStats.row(c, process, hello).median(), 1e-12, "whole processes divide too");
        List<Score> perOp = List.of(new Score(120, 0, "ms/op", "25", "vm"));
        assertThrows(IllegalArgumentException.class, () -> PairedStats.row(c, process, perOp),
                "a process's time and an operation's are not the same kind of time");
    }

    @Test
    void everyRoundRunsEveryMemberOnceInItsOwnRandomOrder() {
        List<List<Run>> members = PairedSuite.members(
                PairedSuite.runs(PairedSuite.comparisons(PairedSuite.Peers.ALL), PairedSuite.absoluteOnly()));
        List<List<List<Run>>> order = PairedStats.schedule(members, 20, new Random(42));
        assertEquals(20, order.size());
        Set<List<List<Run>>> distinct = new HashSet<>();
        Set<Integer> firstPositions = new HashSet<>();
        for (List<List<Run>> round : order) {
            assertEquals(Set.copyOf(members), Set.copyOf(round), "a permutation: every member, each once");
            distinct.add(round);
            firstPositions.add(round.indexOf(List.of(FFM)));
        }
        assertTrue(distinct.size() > 1, "rounds are shuffled independently");
        assertTrue(firstPositions.size() > 3, "FFM does not keep its place: " + firstPositions);
        assertEquals(order, PairedStats.schedule(members, 20, new Random(42)), "the seed reproduces the order");
    }

    @Test
    void theSuiteHoldsTheClaimedTargetsAndRunsEachBenchmarkOnceARound() {
        List<Comparison> all = PairedSuite.comparisons(PairedSuite.Peers.ALL);
        Map<String, Double> targets = all.stream().filter(c -> c.target().isPresent())
                .collect(Collectors.toMap(Comparison::id, c -> c.target().getAsDouble()));
        assertEquals(Map.of("T1", 0.9, "T2", 0.8, "T3", 1.0, "T4", 40.0, "T5", 1.2, "T6", 0.5,
                "T7-25-cache", 2.0, "T7-17", 3.0, "reload-busy-interpreter", 2.0, "reload-busy-compiler", 2.0), targets);
        Comparison t5 = all.stream().filter(c -> c.id().equals("T5")).findFirst().orElseThrow();
        assertEquals(Jdk.JDK17, t5.numerator().jdk());
        assertEquals(WASM, t5.denominator(), "the JDK 25 side is T1's own Wasm run");

        List<Run> runs = PairedSuite.runs(all, PairedSuite.absoluteOnly());
        assertEquals(Set.copyOf(runs).size(), runs.size());
        assertEquals(1, runs.stream().filter(FFM::equals).count(), "T1, T4 and JNI share FFM's round trip");
        assertEquals(34, runs.stream().filter(r -> r.kind() == Kind.JMH).count(), "forks: " + runs);
        assertEquals(5, runs.stream().filter(r -> r.kind() == Kind.COLD).count());
        assertEquals(2, runs.stream().filter(r -> r.kind() == Kind.GO).count());
        assertEquals(8, runs.stream().filter(r -> r.kind() == Kind.PROCESS).count());
        List<List<Run>> members = PairedSuite.members(runs);
        assertEquals(runs.size() - 4, members.size(), "the processes go in pairs");
        for (List<Run> m : members) {
            assertEquals(m.get(0).kind() == Kind.PROCESS ? 2 : 1, m.size(), m.toString());
        }
        assertEquals(List.of(PairedSuite.process(PairedSuite.CLI_DEMO, Jdk.JDK17, true),
                PairedSuite.process(PairedSuite.HELLO, Jdk.JDK17, true)),
                members.stream().filter(m -> m.contains(PairedSuite.process(PairedSuite.HELLO, Jdk.JDK17, true)))
                        .findFirst().orElseThrow(), "the CLI first, then its hello world, same JDK and cache");
    }

    @Test
    void t6IsTheScopesRoundTripOverTheSeedsGoProgramAndItsOtherViewsNeedNoGo() {
        Map<String, Comparison> byId = PairedSuite.comparisons(PairedSuite.Peers.ALL).stream()
                .collect(Collectors.toMap(Comparison::id, c -> c));
        Run scope = PairedSuite.run("ScopeBench.roundTrip", "BUILD_TIME_COMPILER");
        assertEquals(scope, byId.get("T6").numerator());
        assertEquals(PairedSuite.go("dynamic"), byId.get("T6").denominator(), "the seed's link: libperson.so");
        assertEquals(PairedSuite.go("static"), byId.get("T6-static").denominator());
        assertTrue(byId.get("T6-static").target().isEmpty());
        assertEquals(PairedSuite.run("ScopeBench.roundTrip", "FFM"), byId.get("scope").denominator());
        assertEquals(WASM, byId.get("scope-api").denominator(), "what the scope saves over the api's round trip");
        assertEquals(Jdk.NONE, PairedSuite.go("dynamic").jdk());
        assertEquals("GoProgram.roundTrip[dynamic]", PairedSuite.go("dynamic").id());

        List<String> withoutGo = PairedSuite.comparisons(new PairedSuite.Peers(true, false, true, true, true)).stream()
                .map(Comparison::id).toList();
        assertFalse(withoutGo.contains("T6") || withoutGo.contains("T6-static"), withoutGo.toString());
        assertTrue(withoutGo.containsAll(List.of("scope", "scope-api")), withoutGo.toString());
    }

    @Test
    void t7DividesTheCliByAHelloWorldOnTheSameJdkAndCache() {
        List<Comparison> t7 = PairedSuite.comparisons(PairedSuite.Peers.ALL).stream()
                .filter(c -> c.id().startsWith("T7")).toList();
        assertEquals(List.of("T7-25", "T7-25-cache", "T7-17", "T7-17-cache"), t7.stream().map(Comparison::id).toList());
        for (Comparison c : t7) {
            assertEquals(Kind.PROCESS, c.numerator().kind());
            assertEquals(PairedSuite.CLI_DEMO, c.numerator().benchmark());
            assertEquals(PairedSuite.HELLO, c.denominator().benchmark());
            assertEquals(c.numerator().jdk(), c.denominator().jdk(), c.id());
            assertEquals(c.numerator().params(), c.denominator().params(), "both sides get the same help: " + c.id());
        }
        assertEquals("AppCDS", t7.get(3).numerator().params().get("cache"));
        assertEquals("AOT cache", t7.get(1).numerator().params().get("cache"));
        assertEquals("java -jar person-wasm-cli.jar with AppCDS on JDK 17", t7.get(3).numerator().label());
        assertEquals("java -jar hello.jar on JDK 25", t7.get(0).denominator().label());

        List<String> ids = PairedSuite.comparisons(new PairedSuite.Peers(false, true, true, true, true)).stream()
                .map(Comparison::id).toList();
        assertTrue(ids.containsAll(List.of("T7-25", "T7-25-cache")) && !ids.contains("T7-17") && !ids.contains("T5"),
                "without a JDK 17, T5 and T7 on 17 are left out: " + ids);
        assertTrue(PairedSuite.comparisons(new PairedSuite.Peers(true, true, false, true, true)).stream()
                .noneMatch(c -> c.id().startsWith("T7")), "without the CLI's jar or hyperfine, no T7");
        List<String> bare = PairedSuite.comparisons(new PairedSuite.Peers(true, true, true, false, false)).stream()
                .map(Comparison::id).toList();
        assertTrue(bare.stream().noneMatch(id -> id.contains("graalwasm") || id.contains("service")
                || id.equals("shm")), "without GraalWasm's options or the routes' servers, none of theirs: " + bare);
    }

    @Test
    void onlyNamesAComparisonOrItsFamily() {
        List<Comparison> all = PairedSuite.comparisons(PairedSuite.Peers.ALL);
        assertEquals(List.of("T7-25", "T7-25-cache", "T7-17", "T7-17-cache"),
                all.stream().filter(c -> PairedSuite.named(c, List.of("T7"))).map(Comparison::id).toList());
        assertEquals(List.of("T1", "T7-17-cache"),
                all.stream().filter(c -> PairedSuite.named(c, List.of("T1", "T7-17-cache"))).map(Comparison::id).toList());
        assertEquals(List.of("T6", "T6-static"),
                all.stream().filter(c -> PairedSuite.named(c, Set.of("T6"))).map(Comparison::id).toList());
    }

    @Test
    void coldStartsAndRoutesCompareWithTheBuildTimeCompilerAndFfm() {
        Map<String, Comparison> byId = PairedSuite.comparisons(PairedSuite.Peers.ALL).stream()
                .collect(Collectors.toMap(Comparison::id, c -> c));
        assertEquals(PairedSuite.cold("BUILD_TIME_COMPILER"), byId.get("cold-interpreter").numerator());
        assertEquals(PairedSuite.cold("INTERPRETER"), byId.get("cold-interpreter").denominator());
        assertEquals(Kind.COLD, byId.get("cold-graalwasm").denominator().kind());
        assertEquals(PairedSuite.run("CallBench.roundTrip", "GRAALWASM"), byId.get("graalwasm").denominator());
        assertEquals(FFM, byId.get("service").denominator());
        assertEquals(PairedSuite.reload("RUNTIME_COMPILER", 4), byId.get("reload-busy-compiler").numerator());
        assertEquals(PairedSuite.reload("RUNTIME_COMPILER", 0), byId.get("reload-busy-compiler").denominator());
        assertEquals(2.0, byId.get("reload-busy-interpreter").target().getAsDouble());
        assertEquals(PairedSuite.run("KvBench.scan100", "TREEMAP"), byId.get("kv-scan").denominator());
    }

    @Test
    void aRunMatchesOneBenchmarkAndNamesItsParameters() {
        Run names = PairedSuite.names("FFM", 65536, "ASCII");
        assertTrue("io.github.rustjava.person.bench.NameSizeBench.createDetailsRead".matches(".*" + names.include()));
        assertTrue(java.util.regex.Pattern.compile(FFM.include())
                .matcher("io.github.rustjava.person.bench.CallBench.roundTrip").find());
        assertTrue(!java.util.regex.Pattern.compile(FFM.include())
                .matcher("io.github.rustjava.person.bench.ScopeBench.roundTrip").find());
        assertEquals("NameSizeBench.createDetailsRead FFM size=65536 charset=ASCII on JDK 25", names.label());
    }

    private static String json(Object value) {
        StringBuilder sb = new StringBuilder();
        PairedReport.write(sb, value, "");
        return sb.toString();
    }

    @Test
    void aScoreIsTheForksPrimaryResultAndItsJdk() {
        Score s = Score.of(JmhResults.result("CallBench.roundTrip", Mode.AverageTime, Map.of("backend", "FFM"),
                TimeUnit.NANOSECONDS, "17.0.15", 240, 260));
        assertEquals(250.0, s.value(), 1e-9);
        assertEquals("ns/op", s.unit());
        assertEquals("17.0.15", s.jdkVersion());
        assertEquals("OpenJDK 64-Bit Server VM 17.0.15+1-LTS", s.vm());
    }

    @Test
    void aColdStartsScoreIsItsMedianShotAndKeepsThemAll() {
        Score s = Score.ofShots(JmhResults.shots("ColdStartBench.firstResult", Map.of("backend", "FFM"), "25.0.3",
                120, 95, 400, 100, 110));
        assertEquals(110, s.value(), 1e-9, "one slow JVM does not move it");
        assertEquals("ms/op", s.unit());
        assertArrayEquals(new double[] {120, 95, 400, 100, 110}, s.samples(), 1e-9);
        assertEquals((400 - 95) / 2.0, s.error(), 1e-9);
    }

    @Test
    void aFullRunHasAtLeastFiveRoundsAndASmokeRunTwo() {
        assertEquals(5, Paired.Options.parse(new String[] {"--out", "x"}).rounds());
        assertEquals(7, Paired.Options.parse(new String[] {"--out", "x", "--rounds", "7"}).rounds());
        assertEquals(2, Paired.Options.parse(new String[] {"--out", "x", "--quick"}).rounds());
        assertThrows(IllegalArgumentException.class, () -> Paired.Options.parse(new String[] {"--out", "x", "--rounds", "3"}));
        assertThrows(IllegalArgumentException.class, () -> Paired.Options.parse(new String[] {"--rounds", "5"}));
        assertEquals(123L, Paired.Options.parse(new String[] {"--out", "x", "--seed", "123"}).seed());
    }

    @Test
    void thePeersAreOptionsAndAnEmptyOneIsNone() {
        Paired.Options o = Paired.Options.parse(new String[] {"--out", "out", "--go", "bench/go/build", "--cli-jar",
                "cli.jar", "--jdk17", "", "--hyperfine", "/usr/bin/hyperfine", "--graal-jvm-args", " -Da -Db "});
        assertEquals(Path.of("bench/go/build"), o.go());
        assertEquals(Path.of("cli.jar"), o.cliJar());
        assertEquals(Path.of("/usr/bin/hyperfine"), o.hyperfine());
        assertEquals(List.of("-Da", "-Db"), o.graalJvmArgs());
        assertEquals(null, Paired.Options.parse(new String[] {"--out", "o", "--graal-jvm-args", ""}).graalJvmArgs());
        assertEquals(null, o.jdk17(), "make passes JAVA17 empty when there is none");
        assertEquals(Path.of("out", "startup"), o.startupDir(), "the caches go under the output folder by default");
        assertEquals(Path.of("w"), Paired.Options.parse(new String[] {"--out", "o", "--startup-dir", "w"}).startupDir());
        assertEquals(null, Paired.Options.parse(new String[] {"--out", "o", "--go", ""}).go());
    }

    @Test
    void aSmokeRunRefusesTheFolderOfAFullRun(@TempDir Path dir) throws Exception {
        Paired.Options quick = Paired.Options.parse(new String[] {"--quick", "--out", dir.toString()});
        Paired.refuseToOverwriteFullResults(quick); // an empty folder is fine
        Files.writeString(dir.resolve("paired.json"), json(Map.of("quick", true)));
        Paired.refuseToOverwriteFullResults(quick); // so is an earlier smoke run's
        Files.writeString(dir.resolve("paired.json"), json(Map.of("quick", false)));
        assertThrows(IllegalArgumentException.class, () -> Paired.refuseToOverwriteFullResults(quick));
        Paired.refuseToOverwriteFullResults(Paired.Options.parse(new String[] {"--out", dir.toString()}));
    }
}
