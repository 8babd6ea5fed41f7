"""Differential tests for an ecosystem other than terok's.

The made-up ecosystem ``acme-tools`` tracks ``acme-cli`` and ``acme_core``
(``ACME_TOOLS_ROOT``, ``ACME_TOOLS_CONFIG_FILE``, ``/etc/acme-tools``,
``user_data_dir("acme-tools")``).  Each seeded scenario installs some of
them (plus distractors: terok's packages, ``acme`` itself, and a
``acme-cli-9.dist-info`` that is filed under ``acme``), writes a stamp or
not, and chooses where the stamp lives (``ACME_TOOLS_ROOT``, a config file
through ``ACME_TOOLS_CONFIG_FILE``, or the platform default, always with
terok's variables pointing elsewhere).  Four runs must agree:

* the reference: the released ``terok_sandbox.setup_stamp`` (terok-sandbox
  0.5.0 in ``.venv-stamp``, run by ``reference.py --oracle released``), its
  module constants pointed at acme with ``--namespace``/``--package``/
  ``--stamp-file``;
* the ``setup-stamp`` binary with the same flags;
* the binary with the same choice from ``SETUP_STAMP_NAMESPACE``,
  ``SETUP_STAMP_PACKAGES`` and ``SETUP_STAMP_FILE`` (byte-identical output);
* the Python binding, ``SetupStamp(Ecosystem(...), search_path=...)``, in
  this interpreter (skipped, saying why, when ``setup_stamp`` is not
  installed here).

Compared: the stamp path; the verdict (and exit code); the installed
versions in tracked order; the bytes ``write`` leaves (``completed_at``
masked), and a stamp written by one read back as ``ok`` by the others;
whether ``clear`` removed it.  A stamp that resolves outside the scenario's
directory (the real ``/var/lib/acme-tools`` for root) is compared by path
only.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import scenarios as S  # noqa: E402
import test_differential as T  # noqa: E402

NAMESPACE = "acme-tools"
PACKAGES = ["acme-cli", "acme_core"]
FILE_NAMES = ["setup.stamp", "acme.stamp"]
VERDICT_CODES = T.EXIT_CODES
SEED = 20261203
COUNT = 120

try:
    import setup_stamp as binding
except ImportError as exc:  # the extension is built by scripts/test
    binding = None
    BINDING_MISSING = f"the setup_stamp extension is not installed in this interpreter ({exc})"


def _versions(rng: random.Random) -> str:
    return rng.choice(["1.0", "1.0.0", "1.1", "2.0a1", "0.9", "2.0", "10.0", "1.0.post1", "x", "01.02"])


def _dist(site: str, name: str, version: str, dirname: str | None = None) -> list[dict]:
    return S.dist_info(site, name, version, dirname)


def generate(seed: int = SEED, count: int = COUNT) -> list[dict]:
    """Seeded acme scenarios (see the module docstring)."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        file_name = rng.choice(FILE_NAMES)
        files: list[dict] = [S.directory("site")]
        installed: dict[str, str] = {}
        for name in PACKAGES:
            if rng.random() < 0.8:
                version = _versions(rng)
                installed[name] = version
                dirname = None
                roll = rng.random()
                if roll < 0.15:
                    # Normalised names: Acme.Core, ACME_CLI.
                    dirname = f"{name.upper().replace('-', '.')}-{version}.dist-info"
                files += _dist("site", name, version, dirname)
        # Distractors: terok's packages and the bare ``acme``.
        for name in ("terok", "terok-sandbox", "acme"):
            if rng.random() < 0.4:
                files += _dist("site", name, _versions(rng))
        if rng.random() < 0.15:
            # Filed under ``acme``, not ``acme-cli``: the first ``-`` ends the name.
            files += _dist("site", "acme-cli", "9.0", "acme-cli-9.0.dist-info")
        location = rng.choice(["root_env", "root_env", "config_file", "tilde", "default"])
        env: dict[str, str | None] = {
            "TEROK_ROOT": "{root}/terok-state",
            "TEROK_CONFIG_FILE": "{root}/terok.yml",
        }
        files.append(S.file("terok.yml", "paths:\n  root: {root}/terok-config-state\n".replace("{root}", "@ROOT@")))
        if location == "root_env":
            env["ACME_TOOLS_ROOT"] = "{root}/state"
            base = "state"
        elif location == "tilde":
            env["ACME_TOOLS_ROOT"] = "~/acme"
            base = "home/acme"
        elif location == "config_file":
            env["ACME_TOOLS_CONFIG_FILE"] = "{root}/acme.yml"
            files.append(S.file("acme.yml", "paths:\n  root: @ROOT@/from-config/./x/..\n"))
            base = "from-config"
        else:
            base = None  # /var/lib/acme-tools as real root, else XDG_DATA_HOME/acme-tools
        roll = rng.random()
        stamp_kind = "missing"
        if base is not None and roll < 0.75:
            stamped: dict[str, str] = {}
            for name in PACKAGES + ["terok"]:
                if name in installed and rng.random() < 0.8:
                    pick = rng.random()
                    stamped[name] = installed[name] if pick < 0.5 else _versions(rng)
                elif name == "terok" and rng.random() < 0.1:
                    stamped[name] = "1.0"
            files.append(S.file(f"{base}/{file_name}", S.stamp_bytes(stamped)))
            stamp_kind = "stamp"
        elif base is not None and roll < 0.85:
            files.append(S.file(f"{base}/{file_name}", rng.choice([b"", b"[]", b'{"version": 2, "packages": {}}'])))
            stamp_kind = "corrupt"
        out.append(
            {
                "id": f"acme{index:03d}-{location}-{stamp_kind}",
                "kind": "ecosystem",
                "note": f"{file_name}, installed {installed}",
                "files": files,
                "env": env,
                "search_path": ["{root}/site"],
                "cwd": "cwd",
                "user": None,
                "ops": ("path", "check", "versions", "write", "clear"),
                "file_name": file_name,
            }
        )
    return out


