package io.github.rustjava.person.graal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.tck.PersonApiConformance;
import org.junit.jupiter.api.BeforeAll;

/** The library's conformance suite on GraalWasm. */
class GraalWasmConformanceTest extends PersonApiConformance {

    @BeforeAll
    static void optimizingRuntime() {
        // The suite is correct on the fallback runtime too, only far slower: say which one ran.
        System.out.println(GraalWasmPersonApi.runtimeDescription());
        assertTrue(GraalWasmPersonApi.optimizingRuntimeActive(), GraalWasmPersonApi.runtimeDescription());
    }

    @Override
    protected PersonApi openApi() {
        return GraalWasmPersonApi.open();
    }
}
