package io.github.rustjava.person.internal;

/** Names the typed exports that the build-time compiler generates as {@code PersonModuleInterface_ModuleExports}. */
final class PersonModuleInterface {
    private PersonModuleInterface() {}
}
