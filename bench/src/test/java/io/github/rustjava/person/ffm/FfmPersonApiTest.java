package io.github.rustjava.person.ffm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What a user sees when the native library is not there or not a library. */
class FfmPersonApiTest {

    @Test
    void aMissingLibrarySaysHowToBuildIt() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FfmPersonApi.open(Path.of("no/such/libperson.so")));
        assertTrue(e.getMessage().contains("make native"), e.getMessage());
    }

    @Test
    void aFileThatIsNotALibraryIsRefusedWithTheSameHint() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FfmPersonApi.open(Path.of("pom.xml")));
        assertTrue(e.getMessage().contains("make native"), e.getMessage());
    }
}
