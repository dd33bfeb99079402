package io.github.rustjava.person.bench;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * How the cost grows with the name: each name crosses the boundary three times (into Rust on
 * create, copied inside Rust by details, out to Java on read). The report turns the time into
 * MB/s of name, {@code size / time}.
 *
 * <p>Fewer iterations than {@link CallBench}: one interpreter call on a 1 MiB name takes up to
 * a second, and the sweep has 48 points per fork.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class NameSizeBench {

    @Param
    public Backend backend;

    /** UTF-8 bytes of the name, without the NUL. */
    @Param({"8", "1024", "65536", "1048576"})
    public int size;

    @Param
    public Charset charset;

    /** What the name is made of. */
    public enum Charset {
        /** One byte per character. */
        ASCII,
        /** Three UTF-8 bytes per character (Java: one UTF-16 unit), padded with ASCII to the size. */
        CJK
    }

    private PersonApi api;
    private String name;

    @Setup
    public void open() {
        api = backend.open();
        name = name(charset, size);
    }

    @TearDown
    public void close() {
        api.close();
    }

    @Benchmark
    public void createDetailsRead(Blackhole bh) {
        try (PersonHandle p = api.createPerson(name, 30);
                PersonHandle older = api.personDetails(p).orElseThrow()) {
            bh.consume(older.name());
        }
    }

    /** A name of exactly {@code size} UTF-8 bytes. */
    static String name(Charset charset, int size) {
        StringBuilder sb = new StringBuilder(size);
        int cjk = charset == Charset.CJK ? size / 3 : 0;
        for (int i = 0; i < cjk; i++) {
            sb.append((char) (0x4E00 + i % 0x5000)); // CJK Unified Ideographs
        }
        for (int i = 0; i < size - 3 * cjk; i++) {
            sb.append((char) ('a' + i % 26));
        }
        String s = sb.toString();
        if (s.getBytes(StandardCharsets.UTF_8).length != size) {
            throw new AssertionError("name of " + size + " bytes came out wrong");
        }
        return s;
    }
}
