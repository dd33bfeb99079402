package io.github.rustjava.runtime;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Element;
import com.dylibso.chicory.wasm.types.ElementSection;
import com.dylibso.chicory.wasm.types.TableLimits;
import com.dylibso.chicory.wasm.types.TableSection;

/**
 * Bounds on what a module from outside the binding's jar may declare that an instance allocates, when it
 * starts or when a function is called. A few bytes of a module can declare gigabytes of these
 * (a table's size and a run of locals are each one number), so each is bounded before any
 * instance is made; the memory has its own cap, and everything else a module declares costs about
 * as much as its bytes.
 */
final class ModuleLimits {
    private ModuleLimits() {}

    /** Entries in all tables together, counted at each table's maximum size: about 12 bytes each. */
    static final int MAX_TABLE_ENTRIES = 65_536;
    static final int MAX_GLOBALS = 10_000;
    static final int MAX_ELEMENT_SEGMENTS = 10_000;
    /** Entries in all element segments together: they only ever go into tables. */
    static final int MAX_ELEMENTS = MAX_TABLE_ENTRIES;
    static final int MAX_DATA_SEGMENTS = 10_000;
    /** Locals one function declares; each call of it allocates a slot for each. */
    static final int MAX_LOCALS = 10_000;

    private static final int CODE_SECTION = 10;

    /**
     * Checks the locals each function declares, before the runtime's parser expands each run of
     * them into a list. Walks the sections and the function bodies by their sizes only.
     *
     * @throws IllegalArgumentException naming the first function over {@link #MAX_LOCALS}, or if
     *     the sections or bodies do not add up
     */
    static void checkLocals(byte[] wasm) {
        Reader in = new Reader(wasm, 8); // after the magic number and version
        while (in.position < wasm.length) {
            int id = in.u8();
            long size = in.u32();
            int end = in.end(size);
            if (id == CODE_SECTION) {
                long bodies = in.u32();
                for (long f = 0; f < bodies; f++) {
                    long bodySize = in.u32();
                    int bodyEnd = in.end(bodySize);
                    long locals = 0; // at most 2^32 runs of at most 2^32 - 1: no overflow
                    long groups = in.u32();
                    for (long g = 0; g < groups; g++) {
                        locals += in.u32();
                        in.valueType();
                        if (in.position > bodyEnd) {
                            throw Reader.malformed("the locals of function " + f + " run past its body");
                        }
                    }
                    if (locals > MAX_LOCALS) {
                        // The index among the functions the module defines, which is its function
                        // index: a module with imports is refused anyway.
                        throw new IllegalArgumentException("function " + f + " declares " + locals
                                + " locals; the limit is " + MAX_LOCALS);
                    }
                    in.position = bodyEnd;
                }
            }
            in.position = end;
        }
    }

    /**
     * Checks what the parsed module declares: tables, globals, element and data segments, and
     * memories.
     *
     * @throws IllegalArgumentException naming the first limit the module is over
     */
    static void check(WasmModule module) {
        int memories = module.memorySection().map(m -> m.memoryCount()).orElse(0);
        if (memories > 1) {
            throw new IllegalArgumentException("it declares " + memories + " memories; the library provides one");
        }
        TableSection tables = module.tableSection();
        long initial = 0;
        long maximum = 0;
        for (int i = 0; i < tables.tableCount(); i++) {
            initial += tables.getTable(i).limits().min();
        }
        if (initial > MAX_TABLE_ENTRIES) {
            throw new IllegalArgumentException("its tables start with " + initial + " entries in all; the limit is "
                    + MAX_TABLE_ENTRIES);
        }
        for (int i = 0; i < tables.tableCount(); i++) {
            long max = tables.getTable(i).limits().max();
            if (max >= TableLimits.LIMIT_MAX) { // none declared: the runtime lets it grow to this
                throw new IllegalArgumentException("table " + i + " has no maximum size; tables may hold "
                        + MAX_TABLE_ENTRIES + " entries in all");
            }
            maximum += max;
        }
        if (maximum > MAX_TABLE_ENTRIES) {
            throw new IllegalArgumentException("its tables may grow to " + maximum + " entries in all; the limit is "
                    + MAX_TABLE_ENTRIES);
        }
        int globals = module.globalSection().globalCount();
        if (globals > MAX_GLOBALS) {
            throw new IllegalArgumentException("it declares " + globals + " globals; the limit is " + MAX_GLOBALS);
        }
        ElementSection elements = module.elementSection();
        if (elements.elementCount() > MAX_ELEMENT_SEGMENTS) {
            throw new IllegalArgumentException("it declares " + elements.elementCount()
                    + " element segments; the limit is " + MAX_ELEMENT_SEGMENTS);
        }
        long entries = 0;
        for (Element e : elements.elements()) {
            entries += e.elementCount();
        }
        if (entries > MAX_ELEMENTS) {
            throw new IllegalArgumentException("its element segments hold " + entries + " entries in all; the limit is "
                    + MAX_ELEMENTS);
        }
        int data = module.dataSection().dataSegmentCount();
        if (data > MAX_DATA_SEGMENTS) {
            throw new IllegalArgumentException("it declares " + data + " data segments; the limit is " + MAX_DATA_SEGMENTS);
        }
    }

    /** Reads the binary format's integers, refusing anything that runs past the end. */
    private static final class Reader {
        final byte[] bytes;
        int position;

        Reader(byte[] bytes, int position) {
            this.bytes = bytes;
            this.position = position;
        }

        int u8() {
            if (position >= bytes.length) {
                throw malformed("unexpected end");
            }
            return bytes[position++] & 0xFF;
        }

        /** Unsigned LEB128, at most 5 bytes. */
        long u32() {
            long value = 0;
            for (int shift = 0; shift < 35; shift += 7) {
                int b = u8();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw malformed("integer too long");
        }

        /** A value type: one byte, or a reference type's prefix and its heap type. */
        void valueType() {
            int type = u8();
            if (type == 0x63 || type == 0x64) { // (ref null ht), (ref ht): a signed LEB128 heap type follows
                while ((u8() & 0x80) != 0) {
                    // skip
                }
            }
        }

        /** Where a part of {@code size} bytes starting here ends, if it ends inside the module. */
        int end(long size) {
            if (size > bytes.length - position) {
                throw malformed("a section or function body runs past the end");
            }
            return position + (int) size;
        }

        static IllegalArgumentException malformed(String why) {
            return new IllegalArgumentException("not a valid WebAssembly module: " + why);
        }
    }
}
