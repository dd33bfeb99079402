package io.github.rustjava.person.tck;

import io.github.rustjava.person.PersonApi;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures what the library logs, instead of printing it, for a test that expects warnings and
 * asserts on them. The library logs through {@link System.Logger}, which goes to
 * {@code java.util.logging} unless the application routes it elsewhere.
 *
 * <pre>{@code
 * try (LogCapture log = LogCapture.start()) {
 *     ...
 *     assertEquals(3, log.warnings().size());
 * }
 * }</pre>
 */
public final class LogCapture implements AutoCloseable {

    private static final Logger LOGGER = Logger.getLogger(PersonApi.class.getName());

    private final List<LogRecord> records = new ArrayList<>();
    private final boolean parentHandlers;
    private final Level level;
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

    private LogCapture() {
        parentHandlers = LOGGER.getUseParentHandlers();
        level = LOGGER.getLevel();
        LOGGER.setUseParentHandlers(false);
        LOGGER.setLevel(Level.ALL);
        LOGGER.addHandler(handler);
    }

    /** Starts capturing the library's log records; nothing reaches the console until {@link #close()}. */
    public static LogCapture start() {
        return new LogCapture();
    }

    /** The WARNING records so far. */
    public List<LogRecord> warnings() {
        List<LogRecord> out = new ArrayList<>();
        synchronized (records) {
            for (LogRecord r : records) {
                if (r.getLevel() == Level.WARNING) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        LOGGER.removeHandler(handler);
        LOGGER.setUseParentHandlers(parentHandlers);
        LOGGER.setLevel(level);
    }
}
