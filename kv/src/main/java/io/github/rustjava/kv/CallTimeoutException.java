package io.github.rustjava.kv;

/** A call ran longer than {@link KvApi.Builder#callTimeout} allows and was stopped. The call is lost, and so are the stores of that instance; the api carries on. */
public final class CallTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CallTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
