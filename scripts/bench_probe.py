"""The Python reference probe for the benchmarks: terok_sandbox.setup_stamp's
``needs_setup()`` doing its real work on the real libraries.

It imports what the reference module and its path resolver import (json,
importlib.metadata, packaging.version, platformdirs, ruamel.yaml) at start-up,
resolves the stamp path through the same stack (TEROK_ROOT, else the layered
``config.yml`` read with ruamel.yaml, else platformdirs; SPEC.md section 4),
and reads versions with ``importlib.metadata.version`` over ``sys.path`` as
the interpreter set it up (PYTHONPATH first). Nothing is warmed up and
nothing is cross-checked: this is the cost a terok start-up pays.

    python bench_probe.py check       # one needs_setup(); exit 0 ok, 3, 4
    python bench_probe.py sys-path    # print sys.path, one entry a line
    python bench_probe.py profile N   # JSON: import, first and repeated calls

scripts/bench runs it side by side with ``setup-stamp check``.
"""

import time

_T0 = time.perf_counter()
_C0 = time.process_time()

import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from enum import Enum  # noqa: E402
from importlib.metadata import PackageNotFoundError  # noqa: E402
from importlib.metadata import version as _meta_version  # noqa: E402
from pathlib import Path  # noqa: E402

from packaging.version import InvalidVersion, Version  # noqa: E402
from platformdirs import user_config_dir, user_data_dir  # noqa: E402
from ruamel.yaml import YAML  # noqa: E402

_IMPORT_SECONDS = time.perf_counter() - _T0
_IMPORT_CPU_SECONDS = time.process_time() - _C0

# ── the state root (terok_util.paths; SPEC.md section 4) ──────────────


def _real_root() -> bool:
    if os.geteuid() != 0:
        return False
    try:
        with open("/proc/self/uid_map", encoding="ascii") as fh:
            rows = [line.split() for line in fh if line.split()]
    except OSError:
        return True
    return rows == [["0", "0", "4294967295"]]


def _config_files() -> list:
    env = os.getenv("TEROK_CONFIG_FILE")
    if env:
        return [Path(env).expanduser()]
    files = [Path("/etc/terok/config.yml")]
    if not _real_root():
        files.append(Path(user_config_dir("terok")) / "config.yml")
    return files


def _layer(path: Path) -> dict:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) if path.is_file() else None
    data = data or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: top-level value must be a mapping")
    return data


def _merge(base: dict, over: dict) -> dict:
    merged: dict = {}
    for key in set(base) | set(over):
        if key not in over:
            merged[key] = base[key]
            continue
        value = over[key]
        if value is None:
            continue
        if value == "_inherit":
            if key in base:
                merged[key] = base[key]
            continue
        lower = base.get(key)
        if isinstance(value, dict) and value.get("_inherit") is True:
            value = {k: v for k, v in value.items() if k != "_inherit"}
            merged[key] = _merge(lower, value) if isinstance(lower, dict) else value
        elif isinstance(value, dict) and isinstance(lower, dict):
            merged[key] = _merge(lower, value)
        elif isinstance(value, list) and isinstance(lower, list) and "_inherit" in value:
            merged[key] = [x for item in value for x in (lower if item == "_inherit" else [item])]
        else:
            merged[key] = value
    return merged


def _paths_section() -> dict:
    try:
        wrapper: dict = {}
        for data in [_layer(path) for path in _config_files()]:
            if "paths" in data:
                wrapper = _merge(wrapper, {"paths": data["paths"]})
        section = wrapper.get("paths", {})
        if not isinstance(section, dict):
            return {}
        return {k: str(v) for k, v in section.items() if v is not None}
    except Exception:  # noqa: BLE001 — all-or-nothing, as the reference
        return {}


def namespace_state_dir() -> Path:
    env = os.getenv("TEROK_ROOT")
    if env:
        return Path(env).expanduser()
    root = _paths_section().get("root")
    if root:
        return Path(root).expanduser().resolve()
    if _real_root():
        return Path("/var/lib/terok")
    return Path(user_data_dir("terok"))


