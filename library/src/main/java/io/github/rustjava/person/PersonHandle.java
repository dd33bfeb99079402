package io.github.rustjava.person;

/**
 * Owns one Rust {@code Person*}. Reading it reads Rust's memory; {@link #close()} calls Rust's
 * {@code free_person} exactly once.
 *
 * <p>A handle belongs to the {@link PersonApi} that made it and is valid until either is closed;
 * after that every read throws {@link IllegalStateException}.
 */
public interface PersonHandle extends AutoCloseable {

    /** The name, decoded from the Rust-owned UTF-8 C string. */
    String name();

    /** The age. */
    int age();

    /** A Java copy of the person, independent of this handle's lifetime. */
    Person toPerson();

    /** Frees the Rust person. Idempotent; throws nothing. */
    @Override
    void close();
}
