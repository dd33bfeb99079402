package io.github.rustjava.person.jni;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.internal.Ffi;
import io.github.rustjava.person.internal.Guest;
import io.github.rustjava.person.internal.ManagedPersonApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The seed's static linking, redone for the JVM: {@code libperson.a} and a small JNI shim
 * ({@code bench/src/main/c/person_jni.c}) linked into one shared object, {@code libperson_jni.so}
 * ({@code make bench-build}). Like every backend it only supplies a {@link Guest}; the API's
 * rules are {@link ManagedPersonApi}'s.
 */
public final class JniPersonApi {
    private JniPersonApi() {}

    /** The library this class loader has loaded: JNI binds a class's natives to one library. */
    private static Path loaded;

    /**
     * Opens an api over the JNI library at {@code jniLibrary}.
     *
     * @throws IllegalStateException if the library is missing, cannot be loaded, or a different
     *     one was loaded before, or if its struct layout differs from {@link Ffi#LP64}
     */
    public static PersonApi open(Path jniLibrary) {
        load(Objects.requireNonNull(jniLibrary, "jniLibrary"));
        return ManagedPersonApi.open(JniGuest::new);
    }

    /** The raw guest over the JNI library at {@code jniLibrary}, for the boundary benchmark. */
    public static Guest guest(Path jniLibrary) {
        load(Objects.requireNonNull(jniLibrary, "jniLibrary"));
        return new JniGuest();
    }

    private static synchronized void load(Path library) {
        Path real;
        try {
            real = library.toRealPath();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("No JNI library at " + library.toAbsolutePath()
                    + ": build it with `make bench-build`", e);
        }
        if (loaded != null) {
            if (!loaded.equals(real)) {
                throw new IllegalStateException("JNI library " + loaded + " is already loaded; "
                        + "a second one (" + real + ") cannot bind the same native methods");
            }
            return;
        }
        if (!Files.isRegularFile(real)) {
            throw new IllegalStateException(real + " is not a file: build it with `make bench-build`");
        }
        try {
            System.load(real.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new IllegalStateException("Cannot load " + real + " (" + e.getMessage()
                    + "): rebuild it with `make bench-build` for this platform", e);
        }
        loaded = real;
    }

    /**
     * The shim's functions, registered by its {@code JNI_OnLoad}; the names and descriptors must
     * match {@code METHODS} in {@code person_jni.c}. Addresses are real pointers as {@code long}.
     */
    static final class Natives {
        private Natives() {}

        static native long createPerson(long name, int age);

        static native long getPersonDetails(long person);

        static native void freePerson(long person);

        static native long getErrorMessage();

        static native void freeError(long error);

        static native long alloc(long len);

        static native void dealloc(long ptr, long len);

        static native int lastStatus();

        static native long liveAllocations();

        static native int abiLayout(int query);

        static native long panicMessageAddress();

        static native void write(long address, byte[] bytes, int length);

        static native void writeByte(long address, byte value);

        static native byte[] read(long address, int length);

        static native int readInt(long address);

        static native long readPointer(long address);

        static native long strlen(long address);
    }

    /** One api's view of the process-wide library: nothing to hold, nothing to close. */
    private static final class JniGuest implements Guest {
        /** The panic hook's buffer: its address never changes (see {@code panic_message} in ffi.rs). */
        private final long panicMessage = Natives.panicMessageAddress();

        @Override
        public Ffi.Layout expectedLayout() {
            return Ffi.LP64;
        }

        @Override
        public long createPerson(long name, int age) {
            return Natives.createPerson(name, age);
        }

        @Override
        public long getPersonDetails(long person) {
            return Natives.getPersonDetails(person);
        }

        @Override
        public void freePerson(long person) {
            Natives.freePerson(person);
        }

        @Override
        public long getErrorMessage() {
            return Natives.getErrorMessage();
        }

        @Override
        public void freeError(long error) {
            Natives.freeError(error);
        }

        @Override
        public long alloc(long len) {
            return Natives.alloc(len);
        }

        @Override
        public void dealloc(long ptr, long len) {
            Natives.dealloc(ptr, len);
        }

        @Override
        public int lastStatus() {
            return Natives.lastStatus();
        }

        @Override
        public long liveAllocations() {
            return Natives.liveAllocations();
        }

        @Override
        public int abiLayout(int query) {
            return Natives.abiLayout(query);
        }

        @Override
        public void write(long address, byte[] bytes, int length) {
            Natives.write(address, bytes, length);
        }

        @Override
        public void writeByte(long address, byte value) {
            Natives.writeByte(address, value);
        }

        @Override
        public byte[] read(long address, int length) {
            return Natives.read(address, length);
        }

        @Override
        public int readInt(long address) {
            return Natives.readInt(address);
        }

        @Override
        public long readPointer(long address) {
            return Natives.readPointer(address);
        }

        @Override
        public int strlen(long address) {
            long len = Natives.strlen(address);
            return Guest.arrayLength(len, address);
        }

        @Override
        public String panicMessage() {
            return readCString(panicMessage);
        }

        @Override
        public RuntimeException fault(RuntimeException failure) {
            // ffi.rs catches every native panic and returns a status: no Java exception from a
            // native method means the library is broken.
            return null;
        }

        @Override
        public void close() {
            // The library stays loaded for the class loader's life and is shared by every api.
        }
    }
}
