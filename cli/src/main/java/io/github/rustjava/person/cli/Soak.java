package io.github.rustjava.person.cli;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.internal.ManagedPersonApi;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A long run of seed round trips with names of many sizes, watching for the two ways a long-lived
 * process goes wrong: allocations that are never freed, and linear memory that keeps growing
 * because the allocator fragments.
 */
@Command(
        name = "soak",
        mixinStandardHelpOptions = true,
        description = {
            "Runs round trips (create, details, read, free both) and reports leaked Rust allocations",
            "and linear-memory size at start and end. Exits 1 on a leak or on memory growth."
        })
final class Soak implements Callable<Integer> {

    @Option(names = "--round-trips", paramLabel = "N", defaultValue = "10000000",
            description = "How many round trips (default: ${DEFAULT-VALUE}).")
    private long roundTrips;

    // --engine and --module are the parent's, inherited, so they may come before or after `soak`.
    @CommandLine.ParentCommand
    private Main parent;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /** Name sizes cycle through these many lengths, so blocks of every size class are freed and reused. */
    private static final int SIZES = 97;

    private static String name(long i) {
        int n = (int) (i % SIZES) * 21 + 1; // 1 .. 2017 units
        return (i % 3 == 0 ? "张" : i % 3 == 1 ? "a" : "🦀").repeat(n);
    }

    @Override
    public Integer call() {
        if (parent.personGiven()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--name and --age apply to the demo only, not to soak");
        }
        if (roundTrips < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--round-trips must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        Engine engine = parent.engine();
        try (ManagedPersonApi api = (ManagedPersonApi) parent.open()) {
            // Warm up over every name size first: memory grows to its working size here.
            for (long i = 0; i < 4L * SIZES; i++) {
                roundTrip(api, i);
            }
            long startMemory = api.memorySize();
            out.printf("soak: %,d round trips on %s; memory after warm-up %,d bytes%n", roundTrips, engine, startMemory);
            long started = System.nanoTime();
            long step = Math.max(1, roundTrips / 10);
            for (long i = 0; i < roundTrips; i++) {
                roundTrip(api, i);
                if ((i + 1) % step == 0 || i + 1 == roundTrips) {
                    double seconds = (System.nanoTime() - started) / 1e9;
                    out.printf("  %,d / %,d  (%.0f%%)  %.1f s  live allocations %d  memory %,d bytes%n",
                            i + 1, roundTrips, 100.0 * (i + 1) / roundTrips, seconds,
                            api.liveAllocations(), api.memorySize());
                }
            }
            long leaked = api.liveAllocations();
            long endMemory = api.memorySize();
            out.printf("leaked allocations: %d%n", leaked);
            out.printf("memory: %,d bytes at start, %,d at end%n", startMemory, endMemory);
            if (leaked != 0 || endMemory > startMemory) {
                spec.commandLine().getErr().println("soak: FAILED (a leak, or memory that kept growing)");
                return 1;
            }
            out.println("soak: ok");
            return 0;
        }
    }

    private static void roundTrip(ManagedPersonApi api, long i) {
        try (PersonHandle p = api.createPerson(name(i), 18 + (int) (i % 60))) {
            PersonHandle older = api.personDetails(p).orElseThrow();
            try (older) {
                if (older.name().isEmpty() || older.age() != p.age() + 1) {
                    throw new IllegalStateException("wrong details at round trip " + i);
                }
            }
        }
    }
}
