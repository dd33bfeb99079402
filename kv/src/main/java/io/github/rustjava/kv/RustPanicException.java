package io.github.rustjava.kv;

/** Rust panicked, or the WebAssembly module trapped (an abort, {@code unreachable}, running out of memory outside a checked allocation). The message carries Rust's panic message and location when the panic hook recorded them. The call is lost, and so are the stores of that instance. */
public final class RustPanicException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RustPanicException(String message, Throwable cause) {
        super(message, cause);
    }
}
