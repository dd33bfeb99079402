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
 * The one implementation of {@link PersonApi}'s semantics, over any {@link Backend}: input checks,
 * status-to-exception mapping, locking, handle ownership, and replacing a backend after a fault.
 * Every backend only carries calls across, so none of them can drift from the contract.
 */
public final class GuestPersonApi implements PersonApi {

    private static final Cleaner CLEANER = Cleaner.create();
    private static final System.Logger LOG = System.getLogger(PersonApi.class.getName());

    private final ReentrantLock lock = new ReentrantLock();
    private final Supplier<? extends Backend> factory;
    /** Sentinel of the circular list of live handles, so close() can free them. Guarded by lock. */
    private final Cell live = new Cell(null, null, 0);

    // All guarded by lock.
    private Backend backend; // null after a fault until the next call starts a fresh one
    private boolean closed;
    private long freedByCleaner;

    /** The largest name, in UTF-8 bytes; the factory makes alike backends, so the first one's. */
    private final long maxNameBytes;

    private GuestPersonApi(Supplier<? extends Backend> factory, Backend first) {
        this.factory = factory;
        this.backend = first;
        this.maxNameBytes = first.maxNameBytes();
    }

    /**
     * An api over in-process guests made by {@code guests}; each guest's struct layout is checked
     * when it starts.
     *
     * @throws IllegalStateException if the module's struct layout differs from the Java constants
     */
    public static GuestPersonApi open(Supplier<? extends Guest> guests) {
        Objects.requireNonNull(guests, "guests");
        return openBackend(() -> new GuestBackend(guests.get()));
    }

    /**
     * The marshalling layer alone over {@code guest}: the raw operations, with none of the api's
     * safety (no handles, lock, Cleaner or input checks). For white-box benchmarks of what the
     * boundary itself costs; everything else uses {@link #open}.
     *
     * @throws IllegalStateException if the guest's struct layout differs from the Java constants
     */
    public static Backend marshalling(Guest guest) {
        return new GuestBackend(Objects.requireNonNull(guest, "guest"));
    }

    /** An api over backends made by {@code backends}: a fresh one at start and after each fault. */
    public static GuestPersonApi openBackend(Supplier<? extends Backend> backends) {
        return new GuestPersonApi(backends, Objects.requireNonNull(backends, "backends").get());
    }

    /** The current backend, starting a fresh one if the last one faulted. Call with the lock held. */
    private Backend backend() {
        if (closed) {
            throw new IllegalStateException("PersonApi is closed");
        }
        if (backend == null) {
            backend = factory.get();
        }
        return backend;
    }

