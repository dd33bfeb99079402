package io.github.rustjava.person.tck;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import org.junit.jupiter.api.Nested;

/** The conformance suite on each Chicory engine, and on a pool of instances. */
class WasmConformanceTest {

    @Nested
    class Interpreter extends PersonApiConformance {
        @Override
        protected PersonApi openApi() {
            return PersonApi.wasm(Engine.INTERPRETER);
        }
    }

    @Nested
    class RuntimeCompiler extends PersonApiConformance {
        @Override
        protected PersonApi openApi() {
            return PersonApi.wasm(Engine.RUNTIME_COMPILER);
        }
    }

    @Nested
    class BuildTimeCompiler extends PersonApiConformance {
        @Override
        protected PersonApi openApi() {
            return PersonApi.wasm(Engine.BUILD_TIME_COMPILER);
        }
    }

    @Nested
    class PooledBuildTimeCompiler extends PersonApiConformance {
        @Override
        protected PersonApi openApi() {
            return PersonApi.builder().instances(3).build();
        }
    }
}
