#!/usr/bin/env bash
# build-guests.sh WORKSPACE OUT: builds a Cargo workspace of guest components for
# wasm32-wasip2 and copies the .wasm files to OUT. Paths are remapped so the bytes do not
# depend on where the sources or Cargo's home live.
set -euo pipefail
ws="$(cd "$1" && pwd)"
out="$2"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
# Quiet by default (tests call this); BUILD_GUESTS_VERBOSE=1 shows cargo's progress.
quiet=--quiet
if [ -n "${BUILD_GUESTS_VERBOSE:-}" ]; then quiet=; fi
cargo build $quiet --release --target wasm32-wasip2 \
    --manifest-path "$ws/Cargo.toml" --target-dir "$ws/target" \
    --config "build.rustflags=[\"--remap-path-prefix=$cargo_home=/cargo\", \"--remap-path-prefix=$ws=/src\"]"
mkdir -p "$out"
cp "$ws"/target/wasm32-wasip2/release/*.wasm "$out"/
