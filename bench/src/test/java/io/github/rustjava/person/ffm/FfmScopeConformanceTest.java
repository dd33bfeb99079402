package io.github.rustjava.person.ffm;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.tck.PersonScopeConformance;

/** The scope rules on Rust's cdylib through FFM. */
class FfmScopeConformanceTest extends PersonScopeConformance {

    @Override
    protected PersonApi openApi() {
        return FfmPersonApi.open(FfmConformanceTest.LIBRARY);
    }
}
