package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustPanicException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real faults inside the module become exceptions, cost only the failing call, and the api and its
 * handles survive them. Panics come from the fault-injection build of the crate (nothing in the
 * shipped API can panic), loaded as a module from outside the jar; running out of memory needs no
 * special build.
 */
class FaultTest {

    static PersonApi faultsApi(Engine engine) {
        return PersonApi.builder().engine(engine).module(Fixtures.faultsModule()).build();
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void aRustPanicBecomesAnExceptionWithItsMessageAndLocation(Engine engine) {
        try (PersonApi api = faultsApi(engine)) {
            PersonHandle before = api.createPerson("Alice", 30);
            RustPanicException e = assertThrows(RustPanicException.class, () -> api.createPerson("💥panic", 1));
            assertTrue(e.getMessage().contains("injected panic (fault-injection build)"), e.getMessage());
            assertTrue(e.getMessage().contains("src/faults.rs"), "the panic's location: " + e.getMessage());

            // Only the failed call is lost: the person made before lives on in the fresh instance.
            assertEquals(new Person("Alice", 30), before.toPerson());
            assertEquals(1, api.liveAllocations());
            assertDoesNotThrow(before::close);
            assertEquals(0, api.liveAllocations());
            try (PersonHandle after = api.createPerson("Bob", 40);
                    PersonHandle older = api.personDetails(after).orElseThrow()) {
                assertEquals(new Person("Bob", 41), older.toPerson());
            }
            assertEquals(0, api.liveAllocations());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "RUNTIME_COMPILER"})
    void anAbortTrapsAndTheApiCarriesOn(Engine engine) {
        try (PersonApi api = faultsApi(engine)) {
            RustPanicException e = assertThrows(RustPanicException.class, () -> api.createPerson("💥abort", 1));
            assertTrue(e.getMessage().startsWith("the Wasm module trapped"), e.getMessage());
            assertEquals(-1, api.errorMessage().code());
        }
    }

    /**
     * A failed allocation outside the person functions still aborts, as Rust's default is: fill
     * the module's memory with one-byte persons, then ask for the seed's error, whose allocation
     * has nowhere to go. On every engine, the build-time compiler's direct calls included, the trap
     * becomes a RustPanicException and a fresh instance takes over, with every person moved into it.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void anAllocationFailureElsewhereTrapsAndTheApiCarriesOn(Engine engine) {
        try (PersonApi api = PersonApi.builder().engine(engine).maxMemoryBytes(2 << 20).build()) {
            List<PersonHandle> held = new ArrayList<>();
            assertThrows(IllegalStateException.class, () -> {
                for (int i = 0; i < 1_000_000; i++) {
                    held.add(api.createPerson("x", 30));
                }
            });
            RustPanicException e = assertThrows(RustPanicException.class, api::errorMessage);
            assertTrue(e.getMessage().startsWith("the Wasm module trapped"), e.getMessage());
            assertEquals(held.size(), api.liveAllocations(), "every person was moved to the fresh instance");
            assertEquals(new Person("x", 30), held.get(0).toPerson());
            assertEquals(new Person("x", 30), held.get(held.size() - 1).toPerson());
            held.forEach(PersonHandle::close);
            assertEquals(0, api.liveAllocations());
            assertEquals(-1, api.errorMessage().code());
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void runningOutOfMemoryIsRefusedAndTheInstanceCarriesOn(Engine engine) {
        // 2 MiB of memory; each person holds a 1000-byte name until the module cannot allocate.
        // create_person then returns null with OutOfMemory instead of trapping, so the instance
        // and every handle in it stay usable.
        try (PersonApi api = PersonApi.builder().engine(engine).maxMemoryBytes(2 << 20).build()) {
            PersonHandle first = api.createPerson("first", 30);
            String name = "m".repeat(1000);
            List<PersonHandle> held = new ArrayList<>(); // held, so none is reclaimed as forgotten
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                for (int i = 0; i < 10_000; i++) {
                    held.add(api.createPerson(name, 30));
                }
            });
            assertTrue(held.size() > 100, "memory ran out after " + held.size() + " persons, not at once");
            assertTrue(e.getMessage().contains("ran out of memory in create_person"), e.getMessage());
            assertEquals(new Person("first", 30), first.toPerson(), "the instance was not replaced");
            assertEquals(held.size() + 1L, api.liveAllocations(), "the refused call left nothing behind");
            held.forEach(PersonHandle::close);
            first.close();
            assertEquals(0, api.liveAllocations());
            try (PersonHandle p = api.createPerson(name, 50)) {
                assertEquals(name, p.name());
            }
        }
    }
}
