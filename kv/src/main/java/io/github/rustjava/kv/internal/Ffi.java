package io.github.rustjava.kv.internal;

import static io.github.rustjava.runtime.WasmType.I32;

import io.github.rustjava.kv.CallInterruptedException;
import io.github.rustjava.kv.CallTimeoutException;
import io.github.rustjava.kv.RustPanicException;
import io.github.rustjava.runtime.Binding;
import io.github.rustjava.runtime.Export;
import io.github.rustjava.runtime.Faults;
import io.github.rustjava.runtime.HostFunction;
import io.github.rustjava.runtime.Layout;
import java.lang.invoke.MethodHandles;
import java.util.List;

/**
 * The Java mirror of {@code rust-kv/src/ffi.rs}, and the only file that knows it: every export
 * with its C prototype and its wasm32 type, the status codes, the {@code KvStats} layout, the host
 * function the module imports, and the binding the runtime loads modules with. A change to one
 * file is a change to the other.
 */
public final class Ffi {
    private Ffi() {}

    /** {@code ffi::ABI_VERSION}, answered by {@code abi_layout(0)}. */
    public static final int ABI_VERSION = 1;

    // --- status codes of last_status(): the boundary's, then the crate's own from 64 ---

    public static final int OK = 0;
    public static final int NULL_ARGUMENT = 1;
    public static final int PANIC = 5;
    public static final int OUT_OF_MEMORY = 6;
    public static final int INVALID_ARGUMENT = 7;
    /** {@code NOT_FOUND}: kv_get found no value under the key. */
    public static final int NOT_FOUND = 64;
    /** {@code BAD_EXPORT}: kv_import was given bytes that are not an export; with a message. */
    public static final int BAD_EXPORT = 65;
    /**
     * Not Rust's: the host could not allocate the block that carries an argument into the module.
     * Handled like {@link #OUT_OF_MEMORY} (forgotten stores get their chance first), but reported
     * as the argument being too large.
     */
    public static final int NO_ROOM_FOR_ARGUMENT = -1;

    // --- exports: C prototype, then the wasm32 type (pointers and size_t are i32) ---

    /** {@code Kv *kv_new(void)}: freed by kv_free. */
    static final Export KV_NEW = Export.of("kv_new", I32);
    /** {@code void kv_free(Kv *kv)}. */
    static final Export KV_FREE = Export.of("kv_free", null, I32);
    /** {@code int32_t kv_put(Kv *kv, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)}: 1 replaced, 0 new, -1 failed. */
    static final Export KV_PUT = Export.of("kv_put", I32, I32, I32, I32, I32, I32);
    /** {@code uint8_t *kv_get(const Kv *kv, const uint8_t *key, size_t key_len, size_t *value_len)}: freed by dealloc(ptr, *value_len). */
    static final Export KV_GET = Export.of("kv_get", I32, I32, I32, I32, I32);
    /** {@code int32_t kv_delete(Kv *kv, const uint8_t *key, size_t key_len)}: 1 removed, 0 absent, -1 failed. */
    static final Export KV_DELETE = Export.of("kv_delete", I32, I32, I32, I32);
    /** {@code int32_t kv_scan(const Kv *kv, const uint8_t *from, size_t from_len, const uint8_t *to, size_t to_len, int32_t ctx)}: entries visited, -1 failed. */
    static final Export KV_SCAN = Export.of("kv_scan", I32, I32, I32, I32, I32, I32, I32);
    /** {@code KvStats *kv_stats(const Kv *kv)}: freed by kv_stats_free. */
    static final Export KV_STATS = Export.of("kv_stats", I32, I32);
    /** {@code void kv_stats_free(KvStats *stats)}. */
    static final Export KV_STATS_FREE = Export.of("kv_stats_free", null, I32);
    /** {@code uint8_t *kv_export(const Kv *kv, size_t *len)}: freed by dealloc(ptr, *len). */
    static final Export KV_EXPORT = Export.of("kv_export", I32, I32, I32);
    /** {@code int32_t kv_import(Kv *kv, const uint8_t *data, size_t len)}: entries imported, -1 failed. */
    static final Export KV_IMPORT = Export.of("kv_import", I32, I32, I32, I32);
    /** {@code const char *last_error_message(void)}: the boundary's, the message of BAD_EXPORT. */
    static final Export LAST_ERROR_MESSAGE = Export.of("last_error_message", I32);

