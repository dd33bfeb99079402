package io.github.rustjava.person.cli;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustError;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The seed's demo, in Java over Wasm. With no options it prints exactly what the seed's Go
 * program printed; with {@code --name} and {@code --age} it runs the details call on that person.
 */
@Command(
        name = "person",
        mixinStandardHelpOptions = true,
        version = "person-wasm 0.1.0",
        description = {
            "Calls the Rust Person API compiled to WebAssembly, inside this JVM.",
            "Without options, runs the seed's demo: Alice, 30."
        },
        subcommands = Soak.class,
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:Rust refused the person (under 18, or the age would overflow)", "2:bad arguments"})
public final class Main implements Callable<Integer> {

    @Option(names = "--name", paramLabel = "N", description = "The person's name (UTF-8, any length).")
    private String name;

    @Option(names = "--age", paramLabel = "A", description = "The person's age.")
    private Integer age;

    @Option(
            names = "--engine",
            paramLabel = "E",
            defaultValue = "BUILD_TIME_COMPILER",
            description = "How Chicory runs the module: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    private Engine engine;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command and returns its exit code, writing to {@code out} and {@code err}. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        if ((name == null) != (age == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--name and --age go together");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean demo = name == null;
        try (PersonApi api = PersonApi.wasm(engine);
                PersonHandle person = api.createPerson(demo ? "Alice" : name, demo ? 30 : age)) {
            Optional<PersonHandle> details;
            try {
                details = api.personDetails(person);
            } catch (ArithmeticException e) {
                details = Optional.empty();
            }
            if (details.isEmpty()) {
                err.println("Error: Invalid person or age less than 18");
                return 1;
            }
            try (PersonHandle updated = details.get()) {
                out.printf("Updated person: %s, Age: %d%n", updated.name(), updated.age());
            }
            if (demo) {
                RustError error = api.errorMessage();
                out.printf("Error code: %d, Message: %s%n", error.code(), error.message());
            }
            return 0;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
