package io.github.rustjava.person.internal;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.RustError;
import io.github.rustjava.person.RustPanicException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The one implementation of {@link PersonApi}'s semantics, over any {@link Guest}: input checks,
 * UTF-8 and C-string marshalling, struct reads through the verified layout, status-to-exception
 * mapping, and handle ownership. Every backend (each Chicory engine, FFM, JNI) only supplies raw
 * calls and memory access, so they cannot drift apart.
 */
public final class GuestPersonApi implements PersonApi {

    private static final Cleaner CLEANER = Cleaner.create();
    private static final System.Logger LOG = System.getLogger(PersonApi.class.getName());

    /**
     * Names up to this many bytes (with their NUL) are written into one reused Rust block, which
     * saves an alloc/dealloc pair per call. Larger names get a block of their own for the call, so
     * one huge name does not stay pinned in the module's memory.
     */
    static final int SCRATCH_LIMIT = 64 * 1024;

    private final ReentrantLock lock = new ReentrantLock();
    private final Supplier<? extends Guest> factory;
    /** Sentinel of the circular list of live handles, so close() can free them. Guarded by lock. */
    private final Cell live = new Cell(null, null, 0);

    // All guarded by lock.
    private Guest guest; // null after a fault until the next call starts a fresh one
    private Abi.Layout layout;
    private long scratch;
    private int scratchCapacity;
    private boolean closed;
    private long freedByCleaner;

    private GuestPersonApi(Supplier<? extends Guest> factory) {
        this.factory = factory;
    }

    /**
     * Starts a guest and checks its layout.
     *
     * @throws IllegalStateException if the module's struct layout differs from the Java constants
     */
    public static GuestPersonApi open(Supplier<? extends Guest> factory) {
        GuestPersonApi api = new GuestPersonApi(Objects.requireNonNull(factory, "factory"));
        api.start();
        return api;
    }

