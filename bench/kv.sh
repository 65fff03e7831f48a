#!/usr/bin/env bash
# wasi:keyvalue through a component, against the database alone, in one run.
#
# For get, set and increment, in memory and on disk (`--kv`), interleaved command by command
# for RUNS rounds:
# - "database alone": bench/kv-db, the same operations on SQLite with astc's statements and
#   settings, and on redb, the candidate SQLite was chosen over;
# - "through a component": a warm `astc serve counter.wasm` runs N operations in one call of
#   the guest's `bench` function (each a separate wasi:keyvalue call, as a guest makes them);
# - "per request": wrk sends `visit` (one increment per HTTP request) with 16 connections.
# Writes bench/results/kv.md.
#
#   bench/kv.sh            # RUNS=5 by default
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$here/work/kv"
results="$here/results"
runs="${RUNS:-5}"
duration="${DURATION:-5}"
mkdir -p "$work" "$results"

echo "== tools"
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin astc
cargo build --quiet --release --manifest-path "$here/kv-db/Cargo.toml"
astc="$root/target/release/astc"
kvdb="$here/kv-db/target/release/kv-db"
"$root/scripts/build-guests.sh" "$root/fixtures/guests" "$work"
"$astc" --version
nproc

# Starts `astc serve counter.wasm` with extra flags; sets $url and $pid.
start() {
    rm -f "$work/astc.out"
    "$astc" serve "$work/counter.wasm" --listen 127.0.0.1:0 --cache-dir "$work/cache" "$@" \
        >"$work/astc.out" 2>"$work/astc.err" &
    pid=$!
    for _ in $(seq 1 300); do
        url=$(head -n1 "$work/astc.out" 2>/dev/null || true)
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { cat "$work/astc.err" >&2; exit 1; }
}
stop() {
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
}
# Operations per second of one `bench` call of N operations.
through() {
    local op=$1 n=$2 body seconds
    body="{\"component\": \"acme:counter\", \"function\": \"bench\", \"args\": [\"$op\", $n]}"
    seconds=$(curl -s -o "$work/out.json" -w '%{time_total}' "$url/v1/environment/acme/counter/call" -d "$body")
    grep -q '"output":[0-9]' "$work/out.json" || { cat "$work/out.json" >&2; exit 1; }
    python3 -c "print(round($n / $seconds))"
}
cat >"$work/visit.lua" <<'EOF2'
wrk.method = "POST"
wrk.body = '{"component": "acme:counter", "function": "visit", "args": ["home"]}'
wrk.headers["Content-Type"] = "application/json"
EOF2
per_request() {
    wrk -t2 -c16 -d"${duration}s" -s "$work/visit.lua" "$url/v1/environment/acme/counter/call" >"$work/wrk.txt"
    if grep -q "Non-2xx" "$work/wrk.txt"; then cat "$work/wrk.txt" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' "$work/wrk.txt"
}

: >"$results/kv.txt"
record() { echo "$1 $2 $3 $4" | tee -a "$results/kv.txt"; }
n_for() { if [ "$1" = file ] && [ "$2" != get ]; then echo 1000; else echo 20000; fi; }

echo "== rounds"
for round in $(seq 1 "$runs"); do
    for storage in memory file; do
        rm -rf "$work/store" "$work/floor"
        mkdir -p "$work/floor"
        if [ "$storage" = file ]; then start --kv "$work/store"; else start; fi
        for op in get set increment; do
            n=$(n_for "$storage" "$op")
            record "$op" "$storage" sqlite "$(KV_DIR="$work/floor" "$kvdb" "$op" sqlite "$storage" "$n")"
            record "$op" "$storage" component "$(through "$op" "$n")"
            record "$op" "$storage" redb "$(KV_DIR="$work/floor" "$kvdb" "$op" redb "$storage" "$n")"
        done
        record visit "$storage" per-request "$(per_request)"
        stop
    done
    echo "round $round done"
done

python3 - "$results/kv.txt" "$runs" >"$results/kv.md" <<'EOF2'
import statistics, sys
path, runs = sys.argv[1:3]
rows = {}
for line in open(path):
    op, storage, who, rate = line.split()
    rows.setdefault((op, storage, who), []).append(float(rate))
med = lambda *k: statistics.median(rows[k])
print(f"Medians of {runs} rounds, operations per second; one operation per transaction; on disk every commit is synced.\n")
print("| operation | storage | SQLite alone | through a component (astc serve) | component / SQLite | redb alone |")
print("|---|---|---:|---:|---:|---:|")
for storage in ("memory", "file"):
    for op in ("get", "set", "increment"):
        s, c, r = med(op, storage, "sqlite"), med(op, storage, "component"), med(op, storage, "redb")
        print(f"| {op} | {storage} | {s:,.0f} | {c:,.0f} | {c / s:.2f}x | {r:,.0f} |")
print("\n| workload | storage | requests/s (wrk, 16 connections) |")
print("|---|---|---:|")
for storage in ("memory", "file"):
    print(f"| `visit` (one increment per HTTP call) | {storage} | {med('visit', storage, 'per-request'):,.0f} |")
EOF2
cat "$results/kv.md"
