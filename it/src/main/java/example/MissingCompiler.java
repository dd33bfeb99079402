package example;

import io.github.rustjava.person.Engine;
import io.github.rustjava.person.PersonApi;

/**
 * Engine.RUNTIME_COMPILER where the optional compiler is not on the class or module path, as a
 * consumer who did not add it has it: each attempt must be refused the same way, with an
 * IllegalStateException that names the missing dependency. Prints one line per attempt.
 */
public class MissingCompiler {
    public static void main(String[] args) {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                PersonApi.wasm(Engine.RUNTIME_COMPILER).close();
                System.out.println("built, although the compiler is missing");
            } catch (RuntimeException | Error e) {
                System.out.println(e.getClass().getName() + ": " + e.getMessage());
            }
        }
    }
}
