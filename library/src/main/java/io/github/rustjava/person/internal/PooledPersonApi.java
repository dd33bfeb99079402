package io.github.rustjava.person.internal;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustError;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Several apis behind one, so calls from different threads run in parallel. A Wasm instance is
 * single-threaded and a handle's memory lives in one instance, so a handle is always served by the
 * member that made it; new work goes to the member picked by the calling thread.
 */
public final class PooledPersonApi implements PersonApi {

    private final ManagedPersonApi[] members;

    public PooledPersonApi(int size, Supplier<ManagedPersonApi> member) {
        members = new ManagedPersonApi[size];
        try {
            for (int i = 0; i < size; i++) {
                members[i] = member.get();
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The calling thread's member. Thread ids spread a fixed thread pool evenly and keep a thread
     * on one instance, whose lock then stays uncontended.
     */
    @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+; getId() is the same number
    private ManagedPersonApi member() {
        return members[(int) Math.floorMod(Thread.currentThread().getId(), (long) members.length)];
    }

    private ManagedPersonApi owner(PersonHandle person) {
        Objects.requireNonNull(person, "person");
        for (ManagedPersonApi m : members) {
            if (m.owns(person)) {
                return m;
            }
        }
        throw new IllegalArgumentException("PersonHandle belongs to another PersonApi");
    }

    @Override
    public PersonHandle createPerson(String name, int age) {
        return member().createPerson(name, age);
    }

    @Override
    public Optional<PersonHandle> personDetails(PersonHandle person) {
        return owner(person).personDetails(person);
    }

    @Override
    public RustError errorMessage() {
        return member().errorMessage();
    }

    @Override
    public long liveAllocations() {
        long sum = 0;
        for (ManagedPersonApi m : members) {
            sum += m.liveAllocations();
        }
        return sum;
    }

    /** A scope on the calling thread's member: the other members keep serving other threads. */
    @Override
    public io.github.rustjava.person.PersonScope openScope() {
        return member().openScope();
    }

    @Override
    public long leakedHandles() {
        long sum = 0;
        for (ManagedPersonApi m : members) {
            sum += m.leakedHandles();
        }
        return sum;
    }

    /** Replaces the module of each member in turn; the first refusal stops it (all members check the same bytes). */
    @Override
    public void reload(java.nio.file.Path wasm) {
        for (ManagedPersonApi m : members) {
            m.reload(wasm);
        }
    }

    @Override
    public void close() {
        for (ManagedPersonApi m : members) {
            if (m != null) {
                m.close();
            }
        }
    }
}
