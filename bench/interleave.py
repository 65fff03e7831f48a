"""Times commands interleaved: one run of each command in turn, round after round.

hyperfine runs each command's repetitions back to back, so a cost one command leaves
behind (18 MB of output written back to disk, a cache evicted) lands on its own next run
or on the next command's first runs. Taking turns spreads such costs evenly, which is
how a build loop calling several tools sees them.

    python3 interleave.py OUT.json [--runs N] [--warmup N] [--prepare CMD] \\
        -n NAME COMMAND [-n NAME COMMAND ...]

COMMAND is split like a shell word list (no shell runs it: nothing is added to its time);
leading NAME=VALUE words set environment variables. Writes hyperfine's JSON shape
(`results[].command`, `results[].times` in seconds) plus each run's peak resident set
size (`max_rss_kib`, from wait4).
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time


def parse(command):
    words = shlex.split(command)
    env = dict(os.environ)
    while words and "=" in words[0] and not words[0].startswith("="):
        key, _, value = words.pop(0).partition("=")
        if not key.replace("_", "").isalnum():
            words.insert(0, f"{key}={value}")
            break
        env[key] = value
    return words, env


def run_once(words, env):
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        start = time.perf_counter_ns()
        pid = os.posix_spawnp(
            words[0],
            words,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 0),
                (os.POSIX_SPAWN_DUP2, devnull, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2),
            ],
        )
        _, status, usage = os.wait4(pid, 0)
        elapsed = (time.perf_counter_ns() - start) / 1e9
    finally:
        os.close(devnull)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"interleave.py: `{shlex.join(words)}` exited with {code}")
    return elapsed, usage.ru_maxrss


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--prepare")
    p.add_argument("-n", nargs=2, action="append", metavar=("NAME", "COMMAND"), required=True)
    args = p.parse_args()
    commands = [(name, *parse(cmd)) for name, cmd in args.n]
    times = {name: [] for name, _, _ in commands}
    rss = {name: [] for name, _, _ in commands}
    for round_ in range(args.warmup + args.runs):
        for name, words, env in commands:
            if args.prepare:
                subprocess.run(args.prepare, shell=True, check=True)
            elapsed, peak = run_once(words, env)
            if round_ >= args.warmup:
                times[name].append(elapsed)
                rss[name].append(peak)
    results = []
    for name, words, _ in commands:
        t = times[name]
        results.append(
            {
                "command": name,
                "argv": words,
                "times": t,
                "median": statistics.median(t),
                "mean": statistics.fmean(t),
                "min": min(t),
                "max": max(t),
                "max_rss_kib": rss[name],
            }
        )
        print(f"  {name:<32} median {statistics.median(t) * 1000:8.2f} ms  "
              f"(min {min(t) * 1000:.2f}, max {max(t) * 1000:.2f}, {len(t)} runs)")
    with open(args.out, "w") as f:
        json.dump({"mode": "interleaved", "results": results}, f, indent=1)


if __name__ == "__main__":
    main()
