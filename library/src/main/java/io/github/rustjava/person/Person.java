package io.github.rustjava.person;

import java.util.Objects;

/** A person copied out of Rust memory: plain Java data with no lifetime of its own. */
public record Person(String name, int age) {
    public Person {
        Objects.requireNonNull(name, "name");
    }
}
