package io.github.rustjava.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The marshalling every binding shares, over a guest memory made of a Java array. */
class MarshalTest {

    /** 64 KiB of memory and a bump allocator that counts its live blocks; 0 when full. */
    static final class ArrayMemory implements GuestMemory {
        final byte[] bytes = new byte[1 << 16];
        final Map<Long, Long> live = new HashMap<>();
        long next = 16;

        @Override
        public long alloc(long len) {
            if (next + len > bytes.length) {
                return 0;
            }
            long block = next;
            next += len;
            live.put(block, len);
            return block;
        }

        @Override
        public void dealloc(long ptr, long len) {
            assertEquals(Long.valueOf(len), live.remove(ptr), "freed with the length it was allocated with");
        }

        @Override
        public void write(long address, byte[] b, int length) {
            System.arraycopy(b, 0, bytes, (int) address, length);
        }

        @Override
        public void writeByte(long address, byte value) {
            bytes[(int) address] = value;
        }

        @Override
        public byte[] read(long address, int length) {
            return Arrays.copyOfRange(bytes, (int) address, (int) address + length);
        }

        @Override
        public int readInt(long address) {
            return (bytes[(int) address] & 0xFF) | (bytes[(int) address + 1] & 0xFF) << 8
                    | (bytes[(int) address + 2] & 0xFF) << 16 | bytes[(int) address + 3] << 24;
        }

        @Override
        public long readPointer(long address) {
            return Integer.toUnsignedLong(readInt(address));
        }

        @Override
        public int strlen(long address) {
            int n = 0;
            while (bytes[(int) address + n] != 0) {
                n++;
            }
            return n;
        }

        @Override
        public long memorySize() {
            return bytes.length;
        }
    }

    @Test
    void smallArgumentsShareOneBlockAndLargeOnesAreGivenBack() {
        ArrayMemory memory = new ArrayMemory();
        Marshal marshal = new Marshal(memory, true);
        long a = marshal.argument("Alice".getBytes(StandardCharsets.UTF_8));
        assertEquals("Alice", memory.readCString(a));
        marshal.release(a, 5);
        long b = marshal.argument("Bob".getBytes(StandardCharsets.UTF_8));
        assertEquals(a, b, "the scratch block is reused");
        assertEquals(1, marshal.heldBlocks());
        marshal.release(b, 3);
        marshal.close();
        assertEquals(Map.of(), memory.live, "the scratch block went back to the guest's allocator");
    }

    @Test
    void anArgumentWithNoRoomIsZeroAndLeavesNothing() {
        ArrayMemory memory = new ArrayMemory();
        Marshal marshal = new Marshal(memory, true);
        assertEquals(0, marshal.argument(new byte[Marshal.SCRATCH_LIMIT]));
        assertEquals(Map.of(), memory.live);
    }

    @Test
    void anUntrustedGuestIsCheckedBeforeAnythingIsRead() {
        ArrayMemory memory = new ArrayMemory();
        Marshal marshal = new Marshal(memory, false);
        MisbehavedException outside = assertThrows(MisbehavedException.class,
                () -> marshal.utf8(0xFFFF_FF00L, 4, 100, "a name"));
        assertTrue(outside.getMessage().startsWith("the Wasm module misbehaved: a name outside its memory: 0xffffff00 + 4"),
                outside.getMessage());
        MisbehavedException tooLong = assertThrows(MisbehavedException.class, () -> marshal.utf8(16, 1L << 31, 100, "a name"));
        assertEquals("the Wasm module misbehaved: it returned a name length of 2147483648 bytes; no name it was given is "
                + "longer than 100", tooLong.getMessage());
        memory.write(100, new byte[] {(byte) 0x80, 'b', 'a', 'd'}, 4);
        assertEquals("the Wasm module misbehaved: it returned a name that is not valid UTF-8",
                assertThrows(MisbehavedException.class, () -> marshal.utf8(100, 4, 100, "a name")).getMessage());
        Arrays.fill(memory.bytes, 200, memory.bytes.length, (byte) 'x');
        assertTrue(assertThrows(MisbehavedException.class, () -> marshal.cString(200, "an error message")).getMessage()
                .contains("with no NUL in its first"));
    }

    @Test
    void aTrustedGuestIsReadAsItIsUntilItFaults() {
        ArrayMemory memory = new ArrayMemory();
        byte[] notUtf8 = {(byte) 0x80, 'o', 'k'};
        memory.write(100, notUtf8, 3);
        Marshal marshal = new Marshal(memory, true);
        assertEquals(new String(notUtf8, StandardCharsets.UTF_8), marshal.utf8(100, 3, 1, "a name"), "no checks: its own build");
        assertArrayEquals(notUtf8, marshal.bytes(100, 3, "a value"));
        marshal.abandon();
        assertThrows(MisbehavedException.class, () -> marshal.utf8(100, 3, 10, "a name"), "after a fault every read is checked");
    }

    @Test
    void aLayoutThatDiffersNamesEachField() {
        Layout layout = new Layout("wasm32", 3, java.util.List.of("Thing size", "Thing.x offset"), java.util.List.of(8, 4));
        layout.verify(q -> q == 0 ? 3 : q == 1 ? 8 : 4);
        assertEquals("ABI version 2, this library speaks 3",
                assertThrows(IllegalStateException.class, () -> layout.verify(q -> 2)).getMessage());
        String m = assertThrows(IllegalStateException.class, () -> layout.verify(q -> q == 0 ? 3 : 16)).getMessage();
        assertTrue(m.endsWith("Thing size: module 16, Java 8; Thing.x offset: module 16, Java 4"), m);
    }

    @Test
    void anExportPrintsItsWasmType() {
        assertEquals("(i32,i32)->i32", Export.of("create_person", WasmType.I32, WasmType.I32, WasmType.I32).signature());
        assertEquals("(i32)->()", Export.of("free_person", null, WasmType.I32).signature());
        assertEquals("()->i64", Boundary.LIVE_ALLOCATIONS.signature());
    }
}
