package io.github.rustjava.person.internal;

import io.github.rustjava.person.CallInterruptedException;
import io.github.rustjava.person.CallTimeoutException;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.PersonScope;
import io.github.rustjava.person.RustError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one implementation of {@link PersonApi}'s semantics, over any {@link Operations}: input
 * checks, status-to-exception mapping, locking, handle ownership, reclaiming forgotten handles,
 * and recovering from a fault of the module without losing a handle. Every backend only carries
 * calls across, so none of them can drift from the contract.
 *
 * <p><b>Faults.</b> When a call into a Wasm instance is abandoned half-way (a trap, an interrupt,
 * a timeout), the instance's allocator and stack are in an unknown state and it cannot be called
 * again. Its memory can still be read, though, and a person's block never changes after it is
 * made. So the api starts a fresh instance, makes each live person again in it from the name and
 * age read out of the old memory, and points the handles at the new persons. The failed call
 * throws; every other handle carries on. Backends whose memory cannot be read after a fault (an
 * out-of-process route whose server died) lose their handles instead, and say so.
 */
public final class ManagedPersonApi implements PersonApi {

    /**
     * The library's logger, made on first use: finding the logging backend loads and configures
     * it, which a short program that never logs should not pay for at start-up.
     */
    private static final class Log {
        static final System.Logger LOGGER = System.getLogger(PersonApi.class.getName());
    }

    /** Forgotten handles reported one by one before the api switches to periodic summaries. */
    static final int LEAK_WARNINGS = 3;
    /** The least time between two summaries of forgotten handles. */
    static final long LEAK_SUMMARY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * How long the library's own threads (the watchdog, recoveries) stay alive with nothing to do.
     * They end then, so an application that stops using the library, and a server that undeploys
     * it, keeps no thread of it, nor the class loaders such a thread would hold.
     */
    static final long THREAD_KEEP_ALIVE_SECONDS = 2;

    /**
     * Makes the library's threads: daemons, with no context class loader and no inherited
     * thread-locals, so that a thread started from an application's call holds nothing of the
     * application (a web application's class loader, say).
     */
    private static Thread libraryThread(Runnable r, String name) {
        Thread t = new Thread(null, r, name, 0, false);
        t.setDaemon(true);
        t.setContextClassLoader(null);
        return t;
    }

