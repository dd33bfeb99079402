package io.github.rustjava.runtime;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A pool of apis, each with its own instance, for calls from many threads: a thread always works
 * on the same member, and a handle goes back to the member whose memory holds its object. A
 * binding's pooled api delegates to it.
 *
 * <p>No call holds two members at once, so members never wait for each other in a cycle. A thread
 * holding a scope holds its member for as long as the scope is open; such a thread is refused at
 * once, rather than made to wait, when a call needs a member that another thread's scope holds:
 * that thread may be waiting for it.
 *
 * @param <A> the binding's api
 */
public final class Pool<A extends ManagedApi<?>> {

    private final ManagedApi<?>[] members;

    /** A pool of {@code size} members made by {@code members}. */
    public Pool(int size, Supplier<? extends A> members) {
        this.members = new ManagedApi<?>[size];
        try {
            for (int i = 0; i < size; i++) {
                this.members[i] = members.get();
                this.members[i].joinPool(this);
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** The calling thread's member. */
    @SuppressWarnings({"unchecked", "deprecation"}) // Thread.threadId() is Java 19+; getId() is the same number
    public A member() {
        return (A) members[(int) Math.floorMod(Thread.currentThread().getId(), (long) members.length)];
    }

    /**
     * The member that made {@code handle}, if the caller may wait for it.
     *
     * @throws IllegalArgumentException if no member made it
     * @throws IllegalStateException if the caller holds a scope and another thread's scope holds that member
     */
    @SuppressWarnings("unchecked")
    public A owner(Object handle, String handleType, String apiType) {
        Objects.requireNonNull(handle, "person");
        for (ManagedApi<?> m : members) {
            if (m.owns(handle)) {
                m.mayWaitHere();
                return (A) m;
            }
        }
        throw new IllegalArgumentException(handleType + " belongs to another " + apiType);
    }

    /** Whether the caller holds a scope on one of the members. */
    boolean leasedToThisThread() {
        for (ManagedApi<?> m : members) {
            if (m != null && m.leasedToThisThread()) {
                return true;
            }
        }
        return false;
    }

    public long liveAllocations() {
        long sum = 0;
        for (ManagedApi<?> m : members) {
            m.mayWaitHere();
            sum += m.liveAllocations();
        }
        return sum;
    }

    public long leakedHandles() {
        long sum = 0;
        for (ManagedApi<?> m : members) {
            m.mayWaitHere();
            sum += m.leakedHandles();
        }
        return sum;
    }

    /**
     * Reads and checks the module once, starts and checks an instance of it for every member,
     * and only then switches them all: a failure leaves every member on the old module.
     */
    public void reload(Path wasm) {
        for (ManagedApi<?> m : members) {
            m.mayWaitHere();
        }
        Supplier<? extends Backend> module = members[0].load(wasm);
        Backend[] started = new Backend[members.length];
        try {
            for (int i = 0; i < members.length; i++) {
                started[i] = members[i].start(module);
            }
        } catch (RuntimeException | Error e) {
            for (Backend b : started) {
                if (b != null) {
                    b.close();
                }
            }
            throw e;
        }
        for (int i = 0; i < members.length; i++) {
            members[i].switchTo(module, started[i]);
        }
    }

    /**
     * Closes every member. Never waits for another thread's scope when the caller holds one (that
     * thread may be waiting for the caller): such a member closes when its scope does, and what
     * the scope holds is freed then.
     */
    public void close() {
        boolean holdsAScope = leasedToThisThread();
        for (ManagedApi<?> m : members) {
            if (m == null) {
                continue;
            }
            if (holdsAScope && m.leasedToAnotherThread()) {
                m.closeAfterLease();
            } else {
                m.close();
            }
        }
    }
}
