/** The README's example as a named module: what a user on the module path writes. */
module example {
    requires io.github.rustjava.person;
}
