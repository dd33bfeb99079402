package io.github.rustjava.person.internal;

import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.PersonScope;
import io.github.rustjava.person.RustError;
import io.github.rustjava.runtime.Pool;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/** The Person API over a pool of apis: the runtime's {@link Pool} does the routing and the rules. */
public final class PooledPersonApi implements PersonApi {

    private final Pool<ManagedPersonApi> pool;

    public PooledPersonApi(int size, Supplier<ManagedPersonApi> member) {
        this.pool = new Pool<>(size, member);
    }

    @Override
    public PersonHandle createPerson(String name, int age) {
        return pool.member().createPerson(name, age);
    }

    @Override
    public Optional<PersonHandle> personDetails(PersonHandle person) {
        return pool.owner(person, "PersonHandle", "PersonApi").personDetails(person);
    }

    @Override
    public RustError errorMessage() {
        return pool.member().errorMessage();
    }

    @Override
    public PersonScope openScope() {
        return pool.member().openScope();
    }

    @Override
    public long liveAllocations() {
        return pool.liveAllocations();
    }

    @Override
    public long leakedHandles() {
        return pool.leakedHandles();
    }

    @Override
    public void reload(Path wasm) {
        pool.reload(wasm);
    }

    @Override
    public void close() {
        pool.close();
    }
}
