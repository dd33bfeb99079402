package io.github.rustjava.kv;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.github.rustjava.kv.internal.Ffi;
import io.github.rustjava.kv.internal.ManagedKvApi;
import io.github.rustjava.runtime.Binding;
import io.github.rustjava.runtime.Engine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What the tests share: bytes from strings, the fault-injection build, and a capture of the log. */
final class Kv {
    private Kv() {}

    static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    static String s(byte[] b) {
        return new String(b, UTF_8);
    }

    /**
     * An api on the crate's fault-injection build ({@code make wasm}: a key starting with U+1F4A5
     * picks a real fault, see {@code rust-kv/src/faults.rs}), loaded as a module from outside the
     * jar: so not on {@link Engine#BUILD_TIME_COMPILER}, which runs only the shipped module.
     */
    static KvApi faultsApi(Engine engine, Duration timeout) {
        return faultsApi(engine, timeout, Binding.DEFAULT_MAX_PAGES);
    }

    static KvApi faultsApi(Engine engine, Duration timeout, int maxPages) {
        byte[] wasm;
        try (InputStream in = Kv.class.getResourceAsStream("kv-faults.wasm")) {
            wasm = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ManagedKvApi.open(Ffi.BINDING.untrusted(wasm, engine, maxPages),
                timeout == null ? 0 : timeout.toNanos(), false, 1);
    }

    /**
     * Captures what the library logs, instead of printing it, for a test that expects warnings and
     * asserts on them. The library logs through {@link System.Logger}, which goes to
     * {@code java.util.logging} unless the application routes it elsewhere.
     */
    static final class LogCapture implements AutoCloseable {
        private static final Logger LOGGER = Logger.getLogger(KvApi.class.getName());

        private final List<LogRecord> records = new ArrayList<>();
        private final boolean parentHandlers = LOGGER.getUseParentHandlers();
        private final Level level = LOGGER.getLevel();
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (records) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };

        LogCapture() {
            LOGGER.setUseParentHandlers(false);
            LOGGER.setLevel(Level.ALL);
            LOGGER.addHandler(handler);
        }

        List<LogRecord> warnings() {
            synchronized (records) {
                return records.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
            }
        }

        @Override
        public void close() {
            LOGGER.removeHandler(handler);
            LOGGER.setUseParentHandlers(parentHandlers);
            LOGGER.setLevel(level);
        }
    }
}
