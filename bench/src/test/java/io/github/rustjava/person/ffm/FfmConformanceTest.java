package io.github.rustjava.person.ffm;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.tck.PersonApiConformance;
import java.nio.file.Path;

/** The library's conformance suite on Rust's cdylib through FFM. */
class FfmConformanceTest extends PersonApiConformance {

    /** Set by the pom; a relative default for a run from the repository root. */
    static final Path LIBRARY =
            Path.of(System.getProperty("person.native.library", "rust-wasm/target/release/libperson.so"));

    @Override
    protected PersonApi openApi() {
        return FfmPersonApi.open(LIBRARY);
    }
}