# ── terok_sandbox.setup_stamp: the read side, as published ────────────


class SetupVerdict(Enum):
    OK = "ok"
    FIRST_RUN = "first_run"
    STALE_AFTER_UPDATE = "stale_after_update"
    STALE_AFTER_DOWNGRADE = "stale_after_downgrade"
    STAMP_CORRUPT = "stamp_corrupt"


_TRACKED = ("terok", "terok-executor", "terok-sandbox", "terok-shield", "terok-clearance")


def stamp_path() -> Path:
    return namespace_state_dir() / "setup.stamp"


def _installed_versions() -> dict:
    out = {}
    for pkg in _TRACKED:
        with contextlib.suppress(PackageNotFoundError):
            out[pkg] = _meta_version(pkg)
    return out


def _read_stamp(path: Path) -> dict:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError("stamp root is not an object")
    if raw.get("version") != 1:
        raise ValueError("unsupported stamp schema version")
    pkgs = raw.get("packages")
    if not isinstance(pkgs, dict):
        raise ValueError("stamp packages is not an object")
    return {str(k): str(v) for k, v in pkgs.items()}


def _compare_versions(a: str, b: str) -> int:
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        return (a > b) - (a < b)
    return (va > vb) - (va < vb)


def _compare(stamped: dict, installed: dict) -> SetupVerdict:
    saw_update = False
    for pkg, stamp_ver in stamped.items():
        if pkg not in installed:
            return SetupVerdict.STALE_AFTER_DOWNGRADE
        cmp = _compare_versions(installed[pkg], stamp_ver)
        if cmp < 0:
            return SetupVerdict.STALE_AFTER_DOWNGRADE
        if cmp > 0:
            saw_update = True
    return SetupVerdict.STALE_AFTER_UPDATE if saw_update else SetupVerdict.OK


def needs_setup() -> SetupVerdict:
    path = stamp_path()
    if not path.exists():
        return SetupVerdict.FIRST_RUN
    if not path.is_file():
        return SetupVerdict.STAMP_CORRUPT
    try:
        stamped = _read_stamp(path)
    except (OSError, json.JSONDecodeError, ValueError):
        return SetupVerdict.STAMP_CORRUPT
    return _compare(stamped, _installed_versions())


# ── the command line ──────────────────────────────────────────────────

_EXIT = {SetupVerdict.OK: 0, SetupVerdict.STALE_AFTER_DOWNGRADE: 4}


def _profile(repeat: int) -> dict:
    """Import time, the first needs_setup() and the median of later ones,
    in wall time and in CPU time (``process_time``: user + system)."""
    start, cpu = time.perf_counter(), time.process_time()
    verdict = needs_setup()
    first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
    samples, cpu_samples = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        needs_setup()
        samples.append(time.perf_counter() - start)
        cpu_samples.append(time.process_time() - cpu)
    samples.sort()
    cpu_samples.sort()
    return {
        "verdict": verdict.value,
        "import_ms": _IMPORT_SECONDS * 1e3,
        "import_cpu_ms": _IMPORT_CPU_SECONDS * 1e3,
        "first_call_ms": first * 1e3,
        "first_call_cpu_ms": first_cpu * 1e3,
        "repeat_median_us": samples[len(samples) // 2] * 1e6 if samples else None,
        "repeat_cpu_median_us": cpu_samples[len(cpu_samples) // 2] * 1e6 if cpu_samples else None,
        "repeat_min_us": samples[0] * 1e6 if samples else None,
        "python": sys.version.split()[0],
    }


def main(argv: list) -> int:
    command = argv[0] if argv else "check"
    if command == "check":
        verdict = needs_setup()
        print(verdict.value)
        return _EXIT.get(verdict, 3)
    if command == "sys-path":
        print("\n".join(sys.path))
        return 0
    if command == "profile":
        print(json.dumps(_profile(int(argv[1]) if len(argv) > 1 else 100)))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
