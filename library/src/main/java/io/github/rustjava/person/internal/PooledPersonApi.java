package io.github.rustjava.person.internal;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.PersonScope;
import io.github.rustjava.person.RustError;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A pool of apis, each with its own instance, for calls from many threads: a thread always works
 * on the same member, and a handle goes back to the member whose memory holds its person.
 *
 * <p>No call holds two members at once, so members never wait for each other in a cycle. A thread
 * holding a scope holds its member for as long as the scope is open; such a thread is refused at
 * once, rather than made to wait, when a call needs a member that another thread's scope holds:
 * that thread may be waiting for it.
 */
public final class PooledPersonApi implements PersonApi {

    private final ManagedPersonApi[] members;

    public PooledPersonApi(int size, Supplier<ManagedPersonApi> member) {
        members = new ManagedPersonApi[size];
        try {
            for (int i = 0; i < size; i++) {
                members[i] = member.get();
                members[i].joinPool(this);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

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

    /** Refuses a call that would make a thread holding a scope wait for another thread's scope. */
    private void mayWaitFor(ManagedPersonApi needed) {
        if (needed.leasedToAnotherThread()) {
            for (ManagedPersonApi m : members) {
                if (m.leasedToThisThread()) {
                    throw new IllegalStateException("this thread holds a PersonScope on one instance of the pool, and the "
                            + "call needs another instance, which another thread's PersonScope holds: close the scope first");
                }
            }
        }
    }

    @Override
    public PersonHandle createPerson(String name, int age) {
        return member().createPerson(name, age);
    }

    @Override
    public Optional<PersonHandle> personDetails(PersonHandle person) {
        ManagedPersonApi owner = owner(person);
        mayWaitFor(owner);
        return owner.personDetails(person);
    }

    @Override
    public RustError errorMessage() {
        return member().errorMessage();
    }

    @Override
    public long liveAllocations() {
        long sum = 0;
        for (ManagedPersonApi m : members) {
            mayWaitFor(m);
            sum += m.liveAllocations();
        }
        return sum;
    }

    @Override
    public PersonScope openScope() {
        return member().openScope();
    }

    @Override
    public long leakedHandles() {
        long sum = 0;
        for (ManagedPersonApi m : members) {
            mayWaitFor(m);
            sum += m.leakedHandles();
        }
        return sum;
    }

    /**
     * Reads and checks the module once, starts and checks an instance of it for every member,
     * and only then switches them all: a failure leaves every member on the old module.
     */
    @Override
    public void reload(Path wasm) {
        for (ManagedPersonApi m : members) {
            mayWaitFor(m);
        }
        Supplier<? extends Operations> module = members[0].load(wasm);
        Operations[] started = new Operations[members.length];
        try {
            for (int i = 0; i < members.length; i++) {
                started[i] = members[i].start(module);
            }
        } catch (RuntimeException | Error e) {
            for (Operations o : started) {
                if (o != null) {
                    o.close();
                }
            }
            throw e;
        }
        for (int i = 0; i < members.length; i++) {
            members[i].switchTo(module, started[i]);
        }
    }

    @Override
    public void close() {
        for (ManagedPersonApi m : members) {
            if (m != null) {
                mayWaitFor(m);
            }
        }
        for (ManagedPersonApi m : members) {
            if (m != null) {
                m.close();
            }
        }
    }
}
