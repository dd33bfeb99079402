package io.github.rustjava.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Host functions, on a module written in WAT ({@code src/test/wat/calls-back.wat}): the module
 * checks accept the declared import with its exact type and nothing else, and the three rules of a
 * call from Rust into Java hold (see {@link HostFunction}).
 */
class HostFunctionTest {

    // --- a binding of the test module, as small as a binding gets ---

    static final class Trapped extends RuntimeException {
        Trapped(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static final class Interrupted extends RuntimeException {
        Interrupted(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static final class TimedOut extends RuntimeException {
        TimedOut(String message, Throwable cause) {
            super(message, cause);
        }
    }

    static final Faults FAULTS = new Faults() {
        @Override
        public RuntimeException trapped(String panicMessage, RuntimeException trap) {
            return new Trapped(Faults.trapMessage(panicMessage, trap), trap);
        }

        @Override
        public RuntimeException panicked(String message) {
            return new Trapped(message, null);
        }

        @Override
        public RuntimeException interrupted(String message, Throwable cause) {
            return new Interrupted(message, cause);
        }

        @Override
        public RuntimeException timedOut(String message, Throwable cause) {
            return new TimedOut(message, cause);
        }
    };

    /** The Java side of {@code env.visit(i)}: true stops the module's loop. */
    @FunctionalInterface
    interface Visitor {
        boolean stop(int i) throws Exception;
    }

    /** What the binding attaches to each instance: the visitor of the call in progress. */
    static final class Calls {
        Visitor visitor;
    }

    static final Export RUN = Export.of("run", WasmType.I32, WasmType.I32);
    static final HostFunction VISIT = new HostFunction("env", "visit", List.of(WasmType.I32), List.of(WasmType.I32), 1,
            (instance, args) -> ((Calls) instance.attachment()).visitor.stop((int) args[0]) ? 1 : 0);
    static final Layout LAYOUT = new Layout("wasm32", 1, List.of(), List.of());

    static final Binding BINDING = Binding.of(List.of(RUN), List.of(VISIT), LAYOUT,
            () -> HostFunctionTest.class.getResourceAsStream("calls-back.wasm"), null, FAULTS);
    /** The same exports with no host function: a module that imports one is refused. */
    static final Binding WITHOUT_HOST_FUNCTIONS = Binding.of(List.of(RUN), LAYOUT, null, null, FAULTS);

    static byte[] module(String name) {
        try (InputStream in = HostFunctionTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class Guest implements Backend {
        final WasmInstance instance;
        final Calls calls = new Calls();
        final WasmInstance.Function run;

        Guest(WasmInstance instance) {
            LAYOUT.verify(instance::abiLayout);
            this.instance = instance;
            this.run = instance.function("run");
            instance.attach(calls);
        }

        int run(int n, Visitor visitor) {
            instance.clearHostFailure();
            calls.visitor = visitor;
            try {
                return (int) run.call(n);
            } finally {
                calls.visitor = null;
            }
        }

        @Override public int lastStatus() { return instance.lastStatus(); }
        @Override public long liveAllocations() { return instance.liveAllocations(); }
        @Override public String panicMessage() { return instance.panicMessage(); }
        @Override public RuntimeException fault(RuntimeException failure) { return instance.fault(failure); }
        @Override public boolean readableAfterFault() { return true; }
        @Override public void close() {}
    }

    static final class Api extends ManagedApi<Guest> {
        final List<Guest> started;

        Api(Binding.Loader loader, long timeoutNanos, List<Guest> started) {
            super(() -> {
                Guest g = new Guest(loader.instantiate());
                started.add(g);
                return g;
            }, new Settings(timeoutNanos, false, null, FAULTS, new Names("TestApi", "TestHandle", "TestScope", "test", "test")));
            this.started = started;
        }

        static Api open(Engine engine, long timeoutNanos) {
            return new Api(BINDING.shipped(engine, Binding.DEFAULT_MAX_PAGES, timeoutNanos > 0), timeoutNanos, new ArrayList<>());
        }

        /** How the binding writes a call that may call back: the host's exception after the faults. */
        int run(int n, Visitor visitor) {
            boolean interrupted = begin();
            try {
                Slot m = current();
                Guest g;
                int visited;
                try {
                    g = ops(m);
                    visited = g.run(n, visitor);
                } catch (RuntimeException e) {
                    throw fault(m, e);
                } catch (Error e) {
                    throw fault(m, e);
                }
                g.instance.rethrowHostFailure(); // the caller's own exception, not a fault of the guest
                return visited;
            } finally {
                end(interrupted);
            }
        }

        Guest instance() {
            return started.get(started.size() - 1);
        }

        @Override
        protected void free(Guest ops, int kind, long address) {}
    }

    static final class Boom extends RuntimeException {
        Boom() {
            super("boom");
        }
    }

    static final class FatalBoom extends Error {
        FatalBoom() {
            super("fatal boom");
        }
    }

    // --- module checks ---

    @Test
    void aModuleMayImportTheDeclaredHostFunctionWithItsExactType() {
        Binding.Loader loader = BINDING.untrusted(module("calls-back.wasm"), Engine.INTERPRETER, Binding.DEFAULT_MAX_PAGES);
        try (Api api = new Api(loader, 0, new ArrayList<>())) {
            assertEquals(3, api.run(3, i -> false));
        }
    }

    @Test
    void anImportOfAnotherTypeIsRefusedWithBothTypes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BINDING.untrusted(module("visit-wrong-type.wasm"), Engine.INTERPRETER, Binding.DEFAULT_MAX_PAGES));
        assertEquals("imports env.visit with type (i64)->i32, expected (i32)->i32", e.getMessage());
    }

    @Test
    void anUndeclaredImportIsNotProvided() {
        for (String m : List.of("imports-other.wasm", "imports-memory.wasm")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BINDING.untrusted(module(m), Engine.INTERPRETER, Binding.DEFAULT_MAX_PAGES));
            assertEquals(m.equals("imports-other.wasm") ? "imports env.random, which is not provided"
                    : "imports env.visit, which is not provided", e.getMessage(), m);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WITHOUT_HOST_FUNCTIONS.untrusted(
                module("calls-back.wasm"), Engine.INTERPRETER, Binding.DEFAULT_MAX_PAGES));
        assertEquals("imports env.visit, which is not provided", e.getMessage());
    }

    @Test
    void aHostFunctionIsDeclaredOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Binding.of(List.of(RUN), List.of(VISIT, VISIT), LAYOUT, null, null, FAULTS));
        assertEquals("host function env.visit is declared twice", e.getMessage());
    }

