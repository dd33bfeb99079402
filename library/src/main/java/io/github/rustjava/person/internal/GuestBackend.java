package io.github.rustjava.person.internal;

import io.github.rustjava.person.RustError;
import java.nio.charset.StandardCharsets;

/**
 * The memory marshalling, written once for every in-process backend: names written as C strings
 * into Rust-allocated memory, structs read through the layout verified at start, C strings read
 * back as UTF-8.
 */
final class GuestBackend implements Backend {

    /**
     * Names up to this many bytes (with their NUL) are written into one reused Rust block, which
     * saves an alloc/dealloc pair per call. Larger names get a block of their own for the call, so
     * one huge name does not stay pinned in the module's memory.
     */
    static final int SCRATCH_LIMIT = 64 * 1024;

    private final Guest guest;
    private final Abi.Layout layout;
    private long scratch;
    private int scratchCapacity;
    private boolean broken;

    /**
     * @throws IllegalStateException if the guest's struct layout differs from the Java constants;
     *     the guest is closed
     */
    GuestBackend(Guest guest) {
        try {
            Abi.verify(guest.expectedLayout(), guest::abiLayout);
        } catch (RuntimeException e) {
            guest.close();
            throw e;
        }
        this.guest = guest;
        this.layout = guest.expectedLayout();
    }

    @Override
    public long createPerson(byte[] utf8, int age) {
        long arg = argument(utf8);
        long person = guest.createPerson(arg, age);
        if (arg != scratch) {
            guest.dealloc(arg, utf8.length + 1L);
        }
        return person;
    }

    @Override
    public long getPersonDetails(long person) {
        return guest.getPersonDetails(person);
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
        return new String(guest.read(name, Guest.arrayLength(length, name)), StandardCharsets.UTF_8);
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
            int code = guest.readInt(error + layout.errorCode());
            String message = cString(guest.readPointer(error + layout.errorMessage()));
            return new RustError(code, message);
        } finally {
            guest.freeError(error); // Rust's own free, never C free(): the seed's Go bug
        }
    }

    @Override
    public int lastStatus() {
        return guest.lastStatus();
    }

    @Override
    public long liveAllocations() {
        return guest.liveAllocations() - (scratch != 0 ? 1 : 0);
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
        RuntimeException translated = guest.fault(failure);
        if (translated != null) {
            broken = true;
        }
        return translated;
    }

    @Override
    public void close() {
        try {
            if (!broken && scratch != 0) {
                guest.dealloc(scratch, scratchCapacity);
            }
        } finally {
            scratch = 0;
            scratchCapacity = 0;
            guest.close();
        }
    }

    /** Writes {@code utf8} and a NUL into Rust memory: the scratch block, or a block of its own. */
    private long argument(byte[] utf8) {
        int size = utf8.length + 1;
        long block;
        if (size <= scratchCapacity) {
            block = scratch;
        } else if (size <= SCRATCH_LIMIT) {
            int capacity = Math.max(256, Integer.highestOneBit(size - 1) << 1);
            if (scratch != 0) {
                guest.dealloc(scratch, scratchCapacity);
                scratch = 0;
                scratchCapacity = 0;
            }
            block = allocate(capacity);
            scratch = block;
            scratchCapacity = capacity;
        } else {
            block = allocate(size);
        }
        guest.write(block, utf8, utf8.length);
        guest.writeByte(block + utf8.length, (byte) 0);
        return block;
    }

    private long allocate(int size) {
        long block = guest.alloc(size);
        if (block == 0) {
            throw new IllegalArgumentException(
                    "a name of " + (size - 1) + " UTF-8 bytes does not fit in the Rust module's memory");
        }
        return block;
    }

    private String cString(long address) {
        return guest.readCString(address);
    }
}
