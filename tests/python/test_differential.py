"""Differential test: the extension against the pure-Python reference, in one interpreter.

For each scenario (a set of installed distributions and a stamp file) both
modules run against the same fake ``site-packages`` on ``sys.path`` and the
same ``TEROK_ROOT``; their outcomes must be identical: the verdict (or the
exception type), ``read_stamp``'s result (or exception type and text),
``installed_versions()`` and the bytes ``write_stamp()`` writes.

Scenarios come from ``tests/differential/scenarios.py`` when that module
offers ``generate()`` yielding mappings with ``installed`` (``{name: version
or None}``) and ``stamp`` (``bytes`` or ``None`` for no stamp); otherwise, and
in addition, from the seeded generator below. The reference is
``tests/differential/reference.py`` (see ``conftest.load_reference``).
"""

from __future__ import annotations

import importlib.util
import json
import random
import re
import sys

import pytest

import setup_stamp
from conftest import REPO_ROOT, FakeSite

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


def core_scenarios() -> list[dict]:
    """Scenarios of the core differential suite, when it offers them in this shape."""
    location = REPO_ROOT / "tests" / "differential" / "scenarios.py"
    if not location.is_file():
        return []
    spec = importlib.util.spec_from_file_location("setup_stamp_scenarios", location)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:  # noqa: BLE001 — an unusable module adds no scenarios
        return []
    generate = getattr(module, "generate", None)
    if generate is None:
        return []
    out = []
    for scenario in generate():
        get = scenario.get if isinstance(scenario, dict) else lambda k, s=scenario: getattr(s, k, None)
        installed, stamp = get("installed"), get("stamp")
        if isinstance(installed, dict) and (stamp is None or isinstance(stamp, bytes)):
            out.append({"installed": installed, "stamp": stamp})
    return out


SCENARIOS = core_scenarios() + generated_scenarios()


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
