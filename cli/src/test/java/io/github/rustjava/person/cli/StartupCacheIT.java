package io.github.rustjava.person.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The documented start-up cache command, {@code cli/startup-cache}: it makes the cache for the
 * JDK running this test (AppCDS before JDK 24, the AOT cache from 24), and the command it prints
 * runs the demo with the cache. The JVM is told to insist on the cache (-Xshare:on, or
 * -XX:AOTMode=on), so a cache it cannot use fails the run instead of being ignored.
 */
class StartupCacheIT {

    private static final Path JAVA = Paths.get(System.getProperty("java.home"), "bin", "java");

    @Test
    void theCacheIsMadeAndUsedByTheDemo() throws Exception {
        Run made = run(List.of("bash", "startup-cache", JAVA.toString()));
        assertEquals(0, made.exit, made.out);
        String command = made.out.strip();
        boolean aot = Runtime.version().feature() >= 24;
        Path cache = Paths.get("target", aot ? "person-wasm-cli.aot" : "person-wasm-cli.jsa");
        assertTrue(Files.size(cache) > 0, cache + " was written");
        assertTrue(command.contains(aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile="), command);

        List<String> cached = new ArrayList<>(Arrays.asList(command.split(" ")));
        cached.add(1, aot ? "-XX:AOTMode=on" : "-Xshare:on");
        Run demo = run(cached);
        assertEquals(0, demo.exit, demo.out);
        assertEquals(List.of("Updated person: Alice, Age: 31", "Error code: -1, Message: 这是一个错误"), demo.out.lines().toList());
    }

    private record Run(int exit, String out) {}

    private static Run run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).directory(Paths.get("").toAbsolutePath().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "finished: " + command);
        return new Run(p.exitValue(), out);
    }
}
