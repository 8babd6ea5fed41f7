"""Differential test: the extension against the pure-Python reference, in one interpreter.

For each scenario (a set of installed distributions and a stamp file) both
modules run against the same fake ``site-packages`` on ``sys.path`` and the
same ``TEROK_ROOT``; their outcomes must be identical: the verdict (or the
exception type), ``read_stamp``'s result (or exception type and text),
``installed_versions()`` and the bytes ``write_stamp()`` writes.

Two sets of scenarios: the core differential suite's
(``tests/differential/scenarios.py``, run here in-process instead of through
the CLI, for those that need no other user, user namespace or interpreter),
and a seeded generator of installed sets crossed with good and bad stamps.
The reference is ``tests/differential/reference.py`` (see
``conftest.load_reference``); ``SETUP_STAMP_SCENARIOS`` may name another
``scenarios.py``.
"""

from __future__ import annotations

import importlib.util
import json
import random
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

import setup_stamp
from binding_support import REPO_ROOT, FakeSite

TRACKED = list(setup_stamp._TRACKED_PACKAGES)

VERSIONS = [
    "0.6", "0.6.0", "x", "1.0", "1.0.0", "v1.0", "1", "1.0a1", "1.0.dev0", "1.0.post1",
    "1.0rc1", "1.0RC1", "1!0.1", "2.0", "1.0+abc", "1.0+ABC", "1.0+1", " 1.0 ", "1.0_1",
    "", "1.99999999999999999999", "1.99999999999999999998", "0.0.95", "0.0.96", "0.0.90",
    "1.0\u00a0", "1.0\u200b", "01.02", "1.2", "None", "True", "1e+16", "é",
]

JSON_VALUES = ["1", "1.5", "true", "false", "null", "[1, \"a\"]", '{"a": 1}', "1e16", "-0", "1e400"]

CORRUPT = [
    b"",
    b"not json",
    b"[]",
    b'{"version": 2, "packages": {}}',
    b'{"version": "1", "packages": {}}',
    b'{"version": 1, "packages": []}',
    b'{"version": 1}',
    b'{"version": 1, "packages": {"terok": "1.0"}',
    b'{"version": 1, "packages": {"terok": "1.0"}} trailing',
    b'\xef\xbb\xbf{"version": 1, "packages": {}}',
    b'{"version": 1, "packages": {"terok": "\xff"}}',
    b'{"version": 1, "packages": {"terok": "a\x01"}}',
    b'{"version": NaN, "packages": {}}',
    b'{"version": 1.0000000000000002, "packages": {}}',
    b'{"version": 1, "packages": {"terok": nan}}',
    b"\x0c{}",
]


def _stamp_document(rng: random.Random, installed: dict) -> bytes:
    if rng.random() < 0.35:
        # Derived from the install: same or older versions (update / ok).
        members = [
            f"{json.dumps(name)}: {json.dumps(version if rng.random() < 0.6 else '0.0.1')}"
            for name, version in installed.items()
            if version is not None and rng.random() < 0.8
        ]
        rng.shuffle(members)
        return ('{"version": 1, "packages": {' + ", ".join(members) + "}}").encode("utf-8")
    names = [n for n in TRACKED + ["Terok", "terok_sandbox", "other"] if rng.random() < 0.45]
    rng.shuffle(names)
    members = []
    for name in names:
        roll = rng.random()
        if roll < 0.35 and installed.get(name) is not None:
            members.append(f"{json.dumps(name)}: {json.dumps(installed[name])}")
        elif roll < 0.9:
            members.append(f"{json.dumps(name)}: {json.dumps(rng.choice(VERSIONS))}")
        else:
            members.append(f"{json.dumps(name)}: {rng.choice(JSON_VALUES)}")
    version = rng.choice(["1", "1", "1", "1.0", "true", "1e0"])
    fields = [f'"version": {version}', f'"packages": {{{", ".join(members)}}}', '"completed_at": "x"']
    rng.shuffle(fields)
    return ("{" + ", ".join(fields) + "}").encode("utf-8")


