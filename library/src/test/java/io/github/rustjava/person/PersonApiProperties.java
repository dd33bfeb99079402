package io.github.rustjava.person;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random input against a plain-Java model of the seed's semantics. Every outcome (a person, an
 * empty result, or which exception) must match the model, and liveAllocations() must always equal
 * one Rust block (a Person with its name) per open handle: so no rejection ever leaks.
 */
class PersonApiProperties {

    // --- the model ---

    /** What a C string can carry: no U+0000 and no unpaired surrogate. */
    static boolean representable(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    // --- generators ---

    /** Any UTF-16 string (lone surrogates and NUL included), or strings built from any code points. */
    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> codePoints = Arbitraries.integers().between(0, 0x10FFFF).list().ofMaxSize(24)
                .map(cps -> cps.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                        .toString());
        Arbitrary<String> printable = Arbitraries.strings().withCharRange(' ', '~').withChars("张三🦀é").ofMaxLength(40);
        return Arbitraries.oneOf(Arbitraries.strings().all().ofMaxLength(24), codePoints, printable);
    }

    @Provide
    Arbitrary<Integer> ages() {
        return Arbitraries.oneOf(
                Arbitraries.integers(),
                Arbitraries.integers().between(-2, 40),
                Arbitraries.of(Integer.MIN_VALUE, 17, 18, Integer.MAX_VALUE - 1, Integer.MAX_VALUE));
    }

    // --- properties ---

    @Property(tries = 5000)
    void createAndDetailsMatchTheModel(@ForAll("names") String name, @ForAll("ages") int age) {
        try (PersonApi api = PersonApi.wasm()) {
            if (!representable(name)) {
                assertThrows(IllegalArgumentException.class, () -> api.createPerson(name, age));
                assertEquals(0, api.liveAllocations());
                return;
            }
            try (PersonHandle p = api.createPerson(name, age)) {
                assertEquals(new Person(name, age), p.toPerson());
                if (age < 18) {
                    assertEquals(Optional.empty(), api.personDetails(p));
                } else if (age == Integer.MAX_VALUE) {
                    assertThrows(ArithmeticException.class, () -> api.personDetails(p));
                } else {
                    try (PersonHandle older = api.personDetails(p).orElseThrow()) {
                        assertEquals(new Person(name, age + 1), older.toPerson());
                    }
                }
                assertEquals(1, api.liveAllocations(), "one Rust block per person");
            }
            assertEquals(0, api.liveAllocations());
        }
    }

    enum Kind { CREATE, DETAILS, READ, CLOSE, FOREIGN, ERROR, CLOSE_API }

    record Op(Kind kind, String name, int age, int index) {}

    @Provide
    Arbitrary<List<Op>> programs() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(30, Kind.CREATE), net.jqwik.api.Tuple.of(20, Kind.DETAILS),
                net.jqwik.api.Tuple.of(15, Kind.READ), net.jqwik.api.Tuple.of(20, Kind.CLOSE),
                net.jqwik.api.Tuple.of(5, Kind.FOREIGN), net.jqwik.api.Tuple.of(5, Kind.ERROR),
                net.jqwik.api.Tuple.of(1, Kind.CLOSE_API));
        Arbitrary<Op> op = Combinators.combine(kinds, names(), ages(), Arbitraries.integers().between(0, 1000))
                .as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(60);
    }

    private static final class Slot {
        final PersonHandle handle;
        final Person model;
        boolean closed;

        Slot(PersonHandle handle, Person model) {
            this.handle = handle;
            this.model = model;
        }
    }

    /** Random call sequences: create, details, read, close twice, foreign handles, closing the api. */
    @Property(tries = 2000)
    void callSequencesMatchTheModel(@ForAll("programs") List<Op> program) {
        PersonApi api = PersonApi.wasm();
        try (PersonApi other = PersonApi.wasm(); PersonHandle foreign = other.createPerson("foreign", 30)) {
            List<Slot> slots = new ArrayList<>();
            boolean apiClosed = false;
            for (Op op : program) {
                Slot slot = slots.isEmpty() ? null : slots.get(op.index() % slots.size());
                switch (op.kind()) {
                    case CREATE:
                        // Input is checked first, so bad input says so even on a closed api.
                        if (!representable(op.name())) {
                            assertThrows(IllegalArgumentException.class, () -> api.createPerson(op.name(), op.age()));
                        } else if (apiClosed) {
                            assertThrows(IllegalStateException.class, () -> api.createPerson(op.name(), op.age()));
                        } else {
                            slots.add(new Slot(api.createPerson(op.name(), op.age()), new Person(op.name(), op.age())));
                        }
                        break;
                    case DETAILS:
                        if (slot == null) {
                            break;
                        }
                        if (apiClosed || slot.closed) {
                            assertThrows(IllegalStateException.class, () -> api.personDetails(slot.handle));
                        } else if (slot.model.age() < 18) {
                            assertEquals(Optional.empty(), api.personDetails(slot.handle));
                        } else if (slot.model.age() == Integer.MAX_VALUE) {
                            assertThrows(ArithmeticException.class, () -> api.personDetails(slot.handle));
                        } else {
                            PersonHandle older = api.personDetails(slot.handle).orElseThrow();
                            slots.add(new Slot(older, new Person(slot.model.name(), slot.model.age() + 1)));
                        }
                        break;
                    case READ:
                        if (slot == null) {
                            break;
                        }
                        if (apiClosed || slot.closed) {
                            assertThrows(IllegalStateException.class, slot.handle::toPerson);
                        } else {
                            assertEquals(slot.model, slot.handle.toPerson());
                        }
                        break;
                    case CLOSE:
                        if (slot != null) {
                            slot.handle.close(); // closing twice is part of the test
                            slot.closed = true;
                        }
                        break;
                    case FOREIGN:
                        assertThrows(IllegalArgumentException.class, () -> api.personDetails(foreign));
                        break;
                    case ERROR:
                        if (apiClosed) {
                            assertThrows(IllegalStateException.class, api::errorMessage);
                        } else {
                            assertEquals(new RustError(-1, "这是一个错误"), api.errorMessage());
                        }
                        break;
                    case CLOSE_API:
                        api.close();
                        apiClosed = true;
                        break;
                    default:
                        throw new AssertionError(op);
                }
                if (!apiClosed) {
                    long open = slots.stream().filter(s -> !s.closed).count();
                    assertEquals(open, api.liveAllocations(), "one block per open handle, after " + op);
                }
            }
            slots.forEach(s -> s.handle.close());
            if (!apiClosed) {
                assertEquals(0, api.liveAllocations());
            }
        } finally {
            api.close();
        }
    }
}
