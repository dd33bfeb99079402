package io.github.rustjava.person.tck;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small Wasm binaries for the tests of what a module may declare: every export the library
 * checks for, with its right type (each body traps), one memory, and whatever a test adds. Counts
 * that WebAssembly text would have to spell out one by one (a million locals, thousands of
 * globals) are a few bytes here.
 */
final class WasmBinary {

    private static final int I32 = 0x7F;
    private static final int I64 = 0x7E;
    private static final int FUNCREF = 0x70;

    /** The library's exports with their wasm32 types: name, params, results. */
    private static final Object[][] EXPORTS = {
        {"create_person", new int[] {I32, I32}, new int[] {I32}},
        {"get_person_details", new int[] {I32}, new int[] {I32}},
        {"free_person", new int[] {I32}, new int[] {}},
        {"get_error_message", new int[] {}, new int[] {I32}},
        {"free_error", new int[] {I32}, new int[] {}},
        {"alloc", new int[] {I32}, new int[] {I32}},
        {"dealloc", new int[] {I32, I32}, new int[] {}},
        {"last_status", new int[] {}, new int[] {I32}},
        {"live_allocations", new int[] {}, new int[] {I64}},
        {"abi_layout", new int[] {I32}, new int[] {I32}},
        {"panic_message", new int[] {}, new int[] {I32}},
    };

    private final List<long[]> tables = new ArrayList<>(); // {min, max or -1}
    private final List<Integer> memories = new ArrayList<>(List.of(1));
    private int globals;
    private int elementSegments;
    private int elementsEach;
    private int dataSegments;
    private int dataBytesEach;
    private long localGroups;
    private long localsPerGroup;

    /** A table of {@code min} entries that may grow to {@code max}; -1: no maximum. */
    WasmBinary table(long min, long max) {
        tables.add(new long[] {min, max});
        return this;
    }

    /** Another memory of {@code pages} pages after the exported one. */
    WasmBinary memory(int pages) {
        memories.add(pages);
        return this;
    }

    /** {@code count} immutable i32 globals. */
    WasmBinary globals(int count) {
        globals = count;
        return this;
    }

    /** {@code count} passive element segments of {@code each} references to function 0. */
    WasmBinary elementSegments(int count, int each) {
        elementSegments = count;
        elementsEach = each;
        return this;
    }

    /** {@code count} passive data segments of {@code each} bytes. */
    WasmBinary dataSegments(int count, int each) {
        dataSegments = count;
        dataBytesEach = each;
        return this;
    }

    /** One more function, never exported or called, with {@code groups} declarations of {@code each} i64 locals. */
    WasmBinary locals(long groups, long each) {
        localGroups = groups;
        localsPerGroup = each;
        return this;
    }

    byte[] bytes() {
        Out module = new Out();
        module.raw(0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00);
        int functions = EXPORTS.length + (localGroups > 0 ? 1 : 0);

        Out types = new Out().u32(functions);
        for (Object[] e : EXPORTS) {
            types.raw(0x60).valTypes((int[]) e[1]).valTypes((int[]) e[2]);
        }
        if (localGroups > 0) {
            types.raw(0x60).u32(0).u32(0);
        }
        module.section(1, types);

        Out functionSection = new Out().u32(functions);
        for (int i = 0; i < functions; i++) {
            functionSection.u32(i);
        }
        module.section(3, functionSection);

        if (!tables.isEmpty()) {
            Out t = new Out().u32(tables.size());
            for (long[] table : tables) {
                t.raw(FUNCREF);
                if (table[1] < 0) {
                    t.raw(0x00).u32(table[0]);
                } else {
                    t.raw(0x01).u32(table[0]).u32(table[1]);
                }
            }
            module.section(4, t);
        }

        Out m = new Out().u32(memories.size());
        for (int pages : memories) {
            m.raw(0x00).u32(pages);
        }
        module.section(5, m);

        if (globals > 0) {
            Out g = new Out().u32(globals);
            for (int i = 0; i < globals; i++) {
                g.raw(I32, 0x00, 0x41, 0x00, 0x0B); // i32, immutable, i32.const 0, end
            }
            module.section(6, g);
        }

        Out exports = new Out().u32(EXPORTS.length + 1);
        for (int i = 0; i < EXPORTS.length; i++) {
            exports.name((String) EXPORTS[i][0]).raw(0x00).u32(i);
        }
        exports.name("memory").raw(0x02).u32(0);
        module.section(7, exports);

        if (elementSegments > 0) {
            Out el = new Out().u32(elementSegments);
            for (int i = 0; i < elementSegments; i++) {
                el.raw(0x01, 0x00).u32(elementsEach); // passive, funcref by index
                for (int j = 0; j < elementsEach; j++) {
                    el.u32(0);
                }
            }
            module.section(9, el);
        }

        Out code = new Out().u32(functions);
        for (int i = 0; i < EXPORTS.length; i++) {
            code.body(new Out().u32(0).raw(0x00, 0x0B)); // no locals; unreachable, end
        }
        if (localGroups > 0) {
            Out body = new Out().u32(localGroups);
            for (long i = 0; i < localGroups; i++) {
                body.u32(localsPerGroup).raw(I64);
            }
            code.body(body.raw(0x0B));
        }
        module.section(10, code);

        if (dataSegments > 0) {
            Out d = new Out().u32(dataSegments);
            for (int i = 0; i < dataSegments; i++) {
                d.raw(0x01).u32(dataBytesEach); // passive
                for (int j = 0; j < dataBytesEach; j++) {
                    d.raw(j & 0x7F);
                }
            }
            module.section(11, d);
        }
        return module.toByteArray();
    }

    /** A byte buffer with the binary format's encodings. */
    private static final class Out extends ByteArrayOutputStream {
        Out raw(int... bytes) {
            for (int b : bytes) {
                write(b);
            }
            return this;
        }

        /** Unsigned LEB128. */
        Out u32(long value) {
            do {
                int b = (int) (value & 0x7F);
                value >>>= 7;
                write(value != 0 ? b | 0x80 : b);
            } while (value != 0);
            return this;
        }

        Out name(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            u32(utf8.length);
            write(utf8, 0, utf8.length);
            return this;
        }

        Out valTypes(int[] types) {
            u32(types.length);
            return raw(types);
        }

        Out section(int id, Out content) {
            write(id);
            u32(content.size());
            write(content.toByteArray(), 0, content.size());
            return this;
        }

        Out body(Out content) {
            u32(content.size());
            write(content.toByteArray(), 0, content.size());
            return this;
        }
    }
}
