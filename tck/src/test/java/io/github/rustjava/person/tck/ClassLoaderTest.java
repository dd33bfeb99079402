package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The library as an application server loads it: in a class loader of its own, used from a
 * thread whose context class loader is that loader, then dropped. Its threads (the call
 * timeout's watchdog, recoveries after a fault) must end once no api needs them, and hold no
 * context class loader meanwhile, so that the dropped loader can be collected.
 */
class ClassLoaderTest {

    /** Well past the library's idle threads' keep-alive of 2 s, for a busy machine. */
    private static final long COLLECTED_WITHIN_MS = TimeUnit.SECONDS.toMillis(30);

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "BUILD_TIME_COMPILER"})
    void aDroppedClassLoaderIsCollectedAfterTheApiCloses(Engine engine) throws Exception {
        WeakReference<ClassLoader> loader = useAndDrop(engine);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COLLECTED_WITHIN_MS);
        while (loader.get() != null && System.nanoTime() - end < 0) {
            System.gc();
            Thread.sleep(100);
        }
        if (loader.get() != null) {
            fail("the library's class loader was not collected within " + COLLECTED_WITHIN_MS + " ms; threads that "
                    + "hold it: " + holders(loader.get()));
        }
    }

    /** Threads whose context class loader is {@code loader}, or whose name is the library's. */
    private static List<String> holders(ClassLoader loader) {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getContextClassLoader() == loader || t.getName().startsWith("person-wasm")) {
                names.add(t.getName() + (t.getContextClassLoader() == loader ? " (context class loader)" : ""));
            }
        }
        return names;
    }

    /**
     * Loads the library and its runtime in a fresh loader, and on a thread whose context class
     * loader it is, builds an api with a call timeout, makes and frees a person, and closes it. No
     * reference to the loader or its classes is left but the returned weak one.
     */
    private static WeakReference<ClassLoader> useAndDrop(Engine engine) throws Exception {
        URLClassLoader loader = new URLClassLoader("redeployed", new URL[] {
            location(PersonApi.class),
            location(io.github.rustjava.runtime.ManagedApi.class),
            location(com.dylibso.chicory.runtime.Instance.class),
            location(com.dylibso.chicory.wasm.Parser.class),
        }, ClassLoader.getPlatformClassLoader());
        Async<String> use = Async.prepare("request thread", () -> {
            Class<?> apiType = Class.forName(PersonApi.class.getName(), true, loader);
            Class<?> engineType = Class.forName(Engine.class.getName(), true, loader);
            Object builder = apiType.getMethod("builder").invoke(null);
            Class<?> builderType = builder.getClass();
            builderType.getMethod("engine", engineType).invoke(builder, enumConstant(engineType, engine.name()));
            builderType.getMethod("callTimeout", Duration.class).invoke(builder, Duration.ofSeconds(5));
            Object api = builderType.getMethod("build").invoke(builder);
            try {
                Object handle = apiType.getMethod("createPerson", String.class, int.class).invoke(api, "Alice", 30);
                Method close = handle.getClass().getInterfaces()[0].getMethod("close");
                Object name = handle.getClass().getInterfaces()[0].getMethod("name").invoke(handle);
                close.invoke(handle);
                return (String) name;
            } finally {
                apiType.getMethod("close").invoke(api);
            }
        });
        use.thread().setContextClassLoader(loader);
        Async.Outcome<String> outcome = use.start().await(Duration.ofSeconds(60));
        assertNull(outcome.thrown, outcome.toString());
        assertEquals("Alice", outcome.value);
        use.thread().join();
        loader.close();
        return new WeakReference<>(loader);
    }

    private static Object enumConstant(Class<?> type, String name) {
        for (Object c : type.getEnumConstants()) {
            if (((Enum<?>) c).name().equals(name)) {
                return c;
            }
        }
        throw new AssertionError(name);
    }

    private static URL location(Class<?> c) {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }
}
