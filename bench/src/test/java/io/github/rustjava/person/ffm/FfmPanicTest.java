package io.github.rustjava.person.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustPanicException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A real Rust panic in the native library (the fault-injection build of the same crate) becomes
 * an exception: catch_unwind at the export stops it at the boundary, so the JVM lives on, and so
 * does the library (unlike a trapped Wasm instance, nothing needs replacing).
 */
class FfmPanicTest {

    private static final Path FAULTS = Path.of(System.getProperty("person.native.faults.library",
            "../rust-wasm/target/faults/release/libperson.so"));

    @Test
    void aNativePanicIsAnExceptionNotAnAbort() {
        try (PersonApi api = FfmPersonApi.open(FAULTS)) {
            PersonHandle before = api.createPerson("before", 30);
            RustPanicException e = assertThrows(RustPanicException.class, () -> api.createPerson("💥panic", 1));
            assertTrue(e.getMessage().contains("Rust panicked in create_person"), e.getMessage());
            assertTrue(e.getMessage().contains("injected panic (fault-injection build)"), e.getMessage());
            assertTrue(e.getMessage().contains("src/faults.rs"), "the panic's location: " + e.getMessage());
            assertEquals("before", before.name(), "the library is intact: its persons live on");
            before.close();
            assertEquals(0, api.liveAllocations(), "the panic leaked nothing");
        }
    }
}
