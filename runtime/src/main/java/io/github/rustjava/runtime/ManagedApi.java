package io.github.rustjava.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The rules every call into a guest follows, for any binding: one call at a time per instance,
 * the call timeout, interrupts, faults, owned objects freed exactly once, forgotten handles
 * reclaimed, scopes, reload. A binding extends it and writes its own calls with the protected
 * methods here; everything it does not write, it inherits.
 *
 * <p><b>A call.</b> {@link #begin} takes the lock, arms the deadline and sets aside an interrupt
 * that was pending (the runtime would otherwise stop the call at its first step); {@link #end}
 * undoes that. In between, the binding calls its backend ({@link #ops}) and wraps owned results
 * in handles (a subclass of {@link Owned}). A failure goes through {@link #fault}.
 *
 * <p><b>Faults.</b> When a call into a Wasm instance is abandoned half-way (a trap, an interrupt,
 * a timeout, or an {@link Error} thrown out of the guest), the instance's allocator and stack are
 * in an unknown state, so it takes no more calls. Its memory can still be read, and an owned
 * object the binding made never changes, so its handles stay valid: reads come from the old
 * memory ({@link #read}), a close only forgets the object, and a call that needs the object in a
 * live instance carries it over first (the binding says how, then {@link #moveTo}). The next call
 * starts a fresh instance. The old memory goes with its last handle, as after a reload. So a
 * fault costs the failing call, whatever the number of live handles. Backends whose memory cannot
 * be read after a fault lose that instance's handles instead, and say so.
 *
 * <p><b>Callbacks.</b> Rust may call Java during a call ({@link HostFunction}). Java code that
 * runs there and calls this api again, on the same thread, would enter an instance that is in the
 * middle of a call (its store borrowed, its stack in use): such a call is refused with an {@link
 * IllegalStateException} before it touches anything, and closing the api or a handle from there
 * too. Other apis may be called.
 *
 * @param <B> the binding's backend: its functions on one running guest
 */
public abstract class ManagedApi<B extends Backend> implements AutoCloseable {

    /** Forgotten handles reported one by one before the api switches to periodic summaries. */
    public static final int LEAK_WARNINGS = 3;
    /** The least time between two summaries of forgotten handles. */
    public static final long LEAK_SUMMARY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * How long the runtime's own thread (the watchdog) stays alive with nothing to do. It ends
     * then, so an application that stops using the library, and a server that undeploys it,
     * keeps no thread of it, nor the class loaders such a thread would hold.
     */
    static final long THREAD_KEEP_ALIVE_SECONDS = 2;

    /**
     * Starting an instance (instantiating it and its ABI check, which runs the module's code) is
     * not a call, so the call timeout does not bound it. It has a bound of its own, this or the
     * call timeout when that is longer, so that a module that never answers its check cannot hang
     * opening an api or reloading it.
     */
    public static final long START_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** Stops calls that run past their deadline; one daemon thread for every api in the JVM, while any needs it. */
    private static final class Watchdog {
        static final ScheduledThreadPoolExecutor SCHEDULER = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
                // No context class loader and no inherited thread-locals: a thread started from an
                // application's call must hold nothing of the application (a web application's loader).
                Thread t = new Thread(null, r, "rustjava call timeout", 0, false);
                t.setDaemon(true);
                t.setContextClassLoader(null);
                return t;
            });
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
     * same flag, and cannot be told apart. The watchdog fires it when it looks at the api ({@code watchBy}).
     */
    private static final class Deadline {
        final Thread thread = Thread.currentThread();
        /** When it fires, in {@link System#nanoTime()}. */
        final long at;
        boolean done; // guarded by this
        boolean fired; // guarded by this
        boolean ownInterrupt; // guarded by this: the flag holds the deadline's own interrupt

        Deadline(long nanos) {
            this.at = System.nanoTime() + nanos;
        }

        synchronized void fire() {
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
            if (own) {
                Thread.interrupted();
            }
            return f;
        }
    }

    /**
     * How an api is configured, and the words its messages use for the binding's types; immutable.
     *
     * @param callTimeoutNanos stop a call that runs longer; 0: never
     * @param recordOrigins record where each handle was made, for the warning when it is forgotten
     * @param modules makes the loader of a module given as bytes, for reload; null when the backend
     *     cannot load modules
     * @param faults the exceptions the binding's users see
     * @param names the binding's words, for messages and the logger
     */
    public record Settings(long callTimeoutNanos, boolean recordOrigins, Function<byte[], ? extends Supplier<? extends Backend>> modules,
            Faults faults, Names names) {
        public Settings {
            Objects.requireNonNull(faults, "faults");
            Objects.requireNonNull(names, "names");
        }
    }

    /**
     * The binding's words: its api type ("PersonApi"), its handle type ("PersonHandle"), its
     * scope type ("PersonScope"), and the logger that reports forgotten handles.
     */
    public record Names(String api, String handle, String scope, String logger, String originsProperty) {}

    /**
     * One call at a time on the instance. Fair: a thread that waits (a reload, a close) is served
     * in turn, where an unfair lock lets threads in a loop of short calls take it again and again.
     */
    private final ReentrantLock lock = new ReentrantLock(true);
    private final ReferenceQueue<Owned> forgotten = new ReferenceQueue<>();
    private final Settings settings;
    private final Names names;
    private System.Logger logger; // made on first use: finding the logging backend loads and configures it

    // All guarded by lock.
    /** Where new objects are made. */
    private Slot current;
    /** Instances replaced by a reload or a fault that still own objects; each goes with its last handle. */
    private final List<Slot> retired = new ArrayList<>();
    private boolean closed;
    /** A call is running on the thread that holds the lock (or the scope): a callback may not start another. */
    private boolean calling;
    private long leaked;
    private long leaksReported;
    private long lastLeakSummary;
    private Deadline deadline;
    /** {@link #deadline}, for the watchdog's thread: the call in progress's, or null. */
    private volatile Deadline armed;
    /** Guards changes to {@link #look} and {@link #lookAt}: the call's thread and the watchdog's both schedule. */
    private final Object watch = new Object();
    /** The watchdog's next look at this api's deadline, or null when none is pending; read without the lock too. */
    private volatile ScheduledFuture<?> look;
    private volatile long lookAt;
    /** The thread whose open scope holds the lock, or null; read by other threads without it. */
    private volatile Thread lessee;
    /** This api, or the pool it is a member of: what a handle must belong to. Set before any call. */
    private Object family = this;

    /**
     * Starts the first instance from {@code instances}, which also makes a fresh one after each
     * fault.
     */
    protected ManagedApi(Supplier<? extends B> instances, Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.names = settings.names();
        Objects.requireNonNull(instances, "instances");
        lock.lock();
        try {
            this.current = new Slot(this, instances, startInstance(instances));
        } finally {
            lock.unlock();
        }
    }

    private System.Logger log() {
        if (logger == null) {
            logger = System.getLogger(names.logger());
        }
        return logger;
    }

    // --- instances ---

    /**
     * One running copy of the guest, and the handles whose objects live in it. The api's current
     * instance is where new objects are made; one replaced by a reload or a fault stays,
     * read-only after a fault, until its last handle closes. Guarded by the api's lock.
     */
    public static final class Slot {
        final ManagedApi<?> api;
        final Supplier<? extends Backend> factory;
        Backend ops; // null until the first call needs it, and after release
        /** What stopped this instance; non-null: no more calls into it, its memory is only read. */
        RuntimeException fault;
        final Cell live = new Cell(); // sentinel of the circular list of live handles
        int liveCount;
        int lostCount; // of the live handles, those whose object a fault took

        Slot(ManagedApi<?> api, Supplier<? extends Backend> factory, Backend ops) {
            this.api = api;
            this.factory = factory;
            this.ops = ops;
        }

        /** Whether the instance faulted: no more calls into it. */
        public boolean faulted() {
            return fault != null;
        }
    }

    /** Where new objects are made. Call within a call. */
    protected final Slot current() {
        if (current.fault != null) {
            replaceCurrent(); // its replacement could not be made when it failed
        }
        return current;
    }

    /** The current instance failed: the next call that needs one starts a fresh one. */
    private void replaceCurrent() {
        Slot m = current;
        current = new Slot(this, m.factory, null);
        if (m.liveCount > 0 && !retired.contains(m)) {
            retired.add(m);
        }
    }

    /**
     * The backend of {@code slot}, for a call: started on first use (a fresh instance's ABI check
     * runs guest code, inside the call). Never one that faulted: carry its objects over first.
     */
    @SuppressWarnings("unchecked")
    protected final B ops(Slot slot) {
        if (slot.fault != null) {
            throw new IllegalStateException("the instance failed and takes no more calls: " + slot.fault.getMessage());
        }
        if (slot.ops == null) {
            try {
                slot.ops = slot.factory.get();
            } catch (RuntimeException e) {
                RuntimeException stopped = factoryFault(e);
                throw stopped != null ? stopped : e;
            }
        }
        return (B) slot.ops;
    }

    // --- calls ---

    /**
     * Starts a call: takes the lock, arms the deadline, sets aside a pending interrupt, and frees
     * the objects of forgotten handles. Returns whether an interrupt was pending, for {@link #end}.
     * Every {@code begin} is paired with an {@code end} in a {@code finally}.
     */
    protected final boolean begin() {
        lock.lock();
        if (calling) {
            lock.unlock();
            throw reentered();
        }
        boolean interrupted = false;
        try {
            interrupted = enter();
            reclaimForgotten();
            return interrupted;
        } catch (RuntimeException | Error e) {
            exit(interrupted);
            lock.unlock();
            throw e;
        }
    }

    /**
     * Starts a call on one handle: in the handle's scope, on the scope's thread, it takes no lock;
     * anywhere else it is {@link #begin}, and a scope's handle is refused to other threads while
     * the scope is open. Paired with {@link #endOn}.
     */
    protected final boolean beginOn(Cell cell) {
        if (inItsScope(cell)) {
            return cell.scope.begin();
        }
        confinedToItsScope(cell);
        return begin();
    }

    /** Ends a call from {@link #beginOn}. */
    protected final void endOn(Cell cell, boolean interrupted) {
        if (inItsScope(cell)) {
            cell.scope.end(interrupted);
        } else {
            end(interrupted);
        }
    }

    /** Ends a call from {@link #begin}: disarms the deadline, restores a pending interrupt, unlocks. */
    protected final void end(boolean interrupted) {
        exit(interrupted);
        lock.unlock();
    }

    /**
     * Starts a call with the lock held: arms the deadline, and sets aside an interrupt that was
     * pending before the call. Clearing the flag is the last thing it does, so a call that fails
     * here has nothing to restore.
     */
    private boolean enter() {
        if (closed) {
            throw new IllegalStateException(names.api() + " is closed");
        }
        arm();
        calling = true;
        return Thread.interrupted();
    }

    /**
     * A call of this api from inside one of its own calls: only Java code that Rust called back
     * runs there. Every entry point checks before it changes anything, with the lock held (so only
     * the thread of the call in progress can see {@code calling} set).
     */
    private IllegalStateException reentered() {
        return new IllegalStateException(names.api() + " was called from inside one of its own calls (a callback from Rust): "
                + "its instance is in the middle of that call, so the callback may not use it, its "
                + names.handle() + "s or its " + names.scope() + "s");
    }

    /** Arms the call's deadline, if the api has a timeout: closes are calls too, and bounded alike. */
    private void arm() {
        if (settings.callTimeoutNanos() > 0) {
            arm(settings.callTimeoutNanos());
        }
    }

    private void arm(long nanos) {
        Deadline d = new Deadline(nanos);
        deadline = d;
        armed = d;
        watchBy(d.at);
    }

    /**
     * Makes sure the watchdog looks at this api's deadline by {@code at}. A look already pending
     * by then serves: scheduling a task per call would wake the watchdog's thread twice a call,
     * several microseconds each. So while calls come one after another, the watchdog looks about
     * once per timeout, finds a later deadline (a later call's) and looks again by then.
     */
    private void watchBy(long at) {
        // Without the lock first, the case of nearly every call. If the look is running, it
        // clears itself before it reads the deadline, which was set before this read: it sees it.
        if (look != null && lookAt - at <= 0) {
            return;
        }
        synchronized (watch) {
            if (look != null && lookAt - at <= 0) {
                return;
            }
            if (look != null) {
                look.cancel(false); // later than this deadline: the new look replaces it
            }
            lookAt = at;
            look = Watchdog.SCHEDULER.schedule(new Look(this, at), Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    /** Cancels the pending look: nothing to watch until the next deadline, and the watchdog's thread may end. */
    private void stopWatching() {
        synchronized (watch) {
            if (look != null) {
                look.cancel(false);
                look = null;
            }
        }
    }

    /**
     * A look of the watchdog at one api. It holds the api weakly: an api dropped without being
     * closed is collected, and its pending look finds nothing.
     */
    private static final class Look implements Runnable {
        private final WeakReference<ManagedApi<?>> api;
        private final long at;

        Look(ManagedApi<?> api, long at) {
            this.api = new WeakReference<>(api);
            this.at = at;
        }

        @Override
        public void run() {
            ManagedApi<?> a = api.get();
            if (a != null) {
                a.look(at);
            }
        }
    }

    /**
     * On the watchdog's thread: fires the deadline of the call in progress if it has passed, or
     * looks again by then. A call that arms while this runs either sees this look still pending
     * (and then this look, which reads the deadline after, sees the call's) or schedules its own.
     */
    private void look(long at) {
        synchronized (watch) {
            if (lookAt == at) {
                look = null;
            }
        }
        Deadline d = armed;
        if (d == null) {
            return;
        }
        if (System.nanoTime() - d.at >= 0) {
            d.fire();
        } else {
            watchBy(d.at);
        }
    }

    /** The bound on starting an instance: {@link #START_NANOS}, or the call timeout if longer. */
    private long startNanos() {
        return Math.max(START_NANOS, settings.callTimeoutNanos());
    }

    /**
     * Starts an instance from {@code instances} for opening the api or a reload: under the start
     * bound, not the call timeout, and a failure of the module is the module's, whatever the
     * engine made of it. Call with the lock held.
     */
    private Backend startInstance(Supplier<? extends Backend> instances) {
        if (closed) {
            throw new IllegalStateException(names.api() + " is closed");
        }
        arm(startNanos());
        boolean interrupted = Thread.interrupted();
        try {
            return instances.get();
        } catch (RuntimeException e) {
            if (timedOut()) {
                throw new IllegalArgumentException("the module did not start within "
                        + TimeUnit.NANOSECONDS.toMillis(startNanos()) + " ms", e);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw settings.faults().interrupted("the call was interrupted while the module started", e);
            }
            throw e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    ? e : new IllegalArgumentException(e.getMessage(), e);
        } finally {
            exit(interrupted);
        }
    }

    /** Ends a call: disarms the deadline and restores a pending interrupt. */
    private void exit(boolean interrupted) {
        calling = false;
        Deadline d = deadline;
        if (d != null) {
            deadline = null;
            armed = null;
            d.disarm();
            if (settings.callTimeoutNanos() == 0) {
                stopWatching(); // only a start was bounded: no call will need the look
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Blocks the guests hold for this api's live objects, over every instance. */
    public long liveAllocations() {
        boolean interrupted = begin();
        Slot m = null;
        try {
            Slot now = current(); // first: replacing a failed one may retire it
            long sum = 0;
            for (Slot r : retired) {
                m = r;
                // A faulted instance takes no calls: each object it still holds is one block.
                sum += r.fault != null ? r.liveCount - r.lostCount : ops(r).liveAllocations();
            }
            m = now;
            return sum + ops(m).liveAllocations();
        } catch (RuntimeException e) {
            throw fault(m, e);
        } catch (Error e) {
            throw fault(m, e);
        } finally {
            end(interrupted);
        }
    }

    /** Handles the api freed because they were never closed. */
    public long leakedHandles() {
        lock.lock();
        try {
            if (!closed && !calling) {
                reclaimForgottenQuietly();
            }
            return leaked;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of memory the current instance has grown to, or -1 where there is no such thing. */
    public long memorySize() {
        boolean interrupted = begin();
        try {
            return ops(current()).memorySize();
        } finally {
            end(interrupted);
        }
    }

    // --- reload ---

    /**
     * Replaces the module: later objects are made by the module at {@code wasm}, and handles of
     * the old one keep their instance until they close. A module that fails a check changes
     * nothing.
     *
     * @throws IllegalArgumentException if the module fails a check
     */
    public void reload(Path wasm) {
        Supplier<? extends Backend> module = load(wasm);
        switchTo(module, start(module));
    }

    /**
     * Reads and checks the module at {@code wasm}, ready to start instances of: once for a whole
     * pool. Parsing and compiling take a while and touch nothing of the api, so no lock is held.
     *
     * @throws IllegalArgumentException if the module fails a check
     */
    Supplier<? extends Backend> load(Path wasm) {
        Objects.requireNonNull(wasm, "wasm");
        if (settings.modules() == null) {
            throw new UnsupportedOperationException("this backend runs a fixed library and cannot load modules");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(wasm);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + wasm, e);
        }
        return settings.modules().apply(bytes);
    }

    /** A first instance of {@code module}, checked (its ABI version and layout); nothing of the api changes yet. */
    Backend start(Supplier<? extends Backend> module) {
        lock.lock();
        if (calling) {
            lock.unlock();
            throw reentered();
        }
        try {
            return startInstance(module);
        } finally {
            lock.unlock();
        }
    }

    /**
     * New objects are made in {@code first}, an instance of {@code module} from {@link #start},
     * from now on. Cannot fail but for a closed api, so a pool switches all its members or none.
     */
    void switchTo(Supplier<? extends Backend> module, Backend first) {
        lock.lock();
        try {
            if (calling) {
                first.close();
                throw reentered();
            }
            if (closed) {
                first.close();
                throw new IllegalStateException(names.api() + " is closed");
            }
            Slot old = current;
            current = new Slot(this, module, first);
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

    // --- ownership ---

    /** Whether {@code handle} was made by this api (open or not). */
    public final boolean owns(Object handle) {
        return handle instanceof Owned && ((Owned) handle).cell().api == this;
    }

    /** Whether {@code handle} was made by this api or another member of its pool. */
    protected final boolean ownsInFamily(Object handle) {
        return handle instanceof Owned && ((Owned) handle).cell().api.family == family;
    }

    /** Makes this api a member of {@code pool}: handles of every member are the pool's own. */
    void joinPool(Object pool) {
        this.family = pool;
    }

    /**
     * The state of {@code handle}, which must be this api's.
     *
     * @throws NullPointerException if it is null
     * @throws IllegalArgumentException if another api made it
     */
    protected final Cell cellOf(Object handle) {
        Objects.requireNonNull(handle, "person");
        if (!owns(handle)) {
            throw new IllegalArgumentException(names.handle() + " belongs to another " + names.api());
        }
        return ((Owned) handle).cell();
    }

    // --- close ---

    /** Frees every object still open, and the instances: idempotent, under the call timeout. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (calling) {
                throw reentered();
            }
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
                for (Slot m : retired) {
                    closeSlot(m);
                }
                retired.clear();
                closeSlot(current);
            } finally {
                exit(interrupted);
                stopWatching();
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
    @SuppressWarnings("unchecked")
    private void closeSlot(Slot m) {
        B ops = m.fault == null ? (B) m.ops : null;
        try {
            for (Cell c = m.live.next; c != m.live; c = c.next) {
                c.freed = true;
                c.clear();
                if (ops != null && !c.lost) {
                    free(ops, c.kind, c.address);
                }
            }
        } catch (RuntimeException | Error e) {
            log().log(System.Logger.Level.DEBUG, "Rust failed while " + names.api() + " was closing", e);
        } finally {
            for (Cell c = m.live.next; c != m.live; c = c.next) {
                c.freed = true;
                c.clear();
            }
            m.live.next = m.live.prev = m.live;
            m.liveCount = 0;
            m.lostCount = 0;
            release(m);
        }
    }

    private void release(Slot m) {
        if (m.ops != null) {
            m.ops.close();
            m.ops = null;
        }
    }

    // --- scopes ---

    /**
     * Opens {@code scope} (made by {@code scopes}), which holds this api's lock until it closes:
     * the lease.
     */
    protected final <S extends Lease> S lease(Supplier<S> scopes) {
        boolean interrupted = begin();
        S scope;
        try {
            scope = scopes.get();
        } catch (RuntimeException | Error e) {
            end(interrupted);
            throw e;
        }
        exit(interrupted); // the lock stays held
        lessee = scope.owner;
        return scope;
    }

    /** Set by a pool's close that could not wait for this api's scope: the scope's close closes the api. */
    private volatile boolean closeAfterLease;

    /**
     * Closes this api when the scope that holds it closes, or now if none does. The flag is set
     * before the lease is looked at, and a scope clears its lease before it looks at the flag, so
     * one of the two closes the api.
     */
    final void closeAfterLease() {
        closeAfterLease = true;
        if (lessee == null) {
            close();
        }
    }

    /** Whether a thread other than the caller holds this api's instance through an open scope. */
    final boolean leasedToAnotherThread() {
        Thread t = lessee;
        return t != null && t != Thread.currentThread();
    }

    /** Whether the caller holds this api's instance through an open scope. */
    final boolean leasedToThisThread() {
        return lessee == Thread.currentThread();
    }

    /**
     * Refuses a call from a thread holding a scope of the same pool that would wait for an
     * instance another thread's scope holds: that thread may be waiting for the caller's.
     */
    protected final void mayWaitHere() {
        if (leasedToAnotherThread() && family instanceof Pool && ((Pool<?>) family).leasedToThisThread()) {
            throw new IllegalStateException("this thread holds a " + names.scope() + " on one instance of the pool, and the "
                    + "call needs another instance, which another thread's " + names.scope() + " holds: close the scope first");
        }
    }

    /**
     * A lease on this api's instance for one thread: the api's lock stays held from open to
     * close, so calls in the scope need no lock of their own, only a check of the thread. Its
     * objects are freed when it closes. A binding's scope extends it with its calls, each between
     * {@link #begin} and {@link #end}.
     */
    public abstract class Lease implements AutoCloseable {
        final Thread owner = Thread.currentThread();
        volatile boolean closed; // written by the owner; other threads read it only to reject their calls

        protected Lease() {}

        /** Throws unless the caller is the scope's thread and the scope is open. */
        protected final void confined() {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("a " + names.scope() + " and its handles belong to the thread that opened it");
            }
            if (closed) {
                throw new IllegalStateException(names.scope() + " is closed");
            }
        }

        /** Starts a call in the scope: no lock, only the thread's check, the deadline and the interrupt. */
        protected final boolean begin() {
            confined();
            if (calling) {
                throw reentered();
            }
            return enter();
        }

        /** Ends a call from {@link #begin}. */
        protected final void end(boolean interrupted) {
            exit(interrupted);
        }

        /** A scoped handle's close: frees now, so the scope's close has one object fewer to free. */
        void free(Cell cell) {
            if (closed || cell.freed || ManagedApi.this.closed) {
                return;
            }
            confined();
            if (calling) {
                throw reentered();
            }
            boolean interrupted = Thread.interrupted();
            arm();
            try {
                ManagedApi.this.free(cell);
            } catch (RuntimeException e) {
                log().log(System.Logger.Level.DEBUG, "free failed; the instance was retired", fault(cell.slot, e));
            } catch (Error e) {
                throw fault(cell.slot, e);
            } finally {
                exit(interrupted);
            }
        }

        /** Frees every object made in the scope and still open, and gives the instance back. */
        @Override
        public void close() {
            if (Thread.currentThread() != owner) {
                throw new IllegalStateException("a " + names.scope() + " belongs to the thread that opened it");
            }
            if (closed) {
                return;
            }
            if (calling) {
                throw reentered();
            }
            boolean interrupted = Thread.interrupted();
            arm(); // one deadline for the whole close: it runs Rust code like any call
            try {
                // The scope's objects are in the instances' live lists with everyone else's: no
                // list of its own to grow while a long scope makes and closes handles.
                if (!ManagedApi.this.closed) {
                    for (Slot m : retired.toArray(new Slot[0])) {
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
            if (closeAfterLease) {
                ManagedApi.this.close();
            }
        }

        private void freeMadeIn(Slot m) {
            for (Cell cell = m.live.next, next; cell != m.live; cell = next) {
                next = cell.next;
                if (cell.scope == this) {
                    try {
                        ManagedApi.this.free(cell);
                    } catch (RuntimeException | Error e) {
                        // The instance is retired; the scope's other objects in it are only forgotten.
                        log().log(System.Logger.Level.DEBUG, "free failed; the instance was retired",
                                e instanceof Error ? fault(cell.slot, (Error) e) : fault(cell.slot, (RuntimeException) e));
                    }
                }
            }
        }
    }

    // --- handles ---

    /**
     * The state of one handle, kept apart from the handle itself: when the handle becomes
     * unreachable, this reference is queued and the api frees the object on a later call.
     */
    public static final class Cell extends PhantomReference<Owned> {
        final ManagedApi<?> api;
        Slot slot; // guarded by api.lock
        long address; // guarded by api.lock; changes when an object is carried out of a faulted instance
        final int kind;
        boolean freed; // guarded by api.lock
        boolean lost; // guarded by api.lock: a fault took the object, see lostBecause
        String lostBecause;
        final Throwable origin; // where the handle was made, when the api records it
        final ManagedApi<?>.Lease scope; // the scope that made it, or null
        Cell prev = this; // live list of the slot, guarded by api.lock
        Cell next = this;

        /** A list sentinel. */
        Cell() {
            super(null, null);
            this.api = null;
            this.kind = 0;
            this.origin = null;
            this.scope = null;
        }

        /** A scope frees its handles itself: their cells refer to no handle, so the collector never queues them. */
        Cell(ManagedApi<?> api, Owned handle, Slot slot, long address, int kind, Throwable origin, ManagedApi<?>.Lease scope) {
            super(scope == null ? handle : null, scope == null ? api.forgotten : null);
            this.api = api;
            this.slot = slot;
            this.address = address;
            this.kind = kind;
            this.origin = origin;
            this.scope = scope;
        }

        /** The object's address in its instance. Read within a call. */
        public long address() {
            return address;
        }

        /** The instance that holds the object. Read within a call. */
        public Slot slot() {
            return slot;
        }

        /** The binding's kind of object, as given when the handle was made. */
        public int kind() {
            return kind;
        }

        /** The api that made the handle. */
        public ManagedApi<?> api() {
            return api;
        }

        /** The scope that made the handle, or null. */
        public ManagedApi<?>.Lease scope() {
            return scope;
        }
    }

    /** Called by {@link Owned}'s constructor: the cell of a new handle, linked into {@code slot}'s live list. */
    Cell newCell(Owned handle, Slot slot, long address, int kind, ManagedApi<?>.Lease scope) {
        Throwable origin = settings.recordOrigins() && scope == null
                ? new Throwable("the forgotten " + names.handle() + " was made here")
                : null;
        Cell cell = new Cell(this, handle, slot, address, kind, origin, scope);
        link(slot, cell);
        return cell;
    }

    /**
     * A handle made in a scope that is still open belongs to the scope's thread. Another thread
     * is refused at once: waiting for the lock the scope holds would block it until the scope
     * closes, and for ever if the scope's thread waits for it.
     */
    protected static void confinedToItsScope(Cell cell) {
        ManagedApi<?>.Lease scope = cell.scope;
        if (scope != null && !scope.closed && scope.owner != Thread.currentThread()) {
            throw new IllegalStateException("a " + cell.api.names.scope() + " and its handles belong to the thread that opened it");
        }
    }

    /** Whether the caller may use {@code cell} through its scope, without the api's lock. */
    protected static boolean inItsScope(Cell cell) {
        ManagedApi<?>.Lease scope = cell.scope;
        return scope != null && scope.owner == Thread.currentThread();
    }

    /** Throws if the handle may not be used. Call within a call. */
    protected final void check(Cell cell) {
        if (cell.scope != null && cell.scope.closed) {
            throw new IllegalStateException(names.handle() + "'s " + names.scope() + " is closed");
        }
        if (cell.freed) {
            throw new IllegalStateException(names.handle() + " is closed");
        }
        if (cell.lost) {
            throw new IllegalStateException(names.handle() + " was lost: " + cell.lostBecause);
        }
    }

    /** Reads the object of a handle from the memory of the instance that holds it. */
    @FunctionalInterface
    public interface Reader<B, R> {
        R read(B ops, long address);
    }

    /**
     * Reads the object of {@code cell} from its instance's memory, with no call into the guest:
     * it works on an instance that faulted too. An object that cannot be read back from such an
     * instance is lost, and the handle says which fault lost it. Call within a call.
     */
    protected final <R> R read(Cell cell, Reader<? super B, R> reader) {
        B ops = holder(cell);
        try {
            return reader.read(ops, cell.address);
        } catch (RuntimeException e) {
            throw readFailed(cell, e);
        }
    }

    /**
     * The backend whose memory holds the object of {@code cell}, checked to be usable: {@link
     * #read} written out, for a binding's hottest reads, where a shared method taking the reader
     * would be compiled once for all of them and called, not inlined. Read {@link Cell#address()}
     * from it with no call into the guest, and pass a failure to {@link #readFailed}. Call within
     * a call.
     */
    @SuppressWarnings("unchecked")
    protected final B holder(Cell cell) {
        check(cell);
        Slot m = cell.slot;
        return m.fault != null ? (B) m.ops : ops(m);
    }

    /** What a read from {@link #holder} that threw {@code e} throws instead: see {@link #read}. */
    protected final RuntimeException readFailed(Cell cell, RuntimeException e) {
        Slot m = cell.slot;
        if (m.fault == null) {
            RuntimeException thrown = fault(m, e);
            if (m.fault != null) {
                lose(cell, thrown.getMessage()); // what the module returned for this object is bad: the rest are only read
            }
            return thrown;
        }
        lose(cell, "its Rust instance failed (" + m.fault.getMessage() + "), and it could not be read back: "
                + e.getMessage());
        return new IllegalStateException(names.handle() + " was lost: " + cell.lostBecause, e);
    }

    /**
     * Reads the object of {@code cell}, a handle of another member of the same pool, under that
     * member's lock: for a scope that copies the object into its own instance.
     *
     * @throws IllegalStateException if the caller holds a scope and another thread's scope holds that member
     */
    @SuppressWarnings("unchecked")
    protected final <R> R readFromMember(Cell cell, Reader<? super B, R> reader) {
        ManagedApi<B> member = (ManagedApi<B>) cell.api;
        member.mayWaitHere();
        confinedToItsScope(cell);
        boolean interrupted = member.begin();
        try {
            return member.read(cell, reader);
        } finally {
            member.end(interrupted);
        }
    }

    /**
     * Points {@code cell} at its object made again at {@code address} in {@code to}: the binding
     * carried it out of a faulted instance. The old instance goes with its last handle.
     */
    protected final void moveTo(Cell cell, Slot to, long address) {
        Slot from = cell.slot;
        unlink(cell);
        cell.slot = to;
        cell.address = address;
        link(to, cell);
        releaseIfDone(from);
    }

    /**
     * A handle's close: frees its object exactly once; idempotent, throws nothing, but refuses a
     * scope's handle from another thread while the scope is open.
     */
    protected final void closeHandle(Cell cell) {
        if (inItsScope(cell)) {
            cell.scope.free(cell);
            return;
        }
        confinedToItsScope(cell);
        lock.lock();
        if (calling) {
            lock.unlock();
            throw reentered();
        }
        boolean interrupted = false;
        try {
            cell.clear(); // closed on purpose: never queued as forgotten
            if (closed || cell.freed) {
                return;
            }
            interrupted = enter();
            free(cell);
        } catch (RuntimeException e) {
            // The object went with the instance that failed; a fault during close costs nothing more.
            log().log(System.Logger.Level.DEBUG, "free failed; the instance was retired", fault(cell.slot, e));
        } catch (Error e) {
            throw fault(cell.slot, e);
        } finally {
            exit(interrupted);
            lock.unlock();
        }
    }

    /** Frees the object of {@code cell} now, within a call the caller has begun: for a temporary the binding made. */
    protected final void freeInCall(Cell cell) {
        try {
            free(cell);
        } catch (RuntimeException e) {
            throw fault(cell.slot, e);
        } catch (Error e) {
            throw fault(cell.slot, e);
        }
    }

    /**
     * Frees the object at {@code address}, of the binding's {@code kind}, in {@code ops}: the free
     * function of that kind ({@code free_person}).
     */
    protected abstract void free(B ops, int kind, long address);

    /** Unlinks {@code cell} and frees its object, if neither is done yet. Call within a call. */
    @SuppressWarnings("unchecked")
    private void free(Cell cell) {
        if (cell.freed) {
            return;
        }
        cell.freed = true;
        unlink(cell);
        Slot m = cell.slot;
        // A faulted instance takes no calls: its object is only forgotten, and goes with its memory.
        if (!cell.lost && m.fault == null && m.ops != null) {
            free((B) m.ops, cell.kind, cell.address);
        }
        releaseIfDone(m);
    }

    private static void link(Slot m, Cell cell) {
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
        cell.slot.liveCount--;
        if (cell.lost) {
            cell.slot.lostCount--;
        }
    }

    /** Releases {@code m} with its last object, unless it is where new objects are made. */
    private void releaseIfDone(Slot m) {
        if (m.liveCount == 0 && m != current && retired.remove(m)) {
            release(m);
        }
    }

    // --- forgotten handles ---

    /**
     * Frees the objects of handles the caller dropped without closing. Call within a call: a
     * fault while freeing retires that instance, and an interrupt or a timeout ends the call as it
     * would anywhere else.
     */
    private void reclaimForgotten() {
        Reference<? extends Owned> r;
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
            RuntimeException translated = fault(cell.slot, e);
            if (translated == e || timedOut() || Thread.currentThread().isInterrupted()) {
                throw translated; // not a fault of the guest, or the call itself was stopped
            }
            log().log(System.Logger.Level.DEBUG, "free failed for a forgotten handle; the instance was retired", translated);
        }
    }

    /** {@link #reclaimForgotten()} outside a call: no deadline, and an interrupt is set aside. */
    private void reclaimForgottenQuietly() {
        boolean interrupted = false;
        try {
            interrupted = enter();
            reclaimForgotten();
        } catch (RuntimeException e) {
            // the rest are reclaimed on the next call
        } finally {
            exit(interrupted);
        }
    }

    /**
     * The guest ran out of memory: objects of forgotten handles may be what fills it, and the
     * garbage collector decides when they are found. Like the JDK's direct buffers, ask for a
     * collection and wait a little, with growing pauses, for forgotten handles to turn up. Returns
     * whether any did, so the caller tries again; false when waiting is over. Call within a call.
     */
    protected final boolean reclaimUnderPressure(int attempt) {
        if (attempt >= 8) {
            return false;
        }
        long before = leaked;
        reclaimForgotten();
        if (leaked > before) {
            return true;
        }
        // Asked for on a thread of its own: a collection may take longer than the call may wait,
        // and the wait below must stay interruptible, by the deadline too.
        Thread gc = new Thread(null, System::gc, "rustjava collection", 0, false);
        gc.setDaemon(true);
        gc.setContextClassLoader(null);
        gc.start();
        try {
            for (long pause = 1; pause <= 256; pause *= 2) {
                Reference<? extends Owned> r = forgotten.remove(pause);
                if (r != null) {
                    reclaim((Cell) r);
                    reclaimForgotten();
                    return true;
                }
            }
        } catch (InterruptedException e) {
            // Stop waiting: the deadline passed, or an interrupt came from outside, which stays.
            if (timedOut()) {
                if (!deadline.tookOwnInterrupt()) {
                    Thread.currentThread().interrupt();
                }
                throw timeout(new IllegalStateException("stopped while it waited for forgotten handles"));
            }
            Thread.currentThread().interrupt();
            throw settings.faults().interrupted("the call was interrupted while it waited for forgotten handles", e);
        }
        return false;
    }

    /** The first few forgotten handles one by one, then at most one summary per interval. */
    private void reportLeak(Cell cell) {
        if (leaked <= LEAK_WARNINGS) {
            leaksReported = leaked;
            String advice = cell.origin == null
                    ? " Set -D" + names.originsProperty() + "=true or " + names.api()
                            + ".Builder.recordHandleOrigins(true) to see where it was made."
                    : "";
            log().log(System.Logger.Level.WARNING,
                    "A " + names.handle() + " was never closed; the library freed its Rust object. Close handles "
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
        log().log(System.Logger.Level.WARNING, leaked + " " + names.handle() + "s were never closed and were freed by the library ("
                + (leaked - leaksReported) + " since the last report).");
        leaksReported = leaked;
        lastLeakSummary = System.nanoTime();
    }

    // --- faults ---

    /**
     * Turns a failure of a call on {@code m} into the exception to throw. A fault of the backend
     * (a trap, an interrupt, a timeout) also retires the instance: it takes no more calls, and the
     * next call starts a fresh one. Anything else is returned unchanged. Call within a call; it
     * costs the same whatever the number of live handles.
     */
    protected final RuntimeException fault(Slot m, RuntimeException e) {
        if (e instanceof Stop.Stopped) {
            // Stopped on the Java side: the instance was not in the middle of anything.
            return timedOut() ? timeout(e)
                    : settings.faults().interrupted("the call was interrupted " + e.getMessage(), e);
        }
        Backend broken = m == null || m.fault != null ? null : m.ops;
        RuntimeException translated = broken == null ? null : broken.fault(e);
        if (translated == null) {
            return e;
        }
        RuntimeException thrown = timedOut() ? timeout(translated) : translated;
        retire(m, thrown);
        return thrown;
    }

    /**
     * An {@link Error} out of a call (the heap ran out while the guest's memory grew, say)
     * abandons the call as a trap does: the instance is retired the same way, and the caller gets
     * the Error itself.
     */
    protected final Error fault(Slot m, Error e) {
        if (m != null && m.fault == null && m.ops != null) {
            RuntimeException why;
            try {
                why = new IllegalStateException("the call failed with " + e, e);
            } catch (OutOfMemoryError again) {
                why = FAILED_WITH_AN_ERROR; // the heap is full: nothing more to spend on words
            }
            retire(m, why);
        }
        return e;
    }

    /** The fault of an instance whose call failed with an Error when not even its message could be made. */
    private static final IllegalStateException FAILED_WITH_AN_ERROR =
            new IllegalStateException("the call failed with an Error") {
                private static final long serialVersionUID = 1L;

                @Override
                public synchronized Throwable fillInStackTrace() {
                    return this;
                }
            };

    /** {@code m} failed with {@code why}: no more calls into it. */
    private void retire(Slot m, RuntimeException why) {
        m.fault = why; // first, and allocating nothing: the call may have failed for want of memory
        m.ops.abandon();
        if (m == current) {
            replaceCurrent();
        }
        if (!m.ops.readableAfterFault()) {
            markLost(m, "its Rust instance failed (" + why.getMessage() + ") and was discarded");
            release(m); // nothing of it can be read: let it go now
        }
        if (m.liveCount == 0) {
            retired.remove(m);
            release(m);
        }
    }

    private boolean timedOut() {
        return deadline != null && deadline.fired();
    }

    /**
     * A failure while an instance starts (its ABI check runs its code): the stop that caused it,
     * if the deadline fired or the thread was interrupted; null for a failure of the module itself.
     */
    private RuntimeException factoryFault(RuntimeException e) {
        if (timedOut()) {
            return timeout(e);
        }
        if (Thread.currentThread().isInterrupted()) {
            return settings.faults().interrupted("the call was interrupted while the module started", e);
        }
        return null;
    }

    /** A call the deadline stopped throws the binding's timeout exception, not the interrupt it used. */
    private RuntimeException timeout(RuntimeException cause) {
        return settings.faults().timedOut("the call ran longer than the timeout of "
                + TimeUnit.NANOSECONDS.toMillis(settings.callTimeoutNanos()) + " ms and was stopped", cause);
    }

    private static void markLost(Slot m, String because) {
        for (Cell c = m.live.next; c != m.live; c = c.next) {
            lose(c, because);
        }
    }

    /** A fault took the object of {@code cell}: the handle says why from now on. */
    private static void lose(Cell cell, String because) {
        if (!cell.lost) {
            cell.lost = true;
            cell.lostBecause = because;
            cell.slot.lostCount++;
        }
    }
}
