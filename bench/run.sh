#!/usr/bin/env bash
# Benchmarks astc side by side with what users would otherwise run, on the same inputs, in
# one run: `wac plug` for composition, `wasmtime run` for the runner, `cp` of the output as
# the physical floor. Medians of consecutive (hyperfine) and interleaved (bench/interleave.py)
# runs; peak RSS from GNU time. bench/serve.sh and bench/kv.sh run last, into the same summary.
#
#   bench/run.sh            # everything (builds tools and inputs the first time)
#   RUNS=20 bench/run.sh    # more runs per command
#   SKIP_SERVE=1 bench/run.sh   # without bench/serve.sh and bench/kv.sh
#
# Needs the Rust toolchain; python3 and npm for the large (Python) input, which
# examples/polyglot/build.sh builds. Tools are installed into bench/.tools, inputs built
# into bench/work, results written to bench/results (JSON per group and summary.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$here/work"
results="$here/results"
tools="$here/.tools"
runs="${RUNS:-10}"
warmup="${WARMUP:-3}"
export PATH="$tools/bin:$PATH"
mkdir -p "$work" "$results"

echo "== tools"
command -v hyperfine >/dev/null || cargo install --quiet --locked --root "$tools" hyperfine
[ -x /usr/bin/time ] || { echo "bench/run.sh needs GNU time for peak memory: apt-get install time" >&2; exit 1; }
command -v wac >/dev/null || cargo install --quiet --locked --root "$tools" wac-cli --version 0.12.0 \
    --no-default-features --features wit,wat
command -v wasmtime >/dev/null || cargo install --quiet --locked --root "$tools" wasmtime-cli --version 48.0.8
cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin astc
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p astc-fixtures --bin astc-fixtures
astc="$root/target/release/astc"
fixtures="$root/target/release/astc-fixtures"
"$root/scripts/setup.sh"
hyperfine --version; wac --version; wasmtime --version; "$astc" --version

# bench NAME [--prepare CMD] -n NAME CMD...  (BENCH_RUNS overrides the run count)
# Measures twice: hyperfine's consecutive runs (NAME.json), then the same commands taking
# turns run by run (NAME.interleaved.json, bench/interleave.py), where costs one command
# leaves behind (writing back 18 MB) fall on every command alike. Targets are met
# interleaved.
bench() {
    local name="$1"; shift
    echo "== $name"
    hyperfine --style basic --runs "${BENCH_RUNS:-$runs}" --warmup "${BENCH_WARMUP:-$warmup}" \
        --export-json "$results/$name.json" "$@"
    echo "-- $name, interleaved"
    python3 "$here/interleave.py" "$results/$name.interleaved.json" \
        --runs "${BENCH_RUNS:-$runs}" --warmup "${BENCH_WARMUP:-$warmup}" "$@"
}

rss() { # rss NAME command...: peak resident set size in KiB
    local name="$1"; shift
    local out; out=$(mktemp)
    /usr/bin/time -f '%M' -o "$out" "$@" >/dev/null 2>&1
    echo "$name $(tail -1 "$out")" >> "$results/rss.txt"
    rm -f "$out"
}
: > "$results/rss.txt"

echo "== inputs"
# Small: the burger-shop example.
small="$work/small"
rm -rf "$small"; mkdir -p "$small"
"$root/scripts/build-guests.sh" "$root/examples/burger-shop" "$small/build"
cp "$root/examples/burger-shop/astc.toml" "$small/"
(cd "$small" && "$astc" publish build/burger_shop.wasm --name example:burger-shop --version 0.1.0 2>/dev/null)

# Large: the 18 MiB Python provider (componentize-py) and a Rust app importing it.
large="$work/large"
rm -rf "$large"; mkdir -p "$large"
[ -f "$root/examples/polyglot/build/text-1.1.0.wasm" ] || "$root/examples/polyglot/build.sh" >/dev/null
"$root/scripts/build-guests.sh" "$here/guests" "$large/build"
cp "$root/examples/polyglot/build/text-1.1.0.wasm" "$large/build/text.wasm"
printf '[package]\nname = "bench:text-app"\nversion = "0.1.0"\ncomponent = "build/text-app.wasm"\n' > "$large/astc.toml"
[ -f "$large/build/text-app.wasm" ] || mv "$large/build/text_app.wasm" "$large/build/text-app.wasm"
(cd "$large" && "$astc" publish build/text.wasm --name poly:text --version 1.1.0 2>/dev/null)

