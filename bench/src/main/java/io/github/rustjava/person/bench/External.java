package io.github.rustjava.person.bench;

import io.github.rustjava.person.bench.PairedStats.Score;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The paired suite's members that are not JMH forks: the seed's Go program, which times its own
 * round trip, and whole processes, which hyperfine times. Each gives one {@link Score} per round
 * and side, like a fork, so that its ratio is taken within the round too.
 */
final class External {

    private External() {}

    /** The unit of a whole process's wall time: a ratio of two of them is a ratio of times. */
    static final String PROCESS_UNIT = "ms/process";

    /** A smoke run's Go batches: enough round trips to prove the program runs, no more. */
    static final List<String> GO_QUICK = List.of("-warmup", "10000", "-batches", "3", "-batch", "10000");

    /**
     * One run of the Go program: its warm-up, then timed batches of round trips, every one checked,
     * in a process of its own; the score is the median batch's time per round trip, as it prints it.
     */
    static Score goRoundTrip(Path binary, String link, boolean quick, Path log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        if (quick) {
            command.addAll(GO_QUICK);
        }
        return parseGo(output(command, log), link);
    }

    /**
     * The Go program's line: one JSON object whose {@code warm_ns_per_round_trip} is the median
     * batch's nanoseconds per round trip. The link it reports must be the one asked for, or the
     * row would compare the wrong binary.
     */
    static Score parseGo(String stdout, String link) {
        String line = stdout.lines().map(String::strip).filter(l -> l.startsWith("{")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalArgumentException("the Go program printed no JSON line: " + stdout));
        if (!link.equals(field(line, "link"))) {
            throw new IllegalArgumentException("asked for the " + link + " link, the program says "
                    + field(line, "link"));
        }
        double ns = number(line, "warm_ns_per_round_trip");
        if (!(ns > 0)) {
            throw new IllegalArgumentException("no warm_ns_per_round_trip in the Go program's line: " + line);
        }
        double spread = number(line, "warm_ns_per_round_trip_max") - number(line, "warm_ns_per_round_trip_min");
        String go = field(line, "go_version");
        return new Score(ns, spread / 2, "ns/op", go != null ? go : "go", "go-cgo, " + link + " link");
    }

    /** A string or number field of a flat JSON object, as text; null if absent. */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|[-0-9.eE+]+)")
                .matcher(json);
        return !m.find() ? null : m.group(2) != null ? m.group(2) : m.group(1);
    }

    private static double number(String json, String name) {
        String v = field(json, name);
        return v == null ? Double.NaN : Double.parseDouble(v);
    }

    /**
     * Two commands timed by hyperfine, alternately: {@code runs} times one run of each, A then B,
     * every time with output to /dev/null. Returns each side's times in milliseconds, in the order
     * run. hyperfine fails on a non-zero exit, and so does this.
     */
    static double[][] alternate(Path hyperfine, List<String> a, List<String> b, int runs, Path work, Path log)
            throws IOException, InterruptedException {
        double[][] millis = new double[2][runs];
        Path csv = work.resolve("hyperfine.csv");
        for (int i = 0; i < runs; i++) {
            Files.deleteIfExists(csv);
            output(List.of(hyperfine.toString(), "-N", "--style", "none", "--runs", "1", "--export-csv", csv.toString(),
                    shellWords(a), shellWords(b)), log);
            List<double[]> rows = hyperfineCsv(Files.readAllLines(csv, StandardCharsets.UTF_8));
            millis[0][i] = rows.get(0)[0];
            millis[1][i] = rows.get(1)[0];
        }
        return millis;
    }

    /** Each command's row of hyperfine's CSV export: its mean, user and system time, in milliseconds. */
    static List<double[]> hyperfineCsv(List<String> lines) {
        List<String> header = List.of(lines.get(0).split(","));
        int mean = header.indexOf("mean");
        int user = header.indexOf("user");
        int system = header.indexOf("system");
        if (mean < 0 || user < 0 || system < 0) {
            throw new IllegalArgumentException("not hyperfine's CSV: " + lines.get(0));
        }
        List<double[]> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            // The command comes first and may hold commas; the numbers are the last columns.
            String[] f = line.split(",");
            int shift = f.length - header.size();
            rows.add(new double[] {Double.parseDouble(f[mean + shift]) * 1e3, Double.parseDouble(f[user + shift]) * 1e3,
                    Double.parseDouble(f[system + shift]) * 1e3});
        }
        return rows;
    }

    /** A command as one string for hyperfine -N, which splits it as a shell would: quoted where needed. */
    static String shellWords(List<String> command) {
        List<String> words = new ArrayList<>();
        for (String w : command) {
            words.add(w.matches("[\\w@%+=:,./-]+") ? w : "'" + w.replace("'", "'\\''") + "'");
        }
        return String.join(" ", words);
    }

    /** The median of a member's process times, with every time kept for the JSON. */
    static Score processScore(double[] millis, String version, String vm) {
        double min = java.util.Arrays.stream(millis).min().orElseThrow();
        double max = java.util.Arrays.stream(millis).max().orElseThrow();
        return new Score(PairedStats.median(millis), (max - min) / 2, PROCESS_UNIT, version, vm, millis.clone());
    }

    /** Runs a command to its end and returns what it printed; its errors go to {@code log}. */
    static String output(List<String> command, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        if (status != 0) {
            throw new IllegalStateException(Path.of(command.get(0)).getFileName() + " exited with status " + status
                    + tail(log));
        }
        return out;
    }

    /**
     * A JDK's version from its {@code release} file, without starting it: {@code JAVA_VERSION},
     * and the build ({@code JAVA_RUNTIME_VERSION}) for the VM's line.
     */
    static String[] releaseVersion(List<String> releaseLines) {
        String version = null;
        String runtime = null;
        for (String line : releaseLines) {
            String value = line.substring(line.indexOf('=') + 1).strip().replaceAll("^\"|\"$", "");
            if (line.startsWith("JAVA_VERSION=")) {
                version = value;
            } else if (line.startsWith("JAVA_RUNTIME_VERSION=")) {
                runtime = value;
            }
        }
        if (version == null) {
            throw new IllegalArgumentException("no JAVA_VERSION in the release file");
        }
        return new String[] {version, runtime != null ? runtime : version};
    }

    /** The version of the JDK whose {@code bin/java} this is, as {@link #releaseVersion} reads it. */
    static String[] version(Path java) throws IOException {
        Path home = java.toAbsolutePath().getParent().getParent();
        return releaseVersion(Files.readAllLines(home.resolve("release"), StandardCharsets.UTF_8));
    }

    /** The release number, 17 of {@code 17.0.15}, 25 of {@code 25}. */
    static int feature(String version) {
        return Integer.parseInt(version.split("[.+-]")[0]);
    }

    /** The end of a member's log, for the message of a failed run. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return lines.isEmpty() ? ""
                    : ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }
}
