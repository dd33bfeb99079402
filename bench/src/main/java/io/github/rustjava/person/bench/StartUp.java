package io.github.rustjava.person.bench;

import io.github.rustjava.person.bench.PairedStats.Score;
import io.github.rustjava.person.bench.PairedSuite.Jdk;
import io.github.rustjava.person.bench.PairedSuite.Run;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * T7's whole processes: {@code java -jar} the CLI (no arguments: the seed's demo) and a hello
 * world, on one JDK, without a start-up cache or each with its own, made the same way from a
 * training run: AppCDS on JDK 17, the AOT cache on JDK 25. hyperfine times them, from outside the
 * JVM, the two sides alternately.
 *
 * <p>The hello world is compiled here, at release 17, into a jar of its own: CDS and the AOT cache
 * archive classes from jars only, and a jar on both sides keeps the comparison even.
 */
final class StartUp {

    /** The one line the hello world prints. */
    static final String HELLO_SOURCE = "public class Hello {\n"
            + "    public static void main(String[] args) {\n"
            + "        System.out.println(\"Hello, world\");\n"
            + "    }\n"
            + "}\n";

    /** How each side's output must begin, checked once before the rounds: a broken jar is not timed. */
    static final Map<String, String> EXPECTED = Map.of(
            PairedSuite.CLI_DEMO, "Updated person: Alice, Age: 31\n", PairedSuite.HELLO, "Hello, world\n");

    private final Path dir;
    private final Path cliJar;
    private final Path hyperfine;
    private final Map<Jdk, Path> javas;

    /**
     * @param dir where the hello world, the caches and the training runs' output go
     * @param javas the {@code bin/java} of each JDK the runs name
     */
    StartUp(Path dir, Path cliJar, Path hyperfine, Map<Jdk, Path> javas) {
        this.dir = dir;
        this.cliJar = cliJar;
        this.hyperfine = hyperfine;
        this.javas = Map.copyOf(javas);
    }

    /** The start-up cache each JDK makes, as the report names it. */
    static String cacheName(Jdk jdk) {
        return jdk == Jdk.JDK17 ? "AppCDS" : "AOT cache";
    }

    /** The options of the training run that writes {@code cache} when the process exits. */
    static List<String> trainingOptions(Jdk jdk, Path cache) {
        return List.of(jdk == Jdk.JDK17 ? "-XX:ArchiveClassesAtExit=" + cache : "-XX:AOTCacheOutput=" + cache);
    }

    /**
     * The options that use {@code cache}, in a mode that fails the process if the cache cannot be
     * used: a run that silently fell back to no cache would be measured as a cached one.
     */
    static List<String> cacheOptions(Jdk jdk, Path cache) {
        return jdk == Jdk.JDK17 ? List.of("-XX:SharedArchiveFile=" + cache, "-Xshare:on")
                : List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=on");
    }

    Path jar(Run run) {
        return run.benchmark().equals(PairedSuite.CLI_DEMO) ? cliJar : dir.resolve("hello.jar");
    }

    /** Where a cached run's cache is, e.g. {@code cli-17.jsa}, {@code hello-25.aot}. */
    Path cache(Run run) {
        String name = run.benchmark().equals(PairedSuite.CLI_DEMO) ? "cli" : "hello";
        return dir.resolve(name + "-" + run.jdk().number() + (run.jdk() == Jdk.JDK17 ? ".jsa" : ".aot"));
    }

    /** The command a run times. */
    List<String> command(Run run) {
        if (run.kind() != PairedSuite.Kind.PROCESS) {
            throw new IllegalArgumentException(run.id() + " is not a whole process");
        }
        return command(run, run.cached() ? cacheOptions(run.jdk(), cache(run)) : List.of());
    }

    private List<String> command(Run run, List<String> options) {
        List<String> command = new ArrayList<>();
        command.add(javas.get(run.jdk()).toString());
        command.addAll(options);
        command.add("-jar");
        command.add(jar(run).toString());
        return command;
    }

