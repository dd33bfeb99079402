package io.github.rustjava.person.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonHandle;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Forgotten handles are freed by the Cleaner, and each one is counted as the caller's leak. */
class CleanerTest {

    @Test
    void droppedHandlesAreFreedAndCounted() throws InterruptedException {
        try (GuestPersonApi api = GuestPersonApi.open(() -> ChicoryGuest.load(Engine.BUILD_TIME_COMPILER))) {
            api.createPerson("closed properly", 30).close();
            drop(api, 100);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (api.handlesFreedByCleaner() < 100 && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(10);
            }
            assertEquals(100, api.handlesFreedByCleaner(), "every dropped handle, and only those");
            assertEquals(0, api.liveAllocations());
        }
    }

    /** Creates handles and drops them when this frame returns; held until then, so no GC frees one early. */
    private static void drop(GuestPersonApi api, int count) {
        List<PersonHandle> handles = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            handles.add(api.createPerson("dropped " + i, 30));
        }
        assertEquals(count, api.liveAllocations(), "one block, a Person and its name, per handle");
        Reference.reachabilityFence(handles);
    }
}
