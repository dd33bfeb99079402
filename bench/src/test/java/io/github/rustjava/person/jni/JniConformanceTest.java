package io.github.rustjava.person.jni;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.tck.PersonApiConformance;
import java.nio.file.Path;

/** The library's conformance suite on the statically linked JNI library. */
class JniConformanceTest extends PersonApiConformance {

    /** Set by the pom; a relative default for a run from the repository root. */
    static final Path LIBRARY =
            Path.of(System.getProperty("person.jni.library", "bench/target/native/libperson_jni.so"));

    @Override
    protected PersonApi openApi() {
        return JniPersonApi.open(LIBRARY);
    }
}
