#!/usr/bin/env python3
"""Time whole processes side by side and report medians, ratio and peak RSS.

Usage: bench_process.py --runs N --warmup N --env KEY=VALUE ... -- NAME CMD... -- NAME CMD...

Each command is started with os.posix_spawn (no shell) and reaped with
os.wait4, which gives the child's own peak RSS. The commands run
interleaved (A, B, A, B, ...) so that machine noise hits both alike.
Prints one line per command and the ratio of the medians; with --json,
writes the figures as JSON to that file as well.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Runs argv once; returns (wall seconds, exit status, peak RSS in KiB)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        actions = [
            (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2),
        ]
        start = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - start
    finally:
        os.close(devnull)
    return wall, os.waitstatus_to_exitcode(status), usage.ru_maxrss


def parse_commands(rest: list[str]) -> list[tuple[str, list[str]]]:
    commands: list[tuple[str, list[str]]] = []
    current: list[str] = []
    for word in rest + ["--"]:
        if word == "--":
            if current:
                commands.append((current[0], current[1:]))
            current = []
        else:
            current.append(word)
    return commands


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the children")
    parser.add_argument("--json", help="also write the figures to this file")
    args, rest = parser.parse_known_args()
    if rest and rest[0] == "--":
        rest = rest[1:]
    commands = parse_commands(rest)
    if not commands:
        parser.error("no commands given")

    env = dict(os.environ)
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value

    for _ in range(args.warmup):
        for _, argv in commands:
            run_once(argv, env)

    walls: dict[str, list[float]] = {name: [] for name, _ in commands}
    rss: dict[str, int] = {name: 0 for name, _ in commands}
    codes: dict[str, set[int]] = {name: set() for name, _ in commands}
    for _ in range(args.runs):
        for name, argv in commands:
            wall, code, peak = run_once(argv, env)
            walls[name].append(wall)
            rss[name] = max(rss[name], peak)
            codes[name].add(code)

    figures = {}
    for name, _ in commands:
        samples = sorted(walls[name])
        figures[name] = {
            "median_ms": statistics.median(samples) * 1e3,
            "min_ms": samples[0] * 1e3,
            "p90_ms": samples[int(len(samples) * 0.9) - 1] * 1e3,
            "peak_rss_kib": rss[name],
            "exit_codes": sorted(codes[name]),
        }
        f = figures[name]
        print(
            f"{name:>24}: median {f['median_ms']:8.3f} ms  min {f['min_ms']:8.3f} ms  "
            f"p90 {f['p90_ms']:8.3f} ms  peak RSS {f['peak_rss_kib'] / 1024:6.2f} MiB  "
            f"exit {f['exit_codes']}"
        )
    if len(commands) >= 2:
        base = commands[0][0]
        for name, _ in commands[1:]:
            ratio = figures[name]["median_ms"] / figures[base]["median_ms"]
            print(f"{'ratio':>24}: {name} / {base} = {ratio:.1f}x")
            figures[f"ratio {name}/{base}"] = ratio
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(figures, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
