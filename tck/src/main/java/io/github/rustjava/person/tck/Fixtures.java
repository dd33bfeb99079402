package io.github.rustjava.person.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Modules for backends to test with, built by {@code make wasm} and shipped in this jar. */
public final class Fixtures {
    private Fixtures() {}

    /**
     * The crate built with its test-only {@code fault-injection} feature: a name starting with
     * U+1F4A5 (💥) picks a real fault, see {@code rust-wasm/src/faults.rs}. Never shipped in the library.
     */
    public static byte[] faultsModule() {
        return resource("person-faults.wasm");
    }

    static byte[] resource(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the TCK jar: run `make wasm`");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
