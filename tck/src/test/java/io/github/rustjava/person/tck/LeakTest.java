package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * Handles the caller forgets: freed by the api, counted, reported without flooding the log, and
 * bounded however fast they are forgotten.
 */
class LeakTest {

    @Test
    void forgottenHandlesAreFreedCountedAndReportedSparingly() throws InterruptedException {
        try (LogCapture log = LogCapture.start()) {
            try (PersonApi api = PersonApi.wasm()) {
                api.createPerson("closed properly", 30).close();
                forget(api, 100);
                awaitLeaks(api, 100);
                assertEquals(100, api.leakedHandles(), "every dropped handle, and only those");
                assertEquals(0, api.liveAllocations());
                List<LogRecord> warnings = log.warnings();
                assertEquals(3, warnings.size(), "the first three one by one, then silence until a summary: " + warnings);
                assertTrue(warnings.get(0).getMessage().contains("never closed"), warnings.get(0).getMessage());
                assertTrue(warnings.get(2).getMessage().contains("reported as a count"), warnings.get(2).getMessage());
            }
            List<LogRecord> warnings = log.warnings();
            assertEquals(4, warnings.size(), "closing the api summarises what was not reported yet");
            assertTrue(warnings.get(3).getMessage().startsWith("100 PersonHandles were never closed"), warnings.get(3).getMessage());
            assertTrue(warnings.get(3).getMessage().contains("97 since the last report"), warnings.get(3).getMessage());
        }
    }

    @Test
    void recordedOriginsNameWhereAForgottenHandleWasMade() throws InterruptedException {
        try (LogCapture log = LogCapture.start();
                PersonApi api = PersonApi.builder().recordHandleOrigins(true).build()) {
            forgetOne(api);
            awaitLeaks(api, 1);
            LogRecord warning = log.warnings().get(0);
            assertNotNull(warning.getThrown(), "the warning carries where the handle was made");
            StringWriter trace = new StringWriter();
            warning.getThrown().printStackTrace(new PrintWriter(trace));
            assertTrue(trace.toString().contains("LeakTest.forgetOne"), trace.toString());
        }
    }

    @Test
    void withoutRecordingTheWarningSaysHowToTurnItOn() throws InterruptedException {
        try (LogCapture log = LogCapture.start();
                PersonApi api = PersonApi.builder().recordHandleOrigins(false).build()) {
            forgetOne(api);
            awaitLeaks(api, 1);
            LogRecord warning = log.warnings().get(0);
            assertNull(warning.getThrown());
            assertTrue(warning.getMessage().contains("recordHandleOrigins"), warning.getMessage());
        }
    }

    /**
     * Ten million forgotten handles in a JVM of 256 MiB: the api reclaims them as the collector
     * finds them, so neither the Java heap nor the module's memory runs out. A JVM of its own, so
     * the heap limit is real.
     */
    @Test
    void tenMillionForgottenHandlesStayBounded() throws Exception {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ForgetMany.class.getName(), "10000000")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "finished");
        assertEquals(0, p.exitValue(), out);
        String[] fields = out.lines().filter(l -> l.startsWith("result ")).findFirst().orElseThrow(() -> new AssertionError(out)).split(" ");
        long leaked = Long.parseLong(fields[1]);
        long maxMemory = Long.parseLong(fields[2]);
        long cap = PersonApi.Builder.DEFAULT_MAX_MEMORY_BYTES;
        assertEquals(10_000_000, leaked, "the api counted every forgotten handle it freed: " + out);
        assertTrue(maxMemory < cap / 4, "linear memory stayed well under the cap: " + maxMemory + " of " + cap);
    }

    /** The forked JVM of {@link #tenMillionForgottenHandlesStayBounded}. */
    static final class ForgetMany {
        public static void main(String[] args) throws InterruptedException {
            long n = Long.parseLong(args[0]);
            java.util.logging.Logger.getLogger(PersonApi.class.getName()).setLevel(java.util.logging.Level.OFF);
            long maxMemory = 0;
            try (PersonApi api = PersonApi.wasm()) {
                io.github.rustjava.person.internal.ManagedPersonApi managed = (io.github.rustjava.person.internal.ManagedPersonApi) api;
                for (long i = 0; i < n; i++) {
                    api.createPerson("forgotten", 30);
                    if ((i & 0xFFFF) == 0) {
                        maxMemory = Math.max(maxMemory, managed.memorySize());
                    }
                }
                maxMemory = Math.max(maxMemory, managed.memorySize());
                // The last handles are only as unreachable as the collector has noticed: collect
                // until every one is counted, so the count does not depend on the collector's pace.
                awaitLeaks(api, n);
                System.out.println("result " + api.leakedHandles() + " " + maxMemory);
            }
        }
    }

    private static void awaitLeaks(PersonApi api, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (api.leakedHandles() < count && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(10);
        }
    }

    /** Creates handles and drops them when this frame returns; held until then, so no GC frees one early. */
    private static void forget(PersonApi api, int count) {
        List<PersonHandle> handles = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            handles.add(api.createPerson("dropped " + i, 30));
        }
        assertEquals(count, api.liveAllocations(), "one block, a Person and its name, per handle");
        Reference.reachabilityFence(handles);
    }

    private static void forgetOne(PersonApi api) {
        api.createPerson("forgotten", 30);
    }
}