    /** Stops calls that run past their deadline; one daemon thread for every api in the JVM, while any needs it. */
    private static final class Watchdog {
        static final ScheduledThreadPoolExecutor SCHEDULER = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> libraryThread(r, "person-wasm call timeout"));
            s.setRemoveOnCancelPolicy(true);
            s.setKeepAliveTime(THREAD_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
            s.allowCoreThreadTimeOut(true);
            return s;
        }
    }

    /**
     * One armed deadline: interrupts the calling thread unless the call ended first, and takes
     * that interrupt back when the call ends, never one from outside. An interrupt that was
     * already pending when the deadline fired stops the call just as well, and stays; one that
     * arrives in the instant between the deadline's own interrupt and the call noticing it is the
     * same flag, and cannot be told apart.
     */
    private static final class Deadline implements Runnable {
        final Thread thread = Thread.currentThread();
        ScheduledFuture<?> future;
        boolean done; // guarded by this
        boolean fired; // guarded by this
        boolean ownInterrupt; // guarded by this: the flag holds the deadline's own interrupt

        @Override
        public synchronized void run() {
            if (!done) {
                fired = true;
                if (!thread.isInterrupted()) {
                    ownInterrupt = true;
                    thread.interrupt();
                }
            }
        }

        synchronized boolean fired() {
            return fired;
        }

        /**
         * After an InterruptedException while the deadline has fired: whether the interrupt it
         * consumed was the deadline's own. If not, it came from outside, and the caller keeps it.
         */
        synchronized boolean tookOwnInterrupt() {
            boolean own = ownInterrupt;
            ownInterrupt = false;
            return own;
        }

        /** Ends the deadline; true if it fired. Takes back its own interrupt, if still pending. */
        boolean disarm() {
            boolean own;
            boolean f;
            synchronized (this) {
                done = true;
                own = ownInterrupt;
                ownInterrupt = false;
                f = fired;
            }
            future.cancel(false);
            if (own) {
                Thread.interrupted();
            }
            return f;
        }
    }

    /** How the api was configured; immutable. */
    public static final class Options {
        final long callTimeoutNanos; // 0: none
        final boolean recordOrigins;
        /** Makes the loader of a module given as bytes; null when this backend cannot load modules. */
        final Function<byte[], Supplier<? extends Operations>> modules;

        public Options(long callTimeoutNanos, boolean recordOrigins, Function<byte[], Supplier<? extends Operations>> modules) {
            this.callTimeoutNanos = callTimeoutNanos;
            this.recordOrigins = recordOrigins;
            this.modules = modules;
        }

        static final Options DEFAULT = new Options(0, Boolean.getBoolean("io.github.rustjava.person.recordHandleOrigins"), null);

        /** The bound on starting an instance: {@link #START_NANOS}, or the call timeout if longer. */
        long startNanos() {
            return Math.max(START_NANOS, callTimeoutNanos);
        }
    }

    /**
     * Starting an instance (instantiating it and its ABI check, which runs the module's code) is
     * not a call: the call timeout does not apply. It has a bound of its own, this or the call
     * timeout when that is longer, so that a module that never answers its check cannot hang
     * {@code build()} or {@code reload()}.
     */
    static final long START_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ReentrantLock lock = new ReentrantLock();
    private final ReferenceQueue<Handle> forgotten = new ReferenceQueue<>();
    private final Options options;
    /** The largest name, in UTF-8 bytes; every module of an api gets the same memory cap. */
    private final long maxNameBytes;

    // All guarded by lock.
    /** Where new persons are made. */
    private Module current;
    /** Modules replaced by reload() that still own persons; each is released with its last handle. */
    private final List<Module> retired = new ArrayList<>();
    private boolean closed;
    private long leaked;
    private long leaksReported;
    private long lastLeakSummary;
    private Deadline deadline;

    private ManagedPersonApi(Supplier<? extends Operations> factory, Options options) {
        this.options = options;
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter(options.startNanos()); // the module's ABI check runs its code: bounded too
            Operations first;
            try {
                first = factory.get();
            } catch (RuntimeException e) {
                RuntimeException stopped = factoryFault(e);
                throw stopped != null ? stopped : e;
            }
            this.current = new Module(factory, first);
        } finally {
            exit(interrupted);
            lock.unlock();
        }
        this.maxNameBytes = current.ops.maxNameBytes();
    }

    /**
     * An api over in-process guests made by {@code guests}, builds of this library's crate; each
     * guest's ABI and struct layout are checked when it starts.
     *
     * @throws IllegalStateException if the module's struct layout differs from the Java constants
     */
    public static ManagedPersonApi open(Supplier<? extends Guest> guests) {
        Objects.requireNonNull(guests, "guests");
        return openBackend(() -> new Marshalling(guests.get(), true));
    }

    /** An api over backends made by {@code backends}: a fresh one at start and after each fault. */
    public static ManagedPersonApi openBackend(Supplier<? extends Operations> backends) {
        return open(backends, Options.DEFAULT);
    }

    /** An api over backends made by {@code backends}, configured by {@code options}. */
    public static ManagedPersonApi open(Supplier<? extends Operations> backends, Options options) {
        return new ManagedPersonApi(Objects.requireNonNull(backends, "backends"), Objects.requireNonNull(options, "options"));
    }

    /**
     * The marshalling layer alone over {@code guest}: the raw operations, with none of the api's
     * safety (no handles, lock, reclaiming or input checks). For white-box benchmarks of what the
     * boundary itself costs; everything else uses {@link #open}.
     *
     * @throws IllegalStateException if the guest's struct layout differs from the Java constants
     */
    public static Operations marshalling(Guest guest) {
        return new Marshalling(Objects.requireNonNull(guest, "guest"), true);
    }

    // --- modules ---

    /**
     * One person module: the factory that makes running copies of it, the running copy, and the
     * handles whose persons live there. Guarded by the api's lock.
     */
    private final class Module {
        final Supplier<? extends Operations> factory;
        Operations ops; // null after a failed recovery, until the next call starts a fresh copy
        final Cell live = new Cell(); // sentinel of the circular list of live handles
        int liveCount;

        Module(Supplier<? extends Operations> factory, Operations ops) {
            this.factory = factory;
            this.ops = ops;
        }

        Operations ops() {
            if (ops == null) {
                ops = factory.get();
            }
            return ops;
        }
    }

    // --- calls ---

    /**
     * Starts a call, with the lock held: arms the deadline, and sets aside an interrupt that was
     * pending before the call (the runtime would otherwise stop the call at its first step).
     * Returns whether there was one, for {@link #exit}. Clearing the flag is the last thing it
     * does, so a call that fails here has nothing to restore.
     */
    private boolean enter() {
        return enter(options.callTimeoutNanos);
    }

    /** {@link #enter()} with a deadline of {@code nanos} (0: none). */
    private boolean enter(long nanos) {
        if (closed) {
            throw new IllegalStateException("PersonApi is closed");
        }
        if (nanos > 0) {
            arm(nanos);
        }
        return Thread.interrupted();
    }

    private void arm(long nanos) {
        Deadline d = new Deadline();
        d.future = Watchdog.SCHEDULER.schedule(d, nanos, TimeUnit.NANOSECONDS);
        deadline = d;
    }

    /** Ends a call: disarms the deadline and restores a pending interrupt. */
    private void exit(boolean interrupted) {
        Deadline d = deadline;
        if (d != null) {
            deadline = null;
            d.disarm();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public PersonHandle createPerson(String name, int age) {
        // Checked and encoded before touching Rust: a rejected name allocates nothing there. A
        // large name is encoded in chunks inside the call instead, where its deadline can stop it.
        byte[] utf8 = Objects.requireNonNull(name, "name must not be null").length() > CHUNK_CHARS
                ? null : utf8(name, maxNameBytes);
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter();
            reclaimForgotten();
            return utf8 != null ? create(utf8, age, null) : createLarge(name, age, null);
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    @Override
    public Optional<PersonHandle> personDetails(PersonHandle person) {
        Cell cell = cellOf(person);
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter();
            reclaimForgotten();
            return details(cell, null);
        } finally {
            exit(interrupted);
            lock.unlock();
            Reference.reachabilityFence(person);
        }
    }

    @Override
    public RustError errorMessage() {
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter();
            reclaimForgotten();
            return error();
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    // The bodies of the calls, shared by the api and its scopes: the caller holds the lock (or a
    // scope's lease on it) and has entered the call.

    private PersonHandle create(byte[] utf8, int age, Scope scope) {
        Module m = current;
        try {
            for (int attempt = 0; ; attempt++) {
                Operations ops = m.ops();
                long person = ops.createPerson(utf8, age);
                if (person != 0) {
                    return track(m, person, scope);
                }
                int status = ops.lastStatus();
                if (status != Ffi.OUT_OF_MEMORY || !reclaimUnderPressure(attempt)) {
                    throw Ffi.statusException(status, "create_person", ops::panicMessage);
                }
            }
        } catch (RuntimeException e) {
            throw fault(m, e);
        }
    }

    /**
     * {@link #create} for a name of more than {@link #CHUNK_CHARS} chars: encoded and copied into
     * the module in chunks, with a check for a stop between any two.
     */
    private PersonHandle createLarge(String name, int age, Scope scope) {
        Module m = current;
        try {
            Utf8Chunks utf8 = utf8Chunks(name, maxNameBytes);
            for (int attempt = 0; ; attempt++) {
                Operations ops = m.ops();
                long person = ops.createPerson(utf8.chunks, utf8.length, age);
                if (person != 0) {
                    return track(m, person, scope);
                }
                int status = ops.lastStatus();
                if (status != Ffi.OUT_OF_MEMORY || !reclaimUnderPressure(attempt)) {
                    throw Ffi.statusException(status, "create_person", ops::panicMessage);
                }
            }
        } catch (RuntimeException e) {
            throw fault(m, e);
        }
    }

    private Optional<PersonHandle> details(Cell cell, Scope scope) {
        check(cell);
        Module m = cell.module;
        try {
            for (int attempt = 0; ; attempt++) {
                Operations ops = m.ops();
                long details = ops.getPersonDetails(cell.address);
                if (details != 0) {
                    return Optional.of(track(m, details, scope));
                }
                int status = ops.lastStatus();
                if (status == Ffi.UNDER_AGE) {
                    return Optional.empty();
                }
                if (status != Ffi.OUT_OF_MEMORY || !reclaimUnderPressure(attempt)) {
                    throw Ffi.statusException(status, "get_person_details", ops::panicMessage);
                }
            }
        } catch (RuntimeException e) {
            throw fault(m, e);
        }
    }

    private RustError error() {
        Module m = current;
        try {
            Operations ops = m.ops();
            RustError error = ops.errorMessage();
            if (error == null) {
                throw Ffi.statusException(ops.lastStatus(), "get_error_message", ops::panicMessage);
            }
            return error;
        } catch (RuntimeException e) {
            throw fault(m, e);
        }
    }

    private String readName(Cell cell) {
        check(cell);
        try {
            return cell.module.ops().name(cell.address);
        } catch (RuntimeException e) {
            throw fault(cell.module, e);
        }
    }

    private int readAge(Cell cell) {
        check(cell);
        try {
            return cell.module.ops().age(cell.address);
        } catch (RuntimeException e) {
            throw fault(cell.module, e);
        }
    }

    @Override
    public long liveAllocations() {
        lock.lock();
        boolean interrupted = false;
        Module m = null;
        try {
            interrupted = enter();
            reclaimForgotten();
            long sum = 0;
            for (Module r : retired) {
                m = r;
                sum += r.ops().liveAllocations();
            }
            m = current;
            return sum + m.ops().liveAllocations();
        } catch (RuntimeException e) {
            throw fault(m, e);
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    @Override
    public long leakedHandles() {
        lock.lock();
        try {
            if (!closed) {
                reclaimForgottenQuietly();
            }
            return leaked;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void reload(Path wasm) {
        Objects.requireNonNull(wasm, "wasm");
        if (options.modules == null) {
            throw new UnsupportedOperationException("this backend runs a fixed library and cannot load modules");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(wasm);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + wasm, e);
        }
        // Parsing and compiling can take a while and touch nothing of this api: outside the lock.
        Supplier<? extends Operations> factory = options.modules.apply(bytes);
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter(options.startNanos());
            Operations first;
            try {
                first = factory.get(); // runs the new module's abi_layout: under the start bound
            } catch (RuntimeException e) {
                RuntimeException stopped = factoryFault(e);
                throw stopped != null ? stopped
                        : e instanceof IllegalArgumentException ? e : new IllegalArgumentException(e.getMessage(), e);
            }
            Module old = current;
            current = new Module(factory, first);
            if (old.liveCount == 0) {
                release(old);
            } else {
                retired.add(old);
            }
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    /** Whether {@code person} was made by this api (open or not). */
    public boolean owns(PersonHandle person) {
        return person instanceof Handle && ((Handle) person).api == this;
    }

    /** Bytes of memory the current module's instance has grown to, or -1 where there is no such thing. */
    public long memorySize() {
        lock.lock();
        try {
            return current.ops().memorySize();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (leaked > leaksReported) {
                summariseLeaks();
            }
            for (Module m : retired) {
                closeModule(m);
            }
            retired.clear();
            closeModule(current);
        } finally {
            lock.unlock();
        }
    }

    /** Frees what the caller still holds in {@code m}, so a native library (which outlives this api) leaks nothing. */
    private void closeModule(Module m) {
        Operations ops = m.ops;
        boolean interrupted = Thread.interrupted();
        try {
            for (Cell c = m.live.next; c != m.live; c = c.next) {
                c.freed = true;
                c.clear();
                if (ops != null && !c.lost) {
                    ops.freePerson(c.address);
                }
            }
        } catch (RuntimeException e) {
            // A Wasm instance is discarded whole anyway; say why its persons were not freed one by one.
            Log.LOGGER.log(System.Logger.Level.DEBUG, "Rust failed while PersonApi was closing", e);
        } finally {
            m.live.next = m.live.prev = m.live;
            m.liveCount = 0;
            if (ops != null) {
                ops.close();
            }
            m.ops = null;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void release(Module m) {
        if (m.ops != null) {
            m.ops.close();
            m.ops = null;
        }
    }

    // --- scopes ---

    @Override
    public PersonScope openScope() {
        lock.lock(); // held until the scope closes: the lease
        boolean interrupted = false;
        try {
            interrupted = enter();
            reclaimForgotten();
        } catch (RuntimeException e) {
            exit(interrupted);
            lock.unlock();
            throw e;
        }
        exit(interrupted);
        return new Scope();
    }

    /**
     * A lease on this api's instance for one thread: the api's lock stays held from open to close,
     * so calls in the scope need no lock of their own, only a check of the thread.
     */
    private final class Scope implements PersonScope {
        final Thread owner = Thread.currentThread();
        boolean closed; // read by other threads only to reject them: owner-confined otherwise

        private void confined() {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("a PersonScope and its handles belong to the thread that opened it");
            }
            if (closed) {
                throw new IllegalStateException("PersonScope is closed");
            }
        }

        @Override
        public PersonHandle createPerson(String name, int age) {
            confined();
            byte[] utf8 = Objects.requireNonNull(name, "name must not be null").length() > CHUNK_CHARS
                    ? null : utf8(name, maxNameBytes);
            boolean interrupted = enter();
            try {
                return utf8 != null ? create(utf8, age, this) : createLarge(name, age, this);
            } finally {
                exit(interrupted);
            }
        }

        @Override
        public Optional<PersonHandle> personDetails(PersonHandle person) {
            confined();
            Cell cell = cellOf(person);
            boolean interrupted = enter();
            try {
                return details(cell, this);
            } finally {
                exit(interrupted);
                Reference.reachabilityFence(person);
            }
        }

        @Override
        public RustError errorMessage() {
            confined();
            boolean interrupted = enter();
            try {
                return error();
            } finally {
                exit(interrupted);
            }
        }

        String name(Cell cell) {
            confined();
            boolean interrupted = enter();
            try {
                return readName(cell);
            } finally {
                exit(interrupted);
            }
        }

        int age(Cell cell) {
            confined();
            boolean interrupted = enter();
            try {
                return readAge(cell);
            } finally {
                exit(interrupted);
            }
        }

        Person toPerson(Cell cell) {
            confined();
            boolean interrupted = enter();
            try {
                return new Person(readName(cell), readAge(cell));
            } finally {
                exit(interrupted);
            }
        }

        /** A scoped handle's close(): frees now, so the scope's close has one person fewer to free. */
        void free(Cell cell) {
            if (closed || cell.freed || ManagedPersonApi.this.closed) {
                return;
            }
            confined();
            boolean interrupted = Thread.interrupted();
            try {
                ManagedPersonApi.this.free(cell);
            } catch (RuntimeException e) {
                Log.LOGGER.log(System.Logger.Level.DEBUG, "free_person failed; the instance was replaced", fault(cell.module, e));
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void close() {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("a PersonScope belongs to the thread that opened it");
            }
            if (closed) {
                return;
            }
            boolean interrupted = Thread.interrupted();
            try {
                // The scope's persons are in the modules' live lists with everyone else's: no list
                // of its own to grow while a long scope makes and closes handles.
                if (!ManagedPersonApi.this.closed) {
                    for (Module m : retired.toArray(new Module[0])) {
                        freeMadeIn(m);
                    }
                    freeMadeIn(current);
                }
            } finally {
                closed = true;
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                lock.unlock();
            }
        }

        private void freeMadeIn(Module m) {
            for (Cell cell = m.live.next, next; cell != m.live; cell = next) {
                next = cell.next;
                if (cell.scope == this) {
                    try {
                        ManagedPersonApi.this.free(cell);
                    } catch (RuntimeException e) {
                        // The recovery moved the others to a fresh instance, where they are freed next.
                        Log.LOGGER.log(System.Logger.Level.DEBUG, "free_person failed; the instance was replaced",
                                fault(cell.module, e));
                    }
                }
            }
        }
    }

    // --- handles ---

    /**
     * The state of one handle, kept apart from the handle itself: when the handle becomes
     * unreachable, this reference is queued and the api frees the person on its next call.
     */
    private static final class Cell extends PhantomReference<Handle> {
        final ManagedPersonApi api;
        Module module; // guarded by api.lock
        long address; // guarded by api.lock; changes when a fault's recovery moves the person
        boolean freed; // guarded by api.lock
        boolean lost; // guarded by api.lock: a fault took the person, see lostBecause
        String lostBecause;
        final Throwable origin; // where the handle was made, when the api records it
        final Scope scope; // the scope that made it, or null
        Cell prev = this; // live list of the module, guarded by api.lock
        Cell next = this;

        /** A list sentinel. */
        Cell() {
            super(null, null);
            this.api = null;
            this.origin = null;
            this.scope = null;
        }

        /** A scope frees its handles itself: their cells refer to no handle, so the collector never queues them. */
        Cell(ManagedPersonApi api, Handle handle, Module module, long address, Throwable origin, Scope scope) {
            super(scope == null ? handle : null, scope == null ? api.forgotten : null);
            this.api = api;
            this.module = module;
            this.address = address;
            this.origin = origin;
            this.scope = scope;
        }
    }

    private static final class Handle implements PersonHandle {
        final ManagedPersonApi api;
        final Cell cell; // final: a handle handed to another thread always carries its cell

        Handle(ManagedPersonApi api, Module module, long address, Throwable origin, Scope scope) {
            this.api = api;
            this.cell = new Cell(api, this, module, address, origin, scope);
        }

        @Override
        public String name() {
            try {
                return api.name(cell);
            } finally {
                // Without the fence the handle may become unreachable mid-call, and the api could
                // free the person while its memory is being read.
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public int age() {
            try {
                return api.age(cell);
            } finally {
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public Person toPerson() {
            try {
                return api.toPerson(cell);
            } finally {
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public void close() {
            try {
                api.closeHandle(cell);
            } finally {
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public String toString() {
            return "PersonHandle@" + Integer.toHexString(System.identityHashCode(this));
        }
    }

    private PersonHandle track(Module m, long address, Scope scope) {
        Handle handle = new Handle(this, m, address,
                options.recordOrigins && scope == null ? new Throwable("the forgotten PersonHandle was made here") : null,
                scope);
        Cell cell = handle.cell;
        cell.next = m.live.next;
        cell.prev = m.live;
        m.live.next.prev = cell;
        m.live.next = cell;
        m.liveCount++;
        return handle;
    }

    private Cell cellOf(PersonHandle person) {
        Objects.requireNonNull(person, "person");
        if (!owns(person)) {
            throw new IllegalArgumentException("PersonHandle belongs to another PersonApi");
        }
        return ((Handle) person).cell;
    }

    /** Throws if the handle may not be used. Call with the lock held, after {@link #enter}. */
    private static void check(Cell cell) {
        if (cell.scope != null && cell.scope.closed) {
            throw new IllegalStateException("PersonHandle's PersonScope is closed");
        }
        if (cell.freed) {
            throw new IllegalStateException("PersonHandle is closed");
        }
        if (cell.lost) {
            throw new IllegalStateException("PersonHandle was lost: " + cell.lostBecause);
        }
    }

    private String name(Cell cell) {
        Scope scope = cell.scope;
        if (scope != null && scope.owner == Thread.currentThread()) {
            return scope.name(cell);
        }
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter();
            return readName(cell);
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    private int age(Cell cell) {
        Scope scope = cell.scope;
        if (scope != null && scope.owner == Thread.currentThread()) {
            return scope.age(cell);
        }
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter();
            return readAge(cell);
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    private Person toPerson(Cell cell) {
        Scope scope = cell.scope;
        if (scope != null && scope.owner == Thread.currentThread()) {
            return scope.toPerson(cell);
        }
        lock.lock(); // one call for both reads, so they see the same person
        boolean interrupted = false;
        try {
            interrupted = enter();
            return new Person(readName(cell), readAge(cell));
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    /** {@link PersonHandle#close()}: idempotent, throws nothing. */
    private void closeHandle(Cell cell) {
        Scope scope = cell.scope;
        if (scope != null && scope.owner == Thread.currentThread()) {
            scope.free(cell);
            return;
        }
        lock.lock();
        boolean interrupted = false;
        try {
            cell.clear(); // closed on purpose: never queued as forgotten
            if (closed || cell.freed) {
                return;
            }
            interrupted = enter();
            free(cell);
        } catch (RuntimeException e) {
            // The person went with the instance that failed; a fault during close costs nothing more.
            Log.LOGGER.log(System.Logger.Level.DEBUG, "free_person failed; the instance was replaced", fault(cell.module, e));
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    /** Unlinks {@code cell} and frees its person, if neither is done yet. Call with the lock held. */
    private void free(Cell cell) {
        if (cell.freed) {
            return;
        }
        cell.freed = true;
        cell.prev.next = cell.next;
        cell.next.prev = cell.prev;
        cell.prev = cell.next = cell;
        Module m = cell.module;
        m.liveCount--;
        if (!cell.lost && m.ops != null) {
            m.ops.freePerson(cell.address);
        }
        if (m.liveCount == 0 && m != current && retired.remove(m)) {
            release(m); // the last person of a module replaced by reload()
        }
    }

    // --- forgotten handles ---

    /**
     * Frees the persons of handles the caller dropped without closing. Call with the lock held,
     * inside a call: a fault while freeing recovers that module, and an interrupt or a timeout
     * ends the call as it would anywhere else.
     */
    private void reclaimForgotten() {
        Reference<? extends Handle> r;
        while ((r = forgotten.poll()) != null) {
            reclaim((Cell) r);
        }
    }

    private void reclaim(Cell cell) {
        if (cell.freed) {
            return;
        }
        leaked++;
        reportLeak(cell);
        try {
            free(cell);
        } catch (RuntimeException e) {
            RuntimeException translated = fault(cell.module, e);
            if (translated instanceof CallInterruptedException || translated instanceof CallTimeoutException) {
                throw translated;
            }
            Log.LOGGER.log(System.Logger.Level.DEBUG, "free_person failed for a forgotten handle; the instance was replaced", translated);
        }
    }

    /** {@link #reclaimForgotten()} outside a call: no deadline, and an interrupt is set aside. */
    private void reclaimForgottenQuietly() {
        boolean interrupted = false;
        try {
            interrupted = enter();
            reclaimForgotten();
        } catch (CallInterruptedException | CallTimeoutException e) {
            // the rest are reclaimed on the next call
        } finally {
            exit(interrupted);
        }
    }

    /**
     * The module ran out of memory: persons of forgotten handles may be what fills it, and the
     * garbage collector decides when they are found. Like the JDK's direct buffers, ask for a
     * collection and wait a little, with growing pauses, for forgotten handles to turn up. Returns
     * whether any did, so the caller tries again; false when waiting is over.
     */
    private boolean reclaimUnderPressure(int attempt) {
        if (attempt >= 8) {
            return false;
        }
        long before = leaked;
        reclaimForgotten();
        if (leaked > before) {
            return true;
        }
        // Asked for on a thread of the library's own: the collection may take longer than the
        // call may wait, and the wait below must stay interruptible, by the deadline too.
        Recovery.EXECUTOR.execute(System::gc);
        try {
            for (long pause = 1; pause <= 256; pause *= 2) {
                Reference<? extends Handle> r = forgotten.remove(pause);
                if (r != null) {
                    reclaim((Cell) r);
                    reclaimForgotten();
                    return true;
                }
            }
        } catch (InterruptedException e) {
            // Stop waiting: the deadline passed, or an interrupt came from outside, which stays.
            if (!timedOut() || !deadline.tookOwnInterrupt()) {
                Thread.currentThread().interrupt();
            }
            throw new Stop.Stopped("while it waited for forgotten handles");
        }
        return false;
    }

    /** The first few forgotten handles one by one, then at most one summary per interval. */
    private void reportLeak(Cell cell) {
        if (leaked <= LEAK_WARNINGS) {
            leaksReported = leaked;
            String advice = cell.origin == null
                    ? " Set -Dio.github.rustjava.person.recordHandleOrigins=true or PersonApi.Builder.recordHandleOrigins(true) to see where it was made."
                    : "";
            Log.LOGGER.log(System.Logger.Level.WARNING,
                    "A PersonHandle was never closed; the library freed its Rust person. Close handles "
                            + "(try-with-resources)." + advice + (leaked == LEAK_WARNINGS
                            ? " Further forgotten handles are reported as a count, at most every "
                                    + TimeUnit.NANOSECONDS.toSeconds(LEAK_SUMMARY_INTERVAL_NANOS) + " s."
                            : ""),
                    cell.origin);
            lastLeakSummary = System.nanoTime();
            return;
        }
        if (System.nanoTime() - lastLeakSummary >= LEAK_SUMMARY_INTERVAL_NANOS) {
            summariseLeaks();
        }
    }

    private void summariseLeaks() {
        Log.LOGGER.log(System.Logger.Level.WARNING, leaked + " PersonHandles were never closed and were freed by the library ("
                + (leaked - leaksReported) + " since the last report).");
        leaksReported = leaked;
        lastLeakSummary = System.nanoTime();
    }

    // --- faults ---

    /**
     * Turns a failure of a call on module {@code m} into the exception to throw. A fault of the
     * backend (a trap, an interrupt, a timeout) also replaces its broken instance with a fresh
     * one holding every live person; anything else is returned unchanged. Call with the lock held.
     */
    private RuntimeException fault(Module m, RuntimeException e) {
        if (e instanceof Stop.Stopped) {
            // Stopped on the Java side, or while waiting: the instance was not in the middle of anything.
            return timedOut() ? timeout(e)
                    : new CallInterruptedException("the call was interrupted " + e.getMessage(), e);
        }
        Operations broken = m == null ? null : m.ops;
        RuntimeException translated = broken == null ? null : broken.fault(e);
        if (translated == null) {
            return e;
        }
        boolean timedOut = timedOut();
        if (timedOut) {
            // The recovery gets a deadline of its own: the spent one has done its work.
            deadline.disarm();
            arm(options.callTimeoutNanos);
        }
        recover(m, broken);
        return timedOut ? timeout(translated) : translated;
    }

    private boolean timedOut() {
        return deadline != null && deadline.fired();
    }

    /**
     * A failure while a module starts (its ABI check runs its code): the stop that caused it, if
     * the deadline fired or the thread was interrupted; null for a failure of the module itself.
     */
    private RuntimeException factoryFault(RuntimeException e) {
        if (timedOut()) {
            return new IllegalArgumentException("the module did not start within "
                    + TimeUnit.NANOSECONDS.toMillis(options.startNanos()) + " ms", e);
        }
        if (Thread.currentThread().isInterrupted()) {
            return new CallInterruptedException("the call was interrupted while the module started", e);
        }
        return null;
    }

    /** A call the deadline stopped throws {@link CallTimeoutException}, not the interrupt it used. */
    private CallTimeoutException timeout(RuntimeException cause) {
        return new CallTimeoutException("the call ran longer than the timeout of "
                + TimeUnit.NANOSECONDS.toMillis(options.callTimeoutNanos) + " ms and was stopped", cause);
    }

    /** Runs recoveries: threads of the library's own, which no caller can interrupt, kept while in use. */
    private static final class Recovery {
        static final java.util.concurrent.ExecutorService EXECUTOR = new java.util.concurrent.ThreadPoolExecutor(
                0, Integer.MAX_VALUE, THREAD_KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new java.util.concurrent.SynchronousQueue<>(), r -> libraryThread(r, "person-wasm recovery"));
    }

    /**
     * Replaces the broken instance of {@code m}: a fresh one, with every live person made again in
     * it from the old memory, and the handles moved. What cannot be carried over is marked lost.
     *
     * <p>The work runs on a thread of the library's own while the caller waits, holding the lock:
     * an interrupt aimed at the caller must not spoil the recovery of the fault it caused. The
     * deadline, if any, still applies: a module that hangs while persons are made again in it
     * costs its persons, not the api.
     */
    private void recover(Module m, Operations broken) {
        m.ops = null;
        if (m.liveCount == 0 || !broken.readableAfterFault()) {
            markLost(m, "its Rust instance failed and was discarded");
            broken.close();
            return;
        }
        Cell[] cells = new Cell[m.liveCount];
        long[] from = new long[cells.length];
        int n = 0;
        for (Cell c = m.live.next; c != m.live; c = c.next) {
            if (!c.lost) {
                cells[n] = c;
                from[n++] = c.address;
            }
        }
        int count = n;
        Supplier<? extends Operations> factory = m.factory;
        java.util.concurrent.Future<Moved> moving = Recovery.EXECUTOR.submit(() -> move(factory, broken, from, count));
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    Moved moved = moving.get();
                    for (int i = 0; i < count; i++) {
                        if (moved.addresses[i] != 0) {
                            cells[i].address = moved.addresses[i];
                        } else {
                            cells[i].lost = true;
                            cells[i].lostBecause = "its Rust instance failed and its person could not be read back: "
                                    + moved.unreadable[i];
                        }
                    }
                    m.ops = moved.fresh;
                    return;
                } catch (InterruptedException e) {
                    if (timedOut()) {
                        // The deadline's own interrupt is taken; one from outside is kept.
                        interrupted |= !deadline.tookOwnInterrupt();
                        moving.cancel(true);
                        break;
                    }
                    interrupted = true; // an interrupt from outside: kept for the caller
                } catch (java.util.concurrent.ExecutionException e) {
                    Log.LOGGER.log(System.Logger.Level.DEBUG, "moving the persons to a fresh instance failed", e.getCause());
                    break;
                }
            }
            markLost(m, "its Rust instance failed, and its person could not be moved to a fresh one");
        } finally {
            broken.close();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The outcome of {@link #move}: the fresh instance, each person's new address or 0, and why a 0. */
    private static final class Moved {
        final Operations fresh;
        final long[] addresses;
        final String[] unreadable;

        Moved(Operations fresh, long[] addresses, String[] unreadable) {
            this.fresh = fresh;
            this.addresses = addresses;
            this.unreadable = unreadable;
        }
    }

    /**
     * Makes the persons at {@code from} of {@code broken} again in a fresh instance from
     * {@code factory}. Touches no handle: the waiting caller commits the result.
     */
    private static Moved move(Supplier<? extends Operations> factory, Operations broken, long[] from, int count) {
        Operations fresh = factory.get();
        try {
            long[] addresses = new long[count];
            String[] unreadable = new String[count];
            for (int i = 0; i < count; i++) {
                String name;
                int age;
                try {
                    name = broken.name(from[i]);
                    age = broken.age(from[i]);
                } catch (RuntimeException e) {
                    unreadable[i] = e.getMessage();
                    continue;
                }
                long address = fresh.createPerson(name.getBytes(StandardCharsets.UTF_8), age);
                if (address == 0) {
                    throw Ffi.statusException(fresh.lastStatus(), "create_person", fresh::panicMessage);
                }
                addresses[i] = address;
            }
            return new Moved(fresh, addresses, unreadable);
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
    }

    private static void markLost(Module m, String because) {
        for (Cell c = m.live.next; c != m.live; c = c.next) {
            if (!c.lost) {
                c.lost = true;
                c.lostBecause = because;
            }
        }
    }

    // --- input ---

    /**
     * Names of more chars than this are encoded and copied into the module in chunks of this
     * size, each step checking whether the call was stopped: about a millisecond of work each.
     * Shorter names are encoded whole, before the call, in at most about as long.
     */
    static final int CHUNK_CHARS = 1 << 20;

    /** A name in UTF-8, as consecutive chunks, and its length in bytes. */
    static final class Utf8Chunks {
        final byte[][] chunks;
        final long length;

        Utf8Chunks(byte[][] chunks, long length) {
            this.chunks = chunks;
            this.length = length;
        }
    }

    /**
     * {@link #utf8} for a name of any length, in chunks of {@link #CHUNK_CHARS} chars (a surrogate
     * pair is never split), with a check between any two whether the call was stopped.
     *
     * @throws Stop.Stopped if the calling thread is interrupted (from outside or by its deadline)
     */
    static Utf8Chunks utf8Chunks(String name, long maxBytes) {
        Objects.requireNonNull(name, "name must not be null");
        int chars = name.length();
        if (3L * chars > maxBytes) {
            // Counted before anything is kept, as utf8() does, so a huge input costs at most a chunk.
            long length = 0;
            for (int from = 0; from < chars; ) {
                Stop.check("while it checked the name");
                int to = chunkEnd(name, from);
                length += encode(name, from, to).length;
                from = to;
            }
            if (length > maxBytes) {
                throw new IllegalArgumentException("a name of " + length + " UTF-8 bytes is too large: the limit is "
                        + maxBytes + " bytes");
            }
        }
        byte[][] chunks = new byte[(int) ((chars + (long) CHUNK_CHARS - 1) / CHUNK_CHARS) + 1][];
        int n = 0;
        long length = 0;
        for (int from = 0; from < chars; ) {
            Stop.check("while it encoded the name");
            int to = chunkEnd(name, from);
            byte[] utf8 = encode(name, from, to);
            chunks[n++] = utf8;
            length += utf8.length;
            from = to;
        }
        return new Utf8Chunks(java.util.Arrays.copyOf(chunks, n), length);
    }

    /**
     * {@code name[from, to)} in UTF-8, checked as {@link #utf8} checks a whole name: the JDK's
     * encoder writes '?' for an unpaired surrogate, so output with no '?' and no NUL is valid, and
     * anything else is checked char by char, which throws the precise reason if it is bad.
     */
    private static byte[] encode(String name, int from, int to) {
        byte[] utf8 = name.substring(from, to).getBytes(StandardCharsets.UTF_8);
        if (Bytes.indexOf(utf8, (byte) '?') >= 0 || Bytes.indexOf(utf8, (byte) 0) >= 0) {
            utf8Length(name, from, to);
        }
        return utf8;
    }

    /** The end of the chunk that starts at {@code from}: a pair that would be split goes to the next one. */
    private static int chunkEnd(String name, int from) {
        int to = (int) Math.min(name.length(), (long) from + CHUNK_CHARS);
        if (to < name.length() && to - 1 > from && Character.isHighSurrogate(name.charAt(to - 1))
                && Character.isLowSurrogate(name.charAt(to))) {
            to--;
        }
        return to;
    }

    /**
     * {@code name} in UTF-8, the bytes Rust receives; refused with {@link IllegalArgumentException}
     * where {@link #utf8Length} refuses it, or when it is longer than {@code maxBytes}. A name that
     * could be too large is counted before it is encoded, so a huge input is refused before any copy.
     */
    static byte[] utf8(String name, long maxBytes) {
        Objects.requireNonNull(name, "name must not be null");
        int chars = name.length();
        // One to three UTF-8 bytes per char (a surrogate pair is 4 bytes for 2 chars), so only a
        // name near the limit needs counting first.
        boolean checked = false;
        if (3L * chars > maxBytes) {
            long length = utf8Length(name); // also checks every char
            if (length > maxBytes) {
                throw new IllegalArgumentException("a name of " + length + " UTF-8 bytes is too large: the limit is "
                        + maxBytes + " bytes");
            }
            checked = true;
        }
        // The JDK's encoder is vectorised; a loop over chars is not. Check its output instead: one
        // byte per char means every char is ASCII or an unpaired surrogate, which the encoder
        // wrote as '?'. So a name with one byte per char, no '?' and no NUL is ASCII and valid;
        // any other name is checked char by char, which throws the precise reason if it is bad.
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (!checked && (utf8.length != chars
                || Bytes.indexOf(utf8, (byte) '?') >= 0 || Bytes.indexOf(utf8, (byte) 0) >= 0)) {
            utf8Length(name);
        }
        return utf8;
    }

    /**
     * The UTF-8 length of {@code name}, refusing what a Rust C string cannot carry faithfully:
     * U+0000 would end the string early, and an unpaired surrogate has no UTF-8 form (Java's
     * encoder would silently write '?'). Counting here lets a huge name be refused before any copy.
     */
    static long utf8Length(String name) {
        Objects.requireNonNull(name, "name must not be null");
        return utf8Length(name, 0, name.length());
    }

    /** {@link #utf8Length(String)} of {@code name[from, to)}; a pair split at {@code to} counts as unpaired. */
    private static long utf8Length(String name, int from, int to) {
        long bytes = 0;
        for (int i = from, n = to; i < n; i++) {
            char c = name.charAt(i);
            if (c < 0x80) {
                if (c == 0) {
                    throw new IllegalArgumentException(
                            "name contains U+0000 at index " + i + ": a C string cannot hold it");
                }
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (!Character.isSurrogate(c)) {
                bytes += 3;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(name.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                throw new IllegalArgumentException(String.format(
                        "name contains an unpaired surrogate U+%04X at index %d: it has no UTF-8 form", (int) c, i));
            }
        }
        return bytes;
    }
}
