"""Summarizes bench/run.sh results: medians of both timings (hyperfine's consecutive runs
and bench/interleave.py's interleaved ones), ratios against the peers, peak memory, and
the serving and storage tables of bench/serve.sh and bench/kv.sh from the same run."""

import json
import pathlib
import statistics
import sys

results = pathlib.Path(sys.argv[1])


def medians(path):
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {r["command"]: statistics.median(r["times"]) * 1000 for r in data["results"]}


def table(title, name, base="astc", target=None):
    consecutive = medians(results / f"{name}.json")
    interleaved = medians(results / f"{name}.interleaved.json")
    if not consecutive and not interleaved:
        return
    print(f"### {title}\n")
    if target:
        print(f"Target: {target}.\n")
    print("| command | consecutive (ms) | astc / this | interleaved (ms) | astc / this |")
    print("|---|---:|---:|---:|---:|")

    def ref(m):
        return next((v for k, v in m.items() if k.startswith(base)), None)

    def cell(m, cmd):
        v = m.get(cmd)
        if v is None:
            return "", ""
        r = ref(m)
        ratio = f"{r / v:.2f}x" if r and not cmd.startswith(base) else ""
        return f"{v:.1f}", ratio

    for cmd in dict.fromkeys([*consecutive, *interleaved]):
        c, cr = cell(consecutive, cmd)
        i, ir = cell(interleaved, cmd)
        print(f"| {cmd} | {c} | {cr} | {i} | {ir} |")
    print()


print("## Results\n")
print("Medians. *consecutive*: hyperfine, each command's runs back to back; *interleaved*:")
print("the commands take turns run by run (bench/interleave.py). Ratios are astc's time")
print("over the peer's: below 1.00x astc is faster.\n")
table("Compose, small (burger shop, 2 components)", "compose-small",
      target="at or below `wac plug` (1.00x)")
table("Compose, large (Rust app + 18 MiB Python provider)", "compose-large",
      target="at most 0.5x `wac plug`, interleaved")
table("Compose, large, first time the provider is seen (validated and remembered)",
      "compose-large-first-sight")
table("No-op compose (nothing changed)", "compose-noop", target="under 20 ms")
table("Compose, wide (50 components)", "compose-wide-50",
      target="at or below `wac plug` (1.00x)")
print("### Scaling with the number of components\n")
print("| components | median (ms) |")
print("|---:|---:|")
for n in (10, 25, 50, 100, 200):
    m = medians(results / f"scaling-{n}.json")
    if m:
        print(f"| {n} | {next(iter(m.values())):.1f} |")
print()
table("Resolution, 10,000 versions in deep diamonds", "resolve-10k", target="under 100 ms")
table("Run, small component, compiled-code caches warm", "run-small-warm")
table("Run, large component, compiled-code caches warm", "run-large-warm",
      target="at most 1.3x `wasmtime run --allow-precompiled`")
table("Call, large component, compiled-code caches warm", "call-large-warm",
      target="at most 1.3x `wasmtime run --allow-precompiled --invoke` of the same function")
table("Run, small component, no cache", "run-small-cold", target="at most 1.1x `wasmtime run`")
table("Run, large component, no cache", "run-large-cold", target="at most 1.1x `wasmtime run`")
rss = results / "rss.txt"
if rss.exists():
    values = {}
    print("### Peak memory\n")
    print("Target: a large compose peaks at most 1.5x its output + 30 MiB.\n")
    print("| what | value |")
    print("|---|---:|")
    for line in rss.read_text().splitlines():
        name, _, value = line.rpartition(" ")
        values[name] = int(value)
        unit = "bytes" if name.startswith("output") else "KiB"
        print(f"| {name} | {int(value):,} {unit} |")
    out = values.get("output-bytes-large")
    peak = values.get("astc compose large")
    if out and peak:
        limit = (1.5 * out + 30 * 2**20) / 1024
        print(f"| limit for the large compose (1.5x output + 30 MiB) | {limit:,.0f} KiB |")
    print()
for extra, title in (("serve.md", "Serving (bench/serve.sh)"),
                     ("kv.md", "Storage (bench/kv.sh)")):
    path = results / extra
    if path.exists():
        print(f"### {title}\n")
        print(path.read_text().strip())
        print()
