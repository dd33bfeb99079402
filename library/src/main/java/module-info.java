/**
 * The Rust Person API, compiled to WebAssembly and run inside the JVM. Only {@code
 * io.github.rustjava.person} is exported; everything else is an implementation detail.
 */
module io.github.rustjava.person {
    requires io.github.rustjava.runtime;
    requires com.dylibso.chicory.runtime;
    // Engine.RUNTIME_COMPILER only. On the module path, add it with --add-modules when using that engine.
    requires static com.dylibso.chicory.compiler;

    exports io.github.rustjava.person;
    // The runtime reads the build-time compiler's resource beside the generated class (its .meta
    // module); nothing else of the package is open.
    opens io.github.rustjava.person.internal to io.github.rustjava.runtime;
}
