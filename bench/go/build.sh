#!/usr/bin/env bash
# Builds the seed's Go program twice, with cgo: against libperson.so (the seed's link) and against
# libperson.a, into build/personbench-dynamic and build/personbench-static. The benchmark suite
# runs each once a round (T6).
#
# Needs: Go >= 1.19 with cgo and a C compiler, and `make native` done first (the Makefile's
# bench-go-build target does both). Runs offline: the module has no dependencies.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
native="$here/../../rust-wasm/target/release"
for lib in libperson.so libperson.a; do
  if [ ! -f "$native/$lib" ]; then
    echo "missing rust-wasm/target/release/$lib: run 'make native' first" >&2
    exit 1
  fi
done
command -v go >/dev/null || { echo "go not found (Debian: apt-get install golang-go)" >&2; exit 1; }

# Keep Go's cache and module path beside the binaries (ignored by git), and never reach the network.
export GOCACHE="$here/build/gocache" GOPATH="$here/build/gopath" GOPROXY=off GOFLAGS= CGO_ENABLED=1 GO111MODULE=on
cd "$here"
go build -trimpath -o build/personbench-dynamic .
go build -trimpath -tags static -o build/personbench-static .
echo "built bench/go/build/personbench-dynamic and personbench-static ($(go version | cut -d' ' -f3))" >&2
