package io.github.rustjava.person.routes;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.tck.PersonApiConformance;
import java.nio.file.Path;

/** The library's conformance suite on the shared-memory route: a server process and a slot file per api. */
class SharedMemoryConformanceTest extends PersonApiConformance {
    static final Path BINARY = Path.of(System.getProperty("person.shm.binary",
            "routes/person-shm/target/release/person-shm"));

    @Override
    protected PersonApi openApi() {
        return SharedMemoryPersonApi.open(BINARY);
    }
}