    /**
     * Before the rounds: the hello world's jar, one training run per cached run (a cache is only
     * valid for the jar and the JDK it was made with, so it is made afresh), and one untimed run
     * of every command, which must print what it should. Returns what the report records.
     */
    List<String> prepare(Collection<Run> runs, Path log) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Files.createDirectories(dir);
        if (!Files.isRegularFile(cliJar)) {
            throw new IllegalArgumentException("no CLI jar at " + cliJar + " (make bench-build builds it)");
        }
        writeHelloJar(dir.resolve("hello.jar"));
        List<String> made = new ArrayList<>();
        Set<Path> caches = new HashSet<>();
        for (Run run : runs) {
            if (run.cached() && caches.add(cache(run))) {
                Files.deleteIfExists(cache(run));
                List<String> training = command(run, trainingOptions(run.jdk(), cache(run)));
                External.output(training, log);
                if (!Files.isRegularFile(cache(run))) {
                    throw new IllegalStateException("the training run wrote no " + cache(run) + External.tail(log));
                }
                made.add("`" + String.join(" ", display(training)) + "` (" + Files.size(cache(run)) / 1024 + " KiB)");
            }
        }
        for (Run run : runs) {
            String out = External.output(command(run), log);
            if (!out.startsWith(EXPECTED.get(run.benchmark()))) {
                throw new IllegalStateException(run.label() + " printed " + out);
            }
        }
        return List.of(String.format(Locale.ROOT, "Start-up caches made once, before the rounds, in %.1f s, one "
                + "training run each: %s", (System.nanoTime() - start) / 1e9, String.join("; ", made)));
    }

    /**
     * One round of a pair of whole processes (the CLI's and the hello world's, same JDK and cache):
     * hyperfine runs them alternately, {@code runs} times each; each side's score is the median of
     * its times, and keeps them all.
     */
    Map<Run, Score> time(List<Run> pair, int runs, Path log) throws IOException, InterruptedException {
        double[][] millis = External.alternate(hyperfine, command(pair.get(0)), command(pair.get(1)), runs, dir, log);
        String[] version = External.version(javas.get(pair.get(0).jdk()));
        Map<Run, Score> scores = new LinkedHashMap<>();
        for (int i = 0; i < 2; i++) {
            scores.put(pair.get(i), External.processScore(millis[i], version[0], "java " + version[1]));
        }
        return scores;
    }

    /** Hello.java compiled at release 17 (so that JDK 17 runs it) into a jar with a Main-Class. */
    static void writeHelloJar(Path jar) throws IOException {
        Path src = Files.createTempDirectory("hello");
        Path java = src.resolve("Hello.java");
        Files.writeString(java, HELLO_SOURCE, StandardCharsets.UTF_8);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        if (javac.run(null, errors, errors, "--release", "17", "-d", src.toString(), java.toString()) != 0) {
            throw new IllegalStateException("javac failed on Hello.java: " + errors.toString(StandardCharsets.UTF_8));
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Hello");
        Files.createDirectories(jar.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            j.putNextEntry(new JarEntry("Hello.class"));
            j.write(Files.readAllBytes(src.resolve("Hello.class")));
            j.closeEntry();
        }
        for (Path p : List.of(src.resolve("Hello.class"), java, src)) {
            Files.deleteIfExists(p);
        }
    }

    /**
     * A command as the report shows it: {@code java} and file names, not where this machine keeps
     * them ({@code java -XX:AOTCacheOutput=cli-25.aot -jar person-wasm-cli.jar}).
     */
    static List<String> display(List<String> command) {
        List<String> shown = new ArrayList<>(List.of("java"));
        for (String a : command.subList(1, command.size())) {
            int eq = a.indexOf('=');
            String value = a.substring(eq + 1);
            shown.add(value.contains("/") ? a.substring(0, eq + 1) + Path.of(value).getFileName() : a);
        }
        return shown;
    }
}
