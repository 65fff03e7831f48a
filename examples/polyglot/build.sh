#!/usr/bin/env bash
# The polyglot example, end to end: installs componentize-py (PyPI) and componentize-js
# (npm) into this directory, builds a Python provider in two versions, a JavaScript
# provider and a Rust app, publishes the providers, composes everything into one
# component and runs it. Needs python3 (with venv) and npm besides the Rust toolchain.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

step() { printf '\n$ %s\n' "$*"; }
astc() { "$root/target/debug/astc" "$@"; }

echo "Installing the toolchains..."
[ -x .venv/bin/componentize-py ] || { python3 -m venv .venv && .venv/bin/pip install --quiet -r requirements.txt; }
[ -d node_modules/@bytecodealliance/componentize-js ] || npm install --silent --no-audit --no-fund
"$root/scripts/setup.sh"
cargo build --quiet --manifest-path "$root/Cargo.toml" --bin astc

echo "Building the components..."
mkdir -p build
for v in 1.0.0 1.1.0; do
    .venv/bin/componentize-py -d "text/text-$v.wit" -w text componentize -p text app -o "build/text-$v.wasm" >/dev/null
done
node math/build.mjs build/math.wasm
"$root/scripts/build-guests.sh" "$here" build

rm -rf registry astc.lock app.composed.wasm
step astc publish build/text-1.0.0.wasm --name poly:text --version 1.0.0
astc publish build/text-1.0.0.wasm --name poly:text --version 1.0.0
step astc publish build/text-1.1.0.wasm --name poly:text --version 1.1.0
astc publish build/text-1.1.0.wasm --name poly:text --version 1.1.0
step astc publish build/math.wasm --name poly:math --version 1.0.0
astc publish build/math.wasm --name poly:math --version 1.0.0
step astc tree
astc tree
step astc compose
astc compose
step astc run app.composed.wasm
astc run app.composed.wasm
