#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, and the whole test suite. Installs what the
# tests need beyond the Rust toolchain first (the wasm32-wasip2 target).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
# File modes do not bind root, so the bad-input cases about unreadable files and read-only
# directories are ignored above when CI runs as root: run the corpus again, whole, as an
# unprivileged user.
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null && id nobody >/dev/null 2>&1; then
    # The same build as above (selecting one test target would build other features).
    bin=$(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null |
        grep -o '"executable":"[^"]*/bad_inputs-[^"]*"' | sed 's/"executable":"\(.*\)"/\1/')
    runuser -u nobody -- env HOME=/tmp TMPDIR=/tmp "$bin" --quiet
fi
