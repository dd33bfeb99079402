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

    /**
     * {@link #createPerson(byte[], int)} for a long name given as consecutive UTF-8 chunks. A
     * backend that copies the name in steps checks between any two whether the call was stopped
     * ({@link io.github.rustjava.runtime.Stop}); this default joins the chunks and copies once.
     */
    default long createPerson(io.github.rustjava.runtime.CStrings.Chunks utf8, int age) {
        if (utf8.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a name of " + utf8.length() + " UTF-8 bytes is too large for one array");
        }
        byte[] joined = new byte[(int) utf8.length()];
        int at = 0;
        for (byte[] chunk : utf8.chunks()) {
            System.arraycopy(chunk, 0, joined, at, chunk.length);
            at += chunk.length;
        }
        return createPerson(joined, age);
    }

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
