package io.github.rustjava.person.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustPanicException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The failure mode the write-up held against these routes: the server process dies. The api
 * turns that into an exception, starts a fresh server, and carries on; handles of the dead
 * server throw IllegalStateException.
 */
class RouteFaultTest {

    static Stream<Arguments> routes() {
        Function<Path, PersonApi> service = ServicePersonApi::open;
        Function<Path, PersonApi> shm = SharedMemoryPersonApi::open;
        return Stream.of(
                Arguments.of("service", ServiceConformanceTest.BINARY, service),
                Arguments.of("shared memory", SharedMemoryConformanceTest.BINARY, shm));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("routes")
    void aKilledServerIsReplaced(String route, Path binary, Function<Path, PersonApi> open) throws IOException, InterruptedException {
        try (PersonApi api = open.apply(binary)) {
            PersonHandle before = api.createPerson("before", 30);
            killServers(binary);
            assertThrows(RustPanicException.class, () -> api.createPerson("during", 30));
            assertThrows(IllegalStateException.class, before::name);
            try (PersonHandle after = api.createPerson("after", 30);
                    PersonHandle older = api.personDetails(after).orElseThrow()) {
                assertEquals(31, older.age());
            }
            assertEquals(0, api.liveAllocations(), "the fresh server holds nothing");
        }
    }

    /** Kills this JVM's children running {@code binary}, as a crash would. */
    private static void killServers(Path binary) throws InterruptedException {
        String name = binary.getFileName().toString();
        ProcessHandle.current().children()
                .filter(p -> p.info().command().map(c -> c.endsWith(name)).orElse(false))
                .forEach(p -> {
                    assertTrue(p.destroyForcibly());
                    p.onExit().join();
                });
    }
}
