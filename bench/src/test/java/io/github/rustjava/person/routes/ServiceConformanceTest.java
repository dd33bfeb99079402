package io.github.rustjava.person.routes;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.tck.PersonApiConformance;
import java.nio.file.Path;

/** The library's conformance suite on the HTTP service route: a server process per api. */
class ServiceConformanceTest extends PersonApiConformance {
    static final Path BINARY = Path.of(System.getProperty("person.service.binary",
            "routes/person-service/target/release/person-service"));

    @Override
    protected PersonApi openApi() {
        return ServicePersonApi.open(BINARY);
    }
}
