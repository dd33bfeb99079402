package io.github.rustjava.person;

import java.time.Duration;

/**
 * A call ran longer than {@link PersonApi.Builder#callTimeout(Duration)} allows and was stopped.
 * Only that call is lost: the api and every other handle carry on.
 */
public final class CallTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CallTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
