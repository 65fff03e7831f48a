#!/usr/bin/env bash
# A regression guard that does not depend on a clock: counts the instructions (valgrind's
# callgrind, all threads) that a small compose, a no-op compose and a warm `astc run` execute,
# and fails when one grows by more than MARGIN percent (default 10) over bench/icount.txt.
# `BLESS=1 bench/icount.sh` writes the current counts as the new baseline.
#
# Inputs: a root importing 3 generated providers from a registry directory
# (`astc-fixtures wide`), and the probe guest (fixtures/guests/probe) run with the
# compiled-code cache warm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$here/work/icount"
baseline="$here/icount.txt"
margin="${MARGIN:-10}"
command -v valgrind >/dev/null || { echo "bench/icount.sh needs valgrind: apt-get install valgrind" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"

cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin astc
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p astc-fixtures --bin astc-fixtures
astc="$root/target/release/astc"
"$root/scripts/build-guests.sh" "$root/fixtures/guests" "$work/guests"

"$root/target/release/astc-fixtures" wide "$work/app" 3 >/dev/null
cd "$work/app"
export ASTC_CACHE_DIR="$work/cache"
for f in providers/*.wasm; do
    "$astc" publish "$f" --name "bench:$(basename "$f" .wasm)" --version 1.0.0 >/dev/null 2>&1
done
"$astc" compose >/dev/null 2>&1
"$astc" run "$work/guests/probe.wasm" -- args >/dev/null 2>&1
# astc trusts the digests it remembers only for files that had not been written for a
# second when hashed: let the inputs settle, then have them hashed once more, so that every
# count is of the steady state (and the same from run to run).
sleep 1.1
"$astc" compose --force >/dev/null 2>&1
"$astc" run "$work/guests/probe.wasm" -- args >/dev/null 2>&1

# The instructions one command executes, all threads together.
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -n1
}
# Under valgrind the CPU looks different to wasmtime, so its compiled code is another cache
# entry: fill it first, so that the warm run is warm.
valgrind --tool=none "$astc" run "$work/guests/probe.wasm" -- args >/dev/null 2>&1
declare -A now
now[small-compose]=$(count "$astc" compose --force)
now[noop-compose]=$(count "$astc" compose)
now[warm-run]=$(count "$astc" run "$work/guests/probe.wasm" -- args)

if [ -n "${BLESS:-}" ] || [ ! -f "$baseline" ]; then
    {
        echo "# Instructions executed (callgrind, all threads), written by BLESS=1 bench/icount.sh."
        for k in small-compose noop-compose warm-run; do echo "$k ${now[$k]}"; done
    } >"$baseline"
    cat "$baseline"
    exit 0
fi

status=0
while read -r name count; do
    case "$name" in '#'*|'') continue ;; esac
    new=${now[$name]:-}
    [ -n "$new" ] || { echo "$name: not measured" >&2; status=1; continue; }
    pct=$(python3 -c "print(f'{($new - $count) * 100 / $count:+.1f}')")
    limit=$(python3 -c "print(int($new > $count * (1 + $margin / 100)))")
    echo "$name: $count -> $new ($pct%)"
    if [ "$limit" = 1 ]; then
        echo "  grew by more than $margin%" >&2
        status=1
    fi
done <"$baseline"
exit $status
