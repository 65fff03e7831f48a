#!/usr/bin/env bash
# Installs what astc's tests and examples need beyond a Rust toolchain: the wasm32-wasip2
# target, to build the Rust guest components.
set -euo pipefail
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    rustup target add wasm32-wasip2
fi
