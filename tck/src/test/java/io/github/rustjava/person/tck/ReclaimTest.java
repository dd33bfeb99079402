package io.github.rustjava.person.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Forgotten handles are reclaimed whenever the module runs out of memory for a call, not only
 * when {@code create_person} itself answers null: also when the block that carries a long name
 * into the module cannot be allocated.
 */
class ReclaimTest {

    /**
     * Names of 70 KB and growing, larger than the reused argument block, so each call allocates
     * a block of its own that does not fit in the hole the last one left; with a memory cap of
     * 8 MiB the module fills up after some 50 of them, and the block for the next name is what
     * cannot be allocated. Then every handle is forgotten at once, before any collection could
     * find them, and that name is tried again while some 50 forgotten persons wait to be
     * reclaimed. The rule: the same reclaiming under pressure as when create_person answers
     * null, so the call succeeds.
     */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void forgottenHandlesAreReclaimedWhenTheArgumentBlockDoesNotFit(Engine engine) {
        try (LogCapture log = LogCapture.start();
                PersonApi api = PersonApi.builder().engine(engine).maxMemoryBytes(8 << 20).build()) {
            List<PersonHandle> held = new ArrayList<>();
            RuntimeException full = null;
            while (full == null && held.size() < 1000) {
                try {
                    held.add(api.createPerson(name(held.size()), 30));
                } catch (IllegalArgumentException | IllegalStateException e) {
                    full = e;
                }
            }
            assertNotNull(full, "the module filled up");
            int forgotten = held.size();
            held.clear(); // every handle forgotten at once: no collection has found them yet

            try (PersonHandle again = api.createPerson(name(forgotten), 31)) {
                assertEquals(31, again.age());
            }
            assertTrue(api.leakedHandles() > 0, "forgotten handles were reclaimed");
            assertEquals(0, api.liveAllocations() - (forgotten - api.leakedHandles()), "the reclaimed persons were freed");
            assertFalse(log.warnings().isEmpty(), "the forgotten handles were reported");
            assertTrue(log.warnings().get(0).getMessage().startsWith("A PersonHandle was never closed"),
                    log.warnings().get(0).getMessage());
        }
    }

    /** 70 000 bytes, and 16 more for each {@code i}. */
    private static String name(int i) {
        return "n".repeat(70_000 + 16 * i);
    }
}