SCENARIOS = generate()


def flags(sc: dict) -> list[str]:
    out = ["--namespace", NAMESPACE]
    for name in PACKAGES:
        out += ["--package", name]
    return out + ["--stamp-file", sc["file_name"]]


def chosen_by_env(sc: dict) -> dict[str, str]:
    return {
        "SETUP_STAMP_NAMESPACE": NAMESPACE,
        "SETUP_STAMP_PACKAGES": ",".join(PACKAGES),
        "SETUP_STAMP_FILE": sc["file_name"],
    }


@pytest.fixture(scope="module")
def lab():
    """A world-readable directory with a copy of the binary and a reference server."""
    top = Path(tempfile.mkdtemp(prefix="ssd-eco-"))
    top.chmod(0o755)
    binary = None
    if T.BINARY.is_file():
        binary = top / "setup-stamp"
        shutil.copy2(T.BINARY, binary)
    server = T.released_server()
    try:
        yield {"top": top, "binary": binary, "server": server, "counter": [0]}
    finally:
        server.close()
        shutil.rmtree(top, ignore_errors=True)


class Runs:
    """One scenario's runs in the reference, the binary and the binding."""

    def __init__(self, sc: dict, root: Path, lab: dict):
        self.sc, self.root, self.lab = sc, root, lab
        self.env = T.environment(sc, root)
        self.cwd = str(root / sc["cwd"])
        self.search = [T._subst(p, root) for p in sc["search_path"]]

    def rebuild(self) -> None:
        T.build(self.sc, self.root)

    def python(self, *argv: str) -> tuple[int, bytes]:
        opts: list[str] = []
        for entry in self.search:
            opts += ["--sys-path", entry]
        code, out = self.lab["server"].run(opts + flags(self.sc) + list(argv), self.env, self.cwd, timeout=T.TIMEOUT)
        if code == 1:
            assert json.loads(out)["error"] not in ("HarnessMismatch", "HarnessTimeout"), out
        return code, out

    def rust(self, *argv: str, by_env: bool = False) -> tuple[int, bytes, bytes]:
        cmd = [str(self.lab["binary"])]
        for entry in self.search:
            cmd += ["--sys-path", entry]
        env = dict(self.env)
        if by_env:
            env.update(chosen_by_env(self.sc))
        else:
            cmd += flags(self.sc)
        proc = subprocess.run(cmd + list(argv), env=env, cwd=self.cwd, capture_output=True, timeout=T.TIMEOUT)
        return proc.returncode, proc.stdout, proc.stderr