    static final List<Export> EXPORTS = List.of(KV_NEW, KV_FREE, KV_PUT, KV_GET, KV_DELETE, KV_SCAN, KV_STATS, KV_STATS_FREE,
            KV_EXPORT, KV_IMPORT, LAST_ERROR_MESSAGE);

    // --- the host function the module imports ---

    /** What {@code kv_visit} returns to go on with a scan. */
    static final int CONTINUE = 0;
    /** What {@code kv_visit} returns to stop a scan, and what Rust gets when the visitor threw. */
    static final int STOP = 1;

    /**
     * {@code int32_t env.kv_visit(int32_t ctx, const uint8_t *key, size_t key_len, const uint8_t *value, size_t value_len)}:
     * called by kv_scan for each entry; the bytes are the store's own, valid until it returns.
     */
    static final HostFunction KV_VISIT = new HostFunction("env", "kv_visit", List.of(I32, I32, I32, I32, I32), List.of(I32),
            STOP, (instance, args) -> ((KvGuest) instance.attachment()).visit(args));

    // --- the KvStats layout on wasm32, checked against abi_layout(2..8) when an instance starts ---

    /** {@code struct KvStats { uint64_t entries, key_bytes, value_bytes; uint8_t *last_key; size_t last_key_len; }} */
    static final int STATS_SIZE = 32;
    static final int STATS_ALIGN = 8;
    static final int STATS_ENTRIES = 0;
    static final int STATS_KEY_BYTES = 8;
    static final int STATS_VALUE_BYTES = 16;
    static final int STATS_LAST_KEY = 24;
    static final int STATS_LAST_KEY_LEN = 28;

    /** Query 1 is the pointer size; 2 and up the table of ffi.rs's {@code layout}, in its order. */
    static final Layout LAYOUT = new Layout("wasm32", ABI_VERSION,
            List.of("pointer size", "KvStats size", "KvStats align", "KvStats.entries offset", "KvStats.key_bytes offset",
                    "KvStats.value_bytes offset", "KvStats.last_key offset", "KvStats.last_key_len offset"),
            List.of(4, STATS_SIZE, STATS_ALIGN, STATS_ENTRIES, STATS_KEY_BYTES, STATS_VALUE_BYTES, STATS_LAST_KEY,
                    STATS_LAST_KEY_LEN));

    // --- the binding ---

    /** The exceptions this library's users see for the runtime's faults. */
    static final Faults FAULTS = new Faults() {
        @Override
        public RuntimeException trapped(String panicMessage, RuntimeException trap) {
            return new RustPanicException(Faults.trapMessage(panicMessage, trap), trap);
        }

        @Override
        public RuntimeException panicked(String message) {
            return new RustPanicException(message, null);
        }

        @Override
        public RuntimeException interrupted(String message, Throwable cause) {
            return new CallInterruptedException(message, cause);
        }

        @Override
        public RuntimeException timedOut(String message, Throwable cause) {
            return new CallTimeoutException(message, cause);
        }
    };

    /** The module in this jar, the class the build-time compiler made from it, and all of the above. */
    public static final Binding BINDING = Binding.of(EXPORTS, List.of(KV_VISIT), LAYOUT,
            () -> Ffi.class.getResourceAsStream("/io/github/rustjava/kv/kv.wasm"),
            new Binding.Compiled(MethodHandles.lookup().in(KvModule.class), name -> KvModule.class.getResourceAsStream(name)),
            FAULTS);

    /** Whether a call failed for want of memory, which freeing forgotten stores may cure. */
    static boolean outOfMemory(int status) {
        return status == OUT_OF_MEMORY || status == NO_ROOM_FOR_ARGUMENT;
    }

    /**
     * The exception for a call that failed with {@code status}.
     *
     * @param message Rust's message for the status ({@code last_error_message()}), or ""
     */
    static RuntimeException statusException(int status, String function, String message) {
        switch (status) {
            case BAD_EXPORT:
                return new IllegalArgumentException("Rust refused the import: " + message);
            case NO_ROOM_FOR_ARGUMENT:
                return new IllegalArgumentException("the arguments of " + function + " do not fit in the Rust module's memory");
            case OUT_OF_MEMORY:
                return new IllegalStateException("Rust ran out of memory in " + function);
            case PANIC:
                return new RustPanicException("Rust panicked in " + function + ": " + message, null);
            default:
                return new IllegalStateException(function + " failed with status " + status
                        + (message.isEmpty() ? "" : ": " + message));
        }
    }
}
