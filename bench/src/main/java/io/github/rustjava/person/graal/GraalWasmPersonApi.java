package io.github.rustjava.person.graal;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.internal.Ffi;
import io.github.rustjava.person.internal.Guest;
import io.github.rustjava.person.internal.ManagedPersonApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * The library's own {@code person.wasm}, run by GraalWasm instead of Chicory: a peer backend for
 * the benchmarks. It only supplies a {@link Guest}; every rule of the API (marshalling, handles,
 * errors, replacing a trapped instance) is {@link ManagedPersonApi}'s, shared with the other engines.
 *
 * <p><b>Optimizing runtime.</b> GraalWasm is a Truffle language. On a stock JDK with the polyglot
 * jars on the class path it runs in Truffle's fallback runtime: interpreter only, no partial
 * evaluation, orders of magnitude slower. The optimizing runtime needs the Graal compiler as a
 * JVMCI compiler: {@code -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI} and
 * {@code --upgrade-module-path} with {@code org.graalvm.compiler:compiler},
 * {@code org.graalvm.sdk:word}, {@code collections}, {@code nativeimage} and
 * {@code org.graalvm.truffle:truffle-compiler}. {@link #optimizingRuntimeActive()} and
 * {@link #runtimeDescription()} say which one this JVM got, so a benchmark report can print it;
 * Truffle's own warning about the fallback runtime is switched off in favour of that.
 *
 * <p><b>One engine, many contexts.</b> Each guest is one {@link Context} with one instance of the
 * module. All contexts share one {@link Engine}, so the module is parsed once and code compiled
 * for one instance serves the next one (after a trap, or in another api).
 *
 * <p><b>Threads.</b> A GraalWasm context may be used by one thread at a time. {@link
 * ManagedPersonApi} holds its lock around every call, including the Cleaner's frees, so that holds.
 */
public final class GraalWasmPersonApi {
    private GraalWasmPersonApi() {}

    private static final String MODULE = "/io/github/rustjava/person/person.wasm";

    /** Created on first use, so merely loading this class starts no polyglot engine. */
    private static final class Shared {
        static final Engine ENGINE = Engine.newBuilder("wasm")
                // runtimeDescription() reports the runtime; the warning would only repeat it on stderr.
                .option("engine.WarnInterpreterOnly", "false")
                .build();
        static final Source SOURCE = source(moduleBytes(), "person.wasm");

        private static byte[] moduleBytes() {
            try (InputStream in = GraalWasmPersonApi.class.getResourceAsStream(MODULE)) {
                if (in == null) {
                    throw new IllegalStateException("person.wasm is missing from the classpath");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Opens an api over a fresh GraalWasm instance of the library's module.
     *
     * @throws IllegalStateException if the module's struct layout differs from {@link Ffi#WASM32}
     */
    public static PersonApi open() {
        return ManagedPersonApi.open(() -> new WasmGuest(Shared.SOURCE));
    }

    /**
     * Opens an api over another wasm32 build of the same crate, e.g. the tests' fault-injection
     * build, whose panics are real.
     *
     * @throws IllegalStateException if the module's struct layout differs from {@link Ffi#WASM32}
     * @throws org.graalvm.polyglot.PolyglotException if GraalWasm cannot load the module
     */
    public static PersonApi open(byte[] module) {
        Source source = source(module.clone(), "person-build.wasm");
        return ManagedPersonApi.open(() -> new WasmGuest(source));
    }

    private static Source source(byte[] module, String name) {
        // A literal source: the bytes are all there is, no file to read or to watch.
        return Source.newBuilder("wasm", ByteSequence.create(module), name).buildLiteral();
    }

    /**
     * Whether Truffle's optimizing runtime runs the module. The fallback runtime names itself
     * "Interpreted"; any other implementation compiles.
     */
    public static boolean optimizingRuntimeActive() {
        return !"Interpreted".equals(Shared.ENGINE.getImplementationName());
    }

    /**
     * One line for a report, e.g. {@code GraalWasm 25.0.1 (GraalVM CE): optimizing runtime
     * active: yes}. The name in parentheses is Truffle's runtime.
     */
    public static String runtimeDescription() {
        Engine engine = Shared.ENGINE;
        // The Maven Central jars call themselves "Development Build" through Engine.getVersion();
        // the polyglot jar's manifest has the release. A shaded jar drops that manifest.
        String version = Engine.class.getPackage().getImplementationVersion();
        String line = "GraalWasm " + (version != null ? version : engine.getVersion())
                + " (" + engine.getImplementationName() + "): optimizing runtime active: "
                + (optimizingRuntimeActive() ? "yes" : "no");
        if (!optimizingRuntimeActive()) {
            line += " (enable it with -XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI and the Graal"
                    + " compiler jars on --upgrade-module-path)";
        }
        return line;
    }

    /** A Guest over one GraalWasm context. Addresses are wasm32 offsets into the exported memory. */
    private static final class WasmGuest implements Guest {

        private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN; // Wasm memory is little-endian
        private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, LE);
        private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, LE);
        private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, LE);
        private static final int STRLEN_CHUNK = 256;
        /** {@code org.graalvm.wasm.memory.ByteArrayWasmMemory.MAX_ALLOWED_SIZE}, in 64 KiB pages. */
        private static final long BYTE_ARRAY_MAX_PAGES = 32767;

        private final Context context;
        private final Value memory;
        // The exports of rust-wasm/src/ffi.rs, looked up once: a member lookup per call would cost
        // more than some of the calls.
        private final Value createPerson;
        private final Value getPersonDetails;
        private final Value freePerson;
        private final Value getErrorMessage;
        private final Value freeError;
        private final Value alloc;
        private final Value dealloc;
        private final Value lastStatus;
        private final Value liveAllocations;
        private final Value abiLayout;
        /** Where the panic hook writes; read without calling into a trapped instance. */
        private final long panicMessage;
        /** The memory's size in bytes when last asked: a lower bound, as memory never shrinks. */
        private long memorySize;
        /** strlen's buffer, reused: calls on a guest never overlap ({@link ManagedPersonApi}'s lock). */
        private final byte[] chunk = new byte[STRLEN_CHUNK];
        private boolean closed;

        WasmGuest(Source module) {
            context = Context.newBuilder("wasm").engine(Shared.ENGINE).build();
            try {
                Value exports = context.eval(module).newInstance().getMember("exports");
                memory = exports.getMember("memory");
                createPerson = export(exports, "create_person");
                getPersonDetails = export(exports, "get_person_details");
                freePerson = export(exports, "free_person");
                getErrorMessage = export(exports, "get_error_message");
                freeError = export(exports, "free_error");
                alloc = export(exports, "alloc");
                dealloc = export(exports, "dealloc");
                lastStatus = export(exports, "last_status");
                liveAllocations = export(exports, "live_allocations");
                abiLayout = export(exports, "abi_layout");
                if (memory == null || !memory.hasBufferElements()) {
                    throw new IllegalStateException("person.wasm does not export its memory");
                }
                panicMessage = pointer(export(exports, "panic_message").execute());
            } catch (RuntimeException e) {
                context.close();
                throw e;
            }
        }

        private static Value export(Value exports, String name) {
            Value f = exports.getMember(name);
            if (f == null || !f.canExecute()) {
                throw new IllegalStateException("person.wasm does not export the function " + name);
            }
            return f;
        }

        /** A wasm32 pointer is an unsigned i32. */
        private static long pointer(Value v) {
            return Integer.toUnsignedLong(v.asInt());
        }

        @Override
        public Ffi.Layout expectedLayout() {
            return Ffi.WASM32;
        }

        // Addresses are below 4 GiB (wasm32), so an (int) cast keeps the i32 bit pattern the
        // module expects, even above 2 GiB.

        @Override
        public long createPerson(long name, int age) {
            return pointer(createPerson.execute((int) name, age));
        }

        @Override
        public long getPersonDetails(long person) {
            return pointer(getPersonDetails.execute((int) person));
        }

        @Override
        public void freePerson(long person) {
            freePerson.executeVoid((int) person);
        }

        @Override
        public long getErrorMessage() {
            return pointer(getErrorMessage.execute());
        }

        @Override
        public void freeError(long error) {
            freeError.executeVoid((int) error);
        }

        @Override
        public long alloc(long len) {
            if (len > 0xFFFF_FFFFL) {
                return 0; // no wasm32 size_t can say it
            }
            return pointer(alloc.execute((int) len));
        }

        @Override
        public void dealloc(long ptr, long len) {
            dealloc.executeVoid((int) ptr, (int) len);
        }

        @Override
        public int lastStatus() {
            return lastStatus.execute().asInt();
        }

        @Override
        public long liveAllocations() {
            return liveAllocations.execute().asLong();
        }

        @Override
        public int abiLayout(int query) {
            return abiLayout.execute(query).asInt();
        }

        @Override
        public void write(long address, byte[] bytes, int length) {
            // Value has a bulk read but no bulk write, and each buffer access is a call into the
            // context: write eight bytes per call, then at most one int, one short and one byte.
            int i = 0;
            for (; i + Long.BYTES <= length; i += Long.BYTES) {
                memory.writeBufferLong(LE, address + i, (long) LONG_LE.get(bytes, i));
            }
            if (i + Integer.BYTES <= length) {
                memory.writeBufferInt(LE, address + i, (int) INT_LE.get(bytes, i));
                i += Integer.BYTES;
            }
            if (i + Short.BYTES <= length) {
                memory.writeBufferShort(LE, address + i, (short) SHORT_LE.get(bytes, i));
                i += Short.BYTES;
            }
            if (i < length) {
                memory.writeBufferByte(address + i, bytes[i]);
            }
        }

        @Override
        public void writeByte(long address, byte value) {
            memory.writeBufferByte(address, value);
        }

        @Override
        public byte[] read(long address, int length) {
            byte[] out = new byte[length];
            memory.readBuffer(address, out, 0, length);
            return out;
        }

        @Override
        public int readInt(long address) {
            return memory.readBufferInt(LE, address);
        }

        @Override
        public long readPointer(long address) {
            return Integer.toUnsignedLong(memory.readBufferInt(LE, address));
        }

        @Override
        public int strlen(long address) {
            // Chunked bulk reads, as in the Chicory guest: one call per chunk, not per byte.
            // Linear memory only grows, so a size read earlier is a safe bound; it is read again
            // only when a string seems to run past it.
            for (long at = address; ; at += STRLEN_CHUNK) {
                if (at + STRLEN_CHUNK > memorySize) {
                    memorySize = memory.getBufferSize();
                    if (at >= memorySize) {
                        throw new IllegalStateException("unterminated C string at " + address);
                    }
                }
                int n = (int) Math.min(STRLEN_CHUNK, memorySize - at);
                memory.readBuffer(at, chunk, 0, n);
                for (int i = 0; i < n; i++) {
                    if (chunk[i] == 0) {
                        return Math.toIntExact(at - address + i);
                    }
                }
            }
        }

        /**
         * GraalWasm takes no memory cap from the host, and the module declares no maximum. Its
         * default memory is one {@code byte[]} ({@code ByteArrayWasmMemory}, used unless the
         * experimental {@code wasm.UseUnsafeMemory} is on), which stops at 32767 pages: just under
         * 2 GiB, the same ceiling as Chicory's largest cap.
         */
        @Override
        public long memoryLimit() {
            return BYTE_ARRAY_MAX_PAGES * 65536;
        }

        @Override
        public long memorySize() {
            memorySize = memory.getBufferSize();
            return memorySize;
        }

        @Override
        public String panicMessage() {
            int len = strlen(panicMessage);
            return new String(read(panicMessage, len), StandardCharsets.UTF_8);
        }

        @Override
        public RuntimeException fault(RuntimeException failure) {
            // The module imports nothing, so no host code runs inside a call: any PolyglotException
            // is the guest's (a trap such as Rust's abort-on-panic `unreachable`, a stack
            // overflow, or an engine failure), and the instance is not to be trusted again.
            if (!(failure instanceof PolyglotException) || ((PolyglotException) failure).isHostException()) {
                return null;
            }
            String panic;
            try {
                panic = panicMessage(); // the hook wrote it before the trap
            } catch (RuntimeException unreadable) {
                panic = ""; // e.g. the context was cancelled: report the trap itself
            }
            return Guest.trapped(panic, failure);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                context.close();
            } catch (IllegalStateException | PolyglotException e) {
                // Closing a context that failed is best effort: nothing more can be freed.
            }
        }
    }
}
