/**
 * An ordered key-value store written in Rust, compiled to WebAssembly and run inside the JVM. Only
 * {@code io.github.rustjava.kv} is exported; the runtime comes with it (its {@code Engine} is part
 * of the API).
 */
module io.github.rustjava.kv {
    requires transitive io.github.rustjava.runtime;
    requires com.dylibso.chicory.runtime;
    // Engine.RUNTIME_COMPILER only. On the module path, add it with --add-modules when using that engine.
    requires static com.dylibso.chicory.compiler;

    exports io.github.rustjava.kv;
}
