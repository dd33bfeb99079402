package io.github.rustjava.person.cli;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;
import io.github.rustjava.person.PersonHandle;
import io.github.rustjava.person.RustError;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

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

    // --engine and --module are inherited: `soak` honours them written before or after it.
    @Option(
            names = "--engine",
            paramLabel = "E",
            scope = ScopeType.INHERIT,
            description = "How Chicory runs the module: ${COMPLETION-CANDIDATES} "
                    + "(default: BUILD_TIME_COMPILER, or RUNTIME_COMPILER with --module).")
    private Engine engine;

    @Option(
            names = "--module",
            paramLabel = "PATH",
            scope = ScopeType.INHERIT,
            description = "Runs this build of the person module instead of the bundled one.")
    private Path module;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        if (args.length == 0) {
            // The demo takes no options, so it needs no parser: picocli's reflection over these
            // classes is a large part of a short run's start-up.
            try (PersonApi api = PersonApi.wasm()) {
                System.exit(roundTrip(api, "Alice", 30, true, out, err));
            }
        }
        System.exit(run(args, out, err));
    }

    /** Runs the command and returns its exit code, writing to {@code out} and {@code err}. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler(Main::shortError);
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (!(e instanceof UnusableModule)) {
                throw e;
            }
            command.getErr().println("Error: " + e.getMessage());
            return command.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cli.execute(args);
    }

    /**
     * The arguments parsed, but the module they name cannot run. That takes one line and no
     * pointer to the help: the usage would not help with the file.
     */
    private static final class UnusableModule extends RuntimeException {
        UnusableModule(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A bad argument gets one line naming it and a pointer to the help, not the whole usage. */
    private static int shortError(ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        cli.getErr().println("Error: " + e.getMessage());
        cli.getErr().printf("Try '%s --help' for more information.%n", cli.getCommandSpec().qualifiedName());
        return cli.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Whether {@code --name} or {@code --age} was given: they apply to the demo only. */
    boolean personGiven() {
        return name != null || age != null;
    }

    /** The engine that runs: the build-time compiler knows only the bundled module. */
    Engine engine() {
        return engine != null ? engine : module != null ? Engine.RUNTIME_COMPILER : Engine.BUILD_TIME_COMPILER;
    }

    /** Opens the api with the engine and module options. */
    PersonApi open() {
        if (module == null) {
            return PersonApi.wasm(engine());
        }
        try {
            return PersonApi.builder().engine(engine()).module(module).build();
        } catch (IllegalArgumentException e) {
            throw new UnusableModule(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new UnusableModule("cannot read the module " + module + ": " + reason(e.getCause()), e);
        }
    }

    private static String reason(IOException e) {
        // These two carry only the path as their message, which the error line already names.
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage();
    }

    @Override
    public Integer call() {
        if ((name == null) != (age == null)) {
            throw new ParameterException(spec.commandLine(), "--name and --age go together");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean demo = name == null;
        try (PersonApi api = open()) {
            return roundTrip(api, demo ? "Alice" : name, demo ? 30 : age, demo, out, err);
        } catch (IllegalArgumentException e) {
            // A name Rust cannot take (U+0000, a lone surrogate) is a bad argument.
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /**
     * The seed's main(): create, details, print; with {@code demo}, also the seed's error message.
     * Returns the exit code.
     */
    static int roundTrip(PersonApi api, String name, int age, boolean demo, PrintWriter out, PrintWriter err) {
        try (PersonHandle person = api.createPerson(name, age)) {
            Optional<PersonHandle> details;
            try {
                details = api.personDetails(person);
            } catch (ArithmeticException e) {
                err.printf("Error: age %d + 1 overflows a 32-bit int%n", age);
                return 1;
            }
            if (details.isEmpty()) {
                err.println("Error: Invalid person or age less than 18");
                return 1;
            }
            // Printed piece by piece: a format string would load java.util.Formatter and the
            // locale's data, about 120 classes, for two lines.
            try (PersonHandle updated = details.get()) {
                out.print("Updated person: ");
                out.print(updated.name());
                out.print(", Age: ");
                out.println(updated.age());
            }
            if (demo) {
                RustError error = api.errorMessage();
                out.print("Error code: ");
                out.print(error.code());
                out.print(", Message: ");
                out.println(error.message());
            }
            return 0;
        }
    }
}
