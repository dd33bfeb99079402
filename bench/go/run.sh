#!/usr/bin/env bash
# Builds the Go reference binaries (cgo against libperson.so and against libperson.a) and runs
# them, writing bench/results/go.jsonl: one summary line per link mode, and one whole-process
# line per link mode when hyperfine is installed.
#
# Needs: Go >= 1.19 with cgo and a C compiler, and `make native` done first (the Makefile's
# bench-go target does both). Runs offline: the module has no dependencies.
#
# `run.sh build` only builds the two binaries (build/personbench-dynamic, -static): the paired
# suite runs them itself, once a round, with -warm-only.
#
# Environment: PROCESSES (fresh processes for the cold figure, default 20), HYPERFINE_RUNS
# (default 30), and QUICK=1 for a short smoke run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
native="$repo/rust-wasm/target/release"
out="$repo/bench/results/go.jsonl"

for lib in libperson.so libperson.a; do
  if [ ! -f "$native/$lib" ]; then
    echo "missing rust-wasm/target/release/$lib: run 'make native' first" >&2
    exit 1
  fi
done
command -v go >/dev/null || { echo "go not found (Debian: apt-get install golang-go)" >&2; exit 1; }

# Keep Go's cache and module path beside the binaries (ignored by git), and never reach the network.
export GOCACHE="$here/build/gocache" GOPATH="$here/build/gopath" GOPROXY=off GOFLAGS= CGO_ENABLED=1 GO111MODULE=on

processes="${PROCESSES:-20}"
hyperfine_runs="${HYPERFINE_RUNS:-30}"
args=()
if [ "${QUICK:-0}" = 1 ]; then
  processes=3
  hyperfine_runs=5
  args=(-warmup 10000 -batches 3 -batch 10000)
fi

cd "$here"
go build -trimpath -o build/personbench-dynamic .
go build -trimpath -tags static -o build/personbench-static .
if [ "${1:-}" = build ]; then
  echo "built bench/go/build/personbench-dynamic and personbench-static ($(go version | cut -d' ' -f3))" >&2
  exit 0
fi

mkdir -p "$(dirname "$out")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for mode in dynamic static; do
  bin="$here/build/personbench-$mode"
  echo "go-cgo $mode: $processes cold processes, then warm batches" >&2
  "$bin" -processes "$processes" "${args[@]}" >>"$tmp/results.jsonl"
  if command -v hyperfine >/dev/null; then
    # -N: no shell in between, so the time is the binary's own start, 100 round trips and exit.
    hyperfine -N --style basic --warmup 3 --runs "$hyperfine_runs" \
      --export-json "$tmp/hyperfine-$mode.json" "$bin -cold-only" >&2
    "$bin" -hyperfine "$tmp/hyperfine-$mode.json" >>"$tmp/results.jsonl"
  else
    echo "hyperfine not installed: no whole-process figure" >&2
  fi
done
mv "$tmp/results.jsonl" "$out"
echo "wrote bench/results/go.jsonl" >&2
