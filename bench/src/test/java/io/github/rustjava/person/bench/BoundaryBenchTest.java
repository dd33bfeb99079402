package io.github.rustjava.person.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.rustjava.person.internal.ManagedPersonApi;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The boundary benchmark's backends do the same work, and leave nothing behind. */
class BoundaryBenchTest {

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"BUILD_TIME_COMPILER", "FFM", "JNI"})
    void theRawRoundTripGivesTheSeedsAnswerAndFreesEverything(Backend backend) {
        try (io.github.rustjava.person.internal.Operations raw = ManagedPersonApi.marshalling(backend.guest())) {
            long before = raw.liveAllocations();
            long alice = raw.createPerson("Alice".getBytes(StandardCharsets.UTF_8), 30);
            long older = raw.getPersonDetails(alice);
            assertEquals("Alice", raw.name(older));
            assertEquals(31, raw.age(older));
            raw.freePerson(older);
            raw.freePerson(alice);
            assertEquals(before, raw.liveAllocations());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"JAVA", "SERVICE", "GRAALWASM"})
    void backendsWithoutAnInProcessGuestSaySo(Backend backend) {
        assertThrows(UnsupportedOperationException.class, backend::guest);
    }
}
