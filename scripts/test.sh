#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, and the whole test suite. Installs what the
# tests need beyond the Rust toolchain first (the wasm32-wasip2 target).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
