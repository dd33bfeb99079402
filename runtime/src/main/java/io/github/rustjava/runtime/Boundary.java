package io.github.rustjava.runtime;

import static io.github.rustjava.runtime.WasmType.I32;
import static io.github.rustjava.runtime.WasmType.I64;

import java.util.List;

/**
 * The exports every module built on the boundary crate has ({@code rust/ffi-boundary}): the runtime
 * calls these and no other export by name. A binding lists its own in {@link Binding}.
 */
public final class Boundary {
    private Boundary() {}

    /** {@code uint8_t *alloc(size_t len)}. */
    public static final Export ALLOC = Export.of("alloc", I32, I32);
    /** {@code void dealloc(uint8_t *ptr, size_t len)}. */
    public static final Export DEALLOC = Export.of("dealloc", null, I32, I32);
    /** {@code int32_t last_status(void)}. */
    public static final Export LAST_STATUS = Export.of("last_status", I32);
    /** {@code uint64_t live_allocations(void)}. */
    public static final Export LIVE_ALLOCATIONS = Export.of("live_allocations", I64);
    /** {@code int32_t abi_layout(int32_t query)}. */
    public static final Export ABI_LAYOUT = Export.of("abi_layout", I32, I32);
    /** {@code const char *panic_message(void)}: the panic hook's buffer. */
    public static final Export PANIC_MESSAGE = Export.of("panic_message", I32);

    /** All of them, in the order a module check names a missing one. */
    public static final List<Export> EXPORTS = List.of(ALLOC, DEALLOC, LAST_STATUS, LIVE_ALLOCATIONS, ABI_LAYOUT, PANIC_MESSAGE);

    /** The name of the module's exported linear memory. */
    public static final String MEMORY = "memory";
}
