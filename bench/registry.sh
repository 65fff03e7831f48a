#!/usr/bin/env bash
# Composing from a remote OCI registry, against a local directory registry and `wkg get` of
# the same components, interleaved command by command for RUNS rounds:
# - cold: `astc compose --force` with an empty cache, everything fetched from the registry;
# - warm: `astc compose --force` again, the lock and the cache holding everything;
# - dir: `astc compose --force --registry registry`, the same components in a directory;
# - wkg: `wkg get` of every component into an empty wkg cache (the reference client's fetch).
# The registry is Debian's docker-registry on loopback. Inputs: a root importing N providers
# (`astc-fixtures wide`, N=10 by default). Writes bench/results/registry.md.
#
#   bench/registry.sh            # RUNS=10 N=10 by default
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$here/work/registry"
results="$here/results"
runs="${RUNS:-10}"
n="${N:-10}"
rm -rf "$work"
mkdir -p "$work" "$results"

echo "== tools"
"$root/scripts/setup.sh"
cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin astc
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p astc-fixtures --bin astc-fixtures
astc="$root/target/release/astc"
wkg="$root/target/tools/wkg/bin/wkg"
"$astc" --version; "$wkg" --version; docker-registry --version 2>&1 | head -n1 || true

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/registry.yml" <<EOF2
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry-data
http:
  addr: 127.0.0.1:$port
EOF2
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; do sleep 0.1; done
url="oci://127.0.0.1:$port"

echo "== inputs"
"$root/target/release/astc-fixtures" wide "$work/app" "$n" >/dev/null
cd "$work/app"
export ASTC_CACHE_DIR="$work/cache"
for f in providers/*.wasm; do
    name=$(basename "$f" .wasm)
    "$astc" publish "$f" --name "bench:$name" --version 1.0.0 --registry "$url" 2>/dev/null
    "$astc" publish "$f" --name "bench:$name" --version 1.0.0 --registry registry 2>/dev/null
done
printf '\n[registry]\nurl = "%s"\n' "$url" >>astc.toml
cat >"$work/wkg.toml" <<EOF2
[namespace_registries]
bench = "127.0.0.1:$port"

[registry."127.0.0.1:$port"]
type = "oci"

[registry."127.0.0.1:$port".oci]
protocol = "http"
EOF2

us() { echo $(($(date +%s%N) / 1000)); }
measure() {
    local t0 t1
    t0=$(us)
    "$@" >/dev/null 2>&1
    t1=$(us)
    echo $(((t1 - t0)))
}
cold() { rm -rf "$work/cache/oci" astc.lock; "$astc" compose --force; }
warm() { "$astc" compose --force; }
dir() { "$astc" compose --force --registry registry -o dir.wasm; }
wkg_get() {
    rm -rf "$work/wkg-cache" "$work/got"
    mkdir -p "$work/got"
    for i in $(seq 0 $((n - 1))); do
        DOCKER_CONFIG="$work" "$wkg" get "bench:p$i@1.0.0" --config "$work/wkg.toml" --cache "$work/wkg-cache" --format wasm -o "$work/got/p$i.wasm"
    done
}
cold >/dev/null 2>&1
dir >/dev/null 2>&1
cmp "$work/app/root.composed.wasm" "$work/app/dir.wasm"

: >"$results/registry.txt"
echo "== rounds"
for round in $(seq 1 "$runs"); do
    echo "cold $(measure cold)" >>"$results/registry.txt"
    echo "warm $(measure warm)" >>"$results/registry.txt"
    echo "dir $(measure dir)" >>"$results/registry.txt"
    echo "wkg $(measure wkg_get)" >>"$results/registry.txt"
done

python3 - "$results/registry.txt" "$runs" "$n" >"$results/registry.md" <<'EOF2'
import statistics, sys
path, runs, n = sys.argv[1:4]
rows = {}
for line in open(path):
    what, us = line.split()
    rows.setdefault(what, []).append(int(us) / 1000)
med = {k: statistics.median(v) for k, v in rows.items()}
print(f"Medians of {runs} interleaved rounds, a root importing {n} providers, loopback registry (docker-registry).\n")
print("| command | median ms |")
print("|---|---:|")
labels = {
    "cold": "astc compose, cold (empty cache: lists tags, fetches every component)",
    "warm": "astc compose, warm (lock and cache: no network)",
    "dir": "astc compose from a local directory registry",
    "wkg": f"wkg get of the {n} components (empty wkg cache)",
}
for k in ("cold", "warm", "dir", "wkg"):
    print(f"| {labels[k]} | {med[k]:.1f} |")
print(f"\nwarm / directory: {med['warm'] / med['dir']:.2f}x (target: at most 1.10x)")
print(f"cold astc compose / wkg get: {med['cold'] / med['wkg']:.2f}x")
EOF2
cat "$results/registry.md"
