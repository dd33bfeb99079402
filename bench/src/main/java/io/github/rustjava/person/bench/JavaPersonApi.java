package io.github.rustjava.person.bench;

import io.github.rustjava.person.Person;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustError;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The benchmarks' floor: the seed's logic written in plain Java, with no boundary to cross. It
 * keeps what the API promises and costs something everywhere (name validation, one lock per
 * call, handles that refuse use after close) and drops what only foreign memory needs (UTF-8
 * copies, a Cleaner, struct reads). A backend's distance from this is the price of calling Rust.
 */
final class JavaPersonApi implements PersonApi {

    private static final int ADULT_AGE = 18; // rust-wasm/src/lib.rs
    private static final RustError ERROR = new RustError(-1, "这是一个错误");

    private final ReentrantLock lock = new ReentrantLock();
    private long live; // guarded by lock
    private boolean closed; // guarded by lock

    @Override
    public PersonHandle createPerson(String name, int age) {
        validate(name);
        lock.lock();
        try {
            open();
            live++;
            return new Handle(this, name, age);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<PersonHandle> personDetails(PersonHandle person) {
        Objects.requireNonNull(person, "person");
        if (!(person instanceof Handle h) || h.api != this) {
            throw new IllegalArgumentException("PersonHandle belongs to another PersonApi");
        }
        lock.lock();
        try {
            h.check();
            if (h.age < ADULT_AGE) {
                return Optional.empty();
            }
            int older = Math.addExact(h.age, 1);
            live++;
            return Optional.of(new Handle(this, h.name, older));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public RustError errorMessage() {
        lock.lock();
        try {
            open();
            return ERROR;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long liveAllocations() {
        lock.lock();
        try {
            open();
            return live;
        } finally {
            lock.unlock();
        }
    }

    /** This baseline keeps no Rust persons, so it reclaims none. */
    @Override
    public long leakedHandles() {
        return 0;
    }

    @Override
    public io.github.rustjava.person.PersonScope openScope() {
        throw new UnsupportedOperationException("the plain-Java baseline has no scopes");
    }

    @Override
    public void reload(java.nio.file.Path wasm) {
        throw new UnsupportedOperationException("the plain-Java baseline runs no module");
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
        } finally {
            lock.unlock();
        }
    }

    private void open() {
        if (closed) {
            throw new IllegalStateException("PersonApi is closed");
        }
    }

    /** The same refusals as the Rust-backed api: what a C string cannot carry. */
    private static void validate(String name) {
        Objects.requireNonNull(name, "name must not be null");
        for (int i = 0, n = name.length(); i < n; i++) {
            char c = name.charAt(i);
            if (c == 0) {
                throw new IllegalArgumentException("name contains U+0000 at index " + i);
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(name.charAt(i + 1))) {
                    i++;
                } else {
                    throw new IllegalArgumentException("name contains an unpaired surrogate at index " + i);
                }
            }
        }
    }

    private static final class Handle implements PersonHandle {
        final JavaPersonApi api;
        final String name;
        final int age;
        boolean freed; // guarded by api.lock

        Handle(JavaPersonApi api, String name, int age) {
            this.api = api;
            this.name = name;
            this.age = age;
        }

        void check() {
            api.open();
            if (freed) {
                throw new IllegalStateException("PersonHandle is closed");
            }
        }

        @Override
        public String name() {
            api.lock.lock();
            try {
                check();
                return name;
            } finally {
                api.lock.unlock();
            }
        }

        @Override
        public int age() {
            api.lock.lock();
            try {
                check();
                return age;
            } finally {
                api.lock.unlock();
            }
        }

        @Override
        public Person toPerson() {
            return new Person(name(), age());
        }

        @Override
        public void close() {
            api.lock.lock();
            try {
                if (!freed) {
                    freed = true;
                    api.live--;
                }
            } finally {
                api.lock.unlock();
            }
        }
    }
}