def _inside(path: str, root: Path, cwd: str) -> bool:
    return T.inside(path, root, cwd)


@pytest.mark.parametrize("sc", SCENARIOS, ids=[sc["id"] for sc in SCENARIOS])
def test_command_matches_reference(sc: dict, lab: dict) -> None:
    if lab["binary"] is None:
        pytest.skip(f"no binary at {T.BINARY}")
    lab["counter"][0] += 1
    root = lab["top"] / f"s{lab['counter'][0]}"
    T.build(sc, root)
    run = Runs(sc, root, lab)
    try:
        # path
        pc, pout = run.python("path")
        rc, rout, rerr = run.rust("path")
        assert (pc, pout) == (rc, rout), f"path: python {pout!r}, rust {rout!r} {rerr!r}"
        assert run.rust("path", by_env=True)[:2] == (rc, rout), "path chosen by the environment differs"
        assert pc == 0
        stamp = pout.decode()[:-1]
        assert stamp.endswith("/acme-tools/" + sc["file_name"]) or _inside(stamp, root, run.cwd), stamp
        # check
        if _inside(stamp, root, run.cwd):
            pc, pout = run.python("check", "--json")
            rc, rout, rerr = run.rust("check", "--json")
            py, rs = json.loads(pout), json.loads(rout)
            assert rs["verdict"] == py["verdict"], f"verdict: rust {rs['verdict']}, python {py['verdict']}"
            assert rc == pc == VERDICT_CODES[py["verdict"]]
            assert rs["stamp_path"] == py["stamp_path"]
            if py["verdict"] not in ("first_run", "stamp_corrupt"):
                assert T._field(rout, "stamped") == T._field(pout, "stamped")
            assert sorted(T._field(rout, "installed")) == sorted(T._field(pout, "installed"))
            assert run.rust("check", "--json", by_env=True)[:2] == (rc, rout), "check chosen by the environment differs"
        # versions, in tracked order
        pc, pout = run.python("versions", "--json")
        rc, rout, _ = run.rust("versions", "--json")
        assert pc == rc == 0
        assert T.pairs(rout) == T.pairs(pout), "installed versions differ"
        assert run.rust("versions", "--json", by_env=True)[:2] == (rc, rout)
        if not _inside(stamp, root, run.cwd):
            return
        # write: same bytes, read back as ok by the other
        stamp_file = Path(T.absolute(stamp, run.cwd))
        run.rebuild()
        rc, rout, rerr = run.rust("write")
        assert rc == 0, rerr
        rust_bytes = stamp_file.read_bytes()
        pc, pout = run.python("check", "--json")
        assert json.loads(pout)["verdict"] == "ok", "python reads the binary's fresh stamp"
        run.rebuild()
        pc, pout = run.python("write")
        assert (pc, pout) == (0, rout)
        assert T.mask(rust_bytes) == T.mask(stamp_file.read_bytes()), "written bytes differ"
        assert json.loads(run.rust("check", "--json")[1])["verdict"] == "ok"
        # clear
        run.rebuild()
        rc = run.rust("clear")[0]
        rust_left = os.path.lexists(stamp_file)
        run.rebuild()
        pc, pout = run.python("clear")
        assert rc == pc == 0
        assert rust_left == os.path.lexists(stamp_file) is False
    except AssertionError as exc:
        raise AssertionError(f"{T.describe(sc)}: {exc}") from None
    finally:
        T.remove_tree(root)


_TIMESTAMP = re.compile(rb'"completed_at": "[^"]*"')


