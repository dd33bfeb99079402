/**
 * A runtime for Rust crates compiled to WebAssembly and called from Java: modules checked against
 * a binding's declared exports, three engines, and the call rules (locking, timeouts, interrupts,
 * faults, owned handles, scopes, reload) every binding inherits.
 */
module io.github.rustjava.runtime {
    requires transitive com.dylibso.chicory.runtime;
    // Engine.RUNTIME_COMPILER only. On the module path, add it with --add-modules when using that engine.
    requires static com.dylibso.chicory.compiler;

    exports io.github.rustjava.runtime;
}
