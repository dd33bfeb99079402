package io.github.rustjava.person.tck;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import org.junit.jupiter.api.Nested;

/** The conformance suite and the scope rules on each engine, and on a pool of instances. */
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

    @Nested
    class InterpreterScope extends PersonScopeConformance {
        @Override
        protected PersonApi openApi() {
            return PersonApi.wasm(Engine.INTERPRETER);
        }
    }

    @Nested
    class RuntimeCompilerScope extends PersonScopeConformance {
        @Override
        protected PersonApi openApi() {
            return PersonApi.wasm(Engine.RUNTIME_COMPILER);
        }
    }

    @Nested
    class BuildTimeCompilerScope extends PersonScopeConformance {
        @Override
        protected PersonApi openApi() {
            return PersonApi.wasm(Engine.BUILD_TIME_COMPILER);
        }
    }

    @Nested
    class PooledScope extends PersonScopeConformance {
        @Override
        protected PersonApi openApi() {
            return PersonApi.builder().instances(3).build();
        }
    }
}
