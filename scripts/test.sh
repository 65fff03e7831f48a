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
    built=$(cargo test --workspace --locked --no-run --message-format=json 2>/dev/null)
    bin=$(grep -o '"executable":"[^"]*/bad_inputs-[^"]*"' <<<"$built" |
        sed 's/"executable":"\(.*\)"/\1/')
    astc=$(grep -o '"executable":"[^"]*/astc"' <<<"$built" | head -n1 |
        sed 's/"executable":"\(.*\)"/\1/')
    # `nobody` may not be able to read this clone (e.g. inside root's home, mode 700): run
    # from a copy of the binaries and of the files the corpus reads, in a directory it can.
    copy=$(mktemp -d)
    trap 'rm -rf "$copy"' EXIT
    mkdir -p "$copy/repo/tests" "$copy/repo/compiler/tests"
    cp "$bin" "$copy/bad_inputs"
    cp "$astc" "$copy/astc"
    cp -R tests/bad-inputs "$copy/repo/tests/"
    cp -R compiler/tests/fuzz-regressions "$copy/repo/compiler/tests/"
    chmod -R a+rX "$copy"
    if runuser -u nobody -- "$copy/astc" --version >/dev/null 2>&1; then
        runuser -u nobody -- env HOME=/tmp TMPDIR=/tmp ASTC_TEST_BIN="$copy/astc" \
            ASTC_TEST_REPO="$copy/repo" "$copy/bad_inputs" --quiet
    else
        echo "skipped the unprivileged bad-input run: user nobody cannot run programs from $copy" >&2
    fi
fi
