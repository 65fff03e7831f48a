#!/usr/bin/env bash
# `astc serve` under load, side by side with `wasmtime serve` (wasmtime-cli 48.0.8) on the
# same component, in one run: the two servers take turns, RUNS rounds of DURATION seconds
# each, driven by wrk on loopback. Also measures asterai's call API and MCP `tools/call`
# (astc only: asterai's runtime is not built here). Writes bench/results/serve.md.
#
#   bench/serve.sh            # RUNS=5 DURATION=10 CONNECTIONS=16 by default
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
tools="$here/.tools"
work="$here/work/serve"
results="$here/results"
runs="${RUNS:-5}"
duration="${DURATION:-10}"
connections="${CONNECTIONS:-16}"
export PATH="$tools/bin:$PATH"
mkdir -p "$work" "$results"

echo "== tools"
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
command -v wasmtime >/dev/null || cargo install --quiet --locked --root "$tools" wasmtime-cli --version 48.0.8
cargo build --quiet --release --manifest-path "$root/Cargo.toml" --bin astc
astc="$root/target/release/astc"
"$root/scripts/build-guests.sh" "$root/fixtures/guests" "$work"
wrk --version 2>&1 | head -n1 || true
wasmtime --version; "$astc" --version
nproc

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() {
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "no server at $1" >&2
    exit 1
}
# Starts `astc serve FILE` (the cache warm), sets $url and $pid.
start_astc() {
    # Not the URL of the previous server: the file is emptied only when the new one starts.
    rm -f "$work/astc.out"
    "$astc" serve "$1" --listen 127.0.0.1:0 --cache-dir "$work/cache" >"$work/astc.out" 2>"$work/astc.err" &
    pid=$!
    for _ in $(seq 1 300); do
        url=$(head -n1 "$work/astc.out" 2>/dev/null || true)
        [ -n "$url" ] && break
        sleep 0.1
    done
    wait_up "$url/health"
}
start_wasmtime() {
    local port
    port=$(free_port)
    wasmtime serve -C cache=y -S cli=y --addr "127.0.0.1:$port" "$1" >"$work/wasmtime.out" 2>&1 &
    pid=$!
    url="http://127.0.0.1:$port"
    wait_up "$url/"
}
stop() {
    # Peak resident memory of the server, then SIGTERM.
    awk '/VmHWM/ {print $2}' "/proc/$pid/status" >"$work/hwm" 2>/dev/null || true
    [ -s "$work/hwm" ] || { echo "the server $pid is gone" >&2; exit 1; }
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
}
# wrk against $1 (extra arguments after); prints "requests/s p50-ms p99-ms".
load() {
    local target=$1
    shift
    wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$target" >"$work/wrk.txt"
    if grep -q "Non-2xx" "$work/wrk.txt"; then
        echo "errors under load:" >&2
        cat "$work/wrk.txt" >&2
        exit 1
    fi
    awk '
        /Requests\/sec/ {rps = $2}
        $1 == "50%" {p50 = $2}
        $1 == "99%" {p99 = $2}
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v
        }
        END {printf "%s %.3f %.3f\n", rps, ms(p50), ms(p99)}
    ' "$work/wrk.txt"
}

cat >"$work/call.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"component": "acme:types", "function": "api/add", "args": [2, 40]}'
wrk.headers["Content-Type"] = "application/json"
EOF
cat >"$work/mcp.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "api_add", "arguments": {"a": 2, "b": 40}}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-06-18"
EOF

: >"$results/serve.txt"
record() { echo "$1 $2 $(cat "$work/hwm")" | tee -a "$results/serve.txt"; }

echo "== rounds (astc and wasmtime take turns)"
for round in $(seq 1 "$runs"); do
    start_astc "$work/http_echo.wasm"
    record "wasi-http astc" "$(load "$url/hello")"
    stop
    start_wasmtime "$work/http_echo.wasm"
    record "wasi-http wasmtime" "$(load "$url/hello")"
    stop
    start_astc "$work/types.wasm"
    record "call-api astc" "$(load "$url/v1/environment/acme/types/call" -s "$work/call.lua")"
    record "mcp astc" "$(load "$url/mcp" -s "$work/mcp.lua")"
    stop
    echo "round $round done"
done

python3 - "$results/serve.txt" "$runs" "$duration" "$connections" >"$results/serve.md" <<'EOF'
import statistics, sys
path, runs, duration, connections = sys.argv[1:5]
rows = {}
for line in open(path):
    group, server, rps, p50, p99, hwm = line.split()
    rows.setdefault((group, server), []).append((float(rps), float(p50), float(p99), int(hwm)))
def med(group, server, i):
    return statistics.median(r[i] for r in rows[(group, server)])
print(f"Medians of {runs} rounds of {duration} s, wrk with 2 threads and {connections} connections; peak RSS of the server (VmHWM).\n")
print("| workload | server | requests/s | p50 ms | p99 ms | peak RSS MiB |")
print("|---|---|---:|---:|---:|---:|")
for (group, server) in rows:
    print(f"| {group} | {server} | {med(group, server, 0):,.0f} | {med(group, server, 1):.2f} | "
          f"{med(group, server, 2):.2f} | {med(group, server, 3) / 1024:.1f} |")
a, w = med("wasi-http", "astc", 0), med("wasi-http", "wasmtime", 0)
print(f"\nwasi:http throughput, astc / wasmtime serve: {a / w:.2f}x")
a, w = med("wasi-http", "astc", 1), med("wasi-http", "wasmtime", 1)
print(f"wasi:http p50 latency, astc / wasmtime serve: {a / w:.2f}x")
EOF
cat "$results/serve.md"
