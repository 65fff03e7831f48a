#!/usr/bin/env bash
# Long fuzzing campaigns on stable Rust, with the property and fuzz tests `cargo test` runs
# on a small budget:
#
#   resolver/tests/brute_force.rs  resolution against a brute-force solver (proptest)
#   resolver/tests/parsers.rs      mutated astc.toml, env.toml, astc.lock; names, versions
#   compiler/tests/fuzz.rs         random, generated and mutated components into inspect,
#                                  the cache, the type checker and compose
#
# Usage: scripts/fuzz.sh [CASES [ITERS]]
#   CASES  proptest cases per property (default 20000; env PROPTEST_CASES)
#   ITERS  iterations per compiler fuzz test (default 20000; env ASTC_FUZZ_ITERS)
#   ASTC_FUZZ_SEED=N picks another seed for the compiler tests (default 24301, as in
#   `cargo test`), so repeated campaigns explore new inputs.
#
# A failure prints its seed and iteration (compiler) or the shrunk case (proptest, also
# saved next to the test file as `*.proptest-regressions`); the compiler tests save the
# crashing input in the temporary directory. Keep it under compiler/tests/fuzz-regressions/
# once fixed, where `cargo test` replays it. The disk cache is off (ASTC_NO_CACHE=1) so a
# campaign leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPTEST_CASES="${1:-${PROPTEST_CASES:-20000}}"
export ASTC_FUZZ_ITERS="${2:-${ASTC_FUZZ_ITERS:-20000}}"
export ASTC_NO_CACHE=1
start=$SECONDS
cargo test --release -p astc-resolver --test brute_force --test parsers
cargo test --release -p astc-compiler --test fuzz -- --nocapture
echo "fuzz: $PROPTEST_CASES proptest cases per property, $ASTC_FUZZ_ITERS iterations per compiler test, seed ${ASTC_FUZZ_SEED:-24301}, $((SECONDS - start)) s"
