package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An action on a daemon thread of its own, for a test whose action could block or spin for ever:
 * the test waits a bounded time, and a thread that is still running then fails the test with its
 * stack and any deadlock the JVM reports, instead of hanging the build. A stuck thread is left
 * behind (a daemon), or interrupted by {@link #interruptIfRunning()} when that ends it.
 */
final class Async<T> {

    /** How a finished action ended: its value, or what it threw, and how long it took. */
    static final class Outcome<T> {
        final T value;
        final Throwable thrown;
        final long nanos;

        Outcome(T value, Throwable thrown, long nanos) {
            this.value = value;
            this.thrown = thrown;
            this.nanos = nanos;
        }

        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(nanos);
        }

        @Override
        public String toString() {
            return (thrown != null ? "threw " + thrown : "returned " + value) + " after " + millis() + " ms";
        }
    }

    private final Thread thread;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Outcome<T> outcome;

    private Async(String name, Callable<T> action) {
        thread = new Thread(() -> {
            long start = System.nanoTime();
            try {
                T value = action.call();
                outcome = new Outcome<>(value, null, System.nanoTime() - start);
            } catch (Throwable t) {
                outcome = new Outcome<>(null, t, System.nanoTime() - start);
            } finally {
                done.countDown();
            }
        }, name);
        thread.setDaemon(true);
    }

    /** Starts {@code action} on a new daemon thread. */
    static <T> Async<T> start(String name, Callable<T> action) {
        Async<T> a = prepare(name, action);
        a.thread.start();
        return a;
    }

    /** Makes the thread without starting it, so a test can look at it (its id) first. */
    static <T> Async<T> prepare(String name, Callable<T> action) {
        return new Async<>(name, action);
    }

    /** Starts a thread made by {@link #prepare}. */
    Async<T> start() {
        thread.start();
        return this;
    }

    Thread thread() {
        return thread;
    }

    /** Whether the action has ended, waiting up to {@code limit}. */
    boolean ended(Duration limit) throws InterruptedException {
        return done.await(limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * The outcome, once the action ends within {@code limit}; otherwise fails the test with what
     * the thread is doing, and the JVM's report of deadlocked threads.
     */
    Outcome<T> await(Duration limit) throws InterruptedException {
        if (!ended(limit)) {
            fail(thread.getName() + " did not end within " + limit.toMillis() + " ms. " + report(thread));
        }
        return outcome;
    }

    /**
     * As {@link #await}, but fails as soon as the JVM reports this thread deadlocked, instead of
     * waiting out the limit.
     */
    Outcome<T> awaitUnlessDeadlocked(Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!ended(Duration.ofMillis(100))) {
            long[] deadlocked = deadlocked();
            if (deadlocked != null && java.util.Arrays.stream(deadlocked).anyMatch(id -> id == thread.getId())) {
                fail(thread.getName() + " is deadlocked. " + report(thread));
            }
            if (System.nanoTime() - end > 0) {
                fail(thread.getName() + " did not end within " + limit.toMillis() + " ms. " + report(thread));
            }
        }
        return outcome;
    }

    /** Interrupts the thread if it is still running, e.g. to end a call that spins without a timeout. */
    void interruptIfRunning() {
        if (done.getCount() > 0) {
            thread.interrupt();
        }
    }

    /** The threads the JVM finds deadlocked (monitors and locks), or null. */
    static long[] deadlocked() {
        return ManagementFactory.getThreadMXBean().findDeadlockedThreads();
    }

    /** What a stuck thread is doing, and which threads are deadlocked, for a failure message. */
    static String report(Thread stuck) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        StringBuilder s = new StringBuilder();
        long[] deadlocked = threads.findDeadlockedThreads();
        if (deadlocked != null) {
            s.append("The JVM reports a deadlock:");
            for (ThreadInfo info : threads.getThreadInfo(deadlocked, true, true)) {
                s.append("\n  ").append(info.getThreadName()).append(" waits for ").append(info.getLockName())
                        .append(" held by ").append(info.getLockOwnerName());
            }
            s.append('\n');
        } else {
            s.append("No deadlock reported. ");
        }
        s.append(stuck.getName()).append(" is ").append(stuck.getState()).append(" at:");
        StackTraceElement[] stack = stuck.getStackTrace();
        for (int i = 0; i < Math.min(stack.length, 12); i++) {
            s.append("\n    ").append(stack[i]);
        }
        return s.toString();
    }
}
