package io.github.rustjava.person.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.bench.PairedReport.Environment;
import io.github.rustjava.person.bench.PairedReport.Outcome;
import io.github.rustjava.person.bench.PairedStats.Score;
import io.github.rustjava.person.bench.PairedSuite.Comparison;
import io.github.rustjava.person.bench.PairedSuite.Jdk;
import io.github.rustjava.person.bench.PairedSuite.Kind;
import io.github.rustjava.person.bench.PairedSuite.Run;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the paired report says, from made-up rounds whose ratios are known. */
class PairedReportTest {

    private static final Environment ENV = new Environment("2026-01-02 03:04 UTC",
            "java -cp benchmarks.jar io.github.rustjava.person.bench.Paired --out x", "Some CPU 9000", "fpu sse2 avx2",
            "Linux 6.1.0 amd64", 2);

    /**
     * Three rounds. Every FFM run takes 100 (ns or µs), so each ratio is the other side's score
     * over 100; the JDK 17 run is 10% slower than the JDK 25 Wasm run of its round. The scope's
     * round trip over the Go program's (T6) is 0.4, 0.464, 0.483; the CLI over the hello world is
     * 6.0, 6.2, 6.4 without a cache (T7, missed), 2.5, 2.8, 3.2 with one (held in the median).
     */
    private static Outcome outcome(boolean quick) {
        List<Comparison> comparisons = PairedSuite.comparisons(PairedSuite.Peers.ALL);
        List<Run> runs = PairedSuite.runs(comparisons, PairedSuite.absoluteOnly());
        Map<String, double[]> byBackend = Map.of(
                "FFM", new double[] {100, 100, 100},
                "BUILD_TIME_COMPILER", new double[] {85, 95, 80}, // T1: 0.85, 0.95, 0.80 → held in the median
                "JNI", new double[] {130, 120, 125},
                "INTERPRETER", new double[] {2500, 2600, 2400}, // T4: held in every round
                "RUNTIME_COMPILER", new double[] {105, 106, 107},
                "JAVA", new double[] {20, 21, 22},
                "GRAALWASM", new double[] {170, 190, 160},
                "SERVICE", new double[] {40000, 41000, 42000},
                "SHARED_MEMORY", new double[] {3000, 3100, 3200},
                "?", new double[] {9, 9, 9});
        Map<Run, List<Score>> scores = new LinkedHashMap<>();
        for (Run run : runs) {
            List<Score> s = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                String jdk = run.jdk() == Jdk.JDK17 ? "17.0.15" : "25.0.3";
                double v;
                String unit = "ns/op";
                double[] samples = new double[0];
                if (run.kind() == Kind.GO) {
                    v = new double[] {300, 280, 290}[r] - (run.params().get("link").equals("static") ? 10 : 0);
                    jdk = "go1.19.8";
                } else if (run.kind() == Kind.PROCESS) {
                    boolean cached = run.cached();
                    boolean cli = run.benchmark().equals(PairedSuite.CLI_DEMO);
                    v = cli ? (cached ? new double[] {250, 280, 320}[r] : new double[] {600, 620, 640}[r])
                            : (cached ? 100 : 100);
                    unit = "ms/process";
                    samples = new double[] {v - 1, v, v + 5};
                } else if (run.benchmark().equals("ScopeBench.roundTrip")) {
                    v = run.backend().equals("FFM") ? 200 : new double[] {120, 130, 140}[r];
                } else if (run.backend().equals("TREEMAP")) {
                    v = new double[] {25, 26, 27}[r]; // kv-wasm's peer: Map.of takes ten entries at most
                } else {
                    v = byBackend.get(run.backend())[r];
                }
                if (run.benchmark().equals("BoundaryBench.rawRoundTrip") && run.backend().equals("BUILD_TIME_COMPILER")) {
                    v = 90; // T2: 0.9 in every round, above its 0.8 → missed
                }
                if (run.jdk() == Jdk.JDK17) {
                    v *= 1.1;
                }
                if (run.benchmark().startsWith("NameSizeBench")) {
                    unit = "us/op";
                }
                if (run.kind() == Kind.COLD || run.benchmark().startsWith("ReloadBench")) {
                    unit = "ms/op";
                    samples = new double[] {v, v + 1};
                }
                String vm = run.kind() == Kind.PROCESS ? "java " + jdk + "+6" : "OpenJDK 64-Bit Server VM " + jdk + "+1";
                s.add(new Score(v, 1.0, unit, jdk, vm, samples));
            }
            scores.put(run, s);
        }
        return new Outcome(quick, 3, 42L, quick ? Paired.QUICK : Paired.FULL, ENV,
                PairedStats.schedule(PairedSuite.members(runs), 3, new Random(42)), scores, PairedStats.rows(comparisons, scores), List.of(),
                List.of("Start-up caches made once, before the rounds, in 4.2 s: `java -XX:AOTCacheOutput=x.aot -jar x`"));
    }

    @Test
    void theClaimsSayWhetherEachTargetHeldInEveryRoundInTheMedianOrNot() {
        String md = PairedReport.markdown(outcome(false));
        assertTrue(md.contains("- **T1** Round trip, Wasm build-time compiler ÷ FFM ≤ 0.9: **0.850** (0.800–0.950), "
                + "held in the median, not in every round\n"), md);
        assertTrue(md.contains("- **T2** The crossing alone (rawRoundTrip: no handles, lock or checks), "
                + "Wasm build-time compiler ÷ FFM ≤ 0.8: **0.900** (0.900–0.900), missed: the median is above the target\n"), md);
        assertTrue(md.contains("- **T4** Round trip, Wasm in Chicory's interpreter ÷ FFM ≤ 40: **25.0** (24.0–26.0), "
                + "held in every round\n"), md);
        assertTrue(md.contains("- **T5** Round trip, Wasm build-time compiler: on JDK 17 ÷ on JDK 25 ≤ 1.2: **1.10** "
                + "(1.10–1.10), held in every round\n"), md);
        assertFalse(md.contains("- **jni**"), "reference rows are not claims");
        assertFalse(md.contains("QUICK"), md);
    }

    @Test
    void t6AndT7AreClaimsWithTheirVerdicts() {
        String md = PairedReport.markdown(outcome(false));
        assertTrue(md.contains("- **T6** Round trip in a scope, Wasm build-time compiler ÷ the seed's Go program (cgo, "
                + "libperson.so) ≤ 0.5: **0.464** (0.400–0.483), held in every round\n"), md);
        assertTrue(md.contains("- **T7-17** Whole process, java -jar the CLI's demo ÷ java -jar a hello world, on JDK 17 "
                + "≤ 3: **6.20** (6.00–6.40), missed: the median is above the target\n"), md);
        assertTrue(md.contains("- **T7-25-cache** Whole process, the CLI's demo ÷ a hello world, on JDK 25, each with "
                + "its own AOT cache ≤ 2: **2.80** (2.50–3.20), missed: the median is above the target\n"), md);
        assertFalse(md.contains("- **T7-25**"), "no target on a plain JDK 25: " + md);
        assertTrue(md.contains("| scope-api | Round trip, Wasm build-time compiler: in a scope ÷ on the api (what the "
                + "scope saves) | **1.41** | 1.37–1.75 | 1.41, 1.37, 1.75 | 130 ns/op | 85.0 ns/op | – | – |"), md);
        assertTrue(md.contains("| T6-static | "), md);
        assertTrue(md.contains("| T7-25 | Whole process, java -jar the CLI's demo ÷ java -jar a hello world, on JDK 25 "
                + "| **6.20** | 6.00–6.40 | 6.00, 6.20, 6.40 | 620 ms/process | 100 ms/process | – | – |"), md);
    }

    @Test
    void theGoProgramAndTheScopeJoinTheRoundTripTableAndTheProcessesHaveTheirs() {
        String md = PairedReport.markdown(outcome(false));
        assertTrue(md.contains("| BUILD_TIME_COMPILER, in a scope | 130 ns/op | 120–140 |"), md);
        assertTrue(md.contains("| the seed's Go program (cgo), dynamic link | 290 ns/op | 280–300 |"), md);
        assertTrue(md.indexOf("| FFM | 100 ns/op |") < md.indexOf("in a scope |")
                && md.indexOf("in a scope |") < md.indexOf("the seed's Go program (cgo), dynamic"), md);
        assertTrue(md.contains("## Whole process\n"), md);
        assertTrue(md.contains("| `java -jar person-wasm-cli.jar` (the demo) | 17 | AppCDS | 308 ms | 275–352 | "
                + "275, 308, 352 |"), md);
        assertTrue(md.contains("| `java -jar hello.jar` | 25 | – | 100 ms | 100–100 | 100, 100, 100 |"), md);
        assertTrue(md.contains("- Start-up caches made once, before the rounds, in 4.2 s: "), md);
    }

    @Test
    void namesColdStartsAndReloadsHaveTablesOfTheirOwn() {
        String md = PairedReport.markdown(outcome(false));
        assertTrue(md.contains("## Names\n"), md);
        assertTrue(md.contains("| FFM, 64 KiB ASCII | 100 us/op | 100–100 | 655 |"), md);
        assertTrue(md.contains("## Cold start per backend\n"), md);
        assertTrue(md.contains("| GRAALWASM | 170 ms/op | 160–190 |"), md);
        assertTrue(md.contains("## Updating the module without a restart\n"), md);
        assertTrue(md.contains("| INTERPRETER, 4 busy threads | 9.00 ms/op | 9.00–9.00 |"), md);
        assertTrue(md.contains("| RUNTIME_COMPILER, 0 busy threads | 9.00 ms/op | 9.00–9.00 |"), md);
        assertTrue(md.contains("| service | Round trip, the crate behind an HTTP/1.1 service on loopback ÷ FFM | **410** |"),
                md);
    }

    @Test
    void everyRowShowsEachRoundsRatioAndBothSidesAbsoluteMedians() {
        String md = PairedReport.markdown(outcome(false));
        assertTrue(md.contains("| T1 | Round trip, Wasm build-time compiler ÷ FFM | **0.850** | 0.800–0.950 | "
                + "0.850, 0.950, 0.800 | 85.0 ns/op | 100 ns/op | ≤ 0.9 | held in the median, not in every round |"), md);
        assertTrue(md.contains("| jni | Round trip, JNI ÷ FFM (the other native route, for reference) | **1.25** | "
                + "1.20–1.30 | 1.30, 1.20, 1.25 | 125 ns/op | 100 ns/op | – | – |"), md);
        assertTrue(md.contains("| names-64KiB | 64 KiB ASCII name, Wasm build-time compiler ÷ FFM | **0.850** | "
                + "0.800–0.950 | 0.850, 0.950, 0.800 | 85.0 us/op | 100 us/op | – | – |"), md);
        assertTrue(md.contains("| RUNTIME_COMPILER | 106 ns/op | 105–107 |"), md);
        assertTrue(md.contains("| BUILD_TIME_COMPILER on JDK 17 | 93.5 ns/op | 88.0–105 |"), md);
    }

    @Test
    void theSetupNamesBothJdksTheMachineTheCommandAndTheRounds() {
        String md = PairedReport.markdown(outcome(false));
        assertTrue(md.contains("- JDK 25: 25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+1)\n"), md);
        assertTrue(md.contains("- JDK 17: 17.0.15 (OpenJDK 64-Bit Server VM 17.0.15+1)\n"), md);
        assertTrue(md.contains("- CPU: Some CPU 9000, 2 cores visible\n"), md);
        assertTrue(md.contains("- CPU flags: `fpu sse2 avx2`\n"), md);
        assertTrue(md.contains("- Kernel: Linux 6.1.0 amd64\n"), md);
        assertTrue(md.contains("- Command: `java -cp benchmarks.jar io.github.rustjava.person.bench.Paired --out x`\n"), md);
        assertTrue(md.contains("- Rounds: 3, 45 members each; order drawn with seed 42"), md);
        assertTrue(md.contains("3 × 1 s of warm-up, then 5 × 1 s measured"), md);
        assertTrue(md.contains("even among CPUs sold under one name"), md);
    }

    @Test
    void aSmokeRunSaysSoAtTheTop() {
        String md = PairedReport.markdown(outcome(true));
        assertTrue(md.startsWith("# person-wasm: paired ratios\n\n> **QUICK smoke run**"), md);
    }

    @Test
    void theJsonHoldsEveryRound() {
        String json = PairedReport.json(outcome(false));
        assertTrue(json.startsWith("{\n  \"format\": \"person-bench paired 2\",\n  \"quick\": false,\n"), json);
        assertTrue(json.contains("\n  \"rounds\": 3,\n  \"seed\": 42,\n"), json);
        assertTrue(json.contains("\"id\": \"T1\",\n"), json);
        assertTrue(json.contains("\"ratios\": [0.85, 0.95, 0.8],\n"), json);
        assertTrue(json.contains("\"numerator\": \"CallBench.roundTrip[BUILD_TIME_COMPILER]@JDK 25\",\n"), json);
        assertTrue(json.contains("\"target\": null,"), "a reference row has no target: " + json);
        assertTrue(json.contains("\"jdks\": {\n      \"JDK 25\": \"25.0.3 (OpenJDK 64-Bit Server VM 25.0.3+1)\",\n"
                + "      \"JDK 17\": \"17.0.15 (OpenJDK 64-Bit Server VM 17.0.15+1)\"\n    }"),
                "the JMH forks' VM names, not the Go program's or a process's: " + json);
        assertTrue(json.contains("\"id\": \"GoProgram.roundTrip[dynamic]\",\n      \"kind\": \"GO\","), json);
        assertTrue(json.contains("\"scores\": [300.0, 280.0, 290.0],"), json);
        assertTrue(json.contains("\"samples\": [\n        [249.0, 250.0, 255.0],"), "every process's time: " + json);
        assertTrue(json.contains("Process.cliDemo[AOT cache]@JDK 25 + Process.helloWorld[AOT cache]@JDK 25"),
                "a pair is one member of the order: " + json);
        assertEquals(json.chars().filter(c -> c == '{').count(), json.chars().filter(c -> c == '}').count());
    }

    @Test
    void theJsonWriterEscapesWhatWouldBreakIt() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a\"b", "line\nbreak\\ and \u0001");
        m.put("nan", Double.NaN);
        m.put("empty", List.of());
        StringBuilder sb = new StringBuilder();
        PairedReport.write(sb, m, "");
        assertEquals("{\n  \"a\\\"b\": \"line\\nbreak\\\\ and \\u0001\",\n  \"nan\": null,\n  \"empty\": []\n}",
                sb.toString());
    }

    @Test
    void theChartHasAPanelPerGroupInTheVerdictsColours(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("paired.png");
        PairedReport.chart(outcome(false), png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(2 * 760, image.getWidth(), "two panels a row");
        assertEquals(70 + 5 * 430, image.getHeight(), "ten groups: five rows");
        assertTrue(contains(image, 0x009E73), "a bar held in every round (T4, T5, T6) is bluish green");
        assertTrue(contains(image, 0xE69F00), "a bar held in the median only (T1) is orange");
        assertTrue(contains(image, 0xD55E00), "a missed target (T2) is vermillion");
        assertTrue(contains(image, 0x56B4E9), "a reference row is sky blue");
        assertTrue(Files.size(png) > 10_000);
    }

    @Test
    void targetsReadAsTheyAreClaimed() {
        assertEquals("0.9", PairedReport.target(0.9));
        assertEquals("40", PairedReport.target(40));
        assertEquals("1.2", PairedReport.target(1.2));
        assertEquals(50.0, PairedReport.niceCeiling(41), 1e-9);
        assertEquals(1.5, PairedReport.niceCeiling(1.45), 1e-9);
    }

    private static boolean contains(BufferedImage image, int rgb) {
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
                    return true;
                }
            }
        }
        return false;
    }
}
