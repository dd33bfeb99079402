package io.github.rustjava.person.internal;

import io.github.rustjava.person.RustError;
import io.github.rustjava.runtime.Backend;

/**
 * The Person API's operations on one running guest, as the api needs them: each is one C call
 * with its marshalling. {@link Marshalling} implements it over any {@link Guest}; the
 * out-of-process routes implement it over their channels.
 */
public interface Operations extends Backend {

    /** {@code create_person} with the UTF-8 name: the person's address, or 0 (see {@link #lastStatus()}). */
    long createPerson(byte[] utf8, int age);

    /** {@code get_person_details}: a new person's address, or 0. */
    long getPersonDetails(long person);

    void freePerson(long person);

    String name(long person);

    int age(long person);

    /** {@code get_error_message} and {@code free_error}; null if Rust returned null. */
    RustError errorMessage();

    /** The largest name, in UTF-8 bytes, this guest can take. */
    long maxNameBytes();
}