def _enter(run: Runs, monkeypatch) -> None:
    """The scenario's environment and directory, in this process."""
    for key in list(os.environ):
        if key.startswith(("TEROK_", "ACME_", "XDG_", "SETUP_STAMP_")) or key == "HOME":
            monkeypatch.delenv(key)
    for key, value in run.env.items():
        if key != "PATH":
            monkeypatch.setenv(key, os.fsdecode(value))
    monkeypatch.chdir(run.cwd)


def _outcome(func, *args):
    try:
        value = func(*args)
    except Exception as exc:  # noqa: BLE001 — compared, not handled
        return ("raise", type(exc).__name__)
    return ("ok", getattr(value, "value", value))


@pytest.mark.parametrize("sc", SCENARIOS, ids=[sc["id"] for sc in SCENARIOS])
def test_binding_matches_reference(sc: dict, lab: dict, monkeypatch) -> None:
    if binding is None:
        pytest.skip(BINDING_MISSING)
    lab["counter"][0] += 1
    root = lab["top"] / f"b{lab['counter'][0]}"
    T.build(sc, root)
    run = Runs(sc, root, lab)
    stamp = binding.SetupStamp(binding.Ecosystem(NAMESPACE, PACKAGES, sc["file_name"]), search_path=run.search)
    try:
        _enter(run, monkeypatch)
        pc, pout = run.python("path")
        assert pc == 0
        assert str(stamp.stamp_path()) == pout.decode()[:-1], "stamp_path"
        pc, pout = run.python("versions", "--json")
        assert list(stamp.installed_versions().items()) == [tuple(p) for p in T.pairs(pout)], "installed_versions"
        path = stamp.stamp_path()
        if not _inside(str(path), root, run.cwd):
            return
        pc, pout = run.python("check", "--json")
        assert _outcome(stamp.needs_setup) == ("ok", json.loads(pout)["verdict"]), "needs_setup"
        assert stamp.check_report().verdict.value == json.loads(pout)["verdict"], "check_report"
        run.rebuild()
        written = stamp.write_stamp()
        assert written == path
        ours = path.read_bytes()
        assert json.loads(run.python("check", "--json")[1])["verdict"] == "ok"
        run.rebuild()
        assert run.python("write")[0] == 0
        assert _TIMESTAMP.sub(b"T", ours) == _TIMESTAMP.sub(b"T", path.read_bytes()), "written bytes differ"
        assert stamp.needs_setup() is binding.SetupVerdict.OK
        assert stamp.clear_stamp() is True
        assert stamp.clear_stamp() is False
    except AssertionError as exc:
        raise AssertionError(f"{T.describe(sc)}: {exc}") from None
    finally:
        os.chdir(lab["top"])
        T.remove_tree(root)


def test_scenarios_cover_every_verdict_and_place(lab: dict) -> None:
    """The seeded scenarios reach all five verdicts (by the reference) and every location rule."""
    verdicts = set()
    locations = {sc["id"].split("-")[1] for sc in SCENARIOS}
    assert locations == {"root_env", "config_file", "tilde", "default"}, locations
    for index, sc in enumerate(SCENARIOS):
        root = lab["top"] / f"v{index}"
        T.build(sc, root)
        try:
            run = Runs(sc, root, lab)
            code, out = run.python("check", "--json")
            if code != 1:
                verdicts.add(json.loads(out)["verdict"])
        finally:
            T.remove_tree(root)
    assert verdicts == set(VERDICT_CODES), verdicts


def test_reference_follows_the_namespace(lab: dict) -> None:
    """The harness's acme reference reads ACME_TOOLS_ROOT, not TEROK_ROOT (a test of the test)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "TEROK_ROOT": "/t", "ACME_TOOLS_ROOT": "/a"}
    code, out = lab["server"].run(["--namespace", NAMESPACE, "--stamp-file", "f", "path"], env, "/")
    assert (code, out) == (0, b"/a/f\n")
    code, out = lab["server"].run(["path"], env, "/")
    assert (code, out) == (0, b"/t/setup.stamp\n")
