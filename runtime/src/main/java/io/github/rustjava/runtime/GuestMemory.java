package io.github.rustjava.runtime;

import java.nio.charset.StandardCharsets;

/**
 * A guest's memory and its allocator, as {@link Marshal} needs them: a Wasm instance's linear
 * memory, or a native library's process memory. Addresses are the guest's own pointers, as
 * unsigned values in a {@code long}. Only the boundary crate's {@code alloc}/{@code dealloc} are
 * used to get and return blocks: nothing is freed by another allocator than the one that
 * allocated it.
 */
public interface GuestMemory {

    /** {@code uint8_t *alloc(size_t len)}: a block of {@code len} bytes, or 0. */
    long alloc(long len);

    /** {@code void dealloc(uint8_t *ptr, size_t len)}: returns a block from {@link #alloc}. */
    void dealloc(long ptr, long len);

    void write(long address, byte[] bytes, int length);

    void writeByte(long address, byte value);

    byte[] read(long address, int length);

    int readInt(long address);

    default long readLong(long address) {
        return Integer.toUnsignedLong(readInt(address)) | (long) readInt(address + 4) << 32;
    }

    /** A pointer stored at {@code address}, in the guest's pointer size, unsigned. */
    long readPointer(long address);

    /** The length of the NUL-terminated string at {@code address}, not counting the NUL. */
    int strlen(long address);

    default String readCString(long address) {
        return new String(read(address, strlen(address)), StandardCharsets.UTF_8);
    }

    /** The most this memory may grow to, in bytes. */
    default long memoryLimit() {
        return Long.MAX_VALUE;
    }

    /** Bytes the memory has now, or -1 where it is not the guest's own (native memory). */
    default long memorySize() {
        return -1;
    }

    /**
     * {@code strlen} as a Java array length: a native string longer than an array can hold is the
     * guest's fault.
     */
    static int arrayLength(long strlen, long address) {
        if (strlen > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("C string at 0x" + Long.toHexString(address)
                    + " is " + strlen + " bytes, too long for a Java array");
        }
        return (int) strlen;
    }
}
