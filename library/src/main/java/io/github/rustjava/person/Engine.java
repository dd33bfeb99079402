package io.github.rustjava.person;

/** How Chicory runs the WebAssembly module. All three run the same module and pass the same tests. */
public enum Engine {
    /** Chicory's interpreter: no code generation, the slowest. */
    INTERPRETER,
    /** Translates the module to JVM bytecode when the api opens. */
    RUNTIME_COMPILER,
    /** Uses bytecode generated from the module when this library was built: no start-up cost. */
    BUILD_TIME_COMPILER
}
