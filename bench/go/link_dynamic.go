//go:build !static

package main

// Dynamic link against the cdylib (libperson.so), the seed's first variant. The rpath lets the
// binary find the library without LD_LIBRARY_PATH. With both libperson.so and libperson.a in the
// directory, -lperson picks the shared one.

// #cgo LDFLAGS: -L${SRCDIR}/../../rust-wasm/target/release -lperson -Wl,-rpath,${SRCDIR}/../../rust-wasm/target/release
import "C"

const linkMode = "dynamic"
