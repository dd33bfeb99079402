package io.github.rustjava.person.bench;

import io.github.rustjava.person.bench.PairedSuite.Jdk;
import io.github.rustjava.person.bench.PairedSuite.Kind;
import io.github.rustjava.person.bench.PairedSuite.Run;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * T7's whole processes: {@code java -jar} the CLI (no arguments: the seed's demo) and a hello
 * world, on one JDK, without a start-up cache or with the one the JDK makes from a training run:
 * AppCDS on JDK 17, the AOT cache on JDK 25. Each side gets its own cache, made the same way, so
 * that both get the same help.
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

    private final Path dir;
    private final Path cliJar;
    private final Map<Jdk, Path> javas;

    /**
     * @param dir where the hello world, the caches and the training runs' output go
     * @param cliJar the CLI's executable jar
     * @param javas the {@code bin/java} of each JDK the runs name
     */
    StartUp(Path dir, Path cliJar, Map<Jdk, Path> javas) {
        this.dir = Objects.requireNonNull(dir);
        this.cliJar = Objects.requireNonNull(cliJar);
        this.javas = Map.copyOf(javas);
    }

    /** The start-up cache each JDK makes, as the report names it. */
    static String cacheName(Jdk jdk) {
        return jdk == Jdk.JDK17 ? "AppCDS" : "AOT cache";
    }

    /** The options of the training run that writes {@code cache} when the process exits. */
    static List<String> trainingOptions(Jdk jdk, Path cache) {
        return jdk == Jdk.JDK17 ? List.of("-XX:ArchiveClassesAtExit=" + cache)
                : List.of("-XX:AOTCacheOutput=" + cache);
    }

    /**
     * The options that use {@code cache}, in a mode that fails the process if the cache cannot be
     * used: a run that silently fell back to no cache would be measured as a cached one.
     */
    static List<String> cacheOptions(Jdk jdk, Path cache) {
        return jdk == Jdk.JDK17 ? List.of("-XX:SharedArchiveFile=" + cache, "-Xshare:on")
                : List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=on");
    }

    Path helloJar() {
        return dir.resolve("hello.jar");
    }

    Path jar(Run run) {
        return run.benchmark().equals(PairedSuite.CLI_DEMO) ? cliJar : helloJar();
    }

    /** Where a cached run's cache is, e.g. {@code cli-17.jsa}, {@code hello-25.aot}. */
    Path cache(Run run) {
        String name = run.benchmark().equals(PairedSuite.CLI_DEMO) ? "cli" : "hello";
        return dir.resolve(name + "-" + run.jdk().number() + (run.jdk() == Jdk.JDK17 ? ".jsa" : ".aot"));
    }

    /** Whether a run is a whole process with a start-up cache. */
    static boolean cached(Run run) {
        return run.kind() == Kind.PROCESS && !PairedSuite.NO_CACHE.equals(run.params().get("cache"));
    }

    /** The command a run times. */
    List<String> command(Run run) {
        if (run.kind() != Kind.PROCESS) {
            throw new IllegalArgumentException(run.id() + " is not a whole process");
        }
        List<String> command = new ArrayList<>();
        command.add(java(run.jdk()).toString());
        if (cached(run)) {
            command.addAll(cacheOptions(run.jdk(), cache(run)));
        }
        command.add("-jar");
        command.add(jar(run).toString());
        return command;
    }

    private Path java(Jdk jdk) {
        Path java = javas.get(jdk);
        if (java == null) {
            throw new IllegalArgumentException("no java for " + jdk.label);
        }
        return java;
    }

    /**
     * Before the rounds: the hello world's jar, then one training run per cached run, each
     * writing its cache afresh (a cache is only valid for the jar and the JDK it was made with).
     * Returns what the report records: the commands and how long it all took.
     */
    List<String> prepare(Collection<Run> runs) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Files.createDirectories(dir);
        if (!Files.isRegularFile(cliJar)) {
            throw new IllegalArgumentException("no CLI jar at " + cliJar + " (make bench-build builds it)");
        }
        if (javas.containsKey(Jdk.MAIN) && runs.stream().anyMatch(r -> r.jdk() == Jdk.MAIN && cached(r))) {
            int feature = External.feature(External.version(java(Jdk.MAIN))[0]);
            if (feature < 25) {
                throw new IllegalArgumentException("the AOT cache (-XX:AOTCacheOutput) needs JDK 25, not " + feature);
            }
        }
        writeHelloJar(helloJar());
        List<String> done = new ArrayList<>();
        Set<Path> made = new LinkedHashSet<>();
        for (Run run : runs) {
            if (run.kind() != Kind.PROCESS || !cached(run) || !made.add(cache(run))) {
                continue;
            }
            Path cache = cache(run);
            Files.deleteIfExists(cache);
            List<String> command = new ArrayList<>();
            command.add(java(run.jdk()).toString());
            command.addAll(trainingOptions(run.jdk(), cache));
            command.add("-jar");
            command.add(jar(run).toString());
            Path log = dir.resolve(cache.getFileName() + ".log");
            int status = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start().waitFor();
            if (status != 0 || !Files.isRegularFile(cache)) {
                throw new IllegalStateException("training run for " + cache.getFileName() + " failed (status "
                        + status + ")" + External.tail(log));
            }
            done.add(String.join(" ", display(command)) + "` (" + Files.size(cache) / 1024 + " KiB)");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "Start-up caches made once, before the rounds, in %.1f s, one training "
                + "run each: %s", took.toMillis() / 1000.0, done.isEmpty() ? "none needed" : "`" + String.join("; `", done)));
        return lines;
    }

    /** Hello.java compiled at release 17 (so that JDK 17 runs it) into a jar with a Main-Class. */
    static void writeHelloJar(Path jar) throws IOException {
        Path src = Files.createTempDirectory("hello");
        try {
            Path java = src.resolve("Hello.java");
            Files.writeString(java, HELLO_SOURCE, StandardCharsets.UTF_8);
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            if (javac == null) {
                throw new IllegalStateException("no Java compiler in this JDK: the hello world needs one");
            }
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            int status = javac.run(null, errors, errors, "--release", "17", "-d", src.toString(), java.toString());
            if (status != 0) {
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
        } finally {
            try (var files = Files.walk(src)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * A command as the report shows it: {@code java} and file names, not where this machine keeps
     * them ({@code java -XX:AOTCacheOutput=cli-25.aot -jar person-wasm-cli.jar}).
     */
    static List<String> display(List<String> command) {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < command.size(); i++) {
            String a = command.get(i);
            if (i == 0) {
                shown.add("java");
            } else {
                int eq = a.indexOf('=');
                String value = a.substring(eq + 1);
                shown.add(value.contains("/") ? a.substring(0, eq + 1) + Path.of(value).getFileName() : a);
            }
        }
        return shown;
    }
}
