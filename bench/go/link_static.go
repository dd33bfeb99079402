//go:build static

package main

// Static link against the staticlib (libperson.a), the seed's second variant. The archive is named
// by path so the linker cannot fall back to libperson.so. The extra libraries are what this Rust
// std needs from the system (`rustc --print native-static-libs`); libc itself stays dynamic, as in
// any cgo binary.

// #cgo LDFLAGS: ${SRCDIR}/../../rust-wasm/target/release/libperson.a -lgcc_s -lutil -lrt -lpthread -lm -ldl
import "C"

const linkMode = "static"
