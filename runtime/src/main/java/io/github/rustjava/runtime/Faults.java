package io.github.rustjava.runtime;

/**
 * The exceptions a binding's users see for the runtime's faults: a binding names its own types,
 * so its users catch what its API documents.
 */
public interface Faults {

    /**
     * A trap: a Rust panic on wasm32 (then {@code panicMessage} is what the panic hook wrote, with
     * its location), an abort, {@code unreachable}, or a failure of the module itself.
     */
    RuntimeException trapped(String panicMessage, RuntimeException trap);

    /** A Rust panic caught at the boundary of a native build, and reported as a status. */
    RuntimeException panicked(String message);

    /** An interrupt stopped the call inside the guest. */
    RuntimeException interrupted(String message, Throwable cause);

    /** The call timeout stopped the call. */
    RuntimeException timedOut(String message, Throwable cause);

    /** The message a trap is reported with. */
    static String trapMessage(String panicMessage, RuntimeException trap) {
        return panicMessage.isEmpty() ? "the Wasm module trapped: " + trap.getMessage() : "Rust panicked: " + panicMessage;
    }
}
