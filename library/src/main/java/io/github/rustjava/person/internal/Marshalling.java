package io.github.rustjava.person.internal;

import io.github.rustjava.person.RustError;
import io.github.rustjava.runtime.CStrings;
import io.github.rustjava.runtime.Marshal;
import io.github.rustjava.runtime.MisbehavedException;

/**
 * The Person API's values through a guest's memory: names in, persons and errors out, by the
 * verified layout, for every in-process guest. The runtime's {@link Marshal} does the copying and
 * the checks on a module the library did not build.
 */
final class Marshalling implements Operations {

    private final Guest guest;
    private final Ffi.Layout layout;
    private final Marshal marshal;
    /** The last createPerson found no room for its argument: {@link #lastStatus} says so once. */
    private boolean noRoom;

    /**
     * The operations over {@code guest}, whose ABI version and layout are checked first.
     *
     * @param trusted whether the guest is a build of this library's crate; a layout that differs
     *     is then the library's bug ({@link IllegalStateException}), else the module's
     *     ({@link IllegalArgumentException})
     */
    Marshalling(Guest guest, boolean trusted) {
        try {
            Ffi.verify(guest.expectedLayout(), guest::abiLayout);
        } catch (IllegalStateException e) {
            guest.close();
            throw trusted ? e : new IllegalArgumentException(e.getMessage(), e);
        } catch (RuntimeException e) {
            guest.close();
            throw e;
        }
        this.guest = guest;
        this.layout = guest.expectedLayout();
        this.marshal = new Marshal(guest, trusted);
    }

    @Override
    public long createPerson(byte[] utf8, int age) {
        long arg = marshal.argument(utf8);
        if (arg == 0) {
            noRoom = true;
            return 0;
        }
        long person = guest.createPerson(arg, age);
        marshal.release(arg, utf8.length);
        return checkedPerson(person, "create_person returned a Person*");
    }


    @Override
    public long createPerson(CStrings.Chunks utf8, int age) {
        long arg = marshal.argument(utf8);
        if (arg == 0) {
            noRoom = true;
            return 0;
        }
        long person = guest.createPerson(arg, age);
        marshal.release(arg, (int) utf8.length());
        return checkedPerson(person, "create_person returned a Person*");
    }

    @Override
    public long getPersonDetails(long person) {
        return checkedPerson(guest.getPersonDetails(person), "get_person_details returned a Person*");
    }

    /**
     * {@code person}, checked to lie in memory unless trusted. {@code what} is a constant: a
     * message built here would be built on every call, and the JIT does not always drop it.
     */
    private long checkedPerson(long person, String what) {
        if (person != 0) {
            marshal.inMemory(person, layout.personNameLength() + layout.pointerSize(), what);
        }
        return person;
    }

    @Override
    public void freePerson(long person) {
        guest.freePerson(person);
    }

    @Override
    public String name(long person) {
        // Rust stored the length beside the person, so the name is one bulk read, with no scan
        // for its NUL on either side of the boundary.
        long name = guest.readPointer(person + layout.personName());
        long length = guest.readPointer(person + layout.personNameLength());
        return marshal.utf8(name, length, marshal.trusted() ? Long.MAX_VALUE : maxNameBytes(), "a name");
    }

    @Override
    public int age(long person) {
        return guest.readInt(person + layout.personAge());
    }

    @Override
    public RustError errorMessage() {
        long error = guest.getErrorMessage();
        if (error == 0) {
            return null;
        }
        try {
            marshal.inMemory(error, layout.errorSize(), "get_error_message returned an Error*");
            int code = guest.readInt(error + layout.errorCode());
            String message = marshal.cString(guest.readPointer(error + layout.errorMessage()), "an error message");
            return new RustError(code, message);
        } finally {
            guest.freeError(error); // Rust's own free, never C free(): the seed's Go bug
        }
    }

    @Override
    public int lastStatus() {
        if (noRoom) {
            noRoom = false;
            return Ffi.NO_ROOM_FOR_ARGUMENT;
        }
        return guest.lastStatus();
    }

    @Override
    public long liveAllocations() {
        return guest.liveAllocations() - marshal.heldBlocks();
    }

    @Override
    public long maxNameBytes() {
        // create_person holds the argument and Rust's copy at once, and details adds another copy;
        // a quarter of the memory leaves room for those and for the allocator's fragmentation.
        return guest.memoryLimit() / 4;
    }

    @Override
    public long memorySize() {
        return guest.memorySize();
    }

    @Override
    public String panicMessage() {
        return guest.panicMessage();
    }

    @Override
    public RuntimeException fault(RuntimeException failure) {
        RuntimeException translated = failure instanceof MisbehavedException ? failure : guest.fault(failure);
        if (translated != null) {
            marshal.abandon();
        }
        return translated;
    }

    @Override
    public void abandon() {
        marshal.abandon();
    }

    @Override
    public boolean readableAfterFault() {
        return guest.memorySize() >= 0; // linear memory, still readable; native memory is not ours to trust then
    }

    @Override
    public void close() {
        try {
            marshal.close();
        } finally {
            guest.close();
        }
    }
}
