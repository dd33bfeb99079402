package io.github.rustjava.person;

/**
 * The calling thread was interrupted while the call ran inside the Wasm module, so the call was
 * abandoned. Only that call is lost: the api and every other handle carry on, and the thread's
 * interrupt flag stays set for the caller to act on.
 *
 * <p>An interrupt that is already pending when a call starts does not stop it: the call runs, and
 * the flag is still set when it returns.
 */
public final class CallInterruptedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CallInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
