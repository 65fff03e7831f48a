#!/usr/bin/env bash
# The burger-shop example, end to end: build the components, publish the shop, resolve,
# check, compose, run and call the result; then show what astc says about the bare-export
# variant of the shop.
#
# Every command is printed before it runs, quoted so it can be pasted into a shell: run
# them from examples/burger-shop with astc on your PATH (`cargo install --locked --path .`
# from the repository root, or `export PATH="$PWD/../../target/debug:$PATH"`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
export PATH="$root/target/debug:$PATH"

# Bold headers on a terminal only (and never with NO_COLOR), so a log file stays plain.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
# Prints a command as it would be typed, each argument quoted where the shell needs it.
show() {
    local line='$' arg
    for arg in "$@"; do
        if [[ "$arg" =~ ^[A-Za-z0-9_./:@=^+-]+$ ]]; then
            line+=" $arg"
        else
            line+=" '${arg//\'/\'\\\'\'}'"
        fi
    done
    printf '\n%s%s%s\n' "$bold" "$line" "$plain"
}
# Shows a command, then runs it.
step() { show "$@"; "$@"; }

echo "Building astc and the example components in $root"
echo "(the first build compiles wasmtime: 10 to 20 minutes on 2 cores)."
"$root/scripts/setup.sh"
cargo build --manifest-path "$root/Cargo.toml" --bin astc
BUILD_GUESTS_VERBOSE=1 "$root/scripts/build-guests.sh" "$here" build
echo
echo "Every command below runs in $here."

# A fresh registry each time: published versions are immutable, and a rebuilt shop on
# another toolchain would (rightly) be refused under the same version.
rm -rf registry registry-bare astc.lock bare.lock consumer.composed.wasm

step astc publish build/burger_shop.wasm --name example:burger-shop --version 0.1.0
step astc tree
step astc compose
step astc inspect consumer.composed.wasm
step astc run consumer.composed.wasm -- "1 Main St" ""
step astc call consumer.composed.wasm 'example:consumer/api@0.1.0#order' '["42 Wallaby Way"]'

echo
echo "Next, the same shop with its function exported bare, at world level: astc must refuse"
echo "to compose it, because no other component can import a bare export."
step astc publish build/burger_shop_bare.wasm --name example:burger-shop --version 0.1.0 --registry registry-bare
show astc check --manifest bare.toml
if astc check --manifest bare.toml; then
    echo "unexpected: the bare export was accepted" >&2
    exit 1
else
    status=$?
fi
echo
echo "As expected, astc refused the bare export (exit status $status) and said how to fix it."
echo "Demo finished: the composed component is $here/consumer.composed.wasm."
