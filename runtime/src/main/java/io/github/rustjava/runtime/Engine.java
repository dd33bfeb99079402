package io.github.rustjava.runtime;

/** How the Wasm runtime executes a module. */
public enum Engine {
    /** The runtime's interpreter: starts fastest, runs slowest. */
    INTERPRETER,
    /** Bytecode generated from the module when the first instance starts; needs the runtime's optional compiler. */
    RUNTIME_COMPILER,
    /** Bytecode the binding generated from its module at build time; only for the module it shipped. */
    BUILD_TIME_COMPILER
}
