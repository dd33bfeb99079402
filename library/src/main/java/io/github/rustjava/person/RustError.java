package io.github.rustjava.person;

import java.util.Objects;

/** Rust's {@code Error} struct, copied into Java before Rust freed it. */
public record RustError(int code, String message) {
    public RustError {
        Objects.requireNonNull(message, "message");
    }
}