def generated_scenarios(count: int = 160, seed: int = 20261125) -> list[dict]:
    """Seeded scenarios: installed sets crossed with good and bad stamps."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        installed = {}
        for name in TRACKED:
            if rng.random() < 0.6:
                installed[name] = None if rng.random() < 0.04 else rng.choice(VERSIONS[:25])
        roll = rng.random()
        if roll < 0.05:
            stamp = None
        elif roll < 0.2:
            stamp = rng.choice(CORRUPT)
        else:
            stamp = _stamp_document(rng, installed)
        out.append({"installed": installed, "stamp": stamp})
    return out


def load_core_scenarios() -> list[dict]:
    """The core differential suite's scenarios that can run in this process.

    Left out: runs as another user or in a user namespace, runs through a
    virtual environment's interpreter, and trees with sockets or venvs.
    """
    location = os.environ.get("SETUP_STAMP_SCENARIOS") or str(
        REPO_ROOT / "tests" / "differential" / "scenarios.py"
    )
    if not Path(location).is_file():
        return []
    spec = importlib.util.spec_from_file_location("setup_stamp_scenarios", location)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [
        sc
        for sc in module.generate()
        if sc.get("user") is None
        and sc.get("python") is None
        and all(f["type"] in ("file", "dir", "symlink", "fifo", "zip", "chmod") for f in sc["files"])
    ]


CORE_SCENARIOS = load_core_scenarios()

#: Kinds whose verdict differs on purpose (SPEC-DIFFERENCES.md): the core
#: suite's ``EXPECTED_DIFFERENCES``. ``read_stamp`` still agrees on large stamps.
VERDICT_DIFFERS = {"deep_nesting_beyond_python", "deep_nesting_beyond_ours", "large_stamp"}
READ_DIFFERS = {"deep_nesting_beyond_python", "deep_nesting_beyond_ours"}
REAL_PLACES = ("/var/lib/terok", "/etc/terok")


def build_tree(sc: dict, root: Path) -> None:
    """Create a core scenario's files under *root*."""
    root.mkdir()
    for sub in ("cwd", "home", "xdg-data", "xdg-config"):
        (root / sub).mkdir()
    modes = []
    for entry in sc["files"]:
        path = root / entry["path"]
        kind = entry["type"]
        if kind == "chmod":
            modes.append((path, entry["mode"]))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "file":
            path.write_bytes(entry["data"].replace(b"@ROOT@", str(root).encode()))
        elif kind == "dir":
            path.mkdir(parents=True, exist_ok=True)
        elif kind == "symlink":
            path.symlink_to(entry["target"].replace("{root}", str(root)))
        elif kind == "fifo":
            os.mkfifo(path)
        elif kind == "zip":
            with zipfile.ZipFile(path, "w") as archive:
                for name, data in entry["members"]:
                    archive.writestr(name, data)
        if entry.get("mode") is not None:
            modes.append((path, entry["mode"]))
    for path, mode in modes:
        path.chmod(mode)


def enter_scenario(sc: dict, root: Path, monkeypatch) -> None:
    """The scenario's environment, working directory and search path, in this process."""
    base = {
        "HOME": f"{root}/home",
        "XDG_DATA_HOME": f"{root}/xdg-data",
        "XDG_CONFIG_HOME": f"{root}/xdg-config",
        "TEROK_ROOT": f"{root}/state",
        "TEROK_CONFIG_FILE": None,
    }
    base.update(sc["env"])
    for key, value in base.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            # bytes values (non-UTF-8 environments) reach os.environ through
            # surrogateescape, which encodes them back to the same bytes.
            monkeypatch.setenv(key, os.fsdecode(value).replace("{root}", str(root)))
    monkeypatch.chdir(root / sc["cwd"])
    search = [os.fsdecode(entry).replace("{root}", str(root)) for entry in sc["search_path"]]
    # Only the scenario's entries count: drop the interpreter's own.
    monkeypatch.setattr(sys, "path", search)


def rebuild(sc: dict, root: Path) -> None:
    """A fresh copy of the scenario's tree, the working directory re-entered."""
    os.chdir(root.parent)
    shutil.rmtree(root)
    build_tree(sc, root)
    os.chdir(root / sc["cwd"])


def inside_root(path, root: Path) -> bool:
    """Whether *path* (absolute or relative to the cwd) lies under *root*."""
    return os.path.abspath(path).startswith(str(root) + os.sep)


@pytest.mark.parametrize("sc", CORE_SCENARIOS, ids=[sc["id"] for sc in CORE_SCENARIOS])
def test_core_scenario(sc, reference, tmp_path, monkeypatch) -> None:
    root = tmp_path / "root"
    build_tree(sc, root)
    enter_scenario(sc, root, monkeypatch)

    ref_path = outcome(reference.stamp_path)
    assert outcome(setup_stamp.stamp_path)[:2] == ref_path[:2], "stamp_path"
    if ref_path[0] != "ok":
        return
    path = ref_path[1]
    real = os.path.realpath(path)
    if real.startswith(REAL_PLACES):
        return
    if "versions" in sc["ops"]:
        assert outcome(setup_stamp.installed_versions)[:2] == outcome(reference.installed_versions)[:2]
    try:
        readable = path.is_file() and os.access(path, os.R_OK)
    except OSError:  # ENAMETOOLONG and the like: Path.is_file raises on 3.12
        readable = False
    if sc["kind"] not in READ_DIFFERS and readable:
        assert outcome(setup_stamp.read_stamp, path) == outcome(reference.read_stamp, path), "read_stamp"
    if "check" in sc["ops"] and sc["kind"] not in VERDICT_DIFFERS:
        assert verdict_outcome(setup_stamp.needs_setup) == verdict_outcome(reference.needs_setup)
    if "write" in sc["ops"] and inside_root(path, root):
        ours = outcome(setup_stamp.write_stamp)
        ours_bytes = path.read_bytes() if ours[0] == "ok" else None
        rebuild(sc, root)
        theirs = outcome(reference.write_stamp)
        theirs_bytes = path.read_bytes() if theirs[0] == "ok" else None
        assert ours[:2] == theirs[:2], "write_stamp"
        if ours_bytes is not None:
            assert _TIMESTAMP.sub(b"T", ours_bytes) == _TIMESTAMP.sub(b"T", theirs_bytes)
    if "clear" in sc["ops"] and inside_root(path, root):
        rebuild(sc, root)
        ours = outcome(setup_stamp.clear_stamp)[:2]
        ours_left = os.path.lexists(path)
        rebuild(sc, root)
        assert ours == outcome(reference.clear_stamp)[:2], "clear_stamp"
        assert ours_left == os.path.lexists(path)


