"""Summarizes bench/run.sh results: medians, ratios against the peers, peak RSS."""

import json
import pathlib
import statistics
import sys

results = pathlib.Path(sys.argv[1])


def medians(name):
    path = results / f"{name}.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {r["command"]: statistics.median(r["times"]) * 1000 for r in data["results"]}


def table(title, name, base="astc"):
    m = medians(name)
    if not m:
        return
    print(f"### {title}\n")
    print("| command | median (ms) | astc / this |")
    print("|---|---:|---:|")
    ref = next((v for k, v in m.items() if k.startswith(base)), None)
    for cmd, ms in m.items():
        ratio = f"{ref / ms:.2f}x" if ref and not cmd.startswith(base) else ""
        print(f"| {cmd} | {ms:.1f} | {ratio} |")
    print()


print("## Results\n")
table("Compose, small (burger shop, 2 components)", "compose-small")
table("Compose, large (Rust app + 18 MiB Python provider)", "compose-large")
table("Compose, large, first time the provider is seen (validated and remembered)", "compose-large-first-sight")
table("No-op compose (nothing changed)", "compose-noop")
table("Compose, wide (50 components)", "compose-wide-50")
print("### Scaling with the number of components\n")
print("| components | median (ms) |")
print("|---:|---:|")
for n in (10, 25, 50, 100, 200):
    m = medians(f"scaling-{n}")
    if m:
        print(f"| {n} | {next(iter(m.values())):.1f} |")
print()
table("Resolution, 10,000 versions in deep diamonds", "resolve-10k")
table("Run, small component, compiled-code caches warm", "run-small-warm")
table("Run, large component, compiled-code caches warm", "run-large-warm")
table("Run, small component, no cache", "run-small-cold")
table("Run, large component, no cache", "run-large-cold")
rss = results / "rss.txt"
if rss.exists():
    print("### Peak memory\n")
    print("| what | value |")
    print("|---|---:|")
    for line in rss.read_text().splitlines():
        name, _, value = line.rpartition(" ")
        unit = "bytes" if name.startswith("output") else "KiB"
        print(f"| {name} | {int(value):,} {unit} |")
