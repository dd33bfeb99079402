package io.github.rustjava.person;

import java.util.Optional;

/**
 * A confined lease on one Rust instance, for bulk work on one thread, like FFM's confined arena.
 * Calls in a scope take no lock, and its handles need no reclaiming: {@link #close()} frees every
 * person made in the scope that is still open.
 *
 * <pre>{@code
 * try (PersonScope scope = api.openScope()) {
 *     for (String name : names) {
 *         PersonHandle p = scope.createPerson(name, 30);
 *         scope.personDetails(p).ifPresent(older -> out.add(older.toPerson()));
 *     }
 * } // every person made above is freed here
 * }</pre>
 *
 * <p>Rules:
 * <ul>
 *   <li>A scope and its handles may be used only by the thread that opened it; another thread
 *       gets {@link IllegalStateException}.</li>
 *   <li>While a scope is open, it holds its instance: other threads' calls on that instance wait
 *       until the scope closes. With {@link PersonApi.Builder#instances(int)}, the other instances
 *       of the pool keep serving.</li>
 *   <li>A handle made in a scope is invalid after the scope closes. It may be closed earlier, and
 *       passed to the api's own calls from the scope's thread.</li>
 *   <li>Interrupts, faults and timeouts behave as on the api: at most the failing call is lost.</li>
 * </ul>
 */
public interface PersonScope extends AutoCloseable {

    /** {@link PersonApi#createPerson}, made in this scope. */
    PersonHandle createPerson(String name, int age);

    /** {@link PersonApi#personDetails}; the details are made in this scope. */
    Optional<PersonHandle> personDetails(PersonHandle person);

    /** {@link PersonApi#errorMessage}. */
    RustError errorMessage();

    /**
     * Frees every person made in this scope that is still open, and ends the lease. Idempotent.
     *
     * @throws IllegalStateException if called from another thread than the one that opened it
     */
    @Override
    void close();
}