    @Override
    public PersonHandle createPerson(String name, int age) {
        // Checked and encoded before touching Rust: a rejected name allocates nothing there.
        byte[] utf8 = utf8(name, maxNameBytes);
        lock.lock();
        try {
            Backend b = backend();
            long person = b.createPerson(utf8, age);
            if (person == 0) {
                throw failure(b, "create_person");
            }
            return track(b, person);
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
            Backend b = check(cell);
            long details = b.getPersonDetails(cell.address);
            if (details == 0) {
                if (b.lastStatus() == Abi.UNDER_AGE) {
                    return Optional.empty();
                }
                throw failure(b, "get_person_details");
            }
            return Optional.of(track(b, details));
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
            Backend b = backend();
            RustError error = b.errorMessage();
            if (error == null) {
                throw failure(b, "get_error_message");
            }
            return error;
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
            return backend().liveAllocations();
        } catch (RuntimeException e) {
            throw fault(e);
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code person} was made by this api (open or not). */
    public boolean owns(PersonHandle person) {
        return person instanceof Handle && ((Handle) person).cell.api == this;
    }

    /** Bytes of memory the current backend's instance has grown to, or -1 where there is no such thing. */
    public long memorySize() {
        lock.lock();
        try {
            return backend().memorySize();
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
            Backend b = backend;
            backend = null;
            for (Cell c = live.next; c != live; c = c.next) {
                c.freed = true;
            }
            if (b == null) {
                live.next = live.prev = live;
                return;
            }
            try {
                // Free what the caller still holds, so a native library (which outlives this api)
                // leaks nothing. A Wasm instance is discarded whole anyway.
                for (Cell c = live.next; c != live; c = c.next) {
                    if (c.backend == b) {
                        b.freePerson(c.address);
                    }
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "Rust failed while PersonApi was closing", e);
            } finally {
                live.next = live.prev = live;
                b.close();
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
        final Backend backend; // the instance that owns `address`
        final long address;
        volatile boolean explicit; // closed by the caller, not by the Cleaner
        boolean freed; // guarded by api.lock
        Cell prev = this; // live list, guarded by api.lock
        Cell next = this;

        Cell(GuestPersonApi api, Backend backend, long address) {
            this.api = api;
            this.backend = backend;
            this.address = address;
        }

        @Override
        public void run() {
            api.release(this);
        }
    }

    private static final class Handle implements PersonHandle {
        final Cell cell;
        // Final, so a handle passed to another thread always carries its cleanable.
        final Cleaner.Cleanable cleanable;

        Handle(Cell cell) {
            this.cell = cell;
            this.cleanable = CLEANER.register(this, cell);
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

    private PersonHandle track(Backend b, long address) {
        Cell cell = new Cell(this, b, address);
        cell.next = live.next;
        cell.prev = live;
        live.next.prev = cell;
        live.next = cell;
        return new Handle(cell);
    }

    private Cell cellOf(PersonHandle person) {
        Objects.requireNonNull(person, "person");
        if (!owns(person)) {
            throw new IllegalArgumentException("PersonHandle belongs to another PersonApi");
        }
        return ((Handle) person).cell;
    }

    /** The backend that owns {@code cell}, if the handle may still be used. Call with the lock held. */
    private Backend check(Cell cell) {
        if (closed) {
            throw new IllegalStateException("PersonApi is closed");
        }
        if (cell.freed) {
            throw new IllegalStateException("PersonHandle is closed");
        }
        if (cell.backend != backend) {
            throw new IllegalStateException(
                    "PersonHandle lived in a Rust instance that was discarded after a panic");
        }
        return cell.backend;
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
            if (!closed && cell.backend == backend) {
                try {
                    backend.freePerson(cell.address);
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
            return check(cell).name(cell.address);
        } finally {
            lock.unlock();
        }
    }

    private int age(Cell cell) {
        lock.lock();
        try {
            return check(cell).age(cell.address);
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

    // --- failures ---

    /** The exception for a null result, from Rust's {@code last_status()}. */
    private static RuntimeException failure(Backend b, String function) {
        int status = b.lastStatus();
        switch (status) {
            case Abi.INVALID_UTF8:
                return new IllegalArgumentException("Rust rejected the name: not valid UTF-8");
            case Abi.AGE_OVERFLOW:
                return new ArithmeticException("age + 1 overflows: the person is Integer.MAX_VALUE years old");
            case Abi.OUT_OF_MEMORY:
                return new IllegalStateException("Rust ran out of memory in " + function);
            case Abi.PANIC:
                return new RustPanicException("Rust panicked in " + function + ": " + b.panicMessage(), null);
            default:
                return new IllegalStateException(function + " returned null with status " + status);
        }
    }

    /**
     * Turns a backend fault (a Wasm trap) into its exception and discards the broken backend;
     * anything else is returned unchanged. Call with the lock held.
     */
    private RuntimeException fault(RuntimeException e) {
        Backend b = backend;
        RuntimeException translated = b == null ? null : b.fault(e);
        if (translated == null) {
            return e;
        }
        backend = null; // its handles now fail check(); the next call starts a fresh backend
        b.close();
        return translated;
    }
}
