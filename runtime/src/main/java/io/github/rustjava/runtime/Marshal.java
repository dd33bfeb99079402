package io.github.rustjava.runtime;

import io.github.rustjava.runtime.internal.Bytes;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Values through a guest's memory, written once for every guest: arguments copied in, strings,
 * byte arrays and struct fields read out. What a module returns is untrusted unless the binding
 * built it: then every address and length is checked against the memory before Java reads or
 * allocates anything, and every string must be strict UTF-8. After a fault, reads are checked
 * whatever the module.
 */
public final class Marshal {

    /** The most read of a NUL-terminated string whose length the guest did not say. */
    public static final int MAX_C_STRING = 64 * 1024;

    /** Arguments up to this size reuse one block, allocated once; larger ones get their own. */
    public static final int SCRATCH_LIMIT = 64 * 1024;

    private final GuestMemory memory;
    private final boolean trusted;
    private boolean broken;
    private long scratch;
    private int scratchCapacity;

    public Marshal(GuestMemory memory, boolean trusted) {
        this.memory = memory;
        this.trusted = trusted;
    }

    public GuestMemory memory() {
        return memory;
    }

    /** Whether results are read without checks: a module the binding built, not faulted. */
    public boolean trusted() {
        return trusted && !broken;
    }

    /** After a fault: no more calls into the guest, and every read is checked. */
    public void abandon() {
        broken = true;
    }

    /**
     * Copies {@code bytes} and a terminating NUL into guest memory: the argument block for one
     * call, to give back with {@link #release}. Returns 0 when the guest's allocator has no room.
     */
    public long argument(byte[] bytes) {
        int size = bytes.length + 1;
        long block;
        if (size <= scratchCapacity) {
            block = scratch;
        } else if (size <= SCRATCH_LIMIT) {
            int capacity = Math.max(256, Integer.highestOneBit(size - 1) << 1);
            if (scratch != 0) {
                memory.dealloc(scratch, scratchCapacity);
                scratch = 0;
                scratchCapacity = 0;
            }
            block = allocate(capacity);
            if (block == 0) {
                return 0;
            }
            scratch = block;
            scratchCapacity = capacity;
        } else {
            block = allocate(size);
            if (block == 0) {
                return 0;
            }
        }
        memory.write(block, bytes, bytes.length);
        memory.writeByte(block + bytes.length, (byte) 0);
        return block;
    }

    /**
     * Copies {@code utf8}'s chunks and a terminating NUL into a block of their own, checking
     * between any two whether the call was stopped: a stop frees the block again and leaves the
     * guest as it was. Returns 0 when the guest's allocator has no room; give it back with {@link
     * #release}.
     */
    public long argument(CStrings.Chunks utf8) {
        if (utf8.length() + 1 > Integer.MAX_VALUE) {
            return 0;
        }
        int size = (int) utf8.length() + 1;
        long block = allocate(size);
        if (block == 0) {
            return 0;
        }
        try {
            long at = block;
            for (byte[] chunk : utf8.chunks()) {
                Stop.check("while it copied an argument into the module");
                memory.write(at, chunk, chunk.length);
                at += chunk.length;
            }
            memory.writeByte(at, (byte) 0);
            Stop.check("while it copied an argument into the module");
        } catch (Stop.Stopped e) {
            memory.dealloc(block, size);
            throw e;
        }
        return block;
    }

    /** Gives back the block of an {@link #argument} of {@code length} bytes, after the call. */
    public void release(long block, int length) {
        if (block != scratch) {
            memory.dealloc(block, length + 1L);
        }
    }

    /** Blocks the marshalling itself holds in the guest's allocator (0 or 1), for a leak count. */
    public int heldBlocks() {
        return scratch != 0 ? 1 : 0;
    }

    private long allocate(int size) {
        long block = memory.alloc(size);
        if (block != 0 && !trusted()) {
            inMemory(block, size, "alloc returned a block");
        }
        return block;
    }

    /** Checks, for an untrusted guest, that {@code length} bytes at {@code address} lie in its memory. */
    public void inMemory(long address, long length, String what) {
        if (trusted()) {
            return;
        }
        long size = memory.memorySize();
        if (size < 0) {
            return; // native memory: nothing to check against
        }
        if (address < 0 || length < 0 || address > size - length) {
            throw new MisbehavedException(what + " outside its memory: 0x" + Long.toHexString(address) + " + " + length
                    + " bytes, memory is " + size + " bytes");
        }
    }

    /**
     * The string of {@code length} UTF-8 bytes at {@code address}, where the guest said how long
     * it is. For an untrusted guest, refused if longer than {@code maxLength} (before any Java
     * memory is allocated for it), outside memory, or not UTF-8.
     */
    public String utf8(long address, long length, long maxLength, String what) {
        if (trusted()) {
            return new String(memory.read(address, GuestMemory.arrayLength(length, address)), StandardCharsets.UTF_8);
        }
        if (length > maxLength) {
            throw new MisbehavedException("it returned " + what + " length of " + length + " bytes; no " + what.replaceFirst("^an? ", "")
                    + " it was given is longer than " + maxLength);
        }
        inMemory(address, length, what);
        return strictUtf8(memory.read(address, (int) length), what);
    }

    /** The {@code length} bytes at {@code address}: checked against the memory for an untrusted guest. */
    public byte[] bytes(long address, long length, String what) {
        if (!trusted()) {
            inMemory(address, length, what);
        }
        return memory.read(address, GuestMemory.arrayLength(length, address));
    }

    /** The NUL-terminated string at {@code address}: bounded and strict UTF-8 for an untrusted guest. */
    public String cString(long address, String what) {
        if (trusted()) {
            return memory.readCString(address);
        }
        inMemory(address, 1, what);
        long size = memory.memorySize();
        int max = (int) (size < 0 ? MAX_C_STRING : Math.min(MAX_C_STRING, size - address));
        byte[] text = memory.read(address, max);
        int nul = Bytes.indexOf(text, (byte) 0);
        if (nul < 0) {
            throw new MisbehavedException("it returned " + what + " with no NUL in its first " + text.length + " bytes");
        }
        return strictUtf8(Arrays.copyOf(text, nul), what);
    }

    private static String strictUtf8(byte[] bytes, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MisbehavedException("it returned " + what + " that is not valid UTF-8");
        }
    }

    /** Gives back the marshalling's own block, unless the guest faulted: it takes no more calls then. */
    public void close() {
        try {
            if (!broken && scratch != 0) {
                memory.dealloc(scratch, scratchCapacity);
            }
        } catch (RuntimeException e) {
            // A guest that fails here is being discarded anyway.
        } finally {
            scratch = 0;
            scratchCapacity = 0;
        }
    }
}
