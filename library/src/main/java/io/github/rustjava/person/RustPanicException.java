package io.github.rustjava.person;

/**
 * Rust panicked, or the WebAssembly module trapped (an abort, or {@code unreachable}). The
 * message carries Rust's panic message and location when the panic hook could record them.
 *
 * <p>A trapped Wasm instance is discarded: the api replaces it on its next call, and handles
 * that lived in it throw {@link IllegalStateException}.
 */
public final class RustPanicException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RustPanicException(String message, Throwable cause) {
        super(message, cause);
    }
}