# Wide: a root importing N generated providers.
wide() { # wide N
    local dir="$work/wide-$1"
    rm -rf "$dir"
    "$fixtures" wide "$dir" "$1"
    (cd "$dir" && for p in providers/*.wasm; do
        n=$(basename "$p" .wasm)
        "$astc" publish "$p" --name "bench:$n" --version 1.0.0 2>/dev/null
    done)
}
for n in 10 25 50 100 200; do wide "$n"; done

# Resolver: 20 levels x 10 components x 50 versions = 10,000 versions in deep diamonds.
reg="$work/registry-10k"
rm -rf "$reg"
"$fixtures" registry "$reg" 20 10 50

# Warm astc's component cache and the outputs every peer command reads.
for d in "$small" "$large" "$work"/wide-*; do (cd "$d" && "$astc" compose --force 2>/dev/null); done
# Then once more after a second, so that astc trusts the digests it remembered (see
# docs/reference.md, the cache directory), as in a build loop over unchanged inputs.
sleep 1.1
for d in "$small" "$large" "$work"/wide-*; do (cd "$d" && "$astc" compose --force 2>/dev/null); done

echo "== composition"
cd "$small"
bench compose-small \
    -n astc "$astc compose --force -o astc.wasm" \
    -n "wac plug" "wac plug build/consumer.wasm --plug build/burger_shop.wasm -o wac.wasm" \
    -n cp "cp consumer.composed.wasm copy.wasm"
cd "$large"
bench compose-large \
    -n astc "$astc compose --force -o astc.wasm" \
    -n "wac plug" "wac plug build/text-app.wasm --plug build/text.wasm -o wac.wasm" \
    -n cp "cp text-app.composed.wasm copy.wasm" \
    -n sha256sum "sha256sum text-app.composed.wasm"
bench compose-large-first-sight \
    --prepare "rm -rf $work/cold-cache" \
    -n "astc (new component)" "ASTC_CACHE_DIR=$work/cold-cache $astc compose --force -o astc.wasm"
bench compose-noop \
    -n "astc (nothing changed)" "$astc compose"
rss "astc compose large" "$astc" compose --force -o astc.wasm
rss "wac plug large" wac plug build/text-app.wasm --plug build/text.wasm -o wac.wasm
ls -l text-app.composed.wasm | awk '{print "output-bytes-large", $5}' >> "$results/rss.txt"

cd "$work/wide-50"
plugs=""
for p in providers/*.wasm; do plugs="$plugs --plug $p"; done
bench compose-wide-50 \
    -n astc "$astc compose --force -o astc.wasm" \
    -n "wac plug" "wac plug root.wasm $plugs -o wac.wasm"
for n in 10 25 50 100 200; do
    (cd "$work/wide-$n" && bench "scaling-$n" -n "astc $n components" "$astc compose --force -o astc.wasm")
done

echo "== resolution"
cd "$reg"
bench resolve-10k --prepare "rm -f astc.lock" -n "astc lock (10,000 versions)" "$astc lock"

echo "== runner"
# Small: a WASI command that prints its arguments (bench/guests/hello), which both run.
cp "$large/build/hello.wasm" "$work/hello.wasm"
cd "$work"
cp "$large/text-app.composed.wasm" "$work/large.wasm"
wasmtime compile large.wasm -o large.cwasm
cp "$large/build/text.wasm" "$work/text.wasm"
wasmtime compile text.wasm -o text.cwasm
# astc trusts a remembered digest only for a file that had not been written for a second
# when it was hashed: wait that second, as a file run again and again has.
sleep 1.1
for _ in 1 2; do
    "$astc" run hello.wasm -- args >/dev/null; "$astc" run large.wasm >/dev/null
    "$astc" call text.wasm 'poly:text/api@1.1.0#shout' '["hi"]' >/dev/null
done
wasmtime run -C cache=y hello.wasm args >/dev/null; wasmtime run -C cache=y large.wasm >/dev/null
bench run-small-warm \
    -n "astc run" "$astc run hello.wasm -- args" \
    -n "wasmtime run" "wasmtime run -C cache=y hello.wasm args"
bench run-large-warm \
    -n "astc run" "$astc run large.wasm" \
    -n "wasmtime run" "wasmtime run -C cache=y large.wasm" \
    -n "wasmtime run (precompiled)" "wasmtime run --allow-precompiled large.cwasm"
# A call of one function of the 18 MiB provider itself.
bench call-large-warm \
    -n "astc call" "$astc call text.wasm poly:text/api@1.1.0#shout '[\"hi\"]'" \
    -n "wasmtime run --invoke (precompiled)" \
    "wasmtime run --allow-precompiled --invoke 'shout(\"hi\")' text.cwasm"
# Cold: nothing cached. astc's `--timeout` (5m by default) is enforced by a watchdog in
# `run` and `call`, so their code has no epoch checks; `wasmtime run -W timeout` compiles
# them in. Both with and without a timeout.
bench run-small-cold \
    -n "astc run" "$astc run --no-cache hello.wasm -- args" \
    -n "astc run --timeout 0" "$astc run --no-cache --timeout 0 hello.wasm -- args" \
    -n "wasmtime run" "wasmtime run -C cache=n hello.wasm args" \
    -n "wasmtime run -W timeout=300s" "wasmtime run -C cache=n -W timeout=300s hello.wasm args"
BENCH_RUNS=5 BENCH_WARMUP=1 bench run-large-cold \
    -n "astc run" "$astc run --no-cache large.wasm" \
    -n "astc run --timeout 0" "$astc run --no-cache --timeout 0 large.wasm" \
    -n "wasmtime run" "wasmtime run -C cache=n large.wasm" \
    -n "wasmtime run -W timeout=300s" "wasmtime run -C cache=n -W timeout=300s large.wasm"

if [ -z "${SKIP_SERVE:-}" ]; then
    echo "== serving and storage"
    "$here/serve.sh"
    "$here/kv.sh"
fi

echo "== summary"
python3 "$here/summary.py" "$results" | tee "$results/summary.md"
