#!/usr/bin/env python3
"""Whole-process benchmark tools: build a test environment, time commands.

    bench_process.py make-site DIR N [--entries K]
        Creates DIR/site0 .. DIR/site<K-1> holding N distributions in all
        (the five tracked terok packages, in the last entry, plus N-5 fillers
        spread round-robin), each a ``<name>-<version>.dist-info`` directory
        with a METADATA file next to an import-package directory, as pip
        lays them out. Prints the site directories, one a line.

    bench_process.py make-site DIR N --venv PYTHON
        Creates a virtual environment DIR/venv from PYTHON (no pip) whose
        site-packages holds N distributions in all: packaging, platformdirs
        and ruamel.yaml copied from PYTHON's environment (what the probe
        imports), the five tracked packages and fillers. Prints its
        site-packages directory.

    bench_process.py time [--runs N] [--warmup N] [--env KEY=VALUE]...
                          [--json FILE] [--expect-exit C]
                          -- NAME CMD... -- NAME CMD...
        Times whole processes side by side. Each command is started with
        os.posix_spawn (no shell, stdout and stderr to /dev/null) and reaped
        with os.wait4, which gives the child's own peak RSS and CPU times.
        The commands run interleaved (A, B, A, B, ...) so that machine noise
        hits both alike. Prints one line per command and the ratio of each
        median to the first command's; with --json, writes the figures too.
        With --expect-exit, any run that exits otherwise is an error.

    bench_process.py calibrate SMALL_FILE SMALL_DIR BIG_DIR
        Prints, as JSON, what this kernel charges for one system call, for
        reading a small file, and for listing a directory (per listing and
        per entry), measured by a C helper: the cost model's constants.

    bench_process.py summarize OUT [--criterion DIR] [--criterion-cpu DIR]
        Markdown tables from the files scripts/bench leaves in OUT (and from
        criterion's runs under DIR: wall time, and thread CPU time).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

TRACKED = (
    ("terok", "0.7.2"),
    ("terok-executor", "0.3.1"),
    ("terok-sandbox", "0.6.0"),
    ("terok-shield", "0.2.4"),
    ("terok-clearance", "0.1.9"),
)


# ── make-site ─────────────────────────────────────────────────────────


def write_distribution(site: Path, name: str, version: str) -> None:
    """One installed distribution as pip leaves it: import package + dist-info."""
    module = name.replace("-", "_")
    (site / module).mkdir(exist_ok=True)
    info = site / f"{module}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\n"
        f"Name: {name}\n"
        f"Version: {version}\n"
        "Summary: benchmark filler\n"
        "Requires-Python: >=3.12\n"
        "\n"
        "A long description that nobody reads.\n",
        encoding="utf-8",
    )
    (info / "RECORD").write_text(f"{module}/__init__.py,,\n", encoding="utf-8")


def make_site(root: Path, distributions: int, entries: int) -> list[Path]:
    """Search-path directories holding `distributions` distributions in all."""
    if entries < 1:
        raise SystemExit("make-site: --entries must be at least 1")
    dirs = [root / f"site{i}" for i in range(entries)]
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
    for i in range(max(0, distributions - len(TRACKED))):
        write_distribution(dirs[i % entries], f"filler-package-{i}", f"1.{i % 7}.{i % 3}")
    for name, version in TRACKED:
        write_distribution(dirs[-1], name, version)
    return dirs


def copy_distribution(python: str, name: str, site: Path) -> int:
    """Copies an installed distribution's files from `python`'s environment."""
    import shutil
    import subprocess

    listing = subprocess.run(
        [
            python,
            "-c",
            "import importlib.metadata as m, sys\n"
            "d = m.distribution(sys.argv[1])\n"
            "print(d.locate_file(''))\n"
            "for f in d.files or []: print(f)",
            name,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    base, files = Path(listing[0]), listing[1:]
    copied = 0
    for rel in files:
        source = base / rel
        if ".." in Path(rel).parts or not source.is_file():
            continue
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    return copied


REFERENCE_LIBRARIES = ("packaging", "platformdirs", "ruamel.yaml")


def make_venv(root: Path, distributions: int, python: str) -> Path:
    """A venv holding the probe's libraries, the tracked five and fillers."""
    import subprocess

    venv = root / "venv"
    subprocess.run([python, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    for name in REFERENCE_LIBRARIES:
        copy_distribution(python, name, site)
    fillers = max(0, distributions - len(TRACKED) - len(REFERENCE_LIBRARIES))
    for i in range(fillers):
        write_distribution(site, f"filler-package-{i}", f"1.{i % 7}.{i % 3}")
    for name, version in TRACKED:
        write_distribution(site, name, version)
    return site


# ── time ──────────────────────────────────────────────────────────────


# A tiny static launcher measures each run. Peak RSS must come from a
# process that was not spawned straight from this interpreter: on exec,
# Linux folds the *old* address space's high-water mark into the new
# program's ru_maxrss, and after vfork/posix_spawn that old address space is
# the parent's (some 15 MiB of Python). The launcher's own address space is
# a few hundred KiB, so what it reports is the command's own peak; it also
# times the command alone, without this interpreter's spawn overhead.
LAUNCHER_C = r"""
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (int fd = 0; fd < 3; fd++)
    posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", O_RDWR, 0);
  posix_spawn_file_actions_addclose(&fa, 3);
  struct timespec a, b;
  pid_t pid;
  clock_gettime(CLOCK_MONOTONIC, &a);
  if (posix_spawn(&pid, argv[1], &fa, NULL, argv + 1, environ) != 0) return 127;
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return 126;
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long ns = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  dprintf(3, "%lld %d %ld %ld %ld\n", ns, code, ru.ru_maxrss,
          ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec,
          ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec);
  return 0;
}
"""


# What the machine's kernel charges for the operations a check consists of,
# measured in C so that no language runtime is in the way: the cost model's
# constants (BENCHMARKS.md). CPU time (user + system) of the process, so that
# time spent waiting for a CPU on a busy machine does not count.
CALIBRATE_C = r"""
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}
static double listing(const char *dir, int n, long *entries) {
  double a = now();
  long e = 0;
  for (int i = 0; i < n; i++) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    while (readdir(d)) e++;
    closedir(d);
  }
  *entries = e / n;
  return (now() - a) / n;
}
int main(int argc, char **argv) {
  if (argc < 4) return 2;
  char buf[4096];
  int n = 200000;
  double a = now();
  for (int i = 0; i < n; i++) syscall(SYS_getppid);
  printf("{\"syscall_ns\": %.0f, ", (now() - a) / n);
  n = 20000;
  a = now();
  for (int i = 0; i < n; i++) {
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 1;
    while (read(fd, buf, sizeof buf) > 0) {}
    close(fd);
  }
  printf("\"read_small_file_ns\": %.0f, ", (now() - a) / n);
  long small, big;
  double t_small = listing(argv[2], 2000, &small);
  double t_big = listing(argv[3], 20, &big);
  printf("\"list_small_ns\": %.0f, \"list_small_entries\": %ld, ", t_small, small);
  printf("\"list_big_ns\": %.0f, \"list_big_entries\": %ld, ", t_big, big);
  printf("\"per_entry_ns\": %.1f}\n", (t_big - t_small) / (double)(big - small));
  return 0;
}
"""


def build_c(directory: Path, name: str, text: str) -> Path | None:
    """Compiles a C helper (static if possible); None without a C compiler."""
    directory.mkdir(parents=True, exist_ok=True)
    source = directory / f"{name}.c"
    binary = directory / name
    if binary.exists() and source.exists() and source.read_text() == text:
        return binary
    source.write_text(text)
    for flags in (["-static"], []):
        try:
            code = os.spawnvp(os.P_WAIT, "cc", ["cc", "-O2", *flags, "-o", str(binary), str(source)])
        except OSError:
            return None
        if code == 0:
            return binary
    return None


def build_launcher(directory: Path) -> Path | None:
    """The launcher; None without a C compiler."""
    return build_c(directory, "launcher", LAUNCHER_C)


def run_once(argv: list[str], env: dict[str, str], launcher: Path | None) -> tuple[float, int, int, float]:
    """Runs argv once; returns (wall s, exit status, peak RSS KiB, CPU s)."""
    if launcher is None:
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            actions = [(os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)]
            start = time.perf_counter()
            pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
            _, status, usage = os.wait4(pid, 0)
            wall = time.perf_counter() - start
        finally:
            os.close(devnull)
        cpu = usage.ru_utime + usage.ru_stime
        return wall, os.waitstatus_to_exitcode(status), usage.ru_maxrss, cpu
    read_end, write_end = os.pipe()
    try:
        pid = os.posix_spawn(
            str(launcher), [str(launcher), *argv], env, file_actions=[(os.POSIX_SPAWN_DUP2, write_end, 3)]
        )
        os.close(write_end)
        write_end = -1
        with os.fdopen(read_end, "rb") as pipe:
            read_end = -1
            report = pipe.read().split()
        _, status = os.waitpid(pid, 0)
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)
    if os.waitstatus_to_exitcode(status) != 0 or len(report) != 5:
        raise SystemExit(f"time: cannot run {argv[0]}")
    ns, code, rss, user, system = (int(x) for x in report)
    return ns / 1e9, code, rss, (user + system) / 1e6


def parse_commands(rest: list[str]) -> list[tuple[str, list[str]]]:
    commands: list[tuple[str, list[str]]] = []
    current: list[str] = []
    for word in rest + ["--"]:
        if word == "--":
            if current:
                if len(current) < 2:
                    raise SystemExit(f"time: command {current[0]!r} has no argv")
                commands.append((current[0], current[1:]))
            current = []
        else:
            current.append(word)
    return commands


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    index = max(0, min(len(samples) - 1, round(p * (len(samples) - 1))))
    return samples[index]


def time_commands(args: argparse.Namespace, rest: list[str]) -> int:
    commands = parse_commands(rest)
    if not commands:
        raise SystemExit("time: no commands given")
    env = dict(os.environ)
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value

    launcher = None if args.no_launcher else build_launcher(Path(args.launcher_dir))
    if launcher is None:
        print("time: no launcher (no C compiler?); peak RSS includes this interpreter's", file=sys.stderr)

    for _ in range(args.warmup):
        for _, argv in commands:
            run_once(argv, env, launcher)

    walls: dict[str, list[float]] = {name: [] for name, _ in commands}
    cpus: dict[str, list[float]] = {name: [] for name, _ in commands}
    rss: dict[str, list[int]] = {name: [] for name, _ in commands}
    codes: dict[str, set[int]] = {name: set() for name, _ in commands}
    for _ in range(args.runs):
        for name, argv in commands:
            wall, code, peak, cpu = run_once(argv, env, launcher)
            walls[name].append(wall)
            cpus[name].append(cpu)
            rss[name].append(peak)
            codes[name].add(code)

    figures: dict[str, dict] = {}
    for name, argv in commands:
        samples = sorted(walls[name])
        figures[name] = {
            "argv": argv,
            "runs": len(samples),
            "median_ms": statistics.median(samples) * 1e3,
            "min_ms": samples[0] * 1e3,
            "p10_ms": percentile(samples, 0.1) * 1e3,
            "p90_ms": percentile(samples, 0.9) * 1e3,
            "cpu_median_ms": statistics.median(cpus[name]) * 1e3,
            "peak_rss_kib": max(rss[name]),
            "median_rss_kib": statistics.median(rss[name]),
            "exit_codes": sorted(codes[name]),
        }
        f = figures[name]
        print(
            f"{name:>20}: median {f['median_ms']:9.3f} ms  min {f['min_ms']:9.3f}  "
            f"p90 {f['p90_ms']:9.3f}  cpu {f['cpu_median_ms']:8.3f} ms  "
            f"peak RSS {f['peak_rss_kib'] / 1024:6.2f} MiB  exit {f['exit_codes']}"
        )
    pairs = [tuple(r.split("/", 1)) for r in args.ratio] or [(name, commands[0][0]) for name, _ in commands[1:]]
    ratios = {}
    for top, bottom in pairs:
        if top not in figures or bottom not in figures:
            raise SystemExit(f"time: --ratio {top}/{bottom} names an unknown command")
        ratio = figures[top]["median_ms"] / figures[bottom]["median_ms"]
        ratios[f"{top}/{bottom}"] = ratio
        print(f"{'ratio':>20}: {top} / {bottom} = {ratio:.1f}x (medians, same run)")
    result = {
        "commands": figures,
        "ratios": ratios,
        "runs": args.runs,
        "warmup": args.warmup,
        "launcher": launcher is not None,
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2)
    if args.expect_exit is not None:
        bad = [name for name in figures if figures[name]["exit_codes"] != [args.expect_exit]]
        if bad:
            print(f"time: unexpected exit codes from {', '.join(bad)}", file=sys.stderr)
            return 1
    return 0


# ── summarize ─────────────────────────────────────────────────────────


def strace_total(path: Path) -> int | None:
    """Total number of system calls in an `strace -c` summary."""
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        fields = line.split()
        if fields and fields[-1] == "total":
            numbers = [f for f in fields[:-1] if f.replace(".", "").isdigit()]
            # columns: % time, seconds, usecs/call, calls, errors
            return int(numbers[3]) if len(numbers) >= 4 else int(numbers[-1])
    return None


def criterion_medians(root: Path) -> dict[str, float]:
    """Median point estimates (ns) of the last criterion run, by benchmark id."""
    medians = {}
    for estimates in root.glob("**/new/estimates.json"):
        bench_id = str(estimates.parent.parent.relative_to(root))
        medians[bench_id] = json.loads(estimates.read_text())["median"]["point_estimate"]
    return medians


def duration(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def criterion_tables(wall: dict[str, float], cpu: dict[str, float]) -> list[str]:
    """The library benchmarks: needs_setup next to its floors, and the parts."""

    def cell(medians: dict[str, float], key: str) -> str:
        return duration(medians[key]) if key in medians else "–"

    lines = [
        "## In process: the library (criterion medians; wall time / thread CPU time)",
        "",
        "`needs_setup`: repeated calls, listings cached while the directories are unchanged. "
        "`needs_setup_cold`: every call lists afresh, as a `setup-stamp check` process does.",
        "",
        "| search path | distributions | `needs_setup` | `needs_setup_cold` | `io_floor` | `list_dirs` "
        "| cold / `io_floor` (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for entries in (1, 5):
        for n in (50, 1000, 10000):
            group = f"{entries}-entries"
            names = ("needs_setup", "needs_setup_cold", "io_floor", "list_dirs")
            keys = [f"{group}/{name}/{n}" for name in names]
            if keys[0] not in wall and keys[0] not in cpu:
                continue
            cells = [f"{cell(wall, k)} / {cell(cpu, k)}" for k in keys]
            over = f"{cpu[keys[1]] / cpu[keys[2]]:.2f}×" if keys[1] in cpu and keys[2] in cpu else "–"
            lines.append(f"| {entries} dir{'s' if entries > 1 else ''} | {n:,} | " + " | ".join(cells) + f" | {over} |")
    lines += ["", "| benchmark | wall | CPU |", "|---|---:|---:|"]
    for bench_id in sorted(set(wall) | set(cpu)):
        if bench_id.split("/")[0] in ("1-entries", "5-entries"):
            continue
        lines.append(f"| `{bench_id}` | {cell(wall, bench_id)} | {cell(cpu, bench_id)} |")
    return lines + [""]


def summarize(out: Path, criterion: Path | None = None, criterion_cpu: Path | None = None) -> str:
    """The markdown tables that BENCHMARKS.md quotes, from scripts/bench's files."""
    work = out / "work"
    lines = ["## Machine", "", "```"]
    lines += (out / "machine.txt").read_text().splitlines()
    lines += ["```", ""]
    sizes = sorted((int(d.name) for d in work.iterdir() if d.name.isdigit()))
    lines += [
        "## Whole process: `setup-stamp check` vs the Python probe (medians, same run)",
        "",
        "Each size is a virtual environment whose site-packages holds that many distributions. "
        "`--sys-path`: our search path is the probe's `sys.path`, given outright. "
        "`--python`: the environment found from the venv (`pyvenv.cfg`, `.pth` files; no process started).",
        "",
        "| distributions | `--sys-path` | p90 | `--python` | Python probe | p90 "
        "| ratio (`--sys-path`) | ratio (`--python`) | `/bin/true` |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rss_rows = []
    for n in sizes:
        data = json.loads((work / str(n) / "process.json").read_text())
        cmds = data["commands"]
        ours, venv, theirs, floor = (cmds.get(k) for k in ("setup-stamp", "setup-stamp-venv", "python-probe", "floor"))
        ratios = data["ratios"]
        lines.append(
            f"| {n:,} | {ours['median_ms']:.2f} ms | {ours['p90_ms']:.2f} ms | "
            + (f"{venv['median_ms']:.2f} ms | " if venv else "– | ")
            + f"{theirs['median_ms']:.1f} ms | {theirs['p90_ms']:.1f} ms | "
            f"**{ratios['python-probe/setup-stamp']:.0f}×** | "
            + (f"**{ratios['python-probe/setup-stamp-venv']:.0f}×** | " if venv else "– | ")
            + (f"{floor['median_ms']:.2f} ms |" if floor else "– |")
        )
        rss_rows.append(
            f"| {n:,} | {ours['peak_rss_kib'] / 1024:.2f} MiB | "
            + (f"{venv['peak_rss_kib'] / 1024:.2f} MiB | " if venv else "– | ")
            + f"{theirs['peak_rss_kib'] / 1024:.1f} MiB | "
            + (f"{floor['peak_rss_kib'] / 1024:.2f} MiB |" if floor else "– |")
        )
    lines += [
        "",
        "CPU time of the same runs (user + system from `wait4`; unlike wall time it does not count "
        "waiting for a CPU on a busy machine), and the fastest wall time:",
        "",
        "| distributions | `--sys-path` CPU | `--python` CPU | Python probe CPU | ratio (`--sys-path`) "
        "| ratio (`--python`) | `/bin/true` CPU | min wall: `--sys-path` / `--python` / probe |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes:
        cmds = json.loads((work / str(n) / "process.json").read_text())["commands"]
        ours, venv, theirs, floor = (cmds.get(k) for k in ("setup-stamp", "setup-stamp-venv", "python-probe", "floor"))
        lines.append(
            f"| {n:,} | {ours['cpu_median_ms']:.2f} ms | "
            + (f"{venv['cpu_median_ms']:.2f} ms | " if venv else "– | ")
            + f"{theirs['cpu_median_ms']:.1f} ms | "
            f"**{theirs['cpu_median_ms'] / ours['cpu_median_ms']:.0f}×** | "
            + (f"**{theirs['cpu_median_ms'] / venv['cpu_median_ms']:.0f}×** | " if venv else "– | ")
            + (f"{floor['cpu_median_ms']:.2f} ms | " if floor else "– | ")
            + f"{ours['min_ms']:.2f} / " + (f"{venv['min_ms']:.2f}" if venv else "–") + f" / {theirs['min_ms']:.1f} ms |"
        )
    lines += [
        "",
        "Peak RSS (largest of all runs):",
        "",
        "| distributions | `--sys-path` | `--python` | Python probe | `/bin/true` |",
        "|---:|---:|---:|---:|---:|",
        *rss_rows,
    ]
    config = work / "config-process.json"
    if config.exists():
        data = json.loads(config.read_text())
        ours = data["commands"]["setup-stamp"]
        theirs = data["commands"]["python-probe"]
        lines += [
            "",
            f"Stamp path from a `config.yml` (no `TEROK_ROOT`), {sizes[0]:,} distributions: "
            f"setup-stamp {ours['median_ms']:.2f} ms, peak RSS {ours['peak_rss_kib'] / 1024:.2f} MiB; "
            f"Python probe {theirs['median_ms']:.1f} ms; "
            f"ratio **{data['ratios']['python-probe/setup-stamp']:.0f}×** "
            f"(CPU {ours['cpu_median_ms']:.2f} ms vs {theirs['cpu_median_ms']:.1f} ms, "
            f"**{theirs['cpu_median_ms'] / ours['cpu_median_ms']:.0f}×**).",
        ]
    calibration = work / "calibration.json"
    if calibration.exists():
        k = json.loads(calibration.read_text())
        lines += [
            "",
            "## What the kernel charges here (C, no runtime, CPU time: `bench_process.py calibrate`)",
            "",
            "| operation | cost |",
            "|---|---:|",
            f"| one system call (`getppid`) | {k['syscall_ns']:.0f} ns |",
            f"| open, read to EOF and close a small file (METADATA) | {k['read_small_file_ns'] / 1e3:.1f} µs |",
            f"| list a directory of {k['list_small_entries']} entries | {k['list_small_ns'] / 1e3:.1f} µs |",
            f"| list a directory of {k['list_big_entries']:,} entries | {k['list_big_ns'] / 1e6:.2f} ms |",
            f"| each further directory entry | {k['per_entry_ns']:.0f} ns |",
        ]
    lines += [
        "",
        "## The Python probe in process (median of 5 fresh processes; wall / CPU)",
        "",
        "| distributions | imports | first `needs_setup()` | later calls (median) |",
        "|---:|---:|---:|---:|",
    ]
    for n in sizes:
        rows = [json.loads(x) for x in (work / str(n) / "probe-profile.jsonl").read_text().splitlines() if x]

        def med(key: str, rows: list = rows) -> float | None:
            values = [r[key] for r in rows if r.get(key) is not None]
            return statistics.median(values) if values else None

        def pair(wall: float | None, cpu: float | None, unit: str, digits: int) -> str:
            text = f"{wall:.{digits}f}" if wall is not None else "–"
            return text + (f" / {cpu:.{digits}f}" if cpu is not None else "") + f" {unit}"

        lines.append(
            f"| {n:,} | {pair(med('import_ms'), med('import_cpu_ms'), 'ms', 1)} | "
            f"{pair(med('first_call_ms'), med('first_call_cpu_ms'), 'ms', 2)} | "
            f"{pair(med('repeat_median_us'), med('repeat_cpu_median_us'), 'µs', 0)} |"
        )
    lines += [
        "",
        "## System calls per process (`strace -f -c`)",
        "",
        "| distributions | `--sys-path` | `--python` | Python probe |",
        "|---:|---:|---:|---:|",
    ]
    for n in sizes:
        counts = [
            strace_total(work / str(n) / name)
            for name in ("strace-summary.txt", "strace-venv-summary.txt", "strace-probe-summary.txt")
        ]
        lines.append(f"| {n:,} | " + " | ".join("–" if c is None else str(c) for c in counts) + " |")
    wall = criterion_medians(criterion) if criterion is not None and criterion.is_dir() else {}
    cpu = criterion_medians(criterion_cpu) if criterion_cpu is not None and criterion_cpu.is_dir() else {}
    if wall or cpu:
        lines += [""] + criterion_tables(wall, cpu)
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    site = sub.add_parser("make-site", help="generate search-path directories")
    site.add_argument("dir", type=Path)
    site.add_argument("distributions", type=int)
    site.add_argument("--entries", type=int, default=1)
    site.add_argument("--venv", metavar="PYTHON", help="build a virtual environment from this interpreter")
    timer = sub.add_parser("time", help="time commands side by side")
    timer.add_argument("--runs", type=int, default=200)
    timer.add_argument("--warmup", type=int, default=20)
    timer.add_argument("--env", action="append", default=[], help="KEY=VALUE for the children")
    timer.add_argument("--json", help="also write the figures to this file")
    timer.add_argument(
        "--ratio", action="append", default=[], metavar="A/B", help="print median(A)/median(B) (default: each / first)"
    )
    timer.add_argument(
        "--launcher-dir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "setup-stamp-bench")
    )
    timer.add_argument("--no-launcher", action="store_true", help="spawn directly (RSS is then wrong)")
    timer.add_argument("--expect-exit", type=int, help="fail unless every run exits with this")
    summary = sub.add_parser("summarize", help="markdown tables from scripts/bench's output")
    summary.add_argument("out", type=Path)
    summary.add_argument("--criterion", type=Path, help="also tabulate criterion's last run from this directory")
    summary.add_argument("--criterion-cpu", type=Path, help="the same, timed by thread CPU time")
    calibrate = sub.add_parser("calibrate", help="kernel costs of a check's operations (JSON)")
    calibrate.add_argument("small_file", type=Path)
    calibrate.add_argument("small_dir", type=Path)
    calibrate.add_argument("big_dir", type=Path)
    calibrate.add_argument("--helper-dir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "setup-stamp-bench"))
    args, rest = parser.parse_known_args()
    if args.command == "calibrate":
        helper = build_c(Path(args.helper_dir), "calibrate", CALIBRATE_C)
        if helper is None:
            raise SystemExit("calibrate: no C compiler")
        return os.spawnv(os.P_WAIT, str(helper), [str(helper), str(args.small_file), str(args.small_dir), str(args.big_dir)])
    if args.command == "summarize":
        print(summarize(args.out, args.criterion, args.criterion_cpu), end="")
        return 0
    if args.command == "make-site":
        if rest:
            parser.error(f"unexpected arguments: {rest}")
        if args.venv:
            print(make_venv(args.dir, args.distributions, args.venv))
            return 0
        for d in make_site(args.dir, args.distributions, args.entries):
            print(d)
        return 0
    if rest and rest[0] == "--":
        rest = rest[1:]
    return time_commands(args, rest)


if __name__ == "__main__":
    sys.exit(main())
