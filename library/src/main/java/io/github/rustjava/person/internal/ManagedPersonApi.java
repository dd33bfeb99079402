package io.github.rustjava.person.internal;

import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.PersonScope;
import io.github.rustjava.person.RustError;
import io.github.rustjava.runtime.CStrings;
import io.github.rustjava.runtime.ManagedApi;
import io.github.rustjava.runtime.Owned;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The Person API's semantics over any {@link Operations}: its checks of the input, its status
 * codes as exceptions, its handles, and how a person is carried out of an instance that faulted
 * (made again from the name and age in the old memory). Every rule of the call itself (locking,
 * timeouts, interrupts, faults, reclaiming forgotten handles, scopes, reload) is the runtime's
 * {@link ManagedApi}, so no backend can drift from the contract.
 */
public final class ManagedPersonApi extends ManagedApi<Operations> implements PersonApi {

    /** The one kind of object this binding owns: a {@code Person*}, freed by {@code free_person}. */
    private static final int PERSON = 0;

    private static final Names NAMES = new Names("PersonApi", "PersonHandle", "PersonScope", PersonApi.class.getName(),
            "io.github.rustjava.person.recordHandleOrigins");

    /** The largest name, in UTF-8 bytes; every module of an api gets the same memory cap. */
    private final long maxNameBytes;

    private ManagedPersonApi(Supplier<? extends Operations> backends, Settings settings) {
        super(backends, settings);
        this.maxNameBytes = maxNameBytes();
    }

    private long maxNameBytes() {
        boolean interrupted = begin();
        try {
            return ops(current()).maxNameBytes();
        } finally {
            end(interrupted);
        }
    }

    /**
     * The settings of an api: its call timeout (0: none), whether it records where handles were
     * made, and how it loads a module given as bytes (null: it cannot).
     */
    public static Settings settings(long callTimeoutNanos, boolean recordOrigins,
            Function<byte[], ? extends Supplier<? extends Operations>> modules) {
        return new Settings(callTimeoutNanos, recordOrigins, modules, Ffi.FAULTS, NAMES);
    }

