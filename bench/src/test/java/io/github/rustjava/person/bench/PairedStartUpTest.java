package io.github.rustjava.person.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.bench.PairedStats.Score;
import io.github.rustjava.person.bench.PairedSuite.Jdk;
import io.github.rustjava.person.bench.PairedSuite.Run;
import java.io.DataInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** T7's commands: the same command on both sides, with each JDK's own start-up cache. */
class PairedStartUpTest {

    private static final Path DIR = Path.of("/w");
    private static final Path CLI = Path.of("/r/cli.jar");
    private static final StartUp START_UP = new StartUp(DIR, CLI, Path.of("/usr/bin/hyperfine"),
            Map.of(Jdk.MAIN, Path.of("/jdk25/bin/java"), Jdk.JDK17, Path.of("/jdk17/bin/java")));

    @Test
    void eachSideRunsAsAJarWithNothingButItsCache() {
        assertEquals(List.of("/jdk25/bin/java", "-jar", "/r/cli.jar"),
                START_UP.command(PairedSuite.process(PairedSuite.CLI_DEMO, Jdk.MAIN, false)));
        assertEquals(List.of("/jdk25/bin/java", "-jar", "/w/hello.jar"),
                START_UP.command(PairedSuite.process(PairedSuite.HELLO, Jdk.MAIN, false)));
        assertEquals(List.of("/jdk25/bin/java", "-XX:AOTCache=/w/cli-25.aot", "-XX:AOTMode=on", "-jar", "/r/cli.jar"),
                START_UP.command(PairedSuite.process(PairedSuite.CLI_DEMO, Jdk.MAIN, true)));
        assertEquals(List.of("/jdk17/bin/java", "-XX:SharedArchiveFile=/w/hello-17.jsa", "-Xshare:on", "-jar",
                "/w/hello.jar"), START_UP.command(PairedSuite.process(PairedSuite.HELLO, Jdk.JDK17, true)));
        assertThrows(IllegalArgumentException.class,
                () -> START_UP.command(PairedSuite.run("CallBench.roundTrip", "FFM")));
    }

    @Test
    void theTrainingRunWritesTheCacheTheTimedRunsRequire() {
        assertEquals(List.of("-XX:ArchiveClassesAtExit=c.jsa"), StartUp.trainingOptions(Jdk.JDK17, Path.of("c.jsa")));
        assertEquals(List.of("-XX:AOTCacheOutput=c.aot"), StartUp.trainingOptions(Jdk.MAIN, Path.of("c.aot")));
        // -Xshare:on and AOTMode=on fail the process when the cache cannot be used, rather than
        // run it uncached and have it measured as cached.
        assertTrue(StartUp.cacheOptions(Jdk.JDK17, Path.of("c.jsa")).contains("-Xshare:on"));
        assertTrue(StartUp.cacheOptions(Jdk.MAIN, Path.of("c.aot")).contains("-XX:AOTMode=on"));
        assertEquals("AppCDS", StartUp.cacheName(Jdk.JDK17));
        assertEquals("AOT cache", StartUp.cacheName(Jdk.MAIN));
    }

    @Test
    void aPairIsTimedByHyperfineWithTheCliFirst(@TempDir Path dir) throws Exception {
        Path hyperfine = Path.of("/usr/bin/hyperfine");
        Assumptions.assumeTrue(Files.isExecutable(hyperfine), "hyperfine is not installed");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        StartUp.writeHelloJar(dir.resolve("hello.jar"));
        // The hello world on both sides: what is timed here is the plumbing, not a CLI.
        StartUp s = new StartUp(dir, dir.resolve("hello.jar"), hyperfine, Map.of(Jdk.MAIN, java));
        List<Run> pair = List.of(PairedSuite.process(PairedSuite.CLI_DEMO, Jdk.MAIN, false),
                PairedSuite.process(PairedSuite.HELLO, Jdk.MAIN, false));
        Path log = Files.createFile(dir.resolve("members.log"));
        Map<Run, Score> scores = s.time(pair, 2, log);
        assertEquals(pair, List.copyOf(scores.keySet()));
        for (Score score : scores.values()) {
            assertEquals(2, score.samples().length);
            assertTrue(score.value() > 5 && score.value() < 10_000, "ms: " + score.value());
            assertEquals(System.getProperty("java.specification.version"), score.jdkVersion().split("\\.")[0]);
        }
    }

    @Test
    void theReportShowsACommandWithoutThisMachinesPaths() {
        assertEquals(List.of("java", "-XX:AOTCacheOutput=cli-25.aot", "-jar", "person-wasm-cli.jar"),
                StartUp.display(List.of("/usr/lib/jvm/jdk-25/bin/java", "-XX:AOTCacheOutput=/w/startup/cli-25.aot",
                        "-jar", "/r/cli/target/person-wasm-cli.jar")));
        assertEquals(List.of("java", "-Xshare:on", "-jar", "hello.jar"),
                StartUp.display(List.of("java", "-Xshare:on", "-jar", "hello.jar")));
    }

    @Test
    void theHelloWorldIsARelease17JarThatPrintsOneLine(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("hello.jar");
        StartUp.writeHelloJar(jar);
        try (JarFile j = new JarFile(jar.toFile())) {
            assertEquals("Hello", j.getManifest().getMainAttributes().getValue("Main-Class"));
            try (DataInputStream in = new DataInputStream(j.getInputStream(j.getEntry("Hello.class")))) {
                in.readInt();
                in.readUnsignedShort();
                assertEquals(61, in.readUnsignedShort(), "release 17, so that JDK 17 runs it");
            }
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-jar", jar.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("Hello, world\n", out);
    }
}
