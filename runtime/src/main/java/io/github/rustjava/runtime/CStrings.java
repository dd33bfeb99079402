package io.github.rustjava.runtime;

import io.github.rustjava.runtime.internal.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** Java strings as C strings for Rust: UTF-8, checked, before anything reaches the guest. */
public final class CStrings {
    private CStrings() {}

    /**
     * {@code s} in UTF-8, the bytes Rust receives; refused with {@link IllegalArgumentException}
     * where {@link #utf8Length} refuses it, or when it is longer than {@code maxBytes}. A string
     * that could be too large is counted before it is encoded, so a huge input is refused before
     * any copy.
     *
     * @param what what the string is, for messages ("name")
     */
    public static byte[] encode(String s, long maxBytes, String what) {
        Objects.requireNonNull(s, () -> what + " must not be null");
        int chars = s.length();
        // One to three UTF-8 bytes per char (a surrogate pair is 4 bytes for 2 chars), so only a
        // string near the limit needs counting first.
        boolean checked = false;
        if (3L * chars > maxBytes) {
            long length = utf8Length(s, what); // also checks every char
            if (length > maxBytes) {
                throw new IllegalArgumentException("a " + what + " of " + length + " UTF-8 bytes is too large: the limit is "
                        + maxBytes + " bytes");
            }
            checked = true;
        }
        // The JDK's encoder is vectorised; a loop over chars is not. Check its output instead: one
        // byte per char means every char is ASCII or an unpaired surrogate, which the encoder
        // wrote as '?'. So a string with one byte per char, no '?' and no NUL is ASCII and valid;
        // any other is checked char by char, which throws the precise reason if it is bad.
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        if (!checked && (utf8.length != chars
                || Bytes.indexOf(utf8, (byte) '?') >= 0 || Bytes.indexOf(utf8, (byte) 0) >= 0)) {
            utf8Length(s, what);
        }
        return utf8;
    }

    /**
     * The UTF-8 length of {@code s}, refusing what a Rust C string cannot carry faithfully:
     * U+0000 would end the string early, and an unpaired surrogate has no UTF-8 form (Java's
     * encoder would silently write '?').
     */
    public static long utf8Length(String s, String what) {
        Objects.requireNonNull(s, () -> what + " must not be null");
        long bytes = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == 0) {
                    throw new IllegalArgumentException(what + " contains U+0000 at index " + i + ": a C string cannot hold it");
                }
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (!Character.isSurrogate(c)) {
                bytes += 3;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                throw new IllegalArgumentException(String.format(
                        "%s contains an unpaired surrogate U+%04X at index %d: it has no UTF-8 form", what, (int) c, i));
            }
        }
        return bytes;
    }

    /**
     * Strings of more chars than this are encoded and copied into the guest in chunks of this
     * size inside the call, each step checking whether the call was stopped: about a millisecond
     * of work each. Shorter ones are encoded whole, before the call, in at most about as long.
     */
    public static final int CHUNK_CHARS = 1 << 20;

    /** A string in UTF-8, as consecutive chunks, and its length in bytes. */
    public record Chunks(byte[][] chunks, long length) {}

    /**
     * {@link #encode} for a string of any length, in chunks of {@link #CHUNK_CHARS} chars (a
     * surrogate pair is never split), with a check between any two whether the call was stopped.
     *
     * @throws Stop.Stopped if the calling thread is interrupted (from outside or by its deadline)
     */
    public static Chunks encodeChunks(String s, long maxBytes, String what) {
        Objects.requireNonNull(s, () -> what + " must not be null");
        int chars = s.length();
        if (3L * chars > maxBytes) {
            // Counted before anything is kept, as encode() does, so a huge input costs at most a chunk.
            long length = 0;
            for (int from = 0; from < chars; ) {
                Stop.check("while it checked the " + what);
                int to = chunkEnd(s, from);
                length += encodeChunk(s, from, to, what).length;
                from = to;
            }
            if (length > maxBytes) {
                throw new IllegalArgumentException("a " + what + " of " + length + " UTF-8 bytes is too large: the limit is "
                        + maxBytes + " bytes");
            }
        }
        byte[][] chunks = new byte[(int) ((chars + (long) CHUNK_CHARS - 1) / CHUNK_CHARS) + 1][];
        int n = 0;
        long length = 0;
        for (int from = 0; from < chars; ) {
            Stop.check("while it encoded the " + what);
            int to = chunkEnd(s, from);
            byte[] utf8 = encodeChunk(s, from, to, what);
            chunks[n++] = utf8;
            length += utf8.length;
            from = to;
        }
        return new Chunks(java.util.Arrays.copyOf(chunks, n), length);
    }

    /** {@code s[from, to)} in UTF-8, checked as {@link #encode} checks a whole string. */
    private static byte[] encodeChunk(String s, int from, int to, String what) {
        byte[] utf8 = s.substring(from, to).getBytes(StandardCharsets.UTF_8);
        if (Bytes.indexOf(utf8, (byte) '?') >= 0 || Bytes.indexOf(utf8, (byte) 0) >= 0) {
            utf8Length(s.substring(from, to), what); // throws the precise reason, if there is one
        }
        return utf8;
    }

    /** The end of the chunk that starts at {@code from}: a pair that would be split goes to the next one. */
    private static int chunkEnd(String s, int from) {
        int to = (int) Math.min(s.length(), (long) from + CHUNK_CHARS);
        if (to < s.length() && to - 1 > from && Character.isHighSurrogate(s.charAt(to - 1))
                && Character.isLowSurrogate(s.charAt(to))) {
            to--;
        }
        return to;
    }
}
