#!/usr/bin/env bash
# The burger-shop example, end to end: build the components, publish the shop, resolve,
# check, compose, run and call the result; then show what astc says about the bare-export
# variant of the shop.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
astc() { "$root/target/debug/astc" "$@"; }

echo "Building astc and the example components (the first build compiles wasmtime: 10 to 20 minutes on 2 cores)..."
"$root/scripts/setup.sh"
cargo build --quiet --manifest-path "$root/Cargo.toml" --bin astc
"$root/scripts/build-guests.sh" "$here" build

# A fresh registry each time: published versions are immutable, and a rebuilt shop on
# another toolchain would (rightly) be refused under the same version.
rm -rf registry registry-bare astc.lock bare.lock consumer.composed.wasm

step astc publish build/burger_shop.wasm --name example:burger-shop --version 0.1.0
astc publish build/burger_shop.wasm --name example:burger-shop --version 0.1.0
step astc tree
astc tree
step astc compose
astc compose
step astc inspect consumer.composed.wasm
astc inspect consumer.composed.wasm
step astc run consumer.composed.wasm -- "1 Main St" ""
astc run consumer.composed.wasm -- "1 Main St" ""
step astc call consumer.composed.wasm 'example:consumer/api@0.1.0#order' '["42 Wallaby Way"]'
astc call consumer.composed.wasm 'example:consumer/api@0.1.0#order' '["42 Wallaby Way"]'

step astc publish build/burger_shop_bare.wasm --name example:burger-shop --version 0.1.0 --registry registry-bare
astc publish build/burger_shop_bare.wasm --name example:burger-shop --version 0.1.0 --registry registry-bare
step astc check --manifest bare.toml
if astc check --manifest bare.toml; then
    echo "unexpected: the bare export was accepted" >&2
    exit 1
fi
