package io.github.rustjava.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntUnaryOperator;

/**
 * What a module must report about itself through the boundary crate's {@code abi_layout(query)}:
 * query 0 is the ABI version, query {@code i + 1} the {@code i}-th number here (a struct's size,
 * alignment or field offset on the target). Checked when each instance starts, so Java's constants
 * and Rust's {@code #[repr(C)]} layouts cannot drift apart unnoticed.
 *
 * @param target the target these numbers hold for, for messages ("wasm32", "LP64")
 * @param abiVersion the ABI version the binding speaks
 * @param names what each number is, for messages ("Person.age offset")
 * @param values the numbers, in the order of the queries
 */
public record Layout(String target, int abiVersion, List<String> names, List<Integer> values) {

    public Layout {
        Objects.requireNonNull(target, "target");
        names = List.copyOf(names);
        values = List.copyOf(values);
        if (names.size() != values.size()) {
            throw new IllegalArgumentException(names.size() + " names for " + values.size() + " values");
        }
    }

    /**
     * Asks {@code abiLayout} for the version and every number, and throws if one differs.
     *
     * @throws IllegalStateException naming the version, or each field that differs
     */
    public void verify(IntUnaryOperator abiLayout) {
        int version = abiLayout.applyAsInt(0);
        if (version != abiVersion) {
            throw new IllegalStateException("ABI version " + version + ", this library speaks " + abiVersion);
        }
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            int got = abiLayout.applyAsInt(i + 1);
            if (got != values.get(i)) {
                problems.add(names.get(i) + ": module " + got + ", Java " + values.get(i));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The Rust module's struct layout does not match the Java " + target
                    + " constants (rebuild the module, or fix the binding's layout): " + String.join("; ", problems));
        }
    }
}
