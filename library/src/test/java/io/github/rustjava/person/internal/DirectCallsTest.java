package io.github.rustjava.person.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import org.junit.jupiter.api.Test;

/**
 * The build-time compiler's hot calls bypass Chicory's generic entry point. They find the compiled
 * functions by the names this Chicory version gives them; if an upgrade renames them the library
 * still works, slower, and this test says why.
 */
class DirectCallsTest {

    @Test
    void theBuildTimeCompilerIsCalledDirectly() {
        assertTrue(ChicoryGuest.load(Engine.BUILD_TIME_COMPILER).directCalls(),
                "the compiled functions were not found: see ChicoryGuest.Direct");
    }

    @Test
    void theOtherEnginesGoThroughTheirExports() {
        assertEquals(false, ChicoryGuest.load(Engine.RUNTIME_COMPILER).directCalls());
        assertEquals(false, ChicoryGuest.load(Engine.INTERPRETER).directCalls());
    }

    @Test
    void directAndExportedCallsAgree() {
        ChicoryGuest direct = ChicoryGuest.load(Engine.BUILD_TIME_COMPILER);
        ChicoryGuest exported = ChicoryGuest.load(Engine.RUNTIME_COMPILER);
        for (ChicoryGuest guest : new ChicoryGuest[] {direct, exported}) {
            long before = guest.liveAllocations();
            long name = guest.alloc(4);
            guest.write(name, new byte[] {'B', 'o', 'b', 0}, 4);
            long bob = guest.createPerson(name, 40);
            assertEquals(Ffi.OK, guest.lastStatus());
            long older = guest.getPersonDetails(bob);
            assertEquals(41, guest.readInt(older + Ffi.WASM32.personAge()));
            assertEquals(0, guest.getPersonDetails(guest.createPerson(name, 3)) , "under age");
            assertEquals(Ffi.UNDER_AGE, guest.lastStatus());
            guest.freePerson(older);
            guest.freePerson(bob);
            guest.dealloc(name, 4);
            assertEquals(before + 1, guest.liveAllocations(), "only the child is left");
            long error = guest.getErrorMessage();
            assertEquals(-1, guest.readInt(error + Ffi.WASM32.errorCode()));
            assertEquals("这是一个错误", guest.readCString(guest.readPointer(error + Ffi.WASM32.errorMessage())));
            guest.freeError(error);
            assertEquals(before + 1, guest.liveAllocations(), "the error was freed");
        }
    }
}
