package io.github.rustjava.person.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The memory cap: what is refused, when, and that the api works afterwards. */
class LimitsTest {

    @ParameterizedTest
    @EnumSource(Engine.class)
    void aNameTooLargeForTheCapIsRefusedBeforeAnyCopy(Engine engine) {
        try (PersonApi api = PersonApi.builder().engine(engine).maxMemoryBytes(4 << 20).build()) {
            String huge = "大".repeat(400_000); // 1.2 MB of UTF-8, over a quarter of 4 MiB
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> api.createPerson(huge, 30));
            assertTrue(e.getMessage().contains("1200000 UTF-8 bytes is too large"), e.getMessage());
            assertEquals(0, api.liveAllocations());
            String fits = "大".repeat(300_000); // 900 KB
            try (PersonHandle p = api.createPerson(fits, 30)) {
                assertEquals(fits, p.name());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, 1 << 20, 3L << 30, Long.MAX_VALUE})
    void aCapOutOfRangeIsRefusedClearly(long bytes) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PersonApi.builder().maxMemoryBytes(bytes).build());
        assertTrue(e.getMessage().contains("memory cap must be between"), e.getMessage());
    }

    @Test
    void zeroInstancesIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> PersonApi.builder().instances(0));
    }

    /** With the default 512 MiB cap a 100-million-character ASCII name (100 MB) is processed... */
    @Test
    void aHundredMillionCharacterNameIsProcessed() {
        String name = "a".repeat(100_000_000);
        try (PersonApi api = PersonApi.wasm(); PersonHandle p = api.createPerson(name, 30)) {
            try (PersonHandle older = api.personDetails(p).orElseThrow()) {
                assertEquals(31, older.age());
                assertEquals(100_000_000, older.name().length());
            }
        }
    }

    /** ...and the same number of CJK characters (300 MB of UTF-8) is refused, and the api works on. */
    @Test
    void aHundredMillionCjkCharactersAreRefused() {
        String name = "中".repeat(100_000_000);
        try (PersonApi api = PersonApi.wasm()) {
            assertThrows(IllegalArgumentException.class, () -> api.createPerson(name, 30));
            try (PersonHandle p = api.createPerson("still here", 30)) {
                assertEquals("still here", p.name());
            }
            assertEquals(0, api.liveAllocations());
        }
    }
}
