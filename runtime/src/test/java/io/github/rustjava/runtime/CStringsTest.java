package io.github.rustjava.runtime;

import io.github.rustjava.runtime.internal.Bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fast paths of name encoding and byte search, against the slow, obvious answers. */
class CStringsTest {

    private static final long NO_LIMIT = Long.MAX_VALUE / 4;

    @ParameterizedTest
    @ValueSource(strings = {"", "Alice", "?", "who?", "??", "张三", "🦀 crab", "a?张", "e\u0301", "\u00ff"})
    void validNamesAreTheJdksUtf8(String name) {
        assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), CStrings.encode(name, NO_LIMIT, "name"));
    }

    /**
     * An unpaired surrogate encodes to '?', one byte per char like ASCII: the fast path must not
     * take it for a plain question mark, wherever it sits and whatever surrounds it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "\uDC00", "a\uD800", "\uDFFFb", "?\uD800?", "Alice\uDBFF", "张\uD800", "\uDC00\uD800"})
    void unpairedSurrogatesAreRefused(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CStrings.encode(name, NO_LIMIT, "name"));
        assertTrue(e.getMessage().contains("unpaired surrogate"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\0", "a\0", "\0b", "abcdefgh\0", "张\0"})
    void nulIsRefused(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CStrings.encode(name, NO_LIMIT, "name"));
        assertTrue(e.getMessage().contains("U+0000"), e.getMessage());
    }

    @Test
    void theLimitCountsBytesNotChars() {
        assertEquals(6, CStrings.encode("张三", 6, "name").length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CStrings.encode("张三", 5, "name"));
        assertTrue(e.getMessage().contains("a name of 6 UTF-8 bytes is too large: the limit is 5"), e.getMessage());
        assertEquals(4, CStrings.encode("abcd", 4, "name").length);
        assertThrows(IllegalArgumentException.class, () -> CStrings.encode("abcde", 4, "name"));
    }

    @Test
    void indexOfFindsTheFirstMatchAtEveryPosition() {
        for (int length = 0; length < 40; length++) {
            byte[] bytes = new byte[length];
            Arrays.fill(bytes, (byte) 'a');
            assertEquals(-1, Bytes.indexOf(bytes, (byte) 0), "none in " + length);
            for (int at = 0; at < length; at++) {
                bytes[at] = 0;
                if (at + 3 < length) {
                    bytes[at + 3] = 0; // a later match must not win
                }
                assertEquals(at, Bytes.indexOf(bytes, (byte) 0), "length " + length + ", at " + at);
                Arrays.fill(bytes, (byte) 'a');
            }
        }
        // Bytes with the high bit set, next to the one searched for, are not confused with it.
        byte[] high = {(byte) 0x80, (byte) 0xff, (byte) 0x81, 1, (byte) 0xbf, (byte) 0x80, (byte) 0x7f, (byte) 0xff, '?'};
        assertEquals(8, Bytes.indexOf(high, (byte) '?'));
        assertEquals(1, Bytes.indexOf(high, (byte) 0xff));
        assertEquals(-1, Bytes.indexOf(high, (byte) 0));
        assertEquals(4, Bytes.indexOf(high, 2, 9, (byte) 0xbf));
    }
}
