package io.github.rustjava.person.tck;

import io.github.rustjava.person.PersonApi;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

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

    /**
     * The module the library ships, read from the library's jar: the same bytes loaded as a
     * module from outside the jar, e.g. to reload an api onto it.
     */
    public static byte[] shippedModule() {
        try (InputStream in = PersonApi.class.getResourceAsStream("person.wasm")) {
            if (in == null) {
                throw new IllegalStateException("person.wasm is missing from the library jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Small modules that fail one of the checks a module from outside the jar must pass, built by
     * {@code make wasm} from {@code tck/src/main/wat/}. A backend must refuse each one before any
     * call, and keep serving a module it runs already.
     */
    public enum BadModule {
        /** Exports create_person but not get_person_details. */
        MISSING_EXPORT("missing-export.wasm"),
        /** Exports create_person as (i64)->i32 instead of (i32,i32)->i32. */
        WRONG_TYPE("wrong-type.wasm"),
        /** Imports {@code env.random}, which no host provides. */
        IMPORTS("imports.wasm"),
        /** Has a start function, which would run before any check. */
        START_FUNCTION("start-function.wasm"),
        /** Passes every check made before it runs, but {@code abi_layout(0)} answers ABI version 7. */
        ABI_VERSION_7("abi-version-7.wasm"),
        /** Passes every check made before it runs, but {@code abi_layout} traps. */
        ABI_TRAPS("abi-traps.wasm"),
        /** Passes every check made before it runs, but {@code abi_layout} never returns. */
        ABI_LOOPS("abi-loops.wasm"),
        /** Under 1 KB, but declares 20 tables of 10 million entries, which an instance would allocate. */
        HUGE_TABLES("huge-tables.wasm");

        private final String file;

        BadModule(String file) {
            this.file = file;
        }

        /** The module's bytes, a fresh copy. */
        public byte[] bytes() {
            return resource("bad/" + file);
        }

        /** Writes the module into {@code dir} under its own name, for the calls that take a path. */
        public Path writeTo(Path dir) {
            return write(bytes(), dir, file);
        }
    }

    /**
     * Working person modules written by hand in {@code tck/src/main/wat/}, each with one way of
     * taking its time. They pass every check; a backend must bound what they do.
     */
    public enum SlowModule {
        /** Makes, reads and copies persons, but {@code free_person} never returns for a person. */
        FREE_LOOPS("free-loops.wasm"),
        /**
         * Answers its ABI version only after 3 million loop turns: about half a second on the
         * interpreter, a millisecond on a compiler. Otherwise a working module, but for one door:
         * {@code create_person} traps for a negative age, so the instance is replaced, by one that
         * starts as slowly.
         */
        SLOW_START("slow-start.wasm");

        private final String file;

        SlowModule(String file) {
            this.file = file;
        }

        /** The module's bytes, a fresh copy. */
        public byte[] bytes() {
            return resource("bad/" + file);
        }
    }

    /** Writes {@code wasm} into {@code dir} as {@code name}, for the calls that take a path. */
    public static Path write(byte[] wasm, Path dir, String name) {
        try {
            return Files.write(dir.resolve(name), wasm);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
