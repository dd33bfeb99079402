package io.github.rustjava.person.internal;

/**
 * Stops the Java side of a call (encoding a name, copying it into the module, waiting for
 * forgotten handles) once the call is interrupted, from outside or by its deadline, which
 * interrupts the calling thread. Such a stop leaves the instance untouched: the api maps it to
 * {@link io.github.rustjava.person.CallTimeoutException} or
 * {@link io.github.rustjava.person.CallInterruptedException} without replacing the instance.
 */
final class Stop {
    private Stop() {}

    /** The Java side of a call was stopped; where, for the message. Carries no stack trace. */
    static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped(String where) {
            super(where, null, false, false);
        }
    }

    /** Throws {@link Stopped} if the calling thread is interrupted; leaves the flag as it is. */
    static void check(String where) {
        if (Thread.currentThread().isInterrupted()) {
            throw new Stopped(where);
        }
    }
}
