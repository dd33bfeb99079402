package io.github.rustjava.person.bench;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.ffm.FfmPersonApi;
import io.github.rustjava.person.internal.ChicoryGuest;
import io.github.rustjava.person.internal.Guest;
import io.github.rustjava.person.graal.GraalWasmPersonApi;
import io.github.rustjava.person.jni.JniPersonApi;
import io.github.rustjava.person.routes.ServicePersonApi;
import io.github.rustjava.person.routes.SharedMemoryPersonApi;
import java.nio.file.Path;

/**
 * Every way the benchmarks can reach the seed's API. The suite ({@link Paired}) pins the
 * {@code backend} parameter of every fork; GRAALWASM's forks get GraalVM's JVM options too (they
 * would slow the others), and the two out-of-process routes run the round trip and the cold start.
 *
 * <p>The native backends find their libraries through system properties, set by the Makefile and
 * the pom; the defaults are the build's outputs relative to the repository root.
 */
public enum Backend {
    /** The Wasm module in Chicory's interpreter. */
    INTERPRETER,
    /** The Wasm module translated to bytecode when the api opens. */
    RUNTIME_COMPILER,
    /** The Wasm module translated to bytecode when the library was built: the library's default. */
    BUILD_TIME_COMPILER,
    /** {@code libperson.so} through java.lang.foreign. */
    FFM,
    /** {@code libperson.a} statically linked into a JNI library. */
    JNI,
    /** The same logic in plain Java: the floor, no boundary at all. */
    JAVA,
    /** The same Wasm module on GraalWasm, the peer a user might pick instead of Chicory. */
    GRAALWASM,
    /** The write-up's "Rust service" route: HTTP/1.1 on loopback to bench/routes/person-service. */
    SERVICE,
    /** The write-up's "shared memory" route: a mapped file shared with bench/routes/person-shm. */
    SHARED_MEMORY;

    /** System property naming Rust's cdylib, for {@link #FFM}. */
    public static final String NATIVE_LIBRARY = "person.native.library";
    /** System property naming the JNI library, for {@link #JNI}. */
    public static final String JNI_LIBRARY = "person.jni.library";
    /** System property naming the service route's server, for {@link #SERVICE}. */
    public static final String SERVICE_BINARY = "person.service.binary";
    /** System property naming the shared-memory route's server, for {@link #SHARED_MEMORY}. */
    public static final String SHM_BINARY = "person.shm.binary";

    public PersonApi open() {
        return switch (this) {
            case INTERPRETER -> PersonApi.wasm(Engine.INTERPRETER);
            case RUNTIME_COMPILER -> PersonApi.wasm(Engine.RUNTIME_COMPILER);
            case BUILD_TIME_COMPILER -> PersonApi.wasm(Engine.BUILD_TIME_COMPILER);
            case FFM -> FfmPersonApi.open(library(NATIVE_LIBRARY, "rust-wasm/target/release/libperson.so"));
            case JNI -> JniPersonApi.open(library(JNI_LIBRARY, "bench/target/native/libperson_jni.so"));
            case JAVA -> new JavaPersonApi();
            case GRAALWASM -> {
                // Its fallback runtime is an interpreter: numbers from it would say nothing about
                // GraalWasm, so refuse to measure without the optimizing runtime.
                if (!GraalWasmPersonApi.optimizingRuntimeActive()) {
                    throw new IllegalStateException(GraalWasmPersonApi.runtimeDescription());
                }
                yield GraalWasmPersonApi.open();
            }
            case SERVICE -> ServicePersonApi.open(routeBinary(SERVICE));
            case SHARED_MEMORY -> SharedMemoryPersonApi.open(routeBinary(SHARED_MEMORY));
        };
    }

    /**
     * The raw guest of a backend that has one (the Wasm engines, FFM, JNI), for {@link BoundaryBench}.
     *
     * @throws UnsupportedOperationException for the others
     */
    public Guest guest() {
        return switch (this) {
            case INTERPRETER -> ChicoryGuest.load(Engine.INTERPRETER);
            case RUNTIME_COMPILER -> ChicoryGuest.load(Engine.RUNTIME_COMPILER);
            case BUILD_TIME_COMPILER -> ChicoryGuest.load(Engine.BUILD_TIME_COMPILER);
            case FFM -> FfmPersonApi.guest(library(NATIVE_LIBRARY, "rust-wasm/target/release/libperson.so"));
            case JNI -> JniPersonApi.guest(library(JNI_LIBRARY, "bench/target/native/libperson_jni.so"));
            default -> throw new UnsupportedOperationException(this + " has no in-process guest");
        };
    }

    /**
     * Fails a benchmark's teardown if Rust still holds blocks: a leak would make later iterations
     * slower and the numbers a lie.
     */
    void requireNoLeak(long liveAllocations) {
        if (liveAllocations != 0) {
            throw new IllegalStateException(this + " leaked " + liveAllocations + " Rust blocks");
        }
    }

    /** The server of an out-of-process route, {@link #SERVICE} or {@link #SHARED_MEMORY}. */
    static Path routeBinary(Backend route) {
        return route == SERVICE ? library(SERVICE_BINARY, "bench/routes/person-service/target/release/person-service")
                : library(SHM_BINARY, "bench/routes/person-shm/target/release/person-shm");
    }

    private static Path library(String property, String fallback) {
        return Path.of(System.getProperty(property, fallback));
    }
}