    private Guest start() {
        Guest g = factory.get();
        try {
            Abi.verify(g.expectedLayout(), g::abiLayout);
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
        guest = g;
        layout = g.expectedLayout();
        return g;
    }

    /** The current guest, starting a fresh one if the last one faulted. Call with the lock held. */
    private Guest guest() {
        if (closed) {
            throw new IllegalStateException("PersonApi is closed");
        }
        return guest != null ? guest : start();
    }

    @Override
    public PersonHandle createPerson(String name, int age) {
        // Checked before taking the lock or touching Rust: a rejected name allocates nothing.
        byte[] utf8 = utf8(name);
        lock.lock();
        try {
            Guest g = guest();
            long arg = argument(g, utf8);
            long person = g.createPerson(arg, age);
            if (arg != scratch) {
                g.dealloc(arg, utf8.length + 1L);
            }
            if (person == 0) {
                throw failure(g, "create_person");
            }
            return track(g, person);
        } catch (RuntimeException e) {
            throw fault(e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<PersonHandle> personDetails(PersonHandle person) {
        Cell cell = cellOf(person);
        lock.lock();
        try {
            Guest g = check(cell);
            long details = g.getPersonDetails(cell.address);
            if (details == 0) {
                if (g.lastStatus() == Abi.UNDER_AGE) {
                    return Optional.empty();
                }
                throw failure(g, "get_person_details");
            }
            return Optional.of(track(g, details));
        } catch (RuntimeException e) {
            throw fault(e);
        } finally {
            lock.unlock();
            Reference.reachabilityFence(person);
        }
    }

    @Override
    public RustError errorMessage() {
        lock.lock();
        try {
            Guest g = guest();
            long error = g.getErrorMessage();
            if (error == 0) {
                throw failure(g, "get_error_message");
            }
            try {
                int code = g.readInt(error + layout.errorCode());
                String message = cString(g, g.readPointer(error + layout.errorMessage()));
                return new RustError(code, message);
            } finally {
                g.freeError(error); // Rust's own free, never C free(): the seed's Go bug
            }
        } catch (RuntimeException e) {
            throw fault(e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long liveAllocations() {
        lock.lock();
        try {
            Guest g = guest();
            return g.liveAllocations() - (scratch != 0 ? 1 : 0);
        } catch (RuntimeException e) {
            throw fault(e);
        } finally {
            lock.unlock();
        }
    }

    /** Handles that were never closed and were freed by the Cleaner instead: each one is a caller's leak. */
    public long handlesFreedByCleaner() {
        lock.lock();
        try {
            return freedByCleaner;
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
            Guest g = guest;
            guest = null;
            if (g == null) {
                return;
            }
            try {
                // Free what the caller still holds, so a native library (which outlives this api)
                // leaks nothing. A Wasm instance is discarded whole anyway.
                for (Cell c = live.next; c != live; c = c.next) {
                    c.freed = true;
                    if (c.guest == g) {
                        g.freePerson(c.address);
                    }
                }
                live.next = live.prev = live;
                if (scratch != 0) {
                    g.dealloc(scratch, scratchCapacity);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Rust failed while PersonApi was closing", e);
            } finally {
                scratch = 0;
                scratchCapacity = 0;
                g.close();
            }
        } finally {
            lock.unlock();
        }
    }

    // --- handles ---

    /**
     * The state of one handle, kept apart from the handle itself so the Cleaner can free the Rust
     * object after the handle is unreachable.
     */
    private static final class Cell implements Runnable {
        final GuestPersonApi api;
        final Guest guest; // the instance that owns `address`
        final long address;
        volatile boolean explicit; // closed by the caller, not by the Cleaner
        boolean freed; // guarded by api.lock
        Cell prev = this; // live list, guarded by api.lock
        Cell next = this;

        Cell(GuestPersonApi api, Guest guest, long address) {
            this.api = api;
            this.guest = guest;
            this.address = address;
        }

        @Override
        public void run() {
            api.release(this);
        }
    }

    private static final class Handle implements PersonHandle {
        final Cell cell;
        Cleaner.Cleanable cleanable;

        Handle(Cell cell) {
            this.cell = cell;
        }

        @Override
        public String name() {
            try {
                return cell.api.name(cell);
            } finally {
                // Without the fence the handle may become unreachable mid-call, and the Cleaner
                // could free the person while Rust memory is being read.
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public int age() {
            try {
                return cell.api.age(cell);
            } finally {
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public Person toPerson() {
            try {
                return cell.api.toPerson(cell);
            } finally {
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public void close() {
            cell.explicit = true;
            cleanable.clean(); // runs release() at most once, whoever gets there first
        }

        @Override
        public String toString() {
            return "PersonHandle@" + Long.toHexString(cell.address);
        }
    }

    private PersonHandle track(Guest g, long address) {
        Cell cell = new Cell(this, g, address);
        cell.next = live.next;
        cell.prev = live;
        live.next.prev = cell;
        live.next = cell;
        Handle handle = new Handle(cell);
        handle.cleanable = CLEANER.register(handle, cell);
        return handle;
    }

    private Cell cellOf(PersonHandle person) {
        Objects.requireNonNull(person, "person");
        if (!(person instanceof Handle) || ((Handle) person).cell.api != this) {
            throw new IllegalArgumentException("PersonHandle belongs to another PersonApi");
        }
        return ((Handle) person).cell;
    }

    /** The guest that owns {@code cell}, if the handle may still be used. Call with the lock held. */
    private Guest check(Cell cell) {
        if (closed) {
            throw new IllegalStateException("PersonApi is closed");
        }
        if (cell.freed) {
            throw new IllegalStateException("PersonHandle is closed");
        }
        if (cell.guest != guest) {
            throw new IllegalStateException(
                    "PersonHandle lived in a Wasm instance that was discarded after a Rust panic");
        }
        return cell.guest;
    }

    private void release(Cell cell) {
        lock.lock();
        try {
            if (cell.freed) {
                return;
            }
            cell.freed = true;
            cell.prev.next = cell.next;
            cell.next.prev = cell.prev;
            if (!cell.explicit) {
                freedByCleaner++;
                LOG.log(System.Logger.Level.WARNING,
                        "A PersonHandle was never closed; the Cleaner freed it. Close handles (try-with-resources).");
            }
            if (!closed && cell.guest == guest) {
                try {
                    guest.freePerson(cell.address);
                } catch (RuntimeException e) {
                    // close() throws nothing: report, and let fault() discard a broken instance.
                    LOG.log(System.Logger.Level.WARNING, "free_person failed", fault(e));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private String name(Cell cell) {
        lock.lock();
        try {
            Guest g = check(cell);
            return cString(g, g.readPointer(cell.address + layout.personName()));
        } finally {
            lock.unlock();
        }
    }

    private int age(Cell cell) {
        lock.lock();
        try {
            return check(cell).readInt(cell.address + layout.personAge());
        } finally {
            lock.unlock();
        }
    }

    private Person toPerson(Cell cell) {
        lock.lock(); // reentrant: one lock for both reads, so they see the same person
        try {
            return new Person(name(cell), age(cell));
        } finally {
            lock.unlock();
        }
    }

    // --- marshalling ---

    /**
     * The UTF-8 bytes of {@code name}, refusing what a Rust C string cannot carry faithfully:
     * U+0000 would end the string early, and an unpaired surrogate has no UTF-8 form (Java's
     * encoder would silently write '?').
     */
    static byte[] utf8(String name) {
        Objects.requireNonNull(name, "name must not be null");
        for (int i = 0, n = name.length(); i < n; i++) {
            char c = name.charAt(i);
            if (c == 0) {
                throw new IllegalArgumentException(
                        "name contains U+0000 at index " + i + ": a C string cannot hold it");
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(name.charAt(i + 1))) {
                    i++;
                } else {
                    throw new IllegalArgumentException(String.format(
                            "name contains an unpaired surrogate U+%04X at index %d: it has no UTF-8 form", (int) c, i));
                }
            }
        }
        return name.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes {@code utf8} and a NUL into Rust memory: the scratch block, or a block of its own. */
    private long argument(Guest g, byte[] utf8) {
        int size = utf8.length + 1;
        long block;
        if (size <= scratchCapacity) {
            block = scratch;
        } else if (size <= SCRATCH_LIMIT) {
            int capacity = Math.max(256, Integer.highestOneBit(size - 1) << 1);
            if (scratch != 0) {
                g.dealloc(scratch, scratchCapacity);
                scratch = 0;
                scratchCapacity = 0;
            }
            block = allocate(g, capacity);
            scratch = block;
            scratchCapacity = capacity;
        } else {
            block = allocate(g, size);
        }
        g.write(block, utf8, utf8.length);
        g.writeByte(block + utf8.length, (byte) 0);
        return block;
    }

    private static long allocate(Guest g, int size) {
        long block = g.alloc(size);
        if (block == 0) {
            throw new IllegalArgumentException(
                    "a name of " + (size - 1) + " UTF-8 bytes does not fit in the Rust module's memory");
        }
        return block;
    }

    private static String cString(Guest g, long address) {
        return new String(g.read(address, g.strlen(address)), StandardCharsets.UTF_8);
    }

    // --- failures ---

    /** The exception for a null result, from Rust's {@code last_status()}. */
    private static RuntimeException failure(Guest g, String function) {
        int status = g.lastStatus();
        switch (status) {
            case Abi.INVALID_UTF8:
                return new IllegalArgumentException("Rust rejected the name: not valid UTF-8");
            case Abi.AGE_OVERFLOW:
                return new ArithmeticException("age + 1 overflows: the person is Integer.MAX_VALUE years old");
            case Abi.OUT_OF_MEMORY:
                return new IllegalStateException("Rust ran out of memory in " + function);
            case Abi.PANIC:
                return new RustPanicException("Rust panicked in " + function + ": " + g.panicMessage(), null);
            default:
                return new IllegalStateException(function + " returned null with status " + status);
        }
    }

    /**
     * Turns a guest fault (a Wasm trap) into its exception and discards the broken guest; anything
     * else is returned unchanged. Call with the lock held.
     */
    private RuntimeException fault(RuntimeException e) {
        Guest g = guest;
        RuntimeException translated = g == null ? null : g.fault(e);
        if (translated == null) {
            return e;
        }
        guest = null; // its handles now fail check(); the next call starts a fresh guest
        scratch = 0;
        scratchCapacity = 0;
        g.close();
        return translated;
    }
}
