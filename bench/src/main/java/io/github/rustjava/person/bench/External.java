package io.github.rustjava.person.bench;

import io.github.rustjava.person.bench.PairedStats.Score;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The paired suite's members that are not JMH forks: the seed's Go program, which times its own
 * round trip, and whole processes timed from outside. Each gives one {@link Score} per round, like
 * a fork, so that its ratio is taken within the round too.
 */
final class External {

    private External() {}

    /** The unit of a whole process's wall time: a ratio of two of them is a ratio of times. */
    static final String PROCESS_UNIT = "ms/process";

    /** A smoke run's Go batches: enough round trips to prove the program runs, no more. */
    static final List<String> GO_QUICK = List.of("-warmup", "10000", "-batches", "3", "-batch", "10000");

    /**
     * One run of the Go program with {@code -warm-only}: its warm-up, then timed batches of round
     * trips, every one checked, in a process of its own; the score is the median batch's time per
     * round trip, as the program prints it.
     */
    static Score goRoundTrip(Path binary, String link, boolean quick, Path log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-warm-only"));
        if (quick) {
            command.addAll(GO_QUICK);
        }
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        if (status != 0) {
            throw new IllegalStateException(binary.getFileName() + " exited with status " + status + tail(log));
        }
        return parseGo(out, link);
    }

    /**
     * The Go program's line: one JSON object whose {@code warm_ns_per_round_trip} is the median
     * batch's nanoseconds per round trip. The link it reports must be the one asked for, or the
     * row would compare the wrong binary.
     */
    @SuppressWarnings("unchecked")
    static Score parseGo(String stdout, String link) {
        String line = stdout.lines().map(String::strip).filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalArgumentException("the Go program printed no JSON line: " + stdout));
        Map<String, Object> m = (Map<String, Object>) new Report.Json(line).value();
        if (!link.equals(m.get("link"))) {
            throw new IllegalArgumentException("asked for the " + link + " link, the program says " + m.get("link"));
        }
        if (!(m.get("warm_ns_per_round_trip") instanceof Double ns) || !(ns > 0)) {
            throw new IllegalArgumentException("no warm_ns_per_round_trip in the Go program's line: " + line);
        }
        double min = m.get("warm_ns_per_round_trip_min") instanceof Double d ? d : Double.NaN;
        double max = m.get("warm_ns_per_round_trip_max") instanceof Double d ? d : Double.NaN;
        return new Score(ns, (max - min) / 2, "ns/op", String.valueOf(m.getOrDefault("go_version", "go")),
                "go-cgo, " + link + " link", new double[0]);
    }

    /**
     * A command's wall time, start to exit, {@code runs} times in a row after one untimed run
     * (which also proves that the command works and prints something): the score is the median,
     * in milliseconds, and keeps every run's time. One process is too noisy to compare; the
     * median of several in a row is stable within a round, and the rounds give the spread.
     */
    static Score wallTime(List<String> command, int runs, Path log, String version, String vm)
            throws IOException, InterruptedException {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be positive");
        }
        Process first = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        first.getOutputStream().close();
        String out = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = first.waitFor();
        if (status != 0 || out.isBlank()) {
            throw new IllegalStateException(String.join(" ", command) + (status != 0 ? " exited with status " + status
                    : " printed nothing") + tail(log));
        }
        double[] millis = new double[runs];
        // Output to /dev/null: the process's own time, not that of a reader on a pipe.
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            status = pb.start().waitFor();
            millis[i] = (System.nanoTime() - start) / 1e6;
            if (status != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with status " + status + tail(log));
            }
        }
        return processScore(millis, version, vm);
    }

    /** The median of a member's process times, with every time kept for the JSON. */
    static Score processScore(double[] millis, String version, String vm) {
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new Score(PairedStats.median(millis), (sorted[sorted.length - 1] - sorted[0]) / 2, PROCESS_UNIT,
                version, vm, millis.clone());
    }

    /**
     * A JDK's version from its {@code release} file, without starting it: {@code JAVA_VERSION},
     * and the build ({@code JAVA_RUNTIME_VERSION}) for the VM's line.
     */
    static String[] releaseVersion(List<String> releaseLines) {
        String version = null;
        String runtime = null;
        for (String line : releaseLines) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String value = line.substring(eq + 1).strip().replaceAll("^\"|\"$", "");
            switch (line.substring(0, eq).strip()) {
                case "JAVA_VERSION" -> version = value;
                case "JAVA_RUNTIME_VERSION" -> runtime = value;
                default -> { }
            }
        }
        if (version == null) {
            throw new IllegalArgumentException("no JAVA_VERSION in the release file");
        }
        return new String[] {version, runtime != null ? runtime : version};
    }

    /** The release number, 17 of {@code 17.0.15}, 25 of {@code 25}. */
    static int feature(String version) {
        return Integer.parseInt(version.split("[.+-]")[0]);
    }

    /** The JDK home of a {@code bin/java}. */
    static Path home(Path java) {
        return java.toAbsolutePath().getParent().getParent();
    }

    /** The version of the JDK whose {@code bin/java} this is, as {@link #releaseVersion} reads it. */
    static String[] version(Path java) throws IOException {
        return releaseVersion(Files.readAllLines(home(java).resolve("release"), StandardCharsets.UTF_8));
    }

    /** The end of a member's log, for the message of a failed run. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return lines.isEmpty() ? "" : ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
