package io.github.rustjava.person.internal;

import io.github.rustjava.person.RustError;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The memory marshalling, written once for every in-process backend: names written as C strings
 * into Rust-allocated memory, structs read through the layout verified at start, C strings read
 * back as UTF-8.
 *
 * <p>A module the library did not build is untrusted: every address and length it returns is
 * checked against its memory before Java reads or allocates anything for it, and every string it
 * returns must be valid UTF-8. A violation throws {@link ModuleFault}, and the api treats the
 * instance as broken. The shipped module and the native builds of the same crate skip the checks.
 */
final class Marshalling implements Operations {

    /** The module returned something no correct build of the crate returns. */
    static final class ModuleFault extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        ModuleFault(String message) {
            super("the Wasm module misbehaved: " + message);
        }
    }

    /** The longest error message read from an untrusted module; the real one is 18 bytes. */
    private static final int MAX_ERROR_MESSAGE = 64 * 1024;

    /**
     * Names up to this many bytes (with their NUL) are written into one reused Rust block, which
     * saves an alloc/dealloc pair per call. Larger names get a block of their own for the call, so
     * one huge name does not stay pinned in the module's memory.
     */
    static final int SCRATCH_LIMIT = 64 * 1024;

    private final Guest guest;
    private final Ffi.Layout layout;
    private final boolean trusted;
    private long scratch;
    private int scratchCapacity;
    private boolean broken;

    /**
     * @param trusted whether the guest is a build of this library's crate, whose results need no checks
     * @throws IllegalStateException if the guest's ABI version or struct layout differs from the
     *     Java constants ({@link IllegalArgumentException} for an untrusted guest); the guest is closed
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
        this.trusted = trusted;
    }

    @Override
    public long createPerson(byte[] utf8, int age) {
        long arg = argument(utf8);
        long person = guest.createPerson(arg, age);
        if (arg != scratch) {
            guest.dealloc(arg, utf8.length + 1L);
        }
        return trusted ? person : checkedPerson(person, "create_person");
    }

    /**
     * Copies the chunks into a block of their own, checking between any two whether the call was
     * stopped; a stop before create_person runs frees the block again and leaves the instance as
     * it was.
     */
    @Override
    public long createPerson(byte[][] chunks, long length, int age) {
        if (length + 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a name of " + length + " UTF-8 bytes does not fit in the Rust module's memory");
        }
        int size = (int) length + 1;
        long arg = allocate(size);
        try {
            long at = arg;
            for (byte[] chunk : chunks) {
                Stop.check("while it copied the name into the module");
                guest.write(at, chunk, chunk.length);
                at += chunk.length;
            }
            guest.writeByte(at, (byte) 0);
            Stop.check("while it copied the name into the module");
        } catch (Stop.Stopped e) {
            guest.dealloc(arg, size);
            throw e;
        }
        long person = guest.createPerson(arg, age);
        guest.dealloc(arg, size);
        return trusted ? person : checkedPerson(person, "create_person");
    }

    @Override
    public long getPersonDetails(long person) {
        long details = guest.getPersonDetails(person);
        return trusted ? details : checkedPerson(details, "get_person_details");
    }

    /** {@code person}, if a whole person block could be there; 0 stays 0 (a refusal). */
    private long checkedPerson(long person, String function) {
        if (person != 0) {
            inMemory(person, layout.personNameLength() + layout.pointerSize(), function + " returned a Person*");
        }
        return person;
    }

    /** Throws unless {@code [address, address + length)} lies inside the guest's memory. */
    private void inMemory(long address, long length, String what) {
        long size = guest.memorySize();
        if (address < 0 || length < 0 || address > size - length) {
            throw new ModuleFault(what + " outside its memory: 0x" + Long.toHexString(address) + " + " + length
                    + " bytes, memory is " + size + " bytes");
        }
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
        if (trusted) {
            return new String(guest.read(name, Guest.arrayLength(length, name)), StandardCharsets.UTF_8);
        }
        // Bounded before any Java memory is allocated for it: no name the api accepted is longer.
        if (length > maxNameBytes()) {
            throw new ModuleFault("it returned a name length of " + length + " bytes; no name it was given is longer than "
                    + maxNameBytes());
        }
        inMemory(name, length, "a name");
        return strictUtf8(guest.read(name, (int) length), "a name");
    }

    @Override
    public int age(long person) {
        return guest.readInt(person + layout.personAge());
    }

    private static String strictUtf8(byte[] bytes, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ModuleFault("it returned " + what + " that is not valid UTF-8");
        }
    }

    @Override
    public RustError errorMessage() {
        long error = guest.getErrorMessage();
        if (error == 0) {
            return null;
        }
        try {
            if (!trusted) {
                inMemory(error, layout.errorSize(), "get_error_message returned an Error*");
            }
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
        RuntimeException translated = failure instanceof ModuleFault ? failure : guest.fault(failure);
        if (translated != null) {
            broken = true;
        }
        return translated;
    }

    @Override
    public boolean readableAfterFault() {
        return guest.memorySize() >= 0; // linear memory, still readable; native memory is not ours to trust then
    }

    @Override
    public void close() {
        try {
            if (!broken && scratch != 0) {
                guest.dealloc(scratch, scratchCapacity);
            }
        } catch (RuntimeException e) {
            // An instance that fails here is being discarded anyway.
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
        if (!trusted) {
            inMemory(block, size, "alloc returned a block");
        }
        return block;
    }

    private String cString(long address) {
        if (trusted) {
            return guest.readCString(address);
        }
        inMemory(address, 1, "an error message");
        byte[] text = guest.read(address, (int) Math.min(MAX_ERROR_MESSAGE, guest.memorySize() - address));
        int nul = Bytes.indexOf(text, (byte) 0);
        if (nul < 0) {
            throw new ModuleFault("it returned an error message with no NUL in its first " + text.length + " bytes");
        }
        return strictUtf8(java.util.Arrays.copyOf(text, nul), "an error message");
    }
}
