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
 * and surviving a fault of the module without losing a handle. Every backend only carries
 * calls across, so none of them can drift from the contract.
 *
 * <p><b>Faults.</b> When a call into a Wasm instance is abandoned half-way (a trap, an interrupt,
 * a timeout, or an {@link Error} thrown out of the guest), the instance's allocator and stack are
 * in an unknown state, so it takes no more Wasm calls. Its memory can still be read, and a
 * person's block never changes after it is made, so its handles stay valid: reads come straight
 * from the old memory, a close only forgets the person, and a call that needs the person inside a
 * live instance ({@code personDetails}) first makes it again in the api's current instance from
 * the name and age in the old memory. The next call starts a fresh instance. The old memory goes
 * with its last handle, as after a reload. So a fault costs the failing call, whatever the number
 * of live handles. Backends whose memory cannot be read after a fault (an out-of-process route
 * whose server died) lose that instance's handles instead, and say so.
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

    /** Stops calls that run past their deadline; one daemon thread for every api in the JVM. */
    private static final class Watchdog {
        static final ScheduledThreadPoolExecutor SCHEDULER = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "person-wasm call timeout");
                t.setDaemon(true);
                return t;
            });
            s.setRemoveOnCancelPolicy(true);
            return s;
        }
    }

    /** One armed deadline: interrupts the calling thread unless the call ended first. */
    private static final class Deadline implements Runnable {
        final Thread thread = Thread.currentThread();
        ScheduledFuture<?> future;
        boolean done; // guarded by this
        boolean fired; // guarded by this

        @Override
        public synchronized void run() {
            if (!done) {
                fired = true;
                thread.interrupt();
            }
        }

        /** Ends the deadline; true if it fired, whose interrupt it then takes back. */
        boolean disarm() {
            synchronized (this) {
                done = true;
            }
            future.cancel(false);
            if (fired) {
                Thread.interrupted();
            }
            return fired;
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
    }

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
    /** The thread whose open scope holds the lock, or null; read by other threads without it. */
    private volatile Thread lessee;
    /** This api, or the pool it is a member of: what a handle must belong to. Set before any call. */
    private Object family = this;

    private ManagedPersonApi(Supplier<? extends Operations> factory, Options options) {
        this.options = options;
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter(); // the module's ABI check runs its code: under the deadline too
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
     * One running copy of a person module, and the handles whose persons live in it. The api's
     * {@code current} instance is where new persons are made; an instance replaced by a reload or
     * a fault stays, read-only after a fault, until its last handle closes. Guarded by the api's lock.
     */
    private final class Module {
        final Supplier<? extends Operations> factory;
        Operations ops; // null until the first call needs it, and after release
        /** What stopped this instance; non-null: no more Wasm calls, its memory is only read. */
        RuntimeException fault;
        final Cell live = new Cell(); // sentinel of the circular list of live handles
        int liveCount;

        Module(Supplier<? extends Operations> factory, Operations ops) {
            this.factory = factory;
            this.ops = ops;
        }

        /** The instance, for a Wasm call: started on first use; never one that faulted. */
        Operations ops() {
            if (ops == null) {
                try {
                    ops = factory.get(); // a fresh instance: its ABI check runs Rust code, inside the call
                } catch (RuntimeException e) {
                    RuntimeException stopped = factoryFault(e);
                    throw stopped != null ? stopped : e;
                }
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
        if (closed) {
            throw new IllegalStateException("PersonApi is closed");
        }
        arm();
        return Thread.interrupted();
    }

    /** Arms the call's deadline, if the api has a timeout: closes are calls too, and bounded alike. */
    private void arm() {
        if (options.callTimeoutNanos > 0) {
            Deadline d = new Deadline();
            d.future = Watchdog.SCHEDULER.schedule(d, options.callTimeoutNanos, TimeUnit.NANOSECONDS);
            deadline = d;
        }
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
        // Checked and encoded before touching Rust: a rejected name allocates nothing there.
        byte[] utf8 = utf8(name, maxNameBytes);
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter();
            reclaimForgotten();
            return create(utf8, age, null);
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    @Override
    public Optional<PersonHandle> personDetails(PersonHandle person) {
        Cell cell = cellOf(person);
        confinedToItsScope(cell);
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
        return track(m, make(m, utf8, age), scope);
    }

    /** A new person in the live instance {@code m}: its address, never 0. */
    private long make(Module m, byte[] utf8, int age) {
        try {
            for (int attempt = 0; ; attempt++) {
                Operations ops = m.ops();
                long person = ops.createPerson(utf8, age);
                if (person != 0) {
                    return person;
                }
                int status = ops.lastStatus();
                if (!Ffi.outOfMemory(status) || !reclaimUnderPressure(attempt)) {
                    throw Ffi.statusException(status, "create_person", ops::panicMessage);
                }
            }
        } catch (RuntimeException e) {
            throw fault(m, e);
        } catch (Error e) {
            throw fault(m, e);
        }
    }

    private Optional<PersonHandle> details(Cell cell, Scope scope) {
        check(cell);
        if (cell.module.fault != null) {
            carry(cell);
        }
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
                if (!Ffi.outOfMemory(status) || !reclaimUnderPressure(attempt)) {
                    throw Ffi.statusException(status, "get_person_details", ops::panicMessage);
                }
            }
        } catch (RuntimeException e) {
            throw fault(m, e);
        } catch (Error e) {
            throw fault(m, e);
        }
    }

    /**
     * Makes the person of {@code cell}, whose instance faulted, again in the current instance from
     * its name and age in the old memory, and moves the handle there. The old instance is released
     * with its last handle.
     */
    private void carry(Cell cell) {
        Module from = cell.module;
        String name = readName(cell);
        int age = readAge(cell);
        Module to = current;
        long address = make(to, name.getBytes(StandardCharsets.UTF_8), age);
        unlink(cell);
        cell.module = to;
        cell.address = address;
        link(to, cell);
        releaseIfDone(from);
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
        } catch (Error e) {
            throw fault(m, e);
        }
    }

    // Reads need no Wasm call, so they work on an instance that faulted too; a person that cannot
    // be read back from such an instance is lost, and the handle says which fault lost it.

    private String readName(Cell cell) {
        check(cell);
        Module m = cell.module;
        try {
            return (m.fault != null ? m.ops : m.ops()).name(cell.address);
        } catch (RuntimeException e) {
            throw unreadable(cell, e);
        }
    }

    private int readAge(Cell cell) {
        check(cell);
        Module m = cell.module;
        try {
            return (m.fault != null ? m.ops : m.ops()).age(cell.address);
        } catch (RuntimeException e) {
            throw unreadable(cell, e);
        }
    }

    private RuntimeException unreadable(Cell cell, RuntimeException e) {
        Module m = cell.module;
        if (m.fault == null) {
            RuntimeException thrown = fault(m, e);
            if (m.fault != null) {
                cell.lost = true; // what the module returned for this person is bad: the rest are only read
                cell.lostBecause = thrown.getMessage();
            }
            return thrown;
        }
        cell.lost = true;
        cell.lostBecause = "its Rust instance failed (" + m.fault.getMessage() + "), and its person could not be read back: "
                + e.getMessage();
        return new IllegalStateException("PersonHandle was lost: " + cell.lostBecause, e);
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
                // A faulted instance takes no calls: each of its live persons is one Rust block.
                sum += r.fault != null ? r.liveCount : r.ops().liveAllocations();
            }
            m = current;
            return sum + m.ops().liveAllocations();
        } catch (RuntimeException e) {
            throw fault(m, e);
        } catch (Error e) {
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
        Supplier<? extends Operations> module = load(wasm);
        switchTo(module, start(module));
    }

    /**
     * Reads and checks the module at {@code wasm}, ready to start instances of: once for a whole
     * pool. Parsing and compiling take a while and touch nothing of the api, so no lock is held.
     *
     * @throws IllegalArgumentException if the module fails a check
     */
    Supplier<? extends Operations> load(Path wasm) {
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
        return options.modules.apply(bytes);
    }

    /**
     * A first instance of {@code module}, checked (its ABI version and layout), for {@link
     * #switchTo}; nothing of the api changes yet.
     *
     * @throws IllegalArgumentException if the instance fails its checks
     */
    Operations start(Supplier<? extends Operations> module) {
        lock.lock();
        boolean interrupted = false;
        try {
            interrupted = enter();
            try {
                return module.get(); // runs the new module's abi_layout: under the deadline
            } catch (RuntimeException e) {
                RuntimeException stopped = factoryFault(e);
                throw stopped != null ? stopped : new IllegalArgumentException(e.getMessage(), e);
            }
        } catch (CallInterruptedException e) {
            throw timedOut() ? timeout(e) : e;
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    /**
     * New persons are made in {@code first}, an instance of {@code module} from {@link #start},
     * from now on; handles of the old module keep their instance until they close. Cannot fail
     * but for a closed api, so a pool switches all its members or none.
     */
    void switchTo(Supplier<? extends Operations> module, Operations first) {
        lock.lock();
        try {
            if (closed) {
                first.close();
                throw new IllegalStateException("PersonApi is closed");
            }
            Module old = current;
            current = new Module(module, first);
            if (old.liveCount == 0) {
                retired.remove(old);
                release(old);
            } else if (!retired.contains(old)) {
                retired.add(old);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code person} was made by this api (open or not). */
    public boolean owns(PersonHandle person) {
        return person instanceof Handle && ((Handle) person).api == this;
    }

    /** Whether {@code person} was made by this api or another member of its pool. */
    private boolean ownsInFamily(PersonHandle person) {
        return person instanceof Handle && ((Handle) person).api.family == family;
    }

    /** Makes this api a member of {@code pool}: handles of every member are the pool's own. */
    void joinPool(Object pool) {
        this.family = pool;
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
            // Freeing runs Rust code: under the call timeout, like any call.
            boolean interrupted = Thread.interrupted();
            arm();
            try {
                for (Module m : retired) {
                    closeModule(m);
                }
                retired.clear();
                closeModule(current);
            } finally {
                exit(interrupted);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Frees what the caller still holds in {@code m}, so a native library (which outlives this
     * api) leaks nothing, then releases it. A failure stops the freeing: the instance is dropped
     * whole, which is all a Wasm instance needs.
     */
    private void closeModule(Module m) {
        Operations ops = m.fault == null ? m.ops : null;
        try {
            for (Cell c = m.live.next; c != m.live; c = c.next) {
                c.freed = true;
                c.clear();
                if (ops != null && !c.lost) {
                    ops.freePerson(c.address);
                }
            }
        } catch (RuntimeException | Error e) {
            Log.LOGGER.log(System.Logger.Level.DEBUG, "Rust failed while PersonApi was closing", e);
        } finally {
            for (Cell c = m.live.next; c != m.live; c = c.next) {
                c.freed = true;
                c.clear();
            }
            m.live.next = m.live.prev = m.live;
            m.liveCount = 0;
            release(m);
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
        Scope scope = new Scope();
        lessee = scope.owner;
        return scope;
    }

    /**
     * The person of {@code cell}, for a member of the same pool whose scope the caller holds. A
     * thread holding a scope never waits for an instance that another thread's scope holds: that
     * thread may be waiting for the caller's.
     */
    Person readForAnotherMember(Cell cell) {
        if (leasedToAnotherThread()) {
            throw new IllegalStateException("the PersonHandle lives in an instance of the pool that another thread's "
                    + "PersonScope holds, and this thread holds a PersonScope too: close it first");
        }
        return toPerson(cell);
    }

    /** Whether a thread other than the caller holds this api's instance through an open scope. */
    boolean leasedToAnotherThread() {
        Thread t = lessee;
        return t != null && t != Thread.currentThread();
    }

    /** Whether the caller holds this api's instance through an open scope. */
    boolean leasedToThisThread() {
        return lessee == Thread.currentThread();
    }

    /**
     * A lease on this api's instance for one thread: the api's lock stays held from open to close,
     * so calls in the scope need no lock of their own, only a check of the thread.
     */
    private final class Scope implements PersonScope {
        final Thread owner = Thread.currentThread();
        volatile boolean closed; // written by the owner; other threads read it only to reject their calls

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
            byte[] utf8 = utf8(name, maxNameBytes);
            boolean interrupted = enter();
            try {
                return create(utf8, age, this);
            } finally {
                exit(interrupted);
            }
        }

        @Override
        public Optional<PersonHandle> personDetails(PersonHandle person) {
            confined();
            Objects.requireNonNull(person, "person");
            if (!owns(person) && ownsInFamily(person)) {
                return detailsFromAnotherMember(((Handle) person).cell);
            }
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

        /**
         * A handle of the pool whose person lives in another member's instance: the scope holds
         * only its own, so the person is copied in (read under the other member's lock), asked
         * for, and the copy freed.
         */
        private Optional<PersonHandle> detailsFromAnotherMember(Cell foreign) {
            Person p = foreign.api.readForAnotherMember(foreign);
            boolean interrupted = enter();
            try {
                Cell copy = ((Handle) create(p.name().getBytes(StandardCharsets.UTF_8), p.age(), this)).cell;
                try {
                    return details(copy, this);
                } finally {
                    ManagedPersonApi.this.free(copy);
                }
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
            arm();
            try {
                ManagedPersonApi.this.free(cell);
            } catch (RuntimeException e) {
                Log.LOGGER.log(System.Logger.Level.DEBUG, "free_person failed; the instance was retired", fault(cell.module, e));
            } catch (Error e) {
                throw fault(cell.module, e);
            } finally {
                exit(interrupted);
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
            arm(); // one deadline for the whole close: it runs Rust code like any call
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
                lessee = null;
                exit(interrupted);
                lock.unlock();
            }
        }

        private void freeMadeIn(Module m) {
            for (Cell cell = m.live.next, next; cell != m.live; cell = next) {
                next = cell.next;
                if (cell.scope == this) {
                    try {
                        ManagedPersonApi.this.free(cell);
                    } catch (RuntimeException | Error e) {
                        // The instance is retired; the scope's other persons in it are only forgotten.
                        Log.LOGGER.log(System.Logger.Level.DEBUG, "free_person failed; the instance was retired",
                                e instanceof Error ? fault(cell.module, (Error) e) : fault(cell.module, (RuntimeException) e));
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
        long address; // guarded by api.lock; changes when a person is carried out of a faulted instance
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
        link(m, handle.cell);
        return handle;
    }

    private Cell cellOf(PersonHandle person) {
        Objects.requireNonNull(person, "person");
        if (!owns(person)) {
            throw new IllegalArgumentException("PersonHandle belongs to another PersonApi");
        }
        return ((Handle) person).cell;
    }

    /**
     * A handle made in a scope that is still open belongs to the scope's thread. Another thread
     * is refused at once: waiting for the lock the scope holds would block it until the scope
     * closes, and for ever if the scope's thread waits for it.
     */
    private static void confinedToItsScope(Cell cell) {
        Scope scope = cell.scope;
        if (scope != null && !scope.closed && scope.owner != Thread.currentThread()) {
            throw new IllegalStateException("a PersonScope and its handles belong to the thread that opened it");
        }
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
        confinedToItsScope(cell);
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
        confinedToItsScope(cell);
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
        confinedToItsScope(cell);
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
        confinedToItsScope(cell);
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
        unlink(cell);
        Module m = cell.module;
        // A faulted instance takes no calls: its person is only forgotten, and goes with its memory.
        if (!cell.lost && m.fault == null && m.ops != null) {
            m.ops.freePerson(cell.address);
        }
        releaseIfDone(m);
    }

    private static void link(Module m, Cell cell) {
        cell.next = m.live.next;
        cell.prev = m.live;
        m.live.next.prev = cell;
        m.live.next = cell;
        m.liveCount++;
    }

    private static void unlink(Cell cell) {
        cell.prev.next = cell.next;
        cell.next.prev = cell.prev;
        cell.prev = cell.next = cell;
        cell.module.liveCount--;
    }

    /** Releases {@code m} with its last person, unless it is where new persons are made. */
    private void releaseIfDone(Module m) {
        if (m.liveCount == 0 && m != current && retired.remove(m)) {
            release(m);
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
        System.gc();
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
            Thread.currentThread().interrupt(); // stop waiting; the caller sees the interrupt
            return false;
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
     * backend (a trap, an interrupt, a timeout) also retires the instance: it takes no more Wasm
     * calls, and the next call starts a fresh one. Anything else is returned unchanged. Call with
     * the lock held; it costs the same whatever the number of live handles.
     */
    private RuntimeException fault(Module m, RuntimeException e) {
        Operations broken = m == null || m.fault != null ? null : m.ops;
        RuntimeException translated = broken == null ? null : broken.fault(e);
        if (translated == null) {
            return e;
        }
        RuntimeException thrown = timedOut() ? timeout(translated) : translated;
        retire(m, thrown);
        return thrown;
    }

    /**
     * An {@link Error} out of a Wasm call (the heap ran out while the guest's memory grew, say)
     * abandons the call as a trap does: the instance is retired the same way, and the caller
     * gets the Error itself.
     */
    private Error fault(Module m, Error e) {
        if (m != null && m.fault == null && m.ops != null) {
            retire(m, new IllegalStateException("the call failed with " + e, e));
        }
        return e;
    }

    /** {@code m} failed with {@code why}: no more Wasm calls into it. */
    private void retire(Module m, RuntimeException why) {
        m.fault = why;
        m.ops.abandon();
        if (m == current) {
            current = new Module(m.factory, null); // started by the next call that needs it
            if (m.liveCount > 0) {
                retired.add(m);
            }
        }
        if (!m.ops.readableAfterFault()) {
            markLost(m, "its Rust instance failed (" + why.getMessage() + ") and was discarded");
        }
        if (m.liveCount == 0) {
            retired.remove(m);
            release(m);
        }
    }

    private boolean timedOut() {
        return deadline != null && deadline.fired;
    }

    /**
     * A failure while a module starts (its ABI check runs its code): the stop that caused it, if
     * the deadline fired or the thread was interrupted; null for a failure of the module itself.
     */
    private RuntimeException factoryFault(RuntimeException e) {
        if (timedOut()) {
            return timeout(e);
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
        long bytes = 0;
        for (int i = 0, n = name.length(); i < n; i++) {
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
