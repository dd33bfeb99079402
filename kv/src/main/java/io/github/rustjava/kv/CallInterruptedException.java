package io.github.rustjava.kv;

/** The calling thread was interrupted while the call ran inside the module (or inside a visitor it called), so the call was abandoned. The call is lost, and so are the stores of that instance; the interrupt flag stays set for the caller. An interrupt already pending when a call starts does not stop it. */
public final class CallInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CallInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
