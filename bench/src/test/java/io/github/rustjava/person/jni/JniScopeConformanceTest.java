package io.github.rustjava.person.jni;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.tck.PersonScopeConformance;

/** The scope rules on the statically linked JNI library. */
class JniScopeConformanceTest extends PersonScopeConformance {

    @Override
    protected PersonApi openApi() {
        return JniPersonApi.open(JniConformanceTest.LIBRARY);
    }
}
