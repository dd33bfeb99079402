package io.github.rustjava.person.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Checks the jar users get: pure Java, and runnable as {@code java -jar}. Runs after packaging. */
class PackagedJarIT {

    private static final Path JAR = Paths.get("target", "person-wasm-cli.jar");

    @Test
    void theJarHoldsNoNativeLibrary() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            List<String> natives = jar.stream()
                    .map(e -> e.getName())
                    .filter(n -> n.matches("(?i).*\\.(so|dll|dylib|jnilib|a|lib)$"))
                    .collect(Collectors.toList());
            assertEquals(List.of(), natives);
            assertTrue(jar.getEntry("io/github/rustjava/person/person.wasm") != null, "the module is inside");
        }
    }

    @Test
    void javaDashJarRunsTheSeedsDemo() throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-jar", JAR.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the demo finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertEquals(List.of("Updated person: Alice, Age: 31", "Error code: -1, Message: 这是一个错误"), out.lines().collect(Collectors.toList()));
    }
}