    private static final Settings DEFAULT = settings(0, Boolean.getBoolean(NAMES.originsProperty()), null);

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
        return open(backends, DEFAULT);
    }

    /** An api over backends made by {@code backends}, configured by {@code settings}. */
    public static ManagedPersonApi open(Supplier<? extends Operations> backends, Settings settings) {
        return new ManagedPersonApi(Objects.requireNonNull(backends, "backends"), Objects.requireNonNull(settings, "settings"));
    }

    /**
     * The marshalling layer alone over {@code guest}: the raw operations, with none of the api's
     * safety (no handles, lock, reclaiming or input checks). For white-box benchmarks of what the
     * boundary itself costs; everything else uses {@link #open}.
     */
    public static Operations marshalling(Guest guest) {
        return new Marshalling(Objects.requireNonNull(guest, "guest"), true);
    }

    /** {@code name} in UTF-8, checked: {@link CStrings#encode}. */
    static byte[] utf8(String name, long maxBytes) {
        return CStrings.encode(name, maxBytes, "name");
    }

    // --- calls ---

    @Override
    public PersonHandle createPerson(String name, int age) {
        // Checked and encoded before touching Rust: a rejected name allocates nothing there. A
        // long name is encoded in chunks inside the call instead, where its deadline can stop it.
        byte[] utf8 = isLong(name) ? null : utf8(name, maxNameBytes);
        boolean interrupted = begin();
        try {
            return utf8 != null ? create(utf8, age, null) : createLong(name, age, null);
        } finally {
            end(interrupted);
        }
    }

    private static boolean isLong(String name) {
        return Objects.requireNonNull(name, "name must not be null").length() > CStrings.CHUNK_CHARS;
    }

    @Override
    public Optional<PersonHandle> personDetails(PersonHandle person) {
        Cell cell = cellOf(person);
        confinedToItsScope(cell);
        boolean interrupted = begin();
        try {
            return details(cell, null);
        } finally {
            end(interrupted);
            Reference.reachabilityFence(person);
        }
    }

    @Override
    public RustError errorMessage() {
        boolean interrupted = begin();
        try {
            return error();
        } finally {
            end(interrupted);
        }
    }

    @Override
    public PersonScope openScope() {
        return lease(Scope::new);
    }

    @Override
    protected void free(Operations ops, int kind, long address) {
        ops.freePerson(address);
    }

    // The bodies of the calls, shared by the api and its scopes: the caller has begun the call.

    private PersonHandle create(byte[] utf8, int age, Scope scope) {
        Slot m = current();
        return new Handle(m, make(m, utf8, age), scope);
    }

    /** {@link #create} for a long name: encoded and copied in chunks, each step stoppable. */
    private PersonHandle createLong(String name, int age, Scope scope) {
        Slot m = current();
        try {
            CStrings.Chunks utf8 = CStrings.encodeChunks(name, maxNameBytes, "name");
            for (int attempt = 0; ; attempt++) {
                Operations ops = ops(m);
                long person = ops.createPerson(utf8, age);
                if (person != 0) {
                    return new Handle(m, person, scope);
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

    /** A new person in the live instance {@code m}: its address, never 0. */
    private long make(Slot m, byte[] utf8, int age) {
        try {
            for (int attempt = 0; ; attempt++) {
                Operations ops = ops(m);
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
        if (cell.slot().faulted()) {
            carry(cell);
        }
        Slot m = cell.slot();
        try {
            for (int attempt = 0; ; attempt++) {
                Operations ops = ops(m);
                long details = ops.getPersonDetails(cell.address());
                if (details != 0) {
                    return Optional.of(new Handle(m, details, scope));
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
     * its name and age in the old memory, and moves the handle there.
     */
    private void carry(Cell cell) {
        String name = read(cell, NAME);
        int age = read(cell, AGE);
        Slot to = current();
        moveTo(cell, to, make(to, name.getBytes(StandardCharsets.UTF_8), age));
    }

    private RustError error() {
        Slot m = current();
        try {
            Operations ops = ops(m);
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

    private Person toPerson(Cell cell) {
        return new Person(read(cell, NAME), read(cell, AGE));
    }

    // --- handles ---

    private static final Reader<Operations, String> NAME = Operations::name;
    private static final Reader<Operations, Integer> AGE = Operations::age;

    /**
     * A handle's reads: each one call ({@link #beginOn}), in the handle's scope on its thread, or
     * under the api's lock. name() and age() are {@link #read} written out ({@link #holder}), so
     * the JIT compiles each read into its caller.
     */
    private final class Handle extends Owned implements PersonHandle {
        Handle(Slot slot, long address, Scope scope) {
            super(slot, address, PERSON, scope);
        }

        // Without the fences a handle may become unreachable mid-call, and the api could free the
        // person while its memory is being read.

        @Override
        public String name() {
            Cell c = cell();
            boolean interrupted = beginOn(c);
            try {
                Operations ops = holder(c);
                try {
                    return ops.name(c.address());
                } catch (RuntimeException e) {
                    throw readFailed(c, e);
                }
            } finally {
                endOn(c, interrupted);
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public int age() {
            Cell c = cell();
            boolean interrupted = beginOn(c);
            try {
                Operations ops = holder(c);
                try {
                    return ops.age(c.address());
                } catch (RuntimeException e) {
                    throw readFailed(c, e);
                }
            } finally {
                endOn(c, interrupted);
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public Person toPerson() {
            Cell c = cell();
            boolean interrupted = beginOn(c); // one call for both reads, so they see the same person
            try {
                return ManagedPersonApi.this.toPerson(c);
            } finally {
                endOn(c, interrupted);
                Reference.reachabilityFence(this);
            }
        }

        @Override
        public void close() {
            try {
                closeHandle(cell());
            } finally {
                Reference.reachabilityFence(this);
            }
        }

        Cell state() {
            return cell();
        }

        @Override
        public String toString() {
            return "PersonHandle@" + Integer.toHexString(System.identityHashCode(this));
        }
    }

    // --- scopes ---

    /**
     * A lease on this api's instance for one thread ({@link ManagedApi.Lease}): calls in the
     * scope take no lock, only a check of the thread.
     */
    private final class Scope extends Lease implements PersonScope {

        @Override
        public PersonHandle createPerson(String name, int age) {
            confined();
            byte[] utf8 = isLong(name) ? null : utf8(name, maxNameBytes);
            boolean interrupted = begin();
            try {
                return utf8 != null ? create(utf8, age, this) : createLong(name, age, this);
            } finally {
                end(interrupted);
            }
        }

        @Override
        public Optional<PersonHandle> personDetails(PersonHandle person) {
            confined();
            Objects.requireNonNull(person, "person");
            if (!owns(person) && ownsInFamily(person)) {
                return detailsFromAnotherMember(((Handle) person).state());
            }
            Cell cell = cellOf(person);
            boolean interrupted = begin();
            try {
                return details(cell, this);
            } finally {
                end(interrupted);
                Reference.reachabilityFence(person);
            }
        }

        /**
         * A handle of the pool whose person lives in another member's instance: the scope holds
         * only its own, so the person is copied in (read under the other member's lock), asked
         * for, and the copy freed.
         */
        private Optional<PersonHandle> detailsFromAnotherMember(Cell foreign) {
            Person p = readFromMember(foreign, (ops, address) -> new Person(ops.name(address), ops.age(address)));
            byte[] utf8 = utf8(p.name(), maxNameBytes);
            boolean interrupted = begin();
            try {
                Cell copy = ((Handle) create(utf8, p.age(), this)).state();
                try {
                    return details(copy, this);
                } finally {
                    freeInCall(copy);
                }
            } finally {
                end(interrupted);
            }
        }

        @Override
        public RustError errorMessage() {
            boolean interrupted = begin();
            try {
                return error();
            } finally {
                end(interrupted);
            }
        }
    }
}
