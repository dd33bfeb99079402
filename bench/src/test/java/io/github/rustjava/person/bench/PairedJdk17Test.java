package io.github.rustjava.person.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * T5 forks a JDK 17 from the one benchmarks.jar: every class such a fork may load must be a
 * release-17 class file (major version 61), and only the packages that need a newer JDK may be
 * newer. A JDK 17 refuses a newer class file outright, in the middle of a run.
 */
class PairedJdk17Test {

    private static final int JAVA_17 = 61;

    @Test
    void theBenchmarksAndJmhsGeneratedCodeLoadOnJdk17() throws Exception {
        Map<String, Integer> versions = versions("io/github/rustjava/person/bench");
        assertTrue(versions.keySet().stream().anyMatch(c -> c.contains("jmh_generated/CallBench_roundTrip_jmhTest")),
                "JMH's generated code is among them: " + versions.size() + " classes");
        versions.forEach((c, v) -> assertTrue(v <= JAVA_17, c + " is version " + v));
        versions("io/github/rustjava/person/jni").forEach((c, v) -> assertTrue(v <= JAVA_17, c + " is version " + v));
    }

    @Test
    void onlyTheFfmPeerAndTheRoutesNeedANewerJdk() throws Exception {
        assertTrue(versions("io/github/rustjava/person/ffm").values().stream().allMatch(v -> v > JAVA_17));
        assertTrue(versions("io/github/rustjava/person/routes").values().stream().allMatch(v -> v > JAVA_17));
    }

    @Test
    void theLibraryTheForkRunsIsARelease17Jar() throws IOException {
        for (Class<?> c : List.of(io.github.rustjava.person.PersonApi.class,
                io.github.rustjava.person.internal.ChicoryGuest.class)) {
            try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
                assertEquals(JAVA_17, major(in), c.getName());
            }
        }
    }

    /** The class-file major version of every class under a package of this module's output. */
    private static Map<String, Integer> versions(String pkg) throws IOException, URISyntaxException {
        Path root = Path.of(Backend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, Integer> versions = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root.resolve(pkg))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    versions.put(root.relativize(f).toString(), major(in));
                }
            }
        }
        assertTrue(!versions.isEmpty(), "no classes under " + pkg);
        return versions;
    }

    private static int major(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        assertEquals(0xCAFEBABE, data.readInt());
        data.readUnsignedShort(); // minor
        return data.readUnsignedShort();
    }
}
