package io.github.rustjava.person.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/** Checks the jar users get: pure Java, its licences, and runnable as {@code java -jar}. Runs after packaging. */
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
    void theJarCarriesItsLicenceAndANoticeForEveryBundledLibrary() throws IOException {
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertTrue(read(jar, "META-INF/LICENSE").contains("Apache License"), "META-INF/LICENSE is the Apache License");
            String notices = read(jar, "META-INF/THIRD-PARTY-NOTICES.txt");
            // From the entries, so that a library bundled later without a notice fails here.
            Set<String> bundled = jar.stream()
                    .map(ZipEntry::getName)
                    .filter(n -> n.endsWith(".class"))
                    .map(PackagedJarIT::topLevelPackage)
                    .filter(p -> !p.equals("io.github.rustjava"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertTrue(bundled.containsAll(Set.of("com.dylibso.chicory", "org.objectweb.asm", "picocli")), bundled.toString());
            List<String> unnamed = bundled.stream().filter(p -> !notices.contains(p)).collect(Collectors.toList());
            assertEquals(List.of(), unnamed, "bundled, but not named in META-INF/THIRD-PARTY-NOTICES.txt");
        }
    }

    private static String read(JarFile jar, String name) throws IOException {
        ZipEntry entry = jar.getEntry(name);
        assertNotNull(entry, name + " is in the jar");
        try (InputStream in = jar.getInputStream(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A class's library, by package: its first three names (a reversed domain and a project), or fewer. */
    private static String topLevelPackage(String classEntry) {
        List<String> names = Arrays.asList(classEntry.replaceFirst("^META-INF/versions/\\d+/", "").split("/"));
        return String.join(".", names.subList(0, Math.max(1, Math.min(3, names.size() - 1))));
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