    // --- calls ---

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void theModuleCallsJavaUntilJavaSaysStop(Engine engine) {
        try (Api api = Api.open(engine, 0)) {
            List<Integer> seen = new ArrayList<>();
            assertEquals(4, api.run(4, i -> !seen.add(i)));
            assertEquals(List.of(0, 1, 2, 3), seen);
            seen.clear();
            assertEquals(3, api.run(10, i -> seen.add(i) && i == 2));
            assertEquals(List.of(0, 1, 2), seen);
        }
    }

    /** Rule 1: the exception reaches the caller as itself, Rust was told to stop, and the instance serves on. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void whatTheCallbackThrowsReachesTheCallerAsItself(Engine engine) {
        try (Api api = Api.open(engine, 0)) {
            Boom boom = new Boom();
            AtomicInteger calls = new AtomicInteger();
            Boom thrown = assertThrows(Boom.class, () -> api.run(10, i -> {
                calls.incrementAndGet();
                if (i == 2) {
                    throw boom;
                }
                return false;
            }));
            assertSame(boom, thrown);
            assertEquals(3, calls.get(), "Rust got 'stop' and called no more");
            IOException checked = new IOException("checked");
            assertSame(checked, assertThrows(IOException.class, () -> api.run(1, i -> {
                throw checked;
            })));
            FatalBoom fatal = new FatalBoom();
            assertSame(fatal, assertThrows(FatalBoom.class, () -> api.run(1, i -> {
                throw fatal;
            })));
            Guest first = api.instance();
            assertEquals(2, api.run(2, i -> false), "the instance serves on");
            assertSame(first, api.instance(), "no instance was lost");
            assertEquals(1, api.started.size());
        }
    }

    /** Rule 2: a callback may not call the api whose call it is part of; other apis it may. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aCallbackThatCallsItsOwnApiIsRefused(Engine engine) {
        try (Api api = Api.open(engine, 0); Api other = Api.open(engine, 0)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> api.run(5, i -> api.run(1, j -> false) > 0));
            assertTrue(e.getMessage().startsWith("TestApi was called from inside one of its own calls"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> api.run(5, i -> {
                api.close();
                return false;
            }), "nor close it");
            assertThrows(IllegalStateException.class, () -> api.run(5, i -> api.liveAllocations() < 0));
            assertEquals(3, api.run(3, i -> other.run(2, j -> false) != 2), "another api is fine");
            assertEquals(1, api.started.size(), "no instance was lost");
            assertEquals(4, api.run(4, i -> false));
        }
    }

    /** Rule 3: an interrupt that lands in a callback stops the call, as one inside Wasm does. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void anInterruptDuringACallbackStopsTheCall(Engine engine) {
        try (Api api = Api.open(engine, 0)) {
            AtomicInteger calls = new AtomicInteger();
            try {
                assertThrows(Interrupted.class, () -> api.run(10, i -> {
                    calls.incrementAndGet();
                    Thread.currentThread().interrupt();
                    return false;
                }));
                assertTrue(Thread.currentThread().isInterrupted(), "the flag stays set for the caller");
            } finally {
                Thread.interrupted();
            }
            assertEquals(1, calls.get());
            // A callback blocked in the JDK gets InterruptedException: the same.
            Thread caller = Thread.currentThread();
            Thread interrupter = new Thread(() -> {
                sleep(200);
                caller.interrupt();
            });
            interrupter.start();
            try {
                assertThrows(Interrupted.class, () -> api.run(10, i -> {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(30));
                    return false;
                }));
            } finally {
                Thread.interrupted();
            }
            assertEquals(2, api.run(2, i -> false));
            assertEquals(3, api.started.size(), "each interrupted instance was retired, as after any fault");
        }
    }

    /** Rule 3: a timeout that lands in a callback is the binding's timeout, and the instance is retired. */
    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aTimeoutDuringACallbackIsATimeout(Engine engine) throws Exception {
        try (Api api = Api.open(engine, TimeUnit.MILLISECONDS.toNanos(200))) {
            Guest first = api.instance();
            long start = System.nanoTime();
            TimedOut e = assertThrows(TimedOut.class, () -> api.run(10, i -> {
                Thread.sleep(TimeUnit.SECONDS.toMillis(30));
                return false;
            }));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "stopped by the timeout");
            assertTrue(e.getMessage().contains("ran longer than the timeout of 200 ms"), e.getMessage());
            assertTrue(!Thread.currentThread().isInterrupted(), "the timeout's interrupt is taken back");
            // A callback that spins in Java without blocking is stopped when it returns.
            long deadline = System.nanoTime();
            assertThrows(TimedOut.class, () -> api.run(10, i -> {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.onSpinWait();
                }
                return false;
            }));
            assertTrue(System.nanoTime() - deadline < TimeUnit.SECONDS.toNanos(20));
            assertEquals(5, api.run(5, i -> false));
            assertNotSame(first, api.instance(), "the timed-out instances were retired");
            assertEquals(3, api.started.size());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
