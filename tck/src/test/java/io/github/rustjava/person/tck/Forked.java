package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A class's main method in a JVM of its own, on this JVM's class path, for a test that needs a
 * heap limit of its own or must not risk this JVM's heap. Bounded: a child that outlives its
 * limit is killed and fails the test.
 */
final class Forked {
    private Forked() {}

    /** What the child printed (stdout and stderr), and how it exited. */
    static final class Result {
        final int exit;
        final String output;

        Result(int exit, String output) {
            this.exit = exit;
            this.output = output;
        }

        /** The text after "{@code key} " on the child's line that starts with it; fails if there is none. */
        String line(String key) {
            return output.lines().filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length() + 1))
                    .findFirst().orElseThrow(() -> new AssertionError("no line '" + key + " …' in:\n" + output));
        }
    }

    static Result run(Class<?> main, List<String> jvmOptions, Duration limit, String... args)
            throws IOException, InterruptedException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Async<String> reader = Async.start("child output", () -> new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            reader.ended(Duration.ofSeconds(5));
            fail(main.getSimpleName() + " did not end within " + limit.toSeconds() + " s");
        }
        return new Result(p.exitValue(), reader.await(Duration.ofSeconds(10)).value);
    }
}
