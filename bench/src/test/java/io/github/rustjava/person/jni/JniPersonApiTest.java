package io.github.rustjava.person.jni;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What a user sees when the JNI library is not there. */
class JniPersonApiTest {

    @Test
    void aMissingLibrarySaysHowToBuildIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> JniPersonApi.open(Path.of("no/such/libperson_jni.so")));
        assertTrue(e.getMessage().contains("make bench-build"), e.getMessage());
    }
}
