package io.github.rustjava.person.graal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustPanicException;
import io.github.rustjava.person.tck.Fixtures;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Real faults from the fault-injection build become RustPanicException and cost only the failing call. */
class GraalWasmFaultTest {

    private static PersonApi faultsApi() throws IOException {
        return GraalWasmPersonApi.open(Fixtures.faultsModule());
    }

    @Test
    void aPanicCarriesItsMessageAndTheApiRecovers() throws IOException {
        try (PersonApi api = faultsApi()) {
            PersonHandle before = api.createPerson("before", 30);
            RustPanicException e = assertThrows(RustPanicException.class, () -> api.createPerson("💥panic", 30));
            assertTrue(e.getMessage().contains("injected panic (fault-injection build)"), e.getMessage());
            assertTrue(e.getMessage().contains("src/faults.rs"), e.getMessage());
            assertEquals("before", before.name(), "the person was moved out of the trapped instance");
            before.close();
            try (PersonHandle after = api.createPerson("after", 30);
                    PersonHandle older = api.personDetails(after).orElseThrow()) {
                assertEquals(31, older.age());
            }
        }
    }

    @Test
    void anAbortIsATrap() throws IOException {
        try (PersonApi api = faultsApi()) {
            RustPanicException e = assertThrows(RustPanicException.class, () -> api.createPerson("💥abort", 30));
            assertTrue(e.getMessage().startsWith("the Wasm module trapped"), e.getMessage());
            try (PersonHandle after = api.createPerson("after", 30)) {
                assertEquals("after", after.name());
            }
            assertEquals(0, api.liveAllocations());
        }
    }
}
