package io.github.rustjava.runtime;

/**
 * A module returned something no correct build returns: an address outside its memory, a length
 * larger than anything it was given, a string that is not UTF-8. Thrown before Java reads or
 * allocates anything for it; the instance is retired as after a trap.
 */
public final class MisbehavedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public MisbehavedException(String message) {
        super("the Wasm module misbehaved: " + message);
    }
}
