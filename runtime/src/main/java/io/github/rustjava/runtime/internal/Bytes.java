package io.github.rustjava.runtime.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Byte searches eight bytes at a time, for names of any length on both sides of the boundary. */
public final class Bytes {

    private Bytes() {}

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW = 0x0101010101010101L;
    private static final long HIGH = 0x8080808080808080L;

    /** The first index of {@code value} in {@code bytes}, or -1. */
    public static int indexOf(byte[] bytes, byte value) {
        return indexOf(bytes, 0, bytes.length, value);
    }

    /**
     * The first index of {@code value} in {@code bytes[from, to)}, or -1. A JIT does not vectorise
     * a search loop that can exit early, so it reads a long at a time and tests all eight bytes
     * with the classic has-zero-byte expression, {@code (w - 0x01..) & ~w & 0x80..}, which is
     * non-zero exactly when a byte of {@code w} is zero; little-endian order makes its lowest set
     * bit mark the first such byte.
     */
    public static int indexOf(byte[] bytes, int from, int to, byte value) {
        long pattern = LOW * (value & 0xFF);
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long w = (long) LONGS.get(bytes, i) ^ pattern;
            long found = (w - LOW) & ~w & HIGH;
            if (found != 0) {
                return i + (Long.numberOfTrailingZeros(found) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
