package io.github.rustjava.person.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Java layout constants against what the compiled module reports about itself. */
class LayoutVerificationTest {

    @ParameterizedTest
    @EnumSource(Engine.class)
    void theModuleReportsTheWasm32Layout(Engine engine) {
        Guest guest = ChicoryGuest.load(engine);
        assertDoesNotThrow(() -> Ffi.verify(Ffi.WASM32, guest::abiLayout));
        assertEquals(4, guest.abiLayout(1), "wasm32 pointers are 4 bytes");
        assertEquals(-1, guest.abiLayout(11), "unknown queries answer -1");
    }

    @Test
    void aMismatchNamesEveryDifferingField() {
        Guest guest = ChicoryGuest.load(Engine.BUILD_TIME_COMPILER);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Ffi.verify(Ffi.LP64, guest::abiLayout));
        String m = e.getMessage();
        assertTrue(m.contains("pointer size: module 4, Java 8"), m);
        assertTrue(m.contains("Person.age offset: module 4, Java 8"), m);
        assertTrue(m.contains("Error.message offset: module 4, Java 8"), m);
        assertTrue(!m.contains("Person.name offset"), "fields that match are not reported: " + m);
    }

    @Test
    void aWrongAbiVersionIsReported() {
        Guest guest = ChicoryGuest.load(Engine.BUILD_TIME_COMPILER);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Ffi.verify(Ffi.WASM32, q -> q == 0 ? 99 : guest.abiLayout(q)));
        assertEquals("ABI version 99, this library speaks 2", e.getMessage());
    }

    /** A real module whose host expects the wrong target: opening must fail before any call, and release the guest. */
    @Test
    void openingFailsFastOnAMismatchAndClosesTheGuest() {
        Guest real = ChicoryGuest.load(Engine.BUILD_TIME_COMPILER);
        AtomicBoolean closed = new AtomicBoolean();
        Guest wrongTarget = (Guest) Proxy.newProxyInstance(Guest.class.getClassLoader(), new Class<?>[] {Guest.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "expectedLayout":
                            return Ffi.LP64;
                        case "close":
                            closed.set(true);
                            return null;
                        default:
                            try {
                                return method.invoke(real, args);
                            } catch (InvocationTargetException ite) {
                                throw ite.getCause();
                            }
                    }
                });
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ManagedPersonApi.open(() -> wrongTarget));
        assertTrue(e.getMessage().contains("does not match the Java LP64 constants"), e.getMessage());
        assertTrue(closed.get(), "the rejected guest was closed");
    }
}
