package io.github.rustjava.runtime;

/**
 * Stops the Java side of a call (encoding a large string, copying it into the guest, waiting for
 * forgotten handles) once the call is interrupted, from outside or by its deadline, which
 * interrupts the calling thread. Such a stop leaves the instance untouched: the api reports it as
 * the binding's timeout or interrupt exception without retiring the instance.
 */
public final class Stop {
    private Stop() {}

    /** The Java side of a call was stopped; where, for the message. Carries no stack trace. */
    public static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped(String where) {
            super(where, null, false, false);
        }
    }

    /** Throws {@link Stopped} if the calling thread is interrupted; leaves the flag as it is. */
    public static void check(String where) {
        if (Thread.currentThread().isInterrupted()) {
            throw new Stopped(where);
        }
    }
}