SCENARIOS = generated_scenarios()


def outcome(func, *args):
    """``("ok", value)`` or ``("raise", exception type name, text)``."""
    try:
        value = func(*args)
    except Exception as exc:  # noqa: BLE001 — compared, not handled
        return ("raise", type(exc).__name__, str(exc))
    if isinstance(value, setup_stamp.SetupVerdict) or type(value).__name__ == "SetupVerdict":
        value = value.value
    return ("ok", value)


def verdict_outcome(func):
    """Like :func:`outcome`, exception text left out (only the type is the contract)."""
    result = outcome(func)
    return result[:2]


_TIMESTAMP = re.compile(rb'"completed_at": "[^"]*"')


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"s{i}" for i in range(len(SCENARIOS))])
def test_extension_matches_reference(scenario, reference, tmp_path, monkeypatch) -> None:
    site = FakeSite(tmp_path / "site")
    site.root.mkdir()
    site.install_all(scenario["installed"])
    monkeypatch.syspath_prepend(str(site.root))
    root = tmp_path / "root"
    monkeypatch.setenv("TEROK_ROOT", str(root))

    assert outcome(setup_stamp.installed_versions) == outcome(reference.installed_versions)
    assert outcome(setup_stamp.stamp_path) == outcome(reference.stamp_path)

    path = root / "setup.stamp"
    if scenario["stamp"] is not None:
        root.mkdir()
        path.write_bytes(scenario["stamp"])
        assert outcome(setup_stamp.read_stamp, path) == outcome(reference.read_stamp, path)
    assert verdict_outcome(setup_stamp.needs_setup) == verdict_outcome(reference.needs_setup)

    # write_stamp: same bytes apart from the time.
    monkeypatch.setenv("TEROK_ROOT", str(tmp_path / "ext"))
    ours = outcome(setup_stamp.write_stamp)
    monkeypatch.setenv("TEROK_ROOT", str(tmp_path / "ref"))
    theirs = outcome(reference.write_stamp)
    assert ours[0] == theirs[0]
    if ours[0] == "ok":
        ext_bytes = _TIMESTAMP.sub(b"T", (tmp_path / "ext" / "setup.stamp").read_bytes())
        ref_bytes = _TIMESTAMP.sub(b"T", (tmp_path / "ref" / "setup.stamp").read_bytes())
        assert ext_bytes == ref_bytes


PAIRS = [(a, b) for a in VERSIONS for b in VERSIONS[::3]]


def test_compare_versions_matches_reference(reference) -> None:
    mismatches = [
        (a, b, ours, theirs)
        for a, b in PAIRS
        if (ours := outcome(setup_stamp._compare_versions, a, b)[:2])
        != (theirs := outcome(reference._compare_versions, a, b)[:2])
    ]
    assert mismatches == []


def test_scenarios_cover_every_verdict(reference, tmp_path, monkeypatch) -> None:
    """The generated scenarios exercise all five verdicts (and a raise)."""
    seen = set()
    base_path = list(sys.path)
    for index, scenario in enumerate(SCENARIOS):
        site = FakeSite(tmp_path / f"site{index}")
        site.root.mkdir()
        site.install_all(scenario["installed"])
        monkeypatch.setattr(sys, "path", [str(site.root), *base_path])
        root = tmp_path / f"root{index}"
        monkeypatch.setenv("TEROK_ROOT", str(root))
        if scenario["stamp"] is not None:
            root.mkdir()
            (root / "setup.stamp").write_bytes(scenario["stamp"])
        seen.add(verdict_outcome(reference.needs_setup))
    verdicts = {value for kind, value in seen if kind == "ok"}
    assert verdicts == {v.value for v in setup_stamp.SetupVerdict}
